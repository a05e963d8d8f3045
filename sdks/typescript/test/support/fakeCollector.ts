import * as http from "node:http";
import { gunzipSync } from "node:zlib";

/** One ingest request as the collector received it. */
export interface ReceivedBatch {
    headers: http.IncomingHttpHeaders;
    lines: string[];
    status: number;
}

/** The answer to give to the n-th ingest request (0-based). */
export type Responder = (index: number, lineCount: number) => { status: number; headers?: Record<string, string>; body?: string };

/**
 * A real HTTP collector on 127.0.0.1 (node:http) that speaks the ingest contract: gunzips the
 * NDJSON body, keeps every call, answers `{"accepted": N, "duplicates": 0, "rejected": []}` — or what
 * ``respond`` says, to test retries and refusals. For tests that need no real `telltale serve`.
 */
export class FakeCollector {
    readonly batches: ReceivedBatch[] = [];
    readonly calls: Array<Record<string, any>> = [];
    private server?: http.Server;
    private port = 0;

    constructor(private readonly respond: Responder = (_index, count) => ({
        status: 200, body: JSON.stringify({ accepted: count, duplicates: 0, rejected: [] }),
    })) {}

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    start(): Promise<string> {
        this.server = http.createServer((request, response) => {
            const chunks: Buffer[] = [];
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => {
                let body = Buffer.concat(chunks);
                if (request.headers["content-encoding"] === "gzip") body = gunzipSync(body);
                const lines = body.toString("utf8").split("\n").filter((line) => line.trim() !== "");
                const answer = this.respond(this.batches.length, lines.length);
                this.batches.push({ headers: request.headers, lines, status: answer.status });
                if (answer.status >= 200 && answer.status < 300) {
                    for (const line of lines) this.calls.push(JSON.parse(line) as Record<string, any>);
                }
                response.writeHead(answer.status, { "Content-Type": "application/json", ...(answer.headers ?? {}) });
                response.end(answer.body ?? "{}");
            });
        });
        return new Promise((resolve) => {
            this.server?.listen(0, "127.0.0.1", () => {
                const address = this.server?.address();
                this.port = typeof address === "object" && address ? address.port : 0;
                resolve(this.endpoint);
            });
        });
    }

    stop(): Promise<void> {
        return new Promise((resolve) => {
            if (!this.server) return resolve();
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }

    /** Waits until at least `count` calls arrived (polling, generous timeout); returns them. */
    async waitForCalls(count: number, timeoutMs = 20_000): Promise<Array<Record<string, any>>> {
        const deadline = Date.now() + timeoutMs;
        while (this.calls.length < count) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} calls; got ${this.calls.length}`);
            await sleep(20);
        }
        return this.calls;
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(() => resolve(), ms));
}

/**
 * A loopback URL where nothing listens: port 1 (tcpmux), which no test process binds. A port bound and then
 * released is not safe on a shared machine: another process may take it in between.
 */
export async function deadEndpoint(): Promise<string> {
    return "http://127.0.0.1:1";
}

/** Collects log lines. */
export class LogLines {
    readonly lines: string[] = [];
    readonly sink = (line: string): void => {
        this.lines.push(line);
    };
}
