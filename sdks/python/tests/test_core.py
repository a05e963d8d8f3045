"""The SDK's core, independent of the mcp version: pairing rules, redaction, payload cap, wire format, shipper.

The shipper tests use real HTTP servers on 127.0.0.1 (``http.server``), not mocks.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from helpers import logged

from telltale_mcp._redact import PayloadPolicy, RedactionPatternError, Redactor
from telltale_mcp._shipper import Shipper
from telltale_mcp._tracker import CLIENT, SERVER, Session, Tracker
from telltale_mcp._wire import new_call_id, parse_traceparent, rfc3339

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def tracker(**kwargs: Any) -> Tracker:
    return Tracker(PayloadPolicy(**kwargs), {"env": "unit"})


def feed(t: Tracker, s: Session, message: dict[str, Any], source: str, at_ms: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    t.observe(s, message, source, 1_764_000_000_000_000_000 + at_ms * 1_000_000, at_ms * 1_000_000, None, out)
    return out


def test_ids_are_time_ordered_uuid7_and_times_are_rfc3339_with_microseconds():
    first = new_call_id(1_000_000_000_000_000_000)
    second = new_call_id(1_000_000_001_000_000_000)
    assert UUID7.match(first) and UUID7.match(second) and first < second
    assert len({new_call_id() for _ in range(1000)}) == 1000
    assert rfc3339(1_764_065_613_123_456_789) == "2025-11-25T10:13:33.123456Z"


def test_traceparent_parsing_follows_the_w3c_shape():
    trace = parse_traceparent("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01", "k=v")
    assert trace == {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
                     "traceparent": "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01", "tracestate": "k=v"}
    assert parse_traceparent("00-" + "0" * 32 + "-b7ad6b7169203331-01") is None
    assert parse_traceparent("00-xyz-b7ad6b7169203331-01") is None
    assert parse_traceparent(42) is None


def test_redaction_default_rule_exemptions_and_extra_patterns():
    r = Redactor(["^region$"])
    value = {"password": "p", "Api-Key": "k", "auth": "a", "author": "kept", "progressToken": 3, "maxTokens": 9,
             "nested": [{"x_session_id": "s", "REGION": "eu", "regional": "kept"}], "accessToken": "t"}
    assert r.redact(value) == {"password": "[REDACTED]", "Api-Key": "[REDACTED]", "auth": "[REDACTED]",
                               "author": "kept", "progressToken": 3, "maxTokens": 9,
                               "nested": [{"x_session_id": "[REDACTED]", "REGION": "[REDACTED]",
                                           "regional": "kept"}], "accessToken": "[REDACTED]"}
    with pytest.raises(RedactionPatternError):
        Redactor(["(unclosed"])


def test_payload_over_the_cap_becomes_a_truncation_marker():
    policy = PayloadPolicy(max_bytes=200)
    big = {"text": "é" * 500, "token": "secret"}
    stored = policy.payload(big, 1020)
    assert stored["$truncated"] is True and stored["originalBytes"] == 1020
    assert len(stored["preview"].encode()) <= 72 and "secret" not in stored["preview"]
    assert policy.payload({"a": 1}, 7) == {"a": 1}
    assert PayloadPolicy(capture=False).payload({"a": 1}, 7) is None


def test_pairing_outcomes_identity_and_targets():
    t = tracker()
    s = Session("s1", "stdio")
    assert feed(t, s, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "clientInfo": {"name": "cli", "version": "1"}}}, CLIENT) == []
    [init] = feed(t, s, {"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-06-18",
                                                             "serverInfo": {"name": "srv", "version": "2"}}}, SERVER, 5)
    assert init["durationNs"] == 5_000_000 and init["requestId"] == "1"
    assert init["client"] == {"name": "cli", "version": "1"} and init["server"] == {"name": "srv", "version": "2"}
    assert init["protocolVersion"] == "2025-06-18" and init["tags"] == {"env": "unit"}
    feed(t, s, {"jsonrpc": "2.0", "id": "a", "method": "tools/call", "params": {"name": "x", "arguments": {}}}, CLIENT)
    [tool] = feed(t, s, {"jsonrpc": "2.0", "id": "a", "result": {
        "isError": True, "content": [{"type": "image"}, {"type": "text", "text": "broke"}]}}, SERVER, 2)
    assert tool["outcome"] == "toolError" and tool["errorMessage"] == "broke" and tool["target"] == "x"
    assert tool["requestId"] == '"a"' and tool["client"]["name"] == "cli" and tool["protocolVersion"] == "2025-06-18"
    feed(t, s, {"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": "file:///a"}}, CLIENT)
    [res] = feed(t, s, {"jsonrpc": "2.0", "id": 2, "error": {"code": -32002, "message": "nope"}}, SERVER)
    assert (res["outcome"], res["errorCode"], res["errorMessage"], res["target"]) == \
        ("error", -32002, "nope", "file:///a")
    assert res["response"] == {"code": -32002, "message": "nope"}
    # Server→client request and its answer.
    feed(t, s, {"jsonrpc": "2.0", "id": 1, "method": "roots/list"}, SERVER)
    [roots] = feed(t, s, {"jsonrpc": "2.0", "id": 1, "result": {"roots": []}}, CLIENT)
    assert roots["direction"] == "toClient" and roots["method"] == "roots/list"
    # Cancellation, then a late answer that matches nothing.
    feed(t, s, {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "slow"}}, CLIENT)
    cancelled = feed(t, s, {"jsonrpc": "2.0", "method": "notifications/cancelled",
                            "params": {"requestId": 9, "reason": "bored"}}, CLIENT, 7)
    assert [c["outcome"] for c in cancelled] == ["cancelled", "ok"]
    assert cancelled[0]["errorMessage"] == "bored" and cancelled[1]["kind"] == "notification"
    assert feed(t, s, {"jsonrpc": "2.0", "id": 9, "result": {}}, SERVER) == []
    assert s.stats["unmatchedResponses"] == 1
    # Reused id, then close.
    feed(t, s, {"jsonrpc": "2.0", "id": 5, "method": "ping"}, CLIENT)
    [superseded] = feed(t, s, {"jsonrpc": "2.0", "id": 5, "method": "ping"}, CLIENT)
    assert superseded["outcome"] == "noResponse" and "superseded" in superseded["errorMessage"]
    out: list[dict[str, Any]] = []
    t.close(s, 10_000_000, out)
    assert [(c["method"], c["outcome"], c["errorMessage"]) for c in out] == \
        [("ping", "noResponse", "connection closed")]


def test_modern_meta_identity_trace_and_server_stamp():
    t = tracker()
    s = Session("s2", "http")
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "new", "version": "3"},
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "a=b"}
    feed(t, s, {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}}, CLIENT)
    [call] = feed(t, s, {"jsonrpc": "2.0", "id": 1, "result": {"tools": [], "_meta": {
        "io.modelcontextprotocol/serverInfo": {"name": "srv", "version": "9"}}}}, SERVER)
    assert call["client"] == {"name": "new", "version": "3"} and call["server"] == {"name": "srv", "version": "9"}
    assert call["protocolVersion"] == "2026-07-28"
    assert call["trace"]["traceId"] == "0af7651916cd43dd8448eb211c80319c" and call["trace"]["tracestate"] == "a=b"


def test_calls_wait_for_the_session_id_and_expire_after_the_timeout():
    t = Tracker(PayloadPolicy(), timeout_ns=1_000_000_000)
    s = Session(None, "http")
    feed(t, s, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}, CLIENT)
    assert feed(t, s, {"jsonrpc": "2.0", "id": 1, "result": {}}, SERVER) == []
    out: list[dict[str, Any]] = []
    t.set_session_id(s, "abc", out)
    assert [c["session"] for c in out] == ["abc"]
    feed(t, s, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "x"}}, CLIENT)
    out = []
    t.expire(s, 2_000_000_000, out)
    assert out[0]["outcome"] == "noResponse" and out[0]["errorMessage"] == "no response within 1 s"


# -- shipper against real loopback HTTP servers ------------------------------------------------------


class Sink:
    """An HTTP server on 127.0.0.1 answering each POST with the next scripted status."""

    def __init__(self, statuses: list[tuple[int, dict[str, str]]]) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[dict[str, str], list[dict[str, Any]]]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                lines = gzip.decompress(body).decode().splitlines()
                sink.requests.append((dict(self.headers), [json.loads(line) for line in lines]))
                status, headers = sink.statuses.pop(0) if sink.statuses else (200, {})
                reply = json.dumps({"accepted": len(lines), "duplicates": 0, "rejected": []}).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def lines(count: int) -> list[bytes]:
    return [json.dumps({"id": str(i), "method": "ping"}).encode() for i in range(count)]


def test_shipper_posts_gzip_ndjson_with_bearer_key_in_batches_of_500():
    sink = Sink([])
    try:
        shipper = Shipper(sink.endpoint, "tt_key")
        for line in lines(1200):
            shipper.add(line)
        assert shipper.send_ready(1.0, force=True)
        assert [len(calls) for _, calls in sink.requests] == [500, 500, 200]
        headers = sink.requests[0][0]
        assert headers["Authorization"] == "Bearer tt_key"
        assert headers["Content-Type"] == "application/x-ndjson" and headers["Content-Encoding"] == "gzip"
        assert shipper.stats.sent == 1200 and shipper.queued == 0
    finally:
        sink.close()


def test_shipper_retries_5xx_and_429_with_retry_after_and_keeps_the_calls():
    sink = Sink([(503, {}), (429, {"Retry-After": "0"}), (200, {})])
    try:
        shipper = Shipper(sink.endpoint, "k", initial_backoff=0.01)
        for line in lines(3):
            shipper.add(line)
        deadline = time.monotonic() + 20
        while shipper.queued and time.monotonic() < deadline:
            shipper.send_ready(0.0)
            time.sleep(0.02)
        assert shipper.queued == 0 and shipper.stats.retries == 2 and shipper.stats.sent == 3
        assert len(sink.requests) == 3 and all(len(calls) == 3 for _, calls in sink.requests)
    finally:
        sink.close()


def test_shipper_drops_a_batch_refused_with_4xx_and_says_so_once(capsys, caplog):
    sink = Sink([(401, {}), (401, {})])
    try:
        shipper = Shipper(sink.endpoint, "bad")
        shipper.add(b'{"id":"1"}')
        assert shipper.send_ready(0.0, force=True)
        shipper.add(b'{"id":"2"}')
        assert shipper.send_ready(0.0, force=True)
        assert shipper.stats.dropped == 2 and shipper.queued == 0 and shipper.stats.retries == 0
        assert logged(capsys, caplog).count("collector rejected calls: 401") == 1
    finally:
        sink.close()


def test_shipper_queue_is_bounded_and_counts_what_it_drops():
    shipper = Shipper("http://127.0.0.1:9", "k", max_queued_calls=10)
    for line in lines(25):
        shipper.add(line)
    assert shipper.queued == 10 and shipper.stats.dropped == 15
    assert json.loads(shipper.lines[0])["id"] == "15", "the oldest are dropped"


def test_encoded_line_reuses_payload_text_unless_a_hook_may_have_changed_it():
    from telltale_mcp._monitor import encode_call
    t = tracker()
    s = Session("s", "memory")
    feed(t, s, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x", "arguments": {"k": 1}}},
         CLIENT)
    [call] = feed(t, s, {"jsonrpc": "2.0", "id": 1, "result": {"content": []}}, SERVER)
    assert json.loads(encode_call(dict(call)))["request"] == {"name": "x", "arguments": {"k": 1}}
    spliced = json.loads(encode_call(CallRecordCopy(call)))
    assert spliced["request"] == {"name": "x", "arguments": {"k": 1}} and spliced["response"] == {"content": []}
    call["request"]["arguments"]["k"] = 2  # what a before_send hook may do
    assert json.loads(encode_call(call, reuse_texts=False))["request"]["arguments"] == {"k": 2}


def CallRecordCopy(call):  # noqa: N802 - a CallRecord with the same texts
    from telltale_mcp._tracker import CallRecord
    copy = CallRecord(call)
    copy.texts = dict(call.texts)
    return copy


def test_user_agent_is_the_client_of_last_resort():
    from telltale_mcp._tracker import peer_from_user_agent
    assert peer_from_user_agent("python-httpx/0.28.1 extra") == {"name": "python-httpx", "version": "0.28.1"}
    assert peer_from_user_agent("curl") == {"name": "curl"}
    assert peer_from_user_agent("  ") is None
    t = tracker()
    s = Session("s", "http")
    s.fallback_client = {"name": "ua"}
    feed(t, s, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, CLIENT)
    [call] = feed(t, s, {"jsonrpc": "2.0", "id": 1, "result": {}}, SERVER)
    assert call["client"] == {"name": "ua"}
    feed(t, s, {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/clientInfo": {"name": "real", "version": "1"}}}}, CLIENT)
    [call] = feed(t, s, {"jsonrpc": "2.0", "id": 2, "result": {}}, SERVER)
    assert call["client"] == {"name": "real", "version": "1"}


# -- disk spool ------------------------------------------------------------------------------------


def test_spool_folder_is_the_clis_folder_for_the_endpoint(monkeypatch):
    from telltale_mcp._spool import default_spool_root, spool_folder_name
    monkeypatch.setenv("XDG_DATA_HOME", "/data")
    assert str(default_spool_root()) == "/data/telltale/spool"
    monkeypatch.setenv("XDG_DATA_HOME", "relative")
    monkeypatch.setenv("HOME", "/home/ann")
    assert str(default_spool_root()) == "/home/ann/.local/share/telltale/spool"
    assert spool_folder_name("http://127.0.0.1:7340") == "127.0.0.1_7340"
    assert spool_folder_name("https://Collector.Example.com/ingest/") == "collector.example.com_443_ingest"
    assert spool_folder_name("http://h/a b") == "h_80_a_b"


def test_spool_cap_deletes_the_oldest_files_and_counts_their_calls_as_dropped(tmp_path, capsys, caplog):
    from telltale_mcp._spool import DiskSpool
    spool = DiskSpool(tmp_path / "spool", max_bytes=1500)
    shipper = Shipper("http://127.0.0.1:9", "k", spool=spool)
    import random as _random
    for i in range(8):  # random hex: each batch file is about 450 bytes
        shipper.add(json.dumps({"id": str(i), "pad": _random.randbytes(400).hex()}).encode())
        shipper.spool_lines(1)
    files = sorted(p.name for p in (tmp_path / "spool").glob("*.ndjson.gz"))
    assert 1 <= len(files) < 8 and sum((tmp_path / "spool" / f).stat().st_size for f in files) <= 1500
    assert shipper.stats.spooled == 8 and shipper.stats.dropped == 8 - len(files)
    kept = [json.loads(gzip.decompress((tmp_path / "spool" / f).read_bytes()))["id"] for f in files]
    assert kept == [str(i) for i in range(8 - len(files), 8)], "the newest files are kept"
    assert all(f.endswith(f"-n1.ndjson.gz") for f in files)
    assert logged(capsys, caplog).count("is full") == 1


def test_spool_drain_skips_a_corrupt_file_with_one_line_and_delivers_the_rest(collector, tmp_path, capsys, caplog):
    from telltale_mcp._spool import DiskSpool
    folder = tmp_path / "spool"
    folder.mkdir()
    (folder / "00000000000000000001-0000000001-00000001-n3.ndjson.gz").write_bytes(b"not gzip at all")
    writer = Shipper("http://127.0.0.1:9", "k", spool=DiskSpool(folder))
    call = {"id": "0190a8f2-7c4e-7b3a-9d2e-1f2a3b4c5d6e", "kind": "request", "session": "spool-test",
            "method": "ping", "requestId": "1", "startedAt": "2026-11-25T10:00:00.000000Z",
            "endedAt": "2026-11-25T10:00:00.001000Z", "durationMs": 1.0, "outcome": "ok", "transport": "stdio"}
    writer.add(json.dumps(call).encode())
    writer.spool_lines(1)
    reader = Shipper(collector.endpoint, collector.ingest_key, spool=DiskSpool(folder))
    assert reader.drain_spool(force=True)
    assert not list(folder.glob("*.ndjson.gz")) and not list(folder.glob(".claim-*"))
    assert reader.stats.dropped == 3 and reader.stats.spool_sent == 1
    assert logged(capsys, caplog).count("corrupt spool file") == 1
    assert reader.stats.sent == 1
    stored = collector.wait_for_calls(lambda cs: any(c["id"] == call["id"] for c in cs), what="the spooled call")
    assert [c["id"] for c in stored] == [call["id"]]


def test_spool_drain_sends_files_oldest_first_a_few_per_pass_and_keeps_them_on_5xx(tmp_path):
    from telltale_mcp._shipper import MAX_SPOOL_FILES_PER_PASS
    from telltale_mcp._spool import DiskSpool
    folder = tmp_path / "spool"
    writer = Shipper("http://127.0.0.1:9", "k", spool=DiskSpool(folder))
    for line in lines(MAX_SPOOL_FILES_PER_PASS + 2):
        writer.add(line)
        writer.spool_lines(1)
    sink = Sink([(503, {})])
    try:
        reader = Shipper(sink.endpoint, "k", spool=DiskSpool(folder), initial_backoff=0.01)
        assert reader.drain_spool() is False, "a 5xx keeps the file and stops the pass"
        assert len(list(folder.glob("*.ndjson.gz"))) == MAX_SPOOL_FILES_PER_PASS + 2
        assert not list(folder.glob(".claim-*"))
        deadline = time.monotonic() + 20
        while list(folder.glob("*.ndjson.gz")) and time.monotonic() < deadline:
            reader.drain_spool()
            time.sleep(0.02)
        sent = [calls[0]["id"] for _, calls in sink.requests]
        assert sent == ["0"] + [str(i) for i in range(MAX_SPOOL_FILES_PER_PASS + 2)], "oldest first, each once"
        assert reader.stats.spool_sent == MAX_SPOOL_FILES_PER_PASS + 2 and not reader.spool_pending
    finally:
        sink.close()
