"""mcp 2.x: MCPServer and low-level Server, over stdio, streamable HTTP and in-memory, with the official
client, shipping to a real ``telltale serve``; checked through its query API."""

from __future__ import annotations

import sys
from typing import Any

import anyio
import mcp_types as types
from helpers import SERVERS, by_method, dead_endpoint, free_port, logged, one, server_env, start_http_server, stop
from mcp import Client, StdioServerParameters
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

import telltale_mcp

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class Answer(BaseModel):
    color: str


def stdio_params(collector: Any, *args: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=[str(SERVERS / "server_mcp2.py"), *args],
                                 env=server_env(collector))


def make_server() -> MCPServer:
    server = MCPServer("in-process", version="9.9.9")

    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool()
    def login(user: str, password: str, api_key: str = "", region: str = "eu") -> str:
        return f"welcome {user}"

    @server.tool()
    async def slow(seconds: float) -> str:
        await anyio.sleep(seconds)
        return "done"

    return server


# -- stdio, real processes --------------------------------------------------------------------------


def test_stdio_handshake_era_captures_initialize_outcomes_redaction_and_tags(collector):
    async def scenario():
        async with Client(stdio_params(collector, "--tag", "env=ci"), mode="legacy") as client:
            assert (await client.call_tool("add", {"a": 2, "b": 3})).content[0].text == "5"
            assert (await client.call_tool("fail", {"reason": "no luck"})).is_error
            assert (await client.call_tool("login", {"user": "ann", "password": "hunter2"})).content[0].text \
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
        async with Client(stdio_params(collector), mode="auto") as client:
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
        async with Client(stdio_params(collector, "--lowlevel"), mode="legacy") as client:
            assert (await client.call_tool("add", {"a": 4, "b": 4})).content[0].text == "8"
            assert (await client.call_tool("other", {})).is_error
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 2 and by_method(cs, "initialize"))
    assert one(calls, "initialize")["server"] == {"name": "py-sdk-lowlevel", "version": "0.0.1"}
    assert one(calls, "tools/call", "add")["transport"] == "stdio"
    other = one(calls, "tools/call", "other")
    assert other["outcome"] == "toolError" and other["errorMessage"] == "no tool other"


def test_calls_still_queued_at_exit_are_flushed_on_shutdown(collector):
    async def scenario():
        async with Client(stdio_params(collector, "--flush-interval", "600"), mode="legacy") as client:
            for i in range(3):
                await client.call_tool("add", {"a": i, "b": i})
    anyio.run(scenario)
    # Nothing is sent before the server exits (10 minutes between batches): only the exit flush delivers.
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) == 3 and by_method(cs, "initialize"))
    assert len(by_method(calls, "tools/call", "add")) == 3


def test_dead_collector_server_keeps_answering_over_stdio(tmp_path):
    env_collector = type("C", (), {"endpoint": dead_endpoint(), "ingest_key": "tt_ingest_nothing"})()

    async def scenario():
        with anyio.fail_after(60):
            async with Client(stdio_params(env_collector), mode="legacy") as client:
                for i in range(20):
                    assert (await client.call_tool("add", {"a": i, "b": 1})).content[0].text == str(i + 1)
    anyio.run(scenario)


# -- streamable HTTP, real processes ----------------------------------------------------------------


def test_streamable_http_session_is_the_mcp_session_id(collector, tmp_path):
    port = free_port()
    process = start_http_server("server_mcp2.py", port, server_env(collector), log=tmp_path / "server.log")
    try:
        async def scenario():
            async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:
                await client.call_tool("add", {"a": 1, "b": 2}, meta={"traceparent": TRACEPARENT})
                assert (await client.call_tool("fail", {"reason": "bad"})).is_error
        anyio.run(scenario)
        calls = collector.wait_for_calls(
            lambda cs: len(by_method(cs, "tools/call")) >= 2 and by_method(cs, "initialize"))
    finally:
        stop(process)
    init = one(calls, "initialize")
    add = one(calls, "tools/call", "add")
    assert init["transport"] == "http" and add["transport"] == "http"
    assert add["session"] == init["session"] and len(add["session"]) == 32, "the Mcp-Session-Id (uuid hex)"
    assert add["clientAddress"] == "127.0.0.1"
    assert add["trace"]["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert add["client"] == {"name": "mcp", "version": "0.1.0"}
    assert one(calls, "tools/call", "fail")["outcome"] == "toolError"


def test_streamable_http_modern_requests_are_captured(collector, tmp_path):
    port = free_port()
    process = start_http_server("server_mcp2.py", port, server_env(collector), log=tmp_path / "server.log")
    try:
        async def scenario():
            async with Client(f"http://127.0.0.1:{port}/mcp", mode="auto") as client:
                await client.call_tool("add", {"a": 1, "b": 2}, meta={"traceparent": TRACEPARENT})
                await client.call_tool("add", {"a": 2, "b": 2}, meta={"traceparent": TRACEPARENT})
        anyio.run(scenario)
        calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 2)
    finally:
        stop(process)
    adds = by_method(calls, "tools/call", "add")
    assert {c["protocolVersion"] for c in adds} == {"2026-07-28"}
    assert {c["transport"] for c in adds} == {"http"}
    assert {c["session"] for c in adds} == {"0af7651916cd43dd8448eb211c80319c"}, "sessionless: grouped by trace id"
    assert all(c["client"] == {"name": "mcp", "version": "0.1.0"} for c in adds)


def test_legacy_sse_transport_is_named_sse_with_its_session_id(collector, tmp_path):
    from mcp.client.sse import sse_client

    port = free_port()
    process = start_http_server("server_mcp2.py", port, server_env(collector), log=tmp_path / "server.log",
                                transport="sse")
    created: list[str] = []
    try:
        async def scenario():
            transport = sse_client(f"http://127.0.0.1:{port}/sse", on_session_created=created.append)
            async with Client(transport, mode="legacy") as client:
                assert (await client.call_tool("add", {"a": 20, "b": 22})).content[0].text == "42"
        anyio.run(scenario)
        calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call") and by_method(cs, "initialize"))
    finally:
        stop(process)
    add = one(calls, "tools/call", "add")
    assert add["transport"] == "sse" and one(calls, "initialize")["transport"] == "sse"
    assert created and add["session"] == created[0] == one(calls, "initialize")["session"]


# -- in-process (memory transport) -------------------------------------------------------------------


def test_options_payloads_off_extra_redaction_and_before_send(collector):
    server = make_server()
    seen: list[str] = []

    def before_send(call):
        seen.append(call["method"])
        if call["method"] == "tools/list":
            return None
        call["tags"]["tenant"] = "acme"
        return call

    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   tags={"env": "test"}, redact_keys=["^region$"], before_send=before_send)
    assert monitor.enabled and monitor.integration == "mcp2-middleware"

    async def scenario():
        async with Client(server, mode="legacy") as client:
            await client.list_tools()
            await client.call_tool("login", {"user": "bo", "password": "pw", "api_key": "k", "region": "x"})
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) >= 1)
    assert "tools/list" in seen and not by_method(calls, "tools/list"), "before_send returning None drops"
    login = one(calls, "tools/call", "login")
    assert login["tags"] == {"env": "test", "tenant": "acme"}
    assert login["request"]["arguments"] == {"user": "bo", "password": "[REDACTED]", "api_key": "[REDACTED]",
                                             "region": "[REDACTED]"}
    assert login["transport"] == "memory"

    quiet = make_server()
    monitor2 = telltale_mcp.monitor(quiet, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                    capture_payloads=False, tags={"run": "nopayload"})

    async def second():
        async with Client(quiet, mode="legacy") as client:
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
        async with Client(server, mode="legacy") as client:
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
        async with Client(server, mode="legacy") as client:
            with anyio.move_on_after(0.3):
                await client.call_tool("slow", {"seconds": 30})
            assert (await client.call_tool("add", {"a": 1, "b": 1})).content[0].text == "2"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call", "slow") and
                                     by_method(cs, "tools/call", "add"))
    slow = one(calls, "tools/call", "slow")
    assert slow["outcome"] == "cancelled", slow
    assert slow["durationNs"] >= 250_000_000
    assert by_method(calls, "notifications/cancelled")


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
        async with Client(server, mode="legacy", elicitation_callback=on_elicit) as client:
            assert (await client.call_tool("ask", {})).content[0].text == "teal"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "elicitation/create") and by_method(cs, "tools/call"))
    elicit = one(calls, "elicitation/create")
    assert elicit["direction"] == "toClient" and elicit["kind"] == "request" and elicit["outcome"] == "ok"
    assert elicit["request"]["message"] == "Favourite colour?"
    assert elicit["response"]["content"] == {"color": "teal"}
    assert "requestId" not in elicit and elicit["durationNs"] > 0
    log = one(calls, "notifications/message")
    assert log["direction"] == "toClient" and log["kind"] == "notification"
    ask = one(calls, "tools/call", "ask")
    assert ask["session"] == elicit["session"] == log["session"]
    assert ask["durationNs"] > elicit["durationNs"]


def test_request_without_an_answer_within_the_timeout_is_no_response(collector):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key,
                                   request_timeout=0.5)

    async def scenario():
        async with Client(server, mode="legacy") as client:
            assert (await client.call_tool("slow", {"seconds": 4})).content[0].text == "done"
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    calls = collector.wait_for_calls(lambda cs: by_method(cs, "tools/call", "slow"))
    slow = one(calls, "tools/call", "slow")
    assert slow["outcome"] == "noResponse" and slow["errorMessage"] == "no response within 0.5 s"
    assert 500_000_000 <= slow["durationNs"] < 4_000_000_000


def test_attached_after_the_handshake_warns_once_and_keeps_the_client_identity(collector, capsys, caplog):
    server = make_server()

    async def scenario():
        async with Client(server, mode="legacy") as client:
            await client.call_tool("add", {"a": 1, "b": 1})
            monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)
            await client.call_tool("add", {"a": 2, "b": 2})
            await client.call_tool("add", {"a": 3, "b": 3})
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
