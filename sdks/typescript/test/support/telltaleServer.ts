import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sleep } from "./fakeCollector";

/** The repository root (this file runs from `sdks/typescript/dist/test/support`). */
export const REPO_ROOT = resolve(__dirname, "../../../../..");

/** The telltale binary under test: `$TELLTALE_BIN`, else `<repo>/.build/debug/telltale`. */
export function telltaleBinary(): string {
    return process.env.TELLTALE_BIN || join(REPO_ROOT, ".build", "debug", "telltale");
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
    const server = http.createServer(() => undefined);
    const port = await new Promise<number>((done) => {
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            done(typeof address === "object" && address ? address.port : 0);
        });
    });
    await new Promise<void>((done) => server.close(() => done()));
    return port;
}

/** `GET url` with a bearer key; resolves status and decoded JSON (or text). */
export function getJSON(url: string, key: string): Promise<{ status: number; body: any }> {
    const parsed = new URL(url);
    return new Promise((done, fail) => {
        const request = http.request({
            method: "GET", hostname: parsed.hostname, port: parsed.port, path: parsed.pathname + parsed.search,
            headers: { Authorization: `Bearer ${key}` }, agent: false,
        }, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let body: any = text;
                try {
                    body = JSON.parse(text);
                } catch {
                    // Keep the text.
                }
                done({ status: response.statusCode ?? 0, body });
            });
        });
        request.on("error", fail);
        request.end();
    });
}

/**
 * A real `telltale serve` on a free loopback port with its own data directory; ingest and read keys are
 * made with `telltale keys create` first (as `Tests/e2e/support.py` does).
 */
export class TelltaleServer {
    readonly dataDir = mkdtempSync(join(tmpdir(), "telltale-ts-e2e-"));
    ingestKey = "";
    readKey = "";
    port = 0;
    private process?: ChildProcess;

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /**
     * Makes the keys and picks the port without starting the server, so that a monitor can be pointed at a
     * collector that is not up yet (the spool tests). `start()` does it when it was not done.
     */
    async prepare(): Promise<void> {
        const binary = telltaleBinary();
        if (!existsSync(binary)) throw new Error(`telltale binary not found at ${binary} (set TELLTALE_BIN)`);
        this.ingestKey = this.createKey("ingest");
        this.readKey = this.createKey("read");
        this.port = await freePort();
    }

    /** Starts `telltale serve` (again after `halt()`: same port, keys and data). */
    async start(): Promise<void> {
        const binary = telltaleBinary();
        if (this.port === 0) await this.prepare();
        const log = openSync(join(this.dataDir, "serve.log"), "a");
        const env: Record<string, string | undefined> = {};
        for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("TELLTALE_")) env[key] = value;
        this.process = spawn(binary, ["serve", "--host", "127.0.0.1", "--port", String(this.port), "--data", this.dataDir],
            { stdio: ["ignore", log, log], env });
        const deadline = Date.now() + 60_000;
        for (;;) {
            if (this.process.exitCode !== null) throw new Error(`telltale serve exited early:\n${this.log()}`);
            try {
                if ((await getJSON(`${this.endpoint}/healthz`, "")).status === 200) return;
            } catch {
                // Not listening yet.
            }
            if (Date.now() > deadline) throw new Error(`telltale serve not healthy after 60 s:\n${this.log()}`);
            await sleep(100);
        }
    }

    private createKey(scope: string): string {
        const output = execFileSync(telltaleBinary(), ["keys", "create", "--data", this.dataDir, "--scope", scope],
            { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
        const lines = output.split("\n").map((line) => line.trim()).filter((line) => line !== "");
        if (lines.length === 0) throw new Error(`telltale keys create --scope ${scope} printed nothing`);
        return lines[lines.length - 1];
    }

    log(): string {
        try {
            return readFileSync(join(this.dataDir, "serve.log"), "utf8").slice(-4000);
        } catch {
            return "(no log)";
        }
    }

    /** `GET path` with the read key; throws unless 200. */
    async get(path: string): Promise<any> {
        const { status, body } = await getJSON(`${this.endpoint}${path}`, this.readKey);
        if (status !== 200) throw new Error(`GET ${path} -> ${status}: ${JSON.stringify(body)}`);
        return body;
    }

    /** Every stored record of every session of the last hour. */
    async allCalls(): Promise<Array<Record<string, any>>> {
        const sessions = await this.get("/api/v1/sessions?range=1h&limit=1000");
        const calls: Array<Record<string, any>> = [];
        for (const session of sessions.items as Array<{ id: string }>) {
            const page = await this.get(`/api/v1/sessions/${encodeURIComponent(session.id)}/calls?range=1h`);
            calls.push(...(page.items as Array<Record<string, any>>));
        }
        return calls;
    }

    /** Polls until `predicate` holds for the stored calls (ingest is asynchronous; generous timeout). */
    async waitForCalls(predicate: (calls: Array<Record<string, any>>) => boolean, timeoutMs = 30_000): Promise<Array<Record<string, any>>> {
        const deadline = Date.now() + timeoutMs;
        let calls: Array<Record<string, any>> = [];
        for (;;) {
            calls = await this.allCalls();
            if (predicate(calls)) return calls;
            if (Date.now() > deadline) throw new Error(`timed out; stored calls: ${JSON.stringify(calls).slice(0, 3000)}`);
            await sleep(200);
        }
    }

    /** Stops the server process and removes its data. */
    async stop(): Promise<void> {
        await this.halt();
        rmSync(this.dataDir, { recursive: true, force: true });
    }

    /** Stops the server process but keeps its data, port and keys, for a later `start()`. */
    async halt(): Promise<void> {
        const child = this.process;
        if (child && child.exitCode === null) {
            const exited = new Promise<void>((done) => child.once("exit", () => done()));
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(timer);
        }
    }
}
