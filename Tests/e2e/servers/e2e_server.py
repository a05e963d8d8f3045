"""A small MCP server for Telltale's end-to-end tests, built on the official `mcp` SDK.

Tools: `echo` (ok), `fail` (raises: an `isError` tool result), `slow` (sleeps, for
cancellation and durations), `add` (numbers), `login` (takes a `password`, for redaction),
`crash` (the process exits mid-request: the request never gets a response).
One prompt (`greeting`) and one static resource (`telltale://e2e/info`).

`MCPServer.run_stdio_async` serves both protocol eras on the same stdio connection: an
`initialize` handshake (legacy clients) and the sessionless 2026-07-28 mode (`server/discover`
or a request carrying the 2026 `_meta` envelope).

A call to an unknown tool is answered with JSON-RPC `-32602`, as both spec revisions require
(`MCPServer` alone would answer with an `isError` result), the same way the reference
`mcp-server-time` server does it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS

SERVER_NAME = "telltale-e2e"
SERVER_VERSION = "1.4.2"
RESOURCE_URI = "telltale://e2e/info"


def create_server() -> MCPServer:
    """The e2e server with its tools, prompt and resource registered."""
    server = MCPServer(SERVER_NAME, version=SERVER_VERSION, subscriptions=False)

    async def reject_unknown_tools(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/call" and ctx.params is not None:
            name = ctx.params.get("name")
            if isinstance(name, str) and name not in {tool.name for tool in await server.list_tools()}:
                raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        return await call_next(ctx)

    server.middleware.append(reject_unknown_tools)

    @server.tool(description="Return the given text unchanged.")
    def echo(text: str) -> str:
        return text

    @server.tool(description="Always fails with the given message (an isError tool result).")
    def fail(message: str = "this tool always fails") -> str:
        raise ToolError(message)

    @server.tool(description="Sleep for the given number of seconds, then say so.")
    async def slow(seconds: float) -> str:
        await anyio.sleep(seconds)
        return f"slept {seconds}s"

    @server.tool(description="Add two numbers.")
    def add(a: float, b: float) -> float:
        return a + b

    @server.tool(description="Pretend to log in (the password argument must never be stored).")
    def login(username: str, password: str) -> str:
        return f"welcome {username} ({len(password)} characters of password checked)"

    @server.tool(description="Exit the server process at once with the given code, without answering.")
    def crash(code: int = 3) -> str:
        sys.stdout.flush()
        os._exit(code)

    @server.prompt(description="A friendly greeting for someone.")
    def greeting(name: str) -> str:
        return f"Please greet {name} warmly."

    @server.resource(RESOURCE_URI, name="info", description="Static facts about this server.", mime_type="text/plain")
    def info() -> str:
        return f"{SERVER_NAME} {SERVER_VERSION}: a test server for Telltale"

    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pollute", action="store_true", help="print a non-JSON line to stdout before serving")
    args = parser.parse_args()
    if args.pollute:
        sys.stdout.write("e2e server starting (this line is stdout pollution)\n")
        sys.stdout.flush()
    anyio.run(create_server().run_stdio_async)


if __name__ == "__main__":
    main()
