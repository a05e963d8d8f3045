"""An MCP server for Telltale's alert end-to-end tests whose tools fail, slow down or go quiet on command.

Built on the official `mcp` SDK (stdio). The server name is set with `--name`, so every alert scenario can
scope its rules to its own server. Tools:

- `work(mode=None, delay_ms=0)`: behaves as `mode` says, or, without `mode`, as the control file
  (`--control FILE`, JSON `{"mode": ..., "delay_ms": ...}`, re-read on every call) says; no file means `ok`.
- `delete_file(path)`: always succeeds (a tool a "call count" rule watches).

Modes: `ok` (answers at once), `tool_error` (an `isError` tool result), `rpc_error` (a JSON-RPC error
`-32603`), `slow` (answers after `delay_ms`), `quiet` (never answers: the server goes silent for that call).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR

MODES = {"ok", "tool_error", "rpc_error", "slow", "quiet"}


class Behaviour:
    """What `work` does: the call's own `mode` argument, else the control file, else `ok`."""

    def __init__(self, control: Path | None) -> None:
        self.control = control

    def resolve(self, arguments: dict[str, Any] | None) -> tuple[str, float]:
        arguments = arguments or {}
        mode = arguments.get("mode")
        delay_ms = float(arguments.get("delay_ms") or 0)
        if mode is None and self.control is not None and self.control.exists():
            settings = json.loads(self.control.read_text())
            mode = settings.get("mode", "ok")
            delay_ms = float(settings.get("delay_ms", 0))
        mode = mode or "ok"
        if mode not in MODES:
            raise ToolError(f"unknown mode {mode!r}; one of {sorted(MODES)}")
        return mode, delay_ms


def create_server(name: str, control: Path | None) -> MCPServer:
    """The alert test server named `name`, driven by `control` (optional)."""
    server = MCPServer(name, version="2.0.0", subscriptions=False)
    behaviour = Behaviour(control)

    async def rpc_errors(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        # A JSON-RPC error (not an isError result) must be raised before the tool framework wraps it.
        if ctx.method == "tools/call" and ctx.params is not None and ctx.params.get("name") == "work":
            mode, _ = behaviour.resolve(ctx.params.get("arguments"))
            if mode == "rpc_error":
                raise MCPError(code=INTERNAL_ERROR, message="work failed: the backend is down")
        return await call_next(ctx)

    server.middleware.append(rpc_errors)

    @server.tool(description="Do some work; fails, slows down or goes quiet as told (argument or control file).")
    async def work(mode: str | None = None, delay_ms: float = 0) -> str:
        mode, delay = behaviour.resolve({"mode": mode, "delay_ms": delay_ms})
        if mode == "tool_error":
            raise ToolError("work failed: the input was rejected")
        if mode == "slow":
            await anyio.sleep(delay / 1000)
        if mode == "quiet":
            await anyio.sleep_forever()
        return f"worked ({mode})"

    @server.tool(description="Pretend to delete a file.")
    def delete_file(path: str) -> str:
        return f"deleted {path}"

    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="telltale-alerts", help="the server name announced to clients")
    parser.add_argument("--control", type=Path, help="JSON control file read on every call of `work`")
    args = parser.parse_args()
    anyio.run(create_server(args.name, args.control).run_stdio_async)


if __name__ == "__main__":
    main()
