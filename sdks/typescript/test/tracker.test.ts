import { test } from "node:test";
import assert = require("node:assert/strict");
import { Call } from "../src/call";
import { CallIdGenerator } from "../src/callIds";
import { CallTracker } from "../src/callTracker";
import { PayloadPolicy } from "../src/payloadPolicy";
import { Redactor } from "../src/redactor";

function tracker(payloads = new PayloadPolicy()): CallTracker {
    return new CallTracker(() => "session-1", {
        transport: "memory", tags: { env: "test" }, payloads, requestTimeoutMs: 300_000, ids: new CallIdGenerator(),
    });
}

function feed(t: CallTracker, source: "client" | "server", message: unknown, now: number, out: Call[]): void {
    t.observe(message, source, now, Buffer.byteLength(JSON.stringify(message)), out);
}

test("pairs initialize and stamps client, server and protocol version on later calls", () => {
    const t = tracker();
    const out: Call[] = [];
    feed(t, "client", { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", clientInfo: { name: "cli", version: "9" } } }, 1, out);
    feed(t, "server", { jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18", serverInfo: { name: "srv", version: "2" }, capabilities: {} } }, 3.5, out);
    feed(t, "client", { jsonrpc: "2.0", method: "notifications/initialized" }, 4, out);
    feed(t, "client", { jsonrpc: "2.0", id: "a", method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } }, 5, out);
    feed(t, "server", { jsonrpc: "2.0", id: "a", result: { content: [{ type: "text", text: "hi" }] } }, 6, out);
    assert.equal(out.length, 3);
    const [initialize, initialized, call] = out;
    assert.equal(initialize.method, "initialize");
    assert.equal(initialize.outcome, "ok");
    assert.equal(initialize.requestId, "1");
    assert.equal(initialize.durationNs, 2_500_000);
    assert.deepEqual(initialize.client, { name: "cli", version: "9" });
    assert.deepEqual(initialize.server, { name: "srv", version: "2" });
    assert.equal(initialize.protocolVersion, "2025-06-18");
    assert.equal(initialized.kind, "notification");
    assert.deepEqual(initialized.client, { name: "cli", version: "9" });
    assert.equal(call.target, "echo");
    assert.equal(call.requestId, "\"a\"");
    assert.equal(call.session, "session-1");
    assert.deepEqual(call.tags, { env: "test" });
    assert.deepEqual(call.request, { name: "echo", arguments: { text: "hi" } });
    assert.deepEqual(call.server, { name: "srv", version: "2" });
    assert.ok(call.requestBytes > 40 && call.responseBytes > 30);
});

test("tool errors, JSON-RPC errors, cancellation and close give the outcome taxonomy", () => {
    const t = tracker();
    const out: Call[] = [];
    feed(t, "client", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "boom" } }, 1, out);
    feed(t, "server", { jsonrpc: "2.0", id: 1, result: { isError: true, content: [{ type: "image" }, { type: "text", text: "it broke" }] } }, 2, out);
    feed(t, "client", { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "nope" } }, 3, out);
    feed(t, "server", { jsonrpc: "2.0", id: 2, error: { code: -32602, message: "Tool nope not found" } }, 4, out);
    feed(t, "client", { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "slow" } }, 5, out);
    feed(t, "client", { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3, reason: "user gave up" } }, 6, out);
    feed(t, "server", { jsonrpc: "2.0", id: 3, result: { content: [] } }, 7, out);
    feed(t, "client", { jsonrpc: "2.0", id: 4, method: "resources/read", params: { uri: "file:///x" } }, 8, out);
    t.close(10, out);
    const byId = new Map(out.filter((c) => c.kind === "request").map((c) => [c.requestId, c]));
    assert.equal(byId.get("1")?.outcome, "toolError");
    assert.equal(byId.get("1")?.errorMessage, "it broke");
    assert.equal(byId.get("2")?.outcome, "error");
    assert.equal(byId.get("2")?.errorCode, -32602);
    assert.equal(byId.get("2")?.errorMessage, "Tool nope not found");
    assert.equal(byId.get("3")?.outcome, "cancelled");
    assert.equal(byId.get("3")?.errorMessage, "user gave up");
    assert.equal(byId.get("4")?.outcome, "noResponse");
    assert.equal(byId.get("4")?.target, "file:///x");
    assert.equal(byId.get("4")?.errorMessage, "connection closed");
    assert.equal(t.unmatchedResponses, 1, "the late response after the cancel matches nothing");
    assert.equal(out.filter((c) => c.kind === "notification").length, 1);
});

test("server→client requests are toClient and use their own id space", () => {
    const t = tracker();
    const out: Call[] = [];
    feed(t, "client", { jsonrpc: "2.0", id: 0, method: "tools/call", params: { name: "ask" } }, 1, out);
    feed(t, "server", { jsonrpc: "2.0", id: 0, method: "sampling/createMessage", params: { messages: [] } }, 2, out);
    feed(t, "client", { jsonrpc: "2.0", id: 0, result: { role: "assistant", content: { type: "text", text: "x" } } }, 3, out);
    feed(t, "server", { jsonrpc: "2.0", id: 0, result: { content: [] } }, 4, out);
    assert.equal(out.length, 2);
    assert.equal(out[0].method, "sampling/createMessage");
    assert.equal(out[0].direction, "toClient");
    assert.equal(out[1].method, "tools/call");
    assert.equal(out[1].direction, "toServer");
});

test("2026-07-28 _meta identity and trace context", () => {
    const t = tracker();
    const out: Call[] = [];
    const traceparent = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01";
    feed(t, "client", {
        jsonrpc: "2.0", id: 1, method: "tools/list",
        params: { _meta: { "io.modelcontextprotocol/clientInfo": { name: "modern", version: "0.1" },
            "io.modelcontextprotocol/protocolVersion": "2026-07-28", traceparent, tracestate: "k=v" } },
    }, 1, out);
    feed(t, "server", { jsonrpc: "2.0", id: 1, result: { tools: [], _meta: { "io.modelcontextprotocol/serverInfo": { name: "s", version: "1" } } } }, 2, out);
    feed(t, "client", { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: { traceparent: "00-bad-trace-01" } } }, 3, out);
    feed(t, "server", { jsonrpc: "2.0", id: 2, result: { tools: [] } }, 4, out);
    assert.deepEqual(out[0].client, { name: "modern", version: "0.1" });
    assert.deepEqual(out[0].server, { name: "s", version: "1" });
    assert.equal(out[0].protocolVersion, "2026-07-28");
    assert.deepEqual(out[0].trace, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceparent, tracestate: "k=v" });
    assert.equal(out[1].trace, undefined, "a malformed traceparent gives no trace");
    assert.deepEqual(out[1].client, { name: "modern", version: "0.1" }, "session identity is remembered");
});

test("redaction, extra patterns, payload cap and payloads off", () => {
    const redacted = tracker(new PayloadPolicy(true, new Redactor(["^tenant"]), 200));
    const out: Call[] = [];
    feed(redacted, "client", { jsonrpc: "2.0", id: 1, method: "tools/call",
        params: { name: "login", arguments: { password: "hunter2", api_key: "k", progressToken: 7, tenantId: "t1", nested: [{ Authorization: "x" }] } } }, 1, out);
    feed(redacted, "server", { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "y".repeat(500) }] } }, 2, out);
    const args = (out[0].request as { arguments: Record<string, unknown> }).arguments;
    assert.equal(args.password, "[REDACTED]");
    assert.equal(args.api_key, "[REDACTED]");
    assert.equal(args.progressToken, 7);
    assert.equal(args.tenantId, "[REDACTED]");
    assert.deepEqual(args.nested, [{ Authorization: "[REDACTED]" }]);
    const response = out[0].response as Record<string, unknown>;
    assert.equal(response.$truncated, true);
    assert.ok((response.originalBytes as number) > 500);
    assert.ok(Buffer.byteLength(response.preview as string) <= 72);

    const off = tracker(new PayloadPolicy(false));
    const none: Call[] = [];
    feed(off, "client", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "a", arguments: { x: 1 } } }, 1, none);
    feed(off, "server", { jsonrpc: "2.0", id: 1, result: { content: [] } }, 2, none);
    assert.equal(none[0].request, undefined);
    assert.equal(none[0].response, undefined);
    assert.equal(none[0].target, "a");
});

test("requests open past the timeout become noResponse", () => {
    const t = new CallTracker(() => "s", { transport: "stdio", tags: {}, payloads: new PayloadPolicy(), requestTimeoutMs: 1000, ids: new CallIdGenerator() });
    const out: Call[] = [];
    feed(t, "client", { jsonrpc: "2.0", id: 1, method: "ping" }, 0, out);
    t.expire(500, out);
    assert.equal(out.length, 0);
    t.expire(1000, out);
    assert.equal(out[0].outcome, "noResponse");
    assert.equal(out[0].errorMessage, "no response within 1 s");
    assert.equal(t.openRequests, 0);
});
