"""Alert notifications as real receivers got them, and as the API logs them.

Webhooks are verified with the `standardwebhooks` library (PyPI); a tampered body must be rejected.
The Slack receiver checks the Block Kit message; the SMTP receiver (aiosmtpd) the multipart email.
Rules and scenarios: `alert_scenarios.py` (all run once, concurrently, by the `alert_lab` fixture).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from alert_checks import hooks, mails, only, slack_posts, transition
from alert_lab import (FILE_HOOK_SECRET, MAIL_TO, PUBLIC_URL, SLACK_PATH, SMTP_FROM, SMTP_PASSWORD, WINDOW_S,
                       AlertLab)
from alert_scenarios import ERRORS
from support import parse_time

#: How long after its transition a notification may take to reach a live receiver.
DELIVERY_S = 5.0
#: The rules and the channels each notifies (as created by the lab).
RULE_CHANNELS = {
    "errors-all": {"ops-mail", "ops-slack", "ops-hook"}, "errors-protocol": {"ops-hook"},
    "slow-work": {"file-hook"}, "too-many-deletes": {"ops-hook", "ops-mail"}, "deletes-dead": {"dead-hook"},
    "collapse": {"ops-hook", "ops-slack"}, "server-silent": {"ops-hook"}, "client-silent": {"ops-slack"},
    "never-seen": {"ops-hook", "ops-slack"},
}
LIVE_HOOK_PATH = {"ops-hook": "/hook", "file-hook": "/file-hook"}


def ops_secret(lab: AlertLab) -> str:
    return lab.channels["ops-hook"]["secret"]


def test_every_notifying_transition_reached_every_live_channel_once(alert_lab: AlertLab) -> None:
    lab = alert_lab
    for name in ("errors", "latency", "count", "collapse", "deadman", "renotify"):
        lab.scenarios[name].check()
    for rule, channels in RULE_CHANNELS.items():
        for kind in ("firing", "resolved"):
            at = parse_time(transition(lab, rule, kind)["at"])
            for channel in channels & set(LIVE_HOOK_PATH):
                got = only(hooks(lab, LIVE_HOOK_PATH[channel], rule, kind), f"{kind} webhook of {rule} on {channel}")
                assert got.at - at < DELIVERY_S, f"{rule} {kind} reached {channel} {got.at - at:.1f}s after the transition"
            if "ops-slack" in channels:
                headline = "FIRING" if kind == "firing" else "RESOLVED"
                assert len(slack_posts(lab, rule, headline)) == 1, f"{kind} Slack message of {rule}"
            if "ops-mail" in channels:
                subject = f"[Telltale] {'FIRING' if kind == 'firing' else 'RESOLVED'}: {rule} (project default)"
                assert len(mails(lab, subject)) == 1, f"{kind} email of {rule}: {subject}"


def test_webhooks_verify_with_standardwebhooks_and_a_tampered_body_is_rejected(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    secret = ops_secret(lab)
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    posts = [d for d in lab.http.inbox.items() if d.path == "/hook"]
    assert posts, "the webhook receiver got nothing"
    for post in posts:
        payload = Webhook(secret).verify(post.body, post.headers)
        assert payload == json.loads(post.body)
        assert abs(int(post.headers["webhook-timestamp"]) - post.at) < 10
    firing = only(hooks(lab, "/hook", "errors-all", "firing"), "errors-all firing webhook")
    payload = firing.json()
    assert payload["type"] == "alert.firing"
    assert abs(parse_time(payload["timestamp"]) - firing.at) < 10
    data = payload["data"]
    assert data["project"] == "default"
    assert data["rule"]["id"] == lab.rule_ids["errors-all"] and data["rule"]["name"] == "errors-all"
    assert data["rule"]["scope"]["server"] == ERRORS
    stored = transition(lab, "errors-all", "firing")
    assert {k: data["transition"][k] for k in ("kind", "from", "to", "value", "threshold", "summary")} == \
        {k: stored[k] for k in ("kind", "from", "to", "value", "threshold", "summary")}
    # The link opens the dashboard filtered by the rule's scope over the window that breached.
    link = urllib.parse.urlsplit(data["dashboardURL"])
    assert f"{link.scheme}://{link.netloc}" == PUBLIC_URL, data["dashboardURL"]
    query = urllib.parse.parse_qs(link.query)
    assert (query["server"], query["tool"]) == ([ERRORS], ["work"]), query
    at = parse_time(stored["at"])
    assert at - WINDOW_S - 1 <= parse_time(query["from"][0]) <= at - WINDOW_S
    assert at <= parse_time(query["to"][0]) <= at + 1
    # Tampering with the body (or its id or timestamp) must make verification fail.
    tampered = firing.body.replace(b'"alert.firing"', b'"alert.resolved"')
    assert tampered != firing.body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, firing.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(firing.body, {**firing.headers, "webhook-id": "msg_forged"})
    with pytest.raises(WebhookVerificationError):
        Webhook(FILE_HOOK_SECRET).verify(firing.body, firing.headers)


def test_rules_file_webhook_is_signed_with_the_secret_from_the_environment(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["latency"].check()
    for kind in ("firing", "resolved"):
        post = only(hooks(lab, "/file-hook", "slow-work", kind), f"slow-work {kind} webhook")
        payload = Webhook(FILE_HOOK_SECRET).verify(post.body, post.headers)
        assert payload["type"] == f"alert.{kind}" and payload["data"]["rule"]["id"] == "file:slow-work"
        with pytest.raises(WebhookVerificationError):
            Webhook(ops_secret(lab)).verify(post.body, post.headers)


def test_slack_messages_are_block_kit_with_rule_scope_value_window_and_link(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    for kind, headline, emoji in (("firing", "FIRING", "🔥"), ("resolved", "RESOLVED", "✅")):
        message = only(slack_posts(lab, "errors-all", headline), f"{headline} Slack message")
        stored = transition(lab, "errors-all", kind)
        blocks = message["blocks"]
        assert [b["type"] for b in blocks] == ["header", "section", "section", "actions", "context"], blocks
        assert blocks[0]["text"] == {"type": "plain_text", "text": f"{emoji} {headline}: errors-all"}
        assert blocks[1]["text"]["type"] == "mrkdwn" and blocks[1]["text"]["text"] == stored["summary"]
        fields = [f["text"] for f in blocks[2]["fields"]]
        assert fields[0].startswith("*Rule*\nerrors-all: error rate above 50%"), fields
        assert fields[1] == f"*Scope*\ndefault: server={ERRORS}, tool=work", fields
        value = "100%" if kind == "firing" else f"{round(stored['value'], 2):g}%"
        assert fields[2] == f"*Value*\n{value} (threshold 50%)", fields
        assert fields[3] == "*Window*\n1 min", fields
        button = blocks[3]["elements"][0]
        assert button["type"] == "button" and button["url"].startswith(PUBLIC_URL + "/"), button
        assert message["text"].startswith(f"{headline}: errors-all (project default)")


def test_emails_are_multipart_text_and_html_to_every_recipient(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    for kind, headline in (("firing", "FIRING"), ("resolved", "RESOLVED")):
        stored = transition(lab, "errors-all", kind)
        mail = only(mails(lab, f"[Telltale] {headline}: errors-all (project default)"), f"{headline} email")
        assert mail.mail_from == SMTP_FROM and sorted(mail.rcpt_tos) == sorted(MAIL_TO)
        message = mail.message
        assert SMTP_FROM in message["From"] and all(address in message["To"] for address in MAIL_TO)
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert stored["summary"] in text and f"server={ERRORS}, tool=work" in text and "1 min" in text
        assert "<h2" in html and "errors-all" in html and f'href="{PUBLIC_URL}/' in html
        assert f"{headline}: errors-all" in html
    assert lab.smtp.logins.items(), "the server sent mail without logging in"
    assert set(lab.smtp.logins.items()) <= {"PLAIN", "LOGIN"}


def test_delivery_log_shows_each_delivery_with_its_webhook_id(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["errors"].check()
    deliveries = lab.deliveries("errors-all")
    assert sorted((d["channelName"], d["transitionKind"]) for d in deliveries) == sorted(
        (c, k) for c in ("ops-mail", "ops-slack", "ops-hook") for k in ("firing", "resolved"))
    for delivery in deliveries:
        assert (delivery["status"], delivery["attempts"], delivery["isTest"]) == ("delivered", 1, False), delivery
        assert delivery["ruleID"] == lab.rule_ids["errors-all"] and "deliveredAt" in delivery
        assert delivery["channelID"] == lab.channels[delivery["channelName"]]["id"]
    for kind in ("firing", "resolved"):
        post = only(hooks(lab, "/hook", "errors-all", kind), f"{kind} webhook")
        logged = only([d for d in deliveries if d["channelName"] == "ops-hook" and d["transitionKind"] == kind], "delivery")
        assert post.headers["webhook-id"] == logged["id"]


def test_a_dead_receiver_does_not_stall_another_rule(alert_lab: AlertLab) -> None:
    lab = alert_lab
    lab.scenarios["count"].check()
    deadline = time.monotonic() + 40
    while True:  # the resolved notification's retries may still be running
        dead = lab.deliveries("deletes-dead")
        if len(dead) == 2 and all(d["status"] == "failed" for d in dead) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert sorted(d["transitionKind"] for d in dead) == ["firing", "resolved"], dead
    for delivery in dead:
        assert (delivery["status"], delivery["attempts"], delivery["channelName"]) == ("failed", 5, "dead-hook"), delivery
        assert "refused" in delivery["lastError"], delivery
        assert lab.channels["dead-hook"]["secret"] not in json.dumps(delivery)
    dead_firing = only([d for d in dead if d["transitionKind"] == "firing"], "dead firing delivery")
    retries_ended = parse_time(dead_firing["lastAttemptAt"])
    live = transition(lab, "too-many-deletes", "firing")
    live_post = only(hooks(lab, "/hook", "too-many-deletes", "firing"), "too-many-deletes firing webhook")
    # The other rule was evaluated, fired and notified while the dead receiver's retries were still going on.
    assert parse_time(live["at"]) < retries_ended, (live["at"], dead_firing)
    assert live_post.at < retries_ended and live_post.at - parse_time(live["at"]) < DELIVERY_S


def send_tests(lab: AlertLab, names: list[str]) -> dict[str, tuple[int, Any]]:
    """POSTs `/channels/{id}/test` for every channel at once; (status, reply) by channel name."""
    with ThreadPoolExecutor(len(names)) as pool:
        return dict(zip(names, pool.map(
            lambda n: lab.api("POST", f"/api/v1/alerts/channels/{lab.channels[n]['id']}/test"), names)))


def test_send_test_notification_to_each_live_channel(alert_lab: AlertLab) -> None:
    lab = alert_lab
    names = ["ops-hook", "ops-slack", "ops-mail"]
    status, _ = lab.api("POST", f"/api/v1/alerts/channels/{lab.channels['ops-hook']['id']}/test", key=lab.collector.read_key)
    assert status == 403
    started = time.time()
    replies = send_tests(lab, names)
    for name in names:
        status, delivery = replies[name]
        assert status == 200, (name, delivery)
        assert delivery["isTest"] is True and delivery["channelName"] == name
        assert (delivery["status"], delivery["attempts"]) == ("delivered", 1), delivery
    post = lab.http.inbox.wait_for(lambda d: d.path == "/hook" and d.at >= started and d.json()["type"] == "alert.test",
                                   5, "the test webhook")
    assert Webhook(ops_secret(lab)).verify(post.body, post.headers)["type"] == "alert.test"
    assert post.headers["webhook-id"] == replies["ops-hook"][1]["id"]
    slack = lab.http.inbox.wait_for(lambda d: d.path == SLACK_PATH and d.at >= started, 5, "the test Slack message")
    assert slack.json()["blocks"][0]["text"]["text"].startswith("🧪 TEST")
    mail = lab.smtp.inbox.wait_for(lambda m: m.at >= started, 5, "the test email")
    assert mail.message["Subject"].startswith("[Telltale] TEST") and sorted(mail.rcpt_tos) == sorted(MAIL_TO)
    assert "test notification" in mail.message.get_body(("plain",)).get_content()
    logged = [d for d in lab.collector.get("/api/v1/alerts/deliveries", {"limit": 1000})["items"] if d["isTest"]]
    assert {d["id"] for d in logged} >= {replies[n][1]["id"] for n in names}


def test_send_test_notification_to_a_dead_channel_fails_after_one_attempt(alert_lab: AlertLab) -> None:
    """openapi.yaml (`testAlertChannel`): one attempt, without the retries of real notifications, so the reply
    comes within the attempt timeout; the attempt is in the delivery log."""
    lab = alert_lab
    status, delivery = send_tests(lab, ["dead-hook"])["dead-hook"]
    assert status == 200, delivery
    assert delivery["isTest"] is True and delivery["status"] == "failed" and "refused" in delivery["lastError"]
    assert delivery["attempts"] == 1, f"a test notification makes one attempt: {delivery}"
    logged = lab.api("GET", "/api/v1/alerts/deliveries?limit=1000", key=lab.collector.read_key)[1]["items"]
    assert [d["status"] for d in logged if d["id"] == delivery["id"]] == ["failed"]


def test_secrets_never_appear_in_api_reads_or_the_log(alert_lab: AlertLab) -> None:
    lab = alert_lab
    secrets = [ops_secret(lab), lab.channels["dead-hook"]["secret"], FILE_HOOK_SECRET, SMTP_PASSWORD, SLACK_PATH,
               SLACK_PATH.rsplit("/", 1)[-1]]
    reads: list[Any] = []
    for key in (lab.collector.read_key, lab.admin_key):
        for path in ("/api/v1/alerts/channels", "/api/v1/alerts/rules", "/api/v1/alerts/history?limit=1000",
                     "/api/v1/alerts/deliveries?limit=1000"):
            status, body = lab.api("GET", path, key=key)
            assert status == 200, (path, body)
            reads.append(body)
    channels = {c["name"]: c for c in reads[0]["items"]}
    assert set(channels) == {"ops-mail", "ops-slack", "ops-hook", "dead-hook", "file-hook"}
    for channel in channels.values():
        assert "secret" not in channel, channel
    assert channels["ops-hook"]["signed"] is True and channels["ops-hook"]["url"] == lab.http.url("/\u2026")  # path masked
    assert channels["ops-slack"]["url"].rstrip("/") == f"http://127.0.0.1:{lab.http.port}"
    text = json.dumps(reads) + lab.collector.log_path.read_text(errors="replace")
    for secret in secrets:
        assert secret not in text, f"a secret leaked: {secret[:12]}…"
