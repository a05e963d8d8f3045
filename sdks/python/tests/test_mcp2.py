"""mcp 2.x: MCPServer and low-level Server, over stdio, streamable HTTP and in-memory, with the official
client, shipping to a real ``telltale serve``; checked through its query API."""

from __future__ import annotations

from typing import Any

import anyio
import mcp_types as types
from cases import (check_a_process_that_exits_with_the_collector_down_leaves_files_a_new_one_delivers,
                   check_calls_made_while_the_collector_is_down_arrive_once_it_starts, attach_during_a_connection, cancelled_slow_call,
                   check_calls_still_queued_at_exit_are_flushed_on_shutdown,
                   check_dead_collector_server_keeps_answering_over_stdio, check_in_memory_options,
                   check_legacy_sse_session, check_server_to_client_requests, check_streamable_http_session, text)
from helpers import TRACEPARENT, by_method, logged, one, run_against_http_server, stdio_params
from mcp import Client
from mcp.server.mcpserver import Context, MCPServer
from servers.server_tools import register_tools

import telltale_mcp


def connect_stdio(collector: Any, *args: str) -> Client:
    """A handshake-era client of servers/server_mcp2.py over stdio."""
    return Client(stdio_params("server_mcp2.py", collector, *args), mode="legacy")


def connect_memory(server: MCPServer, **options: Any) -> Client:
    """A handshake-era client of an in-process server."""
    return Client(server, mode="legacy", **options)


def make_server() -> MCPServer:
    return register_tools(MCPServer("in-process", version="9.9.9"))


# -- stdio, real processes --------------------------------------------------------------------------


def test_stdio_handshake_era_captures_initialize_outcomes_redaction_and_tags(collector):
    async def scenario():
        async with connect_stdio(collector, "--tag", "env=ci") as client:
            assert text(await client.call_tool("add", {"a": 2, "b": 3})) == "5"
            assert (await client.call_tool("fail", {"reason": "no luck"})).is_error
            assert text(await client.call_tool("login", {"user": "ann", "password": "hunter2"})) \
                == "welcome ann"
            assert (await client.call_tool("missing", {})).is_error
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 4 and by_method(cs, "initialize"))
    init = one(calls, "initialize")
    assert init["client"] == {"name": "mcp", "version": "0.1.0"}
    assert init["server"] == {"name": "py-sdk-test-server", "version": "1.2.3"}
    assert init["protocolVersion"] == "2025-11-25"
    assert init["transport"] == "stdio" and init["outcome"] == "ok" and init["requestId"].isdigit()
    assert init["requestBytes"] > 50 and init["responseBytes"] > 50
    assert len({c["session"] for c in calls}) == 1, "one stdio connection is one session"
    add = one(calls, "tools/call", "add")
    assert add["outcome"] == "ok" and add["tags"] == {"env": "ci"}
    assert add["client"]["name"] == "mcp" and add["server"]["version"] == "1.2.3"
    assert add["request"]["arguments"] == {"a": 2, "b": 3}
    assert add["response"]["content"][0]["text"] == "5"
    assert add["durationNs"] > 0
    failed = one(calls, "tools/call", "fail")
    assert failed["outcome"] == "toolError" and failed["errorMessage"] == "Error executing tool fail"
    login = one(calls, "tools/call", "login")
    assert login["request"]["arguments"] == {"user": "ann", "password": "[REDACTED]"}
    assert one(calls, "tools/call", "missing")["outcome"] == "toolError"
    assert one(calls, "notifications/initialized")["kind"] == "notification"


def test_stdio_modern_era_reads_identity_and_version_from_meta(collector):
    async def scenario():
        async with Client(stdio_params("server_mcp2.py", collector), mode="auto") as client:
            await client.call_tool("add", {"a": 1, "b": 1}, meta={"traceparent": TRACEPARENT})
            await client.call_tool("add", {"a": 1, "b": 2})
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 2)
    assert not by_method(calls, "initialize")
    assert by_method(calls, "server/discover"), "the modern client opens with server/discover"
    for call in by_method(calls, "tools/call"):
        assert call["client"] == {"name": "mcp", "version": "0.1.0"}
        assert call["protocolVersion"] == "2026-07-28"
        assert call["server"] == {"name": "py-sdk-test-server", "version": "1.2.3"}
        assert call["transport"] == "stdio"
    traced = [c for c in by_method(calls, "tools/call") if c.get("trace")]
    assert len(traced) == 1
    assert traced[0]["trace"]["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert traced[0]["trace"]["spanId"] == "b7ad6b7169203331"
    assert len({c["session"] for c in calls}) == 1, "one stdio connection is one session in the modern era too"


def test_lowlevel_server_over_stdio_is_captured_from_initialize(collector):
    async def scenario():
        async with connect_stdio(collector, "--lowlevel") as client:
            assert text(await client.call_tool("add", {"a": 4, "b": 4})) == "8"
            assert (await client.call_tool("other", {})).is_error
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 2 and by_method(cs, "initialize"))
    assert one(calls, "initialize")["server"] == {"name": "py-sdk-lowlevel", "version": "0.0.1"}
    assert one(calls, "tools/call", "add")["transport"] == "stdio"
    other = one(calls, "tools/call", "other")
    assert other["outcome"] == "toolError" and other["errorMessage"] == "no tool other"


def test_calls_still_queued_at_exit_are_flushed_on_shutdown(collector):
    check_calls_still_queued_at_exit_are_flushed_on_shutdown(collector, connect_stdio)


def test_dead_collector_server_keeps_answering_over_stdio(tmp_path):
    check_dead_collector_server_keeps_answering_over_stdio(connect_stdio)


# -- streamable HTTP, real processes ----------------------------------------------------------------


def test_streamable_http_session_is_the_mcp_session_id(collector, tmp_path):
    async def scenario(port):
        async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:
            await client.call_tool("add", {"a": 1, "b": 2}, meta={"traceparent": TRACEPARENT})
            assert (await client.call_tool("fail", {"reason": "bad"})).is_error
    _, add = check_streamable_http_session("server_mcp2.py", collector, tmp_path, scenario)
    assert len(add["session"]) == 32, "the Mcp-Session-Id (uuid hex)"
    assert add["trace"]["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert add["client"] == {"name": "mcp", "version": "0.1.0"}


def test_streamable_http_modern_requests_are_captured(collector, tmp_path):
    async def scenario(port):
        async with Client(f"http://127.0.0.1:{port}/mcp", mode="auto") as client:
            await client.call_tool("add", {"a": 1, "b": 2}, meta={"traceparent": TRACEPARENT})
            await client.call_tool("add", {"a": 2, "b": 2}, meta={"traceparent": TRACEPARENT})
    calls = run_against_http_server("server_mcp2.py", collector, tmp_path, scenario,
                                    until=lambda cs: len(by_method(cs, "tools/call")) >= 2)
    adds = by_method(calls, "tools/call", "add")
    assert {c["protocolVersion"] for c in adds} == {"2026-07-28"}
    assert {c["transport"] for c in adds} == {"http"}
    assert {c["session"] for c in adds} == {"0af7651916cd43dd8448eb211c80319c"}, "sessionless: grouped by trace id"
    assert all(c["client"] == {"name": "mcp", "version": "0.1.0"} for c in adds)


def test_legacy_sse_transport_is_named_sse_with_its_session_id(collector, tmp_path):
    from mcp.client.sse import sse_client

    async def add_over_sse(url, on_session_created):
        async with Client(sse_client(url, on_session_created=on_session_created), mode="legacy") as client:
            return text(await client.call_tool("add", {"a": 20, "b": 22}))
    check_legacy_sse_session("server_mcp2.py", collector, tmp_path, add_over_sse)


# -- in-process (memory transport) -------------------------------------------------------------------


def test_options_payloads_off_extra_redaction_and_before_send(collector):
    async def drive(client):
        await client.call_tool("login", {"user": "bo", "password": "pw", "api_key": "k", "region": "x"})
    check_in_memory_options(collector, make_server(), connect_memory, "mcp2-middleware", {"tenant": "acme"}, drive,
                            tool_calls=1, login_arguments={"user": "bo", "password": "[REDACTED]",
                                                           "api_key": "[REDACTED]", "region": "[REDACTED]"})

    quiet = make_server()
    monitor2 = telltale_mcp.monitor(quiet, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                    capture_payloads=False, tags={"run": "nopayload"})

    async def second():
        async with connect_memory(quiet) as client:
            await client.call_tool("add", {"a": 1, "b": 2})
        assert await anyio.to_thread.run_sync(monitor2.flush)
    anyio.run(second)
    calls = collector.wait_for_calls(lambda cs: any(c["tags"].get("run") == "nopayload" and
                                                    c["method"] == "tools/call" for c in cs))
    add = [c for c in calls if c["tags"].get("run") == "nopayload" and c["method"] == "tools/call"][0]
    assert "request" not in add and "response" not in add
    assert add["requestBytes"] > 0 and add["responseBytes"] > 0


def test_before_send_that_raises_sends_the_call_unchanged(collector, capsys, caplog):
    server = make_server()

    def broken(call):
        raise RuntimeError("hook bug")

    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   before_send=broken)

    async def scenario():
        async with connect_memory(server) as client:
            await client.call_tool("add", {"a": 1, "b": 2})
            await client.call_tool("add", {"a": 3, "b": 2})
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 2)
    assert len(by_method(calls, "tools/call", "add")) == 2
    assert logged(capsys, caplog).count("before_send raised RuntimeError") == 1


def test_cancelled_request_is_recorded_as_cancelled(collector):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)

    async def scenario():
        async with connect_memory(server) as client:
            with anyio.move_on_after(0.3):
                await client.call_tool("slow", {"seconds": 30})
            assert text(await client.call_tool("add", {"a": 1, "b": 1})) == "2"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls, _ = cancelled_slow_call(collector)
    assert by_method(calls, "notifications/cancelled")


def test_server_to_client_requests_and_notifications_are_recorded_to_client(collector):
    calls, elicit = check_server_to_client_requests(collector, make_server(), connect_memory, Context, types)
    assert elicit["kind"] == "request" and elicit["request"]["message"] == "Favourite colour?"
    assert "requestId" not in elicit and elicit["durationNs"] > 0
    log = one(calls, "notifications/message")
    assert log["kind"] == "notification"
    ask = one(calls, "tools/call", "ask")
    assert ask["session"] == log["session"]
    assert ask["durationNs"] > elicit["durationNs"]


def test_request_without_an_answer_within_the_timeout_is_no_response(collector):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   request_timeout=0.5)

    async def scenario():
        async with connect_memory(server) as client:
            assert text(await client.call_tool("slow", {"seconds": 4})) == "done"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call", "slow"))
    slow = one(calls, "tools/call", "slow")
    assert slow["outcome"] == "noResponse" and slow["errorMessage"] == "no response within 0.5 s"
    assert 500_000_000 <= slow["durationNs"] < 4_000_000_000


def test_attached_after_the_handshake_warns_once_and_keeps_the_client_identity(collector, capsys, caplog):
    server = make_server()

    async def scenario():
        async with connect_memory(server) as client:
            monitor = await attach_during_a_connection(collector, server, client)
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 2)
    assert not by_method(calls, "initialize")
    adds = by_method(calls, "tools/call", "add")
    assert len(adds) == 2
    assert all(c["client"] == {"name": "mcp", "version": "0.1.0"} and c["protocolVersion"] == "2025-11-25"
               for c in adds)
    assert len({c["session"] for c in adds}) == 1
    assert logged(capsys, caplog).count("attached after the MCP handshake") == 1


# -- disk spool (real collector started late / a process that exits while it is down) -------------------


def test_calls_made_while_the_collector_is_down_arrive_exactly_once_after_it_starts(tmp_path):
    from collector import Collector
    check_calls_made_while_the_collector_is_down_arrive_once_it_starts(Collector(tmp_path), make_server(),
                                                                       connect_memory)


def test_spool_left_by_a_process_that_exited_with_the_collector_down_is_delivered_by_a_new_one(tmp_path):
    from collector import Collector
    check_a_process_that_exits_with_the_collector_down_leaves_files_a_new_one_delivers(
        Collector(tmp_path), connect_stdio, make_server())
