import { after, before, test } from "node:test";
import assert = require("node:assert/strict");
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { monitor } from "../src/index";
import { resolveSpoolDirectory } from "../src/options";
import { Reporter } from "../src/reporter";
import { Shipper } from "../src/shipper";
import { DiskSpool, spoolFolderName } from "../src/spool";
import { McpServer } from "../standins/mcpServer";
import { deadEndpoint, FakeCollector, LogLines, sleep } from "./support/fakeCollector";
import { connectClient, runExitChild } from "./support/harness";
import { TelltaleServer } from "./support/telltaleServer";

const collector = new TelltaleServer();
const folders: string[] = [];

before(async () => {
    await collector.prepare();
}, { timeout: 120_000 });

after(async () => {
    await collector.stop();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
    const folder = mkdtempSync(join(tmpdir(), "telltale-ts-spool-"));
    folders.push(folder);
    return join(folder, "spool");
}

/** The batch files of a spool folder (not the dot-files), oldest first. */
function batchFiles(folder: string): string[] {
    if (!existsSync(folder)) return [];
    return readdirSync(folder).filter((name) => !name.startsWith(".") && name.endsWith(".ndjson.gz")).sort();
}

/** Polls `predicate` every 50 ms; fails after `timeoutMs` (generous: 20 s and more). */
async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
    }
}

function echoServer(name: string): McpServer {
    const server = new McpServer({ name, version: "1" });
    server.registerTool("echo", {}, (args) => ({ content: [{ type: "text", text: String(args.text) }] }));
    return server;
}

/** Stored calls tagged `suite`, once there are `count` of them; asserts there are no duplicates. */
async function storedOnce(suite: string, count: number): Promise<Array<Record<string, any>>> {
    const calls = await collector.waitForCalls((stored) => stored.filter((c) => c.tags?.suite === suite || c.tags?.child === suite).length >= count, 60_000);
    const mine = calls.filter((c) => c.tags?.suite === suite || c.tags?.child === suite);
    assert.equal(mine.length, count, `exactly ${count} calls of ${suite}`);
    assert.equal(new Set(mine.map((c) => c.id)).size, count, "no call stored twice");
    return mine;
}

test("default folder: the CLI's per-endpoint folder under $XDG_DATA_HOME (or ~/.local/share); false turns the spool off", () => {
    assert.equal(spoolFolderName("http://127.0.0.1:7340"), "127.0.0.1_7340");
    assert.equal(spoolFolderName("https://Collector.Example.com/ingest/"), "collector.example.com_443_ingest");
    assert.equal(spoolFolderName("http://[::1]:8080/a b"), "__1_8080_a_b");
    assert.equal(resolveSpoolDirectory({ env: { XDG_DATA_HOME: "/x" } }, "http://h:1"), "/x/telltale/spool/h_1");
    assert.equal(resolveSpoolDirectory({ env: { HOME: "/home/u" } }, "http://h"), "/home/u/.local/share/telltale/spool/h_80");
    assert.equal(resolveSpoolDirectory({ env: { XDG_DATA_HOME: "relative", HOME: "/home/u" } }, "http://h"), "/home/u/.local/share/telltale/spool/h_80");
    assert.equal(resolveSpoolDirectory({ spoolDirectory: "/custom" }, "http://h"), "/custom");
    assert.equal(resolveSpoolDirectory({ spoolDirectory: false }, "http://h"), undefined);
});

test("calls made before the collector is up are spooled, then arrive exactly once when it starts (real telltale serve)", { timeout: 180_000 }, async () => {
    const folder = tempFolder();
    const server = echoServer("spool-before-start");
    const handle = monitor(server, {
        endpoint: collector.endpoint, apiKey: collector.ingestKey, tags: { suite: "spool-a" }, flushIntervalMs: 10, spoolDirectory: folder,
        logger: () => undefined,
    });
    const client = await connectClient(server);
    await client.initialize();
    for (let i = 0; i < 5; i += 1) await client.request("tools/call", { name: "echo", arguments: { text: `a${i}` } });
    await until("calls in the spool", () => handle.stats.spooled >= 7 && batchFiles(folder).length > 0);
    assert.equal(handle.stats.sent, 0);
    assert.equal(handle.stats.dropped, 0);
    await collector.start();
    assert.equal(await handle.flush(60_000), true);
    const mine = await storedOnce("spool-a", 7);
    assert.equal(mine.filter((c) => c.method === "tools/call").length, 5);
    assert.deepEqual(batchFiles(folder), [], "spool drained");
    assert.equal(handle.stats.sent, 7);
    await handle.shutdown();
});

test("calls made while the collector is stopped arrive exactly once after it is back (real telltale serve)", { timeout: 180_000 }, async () => {
    const folder = tempFolder();
    const server = echoServer("spool-stopped");
    const log = new LogLines();
    const handle = monitor(server, {
        endpoint: collector.endpoint, apiKey: collector.ingestKey, tags: { suite: "spool-b" }, flushIntervalMs: 10, spoolDirectory: folder,
        logger: log.sink,
    });
    const client = await connectClient(server);
    await client.initialize();
    await client.request("tools/call", { name: "echo", arguments: { text: "before" } });
    assert.equal(await handle.flush(60_000), true);
    await collector.halt();
    for (let i = 0; i < 4; i += 1) await client.request("tools/call", { name: "echo", arguments: { text: `down${i}` } });
    await until("calls in the spool", () => handle.stats.spooled >= 4 && batchFiles(folder).length > 0);
    assert.ok(log.lines.some((line) => line.includes(`keeping them in ${folder}`)), log.lines.join("\n"));
    await collector.start();
    assert.equal(await handle.flush(60_000), true);
    const mine = await storedOnce("spool-b", 7);
    assert.equal(mine.filter((c) => c.method === "tools/call").length, 5);
    assert.deepEqual(batchFiles(folder), []);
    await handle.shutdown();
});

test("a process that exits with the collector down leaves spool files; a new shipper delivers them (real telltale serve)", { timeout: 180_000 }, async () => {
    const folder = tempFolder();
    await collector.halt();
    const env = { TELLTALE_ENDPOINT: collector.endpoint, TELLTALE_API_KEY: collector.ingestKey, SPOOL_DIR: folder };
    // Leaves the process through beforeExit: one attempt, then the spool.
    const first = await runExitChild({ ...env, CALLS: "3", CHILD_TAG: "spool-exit-a" });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, "done\n");
    assert.match(first.stderr, new RegExp(`^telltale: 5 calls not delivered at exit \\(connection refused\\); kept in ${folder}\\n$`));
    // Leaves through process.exit(): no beforeExit; the exit hook writes the spool synchronously.
    const second = await runExitChild({ ...env, CALLS: "2", CHILD_TAG: "spool-exit-b", EXIT_NOW: "1" });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /^telltale: 4 calls not delivered at exit \(process exiting\); kept in /);
    assert.ok(batchFiles(folder).length >= 2, `spool files: ${batchFiles(folder).join(", ")}`);

    await collector.start();
    const log = new LogLines();
    const shipper = new Shipper({ endpoint: collector.endpoint, apiKey: collector.ingestKey, spoolDirectory: folder }, new Reporter(log.sink));
    try {
        assert.equal(await shipper.flush(60_000), true);
        assert.equal(shipper.stats.sent, 9);
        await storedOnce("spool-exit-a", 5);
        await storedOnce("spool-exit-b", 4);
        assert.deepEqual(batchFiles(folder), []);
        assert.deepEqual(log.lines, []);
    } finally {
        shipper.close();
    }
});

test("over maxSpoolBytes the oldest files are deleted and counted as dropped, with one log line", { timeout: 60_000 }, async () => {
    const folder = tempFolder();
    const seed = new DiskSpool(folder, 1 << 30);
    for (let i = 0; i < 3; i += 1) seed.writeSync(gzipSync(randomBytes(1000)), 7);
    const [oldest, ...rest] = batchFiles(folder);
    assert.equal(rest.length, 2);
    const log = new LogLines();
    const shipper = new Shipper({ endpoint: await deadEndpoint(), apiKey: "k", spoolDirectory: folder, maxSpoolBytes: 2600, flushIntervalMs: 10,
        initialBackoffMs: 10_000, maxBackoffMs: 10_000 },
        new Reporter(log.sink));
    try {
        shipper.enqueue(["{\"id\":\"cap-1\"}", "{\"id\":\"cap-2\"}"]);
        await until("the batch spooled", () => shipper.stats.spooled === 2);
        await until("the eviction counted", () => shipper.stats.dropped === 7);
        const names = readdirSync(folder);
        assert.ok(!names.some((name) => name.includes(oldest)), `oldest file gone: ${names.join(", ")}`);
        for (const name of rest) assert.ok(names.some((entry) => entry.includes(name)), `${name} kept`);
        assert.ok(log.lines.some((line) => line === `spool ${folder} is full (2600 bytes); deleting the oldest spooled calls`), log.lines.join("\n"));
        assert.equal(log.lines.filter((line) => /is full/.test(line)).length, 1);
    } finally {
        shipper.close();
    }
});

test("a corrupt spool file is skipped with one log line; the good ones are delivered", { timeout: 60_000 }, async () => {
    const folder = tempFolder();
    const spool = new DiskSpool(folder, 1 << 30);
    spool.writeSync(gzipSync(Buffer.from("{\"id\":\"good-1\"}\n", "utf8")), 1);
    spool.writeSync(Buffer.from("this is not gzip", "utf8"), 3);
    spool.writeSync(gzipSync(Buffer.from("{\"id\":\"good-2\"}\n{\"id\":\"good-3\"}\n", "utf8")), 2);
    writeFileSync(join(folder, ".tmp-99999-1"), "a writer's half-written file");
    const fake = new FakeCollector();
    const endpoint = await fake.start();
    const log = new LogLines();
    const shipper = new Shipper({ endpoint, apiKey: "k", spoolDirectory: folder }, new Reporter(log.sink));
    try {
        assert.equal(await shipper.flush(30_000), true);
        assert.deepEqual(fake.calls.map((c) => c.id), ["good-1", "good-2", "good-3"], "oldest first, each once");
        assert.equal(shipper.stats.sent, 3);
        assert.equal(shipper.stats.dropped, 3);
        assert.equal(log.lines.length, 1, log.lines.join("\n"));
        assert.match(log.lines[0], /^skipping unreadable spool file \d{20}-\d{10}-\d{8}-n3\.ndjson\.gz \(.+\); deleted$/);
        assert.deepEqual(batchFiles(folder), []);
        assert.ok(existsSync(join(folder, ".tmp-99999-1")), "a recent temporary file is left alone");
    } finally {
        shipper.close();
        await fake.stop();
    }
});

test("two shippers sharing a folder never send the same file twice", { timeout: 60_000 }, async () => {
    const folder = tempFolder();
    const spool = new DiskSpool(folder, 1 << 30);
    for (let i = 0; i < 40; i += 1) spool.writeSync(gzipSync(Buffer.from(`{"id":"shared-${i}"}\n`, "utf8")), 1);
    const fake = new FakeCollector();
    const endpoint = await fake.start();
    const one = new Shipper({ endpoint, apiKey: "k", spoolDirectory: folder }, new Reporter(() => undefined));
    const two = new Shipper({ endpoint, apiKey: "k", spoolDirectory: folder }, new Reporter(() => undefined));
    try {
        const [a, b] = await Promise.all([one.flush(30_000), two.flush(30_000)]);
        assert.ok(a && b);
        const ids = fake.calls.map((c) => c.id);
        assert.equal(ids.length, 40, "each file sent once");
        assert.equal(new Set(ids).size, 40);
        assert.equal(one.stats.sent + two.stats.sent, 40);
        assert.deepEqual(readdirSync(folder).filter((name) => !name.startsWith(".tmp")), []);
    } finally {
        one.close();
        two.close();
        await fake.stop();
    }
});

test("a full queue spills its oldest calls to the spool instead of dropping new ones; the server is never blocked", { timeout: 60_000 }, async () => {
    const folder = tempFolder();
    const shipper = new Shipper({ endpoint: await deadEndpoint(), apiKey: "k", spoolDirectory: folder, maxQueuedCalls: 5, maxBatchCalls: 2, flushIntervalMs: 60_000 },
        new Reporter(() => undefined));
    try {
        const lines = Array.from({ length: 20 }, (_, i) => `{"id":"spill-${i}"}`);
        const started = Date.now();
        shipper.enqueue(lines);
        assert.ok(Date.now() - started < 1000);
        assert.ok(shipper.pending <= 5, `pending ${shipper.pending}`);
        await until("spilled calls on disk", () => shipper.stats.spooled + shipper.pending === 20);
        assert.equal(shipper.stats.dropped, 0);
        assert.ok(batchFiles(folder).length >= 1);
    } finally {
        shipper.close();
    }
});

test("a spool folder that cannot be written turns the spool off with one line; calls are dropped, nothing thrown", { timeout: 60_000 }, async () => {
    const parent = tempFolder();
    writeFileSync(parent, "a file where the spool folder should be");
    const log = new LogLines();
    const shipper = new Shipper({ endpoint: await deadEndpoint(), apiKey: "k", spoolDirectory: join(parent, "spool"), flushIntervalMs: 10 },
        new Reporter(log.sink));
    try {
        shipper.enqueue(["{\"id\":\"io-1\"}", "{\"id\":\"io-2\"}"]);
        await until("the spool off", () => shipper.spoolDirectory === undefined);
        assert.equal(log.lines.filter((line) => /turned off/.test(line)).length, 1, log.lines.join("\n"));
        // From now on, today's behaviour: calls wait in memory for the collector.
        shipper.enqueue(["{\"id\":\"io-3\"}"]);
        assert.equal(await shipper.flush(500), false);
        assert.ok(shipper.pending + shipper.stats.dropped >= 3);
    } finally {
        shipper.close();
    }
});
