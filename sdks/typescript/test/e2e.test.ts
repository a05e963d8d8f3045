import { after, before, test } from "node:test";
import assert = require("node:assert/strict");
import { monitor } from "../src/index";
import { TestClient } from "../standins/client";
import { InMemoryTransport } from "../standins/inMemoryTransport";
import { McpServer } from "../standins/mcpServer";
import { sleep } from "./support/fakeCollector";
import { TelltaleServer } from "./support/telltaleServer";

const collector = new TelltaleServer();

before(async () => {
    await collector.start();
}, { timeout: 120_000 });

after(async () => {
    await collector.stop();
});

test("calls from a monitored McpServer are stored by a real telltale serve and read back through the query API", { timeout: 120_000 }, async () => {
    const server = new McpServer({ name: "ts-e2e-server", version: "0.9.0" });
    server.registerTool("add", {}, (args) => ({ content: [{ type: "text", text: String(Number(args.a) + Number(args.b)) }] }));
    server.registerTool("fail", {}, () => {
        throw new Error("deliberate failure");
    });
    const handle = monitor(server, {
        endpoint: collector.endpoint, apiKey: collector.ingestKey, tags: { suite: "ts-e2e" },
        beforeSend: (call) => {
            call.tags.tenant = "acme";
            return call;
        },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new TestClient(clientSide);
    await client.start();
    await client.initialize({ name: "e2e-client", version: "4.5.6" });
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await client.request("tools/call", { name: "add", arguments: { a: 2, b: 3, apiKey: "should-not-be-stored" }, _meta: { traceparent } });
    await client.request("tools/call", { name: "fail", arguments: {} });
    await client.request("tools/call", { name: "unknown-tool", arguments: {} });
    client.fire("tools/call", { name: "add", arguments: { a: 1, b: 1 } }, "never-answered-before-close");
    await clientSide.close();
    assert.equal(await handle.flush(30_000), true);
    assert.ok(handle.stats.sent >= 5);

    const calls = await collector.waitForCalls((stored) => stored.filter((c) => c.tags?.suite === "ts-e2e").length >= 6);
    const mine = calls.filter((c) => c.tags?.suite === "ts-e2e");
    const requests = mine.filter((c) => c.kind === "request");
    const initialize = requests.find((c) => c.method === "initialize");
    assert.ok(initialize, "initialize stored");
    assert.equal(initialize.client?.name, "e2e-client");
    assert.equal(initialize.client?.version, "4.5.6");
    assert.equal(initialize.server?.name, "ts-e2e-server");
    assert.equal(initialize.protocolVersion, "2025-06-18");
    assert.equal(initialize.transport, "memory");
    const add = requests.find((c) => c.target === "add" && c.outcome === "ok");
    assert.ok(add, "tools/call add stored");
    assert.equal(add.trace?.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(add.trace?.spanId, "b7ad6b7169203331");
    assert.equal(add.tags.tenant, "acme");
    assert.ok(add.durationNs >= 0);
    assert.ok(add.requestBytes > 0 && add.responseBytes > 0);
    assert.equal(requests.find((c) => c.target === "fail")?.outcome, "toolError");
    const unknown = requests.find((c) => c.target === "unknown-tool");
    assert.equal(unknown?.outcome, "error");
    assert.equal(unknown?.errorCode, -32602);
    assert.equal(requests.find((c) => c.requestId === "\"never-answered-before-close\"")?.outcome, "noResponse");
    assert.equal(mine.filter((c) => c.kind === "notification" && c.method === "notifications/initialized").length, 1);
    assert.equal(new Set(mine.map((c) => c.session)).size, 1);

    const detail = await collector.get(`/api/v1/calls/${add.id}`);
    assert.equal(detail.id, add.id);
    assert.equal(detail.request?.arguments?.apiKey, "[REDACTED]", "redacted before it left the process");
    assert.equal(detail.request?.arguments?.a, 2);
    await handle.shutdown();
});

test("an ingest key the collector does not know: batch refused, one log line, server unaffected", { timeout: 60_000 }, async () => {
    const lines: string[] = [];
    const server = new McpServer({ name: "ts-e2e-badkey", version: "1" });
    server.registerTool("ping", {}, () => ({ content: [{ type: "text", text: "pong" }] }));
    const handle = monitor(server, { endpoint: collector.endpoint, apiKey: "tt_not_a_key", logger: (line) => lines.push(line) });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new TestClient(clientSide);
    await client.start();
    await client.initialize();
    assert.equal(((await client.request("tools/call", { name: "ping" })).result as { content: Array<{ text: string }> }).content[0].text, "pong");
    assert.equal(await handle.flush(30_000), true);
    assert.equal(handle.stats.sent, 0);
    assert.ok(handle.stats.dropped >= 3);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /collector refused a batch of \d+ calls \(401/);
    await sleep(10);
    await handle.shutdown();
});
