"""mcp 1.x (latest 1.30.0): FastMCP and low-level Server, over stdio, streamable HTTP and in-memory, with the
official client, shipping to a real ``telltale serve``; checked through its query API."""

from __future__ import annotations

import sys
from typing import Any

import anyio
import mcp.types as types
from helpers import SERVERS, by_method, dead_endpoint, free_port, logged, one, server_env, start_http_server, stop
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.fastmcp import Context, FastMCP
from pydantic import BaseModel
from mcp.shared.memory import create_connected_server_and_client_session

import telltale_mcp
from telltale_mcp._mcp1 import ReadProxy

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
HEADER_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Answer(BaseModel):
    color: str


MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientInfo": {"name": "modern-client", "version": "7.0"}}


def stdio_params(collector: Any, *args: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=[str(SERVERS / "server_mcp1.py"), *args],
                                 env=server_env(collector))


def make_server() -> FastMCP:
    server = FastMCP("in-process-1")

    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool()
    def login(user: str, password: str, region: str = "eu") -> str:
        return f"welcome {user}"

    @server.tool()
    async def slow(seconds: float) -> str:
        await anyio.sleep(seconds)
        return "done"

    return server


def text(result: types.CallToolResult) -> str:
    return result.content[0].text


# -- stdio, real processes --------------------------------------------------------------------------


def test_stdio_fastmcp_captures_initialize_outcomes_redaction_and_tags(collector):
    async def scenario():
        async with stdio_client(stdio_params(collector, "--tag", "env=ci")) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
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
        async with stdio_client(stdio_params(collector, "--lowlevel")) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
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
    async def scenario():
        async with stdio_client(stdio_params(collector, "--flush-interval", "600")) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                for i in range(3):
                    await session.call_tool("add", {"a": i, "b": i})
    anyio.run(scenario)
    # Nothing is sent before the server exits (10 minutes between batches): only the exit flush delivers.
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) == 3 and by_method(cs, "initialize"))
    assert len(by_method(calls, "tools/call", "add")) == 3


def test_dead_collector_server_keeps_answering_over_stdio():
    target = type("C", (), {"endpoint": dead_endpoint(), "ingest_key": "tt_ingest_nothing"})()

    async def scenario():
        with anyio.fail_after(60):
            async with stdio_client(stdio_params(target)) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    for i in range(20):
                        assert text(await session.call_tool("add", {"a": i, "b": 1})) == str(i + 1)
    anyio.run(scenario)


# -- streamable HTTP, real processes ----------------------------------------------------------------


def test_streamable_http_session_is_the_mcp_session_id(collector, tmp_path):
    port = free_port()
    process = start_http_server("server_mcp1.py", port, server_env(collector), log=tmp_path / "server.log")
    session_ids: list[str] = []
    try:
        async def scenario():
            from mcp.shared._httpx_utils import create_mcp_http_client
            http = create_mcp_http_client(headers={"traceparent": HEADER_TRACEPARENT})
            async with http, streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http) as \
                    (read, write, get_session_id):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    await session.call_tool("add", {"a": 1, "b": 2}, meta={"traceparent": TRACEPARENT})
                    assert (await session.call_tool("fail", {"reason": "bad"})).isError
                    session_ids.append(get_session_id())
        anyio.run(scenario)
        calls = collector.wait_for_calls(
            lambda cs: len(by_method(cs, "tools/call")) >= 2 and by_method(cs, "initialize"))
    finally:
        stop(process)
    init = one(calls, "initialize")
    add = one(calls, "tools/call", "add")
    assert init["transport"] == "http" and add["transport"] == "http"
    assert init["session"] == add["session"] == session_ids[0], "initialize joins the Mcp-Session-Id session"
    assert add["clientAddress"] == "127.0.0.1"
    assert add["trace"]["spanId"] == "b7ad6b7169203331", "_meta wins over the header"
    failed = one(calls, "tools/call", "fail")
    assert failed["outcome"] == "toolError"
    assert failed["trace"]["traceId"] == "4bf92f3577b34da6a3ce929d0e0e4736", "else the traceparent header"


def test_legacy_sse_transport_is_named_sse_with_its_session_id(collector, tmp_path):
    from mcp.client.sse import sse_client

    port = free_port()
    process = start_http_server("server_mcp1.py", port, server_env(collector), log=tmp_path / "server.log",
                                transport="sse")
    created: list[str] = []
    try:
        async def scenario():
            async with sse_client(f"http://127.0.0.1:{port}/sse", on_session_created=created.append) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    assert text(await session.call_tool("add", {"a": 20, "b": 22})) == "42"
        anyio.run(scenario)
        calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call") and by_method(cs, "initialize"))
    finally:
        stop(process)
    add = one(calls, "tools/call", "add")
    assert add["transport"] == "sse" and one(calls, "initialize")["transport"] == "sse"
    assert created and add["session"] == created[0] == one(calls, "initialize")["session"]


# -- in-process (memory) -----------------------------------------------------------------------------


def test_in_memory_options_and_modern_meta_identity(collector):
    server = make_server()

    def before_send(call):
        if call["method"] == "tools/list":
            return None
        call["tags"]["user"] = "u-42"
        return call

    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   tags={"env": "test"}, redact_keys=["^region$"], before_send=before_send)
    assert monitor.enabled and monitor.integration == "mcp1-streams"

    async def scenario():
        async with create_connected_server_and_client_session(server) as session:
            await session.list_tools()
            await session.call_tool("login", {"user": "bo", "password": "pw", "region": "x"})
            await session.call_tool("add", {"a": 1, "b": 2}, meta=MODERN_META)
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 2)
    assert not by_method(calls, "tools/list")
    login = one(calls, "tools/call", "login")
    assert login["tags"] == {"env": "test", "user": "u-42"} and login["transport"] == "memory"
    assert login["request"]["arguments"] == {"user": "bo", "password": "[REDACTED]", "region": "[REDACTED]"}
    assert login["client"] == {"name": "mcp", "version": "0.1.0"}
    add = one(calls, "tools/call", "add")
    assert add["client"] == {"name": "modern-client", "version": "7.0"}, "_meta clientInfo wins"
    assert add["protocolVersion"] == "2026-07-28"


def test_server_to_client_requests_and_notifications_are_recorded_to_client(collector):
    server = make_server()

    @server.tool()
    async def ask(ctx: Context) -> str:
        await ctx.info("about to ask")
        answer = await ctx.elicit("Favourite colour?", schema=Answer)
        return answer.data.color if answer.action == "accept" else answer.action

    async def on_elicit(context, params):
        return types.ElicitResult(action="accept", content={"color": "teal"})

    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)

    async def scenario():
        async with create_connected_server_and_client_session(server, elicitation_callback=on_elicit) as session:
            assert text(await session.call_tool("ask", {})) == "teal"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "elicitation/create") and by_method(cs, "tools/call"))
    elicit = one(calls, "elicitation/create")
    assert elicit["direction"] == "toClient" and elicit["outcome"] == "ok" and elicit["requestId"] == "0"
    assert elicit["response"]["content"] == {"color": "teal"}
    assert one(calls, "notifications/message")["direction"] == "toClient"
    assert one(calls, "tools/call", "ask")["session"] == elicit["session"]


def test_payload_capture_off(collector):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   capture_payloads=False)

    async def scenario():
        async with create_connected_server_and_client_session(server) as session:
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
        async with create_connected_server_and_client_session(server) as session:
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
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call", "slow") and
                                     by_method(cs, "tools/call", "add"))
    slow = one(calls, "tools/call", "slow")
    assert slow["outcome"] == "cancelled" and slow["errorMessage"] == "user gave up"
    assert slow["durationNs"] >= 250_000_000


def test_attached_after_the_connection_started_warns_once(collector, capsys, caplog):
    server = make_server()

    async def scenario():
        async with create_connected_server_and_client_session(server) as session:
            await session.call_tool("add", {"a": 1, "b": 1})
            monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)
            assert text(await session.call_tool("add", {"a": 2, "b": 2})) == "4"
            assert text(await session.call_tool("add", {"a": 3, "b": 3})) == "6"
        # A new connection after monitor() is captured from its initialize.
        async with create_connected_server_and_client_session(server) as session:
            await session.call_tool("add", {"a": 5, "b": 5})
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call") and by_method(cs, "initialize"))
    assert len(by_method(calls, "tools/call")) == 1, "the late connection's calls are not captured on 1.x"
    assert logged(capsys, caplog).count("attached after this connection started") == 1


# -- fail open ---------------------------------------------------------------------------------------


def test_dead_collector_in_process_never_blocks_and_logs_one_line(capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=dead_endpoint(), api_key="k", flush_interval=0.05)

    async def scenario():
        with anyio.fail_after(60):
            async with create_connected_server_and_client_session(server) as session:
                for i in range(50):
                    assert text(await session.call_tool("add", {"a": i, "b": 1})) == str(i + 1)
                    await anyio.sleep(0.005)
    anyio.run(scenario)
    assert monitor.flush(timeout=5) is False and monitor.enabled
    assert logged(capsys, caplog).count("cannot deliver calls to the collector") == 1
    monitor.shutdown(timeout=1)


def test_internal_error_disables_monitoring_and_the_server_keeps_serving(collector, capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)

    def explode(*args, **kwargs):
        raise KeyError("simulated SDK bug")
    monitor.tracker.observe = explode

    async def scenario():
        async with create_connected_server_and_client_session(server) as session:
            for i in range(5):
                assert text(await session.call_tool("add", {"a": i, "b": 1})) == str(i + 1)
            await anyio.to_thread.run_sync(monitor.flush)
            assert not monitor.enabled
            assert text(await session.call_tool("add", {"a": 10, "b": 1})) == "11"
    anyio.run(scenario)
    err = logged(capsys, caplog)
    assert err.count("monitoring disabled: internal error") == 1 and "simulated SDK bug" in err


def test_hot_path_error_disables_monitoring_and_the_call_still_runs(collector, capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)
    original_init = ReadProxy.__init__

    def broken_init(self, inner, capture):
        raise AttributeError("stream shape this SDK does not know")
    ReadProxy.__init__ = broken_init
    try:
        async def scenario():
            async with create_connected_server_and_client_session(server) as session:
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
