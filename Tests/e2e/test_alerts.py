"""Alerts end to end: real traffic through `telltale run` makes every condition fire and resolve, and the
notifications reach real receivers (SMTP via aiosmtpd, a Standard Webhooks receiver, a Slack-shaped one).

One collector (`--alert-interval 1s`) runs all scenarios concurrently (see `alert_scenarios.py`); the tests
then assert what the receivers got and what the API tells. Rule `slow-work` and channel `file-hook` come
from `--rules FILE`; the rest from the API.
"""

from __future__ import annotations

import pytest

from alert_checks import failed_counts, hooks, kinds, only, slack_posts, state, transition
from alert_lab import WINDOW_S, AlertLab
from alert_scenarios import DEADMAN, DEADMAN_CLIENT
from support import parse_time

#: How long after its transition a notification may take to reach a live receiver.
DELIVERY_S = 5.0


# -- conditions: each fires and resolves -----------------------------------------------------------------------

def test_error_rate_waits_for_min_calls_then_fires_and_resolves(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    s = lab.scenarios["errors"]
    assert state(s.reads["below-min-calls:errors-all"])["state"] == "ok", "4 failures of 4 calls are below minCalls 5"
    assert kinds(lab.history("errors-all")) == ["firing", "resolved"]
    firing = transition(lab, "errors-all", "firing")
    assert (firing["from"], firing["to"], firing["threshold"], firing["value"]) == ("ok", "firing", 50, 100)
    failed, calls = failed_counts(firing["summary"])
    assert failed == calls and calls in (5, 6), firing["summary"]
    resolved = transition(lab, "errors-all", "resolved")
    assert (resolved["from"], resolved["to"]) == ("firing", "ok")
    failed, calls = failed_counts(resolved["summary"])
    assert failed == 14 and 28 <= calls <= 34 and resolved["value"] == pytest.approx(100 * failed / calls, abs=0.01)
    assert parse_time(resolved["at"]) > s.marks["start"]


def test_error_rate_counts_tool_errors_only_when_told(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    s = lab.scenarios["errors"]
    assert s.marks["rpc_errors"] == 8, "the client saw every rpc_error call answered with a JSON-RPC error"
    only_tool_errors = state(s.reads["tool-errors-only:errors-protocol"])
    assert only_tool_errors["state"] == "ok" and only_tool_errors["value"] == 0, only_tool_errors
    assert kinds(lab.history("errors-protocol")) == ["firing", "resolved"]
    firing = transition(lab, "errors-protocol", "firing")
    failed, calls = failed_counts(firing["summary"])
    assert calls == 6 + failed and failed in (7, 8), f"6 tool errors are not failures here: {firing['summary']}"
    assert firing["value"] == pytest.approx(100 * failed / calls, abs=0.01) and firing["value"] > 50
    resolved = transition(lab, "errors-protocol", "resolved")
    failed, calls = failed_counts(resolved["summary"])
    assert failed == 8 and resolved["value"] <= 50


def test_latency_p95_fires_when_the_server_slows_down_and_resolves(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["latency"].check()
    s = lab.scenarios["latency"]
    fast = state(s.reads["fast:slow-work"])
    assert fast["state"] == "ok" and fast["value"] < 400, fast
    assert kinds(lab.history("slow-work")) == ["firing", "resolved"]
    firing = transition(lab, "slow-work", "firing")
    assert firing["threshold"] == 400 and firing["value"] >= 650, firing
    resolved = transition(lab, "slow-work", "resolved")
    assert resolved["value"] < 400, resolved
    assert lab.rule("slow-work")["source"] == "file"
    # Rules from the rules file are read-only through the API.
    body = {"name": "slow-work", "condition": {"kind": "latency", "aboveMs": 1}, "window": "1m"}
    assert lab.api("PUT", "/api/v1/alerts/rules/file:slow-work", body)[0] == 409
    assert lab.api("DELETE", "/api/v1/alerts/rules/file:slow-work")[0] == 409
    assert lab.rule("slow-work")["condition"]["aboveMs"] == 400


def test_call_count_fires_above_n_and_resolves_when_the_window_passes(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["count"].check()
    s = lab.scenarios["count"]
    three = state(s.reads["three:too-many-deletes"])
    assert three["state"] == "ok" and three["value"] == 3, three
    assert kinds(lab.history("too-many-deletes")) == ["firing", "resolved"]
    firing = transition(lab, "too-many-deletes", "firing")
    assert (firing["value"], firing["threshold"]) == (6, 5), firing
    resolved = transition(lab, "too-many-deletes", "resolved")
    assert resolved["value"] <= 5
    # Calls leave the window only once it has passed: the first call was at least a window ago.
    assert parse_time(resolved["at"]) >= s.marks["first_call"] + WINDOW_S - 1
    assert kinds(lab.history("deletes-dead")) == ["firing", "resolved"]
    assert transition(lab, "deletes-dead", "firing")["value"] == 3


def test_throughput_collapse_fires_a_window_after_traffic_stops_and_resolves(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["collapse"].check()
    s = lab.scenarios["collapse"]
    baseline = state(s.reads["baseline:collapse"])
    assert baseline["state"] == "ok", "no baseline yet: nothing to collapse from"
    assert kinds(lab.history("collapse")) == ["firing", "resolved"]
    firing = transition(lab, "collapse", "firing")
    assert firing["value"] < firing["threshold"] and firing["threshold"] >= 5, firing
    assert parse_time(firing["at"]) >= s.marks["baseline_sent"] + WINDOW_S - 2
    still = state(s.reads["three-back:collapse"])
    assert still["state"] == "firing" and still["value"] == 3, f"3 calls are still below 50% of 12: {still}"
    resolved = transition(lab, "collapse", "resolved")
    assert resolved["value"] >= 6 and resolved["value"] >= resolved["threshold"], resolved


def test_deadman_fires_when_client_and_server_go_silent_and_resolves(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["deadman"].check()
    s = lab.scenarios["deadman"]
    for rule in ("server-silent", "client-silent"):
        talking = state(s.reads[f"talking:{rule}"])
        assert talking["state"] == "ok", talking
        assert kinds(lab.history(rule)) == ["firing", "resolved"], rule
        firing = transition(lab, rule, "firing")
        assert firing["value"] == 0
        assert parse_time(firing["at"]) >= s.marks["last_call"] + WINDOW_S - 1, "fired before a silent window passed"
        resolved = transition(lab, rule, "resolved")
        assert resolved["value"] >= 1 and parse_time(resolved["at"]) >= s.marks["talking_again"]
    assert lab.rule("client-silent")["scope"].get("client") == DEADMAN_CLIENT
    assert lab.rule("server-silent")["scope"].get("server") == DEADMAN


def test_a_breach_shorter_than_for_goes_pending_then_clears_without_notifying(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    assert kinds(lab.history("errors-for-a-minute")) == ["pending", "cleared"]
    pending = transition(lab, "errors-for-a-minute", "pending")
    assert (pending["from"], pending["to"]) == ("ok", "pending") and "fires if it holds for" in pending["summary"]
    cleared = transition(lab, "errors-for-a-minute", "cleared")
    assert (cleared["from"], cleared["to"]) == ("pending", "ok")
    assert lab.deliveries("errors-for-a-minute") == []
    assert not hooks(lab, "/hook", "errors-for-a-minute", "firing")


def test_a_disabled_rule_is_not_evaluated(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    rule = lab.rule("errors-disabled")
    assert rule["enabled"] is False and rule["state"] is None, rule
    assert lab.history("errors-disabled") == [] and lab.deliveries("errors-disabled") == []

def test_a_firing_rule_renotifies_after_its_interval_then_resolves(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["renotify"].check()
    history = lab.history("never-seen")
    assert kinds(history)[0] == "firing" and kinds(history)[-1] == "resolved", kinds(history)
    assert set(kinds(history)[1:-1]) == {"renotify"}, kinds(history)
    firing, renotified = history[0], history[1]
    assert (renotified["from"], renotified["to"]) == ("firing", "firing")
    assert parse_time(renotified["at"]) - parse_time(firing["at"]) >= WINDOW_S - 1
    assert renotified["summary"].startswith("Still firing after"), renotified["summary"]
    post = only(hooks(lab, "/hook", "never-seen", "renotify"), "renotify webhook")
    assert abs(post.at - parse_time(renotified["at"])) < DELIVERY_S
    assert len(slack_posts(lab, "never-seen", "STILL FIRING")) == 1
    assert sorted(d["transitionKind"] for d in lab.deliveries("never-seen")) == sorted(
        ["firing", "firing", "renotify", "renotify", "resolved", "resolved"])


def test_a_file_rule_is_read_by_its_id_percent_encoded(alert_lab: AlertLab) -> None:
    """A file rule's id is `file:<name>`; a name with a space needs percent-encoding in the URL path."""
    lab = alert_lab
    listed = {r["name"]: r for r in lab.collector.get("/api/v1/alerts/rules")["items"]}
    assert listed["deletes at night"]["id"] == "file:deletes at night"
    for path in ("/api/v1/alerts/rules/file:deletes%20at%20night", "/api/v1/alerts/rules/file%3Aslow-work"):
        status, body = lab.collector.request(path)
        assert status == 200, f"GET {path} -> {status}: {body}"
