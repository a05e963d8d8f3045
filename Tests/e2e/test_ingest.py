"""`POST /api/v1/ingest` from the outside, the way any shipper (or SDK) talks to the collector."""

from __future__ import annotations

import gzip
import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from support import Collector, rfc3339


def call_record(target: str, outcome: str = "ok", session: str = "ingest-session") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "startedAt": rfc3339(time.time()), "durationNs": 2_500_000, "kind": "request",
        "direction": "toServer", "method": "tools/call", "target": target, "outcome": outcome, "session": session,
        "transport": "stdio", "tags": {"source": "ingest-test"}, "requestBytes": 100, "responseBytes": 200,
        "client": {"name": "raw-client", "version": "1.0"}, "server": {"name": "raw-server", "version": "2.0"},
    }


def post(collector: Collector, body: bytes, key: str | None = None, content_type: str = "application/x-ndjson",
         gzipped: bool = False) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {key if key is not None else collector.ingest_key}",
               "Content-Type": content_type}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    request = urllib.request.Request(f"{collector.endpoint}/api/v1/ingest", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text else None


def ndjson(records: list[Any]) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records)


def test_ingest_keeps_good_lines_rejects_bad_ones_and_is_idempotent(collector: Collector) -> None:
    records = [call_record("alpha"), call_record("beta", "toolError"), call_record("alpha", "error")]
    body = ndjson([records[0], records[1], b"{not json", records[2], b'{"id": "missing-everything"}'])

    status, reply = post(collector, gzip.compress(body), gzipped=True)
    assert status == 200, reply
    assert reply["accepted"] == 3
    assert [r["line"] for r in reply["rejected"]] == [2, 4]
    assert all(r["reason"] for r in reply["rejected"])

    # The reply came after the batch was durable: the calls are queryable at once.
    summary = collector.get("/api/v1/summary")
    assert summary["calls"] == 3
    assert summary["outcomes"]["toolError"] == 1 and summary["outcomes"]["error"] == 1
    tools = collector.items_by_name("/api/v1/tools")
    assert {name: item["calls"] for name, item in tools.items()} == {"alpha": 2, "beta": 1}
    assert collector.get(f"/api/v1/calls/{records[1]['id']}")["target"] == "beta"

    # The same batch again (a shipper retry): nothing is stored twice.
    status, reply = post(collector, ndjson(records))
    assert status == 200, reply
    assert reply["duplicates"] == 3
    assert collector.get("/api/v1/summary")["calls"] == 3


def test_ingest_errors(collector: Collector) -> None:
    body = ndjson([call_record("alpha")])
    assert post(collector, body, key="")[0] == 401
    assert post(collector, body, key="tt_ingest_not-a-real-key")[0] == 401
    assert post(collector, body, key=collector.read_key)[0] in (401, 403)  # a read key cannot ingest
    assert post(collector, body, content_type="text/plain")[0] == 415
    assert post(collector, b"this is not gzip", gzipped=True)[0] == 400
    # Over 16 MiB after decompression (a small gzip body that inflates past the limit).
    status, reply = post(collector, gzip.compress(b"\n" * (17 * 1024 * 1024)), gzipped=True)
    assert status == 413, reply
    assert collector.get("/api/v1/summary")["calls"] == 0


def test_ingest_rejects_an_oversized_body_before_reading_it(collector: Collector) -> None:
    """A declared body over 16 MiB is answered 413 at once, without the server waiting for all of it."""
    connection = http.client.HTTPConnection("127.0.0.1", collector.port, timeout=10)
    try:
        connection.putrequest("POST", "/api/v1/ingest")
        connection.putheader("Authorization", f"Bearer {collector.ingest_key}")
        connection.putheader("Content-Type", "application/x-ndjson")
        connection.putheader("Content-Length", str(16 * 1024 * 1024 + 1024))
        connection.endheaders()
        connection.send(b"x" * 65536)  # a first part only
        response = connection.getresponse()
        assert response.status == 413
        assert "error" in json.loads(response.read())
    finally:
        connection.close()
