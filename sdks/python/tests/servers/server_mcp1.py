"""A small mcp 1.x server monitored by telltale_mcp, run by the tests as a real process.

Usage: server_mcp1.py [--transport stdio|http] [--port N] [--lowlevel] [--tag k=v]
Endpoint and key come from TELLTALE_ENDPOINT / TELLTALE_API_KEY (as a user would configure it).
"""

from __future__ import annotations

import argparse
import asyncio

import mcp.types as types
from mcp.server.fastmcp import FastMCP
from mcp.server.lowlevel import Server

import telltale_mcp


def build_fastmcp(port: int) -> FastMCP:
    server = FastMCP("py-sdk-test-server", host="127.0.0.1", port=port)

    @server.tool()
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails (a tool error)."""
        raise ValueError(reason)

    @server.tool()
    def login(user: str, password: str) -> str:
        """Pretends to log in (its password must be redacted)."""
        return f"welcome {user}"

    @server.tool()
    async def slow(seconds: float) -> str:
        """Sleeps (for cancellation)."""
        await asyncio.sleep(seconds)
        return "done"

    return server


def build_lowlevel() -> Server:
    server: Server = Server("py-sdk-lowlevel", version="0.0.1")

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return [types.Tool(name="add", inputSchema={"type": "object"})]

    @server.call_tool()
    async def call_tool(name: str, arguments: dict) -> list[types.TextContent]:
        if name != "add":
            raise ValueError(f"no tool {name}")
        return [types.TextContent(type="text", text=str(arguments["a"] + arguments["b"]))]

    return server


async def run_lowlevel_stdio(server: Server) -> None:
    from mcp.server.stdio import stdio_server
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", default="stdio", choices=["stdio", "http", "sse"])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--lowlevel", action="store_true")
    parser.add_argument("--tag", action="append", default=[])
    parser.add_argument("--flush-interval", type=float, default=0.2)
    args = parser.parse_args()
    tags = dict(item.split("=", 1) for item in args.tag)
    if args.lowlevel:
        server = build_lowlevel()
        telltale_mcp.monitor(server, tags=tags, transport="stdio", flush_interval=args.flush_interval)
        asyncio.run(run_lowlevel_stdio(server))
        return
    fast = build_fastmcp(args.port)
    telltale_mcp.monitor(fast, tags=tags, flush_interval=args.flush_interval)
    fast.run({"stdio": "stdio", "http": "streamable-http", "sse": "sse"}[args.transport])


if __name__ == "__main__":
    main()
