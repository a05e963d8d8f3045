"""Bad alert definitions are refused with clear errors: by the API (400 naming the field) and by
`telltale serve --rules FILE` (exits non-zero, every problem as `file:line: …`)."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from support import Collector, clean_environ, create_key, free_port

GOOD_RULE: dict[str, Any] = {"name": "ok-rule", "condition": {"kind": "errorRate", "abovePercent": 5}, "window": "5m"}

#: (what is wrong, the rule body, the field the error message must name)
BAD_RULES = [
    ("window under 60 s", {**GOOD_RULE, "window": "30s"}, "window"),
    ("unknown condition kind", {**GOOD_RULE, "condition": {"kind": "vibes"}}, "kind"),
    ("error rate above 100%", {**GOOD_RULE, "condition": {"kind": "errorRate", "abovePercent": 150}}, "abovePercent"),
    ("no condition", {"name": "x", "window": "5m"}, "condition"),
    ("unknown key", {**GOOD_RULE, "severity": "page"}, "severity"),
    ("unknown percentile", {**GOOD_RULE, "condition": {"kind": "latency", "percentile": "p42", "aboveMs": 5}}, "percentile"),
    ("latency without ceiling", {**GOOD_RULE, "condition": {"kind": "latency"}}, "aboveMs"),
    ("negative call count", {**GOOD_RULE, "condition": {"kind": "callCount", "above": -1}}, "above"),
    ("clientVersion without client", {**GOOD_RULE, "scope": {"clientVersion": "1.0"}}, "clientVersion"),
    ("empty name", {**GOOD_RULE, "name": ""}, "name"),
    ("bad duration", {**GOOD_RULE, "for": "soon"}, "for"),
    ("unknown channel", {**GOOD_RULE, "channels": ["no-such-channel"]}, "no-such-channel"),
]


def post(collector: Collector, key: str, path: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(f"{collector.endpoint}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def admin_collector(telltale: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A collector WITHOUT `--allow-private-targets`, with an admin key."""
    base = tmp_path_factory.mktemp("alert-validation")
    collector = Collector(binary=telltale, data_dir=base / "data", log_path=base / "serve.log")
    collector.create_keys()
    admin = create_key(telltale, collector.data_dir, "admin")
    collector.start("--alert-interval", "1s")
    try:
        yield collector, admin
    finally:
        collector.stop()


@pytest.mark.parametrize(("what", "body", "field"), BAD_RULES, ids=[case[0] for case in BAD_RULES])
def test_api_rejects_a_bad_rule_naming_the_field(admin_collector: Any, what: str, body: dict[str, Any], field: str) -> None:
    collector, admin = admin_collector
    status, reply = post(collector, admin, "/api/v1/alerts/rules", body)
    assert status == 400, f"{what}: {status} {reply}"
    assert field in reply["error"], f"{what}: the error does not name {field!r}: {reply['error']!r}"
    assert collector.get("/api/v1/alerts/rules")["items"] == []


def test_api_accepts_the_good_rule_and_refuses_writes_with_a_read_key(admin_collector: Any) -> None:
    collector, admin = admin_collector
    assert post(collector, collector.read_key, "/api/v1/alerts/rules", GOOD_RULE)[0] == 403
    status, rule = post(collector, admin, "/api/v1/alerts/rules", GOOD_RULE)
    assert status == 201 and rule["window"] == 300 and rule["source"] == "api", rule
    assert post(collector, admin, "/api/v1/alerts/rules", GOOD_RULE)[0] == 409


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "hook", "kind": "webhook", "url": "ftp://hooks.example.test/x"}, "url"),
    ({"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/x"}, "url"),
    ({"name": "slack", "kind": "slack", "url": "http://10.1.2.3/services/x"}, "url"),
    ({"name": "mail", "kind": "email"}, "to"),
    ({"name": "mail", "kind": "email", "to": ["not an address"]}, "to"),
    ({"name": "pager", "kind": "pager"}, "kind"),
], ids=["not http", "loopback target", "private target", "email without to", "bad address", "unknown kind"])
def test_api_rejects_a_bad_channel_naming_the_field(admin_collector: Any, body: dict[str, Any], field: str) -> None:
    collector, admin = admin_collector
    status, reply = post(collector, admin, "/api/v1/alerts/channels", body)
    assert status == 400, f"{body}: {status} {reply}"
    assert field in reply["error"], f"the error does not name {field!r}: {reply['error']!r}"


BAD_FILE = """\
channels:
  - name: hook
    kind: webhook
    url: https://hooks.example.test/telltale
    secret: whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==
rules:
  - name: fast
    condition: {kind: errorRate, abovePercent: 5}
    window: 30s
  - name: slow-search
    condition: {kind: latency, percentile: p95}
    window: 5m
  - name: deletes
    condition: {kind: callCount, above: 20}
    window: 1h
    channels: [hook, missing-channel]
"""


def serve_with_rules(telltale: Path, tmp_path: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / name
    rules.write_text(text)
    return subprocess.run(
        [str(telltale), "serve", "--host", "127.0.0.1", "--port", str(free_port()), "--data", str(tmp_path / "data"),
         "--rules", str(rules)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=clean_environ(),
    )


def test_serve_refuses_a_bad_rules_file_naming_file_line_and_field(telltale: Path, tmp_path: Path) -> None:
    result = serve_with_rules(telltale, tmp_path, "rules.yaml", BAD_FILE)
    assert result.returncode != 0, f"serve started with a bad rules file:\n{result.stdout}\n{result.stderr}"
    errors = result.stderr
    assert 'rules.yaml:9: rule "fast": window must be at least' in errors, errors
    assert "rules.yaml:11:" in errors and "aboveMs" in errors, errors
    assert "rules.yaml:16:" in errors and "missing-channel" in errors, errors


def test_serve_refuses_a_rules_file_that_is_not_yaml(telltale: Path, tmp_path: Path) -> None:
    result = serve_with_rules(telltale, tmp_path, "rules.json", '{"rules": [{"name": "x",\n  "window": }\n')
    assert result.returncode != 0, f"serve started with a broken rules file:\n{result.stderr}"
    assert re.search(r"rules\.json:[23]: not valid YAML or JSON", result.stderr), result.stderr
