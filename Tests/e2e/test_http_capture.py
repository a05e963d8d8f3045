"""The official `mcp` client drives the HTTP test server through `telltale proxy` and `telltale run --port`.

Every server variant (Streamable HTTP with JSON replies, with SSE replies, stateless in both, legacy HTTP+SSE)
is driven in both protocol generations (`mode="legacy"`: initialize + Mcp-Session-Id; `mode="auto"`: the
2026-07-28 per-request path) through `telltale proxy`, and the SSE variant through `telltale run --port`.
All scenarios ship to one collector; each client sends `X-Scenario: <id>` (mapped to the `scenario` tag by
`--context-header`), `X-Env: staging` (→ `environment`), its own `traceparent` and an `Authorization` header
whose value must never be stored. Each test then asserts one angle of each scenario through the query API.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest

from http_support import (
    VARIANTS,
    Capture,
    Process,
    Seen,
    assert_scenario_seen,
    drive_scenario,
    expected_tool_calls,
    http_server_command,
    read_data_files,
    start_http_servers,
)
from support import Collector, count_by, free_port, requests_only


MODES = ["legacy", "auto"]
SCENARIOS = [f"proxy-{variant}-{mode}" for variant in VARIANTS for mode in MODES] + \
            [f"run-sse-{mode}" for mode in MODES]


@dataclass
class Scenario:
    """One client session through Telltale: what it sent, what it saw."""

    id: str
    via: str
    variant: str
    mode: str
    trace_id: str
    secret: str
    seen: Seen | None = None
    error: str = ""

    @property
    def expected_requests(self) -> int:
        # handshake (initialize or server/discover), tools/list, the tool calls, prompts/get, resources/read
        return 2 + sum(expected_tool_calls(self.variant).values()) + 2

    @property
    def transport(self) -> str:
        return VARIANTS[self.variant][2]

    def headers(self) -> dict[str, str]:
        return {"X-Scenario": self.id, "X-Env": "staging", "Authorization": f"Bearer {self.secret}",
                "traceparent": f"00-{self.trace_id}-{uuid.uuid4().hex[:16]}-01"}


@dataclass
class Run:
    collector: Collector
    base: Path
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    def tag(self, scenario: Scenario) -> dict[str, str]:
        return {"tag": f"scenario:{scenario.id}"}


def _capture(collector: Collector, base: Path) -> Capture:
    xdg = base / "xdg"
    xdg.mkdir(exist_ok=True)
    return Capture(collector=collector, xdg_data_home=xdg, tags={"suite": "http"},
                   context_headers={"X-Scenario": "scenario", "X-Env": "environment"})


@pytest.fixture(scope="module")
def run(module_collector: Collector, tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("http-capture")
    result = Run(collector=module_collector, base=base)
    capture = _capture(module_collector, base)
    try:
        for scenario_id in SCENARIOS:
            via, rest = scenario_id.split("-", 1)
            variant, mode = rest.rsplit("-", 1)
            result.scenarios[scenario_id] = Scenario(id=scenario_id, via=via, variant=variant, mode=mode,
                                                     trace_id=uuid.uuid4().hex, secret=f"s3cr3t-{uuid.uuid4().hex}")
        servers = start_http_servers(list(VARIANTS), base)
        result.processes += servers.values()
        fronts: dict[str, Process] = {}
        for variant, server in servers.items():
            fronts[variant] = capture.proxy(server.port, base)
            result.processes.append(fronts[variant])
        for scenario in result.scenarios.values():
            if scenario.via == "proxy":
                upstream, front = servers[scenario.variant], fronts[scenario.variant]
                gate_base = upstream.base
            else:
                if "run" not in fronts:
                    run_child_port = free_port()
                    fronts["run"] = capture.run(http_server_command(scenario.variant), base, child_port=run_child_port)
                    result.processes.append(fronts["run"])
                front = fronts["run"]
                # The gate is released on the child directly (its port is the one given with --child-port).
                gate_base = f"http://127.0.0.1:{run_child_port}"
            try:
                scenario.seen = anyio.run(drive_scenario, front.base, scenario.variant, scenario.mode, gate_base,
                                          uuid.uuid4().hex, scenario.headers())
            except Exception as error:  # each test reports it against its own scenario
                scenario.error = f"{type(error).__name__}: {error}"
        total = sum(s.expected_requests for s in result.scenarios.values())
        try:
            module_collector.wait_for_calls(total, timeout=20)
        except AssertionError:
            pass  # each test fails on its own assertion against whatever did arrive
        yield result
    finally:
        for process in reversed(result.processes):
            process.stop()


@pytest.fixture(params=SCENARIOS)
def scenario(request: pytest.FixtureRequest, run: Run) -> Scenario:
    scenario = run.scenarios[request.param]
    assert not scenario.error, f"the client failed through telltale {scenario.via}: {scenario.error}"
    return scenario


def test_client_sees_the_server_normally(scenario: Scenario) -> None:
    assert scenario.seen is not None
    assert_scenario_seen(scenario.seen, scenario.variant, scenario.mode)


def test_summary_counts_every_request_and_outcome(run: Run, scenario: Scenario) -> None:
    summary = run.collector.get("/api/v1/summary", run.tag(scenario))
    n = scenario.expected_requests
    assert summary["calls"] == n
    assert summary["outcomes"] == {"ok": n - 2, "toolError": 1, "error": 1, "cancelled": 0, "noResponse": 0}


def test_tools_prompts_and_resources(run: Run, scenario: Scenario) -> None:
    tools = run.collector.items_by_name("/api/v1/tools", run.tag(scenario))
    assert {name: item["calls"] for name, item in tools.items()} == expected_tool_calls(scenario.variant)
    assert (tools["fail"]["errors"], tools["fail"]["toolErrors"]) == (1, 1)
    assert (tools["nope"]["errors"], tools["nope"]["toolErrors"]) == (1, 0)
    assert tools["echo"]["errors"] == 0
    prompts = run.collector.items_by_name("/api/v1/prompts", run.tag(scenario))
    assert {name: item["calls"] for name, item in prompts.items()} == {"greeting": 1}
    resources = run.collector.items_by_name("/api/v1/resources", run.tag(scenario))
    assert {name: item["calls"] for name, item in resources.items()} == {"telltale://e2e/info": 1}


def expected_clients(scenario: Scenario) -> set[tuple[str, str]]:
    """Client identities the scenario's calls may carry: from initialize / `_meta`; for handshake-era stateless
    traffic (sessions per connection) the requests on a connection without the initialize carry the
    `User-Agent` of the SDK's HTTP client."""
    if scenario.variant.startswith("stateless") and scenario.mode == "legacy":
        return {("mcp", "0.1.0"), ("python-httpx2", httpx2_version())}
    return {("mcp", "0.1.0")}


def httpx2_version() -> str:
    from importlib.metadata import version

    return version("httpx2")


def test_client_and_server_identity(run: Run, scenario: Scenario) -> None:
    clients = run.collector.get("/api/v1/clients", run.tag(scenario))["items"]
    assert ("mcp", "0.1.0") in {(c["name"], c["version"]) for c in clients}
    assert {(c["name"], c["version"]) for c in clients} <= expected_clients(scenario)
    servers = run.collector.get("/api/v1/servers", run.tag(scenario))["items"]
    assert [(s["name"], s["version"]) for s in servers] == [("telltale-e2e", "1.4.2")]


def _calls(run: Run, scenario: Scenario) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    for session in run.collector.sessions(run.tag(scenario)):
        calls.extend(run.collector.session_calls(session["id"]))
    return calls


def test_sessions(run: Run, scenario: Scenario) -> None:
    sessions = run.collector.sessions(run.tag(scenario))
    if scenario.variant.startswith("stateless") and scenario.mode == "legacy":
        # No session id and not 2026-07-28 traffic: one synthetic session per client connection. A connection
        # may carry only a notification (notifications/initialized), so some sessions hold no request.
        with_requests = [s for s in sessions if s["calls"] > 0]
        assert 1 <= len(with_requests) <= scenario.expected_requests, sessions
        assert all(s["calls"] > 0 or s["notifications"] > 0 for s in sessions), sessions
    else:
        # Mcp-Session-Id, the legacy sessionId, or (2026-07-28) the client's trace id: one session.
        assert len(sessions) == 1, sessions
    for session in sessions:
        assert session["transport"] == scenario.transport, session
    assert sum(s["calls"] for s in sessions) == scenario.expected_requests


def test_synthetic_session_ids_never_reach_the_traffic(run: Run, scenario: Scenario) -> None:
    # A session id Telltale made up is not in what the client saw (the client saw the server's answers only).
    assert scenario.seen is not None
    seen_text = json.dumps(scenario.seen.results)
    for session in run.collector.sessions(run.tag(scenario)):
        assert session["id"] not in seen_text


def test_every_request_carries_transport_address_tags_and_trace(run: Run, scenario: Scenario) -> None:
    requests = requests_only(_calls(run, scenario))
    assert len(requests) == scenario.expected_requests
    for call in requests:
        assert call["transport"] == scenario.transport, call
        assert str(call.get("clientAddress", "")).startswith("127.0.0.1"), call
        assert call["tags"] == {"suite": "http", "scenario": scenario.id, "environment": "staging"}, call
        assert (call["client"]["name"], call["client"]["version"]) in expected_clients(scenario), call
        assert call["trace"]["traceId"] == scenario.trace_id, call
        assert call["requestBytes"] > 0, call
    handshake = "initialize" if scenario.mode == "legacy" else "server/discover"
    assert count_by(requests, lambda c: c["method"]) == {
        handshake: 1, "tools/list": 1, "tools/call": sum(expected_tool_calls(scenario.variant).values()),
        "prompts/get": 1, "resources/read": 1,
    }


def test_call_details(run: Run, scenario: Scenario) -> None:
    requests = requests_only(_calls(run, scenario))
    tool_calls = {(c["target"], json.dumps(c["request"].get("arguments"), sort_keys=True)): c
                  for c in requests if c["method"] == "tools/call"}
    echo = run.collector.get(f"/api/v1/calls/{tool_calls[('echo', json.dumps({'text': 'two'}))]['id']}")
    assert echo["outcome"] == "ok"
    assert echo["response"]["structuredContent"] == {"result": "two"}
    assert echo["durationNs"] > 0 and echo["responseBytes"] > 0
    (fail,) = [c for (name, _), c in tool_calls.items() if name == "fail"]
    assert fail["outcome"] == "toolError" and "the disk is on fire" in fail["errorMessage"]
    (nope,) = [c for (name, _), c in tool_calls.items() if name == "nope"]
    assert (nope["outcome"], nope["errorCode"], nope["errorMessage"]) == ("error", -32602, "Unknown tool: nope")
    if "progress" in expected_tool_calls(scenario.variant):
        (progress,) = [c for (name, _), c in tool_calls.items() if name == "progress"]
        assert progress["outcome"] == "ok"
        assert progress["response"]["structuredContent"] == {"result": "done 3 steps"}


def test_secret_headers_are_never_stored(run: Run, scenario: Scenario) -> None:
    assert scenario.secret not in json.dumps(_calls(run, scenario))
    assert scenario.secret.encode() not in read_data_files(run.collector.data_dir)
    # ... nor in the spool or anything else the proxies and `telltale run` wrote (their logs included).
    assert scenario.secret.encode() not in read_data_files(run.base)
