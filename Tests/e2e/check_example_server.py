"""Drive `telltale example-server` with the official MCP Python client (mcp 2.x).

Runs the server once in the client's default mode (2026-07-28: `server/discover`, then stateless
requests) and once with mode="legacy" (`initialize` handshake), lists tools, prompts and resources,
calls every tool and checks each outcome. Exits non-zero on the first mismatch.

    python Tests/e2e/check_example_server.py [path/to/telltale]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mcp import Client, MCPError, StdioServerParameters

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_TOOLS = {"get_weather", "search_docs", "create_ticket", "flaky_lookup", "slow_report", "explode"}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def text_of(result) -> str:
    return " ".join(block.text for block in result.content if getattr(block, "type", None) == "text")


async def exercise(telltale: str, mode: str) -> None:
    params = StdioServerParameters(command=telltale, args=["example-server", "--latency-scale", "0.2", "--fail-rate", "1"])
    async with Client(params, mode=mode) as client:
        expected_version = "2026-07-28" if mode == "auto" else "2025-11-25"
        check(client.protocol_version == expected_version, f"{mode}: protocol {client.protocol_version}")
        info = client.server_info
        check(info is not None and info.name == "telltale-example" and info.version == "1.0.0", f"{mode}: serverInfo {info}")

        tools = await client.list_tools()
        names = {tool.name for tool in tools.tools}
        check(names == EXPECTED_TOOLS, f"{mode}: tools {sorted(names)}")

        weather = await client.call_tool("get_weather", {"city": "Tokyo"})
        check(not weather.is_error and "Tokyo" in text_of(weather), f"{mode}: get_weather {weather}")
        unknown_city = await client.call_tool("get_weather", {"city": "Atlantis"})
        check(unknown_city.is_error and "Unknown city" in text_of(unknown_city), f"{mode}: unknown city {unknown_city}")
        docs = await client.call_tool("search_docs", {"query": "rollback"})
        check(not docs.is_error and "deploy-rollback" in text_of(docs), f"{mode}: search_docs {docs}")
        ticket = await client.call_tool("create_ticket", {"title": "Disk full", "priority": "high"})
        check(not ticket.is_error and "TCK-" in text_of(ticket), f"{mode}: create_ticket {ticket}")
        invalid = await client.call_tool("create_ticket", {"priority": "low"})
        check(invalid.is_error and "title" in text_of(invalid), f"{mode}: create_ticket without title {invalid}")
        flaky = await client.call_tool("flaky_lookup", {"id": "ord-7"})  # --fail-rate 1: always fails
        check(flaky.is_error and "timed out" in text_of(flaky), f"{mode}: flaky_lookup {flaky}")
        report = await client.call_tool("slow_report", {})
        check(not report.is_error and "report" in text_of(report), f"{mode}: slow_report {report}")

        for name, code in (("explode", -32603), ("no_such_tool", -32602)):
            try:
                await client.call_tool(name, {})
            except MCPError as error:
                check(error.code == code, f"{mode}: {name} gave code {error.code}")
            else:
                raise AssertionError(f"{mode}: {name} did not fail")

        # Abandoning a slow call makes the client send notifications/cancelled; the server stays usable.
        try:
            await client.call_tool("slow_report", {}, read_timeout_seconds=0.05)
        except MCPError as error:
            print(f"  {mode}: slow_report abandoned as expected ({error.code} {error})")
        else:
            raise AssertionError(f"{mode}: slow_report with a 50 ms timeout did not time out")

        prompts = await client.list_prompts()
        check([p.name for p in prompts.prompts] == ["summarize_incident"], f"{mode}: prompts {prompts}")
        prompt = await client.get_prompt("summarize_incident", {"incident_id": "INC-7"})
        check("INC-7" in prompt.messages[0].content.text, f"{mode}: prompt {prompt}")

        resources = await client.list_resources()
        uris = [str(r.uri) for r in resources.resources]
        check("docs://runbook/database-failover" in uris, f"{mode}: resources {uris}")
        runbook = await client.read_resource("docs://runbook/deploy-rollback")
        check("rollback" in runbook.contents[0].text, f"{mode}: read {runbook}")
        print(f"  {mode}: protocol {client.protocol_version}, {len(names)} tools, every outcome as expected")


async def main() -> None:
    telltale = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build" / "debug" / "telltale")
    for mode in ("auto", "legacy"):
        await exercise(telltale, mode)
    print("ok: the official mcp client talks to telltale example-server in both modes")


if __name__ == "__main__":
    asyncio.run(main())
