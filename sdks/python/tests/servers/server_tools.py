"""What the mcp 1.x and 2.x test servers (and the tests' in-process servers) share: the tools, the command line,
running a low-level server on stdio. Imports no mcp module at import time, so either generation can use it."""

from __future__ import annotations

import argparse
from typing import Any

import anyio


def register_tools(server: Any) -> Any:
    """Registers add, fail, login and slow on a FastMCP (1.x) or MCPServer (2.x); returns the server."""

    @server.tool()
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails (a tool error)."""
        raise ValueError(reason)

    @server.tool()
    def login(user: str, password: str, api_key: str = "", region: str = "eu") -> str:
        """Pretends to log in (its password must be redacted)."""
        return f"welcome {user}"

    @server.tool()
    async def slow(seconds: float) -> str:
        """Sleeps (for cancellation)."""
        await anyio.sleep(seconds)
        return "done"

    return server


def parse_args(default_port: int) -> tuple[argparse.Namespace, dict[str, str]]:
    """The servers' command line, and its --tag k=v pairs as a dict."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", default="stdio", choices=["stdio", "http", "sse"])
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--lowlevel", action="store_true")
    parser.add_argument("--tag", action="append", default=[])
    parser.add_argument("--flush-interval", type=float, default=0.2)
    args = parser.parse_args()
    return args, dict(item.split("=", 1) for item in args.tag)


async def run_lowlevel_stdio(server: Any) -> None:
    from mcp.server.stdio import stdio_server
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
