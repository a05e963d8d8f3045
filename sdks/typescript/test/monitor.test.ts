import { test } from "node:test";
import assert = require("node:assert/strict");
import { monitor } from "../src/index";
import { InMemoryTransport } from "../standins/inMemoryTransport";
import { McpServer } from "../standins/mcpServer";
import { Server } from "../standins/server";
import { sleep } from "./support/fakeCollector";
import { connectClient as connected, monitored, withCollector } from "./support/harness";

/** An McpServer stand-in with an `echo` tool, a failing `boom` tool and a slow `wait` tool. */
function demoServer(era: "1.x" | "2.x" = "1.x"): McpServer {
    const server = new McpServer({ name: "demo-server", version: "3.1.0" }, { era });
    server.registerTool("echo", { description: "echoes" }, (args) => ({ content: [{ type: "text", text: String(args.text) }] }));
    server.registerTool("boom", {}, () => {
        throw new Error("the tool failed");
    });
    server.registerTool("wait", {}, async (_args, extra) => {
        for (let i = 0; i < 500 && !extra.signal.aborted; i += 1) await sleep(10);
        return { content: [{ type: "text", text: "late" }] };
    });
    server.registerResource("memo://one", () => "first memo");
    return server;
}

for (const era of ["1.x", "2.x"] as const) {
    test(`McpServer (${era} connect sequence): every message is captured, from initialize on`, async () => {
        await withCollector(async ({ collector, endpoint, log }) => {
            const server = demoServer(era);
            const handle = monitor(server, { endpoint, apiKey: "k-ingest", tags: { env: "test" }, logger: log.sink, flushIntervalMs: 50 });
            assert.equal(handle.enabled, true);
            const client = await connected(server);
            const init = await client.initialize();
            assert.equal((init.result as { serverInfo: { name: string } }).serverInfo.name, "demo-server");
            assert.equal(((await client.request("tools/call", { name: "echo", arguments: { text: "hi" } })).result as { content: Array<{ text: string }> }).content[0].text, "hi");
            await client.request("tools/call", { name: "boom", arguments: {} });
            await client.request("tools/call", { name: "missing", arguments: {} });
            await client.request("resources/read", { uri: "memo://one" });
            await client.request("tools/list");
            client.fire("tools/call", { name: "wait" }, "slow-1");
            await sleep(30);
            await client.notify("notifications/cancelled", { requestId: "slow-1", reason: "not needed" });
            client.fire("tools/call", { name: "wait" }, "slow-2");
            await sleep(30);
            await client.transport.close();
            assert.equal(await handle.flush(20_000), true);
            const calls = collector.calls;
            const requests = calls.filter((c) => c.kind === "request");
            const byMethodTarget = (method: string, target?: string) =>
                requests.filter((c) => c.method === method && c.target === target);
            assert.equal(byMethodTarget("initialize").length, 1, "initialize is captured");
            const initialize = byMethodTarget("initialize")[0];
            assert.deepEqual(initialize.client, { name: "test-client", version: "1.2.3" });
            assert.deepEqual(initialize.server, { name: "demo-server", version: "3.1.0" });
            assert.equal(initialize.protocolVersion, "2025-06-18");
            assert.equal(initialize.transport, "memory");
            assert.equal(byMethodTarget("tools/call", "echo")[0].outcome, "ok");
            assert.deepEqual(byMethodTarget("tools/call", "echo")[0].response, { content: [{ type: "text", text: "hi" }] });
            assert.equal(byMethodTarget("tools/call", "boom")[0].outcome, "toolError");
            assert.equal(byMethodTarget("tools/call", "boom")[0].errorMessage, "the tool failed");
            assert.equal(byMethodTarget("tools/call", "missing")[0].outcome, "error");
            assert.equal(byMethodTarget("tools/call", "missing")[0].errorCode, -32602);
            assert.equal(byMethodTarget("resources/read", "memo://one")[0].outcome, "ok");
            const slow1 = requests.find((c) => c.requestId === "\"slow-1\"");
            const slow2 = requests.find((c) => c.requestId === "\"slow-2\"");
            assert.equal(slow1?.outcome, "cancelled");
            assert.equal(slow1?.errorMessage, "not needed");
            assert.equal(slow2?.outcome, "noResponse");
            assert.equal(slow2?.errorMessage, "connection closed");
            const notifications = calls.filter((c) => c.kind === "notification").map((c) => c.method).sort();
            assert.deepEqual(notifications, ["notifications/cancelled", "notifications/initialized"]);
            const sessions = new Set(calls.map((c) => c.session));
            assert.equal(sessions.size, 1, "one session per connection");
            for (const call of calls) {
                assert.deepEqual(call.tags, { env: "test" });
                assert.deepEqual(call.client, { name: "test-client", version: "1.2.3" });
                assert.match(call.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
                assert.match(call.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
            }
            const batch = collector.batches[0];
            assert.equal(batch.headers.authorization, "Bearer k-ingest");
            assert.equal(batch.headers["content-type"], "application/x-ndjson");
            assert.equal(batch.headers["content-encoding"], "gzip");
            assert.deepEqual(log.lines, [], "no log line on the happy path");
            await handle.shutdown();
        });
    });
}

test("low-level Server: server→client requests are toClient; a second connection is a second session", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = new Server({ name: "low", version: "1" });
        server.setRequestHandler("tools/call", async () => {
            const roots = await server.request({ method: "roots/list" });
            return { content: [{ type: "text", text: JSON.stringify(roots.result) }] };
        });
        const { handle, client } = await monitored(server, { endpoint, apiKey: "k", logger: () => undefined });
        client.handlers.set("roots/list", () => ({ roots: [{ uri: "file:///home" }] }));
        await client.initialize();
        await client.request("tools/call", { name: "roots" });
        await client.transport.close();
        const second = await connected(server);
        await second.initialize({ name: "other-client", version: "2" });
        await second.request("ping");
        await handle.flush();
        const roots = collector.calls.find((c) => c.method === "roots/list");
        assert.equal(roots?.direction, "toClient");
        assert.equal(roots?.outcome, "ok");
        assert.deepEqual(roots?.response, { roots: [{ uri: "file:///home" }] });
        const ping = collector.calls.find((c) => c.method === "ping");
        assert.deepEqual(ping?.client, { name: "other-client", version: "2" });
        assert.notEqual(ping?.session, roots?.session);
        assert.equal(handle.stats.connections, 2);
        await handle.shutdown();
    });
});

test("beforeSend enriches, drops, and a throwing hook sends the call unchanged with one log line", async () => {
    await withCollector(async ({ collector, endpoint, log }) => {
        const server = demoServer();
        const { handle, client } = await monitored(server, {
            endpoint, apiKey: "k", logger: log.sink,
            beforeSend: (call) => {
                if (call.method === "ping") return null;
                if (call.target === "boom") throw new Error("hook bug");
                call.tags.tenant = "acme";
                return call;
            },
        });
        await client.initialize();
        await client.request("ping");
        await client.request("tools/call", { name: "echo", arguments: { text: "x" } });
        await client.request("tools/call", { name: "boom" });
        await client.request("tools/call", { name: "boom" });
        await handle.flush();
        assert.equal(collector.calls.filter((c) => c.method === "ping").length, 0, "dropped by the hook");
        assert.equal(collector.calls.find((c) => c.target === "echo")?.tags.tenant, "acme");
        const booms = collector.calls.filter((c) => c.target === "boom");
        assert.equal(booms.length, 2);
        assert.deepEqual(booms[0].tags, {}, "sent unchanged");
        assert.equal(log.lines.length, 1);
        assert.match(log.lines[0], /beforeSend threw \(hook bug\)/);
        assert.equal(handle.stats.droppedByHook, 1);
        await handle.shutdown();
    });
});

test("capturePayloads: false and extra redaction patterns", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const plain = demoServer();
        const { handle: off, client } = await monitored(plain, { endpoint, apiKey: "k", capturePayloads: false, tags: { run: "off" } });
        await client.initialize();
        await client.request("tools/call", { name: "echo", arguments: { text: "secret stuff" } });
        await off.flush();
        const redacting = demoServer();
        const { handle: on, client: second } = await monitored(redacting, { endpoint, apiKey: "k", redactKeys: ["^text$"], tags: { run: "on" } });
        await second.initialize();
        await second.request("tools/call", { name: "echo", arguments: { text: "hello", password: "p" } });
        await on.flush();
        const offCall = collector.calls.find((c) => c.tags.run === "off" && c.target === "echo");
        assert.equal(offCall?.request, undefined);
        assert.equal(offCall?.response, undefined);
        assert.ok(offCall && offCall.requestBytes > 0);
        const onCall = collector.calls.find((c) => c.tags.run === "on" && c.target === "echo");
        assert.deepEqual(onCall?.request, { name: "echo", arguments: { text: "[REDACTED]", password: "[REDACTED]" } });
        assert.deepEqual(onCall?.response, { content: [{ type: "text", text: "[REDACTED]" }] });
        await off.shutdown();
        await on.shutdown();
    });
});

test("attached after the handshake: warns once, takes the client identity the server knows", async () => {
    await withCollector(async ({ collector, endpoint, log }) => {
        const server = demoServer();
        const client = await connected(server);
        await client.initialize({ name: "early-client", version: "7" });
        const handle = monitor(server, { endpoint, apiKey: "k", logger: log.sink });
        await client.request("tools/call", { name: "echo", arguments: { text: "after" } });
        await handle.flush();
        assert.equal(collector.calls.filter((c) => c.method === "initialize").length, 0);
        const echo = collector.calls.find((c) => c.target === "echo");
        assert.equal(echo?.outcome, "ok");
        assert.deepEqual(echo?.client, { name: "early-client", version: "7" });
        assert.equal(log.lines.length, 1);
        assert.match(log.lines[0], /after the server connected/);
        await handle.shutdown();
    });
});

test("a transport whose first message is not initialize gets one late-attach warning", async () => {
    await withCollector(async ({ endpoint, log }) => {
        const server = demoServer();
        const { handle, client } = await monitored(server, { endpoint, apiKey: "k", logger: log.sink });
        await client.request("tools/list");
        await client.request("tools/list");
        await handle.flush();
        assert.equal(log.lines.length, 1);
        assert.match(log.lines[0], /first message seen on a connection was 'tools\/list'/);
        await handle.shutdown();
    });
});

test("configuration: environment variables, arguments win, nothing set = disabled with one line and the server untouched", async () => {
    await withCollector(async ({ collector, endpoint, log }) => {
        const fromEnv = demoServer();
        const { handle, client } = await monitored(fromEnv, { env: { TELLTALE_ENDPOINT: endpoint, TELLTALE_API_KEY: "env-key" } });
        await client.initialize();
        await handle.flush();
        assert.equal(collector.batches.at(-1)?.headers.authorization, "Bearer env-key");

        const argsWin = demoServer();
        const { handle: second, client: client2 } = await monitored(argsWin, { apiKey: "arg-key", env: { TELLTALE_ENDPOINT: endpoint, TELLTALE_API_KEY: "env-key" } });
        await client2.initialize();
        await second.flush();
        assert.equal(collector.batches.at(-1)?.headers.authorization, "Bearer arg-key");

        const untouched = demoServer();
        const connectBefore = untouched.server.connect;
        const off = monitor(untouched, { env: {}, logger: log.sink });
        assert.equal(off.enabled, false);
        assert.equal(untouched.server.connect, connectBefore, "connect is not wrapped");
        assert.deepEqual(log.lines, ["monitoring disabled: TELLTALE_ENDPOINT and TELLTALE_API_KEY not set (nor given as options)"]);
        const client3 = await connected(untouched);
        assert.ok((await client3.initialize()).result);
        assert.equal(await off.flush(), true);
        await handle.shutdown();
        await second.shutdown();
    });
});

test("monitor() twice on one server returns the same monitor (no double capture)", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = demoServer();
        const first = monitor(server, { endpoint, apiKey: "k" });
        const second = monitor(server, { endpoint, apiKey: "k" });
        assert.equal(first, second);
        const client = await connected(server);
        await client.initialize();
        await first.flush();
        assert.equal(collector.calls.filter((c) => c.method === "initialize").length, 1);
        await first.shutdown();
    });
});

test("a callback set on the transport before connect is chained by the SDK and each message is still seen once", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = demoServer();
        const handle = monitor(server, { endpoint, apiKey: "k" });
        const pair = InMemoryTransport.createLinkedPair();
        const seenByUser: string[] = [];
        pair[1].onmessage = (message) => seenByUser.push(String(message.method));
        const client = await connected(server, pair);
        await client.initialize();
        await client.request("tools/list");
        await handle.flush();
        assert.deepEqual(seenByUser, ["initialize", "notifications/initialized", "tools/list"], "the user's callback still runs");
        assert.equal(collector.calls.filter((c) => c.method === "initialize").length, 1);
        assert.equal(collector.calls.filter((c) => c.method === "tools/list").length, 1);
        assert.equal(handle.stats.messages, 5, "3 client messages, 2 responses");
        await handle.shutdown();
    });
});

test("a server answering only in microtasks (setImmediate starved) still gets drained: memory stays bounded", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = demoServer();
        const { handle, client } = await monitored(server, { endpoint, apiKey: "k" });
        await client.initialize();
        for (let i = 0; i < 3000; i += 1) await client.request("tools/call", { name: "echo", arguments: { text: String(i) } });
        assert.ok(handle.stats.calls >= 2000, `drained inline while the loop was busy (calls so far: ${handle.stats.calls})`);
        assert.equal(await handle.flush(20_000), true);
        assert.equal(collector.calls.filter((c) => c.target === "echo").length, 3000);
        await handle.shutdown();
    });
});

test("a server per request (1.x stateless HTTP pattern): one shared shipper, one exit listener, monitors collectable", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const listenersBefore = process.listenerCount("beforeExit");
        const { runtime } = await import("../src/runtime");
        const liveBefore = runtime.liveMonitors;
        let last: ReturnType<typeof monitor> | undefined;
        for (let i = 0; i < 200; i += 1) {
            const server = demoServer();
            last = monitor(server, { endpoint, apiKey: "per-request", tags: { pattern: "per-request" } });
            const client = await connected(server);
            await client.request("tools/call", { name: "echo", arguments: { text: String(i) } });
            await client.transport.close();
        }
        assert.ok(process.listenerCount("beforeExit") <= Math.max(1, listenersBefore), "no listener per monitor");
        assert.equal(await last?.flush(20_000), true);
        assert.equal(collector.calls.filter((c) => c.tags.pattern === "per-request" && c.target === "echo").length, 200);
        assert.ok(collector.batches.length < 50, `batched across monitors (${collector.batches.length} batches)`);
        const { setFlagsFromString } = await import("node:v8");
        const { runInNewContext } = await import("node:vm");
        setFlagsFromString("--expose_gc");
        const gc = runInNewContext("gc") as () => void;
        last = undefined;
        for (let i = 0; i < 5 && runtime.liveMonitors > liveBefore + 5; i += 1) {
            await sleep(50);
            gc();
        }
        assert.ok(runtime.liveMonitors <= liveBefore + 5, `monitors of finished servers are collected (live: ${runtime.liveMonitors})`);
    });
});

test("beforeSend editing payloads never reaches into the server's own objects", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const shared = { content: [{ type: "text" as const, text: "cached answer" }] };
        const server = new McpServer({ name: "cache", version: "1" });
        server.registerTool("cached", {}, () => shared);
        const handle = monitor(server, {
            endpoint, apiKey: "k",
            beforeSend: (call) => {
                const response = call.response as { content?: Array<{ text: string }> } | undefined;
                if (response?.content) response.content[0].text = "scrubbed";
                return call;
            },
        });
        const client = await connected(server);
        await client.initialize();
        for (let i = 0; i < 3; i += 1) {
            const reply = await client.request("tools/call", { name: "cached" });
            assert.equal((reply.result as typeof shared).content[0].text, "cached answer");
            await handle.flush();
        }
        assert.equal(shared.content[0].text, "cached answer");
        const stored = collector.calls.filter((c) => c.target === "cached");
        assert.equal(stored.length, 3);
        for (const call of stored) assert.equal(call.response.content[0].text, "scrubbed");
        await handle.shutdown();
    });
});

test("a request left open past requestTimeoutMs is recorded as noResponse by the once-a-second tick", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = demoServer();
        const { handle, client } = await monitored(server, { endpoint, apiKey: "k", requestTimeoutMs: 1000, flushIntervalMs: 50 });
        await client.initialize();
        client.fire("tools/call", { name: "wait" }, "stuck");
        const calls = await collector.waitForCalls(3, 30_000);
        const stuck = calls.find((c) => c.requestId === "\"stuck\"");
        assert.equal(stuck?.outcome, "noResponse");
        assert.equal(stuck?.errorMessage, "no response within 1 s");
        assert.ok(stuck && stuck.durationNs >= 1e9);
        await client.transport.close();
        await handle.shutdown();
    });
});
