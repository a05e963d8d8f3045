"""The official `mcp` client drives the e2e server through `telltale run`; the query API must tell the story.

One scenario per protocol generation — the client's default mode (2026-07-28: `server/discover`, identity in
`_meta`) and `mode="legacy"` (the `initialize` handshake) — run once against a fresh collector, then asserted
from many angles: tool names, identities, counts, every outcome, durations, payloads, sessions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from support import (
    REPO_ROOT,
    Collector,
    Wrapper,
    count_by,
    e2e_server_command,
    mcp_client,
    parse_time,
    requests_only,
    rfc3339,
)

MODES = ["auto", "legacy"]
PROTOCOL_VERSION = {"auto": "2026-07-28", "legacy": "2025-11-25"}
HANDSHAKE = {"auto": "server/discover", "legacy": "initialize"}

SLOW_OK_S = 0.3
CANCEL_AFTER_S = 0.5
CANCELLED_SLEEP_S = 5.0

#: tools/call count per tool name in the scenario (`nope` is not a tool of the server).
EXPECTED_TOOL_CALLS = {"echo": 3, "add": 2, "fail": 1, "nope": 1, "slow": 2, "login": 1}
#: Every request the client sends: handshake, tools/list, the tool calls, prompts/get, resources/read.
EXPECTED_REQUESTS = 1 + 1 + sum(EXPECTED_TOOL_CALLS.values()) + 1 + 1


@dataclass
class Scenario:
    """What the client did and saw, and the collector that recorded it."""

    mode: str
    collector: Collector
    tool_names: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    unknown_tool_error: MCPError | None = None
    cancel_elapsed_s: float = 0.0
    server_info: Any = None
    protocol_version: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    wait_error: str = ""

    def requests(self) -> list[dict[str, Any]]:
        return requests_only(self.calls)

    def tool_calls(self, tool: str) -> list[dict[str, Any]]:
        return [c for c in self.requests() if c["method"] == "tools/call" and c.get("target") == tool]


async def drive(wrapper: Wrapper, mode: str, scenario: Scenario) -> None:
    async with mcp_client(wrapper.params(e2e_server_command()), mode) as client:
        scenario.server_info = client.server_info
        scenario.protocol_version = client.protocol_version
        scenario.tool_names = [tool.name for tool in (await client.list_tools()).tools]
        for text in ("one", "two", "three"):
            scenario.results[f"echo:{text}"] = await client.call_tool("echo", {"text": text})
        scenario.results["add:1"] = await client.call_tool("add", {"a": 1, "b": 2})
        scenario.results["add:2"] = await client.call_tool("add", {"a": 0.5, "b": -4})
        scenario.results["fail"] = await client.call_tool("fail", {"message": "the disk is on fire"})
        try:
            await client.call_tool("nope", {})
        except MCPError as error:
            scenario.unknown_tool_error = error
        scenario.results["slow"] = await client.call_tool("slow", {"seconds": SLOW_OK_S})
        # Cancel a slow call: leaving the cancel scope makes the SDK send notifications/cancelled.
        started = time.monotonic()
        with anyio.move_on_after(CANCEL_AFTER_S):
            await client.call_tool("slow", {"seconds": CANCELLED_SLEEP_S})
        scenario.cancel_elapsed_s = time.monotonic() - started
        scenario.results["login"] = await client.call_tool("login", {"username": "ada", "password": "hunter2-secret"})
        scenario.results["prompt"] = await client.get_prompt("greeting", {"name": "Ada"})
        scenario.results["resource"] = await client.read_resource("telltale://e2e/info")


@pytest.fixture(scope="module", params=MODES)
def scenario(request: pytest.FixtureRequest, telltale: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    mode: str = request.param
    base = tmp_path_factory.mktemp(f"capture-{mode}")
    collector = Collector(binary=telltale, data_dir=base / "data", log_path=base / "serve.log")
    collector.create_keys()
    collector.start()
    try:
        xdg = base / "xdg"
        xdg.mkdir()
        wrapper = Wrapper(binary=telltale, endpoint=collector.endpoint, api_key=collector.ingest_key,
                          xdg_data_home=xdg, tags={"suite": "e2e", "mode": mode})
        result = Scenario(mode=mode, collector=collector)
        anyio.run(drive, wrapper, mode, result)
        try:
            collector.wait_for_calls(EXPECTED_REQUESTS)
        except AssertionError as error:
            # Let each test fail on its own assertion, against whatever did arrive.
            result.wait_error = str(error)
        result.summary = collector.get("/api/v1/summary")
        result.calls = collector.all_calls()
        yield result
    finally:
        collector.stop()


# -- what the client saw (the wrapper must be invisible) -------------------------------------------------------

def test_client_sees_the_server_normally(scenario: Scenario) -> None:
    assert scenario.protocol_version == PROTOCOL_VERSION[scenario.mode]
    assert scenario.server_info is not None and scenario.server_info.name == "telltale-e2e"
    assert scenario.tool_names == ["echo", "fail", "slow", "add", "login", "crash"]
    assert scenario.results["echo:two"].structured_content == {"result": "two"}
    assert scenario.results["add:1"].structured_content == {"result": 3}
    assert scenario.results["fail"].is_error is True
    assert scenario.unknown_tool_error is not None and scenario.unknown_tool_error.error.code == -32602
    assert scenario.results["slow"].structured_content == {"result": f"slept {SLOW_OK_S}s"}
    assert CANCEL_AFTER_S <= scenario.cancel_elapsed_s < CANCELLED_SLEEP_S


# -- summary ---------------------------------------------------------------------------------------------------

def test_summary_counts_every_request_and_outcome(scenario: Scenario) -> None:
    summary = scenario.summary
    assert summary["calls"] == EXPECTED_REQUESTS
    assert summary["outcomes"] == {
        "ok": EXPECTED_REQUESTS - 3, "toolError": 1, "error": 1, "cancelled": 1, "noResponse": 0,
    }
    assert summary["errorRate"] == pytest.approx(3 / EXPECTED_REQUESTS, abs=1e-6)
    assert summary["sessions"] == 1
    latency = summary["latency"]
    assert 0 < latency["p50Ms"] <= latency["p95Ms"] <= latency["p99Ms"]
    # The slowest calls are the cancelled one (≈0.5 s) and slow(0.3 s): p99 of 14 calls reaches them.
    assert latency["p99Ms"] >= SLOW_OK_S * 1000 * 0.99


def test_summary_counts_notifications(scenario: Scenario) -> None:
    # notifications/cancelled in both modes, plus notifications/initialized in legacy mode.
    expected = 2 if scenario.mode == "legacy" else 1
    assert scenario.summary["notifications"] == expected


# -- per target ------------------------------------------------------------------------------------------------

def test_tools_lists_every_called_tool_with_its_counts(scenario: Scenario) -> None:
    tools = scenario.collector.items_by_name("/api/v1/tools")
    assert set(tools) == set(EXPECTED_TOOL_CALLS)
    assert {name: item["calls"] for name, item in tools.items()} == EXPECTED_TOOL_CALLS


def test_tool_error_counts_as_a_failure(scenario: Scenario) -> None:
    # `errors` counts failures of every kind; `toolErrors` the isError results among them.
    fail = scenario.collector.items_by_name("/api/v1/tools")["fail"]
    assert (fail["calls"], fail["errors"], fail["toolErrors"]) == (1, 1, 1)
    assert fail["errorRate"] == pytest.approx(1.0)
    echo = scenario.collector.items_by_name("/api/v1/tools")["echo"]
    assert (echo["errors"], echo["toolErrors"], echo["errorRate"]) == (0, 0, 0)


def test_unknown_tool_is_a_jsonrpc_error(scenario: Scenario) -> None:
    nope = scenario.collector.items_by_name("/api/v1/tools")["nope"]
    assert (nope["calls"], nope["errors"], nope["toolErrors"]) == (1, 1, 0)
    assert nope["errorRate"] == pytest.approx(1.0)


def test_tool_latency_percentiles(scenario: Scenario) -> None:
    tools = scenario.collector.items_by_name("/api/v1/tools")
    for name, item in tools.items():
        assert 0 < item["p50Ms"] <= item["p95Ms"] <= item["p99Ms"], name
        assert item["lastSeen"], name
    # slow: one call slept 0.3 s, the other was cancelled after 0.5 s — both at least 0.3 s (±1% sketch error).
    assert tools["slow"]["p50Ms"] >= SLOW_OK_S * 1000 * 0.99
    # ... and the cancelled one is a failure.
    assert (tools["slow"]["errors"], tools["slow"]["toolErrors"]) == (1, 0)
    assert tools["slow"]["errorRate"] == pytest.approx(0.5)
    assert tools["echo"]["p99Ms"] < 2000


def test_prompts_and_resources(scenario: Scenario) -> None:
    prompts = scenario.collector.items_by_name("/api/v1/prompts")
    assert {name: item["calls"] for name, item in prompts.items()} == {"greeting": 1}
    resources = scenario.collector.items_by_name("/api/v1/resources")
    assert {name: item["calls"] for name, item in resources.items()} == {"telltale://e2e/info": 1}
    assert resources["telltale://e2e/info"]["errors"] == 0


def test_tool_filter_narrows_the_summary(scenario: Scenario) -> None:
    summary = scenario.collector.get("/api/v1/summary", {"tool": "slow"})
    assert summary["calls"] == 2
    assert summary["outcomes"]["cancelled"] == 1
    assert summary["outcomes"]["ok"] == 1


# -- identities ------------------------------------------------------------------------------------------------

def test_client_identity(scenario: Scenario) -> None:
    # The official Python SDK sends clientInfo {"name": "mcp", "version": "0.1.0"} in both modes:
    # in `_meta` on every request (2026-07-28), in the initialize params (legacy).
    clients = scenario.collector.get("/api/v1/clients")["items"]
    assert [(c["name"], c["version"]) for c in clients] == [("mcp", "0.1.0")]
    assert clients[0]["calls"] == EXPECTED_REQUESTS
    assert clients[0]["sessions"] == 1
    assert clients[0]["errorRate"] == pytest.approx(3 / EXPECTED_REQUESTS, abs=1e-6)


def test_server_identity(scenario: Scenario) -> None:
    servers = scenario.collector.get("/api/v1/servers")["items"]
    assert [(s["name"], s["version"]) for s in servers] == [("telltale-e2e", "1.4.2")]
    assert servers[0]["calls"] == EXPECTED_REQUESTS


def test_identity_filters(scenario: Scenario) -> None:
    collector = scenario.collector
    assert collector.get("/api/v1/summary", {"client": "mcp"})["calls"] == EXPECTED_REQUESTS
    assert collector.get("/api/v1/summary", {"client": "mcp", "clientVersion": "0.1.0"})["calls"] == EXPECTED_REQUESTS
    assert collector.get("/api/v1/summary", {"client": "mcp", "clientVersion": "9.9.9"})["calls"] == 0
    assert collector.get("/api/v1/summary", {"server": "telltale-e2e"})["calls"] == EXPECTED_REQUESTS
    assert collector.get("/api/v1/summary", {"server": "some-other-server"})["calls"] == 0
    assert collector.get("/api/v1/summary", {"tag": f"mode:{scenario.mode}"})["calls"] == EXPECTED_REQUESTS
    assert collector.get("/api/v1/summary", {"tag": "mode:nonexistent"})["calls"] == 0


def test_time_window_filters(scenario: Scenario) -> None:
    collector = scenario.collector
    now = time.time()
    # A window that ended before the scenario started, one after it, and one around it.
    assert collector.get("/api/v1/summary", {"from": rfc3339(now - 7200), "to": rfc3339(now - 3600)})["calls"] == 0
    assert collector.get("/api/v1/summary", {"from": rfc3339(now + 3600), "to": rfc3339(now + 7200)})["calls"] == 0
    around = {"from": rfc3339(now - 3600), "to": rfc3339(now + 3600)}
    assert collector.get("/api/v1/summary", around)["calls"] == EXPECTED_REQUESTS
    assert sum(t["calls"] for t in collector.get("/api/v1/tools", around)["items"]) == sum(EXPECTED_TOOL_CALLS.values())
    # A window that ends before it starts is a client error.
    assert collector.request("/api/v1/summary", {"from": rfc3339(now), "to": rfc3339(now - 60)})[0] == 400


# -- sessions and raw calls ------------------------------------------------------------------------------------

def test_session_record(scenario: Scenario) -> None:
    sessions = scenario.collector.sessions()
    assert len(sessions) == 1, f"one client run must be one session: {sessions}"
    (session,) = sessions
    assert session["client"] == {"name": "mcp", "version": "0.1.0"}
    assert session["server"] == {"name": "telltale-e2e", "version": "1.4.2"}
    assert session["transport"] == "stdio"
    assert session["calls"] == EXPECTED_REQUESTS
    assert session["errors"] == 3  # the tool error, the unknown tool, the cancelled call
    assert session["notifications"] == (2 if scenario.mode == "legacy" else 1)
    assert session["stdoutPollution"] == 0
    assert parse_time(session["firstSeen"]) <= parse_time(session["lastSeen"])


def test_session_calls_are_ordered_and_complete(scenario: Scenario) -> None:
    requests = scenario.requests()
    assert len(requests) == EXPECTED_REQUESTS
    assert [c["requestId"] for c in requests] == [str(i) for i in range(1, EXPECTED_REQUESTS + 1)]
    started = [parse_time(c["startedAt"]) for c in scenario.calls]
    assert started == sorted(started), "session calls must be ordered by startedAt"
    assert requests[0]["method"] == HANDSHAKE[scenario.mode]
    assert requests[1]["method"] == "tools/list"
    assert count_by(requests, lambda c: c["method"]) == {
        HANDSHAKE[scenario.mode]: 1, "tools/list": 1, "tools/call": sum(EXPECTED_TOOL_CALLS.values()),
        "prompts/get": 1, "resources/read": 1,
    }
    assert len({c["id"] for c in scenario.calls}) == len(scenario.calls), "call ids must be unique"
    assert {c["session"] for c in scenario.calls} == {scenario.collector.sessions()[0]["id"]}


def test_every_request_carries_identity_and_protocol(scenario: Scenario) -> None:
    for call in scenario.requests():
        assert call["direction"] == "toServer", call
        assert call["transport"] == "stdio", call
        assert call["client"] == {"name": "mcp", "version": "0.1.0"}, call
        assert call["server"] == {"name": "telltale-e2e", "version": "1.4.2"}, call
        assert call["protocolVersion"] == PROTOCOL_VERSION[scenario.mode], call
        assert call["tags"] == {"suite": "e2e", "mode": scenario.mode}, call
        assert call["requestBytes"] > 0, call


def test_notifications_are_their_own_records(scenario: Scenario) -> None:
    notifications = [c for c in scenario.calls if c["kind"] == "notification"]
    methods = sorted(c["method"] for c in notifications)
    expected = ["notifications/cancelled"] + (["notifications/initialized"] if scenario.mode == "legacy" else [])
    assert methods == expected
    for note in notifications:
        assert note["durationNs"] == 0


def test_ok_call_detail(scenario: Scenario) -> None:
    (echo_two,) = [c for c in scenario.tool_calls("echo") if c["request"]["arguments"] == {"text": "two"}]
    detail = scenario.collector.get(f"/api/v1/calls/{echo_two['id']}")
    assert detail["id"] == echo_two["id"]
    assert (detail["method"], detail["target"], detail["outcome"]) == ("tools/call", "echo", "ok")
    assert detail["durationNs"] > 0
    assert detail["request"]["name"] == "echo"
    assert detail["request"]["arguments"] == {"text": "two"}
    assert detail["response"]["structuredContent"] == {"result": "two"}
    assert detail["response"]["isError"] is False
    assert detail["responseBytes"] > len('"result":"two"')
    assert detail.get("errorCode") is None


def test_tool_error_call_detail(scenario: Scenario) -> None:
    (fail,) = scenario.tool_calls("fail")
    assert fail["outcome"] == "toolError"
    assert "the disk is on fire" in fail["errorMessage"]
    assert fail.get("errorCode") is None
    assert fail["response"]["isError"] is True


def test_unknown_tool_call_detail(scenario: Scenario) -> None:
    (nope,) = scenario.tool_calls("nope")
    assert nope["outcome"] == "error"
    assert nope["errorCode"] == -32602
    assert nope["errorMessage"] == "Unknown tool: nope"


def test_cancelled_call_detail(scenario: Scenario) -> None:
    slow = scenario.tool_calls("slow")
    assert sorted(c["outcome"] for c in slow) == ["cancelled", "ok"]
    (ok,) = [c for c in slow if c["outcome"] == "ok"]
    (cancelled,) = [c for c in slow if c["outcome"] == "cancelled"]
    assert ok["durationNs"] >= SLOW_OK_S * 1e9
    # Cancelled after ≈0.5 s: the duration runs until the cancellation, not the full 5 s sleep.
    assert CANCEL_AFTER_S * 1e9 * 0.8 <= cancelled["durationNs"] < CANCELLED_SLEEP_S * 1e9
    assert cancelled["responseBytes"] == 0


def test_every_request_has_a_positive_duration(scenario: Scenario) -> None:
    for call in scenario.requests():
        assert call["durationNs"] > 0, call
        assert call["durationNs"] < 10e9, call


def test_password_argument_is_redacted_by_default(scenario: Scenario) -> None:
    (login,) = scenario.tool_calls("login")
    detail = scenario.collector.get(f"/api/v1/calls/{login['id']}")
    assert detail["request"]["arguments"]["password"] == "[REDACTED]"
    assert detail["request"]["arguments"]["username"] == "ada"
    assert "hunter2" not in str(detail)


def test_read_key_is_required(scenario: Scenario) -> None:
    collector = scenario.collector
    assert collector.request("/api/v1/summary", key="")[0] == 401
    assert collector.request("/api/v1/summary", key="not-a-key")[0] == 401
    # An ingest key is not a read key.
    assert collector.request("/api/v1/summary", key=collector.ingest_key)[0] in (401, 403)


def test_openapi_document_is_served_and_matches_the_repository(scenario: Scenario) -> None:
    status, served = scenario.collector.request("/api/v1/openapi.yaml", key="")
    assert status == 200
    assert served == (REPO_ROOT / "Sources/TelltaleServer/Resources/openapi.yaml").read_text()
    for path in ("/api/v1/ingest", "/api/v1/summary", "/api/v1/tools", "/api/v1/prompts", "/api/v1/resources",
                 "/api/v1/clients", "/api/v1/servers", "/api/v1/sessions", "/api/v1/sessions/{id}/calls",
                 "/api/v1/calls/{id}"):
        assert f"{path}:" in served, path
