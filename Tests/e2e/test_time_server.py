"""A real third-party server: `mcp-server-time` from PyPI, wrapped by `telltale run`, driven by the official client."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from support import Collector, Wrapper, mcp_client, requests_only, time_server_command

TIME_SERVER_VERSION = version("mcp-server-time")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_time_server_through_telltale(collector: Collector, make_wrapper: Callable[..., Wrapper], mode: str) -> None:
    wrapper = make_wrapper(collector)
    seen: dict[str, object] = {}

    async def drive() -> None:
        async with mcp_client(wrapper.params(time_server_command()), mode) as client:
            seen["tools"] = [t.name for t in (await client.list_tools()).tools]
            seen["now"] = await client.call_tool("get_current_time", {"timezone": "Europe/Paris"})
            seen["convert"] = await client.call_tool(
                "convert_time", {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"})
            # mcp-server-time answers an invalid timezone with an isError tool result (a ToolError).
            seen["invalid"] = await client.call_tool("get_current_time", {"timezone": "Mars/Olympus_Mons"})
            # ... and an unknown tool with JSON-RPC -32602.
            try:
                await client.call_tool("get_weather", {"city": "Paris"})
            except MCPError as error:
                seen["unknown"] = error

    anyio.run(drive)

    # What the client got, through the wrapper.
    assert seen["tools"] == ["get_current_time", "convert_time"]
    assert seen["now"].is_error is False and seen["now"].structured_content["timezone"] == "Europe/Paris"
    assert seen["convert"].structured_content["time_difference"] == "+9.0h"
    assert seen["invalid"].is_error is True
    assert "Invalid timezone" in seen["invalid"].content[0].text
    assert seen["unknown"].error.code == -32602

    # What Telltale recorded: handshake, tools/list, 4 tool calls.
    summary = collector.wait_for_calls(6)
    assert summary["calls"] == 6
    assert summary["outcomes"] == {"ok": 4, "toolError": 1, "error": 1, "cancelled": 0, "noResponse": 0}

    tools = collector.items_by_name("/api/v1/tools")
    assert {name: item["calls"] for name, item in tools.items()} == {
        "get_current_time": 2, "convert_time": 1, "get_weather": 1}
    assert tools["get_current_time"]["toolErrors"] == 1
    assert tools["get_current_time"]["errorRate"] == pytest.approx(0.5)
    assert tools["convert_time"]["errorRate"] == 0
    assert tools["get_weather"]["errors"] == 1

    servers = collector.get("/api/v1/servers")["items"]
    assert [(s["name"], s["version"]) for s in servers] == [("mcp-time", TIME_SERVER_VERSION)]
    clients = collector.get("/api/v1/clients")["items"]
    assert [(c["name"], c["version"]) for c in clients] == [("mcp", "0.1.0")]

    calls = requests_only(collector.all_calls())
    (invalid,) = [c for c in calls if c.get("target") == "get_current_time" and c["outcome"] == "toolError"]
    assert "Invalid timezone" in invalid["errorMessage"]
    assert invalid["request"]["arguments"] == {"timezone": "Mars/Olympus_Mons"}
    (unknown,) = [c for c in calls if c.get("target") == "get_weather"]
    assert (unknown["outcome"], unknown["errorCode"]) == ("error", -32602)
    (ok,) = [c for c in calls if c.get("target") == "get_current_time" and c["outcome"] == "ok"]
    assert ok["response"]["structuredContent"]["timezone"] == "Europe/Paris"
