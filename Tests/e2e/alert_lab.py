"""The alert lab: one real `telltale serve` evaluating alert rules every second, real receivers, real traffic.

Traffic goes through the real capture path: the official `mcp` client drives `servers/alert_server.py`
wrapped by `telltale run`. Each scenario uses its own server name (and the rules are scoped to it), so the
scenarios run concurrently against one collector. Scenarios wait for events (calls ingested, a rule's
state, an evaluation after a moment) by polling the API; never by sleeping a guessed time.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio
import anyio.to_thread
from mcp import Client
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp.types import Implementation

from alert_receivers import HttpReceiver, SmtpReceiver
from support import SERVERS_DIR, Collector, Wrapper, parse_time

ALERT_SERVER = SERVERS_DIR / "alert_server.py"
PUBLIC_URL = "https://telltale.example.test"
SMTP_FROM = "telltale-alerts@example.test"
SMTP_USER = "telltale-smtp"
SMTP_PASSWORD = "smtp-Pa55word-never-logged"
MAIL_TO = ["oncall@example.test", "lead@example.test"]
SLACK_PATH = "/slack/services/T0E2E/B0E2E/xoxSlackTokenNeverShown"
FILE_HOOK_SECRET = "whsec_" + "ZmlsZS1ob29rLXNlY3JldC1mb3ItdGhlLWUyZS1zdWl0ZQ=="  # base64 of 33 bytes
#: A rule's window in the suite: the minimum the product allows.
WINDOW_S = 60


def rules_file_text(hook_url: str) -> str:
    """The `--rules` file of the lab: a signed webhook channel (secret from the environment) and a latency rule."""
    return f"""# Loaded by `telltale serve --rules` in the alert e2e suite.
channels:
  - name: file-hook
    kind: webhook
    url: {hook_url}
    secret: ${{ALERTS_FILE_HOOK_SECRET}}
rules:
  - name: slow-work
    scope: {{server: alerts-latency, tool: work}}
    condition: {{kind: latency, percentile: p95, aboveMs: 400}}
    window: 1m
    for: 0s
    channels: [file-hook]
  - name: deletes at night
    scope: {{server: alerts-unused, tool: delete_file}}
    condition: {{kind: callCount, above: 1000}}
    window: 1h
"""


@dataclass
class Scenario:
    """What one scenario did (moments, epoch seconds) and saw (rule reads), or the error that stopped it."""

    name: str
    marks: dict[str, float] = field(default_factory=dict)
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str = ""

    def mark(self, what: str) -> float:
        self.marks[what] = time.time()
        return self.marks[what]

    def check(self) -> None:
        """Fails the test with the scenario's own error, if it stopped on one."""
        if self.error:
            raise AssertionError(f"scenario {self.name} failed:\n{self.error}")


@dataclass
class AlertLab:
    """The collector with its admin key, the receivers, the created channels and rules, and the scenarios."""

    collector: Collector
    admin_key: str
    http: HttpReceiver
    smtp: SmtpReceiver
    base: Path
    errlog: IO[str]
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_ids: dict[str, str] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)

    # -- API -------------------------------------------------------------------------------------------------

    def api(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        """`method path` with a JSON body and the admin key (or `key`); returns (status, decoded JSON or text)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.collector.endpoint}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {key or self.admin_key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, reply = self.api("POST", path, body)
        assert status == 201, f"POST {path} {body} -> {status}: {reply}"
        return reply

    def create_channel(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.create("/api/v1/alerts/channels", body)
        self.channels[body["name"]] = reply
        return reply

    def create_rule(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.create("/api/v1/alerts/rules", body)
        self.rule_ids[body["name"]] = reply["id"]
        return reply

    def rule(self, name: str) -> dict[str, Any]:
        """The rule named `name` as the read key sees it (with its current state)."""
        rule_id = self.rule_ids[name]
        return self.collector.get(f"/api/v1/alerts/rules/{urllib.parse.quote(rule_id, safe=':')}")

    def history(self, name: str) -> list[dict[str, Any]]:
        """The rule's transitions, oldest first."""
        items = self.collector.get("/api/v1/alerts/history", {"rule": self.rule_ids[name], "limit": 1000})["items"]
        return list(reversed(items))

    def deliveries(self, name: str) -> list[dict[str, Any]]:
        return self.collector.get("/api/v1/alerts/deliveries", {"rule": self.rule_ids[name], "limit": 1000})["items"]

    def calls(self, server: str, tool: str) -> int:
        return int(self.collector.get("/api/v1/summary", {"server": server, "tool": tool}).get("calls", 0))

    # -- waiting (async: scenarios run concurrently) ----------------------------------------------------------

    async def poll(self, read: Callable[[], Any], done: Callable[[Any], bool], timeout: float, what: str) -> Any:
        """Polls `read()` (in a thread) every 0.2 s until `done(value)`; returns that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = await anyio.to_thread.run_sync(read)
            if done(value):
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {json.dumps(value)[:1500]}")
            await anyio.sleep(0.2)

    async def wait_calls(self, server: str, tool: str, count: int, timeout: float = 15) -> None:
        await self.poll(lambda: self.calls(server, tool), lambda n: n >= count, timeout, f"{count} {tool} calls of {server}")

    async def wait_state(self, rule: str, state: str, timeout: float) -> dict[str, Any]:
        """The rule once its state is `state`."""
        return await self.poll(lambda: self.rule(rule), lambda r: (r.get("state") or {}).get("state") == state,
                               timeout, f"rule {rule} {state}")

    async def wait_evaluated_after(self, rule: str, moment: float, timeout: float = 15) -> dict[str, Any]:
        """The rule once an evaluation that started after `moment` (epoch seconds) is recorded."""
        def evaluated(r: dict[str, Any]) -> bool:
            at = (r.get("state") or {}).get("evaluatedAt")
            return at is not None and parse_time(at) > moment

        return await self.poll(lambda: self.rule(rule), evaluated, timeout, f"an evaluation of {rule} after {moment}")

    async def settle(self, server: str, tool: str, count: int, rules: list[str], scenario: Scenario, label: str) -> None:
        """Waits until `count` calls are stored, then until each rule was evaluated after that; records the reads."""
        await self.wait_calls(server, tool, count)
        stored = time.time()
        for rule in rules:
            scenario.reads[f"{label}:{rule}"] = await self.wait_evaluated_after(rule, stored)

    # -- traffic ---------------------------------------------------------------------------------------------

    def wrapper(self, scenario: str) -> Wrapper:
        xdg = self.base / f"xdg-{scenario}"
        xdg.mkdir(exist_ok=True)
        return Wrapper(binary=self.collector.binary, endpoint=self.collector.endpoint,
                       api_key=self.collector.ingest_key, xdg_data_home=xdg)

    @asynccontextmanager
    async def session(self, server: str, client: str = "alerts-e2e", control: Path | None = None) -> AsyncIterator[Client]:
        """An MCP session of the official client with `alert_server.py --name server` under `telltale run`."""
        command = [sys.executable, str(ALERT_SERVER), "--name", server]
        if control is not None:
            command += ["--control", str(control)]
        params = self.wrapper(server).params(command)
        async with Client(stdio_client(params, errlog=self.errlog), mode="auto",
                          client_info=Implementation(name=client, version="1.0.0")) as session:
            yield session

    async def run(self, scenarios: dict[str, Callable[[AlertLab, Scenario], Awaitable[None]]]) -> None:
        """Runs the scenarios concurrently; one failing records its error and does not stop the others."""
        async def guarded(name: str, body: Callable[[AlertLab, Scenario], Awaitable[None]]) -> None:
            scenario = self.scenarios.setdefault(name, Scenario(name))
            try:
                await body(self, scenario)
            except Exception:  # noqa: BLE001 (reported by the scenario's tests)
                scenario.error = traceback.format_exc()

        async with anyio.create_task_group() as group:
            for name, body in scenarios.items():
                group.start_soon(guarded, name, body)


async def call_work(session: Client, times: int, mode: str | None = None, delay_ms: float = 0) -> int:
    """Calls `work` `times` times; returns how many answered with a JSON-RPC error."""
    errors = 0
    arguments: dict[str, Any] = {} if mode is None else {"mode": mode, "delay_ms": delay_ms}
    for _ in range(times):
        try:
            await session.call_tool("work", arguments)
        except MCPError:
            errors += 1
    return errors
