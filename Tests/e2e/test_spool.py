"""Collector down during traffic, then up: every call arrives, exactly once.

The shipper spools to `$XDG_DATA_HOME/telltale/spool` while the collector is unreachable; a later
`telltale run` (or the same one, had it lived) drains the spool when the collector is back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import anyio

from support import Collector, Wrapper, count_by, e2e_server_command, mcp_client, requests_only


async def traffic(wrapper: Wrapper, mode: str, echoes: int, adds: int) -> None:
    async with mcp_client(wrapper.params(e2e_server_command()), mode) as client:
        await client.list_tools()
        for i in range(echoes):
            await client.call_tool("echo", {"text": f"offline-{i}"})
        for i in range(adds):
            await client.call_tool("add", {"a": i, "b": 1})
        await client.call_tool("fail", {"message": "while the collector was away"})


def spool_files(xdg: Path) -> list[Path]:
    spool = xdg / "telltale" / "spool"
    return [p for p in spool.rglob("*") if p.is_file()] if spool.exists() else []


def test_calls_made_while_the_collector_is_down_arrive_exactly_once(
    idle_collector: Collector, make_wrapper: Callable[..., Wrapper]
) -> None:
    collector = idle_collector  # keys exist, port chosen, nothing listening yet
    wrapper = make_wrapper(collector)

    # Two sessions of traffic while nothing listens on the endpoint; the MCP traffic itself must not suffer.
    started = time.monotonic()
    anyio.run(traffic, wrapper, "auto", 5, 3)
    anyio.run(traffic, wrapper, "legacy", 2, 1)
    assert time.monotonic() - started < 30, "a down collector must not slow the wrapped server down"
    assert spool_files(wrapper.xdg_data_home), "the shipper should have spooled the calls on disk"

    # Collector comes up; one more short session drains the spool and ships its own calls.
    collector.start()
    anyio.run(traffic, wrapper, "auto", 1, 0)

    # Requests: session 1 = discover + tools/list + 5 echo + 3 add + fail = 11;
    #           session 2 = initialize + tools/list + 2 echo + 1 add + fail = 6;
    #           session 3 = discover + tools/list + 1 echo + fail = 4.
    expected_requests = 11 + 6 + 4
    summary = collector.wait_for_calls(expected_requests, timeout=20)
    # Give any duplicate delivery a moment to show up before we count.
    time.sleep(1.0)
    summary = collector.get("/api/v1/summary")
    assert summary["calls"] == expected_requests
    assert summary["sessions"] == 3

    calls = collector.all_calls()
    ids = [c["id"] for c in calls]
    assert len(ids) == len(set(ids)), "a call id was stored twice"
    requests = requests_only(calls)
    assert len(requests) == expected_requests
    per_tool = count_by([c for c in requests if c["method"] == "tools/call"], lambda c: c["target"])
    assert per_tool == {"echo": 5 + 2 + 1, "add": 3 + 1, "fail": 3}
    assert {name: item["calls"] for name, item in collector.items_by_name("/api/v1/tools").items()} == per_tool
    assert sorted(s["calls"] for s in collector.sessions()) == [4, 6, 11]
    # Every echo text exactly once.
    texts = sorted(c["request"]["arguments"]["text"] for c in requests if c.get("target") == "echo")
    assert texts == sorted([f"offline-{i}" for i in range(5)] + [f"offline-{i}" for i in range(2)] + ["offline-0"])

    # The spool is drained.
    deadline = time.monotonic() + 10
    while spool_files(wrapper.xdg_data_home) and time.monotonic() < deadline:
        time.sleep(0.2)
    leftover = [p for p in spool_files(wrapper.xdg_data_home) if p.stat().st_size > 0]
    assert not leftover, f"spool not drained: {leftover}"
