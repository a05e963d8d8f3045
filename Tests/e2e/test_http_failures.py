"""Failures through `telltale proxy`: the client sees what a direct connection gives it,
and the collector records the outcome it is. Plus the CLI's refusals and the admin endpoints.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from http_support import (
    LEGACY_POST_HEADERS,
    MCP_POST_HEADERS,
    Process,
    capture_for,
    is_tool,
    rpc_request,
    start_http_server,
    start_http_servers,
    tool_call,
    wait_for_port,
    wait_for_request,
)
from support import Collector, free_port


@dataclass
class Shared:
    """Test servers behind proxies that several tests use, each test marking its requests with X-Marker."""

    collector: Collector
    servers: dict[str, Process]
    proxies: dict[str, Process]


@pytest.fixture(scope="module")
def shared(module_collector: Collector, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    base = tmp_path_factory.mktemp("http-failures")
    servers = start_http_servers(["sse", "stateless-sse", "legacy-sse"], base)
    proxies: dict[str, Process] = {}
    try:
        capture = capture_for(module_collector, base, context_headers={"X-Marker": "marker"})
        for variant, server in servers.items():
            proxies[variant] = capture.proxy(server.port, base)
        yield Shared(collector=module_collector, servers=servers, proxies=proxies)
    finally:
        for process in [*proxies.values(), *servers.values()]:
            process.stop()


def stream_until_failure(base: str, release_base: str, gate: str) -> tuple[list[dict[str, Any]], BaseException | None]:
    """POSTs `die` and reads its SSE reply: releases the step after its progress frame, then reads until the
    stream fails (or ends). Returns the messages seen and the error that ended the stream (None: clean end)."""
    messages: list[dict[str, Any]] = []
    with httpx2.Client(timeout=httpx2.Timeout(10.0)) as http:
        try:
            with http.stream("POST", base + "/mcp", headers=LEGACY_POST_HEADERS,
                             content=tool_call(1, "die", {"gate": gate}, "die-1")) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        messages.append(json.loads(line[len("data: "):]))
                        if messages[-1].get("method") == "notifications/progress":
                            httpx2.post(release_base + "/control/release", params={"gate": gate, "step": 1})
            return messages, None
        except httpx2.TransportError as error:
            return messages, error


def test_upstream_killed_mid_stream(collector: Collector, tmp_path: Path) -> None:
    servers = start_http_servers(["stateless-sse"] * 2, tmp_path, names=["direct", "proxied"])
    server = servers["proxied"]
    # Directly: the client sees the progress frame, then the stream breaks.
    try:
        direct_messages, direct_error = stream_until_failure(servers["direct"].base, servers["direct"].base, "direct")
    finally:
        servers["direct"].stop()
    assert [m.get("method") for m in direct_messages] == ["notifications/progress"]
    assert isinstance(direct_error, (httpx2.RemoteProtocolError, httpx2.ReadError)), direct_error

    proxy: Process | None = None
    try:
        proxy = capture_for(collector, tmp_path).proxy(server.port, tmp_path)
        messages, error = stream_until_failure(proxy.base, server.base, "proxied")
        assert messages == direct_messages
        assert isinstance(error, (httpx2.RemoteProtocolError, httpx2.ReadError)), \
            f"through the proxy the stream must break like a direct one, not end cleanly: {error!r}"
        die = wait_for_request(collector, is_tool("die"), "the die call")
        assert die["outcome"] == "noResponse", die
        assert "upstream connection failed" in die.get("errorMessage", ""), die
        # The proxy keeps serving: a new server on the same port answers through it.
        server.stop()
        server = start_http_server("stateless-sse", tmp_path, server.port)
        answer = httpx2.post(proxy.base + "/mcp", headers=LEGACY_POST_HEADERS, content=tool_call(2, "echo", {"text": "again"}))
        assert answer.status_code == 200 and b'"again"' in answer.content
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()


def test_client_disconnecting_mid_sse(shared: Shared) -> None:
    proxy = shared.proxies["stateless-sse"]
    marker = uuid.uuid4().hex
    headers = {**LEGACY_POST_HEADERS, "x-marker": marker}
    with httpx2.Client(timeout=httpx2.Timeout(10.0)) as http:
        with http.stream("POST", proxy.base + "/mcp", headers=headers,
                         content=tool_call(1, "progress", {"steps": 3, "gate": marker}, "left-1")) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith("data: "):
                    assert json.loads(line[len("data: "):])["method"] == "notifications/progress"
                    break
        # Leaving both blocks closes the connection with the reply still open.
    left = wait_for_request(shared.collector, is_tool("progress"), "the abandoned progress call", marker)
    assert left["outcome"] == "noResponse", left
    assert "client disconnected" in left.get("errorMessage", ""), left
    # Others are still served.
    answer = httpx2.post(proxy.base + "/mcp", headers=headers, content=tool_call(2, "echo", {"text": "still here"}))
    assert answer.status_code == 200 and b"still here" in answer.content
    wait_for_request(shared.collector, lambda c: is_tool("echo")(c) and c["outcome"] == "ok", "the next echo call",
                     marker)


def test_end_of_a_legacy_sse_stream_ends_its_open_requests(shared: Shared) -> None:
    """GET /sse, then a POST to the announced endpoint whose reply never comes: the client drops the stream."""
    proxy = shared.proxies["legacy-sse"]
    marker = uuid.uuid4().hex
    with httpx2.Client(timeout=httpx2.Timeout(10.0), headers={"x-marker": marker}) as http:
        with http.stream("GET", proxy.base + "/sse", headers={"accept": "text/event-stream"}) as stream:
            assert stream.status_code == 200
            lines = stream.iter_lines()
            endpoint = ""
            for line in lines:
                if line.startswith("data: "):
                    endpoint = line[len("data: "):]
                    break
            assert endpoint.startswith("/messages/?session_id="), endpoint
            init = rpc_request(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                         "clientInfo": {"name": "raw-legacy", "version": "1.2"}})
            assert http.post(proxy.base + endpoint, headers=MCP_POST_HEADERS, content=init).status_code == 202
            initialized = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode()
            assert http.post(proxy.base + endpoint, headers=MCP_POST_HEADERS, content=initialized).status_code == 202
            call = tool_call(2, "progress", {"steps": 2, "gate": marker}, "legacy-1")
            assert http.post(proxy.base + endpoint, headers=MCP_POST_HEADERS, content=call).status_code == 202
            for line in lines:
                if line.startswith("data: ") and "notifications/progress" in line:
                    break
        # The stream is closed with the progress call still open.
    left = wait_for_request(shared.collector, is_tool("progress"), "the progress call", marker)
    assert left["outcome"] == "noResponse", left
    assert left["transport"] == "sse" and left["client"] == {"name": "raw-legacy", "version": "1.2"}, left
    init_call = wait_for_request(shared.collector, lambda c: c["method"] == "initialize", "the initialize", marker)
    assert init_call["outcome"] == "ok" and init_call["session"] == left["session"]
    assert left["session"] == endpoint.split("session_id=", 1)[1], left


def test_delete_of_a_session_ends_its_open_requests(shared: Shared) -> None:
    proxy = shared.proxies["sse"]
    marker = uuid.uuid4().hex
    init = rpc_request(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "raw-delete", "version": "0.9"}})
    with httpx2.Client(timeout=httpx2.Timeout(10.0), headers={"x-marker": marker}) as http:
        started = http.post(proxy.base + "/mcp", headers=LEGACY_POST_HEADERS, content=init)
        assert started.status_code == 200
        session = started.headers["mcp-session-id"]
        headers = {**LEGACY_POST_HEADERS, "mcp-session-id": session}
        with httpx2.Client(timeout=httpx2.Timeout(10.0), headers={"x-marker": marker}) as other:
            with other.stream("POST", proxy.base + "/mcp", headers=headers,
                              content=tool_call(2, "progress", {"steps": 2, "gate": marker}, "del-1")) as reply:
                for line in reply.iter_lines():
                    if line.startswith("data: ") and "notifications/progress" in line:
                        break
                deleted = http.delete(proxy.base + "/mcp", headers={"mcp-session-id": session,
                                                                    "mcp-protocol-version": "2025-11-25"})
                assert deleted.status_code == 200
    left = wait_for_request(shared.collector, is_tool("progress"), "the progress call", marker)
    assert left["outcome"] == "noResponse", left
    assert left["session"] == session, left


def test_upstream_not_running(collector: Collector, tmp_path: Path) -> None:
    nothing = free_port()
    body = tool_call(1, "echo", {"text": "anyone?"})
    with pytest.raises(httpx2.ConnectError):
        httpx2.post(f"http://127.0.0.1:{nothing}/mcp", headers=LEGACY_POST_HEADERS, content=body)
    proxy = capture_for(collector, tmp_path).proxy(nothing, tmp_path)
    try:
        # No HTTP response at all, like the refused direct connection (the proxy resets the connection).
        with pytest.raises(httpx2.TransportError) as raised:
            httpx2.post(proxy.base + "/mcp", headers=LEGACY_POST_HEADERS, content=body)
        assert not isinstance(raised.value, httpx2.TimeoutException), raised.value
        echo = wait_for_request(collector, is_tool("echo"), "the echo call")
        assert echo["outcome"] == "error", echo
        assert echo.get("errorMessage", "").startswith("upstream unreachable"), echo
    finally:
        proxy.stop()


@pytest.mark.parametrize(("path", "headers", "status", "message"), [
    ("/mcp/busy", LEGACY_POST_HEADERS, 503, "HTTP 503 Service Unavailable"),
    ("/mcp", {**LEGACY_POST_HEADERS, "mcp-session-id": "no-such-session"}, 404, "HTTP 404 Not Found"),
    ("/mcp", {**LEGACY_POST_HEADERS, "accept": "text/plain"}, 406, "HTTP 406 Not Acceptable"),
])
def test_http_error_replies_are_forwarded_and_recorded(shared: Shared, path: str, headers: dict[str, str],
                                                       status: int, message: str) -> None:
    server, proxy = shared.servers["sse"], shared.proxies["sse"]
    marker = uuid.uuid4().hex
    headers = {**headers, "x-marker": marker}
    body = tool_call(1, "echo", {"text": "refused"})
    direct = httpx2.post(server.base + path, headers=headers, content=body)
    proxied = httpx2.post(proxy.base + path, headers=headers, content=body)
    assert (proxied.status_code, proxied.content) == (direct.status_code, direct.content)
    assert proxied.status_code == status
    echo = wait_for_request(shared.collector, is_tool("echo"), "the refused echo call", marker)
    assert echo["outcome"] == "error", echo
    assert echo.get("errorMessage", "").startswith(message), echo
    if status == 503:
        assert "overloaded, try again later" in echo["errorMessage"], echo


def test_cli_refuses_secret_context_headers_and_https_upstreams(tmp_path: Path) -> None:
    from support import telltale_bin

    for header in ("Authorization", "cookie", "X-Api-Key", "X-Custom-Secret"):
        result = subprocess.run([str(telltale_bin()), "proxy", "127.0.0.1:1", f"127.0.0.1:{free_port()}",
                                 "--redact-header", "X-Custom-Secret", "--context-header", f"{header}=who"],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode != 0, (header, result)
        assert header.lower() in result.stderr.lower(), (header, result.stderr)
    result = subprocess.run([str(telltale_bin()), "proxy", "https://127.0.0.1:1", f"127.0.0.1:{free_port()}"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "https" in result.stderr.lower(), result


def metrics(admin: str) -> dict[str, float]:
    """The admin `/metrics` samples (Prometheus text): `name{labels}` → value."""
    response = httpx2.get(admin + "/metrics")
    assert response.status_code == 200, response.text
    samples: dict[str, float] = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_admin_endpoints(collector: Collector, tmp_path: Path) -> None:
    server = start_http_server("stateless", tmp_path)
    admin_port = free_port()
    proxy = capture_for(collector, tmp_path, admin_port=admin_port).proxy(server.port, tmp_path)
    admin = f"http://127.0.0.1:{admin_port}"
    try:
        wait_for_port(admin_port, proxy.process, what="the admin server")
        assert httpx2.get(admin + "/healthz").status_code == 200
        assert httpx2.get(admin + "/readyz").status_code == 200
        before = metrics(admin)
        for n in range(3):
            answer = httpx2.post(proxy.base + "/mcp", headers=LEGACY_POST_HEADERS, content=tool_call(n, "echo", {"text": str(n)}))
            assert answer.status_code == 200
        collector.wait_for_calls(3)
        after = metrics(admin)
        names = {"telltale_proxy_requests_total", "telltale_proxy_inspected_requests_total",
                 "telltale_proxy_upstream_errors_total", "telltale_proxy_open_connections",
                 "telltale_calls_captured_total", "telltale_calls_sent_total", "telltale_calls_spooled_total",
                 "telltale_calls_dropped_total", "telltale_shipper_queue_depth"}
        assert names <= set(after), sorted(after)
        assert after["telltale_proxy_requests_total"] >= before.get("telltale_proxy_requests_total", 0) + 3
        assert after["telltale_proxy_inspected_requests_total"] >= \
            before.get("telltale_proxy_inspected_requests_total", 0) + 3
        assert after["telltale_calls_captured_total"] >= before.get("telltale_calls_captured_total", 0) + 3
        assert after["telltale_calls_sent_total"] >= 3
        assert after["telltale_calls_dropped_total"] == 0
        assert after["telltale_proxy_upstream_errors_total"] == 0
        # A path outside the inspected prefixes is relayed, not inspected.
        assert httpx2.post(proxy.base + "/rpc/echo", content=b'{"jsonrpc":"2.0","id":1,"method":"x"}').status_code == 200
        outside = metrics(admin)
        assert outside["telltale_proxy_requests_total"] == after["telltale_proxy_requests_total"] + 1
        assert outside["telltale_proxy_inspected_requests_total"] == after["telltale_proxy_inspected_requests_total"]
        # The upstream goes away: not ready any more, still healthy; a request counts as an upstream error.
        server.stop()
        assert httpx2.get(admin + "/readyz").status_code == 503
        assert httpx2.get(admin + "/healthz").status_code == 200
        with pytest.raises(httpx2.TransportError):
            httpx2.post(proxy.base + "/mcp", headers=LEGACY_POST_HEADERS, content=tool_call(9, "echo", {"text": "gone"}))
        assert metrics(admin)["telltale_proxy_upstream_errors_total"] == 1
    finally:
        proxy.stop()
        server.stop()
