"""How HTTP traffic without `Mcp-Session-Id` is grouped into sessions, and where client identity comes from.

Raw `httpx2` requests to the stateless server through `telltale proxy`: handshake-era requests are grouped per
client connection (a synthetic id that never reaches the traffic); 2026-07-28 requests by their trace id, across
connections; client identity from `_meta` clientInfo, else from `User-Agent`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from http_support import MCP_POST_HEADERS, Capture, Process, start_http_server
from support import Collector, requests_only


LEGACY = {**MCP_POST_HEADERS, "mcp-protocol-version": "2025-11-25"}
MODERN = {**MCP_POST_HEADERS, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo"}


def echo_call(id: int, text: str, meta: dict[str, Any] | None = None) -> bytes:
    params: dict[str, Any] = {"name": "echo", "arguments": {"text": text}}
    if meta is not None:
        params["_meta"] = meta
    return json.dumps({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}).encode()


def modern_meta(client: str, version: str) -> dict[str, Any]:
    return {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": client, "version": version}}


@pytest.fixture
def proxied(collector: Collector, tmp_path: Path) -> Iterator[Process]:
    server = start_http_server("stateless", tmp_path)
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    proxy = Capture(collector=collector, xdg_data_home=xdg, context_headers={"X-Marker": "marker"}).proxy(
        server.port, tmp_path)
    try:
        yield proxy
    finally:
        proxy.stop()
        server.stop()


def sessions_with_calls(collector: Collector, marker: str, count: int) -> dict[str, list[dict[str, Any]]]:
    """Waits until `count` requests tagged `marker` are recorded; returns session id → its requests."""
    deadline = time.monotonic() + 15
    while True:
        grouped = {s["id"]: requests_only(collector.session_calls(s["id"]))
                   for s in collector.sessions({"tag": f"marker:{marker}"})}
        if sum(len(calls) for calls in grouped.values()) >= count or time.monotonic() > deadline:
            return grouped
        time.sleep(0.1)


def test_handshake_era_requests_are_grouped_per_connection(proxied: Process, collector: Collector) -> None:
    marker = uuid.uuid4().hex
    headers = {**LEGACY, "x-marker": marker, "user-agent": "raw-agent/4.5.6 (tests)"}
    bodies: list[bytes] = []
    for connection in range(2):
        with httpx2.Client(headers=headers) as http:  # one keep-alive connection per client
            for n in range(3):
                answer = http.post(proxied.base + "/mcp", content=echo_call(n, f"conn {connection} call {n}"))
                assert answer.status_code == 200
                bodies.append(answer.content)
                assert "mcp-session-id" not in answer.headers
    grouped = sessions_with_calls(collector, marker, 6)
    assert sorted(len(calls) for calls in grouped.values()) == [3, 3], grouped
    for session_id, calls in grouped.items():
        assert len({c["request"]["arguments"]["text"].split()[1] for c in calls}) == 1, calls
        for call in calls:
            assert call["client"] == {"name": "raw-agent", "version": "4.5.6"}, call  # from User-Agent
            assert call["transport"] == "http"
        assert all(session_id.encode() not in body for body in bodies)


def test_2026_requests_are_grouped_by_trace_across_connections(proxied: Process, collector: Collector) -> None:
    marker = uuid.uuid4().hex
    trace_a, trace_b = uuid.uuid4().hex, uuid.uuid4().hex
    sent = [(trace_a, 0), (trace_b, 1), (trace_a, 2), (trace_b, 3)]
    for trace, n in sent:
        with httpx2.Client() as http:  # a new connection per request
            headers = {**MODERN, "x-marker": marker, "traceparent": f"00-{trace}-{uuid.uuid4().hex[:16]}-01"}
            answer = http.post(proxied.base + "/mcp", headers=headers,
                               content=echo_call(n, f"call {n}", modern_meta("raw-modern", "7.0")))
            assert answer.status_code == 200 and f"call {n}".encode() in answer.content
    grouped = sessions_with_calls(collector, marker, 4)
    assert len(grouped) == 2, grouped
    for calls in grouped.values():
        assert len(calls) == 2
        assert len({c["trace"]["traceId"] for c in calls}) == 1
        for call in calls:
            assert call["client"] == {"name": "raw-modern", "version": "7.0"}, call  # from _meta clientInfo
            assert call["protocolVersion"] == "2026-07-28", call


def test_meta_trace_context_wins_over_headers(proxied: Process, collector: Collector) -> None:
    marker = uuid.uuid4().hex
    header_trace, meta_trace = uuid.uuid4().hex, uuid.uuid4().hex
    meta = {**modern_meta("raw-modern", "7.0"), "traceparent": f"00-{meta_trace}-{'1' * 16}-01"}
    headers = {**MODERN, "x-marker": marker, "traceparent": f"00-{header_trace}-{'2' * 16}-01",
               "tracestate": "vendor=header"}
    answer = httpx2.post(proxied.base + "/mcp", headers=headers, content=echo_call(1, "traced", meta))
    assert answer.status_code == 200
    (calls,) = sessions_with_calls(collector, marker, 1).values()
    assert calls[0]["trace"]["traceId"] == meta_trace, calls


def test_handshake_era_requests_with_a_trace_are_still_grouped_per_connection(proxied: Process,
                                                                               collector: Collector) -> None:
    """The trace id groups 2026-07-28 traffic only; handshake-era sessionless requests that happen to carry a
    traceparent are one session per connection, like those without."""
    marker = uuid.uuid4().hex
    trace = uuid.uuid4().hex
    headers = {**LEGACY, "x-marker": marker, "traceparent": f"00-{trace}-{'3' * 16}-01"}
    for connection in range(2):
        with httpx2.Client(headers=headers) as http:
            for n in range(2):
                answer = http.post(proxied.base + "/mcp", content=echo_call(n, f"conn {connection} call {n}"))
                assert answer.status_code == 200
    grouped = sessions_with_calls(collector, marker, 4)
    assert sorted(len(calls) for calls in grouped.values()) == [2, 2], grouped
    for calls in grouped.values():
        assert {c["trace"]["traceId"] for c in calls} == {trace}
