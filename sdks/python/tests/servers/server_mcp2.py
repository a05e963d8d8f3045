"""A small mcp 2.x server monitored by telltale_mcp, run by the tests as a real process.

Usage: server_mcp2.py [--transport stdio|http] [--port N] [--lowlevel] [--tag k=v]
Endpoint and key come from TELLTALE_ENDPOINT / TELLTALE_API_KEY (as a user would configure it).
"""

from __future__ import annotations

import asyncio
import sys

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.mcpserver import MCPServer
from server_tools import parse_args, register_tools, run_lowlevel_stdio

import telltale_mcp


def build_mcpserver() -> MCPServer:
    return register_tools(MCPServer("py-sdk-test-server", version="1.2.3"))


def build_lowlevel() -> Server:
    async def list_tools(ctx, params):
        return types.ListToolsResult(tools=[types.Tool(name="add", input_schema={"type": "object"})])

    async def call_tool(ctx, params):
        args = params.arguments or {}
        if params.name != "add":
            return types.CallToolResult(content=[types.TextContent(type="text", text=f"no tool {params.name}")],
                                        is_error=True)
        return types.CallToolResult(content=[types.TextContent(type="text", text=str(args["a"] + args["b"]))])

    return Server("py-sdk-lowlevel", version="0.0.1", on_list_tools=list_tools, on_call_tool=call_tool)


def main() -> None:
    args, tags = parse_args(default_port=0)
    if args.lowlevel:
        server = build_lowlevel()
        telltale_mcp.monitor(server, tags=tags, flush_interval=args.flush_interval)
        asyncio.run(run_lowlevel_stdio(server))
        return
    server = build_mcpserver()
    telltale_mcp.monitor(server, tags=tags, flush_interval=args.flush_interval)
    if args.transport == "stdio":
        server.run("stdio")
    elif args.transport == "sse":
        server.run("sse", host="127.0.0.1", port=args.port)
    else:
        server.run("streamable-http", host="127.0.0.1", port=args.port)
    print("server exited", file=sys.stderr)


if __name__ == "__main__":
    main()
