"""The alert scenarios: each makes one kind of condition fire and resolve through real traffic.

They run concurrently against one collector (each on its own MCP server name). Windows are 60 s, the
minimum; conditions that need time to pass (call count, throughput collapse, deadman) wait for it once, in
parallel; the others resolve by changing the traffic mix inside the window.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import anyio.to_thread

from alert_lab import (FILE_HOOK_SECRET, MAIL_TO, PUBLIC_URL, SLACK_PATH, SMTP_FROM, SMTP_PASSWORD,
                       SMTP_USER, WINDOW_S, AlertLab, Scenario,
                       call_work, rules_file_text)
from alert_receivers import HttpReceiver, SmtpReceiver
from support import Collector, create_key, free_port

ERRORS = "alerts-errors"
LATENCY = "alerts-latency"
COUNT = "alerts-count"
COLLAPSE = "alerts-collapse"
DEADMAN = "alerts-deadman"
DEADMAN_CLIENT = "alerts-deadman-client"
NEVER = "alerts-never-seen"

#: Waits for a condition that needs the 60 s window to pass (plus ingest and evaluation slack).
WINDOW_WAIT_S = WINDOW_S + 30
#: Waits for a condition that holds as soon as the traffic is stored and evaluated (1 s interval).
QUICK_WAIT_S = 20


def create_rules(lab: AlertLab) -> None:
    """The API rules of the scenarios (the latency rule comes from the rules file; deadman rules later)."""
    work = {"tool": "work"}
    lab.create_rule({"name": "errors-all", "scope": {"server": ERRORS, **work},
                     "condition": {"kind": "errorRate", "abovePercent": 50, "minCalls": 5, "countToolErrors": True},
                     "window": "1m", "for": "0s", "channels": ["ops-mail", "ops-slack", "ops-hook"]})
    lab.create_rule({"name": "errors-protocol", "scope": {"server": ERRORS, **work},
                     "condition": {"kind": "errorRate", "abovePercent": 50, "minCalls": 5, "countToolErrors": False},
                     "window": 60, "channels": ["ops-hook"]})
    lab.create_rule({"name": "errors-for-a-minute", "scope": {"server": ERRORS, **work},
                     "condition": {"kind": "errorRate", "abovePercent": 50, "minCalls": 5, "countToolErrors": True},
                     "window": "1m", "for": "1m", "channels": ["ops-hook"]})
    lab.create_rule({"name": "errors-disabled", "enabled": False, "scope": {"server": ERRORS, **work},
                     "condition": {"kind": "errorRate", "abovePercent": 1, "minCalls": 1, "countToolErrors": True},
                     "window": "1m", "channels": ["ops-hook"]})
    lab.create_rule({"name": "never-seen", "scope": {"server": NEVER}, "condition": {"kind": "deadman"},
                     "window": "1m", "renotify": "1m", "channels": ["ops-hook", "ops-slack"]})
    lab.create_rule({"name": "deletes-dead", "scope": {"server": COUNT, "tool": "delete_file"},
                     "condition": {"kind": "callCount", "above": 2}, "window": "1m", "channels": ["dead-hook"]})
    lab.create_rule({"name": "too-many-deletes", "scope": {"server": COUNT, "tool": "delete_file"},
                     "condition": {"kind": "callCount", "above": 5}, "window": "1m",
                     "channels": ["ops-hook", "ops-mail"]})
    lab.create_rule({"name": "collapse", "scope": {"server": COLLAPSE, **work},
                     "condition": {"kind": "throughputCollapse", "belowPercent": 50, "minBaselineCalls": 10},
                     "window": "1m", "channels": ["ops-hook", "ops-slack"]})


async def errors(lab: AlertLab, s: Scenario) -> None:
    """Error rate: min calls honoured; tool errors count only where told; fires; diluted by good calls, resolves."""
    async with lab.session(ERRORS) as session:
        s.mark("start")
        await call_work(session, 4, "tool_error")
        await lab.settle(ERRORS, "work", 4, ["errors-all", "errors-protocol"], s, "below-min-calls")
        await call_work(session, 2, "tool_error")
        s.reads["fired:errors-all"] = await lab.wait_state("errors-all", "firing", QUICK_WAIT_S)
        await lab.settle(ERRORS, "work", 6, ["errors-protocol"], s, "tool-errors-only")
        s.marks["rpc_errors"] = await call_work(session, 8, "rpc_error")
        s.reads["fired:errors-protocol"] = await lab.wait_state("errors-protocol", "firing", QUICK_WAIT_S)
        await call_work(session, 20, "ok")
        s.mark("diluted")
        s.reads["resolved:errors-all"] = await lab.wait_state("errors-all", "ok", QUICK_WAIT_S)
        s.reads["resolved:errors-protocol"] = await lab.wait_state("errors-protocol", "ok", QUICK_WAIT_S)
        s.reads["cleared:errors-for-a-minute"] = await lab.wait_state("errors-for-a-minute", "ok", QUICK_WAIT_S)


async def renotify(lab: AlertLab, s: Scenario) -> None:
    """Re-notification: a server never seen fires its deadman at once, renotifies a minute later, then talks."""
    s.reads["fired:never-seen"] = await lab.wait_state("never-seen", "firing", QUICK_WAIT_S)
    await lab.poll(lambda: lab.history("never-seen"), lambda h: any(t["kind"] == "renotify" for t in h),
                   WINDOW_WAIT_S, "a renotify of never-seen")
    async with lab.session(NEVER) as session:
        s.mark("talking")
        await call_work(session, 1)
        s.reads["resolved:never-seen"] = await lab.wait_state("never-seen", "ok", QUICK_WAIT_S)


async def latency(lab: AlertLab, s: Scenario) -> None:
    """p95 latency: the server slows down on command (control file) → fires; fast calls again → resolves."""
    control = lab.base / "latency-control.json"
    control.write_text(json.dumps({"mode": "ok"}))
    async with lab.session(LATENCY, control=control) as session:
        await call_work(session, 5)
        await lab.settle(LATENCY, "work", 5, ["slow-work"], s, "fast")
        control.write_text(json.dumps({"mode": "slow", "delay_ms": 700}))
        await call_work(session, 3)
        s.reads["fired:slow-work"] = await lab.wait_state("slow-work", "firing", QUICK_WAIT_S)
        control.write_text(json.dumps({"mode": "ok"}))
        await call_work(session, 80)
        s.reads["resolved:slow-work"] = await lab.wait_state("slow-work", "ok", QUICK_WAIT_S)


async def count(lab: AlertLab, s: Scenario) -> None:
    """Call count: above 2 (a dead receiver) and above 5 (live receivers); both resolve as the window passes."""
    async with lab.session(COUNT) as session:
        s.mark("first_call")
        for index in range(3):
            await session.call_tool("delete_file", {"path": f"/tmp/file-{index}"})
        s.reads["fired:deletes-dead"] = await lab.wait_state("deletes-dead", "firing", QUICK_WAIT_S)
        s.mark("dead_fired_seen")
        await lab.settle(COUNT, "delete_file", 3, ["too-many-deletes"], s, "three")
        for index in range(3, 6):
            await session.call_tool("delete_file", {"path": f"/tmp/file-{index}"})
        s.mark("last_call")
    s.reads["fired:too-many-deletes"] = await lab.wait_state("too-many-deletes", "firing", QUICK_WAIT_S)
    s.mark("live_fired_seen")
    s.reads["resolved:too-many-deletes"] = await lab.wait_state("too-many-deletes", "ok", WINDOW_WAIT_S)
    s.reads["resolved:deletes-dead"] = await lab.wait_state("deletes-dead", "ok", WINDOW_WAIT_S)


async def collapse(lab: AlertLab, s: Scenario) -> None:
    """Throughput collapse: a baseline of 12 calls, then silence → fires a window later; traffic back → resolves."""
    async with lab.session(COLLAPSE) as session:
        await call_work(session, 12)
        s.mark("baseline_sent")
        await lab.settle(COLLAPSE, "work", 12, ["collapse"], s, "baseline")
        s.reads["fired:collapse"] = await lab.wait_state("collapse", "firing", WINDOW_WAIT_S)
        await call_work(session, 3)
        await lab.settle(COLLAPSE, "work", 15, ["collapse"], s, "three-back")
        await call_work(session, 4)
        s.reads["resolved:collapse"] = await lab.wait_state("collapse", "ok", QUICK_WAIT_S)


async def deadman(lab: AlertLab, s: Scenario) -> None:
    """Deadman: a client and its server talk, then go silent → both rules fire a window later; talk → resolve."""
    async with lab.session(DEADMAN, client=DEADMAN_CLIENT) as session:
        await call_work(session, 3)
        s.mark("last_call")
        await lab.wait_calls(DEADMAN, "work", 3)
        await _create_deadman_rules(lab)
        await lab.settle(DEADMAN, "work", 3, ["server-silent", "client-silent"], s, "talking")
    s.mark("silent")
    s.reads["fired:server-silent"] = await lab.wait_state("server-silent", "firing", WINDOW_WAIT_S)
    s.reads["fired:client-silent"] = await lab.wait_state("client-silent", "firing", QUICK_WAIT_S)
    async with lab.session(DEADMAN, client=DEADMAN_CLIENT) as session:
        s.mark("talking_again")
        await call_work(session, 1)
        s.reads["resolved:server-silent"] = await lab.wait_state("server-silent", "ok", QUICK_WAIT_S)
        s.reads["resolved:client-silent"] = await lab.wait_state("client-silent", "ok", QUICK_WAIT_S)


async def _create_deadman_rules(lab: AlertLab) -> None:
    def create() -> None:
        lab.create_rule({"name": "server-silent", "scope": {"server": DEADMAN}, "condition": {"kind": "deadman"},
                         "window": "1m", "channels": ["ops-hook"]})
        lab.create_rule({"name": "client-silent", "scope": {"client": DEADMAN_CLIENT}, "condition": {"kind": "deadman"},
                         "window": "1m", "channels": ["ops-slack"]})

    await anyio.to_thread.run_sync(create)


SCENARIOS = {"errors": errors, "latency": latency, "count": count, "collapse": collapse, "deadman": deadman,
             "renotify": renotify}



@contextmanager
def running_lab(telltale: Path, base: Path) -> Iterator[AlertLab]:
    """Starts the receivers and `telltale serve` (alerts every 1 s, the rules file), creates the channels and
    rules, runs every scenario concurrently, and yields the lab; stops everything afterwards."""
    http, smtp = HttpReceiver(), SmtpReceiver(SMTP_USER, SMTP_PASSWORD)
    http.start()
    smtp.start()
    collector = Collector(binary=telltale, data_dir=base / "data", log_path=base / "serve.log")
    collector.create_keys()
    admin_key = create_key(telltale, collector.data_dir, "admin")
    rules = base / "rules.yaml"
    rules.write_text(rules_file_text(http.url("/file-hook")))
    errlog = open(base / "clients.log", "w")
    try:
        collector.start(
            "--alert-interval", "1s", "--allow-private-targets", "--smtp-host", "127.0.0.1",
            "--smtp-port", str(smtp.port), "--smtp-starttls", "off", "--smtp-from", SMTP_FROM,
            "--smtp-user", SMTP_USER, "--public-url", PUBLIC_URL, "--rules", str(rules),
            env={"ALERTS_FILE_HOOK_SECRET": FILE_HOOK_SECRET, "TELLTALE_SMTP_PASSWORD": SMTP_PASSWORD},
        )
        lab = AlertLab(collector=collector, admin_key=admin_key, http=http, smtp=smtp, base=base, errlog=errlog)
        lab.create_channel({"name": "ops-mail", "kind": "email", "to": MAIL_TO})
        lab.create_channel({"name": "ops-slack", "kind": "slack", "url": http.url(SLACK_PATH)})
        lab.create_channel({"name": "ops-hook", "kind": "webhook", "url": http.url("/hook")})
        lab.create_channel({"name": "dead-hook", "kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/hook"})
        lab.rule_ids["slow-work"] = "file:slow-work"
        create_rules(lab)
        anyio.run(lab.run, SCENARIOS)
        for scenario in lab.scenarios.values():
            if scenario.error:
                scenario.error += f"\n--- telltale serve log (tail) ---\n{collector.log_text()}"
        yield lab
    finally:
        collector.stop()
        errlog.close()
        http.stop()
        smtp.stop()
