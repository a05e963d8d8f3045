"""Checks both mcp generations run, each test module passing how its generation connects a client: ``connect_stdio
(collector, *server_args)`` to servers/server_mcpN.py, ``connect_memory(server, **client_options)`` in process; each
an async context manager giving an initialized client with ``call_tool``. Imports no mcp module at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import anyio
from helpers import by_method, dead_endpoint, logged, one, run_against_http_server, unreachable_collector
from pydantic import BaseModel

import telltale_mcp

Connect = Callable[..., Any]


class Answer(BaseModel):
    color: str


def text(result: Any) -> str:
    return result.content[0].text


def check_calls_still_queued_at_exit_are_flushed_on_shutdown(collector: Any, connect_stdio: Connect) -> None:
    async def scenario():
        async with connect_stdio(collector, "--flush-interval", "600") as client:
            for i in range(3):
                await client.call_tool("add", {"a": i, "b": i})
    anyio.run(scenario)
    # Nothing is sent before the server exits (10 minutes between batches): only the exit flush delivers.
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) == 3 and by_method(cs, "initialize"))
    assert len(by_method(calls, "tools/call", "add")) == 3


def check_dead_collector_server_keeps_answering_over_stdio(connect_stdio: Connect) -> None:
    async def scenario():
        with anyio.fail_after(60):
            async with connect_stdio(unreachable_collector()) as client:
                for i in range(20):
                    assert text(await client.call_tool("add", {"a": i, "b": 1})) == str(i + 1)
    anyio.run(scenario)


def check_streamable_http_session(script: str, collector: Any, tmp_path: Path,
                                  scenario: Callable[[int], Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``scenario(port)`` calls add (traced through _meta) and fail over streamable HTTP, in one session; checks what
    both generations record; returns the calls and the add call."""
    calls = run_against_http_server(script, collector, tmp_path, scenario,
                                    until=lambda cs: len(by_method(cs, "tools/call")) >= 2 and
                                    by_method(cs, "initialize"))
    init = one(calls, "initialize")
    add = one(calls, "tools/call", "add")
    assert init["transport"] == "http" and add["transport"] == "http"
    assert add["session"] == init["session"], "initialize joins the Mcp-Session-Id session"
    assert add["clientAddress"] == "127.0.0.1"
    assert one(calls, "tools/call", "fail")["outcome"] == "toolError"
    return calls, add


def check_legacy_sse_session(script: str, collector: Any, tmp_path: Path,
                             add_over_sse: Callable[[str, Callable[[str], None]], Any]) -> None:
    """``add_over_sse(url, on_session_created)`` connects with sse_client and returns add(20, 22)'s text."""
    created: list[str] = []

    async def scenario(port):
        assert await add_over_sse(f"http://127.0.0.1:{port}/sse", created.append) == "42"
    calls = run_against_http_server(script, collector, tmp_path, scenario, transport="sse",
                                    until=lambda cs: by_method(cs, "tools/call") and by_method(cs, "initialize"))
    add = one(calls, "tools/call", "add")
    assert add["transport"] == "sse" and one(calls, "initialize")["transport"] == "sse"
    assert created and add["session"] == created[0] == one(calls, "initialize")["session"]


def check_server_to_client_requests(collector: Any, server: Any, connect_memory: Connect, context_type: type,
                                    types: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """An ``ask`` tool logs and elicits (answered "teal"); checks what both generations record; returns the calls
    and the elicitation."""
    async def ask(ctx) -> str:
        await ctx.info("about to ask")
        answer = await ctx.elicit("Favourite colour?", schema=Answer)
        return answer.data.color if answer.action == "accept" else answer.action
    ask.__annotations__["ctx"] = context_type  # how the server finds its Context parameter
    server.tool()(ask)

    async def on_elicit(context, params):
        return types.ElicitResult(action="accept", content={"color": "teal"})

    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)

    async def scenario():
        async with connect_memory(server, elicitation_callback=on_elicit) as client:
            assert text(await client.call_tool("ask", {})) == "teal"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "elicitation/create") and by_method(cs, "tools/call"))
    elicit = one(calls, "elicitation/create")
    assert elicit["direction"] == "toClient" and elicit["outcome"] == "ok"
    assert elicit["response"]["content"] == {"color": "teal"}
    assert one(calls, "notifications/message")["direction"] == "toClient"
    assert one(calls, "tools/call", "ask")["session"] == elicit["session"]
    return calls, elicit


def cancelled_slow_call(collector: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Waits for the cancelled ``slow`` call and the ``add`` after it, checks the slow one; returns the calls and it."""
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call", "slow") and
                                     by_method(cs, "tools/call", "add"))
    slow = one(calls, "tools/call", "slow")
    assert slow["outcome"] == "cancelled", slow
    assert slow["durationNs"] >= 250_000_000
    return calls, slow


def check_dead_collector_in_process(server: Any, connect_memory: Connect, api_key: str, capsys: Any,
                                    caplog: Any, **options: Any) -> dict[str, Any]:
    """50 calls with a collector that is down: none blocks, flush fails, monitoring stays on, one log line; shuts the
    monitor down and returns its stats from before."""
    monitor = telltale_mcp.monitor(server, endpoint=dead_endpoint(), api_key=api_key, flush_interval=0.05, **options)

    async def scenario():
        with anyio.fail_after(60):
            async with connect_memory(server) as client:
                for i in range(50):
                    assert text(await client.call_tool("add", {"a": i, "b": 1})) == str(i + 1)
                    await anyio.sleep(0.005)
    anyio.run(scenario)
    assert monitor.flush(timeout=5) is False and monitor.enabled
    assert logged(capsys, caplog).count("cannot deliver calls to the collector") == 1
    stats = monitor.stats
    monitor.shutdown(timeout=1)
    return stats


async def attach_during_a_connection(collector: Any, server: Any, client: Any) -> Any:
    """One call before ``monitor()``, two after it on the same connection; returns the monitor."""
    await client.call_tool("add", {"a": 1, "b": 1})
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)
    assert text(await client.call_tool("add", {"a": 2, "b": 2})) == "4"
    assert text(await client.call_tool("add", {"a": 3, "b": 3})) == "6"
    return monitor


def check_internal_error_disables_monitoring(collector: Any, server: Any, connect_memory: Connect, capsys: Any,
                                             caplog: Any) -> None:
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)

    def explode(*args, **kwargs):
        raise KeyError("simulated SDK bug")
    monitor.tracker.observe = explode  # an internal hook of the SDK raises

    async def scenario():
        async with connect_memory(server) as client:
            for i in range(5):
                assert text(await client.call_tool("add", {"a": i, "b": 1})) == str(i + 1)
            await anyio.to_thread.run_sync(monitor.flush)
            assert not monitor.enabled
            assert text(await client.call_tool("add", {"a": 10, "b": 1})) == "11"
    anyio.run(scenario)
    err = logged(capsys, caplog)
    assert err.count("monitoring disabled: internal error") == 1 and "simulated SDK bug" in err


def check_in_memory_options(collector: Any, server: Any, connect_memory: Connect, integration: str,
                            tag: dict[str, str], drive: Callable[[Any], Any], tool_calls: int,
                            login_arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """Tags, an extra redaction pattern and a before_send that drops tools/list and adds ``tag``; ``drive(client)``
    makes ``tool_calls`` tool calls, one of them login; checks the login call; returns the calls."""
    seen: list[str] = []

    def before_send(call):
        seen.append(call["method"])
        if call["method"] == "tools/list":
            return None
        call["tags"].update(tag)
        return call

    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   tags={"env": "test"}, redact_keys=["^region$"], before_send=before_send)
    assert monitor.enabled and monitor.integration == integration

    async def scenario():
        async with connect_memory(server) as client:
            await client.list_tools()
            await drive(client)
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= tool_calls)
    assert "tools/list" in seen and not by_method(calls, "tools/list"), "before_send returning None drops"
    login = one(calls, "tools/call", "login")
    assert login["tags"] == {"env": "test", **tag} and login["transport"] == "memory"
    assert login["request"]["arguments"] == login_arguments
    return calls


# -- disk spool -------------------------------------------------------------------------------------


def spool_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ndjson.gz")) if folder.is_dir() else []


def default_spool_folder(collector: Any) -> Path:
    from telltale_mcp._spool import default_spool_root, spool_folder_name
    return default_spool_root() / spool_folder_name(collector.endpoint)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    import time
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.05)


def exactly_once(calls: list[dict[str, Any]], method: str, count: int) -> list[dict[str, Any]]:
    found = by_method(calls, method)
    assert len(found) == count, f"{len(found)} {method} calls stored, expected {count}"
    assert len({c["id"] for c in calls}) == len(calls), "no call is stored twice"
    return found


def check_calls_made_while_the_collector_is_down_arrive_once_it_starts(down_collector: Any, server: Any,
                                                                       connect_memory: Connect) -> None:
    """``down_collector`` is a ``Collector`` not started yet: the calls go to the default spool folder of its endpoint
    and are delivered exactly once when it starts; the folder is empty afterwards."""
    monitor = telltale_mcp.monitor(server, endpoint=down_collector.endpoint, api_key=down_collector.ingest_key,
                                   flush_interval=0.05)
    folder = default_spool_folder(down_collector)

    async def scenario():
        with anyio.fail_after(60):
            async with connect_memory(server) as client:
                for i in range(12):
                    assert text(await client.call_tool("add", {"a": i, "b": 1})) == str(i + 1)
    anyio.run(scenario)
    try:
        wait_until(lambda: monitor.stats["spooled"] >= 13 and spool_files(folder), what="calls in the spool")
        assert monitor.flush(timeout=5) is False
        down_collector.start()
        calls = down_collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 12, timeout=60)
        assert monitor.flush(timeout=30) is True
        wait_until(lambda: not spool_files(folder), what="an empty spool")
        calls = down_collector.all_calls()
        exactly_once(calls, "tools/call", 12)
        exactly_once(calls, "initialize", 1)
        assert monitor.stats["sentFromSpool"] >= 12
    finally:
        monitor.shutdown(timeout=5)
        down_collector.stop()


def check_a_process_that_exits_with_the_collector_down_leaves_files_a_new_one_delivers(
        down_collector: Any, connect_stdio: Connect, server: Any) -> None:
    """A stdio server process exits while the collector is down (its queued calls go to the spool at exit); once the
    collector runs, a new monitor of the same endpoint in this process delivers them, exactly once."""
    folder = default_spool_folder(down_collector)

    async def scenario():
        with anyio.fail_after(60):
            async with connect_stdio(down_collector) as client:
                for i in range(4):
                    assert text(await client.call_tool("add", {"a": i, "b": i})) == str(2 * i)
    anyio.run(scenario)
    wait_until(lambda: spool_files(folder), what="spool files left by the exited server")
    down_collector.start()
    try:
        monitor = telltale_mcp.monitor(server, endpoint=down_collector.endpoint, api_key=down_collector.ingest_key,
                                       flush_interval=0.05)
        try:
            calls = down_collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 4, timeout=60,
                                                  what="the spooled calls of the exited process")
            wait_until(lambda: not spool_files(folder), what="an empty spool")
            calls = down_collector.all_calls()
            assert sorted(c["target"] for c in exactly_once(calls, "tools/call", 4)) == ["add"] * 4
            exactly_once(calls, "initialize", 1)
        finally:
            monitor.shutdown(timeout=5)
    finally:
        down_collector.stop()
