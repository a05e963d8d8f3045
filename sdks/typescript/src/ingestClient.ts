import * as http from "node:http";
import * as https from "node:https";

/** What came of one ingest request (the classification of `ShipperTransport.swift`). */
export type IngestResult =
    | { kind: "acknowledged"; accepted?: number; rejected: Array<{ line: number; reason: string }> }
    | { kind: "retryable"; reason: string; retryAfterMs?: number }
    | { kind: "refused"; status: number; message: string };

/** Posts gzip NDJSON bodies to `{endpoint}/api/v1/ingest` over a keep-alive agent (idle sockets do not hold the process). */
export class IngestClient {
    private readonly url: URL;
    private readonly agent: http.Agent;
    private readonly requester: typeof http.request;

    constructor(endpoint: string, private readonly apiKey: string, private readonly timeoutMs: number) {
        this.url = new URL(endpoint.replace(/\/+$/, "") + "/api/v1/ingest");
        const secure = this.url.protocol === "https:";
        this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 2 }) : new http.Agent({ keepAlive: true, maxSockets: 2 });
        this.requester = secure ? https.request : http.request;
    }

    /** The ingest URL. */
    get ingestURL(): string {
        return this.url.href;
    }

    /** Sends one gzip body; never rejects. */
    post(gzipBody: Buffer): Promise<IngestResult> {
        return new Promise((resolve) => {
            let settled = false;
            const finish = (result: IngestResult): void => {
                if (!settled) {
                    settled = true;
                    resolve(result);
                }
            };
            const headers: Record<string, string | number> = {
                "Content-Type": "application/x-ndjson",
                "Content-Encoding": "gzip",
                "Content-Length": gzipBody.length,
                "User-Agent": "telltale-mcp-typescript",
            };
            if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
            let request: http.ClientRequest;
            try {
                request = this.requester(
                    {
                        method: "POST",
                        hostname: this.url.hostname.replace(/^\[|\]$/g, ""),
                        port: this.url.port || (this.url.protocol === "https:" ? 443 : 80),
                        path: this.url.pathname + this.url.search,
                        headers,
                        agent: this.agent,
                    },
                    (response) => {
                        const chunks: Buffer[] = [];
                        let size = 0;
                        response.on("data", (chunk: Buffer) => {
                            size += chunk.length;
                            if (size <= 1 << 20) chunks.push(chunk);
                        });
                        response.on("end", () => {
                            finish(classify(response.statusCode ?? 0, header(response.headers["retry-after"]), Buffer.concat(chunks).toString("utf8")));
                        });
                        response.on("error", (error: Error) => finish({ kind: "retryable", reason: describe(error) }));
                    }
                );
            } catch (error) {
                finish({ kind: "retryable", reason: describe(error) });
                return;
            }
            request.setTimeout(this.timeoutMs, () => {
                request.destroy(new Error("request timed out"));
            });
            request.on("error", (error: Error) => finish({ kind: "retryable", reason: describe(error) }));
            request.end(gzipBody);
        });
    }

    /** Closes idle connections. */
    close(): void {
        this.agent.destroy();
    }
}

function header(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value[0] : value;
}

/** Maps a response to what the shipper does next. */
export function classify(status: number, retryAfter: string | undefined, body: string, now: number = Date.now()): IngestResult {
    if (status >= 200 && status < 300) {
        try {
            const reply = JSON.parse(body) as { accepted?: unknown; rejected?: unknown };
            const rejected = Array.isArray(reply.rejected)
                ? reply.rejected.filter((r): r is { line: number; reason: string } =>
                    typeof r === "object" && r !== null && typeof (r as { line?: unknown }).line === "number")
                : [];
            return { kind: "acknowledged", accepted: typeof reply.accepted === "number" ? reply.accepted : undefined, rejected };
        } catch {
            return { kind: "acknowledged", rejected: [] };
        }
    }
    if (status === 408 || status === 429 || (status >= 500 && status < 600)) {
        return { kind: "retryable", reason: `${status} ${errorText(body) ?? ""}`.trim(), retryAfterMs: parseRetryAfter(retryAfter, now) };
    }
    return { kind: "refused", status, message: errorText(body) ?? `HTTP ${status}` };
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The `error`/`reason`/`message` string of a JSON error body, else a short plain-text body. */
function errorText(body: string): string | undefined {
    try {
        const object = JSON.parse(body) as Record<string, unknown>;
        for (const key of ["error", "reason", "message"]) {
            const value = object[key];
            if (typeof value === "string" && value) return value;
            if (typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string") {
                return (value as { message: string }).message;
            }
        }
    } catch {
        const text = body.trim();
        if (text && text.length <= 200 && !text.startsWith("<")) return text;
    }
    return undefined;
}

function describe(error: unknown): string {
    const code = (error as { code?: unknown })?.code;
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ECONNRESET") return "connection reset";
    if (code === "ENOTFOUND") return "host not found";
    return error instanceof Error ? error.message : String(error);
}
