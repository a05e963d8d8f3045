"""Drives a stdio MCP server with the official Python `mcp` client (test helper of the TypeScript SDK).

usage: drive_stdio.py MODE COMMAND [ARGS…]   (MODE: legacy = initialize handshake, auto = server/discover probe first)

Lists tools, calls `utc_time` and `always_fails`, and prints one JSON line with what it saw (drive_common.py). The
server's environment (TELLTALE_ENDPOINT, TELLTALE_API_KEY …) is inherited.
"""

import asyncio
import os
import sys

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from drive_common import exercise, report


async def main() -> None:
    mode, command, *args = sys.argv[1:]
    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with Client(stdio_client(params, errlog=sys.stderr), mode=mode) as client:
        summary = await exercise(client)
    report(summary)


asyncio.run(main())
