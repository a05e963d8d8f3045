"""Session grouping, trace context, and the privacy/tagging options of `telltale run`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from support import Collector, Wrapper, count_by, e2e_server_command, mcp_client, requests_only

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
SPAN_ID = 0x00F067AA0BA902B7


async def echo_session(wrapper: Wrapper, mode: str, texts: list[str], server_args: tuple[str, ...] = ()) -> None:
    async with mcp_client(wrapper.params(e2e_server_command(*server_args)), mode) as client:
        await client.list_tools()
        for text in texts:
            await client.call_tool("echo", {"text": text})


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_two_client_runs_are_two_sessions(collector: Collector, make_wrapper: Callable[..., Wrapper], mode: str) -> None:
    wrapper = make_wrapper(collector)
    anyio.run(echo_session, wrapper, mode, ["a", "b"])
    anyio.run(echo_session, wrapper, mode, ["c", "d", "e", "f"])
    # handshake + tools/list + echoes, per run
    collector.wait_for_calls((2 + 2) + (2 + 4))
    sessions = collector.wait_for("/api/v1/sessions", lambda b: len(b["items"]) == 2, what="two sessions")["items"]
    assert sorted(s["calls"] for s in sessions) == [4, 6]
    assert len({s["id"] for s in sessions}) == 2
    for session in sessions:
        calls = requests_only(collector.session_calls(session["id"]))
        assert len(calls) == session["calls"]
        assert {c["session"] for c in calls} == {session["id"]}
        echoes = sorted(c["request"]["arguments"]["text"] for c in calls if c.get("target") == "echo")
        assert echoes in (["a", "b"], ["c", "d", "e", "f"])
    summary = collector.get("/api/v1/summary")
    assert summary["sessions"] == 2
    assert collector.items_by_name("/api/v1/tools")["echo"]["calls"] == 6


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_trace_context_from_the_client(collector: Collector, make_wrapper: Callable[..., Wrapper], mode: str) -> None:
    """The SDK injects W3C `traceparent` into `params._meta` from the caller's OpenTelemetry context."""
    wrapper = make_wrapper(collector)

    async def drive() -> None:
        async with mcp_client(wrapper.params(e2e_server_command()), mode) as client:
            await client.list_tools()
            parent = SpanContext(trace_id=TRACE_ID, span_id=SPAN_ID, is_remote=True, trace_flags=TraceFlags(1))
            with trace.use_span(NonRecordingSpan(parent)):
                await client.call_tool("echo", {"text": "traced"})
            await client.call_tool("echo", {"text": "untraced"})

    anyio.run(drive)
    collector.wait_for_calls(4)
    echoes = {c["request"]["arguments"]["text"]: c for c in collector.all_calls() if c.get("target") == "echo"}
    traced = echoes["traced"]["trace"]
    assert traced is not None
    assert traced["traceId"] == f"{TRACE_ID:032x}"
    assert traced["spanId"] == f"{SPAN_ID:016x}"
    assert traced.get("traceparent") in (None, f"00-{TRACE_ID:032x}-{SPAN_ID:016x}-01")
    assert echoes["untraced"].get("trace") is None


def test_no_payloads(collector: Collector, make_wrapper: Callable[..., Wrapper]) -> None:
    wrapper = make_wrapper(collector, no_payloads=True)

    async def drive() -> None:
        async with mcp_client(wrapper.params(e2e_server_command()), "auto") as client:
            await client.list_tools()
            await client.call_tool("login", {"username": "ada", "password": "hunter2-secret"})
            await client.call_tool("fail", {"message": "kaboom"})

    anyio.run(drive)
    collector.wait_for_calls(4)
    requests = requests_only(collector.all_calls())
    assert len(requests) == 4
    for call in requests:
        detail = collector.get(f"/api/v1/calls/{call['id']}")
        assert detail.get("request") is None, detail
        assert detail.get("response") is None, detail
        assert "hunter2" not in str(detail)
        # Counts, sizes and outcomes are still recorded.
        assert detail["requestBytes"] > 0
    assert collector.items_by_name("/api/v1/tools")["fail"]["toolErrors"] == 1


def test_extra_redact_key_and_tags(collector: Collector, make_wrapper: Callable[..., Wrapper]) -> None:
    wrapper = make_wrapper(collector, redact_keys=["^user(name)?$"], tags={"env": "staging", "team": "core"})

    async def drive() -> None:
        async with mcp_client(wrapper.params(e2e_server_command()), "legacy") as client:
            await client.list_tools()
            await client.call_tool("login", {"username": "ada", "password": "hunter2-secret"})

    anyio.run(drive)
    collector.wait_for_calls(3)  # initialize, tools/list, tools/call
    (login,) = [c for c in collector.all_calls() if c.get("target") == "login"]
    detail = collector.get(f"/api/v1/calls/{login['id']}")
    assert detail["request"]["arguments"] == {"username": "[REDACTED]", "password": "[REDACTED]"}
    assert detail["tags"] == {"env": "staging", "team": "core"}
    assert "ada" not in str(detail["request"])
    assert collector.get("/api/v1/summary", {"tag": "env:staging"})["calls"] == 3
    assert collector.get("/api/v1/summary", {"tag": "team:core"})["calls"] == 3
    assert collector.get("/api/v1/summary", {"tag": "env:prod"})["calls"] == 0


def test_stdout_pollution_is_counted_per_session(collector: Collector, make_wrapper: Callable[..., Wrapper]) -> None:
    """A server that prints a non-JSON line to stdout: the client still works, Telltale counts it."""
    wrapper = make_wrapper(collector)
    anyio.run(echo_session, wrapper, "auto", ["x"], ("--pollute",))
    collector.wait_for_calls(3)
    (session,) = collector.wait_for(
        "/api/v1/sessions", lambda b: len(b["items"]) == 1 and b["items"][0]["stdoutPollution"] >= 1,
        what="the pollution count")["items"]
    assert session["stdoutPollution"] == 1
    calls = collector.session_calls(session["id"])
    kinds: dict[Any, int] = count_by(calls, lambda c: c["kind"])
    assert kinds.get("pollution") == 1
    (pollution,) = [c for c in calls if c["kind"] == "pollution"]
    assert pollution["pollutionLines"] == 1
    assert kinds["request"] == 3


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_server_dying_mid_request_is_no_response(collector: Collector, make_wrapper: Callable[..., Wrapper],
                                                 mode: str) -> None:
    """The server exits while a request is open: that request is recorded as `noResponse`, and shipped."""
    wrapper = make_wrapper(collector)
    outcome: dict[str, Any] = {}

    async def drive() -> None:
        async with mcp_client(wrapper.params(e2e_server_command()), mode) as client:
            await client.list_tools()
            await client.call_tool("echo", {"text": "still alive"})
            try:
                with anyio.fail_after(20):
                    await client.call_tool("crash", {"code": 3})
            except Exception as error:  # the SDK reports the closed connection as an error
                outcome["error"] = error

    anyio.run(drive)
    assert "error" in outcome, "the client should see the connection close"
    summary = collector.wait_for_calls(4)
    assert summary["outcomes"]["noResponse"] == 1
    assert summary["outcomes"]["ok"] == 3
    (crash,) = [c for c in collector.all_calls() if c.get("target") == "crash"]
    assert crash["outcome"] == "noResponse"
    assert crash["responseBytes"] == 0
    assert crash["durationNs"] > 0


def test_large_payloads_are_capped_with_their_original_size(collector: Collector,
                                                            make_wrapper: Callable[..., Wrapper]) -> None:
    """Payloads over the cap (16 KiB by default) are stored truncated, marked, with their original size."""
    wrapper = make_wrapper(collector)
    text = "y" * 40_000

    async def drive() -> None:
        async with mcp_client(wrapper.params(e2e_server_command()), "auto") as client:
            await client.list_tools()
            result = await client.call_tool("echo", {"text": text})
            assert result.structured_content == {"result": text}  # the client got everything

    anyio.run(drive)
    collector.wait_for_calls(3)
    (echo,) = [c for c in collector.all_calls() if c.get("target") == "echo"]
    detail = collector.get(f"/api/v1/calls/{echo['id']}")
    assert detail["requestBytes"] > 40_000
    assert detail["responseBytes"] > 80_000  # the text twice: content and structuredContent
    for name in ("request", "response"):
        stored = detail[name]
        assert stored.get("$truncated") is True, f"{name}: {str(stored)[:200]}"
        assert stored["originalBytes"] > 40_000
        assert len(json.dumps(stored)) < 20 * 1024, f"{name} is stored above the 16 KiB cap"
