"""`telltale proxy` is invisible: raw HTTP exchanges through it equal the same exchanges made directly.

Raw `httpx2` requests (the HTTP client the `mcp` SDK uses) go to a test server directly and through a proxy
in front of the same server: same status, same headers (except Date and the per-connection hop-by-hop ones),
same body bytes. Then: SSE frames leave one by one, request headers reach the server unchanged (nothing added),
`Last-Event-ID` passes, DELETE ends a session, paths outside `--inspect-prefix` are relayed and not recorded,
and 50 concurrent clients each get their own answers and their own session.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from http_support import (
    MCP_POST_HEADERS,
    Capture,
    Process,
    comparable_headers,
    resumable_call,
    start_http_server,
    start_http_servers,
)
from support import Collector, count_by, requests_only


LEGACY = {**MCP_POST_HEADERS, "mcp-protocol-version": "2025-11-25"}
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {},
               "io.modelcontextprotocol/clientInfo": {"name": "raw-client", "version": "2.0"}}


def rpc(id: int, method: str, params: dict[str, Any] | None = None) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode()


def echo_call(id: int, text: str) -> bytes:
    return rpc(id, "tools/call", {"name": "echo", "arguments": {"text": text}})


@dataclass
class Site:
    """A test server and a proxy in front of it."""

    server: Process
    proxy: Process


@pytest.fixture(scope="module")
def sites(module_collector: Collector, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    base = tmp_path_factory.mktemp("http-transparency")
    xdg = base / "xdg"
    xdg.mkdir()
    capture = Capture(collector=module_collector, xdg_data_home=xdg, tags={"suite": "transparency"},
                      context_headers={"X-Test": "test"})
    servers = start_http_servers(["stateless", "stateless-sse", "sse"], base)
    started: dict[str, Site] = {}
    try:
        for variant, server in servers.items():
            started[variant] = Site(server=server, proxy=capture.proxy(server.port, base))
        yield started
    finally:
        for site in started.values():
            site.proxy.stop()
        for server in servers.values():
            server.stop()


#: name → (variant, method, path, headers, body): exchanges whose answers do not depend on the connection.
EXCHANGES: dict[str, tuple[str, str, str, dict[str, str], bytes | None]] = {
    "json-tool-call": ("stateless", "POST", "/mcp", LEGACY, echo_call(1, "héllo ☃")),
    "json-large-body": ("stateless", "POST", "/mcp", LEGACY, echo_call(2, "x" * 400_000)),
    "json-tool-error": ("stateless", "POST", "/mcp", LEGACY,
                        rpc(3, "tools/call", {"name": "fail", "arguments": {"message": "no"}})),
    "json-unknown-tool": ("stateless", "POST", "/mcp", LEGACY, rpc(4, "tools/call", {"name": "nope", "arguments": {}})),
    "json-notification": ("stateless", "POST", "/mcp", LEGACY,
                          json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode()),
    "json-parse-error": ("stateless", "POST", "/mcp", LEGACY, b"{this is not json"),
    "json-wrong-accept": ("stateless", "POST", "/mcp", {**LEGACY, "accept": "text/plain"}, echo_call(5, "a")),
    "json-modern": ("stateless", "POST", "/mcp",
                    {**MCP_POST_HEADERS, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call",
                     "mcp-name": "echo"},
                    rpc(6, "tools/call", {"name": "echo", "arguments": {"text": "modern"}, "_meta": MODERN_META})),
    "sse-tool-call": ("stateless-sse", "POST", "/mcp", LEGACY, echo_call(7, "over sse")),
    "sse-large-body": ("stateless-sse", "POST", "/mcp", LEGACY, echo_call(8, "y" * 300_000)),
    "sse-unknown-session": ("sse", "POST", "/mcp", {**LEGACY, "mcp-session-id": "no-such-session"},
                            echo_call(9, "a")),
    "outside-prefix-rpc": ("stateless", "POST", "/rpc/echo", {"content-type": "application/json"},
                           rpc(10, "echo/this", {"x": 1})),
    "outside-prefix-404": ("stateless", "GET", "/no/such/path", {}, None),
    "last-event-id": ("stateless", "GET", "/control/stream", {"last-event-id": "41"}, None),
}


def exchange(base: str, method: str, path: str, headers: dict[str, str], body: bytes | None
             ) -> tuple[int, list[tuple[str, str]], bytes]:
    with httpx2.Client(timeout=20) as http:
        response = http.request(method, base + path, headers=headers, content=body)
        return response.status_code, comparable_headers(response), response.content


@pytest.mark.parametrize("name", list(EXCHANGES))
def test_answer_equals_a_direct_one(sites: dict[str, Site], name: str) -> None:
    variant, method, path, headers, body = EXCHANGES[name]
    site = sites[variant]
    direct = exchange(site.server.base, method, path, headers, body)
    proxied = exchange(site.proxy.base, method, path, headers, body)
    assert proxied[0] == direct[0]
    assert proxied[1] == direct[1]
    assert proxied[2] == direct[2]


def test_chunked_request_body_equals_a_direct_one(sites: dict[str, Site], module_collector: Collector) -> None:
    """A chunked upload (no Content-Length), in small pieces: same answer, and the call is recorded."""
    site = sites["stateless"]
    marker = uuid.uuid4().hex
    body = echo_call(12, marker + " " + "z" * 200_000)

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(body), 7_000):
            yield body[start:start + 7_000]

    answers = []
    for base in (site.server.base, site.proxy.base):
        with httpx2.Client(timeout=20) as http:
            response = http.post(base + "/mcp", headers={**LEGACY, "x-test": marker}, content=pieces())
            answers.append((response.status_code, comparable_headers(response), response.content))
    assert answers[0] == answers[1]
    assert answers[1][0] == 200 and marker.encode() in answers[1][2]
    (call,) = requests_only(_wait_for_session_calls(module_collector, {"tag": f"test:{marker}"}, 1))
    assert (call["method"], call["target"], call["outcome"]) == ("tools/call", "echo", "ok")
    assert call["requestBytes"] >= len(body)


def test_expected_answers_of_the_exchanges(sites: dict[str, Site]) -> None:
    """The exchanges above cover what they claim (so their equality means something)."""
    base = sites["stateless"].proxy.base
    status, headers, body = exchange(base, *EXCHANGES["json-large-body"][1:])
    assert status == 200 and ("content-length", str(len(body))) in headers and len(body) > 400_000
    status, headers, body = exchange(sites["stateless-sse"].proxy.base, *EXCHANGES["sse-large-body"][1:])
    assert status == 200 and ("transfer-encoding", "chunked") in headers and body.startswith(b"event: message")
    assert exchange(base, *EXCHANGES["json-notification"][1:])[0] == 202
    assert exchange(base, *EXCHANGES["json-parse-error"][1:])[0] == 400
    assert exchange(sites["sse"].proxy.base, *EXCHANGES["sse-unknown-session"][1:])[0] == 404
    status, _, body = exchange(base, *EXCHANGES["last-event-id"][1:])
    assert status == 200 and b'{"lastEventId": "41"}' in body and b"id: 42\n" in body


def test_request_headers_reach_the_server_unchanged(sites: dict[str, Site]) -> None:
    site = sites["stateless"]
    sent = [("X-First", "1"), ("Authorization", "Bearer header-check"), ("X-Test", "headers"),
            ("X-Dup", "a"), ("X-Dup", "b"), ("Last-Event-ID", "7"), ("X-Last", "z")]
    with httpx2.Client() as http:
        direct = http.get(site.server.base + "/headers", headers=sent).json()
        proxied = http.get(site.proxy.base + "/headers", headers=sent).json()
    # Host is forwarded unchanged: it names the proxy's address, as the client wrote it.
    assert ["host", f"127.0.0.1:{site.proxy.port}"] in proxied
    assert [pair for pair in proxied if pair[0] != "host"] == [pair for pair in direct if pair[0] != "host"]
    names = {name for name, _ in proxied}
    assert not names & {"via", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded"}


def test_sse_frames_are_forwarded_one_by_one(sites: dict[str, Site]) -> None:
    """The `progress` tool sends notification N+1 only after the test saw N through the proxy and released it."""
    site = sites["stateless-sse"]
    gate = uuid.uuid4().hex
    body = rpc(11, "tools/call", {"name": "progress", "arguments": {"steps": 4, "gate": gate},
                                  "_meta": {"progressToken": "p-1"}})
    frames: list[dict[str, Any]] = []
    with httpx2.Client(timeout=httpx2.Timeout(5.0)) as http:
        with http.stream("POST", site.proxy.base + "/mcp", headers=LEGACY, content=body) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                message = json.loads(line[len("data: "):])
                frames.append(message)
                if message.get("method") == "notifications/progress":
                    step = int(message["params"]["progress"])
                    released = http.post(site.server.base + "/control/release", params={"gate": gate, "step": step})
                    assert released.status_code == 200
                if "result" in message:
                    break
    assert [f["params"]["progress"] for f in frames if f.get("method") == "notifications/progress"] == [1, 2, 3, 4]
    assert frames[-1]["result"]["structuredContent"] == {"result": "done 4 steps"}


def test_delete_ends_the_session_through_the_proxy(sites: dict[str, Site]) -> None:
    site = sites["sse"]
    init = rpc(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "raw-delete", "version": "3.1"}})
    with httpx2.Client(timeout=10) as http:
        started = http.post(site.proxy.base + "/mcp", headers=LEGACY, content=init)
        assert started.status_code == 200
        session = started.headers["mcp-session-id"]
        headers = {**LEGACY, "mcp-session-id": session}
        ok = http.post(site.proxy.base + "/mcp", headers=headers, content=echo_call(2, "before delete"))
        assert ok.status_code == 200 and b"before delete" in ok.content
        deleted = http.delete(site.proxy.base + "/mcp", headers={"mcp-session-id": session,
                                                                 "mcp-protocol-version": "2025-11-25"})
        assert deleted.status_code == 200
        gone = http.post(site.proxy.base + "/mcp", headers=headers, content=echo_call(3, "after delete"))
        assert gone.status_code == 404
        # The server saw the DELETE: the session is gone directly too.
        assert http.post(site.server.base + "/mcp", headers=headers, content=echo_call(4, "x")).status_code == 404


def test_sdk_resumption_with_last_event_id(collector: Collector, tmp_path: Path) -> None:
    """The server closes a reply stream mid-call; the client resumes with Last-Event-ID through the proxy."""
    server = start_http_server("sse", tmp_path, None, "--event-store")
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    proxy = Capture(collector=collector, xdg_data_home=xdg).proxy(server.port, tmp_path)
    try:
        result, progress = anyio.run(resumable_call, proxy.base)
        assert result == {"result": "resumed"}
        assert progress == [1, 2]
        replays = httpx2.get(server.base + "/control/replays").json()
        assert len(replays) == 1 and replays[0].isdigit(), replays
        # The result arrived on the resumed GET stream: still paired with its request.
        collector.wait_for_calls(2)
        calls = {c["method"] + ":" + str(c.get("target")): c for c in requests_only(collector.all_calls())}
        assert calls["tools/call:resumable"]["outcome"] == "ok", calls
        assert calls["tools/call:resumable"]["response"]["structuredContent"] == {"result": "resumed"}
    finally:
        proxy.stop()
        server.stop()


def _wait_for_session_calls(collector: Collector, params: dict[str, str], count: int) -> list[dict[str, Any]]:
    def calls() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for session in collector.sessions({**params, "limit": 1000}):
            found.extend(collector.session_calls(session["id"]))
        return found

    deadline = time.monotonic() + 15
    while len(requests_only(found := calls())) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_paths_outside_the_inspect_prefixes_are_not_recorded(sites: dict[str, Site], module_collector: Collector
                                                             ) -> None:
    site = sites["stateless"]
    marker = uuid.uuid4().hex
    with httpx2.Client(timeout=10) as http:
        outside = http.post(site.proxy.base + "/rpc/echo", headers={"x-test": marker},
                            content=rpc(1, "outside/prefix", {"m": marker}))
        assert outside.status_code == 200 and marker in outside.text
        inside = http.post(site.proxy.base + "/mcp", headers={**LEGACY, "x-test": marker}, content=echo_call(2, marker))
        assert inside.status_code == 200
    calls = _wait_for_session_calls(module_collector, {"tag": f"test:{marker}"}, 1)
    assert [(c["method"], c.get("target")) for c in requests_only(calls)] == [("tools/call", "echo")]


def test_inspect_prefix_option_selects_what_is_recorded(collector: Collector, tmp_path: Path) -> None:
    server = start_http_server("stateless", tmp_path)
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    proxy = Capture(collector=collector, xdg_data_home=xdg, inspect_prefixes=["/rpc"]).proxy(server.port, tmp_path)
    try:
        with httpx2.Client(timeout=10) as http:  # one connection: /mcp first, then /rpc
            assert http.post(proxy.base + "/mcp", headers=LEGACY, content=echo_call(1, "not inspected")).status_code == 200
            answer = http.post(proxy.base + "/rpc/echo", headers={"content-type": "application/json"},
                               content=rpc(2, "custom/method", {"n": 1}))
            assert answer.status_code == 200 and answer.json()["result"] == {"echo": {"n": 1}}
        # The /mcp call went first on the same connection: had it been recorded, it would be there by now.
        collector.wait_for_calls(1)
        calls = requests_only(collector.all_calls())
        assert [c["method"] for c in calls] == ["custom/method"]
        assert calls[0]["outcome"] == "ok"
    finally:
        proxy.stop()
        server.stop()


CONCURRENT_CLIENTS = 50


def test_concurrent_clients_get_their_own_answers_and_sessions(sites: dict[str, Site],
                                                               module_collector: Collector) -> None:
    site = sites["sse"]
    run_id = uuid.uuid4().hex
    answers: dict[int, Any] = {}

    async def one(n: int) -> None:
        headers = {"x-test": f"concurrent-{run_id}"}
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
            async with Client(streamable_http_client(site.proxy.base + "/mcp", http_client=http), mode="legacy",
                              cache=None) as client:
                first = await client.call_tool("echo", {"text": f"client {n} first"})
                second = await client.call_tool("add", {"a": n, "b": 1000})
                answers[n] = (first.structured_content, second.structured_content)

    async def all_clients() -> None:
        async with anyio.create_task_group() as group:
            for n in range(CONCURRENT_CLIENTS):
                group.start_soon(one, n)

    anyio.run(all_clients)
    assert answers == {n: ({"result": f"client {n} first"}, {"result": n + 1000}) for n in range(CONCURRENT_CLIENTS)}
    params = {"tag": f"test:concurrent-{run_id}"}
    calls = requests_only(_wait_for_session_calls(module_collector, params, 4 * CONCURRENT_CLIENTS))
    sessions = module_collector.sessions({**params, "limit": 1000})
    assert len(sessions) == CONCURRENT_CLIENTS
    # The SDK lists the tools once before its first call_tool (to validate structured output).
    assert count_by(calls, lambda c: c["method"]) == {"initialize": CONCURRENT_CLIENTS, "tools/list": CONCURRENT_CLIENTS,
                                                       "tools/call": 2 * CONCURRENT_CLIENTS}
    assert all(c["outcome"] == "ok" for c in calls)
    # Each session holds exactly its own client's calls.
    for session in sessions:
        texts = [c["request"]["arguments"] for c in module_collector.session_calls(session["id"])
                 if c.get("method") == "tools/call"]
        (n,) = {int(t["text"].split()[1]) for t in texts if "text" in t}
        assert {"a": n, "b": 1000} in texts
