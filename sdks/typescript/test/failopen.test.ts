import { test } from "node:test";
import assert = require("node:assert/strict");
import { CallTracker } from "../src/callTracker";
import { monitor } from "../src/index";
import { TestClient } from "../standins/client";
import { InMemoryTransport } from "../standins/inMemoryTransport";
import { McpServer } from "../standins/mcpServer";
import { deadEndpoint, LogLines, Responder, sleep } from "./support/fakeCollector";
import { connectClient as connected, monitored, withCollector } from "./support/harness";

function demoServer(): McpServer {
    const server = new McpServer({ name: "fail-open", version: "1" });
    server.registerTool("echo", {}, (args) => ({ content: [{ type: "text", text: String(args.text) }] }));
    return server;
}

/** The collector's usual answer: everything accepted. */
const accepted = (count: number): ReturnType<Responder> =>
    ({ status: 200, body: JSON.stringify({ accepted: count, duplicates: 0, rejected: [] }) });

/** Two 503s, then accepted. */
const RETRY_THEN_OK: Responder = (index, count) => index < 2 ? { status: 503, body: "{\"error\":\"busy\"}" } : accepted(count);

/** A 429 with Retry-After, then a 400, then accepted. */
const LIMIT_THEN_REFUSE: Responder = (index, count) => {
    if (index === 0) return { status: 429, headers: { "Retry-After": "1" }, body: "{}" };
    if (index === 1) return { status: 400, body: "{\"error\":\"bad batch\"}" };
    return accepted(count);
};

async function exercise(client: TestClient, rounds = 20): Promise<void> {
    await client.initialize();
    for (let i = 0; i < rounds; i += 1) {
        const response = await client.request("tools/call", { name: "echo", arguments: { text: `n${i}` } });
        assert.equal((response.result as { content: Array<{ text: string }> }).content[0].text, `n${i}`);
    }
}

test("dead collector, spool off: the server keeps serving, flush gives up in time, one log line", async () => {
    const log = new LogLines();
    const server = demoServer();
    const { handle, client } = await monitored(server, { endpoint: await deadEndpoint(), apiKey: "k", logger: log.sink, flushIntervalMs: 10, spoolDirectory: false });
    await exercise(client);
    await sleep(300);
    await exercise(await connected(server), 5);
    const started = Date.now();
    assert.equal(await handle.flush(1500), false);
    assert.ok(Date.now() - started < 15_000, "flush gives up at its timeout");
    assert.ok(handle.stats.retries >= 1);
    assert.equal(handle.stats.sent, 0);
    assert.equal(log.lines.length, 1, log.lines.join("\n"));
    assert.match(log.lines[0], /cannot deliver calls to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/ingest \(connection refused\)/);
    await handle.shutdown(100);
});

test("collector down then up: calls are retried and delivered once", async () => {
    await withCollector(async ({ collector, endpoint, log }) => {
        const server = demoServer();
        const handle = monitor(server, { endpoint, apiKey: "k", logger: log.sink, flushIntervalMs: 10 });
        await exercise(await connected(server), 3);
        assert.equal(await handle.flush(20_000), true);
        const ids = collector.calls.map((c) => c.id);
        assert.equal(new Set(ids).size, ids.length, "no duplicate deliveries");
        assert.equal(collector.calls.filter((c) => c.method === "tools/call").length, 3);
        assert.equal(handle.stats.retries, 2);
        assert.equal(log.lines.length, 1);
        assert.match(log.lines[0], /503 busy/);
        await handle.shutdown();
    }, RETRY_THEN_OK);
});

test("429 with Retry-After is honoured; a 400 drops the batch with one log line", async () => {
    await withCollector(async ({ collector, endpoint, log }) => {
        const server = demoServer();
        const handle = monitor(server, { endpoint, apiKey: "k", logger: log.sink, flushIntervalMs: 10 });
        await exercise(await connected(server), 1);
        const started = Date.now();
        assert.equal(await handle.flush(20_000), true);
        assert.ok(Date.now() - started >= 900, "waited for Retry-After");
        assert.equal(collector.batches[0].status, 429);
        assert.equal(collector.batches[1].status, 400);
        assert.equal(collector.batches[1].lines.length, collector.batches[0].lines.length, "the same batch was retried");
        assert.ok(handle.stats.dropped >= 3);
        assert.ok(log.lines.some((line) => /refused a batch of \d+ calls \(400: bad batch\); dropped/.test(line)), log.lines.join("\n"));
        await exercise(await connected(server), 1);
        assert.equal(await handle.flush(20_000), true);
        assert.ok(collector.calls.length >= 3, "later batches still go");
        await handle.shutdown();
    }, LIMIT_THEN_REFUSE);
});

test("a bug inside the SDK (an internal hook throws) disables monitoring with one line; the server keeps serving", async () => {
    const original = CallTracker.prototype.observe;
    await withCollector(async ({ endpoint, log }) => {
        try {
            const server = demoServer();
            const handle = monitor(server, { endpoint, apiKey: "k", logger: log.sink });
            CallTracker.prototype.observe = function () {
                throw new TypeError("simulated tracker bug");
            };
            const client = await connected(server);
            await exercise(client, 10);
            await sleep(50);
            await exercise(await connected(server), 3);
            assert.equal(handle.enabled, false);
            assert.match(handle.disabledReason ?? "", /simulated tracker bug/);
            assert.deepEqual(log.lines, ["internal error (simulated tracker bug); monitoring disabled, the server is unaffected"]);
            assert.equal(await handle.flush(2000), true);
            await handle.shutdown();
        } finally {
            CallTracker.prototype.observe = original;
        }
    });
});

test("a throwing hot-path hook (emit) is contained too", async () => {
    const originalNow = performance.now;
    await withCollector(async ({ endpoint, log }) => {
        try {
            const { handle, client } = await monitored(demoServer(), { endpoint, apiKey: "k", logger: log.sink });
            (performance as { now: () => number }).now = () => {
                throw new Error("clock exploded");
            };
            let answered = 0;
            try {
                await client.initialize();
                answered += 1;
                await client.request("tools/call", { name: "echo", arguments: { text: "still" } });
                answered += 1;
            } finally {
                (performance as { now: () => number }).now = originalNow;
            }
            assert.equal(answered, 2);
            assert.equal(handle.enabled, false);
            assert.equal(log.lines.length, 1);
            assert.match(log.lines[0], /clock exploded/);
            await handle.shutdown();
        } finally {
            (performance as { now: () => number }).now = originalNow;
        }
    });
});

test("an SDK shape it does not understand: monitoring off with one line, the object untouched", async () => {
    for (const notAServer of [{ run: () => undefined }, { connect: "not a function" }, 42, null, { server: { connect: () => undefined } }]) {
        const log = new LogLines();
        const handle = monitor(notAServer, { endpoint: "http://127.0.0.1:9", apiKey: "k", logger: log.sink });
        assert.equal(handle.enabled, false);
        assert.equal(log.lines.length, 1);
        assert.match(log.lines[0], /monitoring disabled: (unrecognised server shape|monitor\(\) needs an McpServer or Server object)/);
    }
    const frozen = Object.freeze(demoServer());
    const log = new LogLines();
    assert.equal(monitor(frozen, { endpoint: "http://127.0.0.1:9", apiKey: "k", logger: log.sink }).enabled, true,
        "McpServer frozen, but its inner Server is not: still monitored through .server.connect");
});

test("a transport it cannot tap (frozen) is served unmonitored, with one log line", async () => {
    await withCollector(async ({ collector, endpoint, log }) => {
        const server = demoServer();
        const handle = monitor(server, { endpoint, apiKey: "k", logger: log.sink });
        const pair = InMemoryTransport.createLinkedPair();
        Object.preventExtensions(pair[1]);
        const client = await connected(server, pair);
        await exercise(client, 2);
        await handle.flush();
        assert.equal(collector.calls.length, 0);
        assert.equal(log.lines.length, 1);
        assert.match(log.lines[0], /transport not understood: the object is frozen; this connection is not monitored/);
        await handle.shutdown();
    });
});

test("invalid extra redaction pattern or endpoint: disabled with one line", () => {
    const log = new LogLines();
    assert.equal(monitor(demoServer(), { endpoint: "http://127.0.0.1:9", apiKey: "k", redactKeys: ["("], logger: log.sink }).enabled, false);
    assert.match(log.lines[0], /monitoring disabled: invalid redaction pattern '\('/);
    const log2 = new LogLines();
    assert.equal(monitor(demoServer(), { endpoint: "ftp://x", apiKey: "k", logger: log2.sink }).enabled, false);
    assert.match(log2.lines[0], /not an http\(s\) URL/);
});

test("a full queue (spool off) drops new calls, counts them, never blocks the server", async () => {
    const log = new LogLines();
    const server = demoServer();
    const handle = monitor(server, { endpoint: await deadEndpoint(), apiKey: "k", logger: log.sink, maxQueuedCalls: 5, flushIntervalMs: 60_000, spoolDirectory: false });
    await exercise(await connected(server), 20);
    await sleep(50);
    assert.equal(handle.stats.calls, 22);
    assert.ok(handle.stats.dropped >= 17, `dropped ${handle.stats.dropped}`);
    assert.ok(log.lines.some((line) => /queue full \(5 calls\)/.test(line)));
    await handle.shutdown(100);
});

test("monitor() never throws: a hostile server object or a throwing logger", () => {
    const hostile = new Proxy({}, {
        get() {
            throw new Error("no property access for you");
        },
    });
    const log = new LogLines();
    const handle = monitor(hostile, { endpoint: "http://127.0.0.1:9", apiKey: "k", logger: log.sink });
    assert.equal(handle.enabled, false);
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0], /monitoring disabled: no property access for you/);
    const quiet = monitor(demoServer(), { env: {}, logger: () => {
        throw new Error("logger broken");
    } });
    assert.equal(quiet.enabled, false);
});
