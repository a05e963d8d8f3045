"""A small mcp 1.x server monitored by telltale_mcp, run by the tests as a real process.

Usage: server_mcp1.py [--transport stdio|http] [--port N] [--lowlevel] [--tag k=v]
Endpoint and key come from TELLTALE_ENDPOINT / TELLTALE_API_KEY (as a user would configure it).
"""

from __future__ import annotations

import asyncio

import mcp.types as types
from mcp.server.fastmcp import FastMCP
from mcp.server.lowlevel import Server
from server_tools import parse_args, register_tools, run_lowlevel_stdio

import telltale_mcp


def build_fastmcp(port: int) -> FastMCP:
    return register_tools(FastMCP("py-sdk-test-server", host="127.0.0.1", port=port))


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


def main() -> None:
    args, tags = parse_args(default_port=8000)
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
