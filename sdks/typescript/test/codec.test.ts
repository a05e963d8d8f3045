import { test } from "node:test";
import assert = require("node:assert/strict");
import { Call } from "../src/call";
import { encodeCall } from "../src/callCodec";
import { CallIdGenerator } from "../src/callIds";
import { formatRFC3339 } from "../src/rfc3339";
import { Redactor } from "../src/redactor";

test("UUIDv7 ids: lower case, version 7, RFC 4122 variant, time-ordered", () => {
    const ids = new CallIdGenerator();
    const first = ids.next(1_700_000_000_000);
    const second = ids.next(1_700_000_000_001);
    assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(first.slice(0, 13).replace("-", ""), (1_700_000_000_000).toString(16).padStart(12, "0"));
    assert.ok(second > first);
    const many = new Set(Array.from({ length: 2000 }, () => ids.next()));
    assert.equal(many.size, 2000);
});

test("startedAt is RFC 3339 UTC with microseconds", () => {
    assert.equal(formatRFC3339(Date.UTC(2026, 10, 25, 10, 13, 33) * 1000 + 123_456), "2026-11-25T10:13:33.123456Z");
    assert.equal(formatRFC3339(0), "1970-01-01T00:00:00.000000Z");
});

test("encodeCall writes the CLI's field order and leaves absent optionals out", () => {
    const call: Call = {
        id: "0190a0b0-0000-7000-8000-000000000000", startedAt: "2026-11-25T10:13:33.123456Z", durationNs: 1500.4,
        kind: "request", direction: "toServer", method: "tools/call", target: "echo", outcome: "ok", requestId: "1",
        session: "s1", client: { name: "c", version: "1" }, server: { name: "s" }, transport: "memory",
        trace: { traceId: "a".repeat(32), spanId: "b".repeat(16), traceparent: "tp" }, tags: { z: "1", a: "2" },
        request: { name: "echo" }, requestBytes: 10, responseBytes: 20,
    };
    const line = encodeCall(call);
    assert.equal(line,
        '{"id":"0190a0b0-0000-7000-8000-000000000000","startedAt":"2026-11-25T10:13:33.123456Z","durationNs":1500,' +
        '"kind":"request","direction":"toServer","method":"tools/call","target":"echo","outcome":"ok","requestId":"1",' +
        '"session":"s1","client":{"name":"c","version":"1"},"server":{"name":"s"},"transport":"memory",' +
        `"trace":{"spanId":"${"b".repeat(16)}","traceId":"${"a".repeat(32)}","traceparent":"tp"},"tags":{"a":"2","z":"1"},` +
        '"request":{"name":"echo"},"requestBytes":10,"responseBytes":20}');
    assert.ok(!line.includes("\n"));
});

test("the default redaction rule matches the Swift one", () => {
    const redactor = new Redactor();
    for (const key of ["password", "X-Api-Key", "api_key", "AUTH", "sessionId", "privateKey", "accessKeyId", "refresh_token", "Cookie", "client_secret"]) {
        assert.ok(redactor.isSensitive(key), key);
    }
    for (const key of ["progressToken", "maxTokens", "author", "name", "authority"]) {
        assert.ok(!redactor.isSensitive(key), key);
    }
    assert.throws(() => new Redactor(["("]), /invalid redaction pattern/);
});
