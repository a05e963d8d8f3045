import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { monitor, MonitorOptions, TelltaleMonitor } from "../../src/index";
import { TestClient } from "../../standins/client";
import { InMemoryTransport } from "../../standins/inMemoryTransport";
import { FakeCollector, LogLines, Responder } from "./fakeCollector";

/** Anything with the SDK's `connect(transport)`: McpServer, Server, the 2.x dispatcher shape. */
export interface Connectable {
    connect(transport: InMemoryTransport): Promise<void>;
}

/**
 * Connects `server` to a started TestClient over an in-memory pair (a fresh one unless `pair` is given,
 * `[clientSide, serverSide]`, for tests that touch the server side before connect).
 */
export async function connectClient(server: Connectable, pair = InMemoryTransport.createLinkedPair()): Promise<TestClient> {
    const [clientSide, serverSide] = pair;
    await server.connect(serverSide);
    const client = new TestClient(clientSide);
    await client.start();
    return client;
}

/** `monitor(server, options)`, then a client connected to it: the setup most monitor tests share. */
export async function monitored(server: Connectable, options: MonitorOptions): Promise<{ handle: TelltaleMonitor; client: TestClient }> {
    const handle = monitor(server, options);
    const client = await connectClient(server);
    return { handle, client };
}

/** What a test run by `withCollector` gets: a started FakeCollector, its endpoint, a log sink. */
export interface CollectorContext {
    collector: FakeCollector;
    endpoint: string;
    log: LogLines;
}

/** Runs `body` against a started FakeCollector (answering as `respond` says) and stops the collector afterwards. */
export async function withCollector(body: (context: CollectorContext) => Promise<void>, respond?: Responder): Promise<void> {
    const collector = new FakeCollector(respond);
    const endpoint = await collector.start();
    try {
        await body({ collector, endpoint, log: new LogLines() });
    } finally {
        await collector.stop();
    }
}

/** What came of one exitChild run. */
export interface ChildResult {
    code: number | null;
    stderr: string;
    stdout: string;
    ms: number;
}

/** Runs the exit child (`support/exitChild.ts`) with `env` on top of this process's (endpoint and key unset). */
export function runExitChild(env: Record<string, string>): Promise<ChildResult> {
    const started = Date.now();
    const child = spawn(process.argv[0], [resolve(__dirname, "exitChild.js")], {
        env: { ...process.env, TELLTALE_ENDPOINT: undefined, TELLTALE_API_KEY: undefined, ...env }, stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString("utf8"); });
    child.stdout?.on("data", (chunk: Buffer) => { stdout += chunk.toString("utf8"); });
    return new Promise((done) => child.on("exit", (code: number | null) => done({ code, stderr, stdout, ms: Date.now() - started })));
}
