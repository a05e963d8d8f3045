"""Reading what the alert lab produced: transitions, counts in summaries, what each receiver got."""

from __future__ import annotations

import re
from typing import Any

from alert_lab import SLACK_PATH, AlertLab
from alert_receivers import HttpDelivery, SmtpDelivery


def kinds(history: list[dict[str, Any]]) -> list[str]:
    return [t["kind"] for t in history]


def failed_counts(summary: str) -> tuple[int, int]:
    """`(failed, calls)` from an error-rate summary: "… (8 of 14 calls failed) …"."""
    match = re.search(r"\((\d+) of (\d+) calls? failed\)", summary)
    assert match, f"no '(a of b calls failed)' in {summary!r}"
    return int(match[1]), int(match[2])


def hooks(lab: AlertLab, path: str, rule: str, kind: str) -> list[HttpDelivery]:
    """The webhook-shaped POSTs to `path` about `rule` of type `alert.<kind>`."""
    return [d for d in lab.http.inbox.items() if d.path == path
            and d.json()["type"] == f"alert.{kind}" and d.json()["data"]["rule"]["name"] == rule]


def slack_posts(lab: AlertLab, rule: str, headline: str) -> list[dict[str, Any]]:
    posts = [d.json() for d in lab.http.inbox.items() if d.path == SLACK_PATH]
    # The header is "<emoji> <HEADLINE>: <rule>" ("STILL FIRING" must not count as "FIRING").
    return [p for p in posts if p["blocks"][0]["text"]["text"].split(" ", 1)[-1] == f"{headline}: {rule}"]


def mails(lab: AlertLab, subject: str) -> list[SmtpDelivery]:
    return [m for m in lab.smtp.inbox.items() if m.message["Subject"] == subject]


def transition(lab: AlertLab, rule: str, kind: str) -> dict[str, Any]:
    matching = [t for t in lab.history(rule) if t["kind"] == kind]
    assert len(matching) == 1, f"{rule}: expected one {kind} transition, history {lab.history(rule)}"
    return matching[0]


def state(read: dict[str, Any]) -> dict[str, Any]:
    assert read.get("state"), f"rule {read.get('name')} has no state: {read}"
    return read["state"]


def only(items: list[Any], what: str) -> Any:
    assert len(items) == 1, f"expected exactly one {what}, got {len(items)}"
    return items[0]
