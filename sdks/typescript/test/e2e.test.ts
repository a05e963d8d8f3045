import { after, before, test } from "node:test";
import assert = require("node:assert/strict");
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { monitor } from "../src/index";
import { McpServer } from "../standins/mcpServer";
import { sleep } from "./support/fakeCollector";
import { connectClient } from "./support/harness";
import { REPO_ROOT, TelltaleServer } from "./support/telltaleServer";

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
    const client = await connectClient(server);
    await client.initialize({ name: "e2e-client", version: "4.5.6" });
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await client.request("tools/call", { name: "add", arguments: { a: 2, b: 3, apiKey: "should-not-be-stored" }, _meta: { traceparent } });
    await client.request("tools/call", { name: "fail", arguments: {} });
    await client.request("tools/call", { name: "unknown-tool", arguments: {} });
    client.fire("tools/call", { name: "add", arguments: { a: 1, b: 1 } }, "never-answered-before-close");
    await client.transport.close();
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
    const client = await connectClient(server);
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

/** A Python with the official `mcp` client: `$TELLTALE_PYTHON`, else the repository's e2e venv. */
function pythonWithMcp(): { python?: string; skip?: string } {
    const python = process.env.TELLTALE_PYTHON || join(REPO_ROOT, ".venv", "bin", "python");
    if (!existsSync(python)) return { skip: `no Python with the mcp client at ${python} (set TELLTALE_PYTHON)` };
    try {
        execFileSync(python, ["-c", "import mcp.client.stdio"], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
    } catch {
        return { skip: `${python} cannot import mcp (set TELLTALE_PYTHON)` };
    }
    return { python };
}

const driver = pythonWithMcp();

/**
 * Runs `test/<script>` (a driver built on the official Python client) with `args`; resolves the JSON summary
 * it printed last, with its stderr as `stderr`.
 */
function runDriver(label: string, script: string, args: string[], env?: Record<string, string | undefined>): Promise<Record<string, any>> {
    const path = resolve(__dirname, "../../test", script);
    const child = spawn(driver.python as string, [path, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => { stdout += chunk.toString("utf8"); });
    child.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString("utf8"); });
    return new Promise((done, fail) => {
        child.on("exit", (code: number | null) => {
            if (code !== 0) return fail(new Error(`${label} exited ${code}:\n${stderr}`));
            try {
                done({ ...JSON.parse(stdout.trim().split("\n").pop() ?? "{}"), stderr });
            } catch (error) {
                fail(new Error(`${label} printed no JSON: ${stdout}\n${stderr}`));
            }
        });
    });
}

/** Runs the stdio example server under the official Python client; resolves its JSON summary. */
function driveExample(mode: "legacy" | "auto"): Promise<Record<string, any>> {
    const example = resolve(__dirname, "../examples/stdio-server.js");
    const env: Record<string, string | undefined> = { ...process.env, TELLTALE_ENDPOINT: collector.endpoint, TELLTALE_API_KEY: collector.ingestKey };
    return runDriver("driver", "drive_stdio.py", [mode, process.argv[0], example], env);
}

for (const mode of ["legacy", "auto"] as const) {
    test(`stdio example server driven by the official Python mcp client (mode=${mode}): real protocol traffic is stored`,
        { timeout: 120_000, skip: driver.skip }, async () => {
            const sessionsBefore = new Set((await collector.allCalls()).map((c) => c.session));
            const summary = await driveExample(mode);
            assert.deepEqual(summary.tools, ["always_fails", "utc_time"]);
            assert.equal(summary.failedIsError, true);
            assert.match(summary.stderr, /using (in-repo stand-ins|@modelcontextprotocol\/(sdk|server))/);
            assert.doesNotMatch(summary.stderr, /telltale: /, "no telltale log line on the happy path");
            const calls = await collector.waitForCalls((stored) => stored.some((c) =>
                !sessionsBefore.has(c.session) && c.tags?.example === "stdio-server" && c.target === "always_fails"));
            const mine = calls.filter((c) => !sessionsBefore.has(c.session) && c.tags?.example === "stdio-server");
            assert.equal(new Set(mine.map((c) => c.session)).size, 1, "one session for the stdio connection");
            const requests = mine.filter((c) => c.kind === "request");
            for (const call of mine) assert.equal(call.transport, "stdio");
            const initialize = requests.find((c) => c.method === "initialize");
            assert.ok(initialize, `initialize stored; got ${JSON.stringify(requests.map((c) => c.method))}`);
            assert.equal(initialize.client?.name, "mcp");
            assert.equal(initialize.server?.name, "telltale-ts-example");
            assert.ok(typeof initialize.protocolVersion === "string" && initialize.protocolVersion.length > 0);
            assert.equal(requests.find((c) => c.target === "utc_time")?.outcome, "ok");
            const failed = requests.find((c) => c.target === "always_fails");
            assert.equal(failed?.outcome, "toolError");
            assert.equal(failed?.errorMessage, "this tool always fails");
            assert.equal(failed?.client?.name, "mcp");
            assert.ok(requests.some((c) => c.method === "tools/list" && c.outcome === "ok"));
            if (mode === "auto") {
                const probe = requests.find((c) => c.method === "server/discover");
                assert.ok(probe, "the 2026-07-28 probe is recorded");
                assert.equal(probe.outcome, "error");
                assert.equal(probe.errorCode, -32601);
                assert.equal(probe.client?.name, "mcp", "client identity from the probe's _meta");
                assert.ok(probe.startedAt < initialize.startedAt);
            } else {
                assert.equal(requests.filter((c) => c.method === "server/discover").length, 0);
            }
        });
}

/** Starts the HTTP example server; resolves its MCP URL and a stop function. */
async function startHttpExample(): Promise<{ url: string; stop: () => Promise<void>; stderr: () => string }> {
    const example = resolve(__dirname, "../examples/http-server.js");
    const env: Record<string, string | undefined> = { ...process.env, TELLTALE_ENDPOINT: collector.endpoint, TELLTALE_API_KEY: collector.ingestKey, PORT: "0" };
    const child = spawn(process.argv[0], [example], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString("utf8"); });
    const url = await new Promise<string>((done, fail) => {
        let out = "";
        child.stdout?.on("data", (chunk: Buffer) => {
            out += chunk.toString("utf8");
            const match = /listening on (http:\/\/\S+)/.exec(out);
            if (match) done(match[1]);
        });
        child.on("exit", () => fail(new Error(`http example exited early: ${stderr}`)));
    });
    const stop = async (): Promise<void> => {
        if (child.exitCode !== null) return;
        const exited = new Promise<void>((done) => child.once("exit", () => done()));
        child.kill("SIGTERM");
        await exited;
    };
    return { url, stop, stderr: () => stderr };
}

function driveHttp(mode: "legacy" | "auto", url: string): Promise<Record<string, any>> {
    return runDriver("http driver", "drive_http.py", [mode, url]);
}

test("streamable HTTP example (a server and monitor per session) driven by the official Python client: sessions are Mcp-Session-Ids",
    { timeout: 180_000, skip: driver.skip }, async () => {
        const server = await startHttpExample();
        try {
            const sessionsBefore = new Set((await collector.allCalls()).map((c) => c.session));
            for (const mode of ["legacy", "auto"] as const) {
                const summary = await driveHttp(mode, server.url);
                assert.equal(summary.failedIsError, true);
            }
            const calls = await collector.waitForCalls((stored) => stored.filter((c) =>
                !sessionsBefore.has(c.session) && c.tags?.example === "http-server" && c.target === "always_fails").length >= 2);
            const mine = calls.filter((c) => !sessionsBefore.has(c.session) && c.tags?.example === "http-server");
            const sessions = [...new Set(mine.map((c) => c.session))];
            assert.equal(sessions.length, 2, `one session per client connection: ${JSON.stringify(sessions)}`);
            for (const session of sessions) {
                assert.match(session, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "the server's Mcp-Session-Id (randomUUID)");
                const requests = mine.filter((c) => c.session === session && c.kind === "request");
                assert.deepEqual(requests.map((c) => c.method).sort(), ["initialize", "tools/call", "tools/call", "tools/list"]);
                for (const call of mine.filter((c) => c.session === session)) {
                    assert.equal(call.transport, "http");
                    assert.equal(call.client?.name, "mcp");
                    assert.equal(call.server?.name, "telltale-ts-http-example");
                }
                assert.equal(requests.find((c) => c.target === "always_fails")?.outcome, "toolError");
                assert.equal(requests.find((c) => c.target === "utc_time")?.outcome, "ok");
            }
            assert.equal(mine.filter((c) => c.method === "server/discover").length, 0,
                "the auto-mode probe is refused by the HTTP layer (no session) before the server sees it");
            assert.doesNotMatch(server.stderr(), /telltale: /);
        } finally {
            await server.stop();
        }
    });
