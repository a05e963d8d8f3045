"""Drives a streamable HTTP MCP server with the official Python `mcp` client (test helper of the TypeScript SDK).

usage: drive_http.py MODE URL   (MODE: legacy = initialize handshake, auto = server/discover probe first)

Lists tools, calls `utc_time` and `always_fails`, and prints one JSON line with what it saw (drive_common.py).
"""

import asyncio
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from drive_common import exercise, report


async def main() -> None:
    mode, url = sys.argv[1:]
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30, read=60)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, cache=None) as client:
            summary = await exercise(client)
    report(summary)


asyncio.run(main())
