/**
 * Per-call overhead of monitoring: sequential `tools/call` round trips over an in-memory transport pair,
 * the same server unmonitored and monitored (shipping to a collector in another process), interleaved.
 * Each call yields to the event loop once (`setImmediate`), as a message arriving from I/O would. CPU time
 * (user + system of this process) includes the monitor's shipping work: encoding, gzip, HTTP, until flushed.
 *
 *   node dist/bench/overhead.js [calls per run = 20000] [runs per variant = 5]
 */
import { spawn } from "node:child_process";
import { monitor } from "../src/index";
import { TestClient } from "../standins/client";
import { InMemoryTransport } from "../standins/inMemoryTransport";
import { McpServer } from "../standins/mcpServer";

const COLLECTOR = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  let n = 0; req.on("data", (c) => { n += c.length; });
  req.on("end", () => { res.writeHead(200, {"Content-Type": "application/json"}); res.end('{"accepted":0,"duplicates":0,"rejected":[]}'); });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
`;

async function startCollector(): Promise<{ endpoint: string; stop: () => void }> {
    const child = spawn(process.argv[0], ["-e", COLLECTOR], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<string>((resolve) => child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
    return { endpoint: `http://127.0.0.1:${port}`, stop: () => void child.kill("SIGTERM") };
}

/** Wall-clock and CPU (user + system, this process) microseconds per call. */
interface Sample {
    wall: number;
    cpu: number;
}

async function run(calls: number, endpoint: string | undefined): Promise<Sample> {
    const server = new McpServer({ name: "bench", version: "1" });
    server.registerTool("echo", {}, (args) => ({ content: [{ type: "text", text: String(args.text) }] }));
    const handle = endpoint ? monitor(server, { endpoint, apiKey: "bench" }) : undefined;
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new TestClient(clientSide);
    await client.start();
    await client.initialize();
    for (let i = 0; i < 500; i += 1) await client.request("tools/call", { name: "echo", arguments: { text: "warm" } });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < calls; i += 1) {
        await client.request("tools/call", { name: "echo", arguments: { text: `call ${i}` } });
        // Real transports deliver each message from an I/O callback: give the event loop its turn, as they do.
        await new Promise<void>((resolve) => setImmediate(() => resolve()));
    }
    const elapsed = performance.now() - started;
    if (handle) {
        await handle.flush(30_000);
    }
    const cpu = process.cpuUsage(cpuBefore);
    if (handle) {
        if (handle.stats.sent < calls) throw new Error(`only ${handle.stats.sent} calls delivered`);
        await handle.shutdown();
    }
    await clientSide.close();
    return { wall: (elapsed * 1000) / calls, cpu: (cpu.user + cpu.system) / calls };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
    const calls = Number(process.argv[2] ?? 20000);
    const runs = Number(process.argv[3] ?? 5);
    const collector = await startCollector();
    const plain: Sample[] = [];
    const monitored: Sample[] = [];
    try {
        for (let i = 0; i < runs; i += 1) {
            plain.push(await run(calls, undefined));
            monitored.push(await run(calls, collector.endpoint));
        }
    } finally {
        collector.stop();
    }
    const format = (values: number[]): string => values.map((v) => v.toFixed(1)).join(", ");
    console.log(`calls per run: ${calls}, runs per variant: ${runs} (interleaved), node ${process.version}`);
    for (const metric of ["wall", "cpu"] as const) {
        const base = median(plain.map((s) => s[metric]));
        const withMonitor = median(monitored.map((s) => s[metric]));
        console.log(`${metric} µs/call: unmonitored median ${base.toFixed(1)} [${format(plain.map((s) => s[metric]))}]; ` +
            `monitored median ${withMonitor.toFixed(1)} [${format(monitored.map((s) => s[metric]))}]; ` +
            `overhead ${(withMonitor - base).toFixed(1)} µs/call`);
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
