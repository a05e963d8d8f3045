"""mcp 1.x (latest 1.30.0): FastMCP and low-level Server, over stdio, streamable HTTP and in-memory, with the
official client, shipping to a real ``telltale serve``; checked through its query API."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp.types as types
from cases import (check_a_process_that_exits_with_the_collector_down_leaves_files_a_new_one_delivers,
                   check_calls_made_while_the_collector_is_down_arrive_once_it_starts, attach_during_a_connection, cancelled_slow_call,
                   check_calls_still_queued_at_exit_are_flushed_on_shutdown,
                   check_dead_collector_in_process, check_dead_collector_server_keeps_answering_over_stdio,
                   check_in_memory_options, check_internal_error_disables_monitoring, check_legacy_sse_session,
                   check_server_to_client_requests, check_streamable_http_session, text)
from helpers import TRACEPARENT, by_method, logged, one, stdio_params
from mcp import ClientSession
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.fastmcp import Context, FastMCP
from mcp.shared.memory import create_connected_server_and_client_session
from servers.server_tools import register_tools

import telltale_mcp
from telltale_mcp._mcp1 import ReadProxy

HEADER_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientInfo": {"name": "modern-client", "version": "7.0"}}


@asynccontextmanager
async def connect_stdio(collector: Any, *args: str):
    """An initialized client session with servers/server_mcp1.py over stdio."""
    async with stdio_client(stdio_params("server_mcp1.py", collector, *args)) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


connect_memory = create_connected_server_and_client_session


def make_server() -> FastMCP:
    return register_tools(FastMCP("in-process-1"))


# -- stdio, real processes --------------------------------------------------------------------------


def test_stdio_fastmcp_captures_initialize_outcomes_redaction_and_tags(collector):
    async def scenario():
        async with connect_stdio(collector, "--tag", "env=ci") as session:
            assert text(await session.call_tool("add", {"a": 2, "b": 3})) == "5"
            assert (await session.call_tool("fail", {"reason": "no luck"})).isError
            await session.call_tool("login", {"user": "ann", "password": "hunter2"})
            await session.call_tool("add", {"a": 1, "b": 1}, meta={"traceparent": TRACEPARENT})
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 4 and by_method(cs, "initialize"))
    init = one(calls, "initialize")
    assert init["client"] == {"name": "mcp", "version": "0.1.0"}
    assert init["server"]["name"] == "py-sdk-test-server"
    assert init["protocolVersion"] == "2025-11-25" and init["transport"] == "stdio"
    assert len({c["session"] for c in calls}) == 1
    adds = by_method(calls, "tools/call", "add")
    assert adds[0]["outcome"] == "ok" and adds[0]["tags"] == {"env": "ci"}
    assert adds[0]["response"]["content"][0]["text"] == "5"
    traced = [c for c in adds if c.get("trace")]
    assert len(traced) == 1 and traced[0]["trace"]["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    failed = one(calls, "tools/call", "fail")
    assert failed["outcome"] == "toolError" and failed["errorMessage"] == "Error executing tool fail: no luck"
    assert one(calls, "tools/call", "login")["request"]["arguments"]["password"] == "[REDACTED]"
    assert one(calls, "notifications/initialized")["kind"] == "notification"


def test_stdio_lowlevel_server_and_json_rpc_errors(collector):
    async def scenario():
        async with connect_stdio(collector, "--lowlevel") as session:
            assert text(await session.call_tool("add", {"a": 4, "b": 4})) == "8"
            assert (await session.call_tool("other", {})).isError
            try:
                await session.send_request(types.ClientRequest(types.ListPromptsRequest()), types.ListPromptsResult)
            except Exception as error:  # noqa: BLE001 - the server has no prompts: a JSON-RPC error
                assert "not found" in str(error).lower()
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "prompts/list") and len(by_method(cs, "tools/call")) >= 2)
    assert one(calls, "initialize")["server"] == {"name": "py-sdk-lowlevel", "version": "0.0.1"}
    assert one(calls, "tools/call", "add")["transport"] == "stdio"
    assert one(calls, "tools/call", "other")["outcome"] == "toolError"
    prompts = one(calls, "prompts/list")
    assert prompts["outcome"] == "error" and prompts["errorCode"] == -32601


def test_calls_still_queued_at_exit_are_flushed_on_shutdown(collector):
    check_calls_still_queued_at_exit_are_flushed_on_shutdown(collector, connect_stdio)


def test_dead_collector_server_keeps_answering_over_stdio():
    check_dead_collector_server_keeps_answering_over_stdio(connect_stdio)


# -- streamable HTTP, real processes ----------------------------------------------------------------


def test_streamable_http_session_is_the_mcp_session_id(collector, tmp_path):
    session_ids: list[str] = []

    async def scenario(port):
        from mcp.shared._httpx_utils import create_mcp_http_client
        http = create_mcp_http_client(headers={"traceparent": HEADER_TRACEPARENT})
        async with http, streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http) as \
                (read, write, get_session_id):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.call_tool("add", {"a": 1, "b": 2}, meta={"traceparent": TRACEPARENT})
                assert (await session.call_tool("fail", {"reason": "bad"})).isError
                session_ids.append(get_session_id())
    calls, add = check_streamable_http_session("server_mcp1.py", collector, tmp_path, scenario)
    assert add["session"] == session_ids[0], "the Mcp-Session-Id"
    assert add["trace"]["spanId"] == "b7ad6b7169203331", "_meta wins over the header"
    failed = one(calls, "tools/call", "fail")
    assert failed["trace"]["traceId"] == "4bf92f3577b34da6a3ce929d0e0e4736", "else the traceparent header"


def test_legacy_sse_transport_is_named_sse_with_its_session_id(collector, tmp_path):
    from mcp.client.sse import sse_client

    async def add_over_sse(url, on_session_created):
        async with sse_client(url, on_session_created=on_session_created) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return text(await session.call_tool("add", {"a": 20, "b": 22}))
    check_legacy_sse_session("server_mcp1.py", collector, tmp_path, add_over_sse)


# -- in-process (memory) -----------------------------------------------------------------------------


def test_in_memory_options_and_modern_meta_identity(collector):
    async def drive(session):
        await session.call_tool("login", {"user": "bo", "password": "pw", "region": "x"})
        await session.call_tool("add", {"a": 1, "b": 2}, meta=MODERN_META)
    calls = check_in_memory_options(collector, make_server(), connect_memory, "mcp1-streams", {"user": "u-42"}, drive,
                                    tool_calls=2,
                                    login_arguments={"user": "bo", "password": "[REDACTED]", "region": "[REDACTED]"})
    login = one(calls, "tools/call", "login")
    assert login["client"] == {"name": "mcp", "version": "0.1.0"}
    add = one(calls, "tools/call", "add")
    assert add["client"] == {"name": "modern-client", "version": "7.0"}, "_meta clientInfo wins"
    assert add["protocolVersion"] == "2026-07-28"


def test_server_to_client_requests_and_notifications_are_recorded_to_client(collector):
    _, elicit = check_server_to_client_requests(collector, make_server(), connect_memory, Context, types)
    assert elicit["requestId"] == "0"


def test_payload_capture_off(collector):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   capture_payloads=False)

    async def scenario():
        async with connect_memory(server) as session:
            await session.call_tool("add", {"a": 1, "b": 2})
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 1)
    assert all("request" not in c and "response" not in c for c in calls)
    assert one(calls, "tools/call", "add")["responseBytes"] > 0


def test_cancelled_request_is_recorded_as_cancelled(collector):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)

    async def scenario():
        async with connect_memory(server) as session:
            slow_id = session._request_id  # the id the next request gets

            async def call_slow():
                try:
                    await session.call_tool("slow", {"seconds": 30})
                except Exception:  # noqa: BLE001 - 1.x answers a cancelled request with an error
                    pass
            async with anyio.create_task_group() as group:
                group.start_soon(call_slow)
                await anyio.sleep(0.3)
                await session.send_notification(types.ClientNotification(types.CancelledNotification(
                    params=types.CancelledNotificationParams(requestId=slow_id, reason="user gave up"))))
                await anyio.sleep(0.2)
                group.cancel_scope.cancel()
            assert text(await session.call_tool("add", {"a": 1, "b": 1})) == "2"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    _, slow = cancelled_slow_call(collector)
    assert slow["errorMessage"] == "user gave up"


def test_attached_after_the_connection_started_warns_once(collector, capsys, caplog):
    server = make_server()

    async def scenario():
        async with connect_memory(server) as session:
            monitor = await attach_during_a_connection(collector, server, session)
        # A new connection after monitor() is captured from its initialize.
        async with connect_memory(server) as session:
            await session.call_tool("add", {"a": 5, "b": 5})
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call") and by_method(cs, "initialize"))
    assert len(by_method(calls, "tools/call")) == 1, "the late connection's calls are not captured on 1.x"
    assert logged(capsys, caplog).count("attached after this connection started") == 1


# -- fail open ---------------------------------------------------------------------------------------


def test_dead_collector_in_process_never_blocks_and_logs_one_line(capsys, caplog):
    check_dead_collector_in_process(make_server(), connect_memory, "k", capsys, caplog)


def test_internal_error_disables_monitoring_and_the_server_keeps_serving(collector, capsys, caplog):
    check_internal_error_disables_monitoring(collector, make_server(), connect_memory, capsys, caplog)


def test_hot_path_error_disables_monitoring_and_the_call_still_runs(collector, capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)
    original_init = ReadProxy.__init__

    def broken_init(self, inner, capture):
        raise AttributeError("stream shape this SDK does not know")
    ReadProxy.__init__ = broken_init
    try:
        async def scenario():
            async with connect_memory(server) as session:
                assert text(await session.call_tool("add", {"a": 1, "b": 1})) == "2"
        anyio.run(scenario)
    finally:
        ReadProxy.__init__ = original_init
    assert not monitor.enabled
    assert logged(capsys, caplog).count("monitoring disabled") == 1


def test_unrecognised_mcp_shape_disables_with_one_line_and_leaves_the_server_alone(capsys, caplog):
    server = make_server()
    lowlevel = server._mcp_server
    original_run = lowlevel.run
    lowlevel.request_handlers = tuple(lowlevel.request_handlers.items())  # not the dict 1.x has
    monitor = telltale_mcp.monitor(server, endpoint="http://127.0.0.1:9", api_key="k")
    assert not monitor.enabled and lowlevel.run == original_run
    err = logged(capsys, caplog)
    assert err.count("monitoring disabled") == 1 and "unsupported server object" in err


# -- disk spool (real collector started late / a process that exits while it is down) -------------------


def test_calls_made_while_the_collector_is_down_arrive_exactly_once_after_it_starts(tmp_path):
    from collector import Collector
    check_calls_made_while_the_collector_is_down_arrive_once_it_starts(Collector(tmp_path), make_server(),
                                                                       connect_memory)


def test_spool_left_by_a_process_that_exited_with_the_collector_down_is_delivered_by_a_new_one(tmp_path):
    from collector import Collector
    check_a_process_that_exits_with_the_collector_down_leaves_files_a_new_one_delivers(
        Collector(tmp_path), connect_stdio, make_server())
