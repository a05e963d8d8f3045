"""The README's example server runs, answers, and its calls reach a real collector (both mcp generations)."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
from conftest import MCP_MAJOR
from helpers import by_method, one, server_env

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "server.py"


async def call_example(collector) -> str:
    if MCP_MAJOR >= 2:
        from mcp import Client, StdioServerParameters
        params = StdioServerParameters(command=sys.executable, args=[str(EXAMPLE)], env=server_env(collector))
        async with Client(params, mode="legacy") as client:
            await client.call_tool("sign_in", {"user": "ann", "password": "s3cret"})
            await client.call_tool("forecast", {"city": "Lyon", "days": 30})
            return (await client.call_tool("forecast", {"city": "Lyon"})).content[0].text
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    params = StdioServerParameters(command=sys.executable, args=[str(EXAMPLE)], env=server_env(collector))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.call_tool("sign_in", {"user": "ann", "password": "s3cret"})
            await session.call_tool("forecast", {"city": "Lyon", "days": 30})
            return (await session.call_tool("forecast", {"city": "Lyon"})).content[0].text


def test_example_server_is_monitored(collector):
    answer = anyio.run(call_example, collector)
    assert answer == "Lyon: sunny for 1 day(s)"
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) == 3 and by_method(cs, "initialize"))
    sign_in = one(calls, "tools/call", "sign_in")
    assert sign_in["request"]["arguments"]["password"] == "[REDACTED]"
    assert sign_in["tags"] == {"env": "example", "tenant": "demo"}
    outcomes = sorted(c["outcome"] for c in by_method(calls, "tools/call", "forecast"))
    assert outcomes == ["ok", "toolError"]
    assert one(calls, "initialize")["server"]["name"] == "telltale-example"
