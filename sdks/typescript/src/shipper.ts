import { promises as fsp } from "node:fs";
import { gunzip, gzip, gzipSync } from "node:zlib";
import { IngestClient, IngestResult } from "./ingestClient";
import { Reporter } from "./reporter";
import { ClaimedFile, DEFAULT_MAX_SPOOL_BYTES, DiskSpool } from "./spool";

/** Settings of a ``Shipper``; every value but endpoint and key has the CLI's default. */
export interface ShipperConfig {
    endpoint: string;
    apiKey: string;
    /** A batch is sent as soon as this many calls are queued (500). */
    maxBatchCalls?: number;
    /** Upper bound of one batch's uncompressed NDJSON body (1 MiB); a single larger call is sent alone. */
    maxBatchBytes?: number;
    /** A queued call waits at most this long before its batch is sent (1000 ms). */
    flushIntervalMs?: number;
    /** Calls held in memory (10,000); beyond it new calls are dropped and counted. */
    maxQueuedCalls?: number;
    /** First retry delay; doubled per failed attempt, with full jitter, up to ``maxBackoffMs`` (250 ms). */
    initialBackoffMs?: number;
    maxBackoffMs?: number;
    /** Time one POST may take (10 s). */
    requestTimeoutMs?: number;
    /** The spool folder, or undefined for no disk spool (calls that cannot be delivered are dropped). */
    spoolDirectory?: string;
    /** Upper bound of the spool folder (256 MiB); the oldest files are deleted, and counted as dropped, beyond it. */
    maxSpoolBytes?: number;
    /** How often a healthy shipper looks for spool files left by other processes (5000 ms). */
    spoolScanIntervalMs?: number;
}

/** Counters of what the shipper did. */
export interface ShipperStats {
    /** Calls the collector accepted. */
    sent: number;
    /** Calls the collector rejected line by line. */
    rejected: number;
    /** Calls dropped: queue full, batch refused (4xx), undelivered at exit, or evicted from a full spool. */
    dropped: number;
    /** Calls written to the disk spool (they are counted as sent once a drain delivers them). */
    spooled: number;
    /** Failed attempts that will be (or were) retried. */
    retries: number;
    batchesSent: number;
}

interface Line {
    text: string;
    bytes: number;
}

/**
 * Batches encoded calls and posts them, gzip-compressed, to the collector, on the event loop's
 * background path: ``enqueue`` only appends to a bounded array; compression runs on libuv's thread pool,
 * the POST is asynchronous. Retries with backoff on network errors, 5xx, 408 and 429 (`Retry-After` honoured
 * up to 5 minutes); any other 4xx drops the batch with one log line. Timers are unref'd: the shipper never
 * keeps a process alive.
 *
 * With a spool folder (the CLI's `DiskSpool` format, see spool.ts): a batch that fails with a retryable
 * error goes to the spool together with everything queued behind it, calls beyond the queue bound spill to
 * it (oldest first) instead of being dropped, and whatever is still queued at exit is written to it. Each
 * spool file is sent again (oldest first, claimed by rename) as soon as the collector answers, and a healthy
 * shipper scans the folder every few seconds for files other processes left behind. Spool I/O is asynchronous
 * (synchronous only at exit); any spool I/O error turns the spool off with one log line.
 */
export class Shipper {
    readonly stats: ShipperStats = { sent: 0, rejected: 0, dropped: 0, spooled: 0, retries: 0, batchesSent: 0 };
    private readonly client: IngestClient;
    private readonly maxBatchCalls: number;
    private readonly maxBatchBytes: number;
    private readonly flushIntervalMs: number;
    private readonly maxQueuedCalls: number;
    private readonly initialBackoffMs: number;
    private readonly maxBackoffMs: number;
    private queue: Line[] = [];
    private retryBatch: Line[] | undefined;
    private sending = false;
    private timer: NodeTimer | undefined;
    private timerAt = 0;
    private outageUntil = 0;
    private attempt = 0;
    private waiters: Array<() => void> = [];
    private closed = false;
    private spool: DiskSpool | undefined;
    /** Spool writes under way (a flush waits for them). */
    private spoolWrites = 0;
    /** The spool may hold files to drain (set by a spool write and by the periodic scan). */
    private spoolMayHaveFiles = true;
    /** Draining stopped: this process's key is refused (401/403); the files are left for a process with a valid one. */
    private drainDisabled = false;
    /** Alternates queue batches and spool files when both wait. */
    private spoolTurn = false;
    private scanTimer: NodeTimer | undefined;
    /** The spool file being sent (claimed), put back if the process exits meanwhile. */
    private claimed: ClaimedFile | undefined;

    constructor(config: ShipperConfig, private readonly reporter: Reporter) {
        this.client = new IngestClient(config.endpoint, config.apiKey, config.requestTimeoutMs ?? 10_000);
        this.maxBatchCalls = Math.max(1, config.maxBatchCalls ?? 500);
        this.maxBatchBytes = Math.max(1, config.maxBatchBytes ?? 1 << 20);
        this.flushIntervalMs = Math.max(0, config.flushIntervalMs ?? 1000);
        this.maxQueuedCalls = Math.max(1, config.maxQueuedCalls ?? 10_000);
        this.initialBackoffMs = Math.max(1, config.initialBackoffMs ?? 250);
        this.maxBackoffMs = Math.max(this.initialBackoffMs, config.maxBackoffMs ?? 30_000);
        if (config.spoolDirectory !== undefined && config.spoolDirectory !== "") {
            this.spool = new DiskSpool(config.spoolDirectory, Math.max(0, config.maxSpoolBytes ?? DEFAULT_MAX_SPOOL_BYTES));
            this.scanTimer = setInterval(() => {
                this.spoolMayHaveFiles = true;
                this.schedule(0);
            }, Math.max(10, config.spoolScanIntervalMs ?? 5000));
            this.scanTimer.unref();
            // Files an earlier (or crashed) process left behind are drained from the start.
            this.schedule(0);
        }
    }

    /** The spool folder in use (undefined when the spool is off or was turned off by an I/O error). */
    get spoolDirectory(): string | undefined {
        return this.spool?.directory;
    }

    /** Calls waiting to be sent (queued and held for retry). */
    get pending(): number {
        return this.queue.length + (this.retryBatch?.length ?? 0);
    }

    /** Appends encoded calls (one NDJSON line each, no newline); never blocks, drops and counts when full. */
    enqueue(lines: string[]): void {
        if (this.closed) {
            this.stats.dropped += lines.length;
            return;
        }
        for (const text of lines) {
            if (this.pending >= this.maxQueuedCalls && this.spool) {
                // Spill the oldest queued calls to disk rather than dropping new ones.
                this.spoolLines(this.queue.splice(0, Math.min(this.queue.length, this.maxBatchCalls)));
            }
            if (this.pending >= this.maxQueuedCalls) {
                this.stats.dropped += 1;
                this.reporter.once("queue-full", `queue full (${this.maxQueuedCalls} calls): dropping new calls until the collector catches up`);
                continue;
            }
            this.queue.push({ text, bytes: Buffer.byteLength(text, "utf8") + 1 });
        }
        if (this.queue.length >= this.maxBatchCalls) this.schedule(0);
        else if (this.queue.length > 0) this.schedule(this.flushIntervalMs);
    }

    /**
     * Sends everything queued now and resolves once nothing is left or `timeoutMs` passed; resolves true
     * when everything queued was delivered (or refused), false on timeout. Never rejects.
     */
    flush(timeoutMs = 10_000): Promise<boolean> {
        if (this.idle) return Promise.resolve(true);
        return new Promise<boolean>((resolve) => {
            let done = false;
            const timer = setTimeout(() => {
                if (done) return;
                done = true;
                this.waiters = this.waiters.filter((waiter) => waiter !== onIdle);
                resolve(false);
            }, timeoutMs);
            // Not unref'd: a caller awaiting flush() keeps the process alive until delivery or the timeout.
            const onIdle = (): void => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                resolve(true);
            };
            this.waiters.push(onIdle);
            this.schedule(0);
        });
    }

    /**
     * The last chance at process exit: one attempt per batch, no retry; whatever cannot be delivered is
     * dropped with one log line (so that `beforeExit` does not loop on a dead collector).
     */
    async flushAtExit(): Promise<void> {
        if (this.pending === 0 || this.sending) return;
        this.cancelTimer();
        this.sending = true;
        try {
            if (this.spool && this.outageUntil > Date.now()) {
                // The collector is known to be away: no attempt, straight to the spool.
                this.spoolLeftoversSync("collector unreachable");
                return;
            }
            let batch = this.takeBatch();
            while (batch.length > 0) {
                const result = await this.send(batch);
                if (result.kind === "retryable") {
                    if (this.spool) {
                        this.retryBatch = batch;
                        this.spoolLeftoversSync(result.reason);
                        break;
                    }
                    const lost = batch.length + this.pending;
                    this.queue = [];
                    this.retryBatch = undefined;
                    this.stats.dropped += lost;
                    this.reporter.once("exit-undelivered", `${lost} calls not delivered at exit (${result.reason})`);
                    break;
                }
                batch = this.takeBatch();
            }
        } finally {
            this.sending = false;
            this.notifyIfIdle();
        }
    }

    /**
     * Writes every call still held in memory to the spool, synchronously (the process is exiting: nothing
     * asynchronous would run any more). Without a spool (or on an I/O error) they are dropped and counted.
     */
    spoolLeftoversSync(reason = "process exiting"): void {
        const claimed = this.claimed;
        if (claimed && this.spool) {
            // A spool file in flight when the process ends goes back under its name for the next drainer.
            this.claimed = undefined;
            try {
                this.spool.releaseSync(claimed);
            } catch {
                // Left as a claim: put back by the next drainer after 10 minutes.
            }
        }
        if (this.pending === 0) return;
        const lines = [...(this.retryBatch ?? []), ...this.queue];
        this.retryBatch = undefined;
        this.queue = [];
        const spool = this.spool;
        if (!spool) {
            this.stats.dropped += lines.length;
            this.reporter.once("exit-undelivered", `${lines.length} calls not delivered at exit (${reason})`);
            return;
        }
        let kept = 0;
        for (const chunk of this.chunks(lines)) {
            try {
                const evicted = spool.writeSync(gzipSync(ndjson(chunk)), chunk.length);
                this.stats.spooled += chunk.length;
                kept += chunk.length;
                this.noteEvicted(evicted);
            } catch (error) {
                this.stats.dropped += chunk.length;
                this.spoolFailed(error);
                if (!this.spool) {
                    const rest = lines.length - kept - chunk.length;
                    this.stats.dropped += rest;
                    break;
                }
            }
        }
        if (kept > 0) this.reporter.once("exit-spooled", `${kept} calls not delivered at exit (${reason}); kept in ${spool.directory}`);
    }

    /** Stops timers and closes idle connections; later calls are dropped. */
    close(): void {
        this.closed = true;
        this.cancelTimer();
        if (this.scanTimer) clearInterval(this.scanTimer);
        this.scanTimer = undefined;
        this.client.close();
    }

    private schedule(delayMs: number): void {
        if (this.sending || this.closed) return;
        const now = Date.now();
        const at = Math.max(now + delayMs, this.outageUntil);
        if (this.timer && this.timerAt <= at) return;
        this.cancelTimer();
        this.timerAt = at;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            void this.pump();
        }, Math.max(0, at - now));
        this.timer.unref();
    }

    private cancelTimer(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
    }

    /** Splits lines into batches of at most `maxBatchCalls` calls and `maxBatchBytes` bytes. */
    private chunks(lines: Line[]): Line[][] {
        const result: Line[][] = [];
        let current: Line[] = [];
        let bytes = 0;
        for (const line of lines) {
            if (current.length > 0 && (current.length >= this.maxBatchCalls || bytes + line.bytes > this.maxBatchBytes)) {
                result.push(current);
                current = [];
                bytes = 0;
            }
            current.push(line);
            bytes += line.bytes;
        }
        if (current.length > 0) result.push(current);
        return result;
    }

    private takeBatch(): Line[] {
        if (this.retryBatch) {
            const batch = this.retryBatch;
            this.retryBatch = undefined;
            return batch;
        }
        let count = 0;
        let bytes = 0;
        while (count < this.queue.length && count < this.maxBatchCalls) {
            const next = this.queue[count].bytes;
            if (count > 0 && bytes + next > this.maxBatchBytes) break;
            bytes += next;
            count += 1;
        }
        return this.queue.splice(0, count);
    }

    /** Whether the spool has work now. */
    private get spoolWork(): boolean {
        return this.spool !== undefined && this.spoolMayHaveFiles && !this.drainDisabled;
    }

    private async pump(): Promise<void> {
        if (this.sending || this.closed) return;
        this.sending = true;
        try {
            while (!this.closed && (this.pending > 0 || this.spoolWork)) {
                if (this.spoolWork && (this.spoolTurn || this.pending === 0)) {
                    this.spoolTurn = false;
                    const outcome = await this.drainOne();
                    if (outcome === "retryable") break;
                    continue;
                }
                this.spoolTurn = true;
                const batch = this.takeBatch();
                const result = await this.send(batch);
                if (result.kind === "retryable") {
                    this.retryBatch = batch;
                    this.backOff(result);
                    if (this.spool) {
                        // Keep them on disk while the collector is away; memory stays small.
                        const lines = [...(this.retryBatch ?? []), ...this.queue];
                        this.retryBatch = undefined;
                        this.queue = [];
                        for (const chunk of this.chunks(lines)) this.spoolLines(chunk);
                    }
                    break;
                }
                this.recovered();
            }
        } finally {
            this.sending = false;
        }
        this.notifyIfIdle();
        if ((this.pending > 0 || this.spoolWork) && !this.closed) this.schedule(0);
    }

    private backOff(result: { reason: string; retryAfterMs?: number }): void {
        this.stats.retries += 1;
        this.attempt += 1;
        const backoff = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.attempt - 1, 20));
        const delay = result.retryAfterMs !== undefined
            ? Math.min(result.retryAfterMs, Math.max(this.maxBackoffMs, 300_000))
            : Math.random() * backoff;
        this.outageUntil = Date.now() + delay;
        const keep = this.spool ? `; keeping them in ${this.spool.directory} and retrying` : "; retrying with backoff";
        this.reporter.once("collector-unreachable", `cannot deliver calls to ${this.client.ingestURL} (${result.reason})${keep}`);
    }

    private recovered(): void {
        this.attempt = 0;
        this.outageUntil = 0;
    }

    /**
     * Sends the oldest spool file: claims it (rename), deletes it on 2xx, puts it back on a retryable failure,
     * deletes it (dropped, one line) when refused or corrupt. 401/403 stop draining: this process's key is
     * refused, and the files may hold calls of a run that had a valid one.
     */
    private async drainOne(): Promise<"none" | "sent" | "retryable" | "dropped"> {
        const spool = this.spool;
        if (!spool) return "none";
        let file: ClaimedFile | undefined;
        try {
            file = await spool.claimOldest();
        } catch (error) {
            this.spoolFailed(error);
            return "none";
        }
        if (!file) {
            this.spoolMayHaveFiles = false;
            return "none";
        }
        this.claimed = file;
        try {
            return await this.sendClaimed(spool, file);
        } finally {
            this.claimed = undefined;
        }
    }

    private async sendClaimed(spool: DiskSpool, file: ClaimedFile): Promise<"sent" | "retryable" | "dropped" | "none"> {
        let body: Buffer;
        try {
            body = await fsp.readFile(file.claimPath);
            // Corrupt files never reach the collector: check that the body is gzip.
            await new Promise<void>((resolve, reject) => gunzip(body, (error) => (error ? reject(error) : resolve())));
        } catch (error) {
            this.stats.dropped += file.calls;
            this.reporter.once("spool-corrupt", `skipping unreadable spool file ${file.name} (${describeError(error)}); deleted`);
            await spool.remove(file).catch((removeError: unknown) => this.spoolFailed(removeError));
            return "dropped";
        }
        const result = await this.client.post(body);
        try {
            switch (result.kind) {
                case "acknowledged": {
                    await spool.remove(file);
                    const rejected = Math.min(result.rejected.length, file.calls);
                    this.stats.sent += file.calls - rejected;
                    this.stats.rejected += rejected;
                    this.stats.batchesSent += 1;
                    if (rejected > 0) {
                        const first = result.rejected[0];
                        this.reporter.once("rejected", `collector rejected ${rejected} of ${file.calls} calls (line ${first.line}: ${first.reason})`);
                    }
                    this.recovered();
                    return "sent";
                }
                case "retryable":
                    await spool.release(file);
                    this.backOff(result);
                    return "retryable";
                case "refused":
                    if (result.status === 401 || result.status === 403) {
                        await spool.release(file);
                        this.drainDisabled = true;
                        this.reporter.once(`refused-${result.status}`,
                            `collector refused spooled calls (${result.status}: ${result.message}); leaving them in ${spool.directory}`);
                        return "dropped";
                    }
                    await spool.remove(file);
                    this.stats.dropped += file.calls;
                    this.reporter.once(`refused-${result.status}`,
                        `collector refused a batch of ${file.calls} calls (${result.status}: ${result.message}); dropped`);
                    return "dropped";
            }
        } catch (error) {
            this.spoolFailed(error);
            return "none";
        }
    }

    /** Writes lines to the spool in the background; on an error they are dropped and the spool turned off. */
    private spoolLines(lines: Line[]): void {
        const spool = this.spool;
        if (lines.length === 0) return;
        if (!spool) {
            this.stats.dropped += lines.length;
            return;
        }
        this.spoolWrites += 1;
        const body = ndjson(lines);
        void new Promise<Buffer>((resolve, reject) => gzip(body, (error, result) => (error ? reject(error) : resolve(result))))
            .then((compressed) => spool.write(compressed, lines.length))
            .then((evicted) => {
                this.stats.spooled += lines.length;
                this.spoolMayHaveFiles = true;
                this.noteEvicted(evicted);
            }, (error: unknown) => {
                this.stats.dropped += lines.length;
                this.spoolFailed(error);
            })
            .finally(() => {
                this.spoolWrites -= 1;
                this.notifyIfIdle();
            });
    }

    private noteEvicted(calls: number): void {
        if (calls <= 0 || !this.spool) return;
        this.stats.dropped += calls;
        this.reporter.once("spool-full", `spool ${this.spool.directory} is full (${this.spool.maxBytes} bytes); deleting the oldest spooled calls`);
    }

    /** Any spool I/O error turns the spool off (fail open): from then on, undeliverable calls are dropped. */
    private spoolFailed(error: unknown): void {
        const directory = this.spool?.directory;
        if (!directory) return;
        this.spool = undefined;
        this.reporter.once("spool-io", `spool ${directory} turned off (${describeError(error)}); undeliverable calls are dropped from now on`);
    }

    /** Compresses and posts one batch; counts and reports the answer. */
    private async send(batch: Line[]): Promise<IngestResult> {
        const body = ndjson(batch);
        const compressed = await new Promise<Buffer>((resolve, reject) => {
            gzip(body, (error, result) => (error ? reject(error) : resolve(result)));
        });
        const result = await this.client.post(compressed);
        switch (result.kind) {
            case "acknowledged": {
                const rejected = Math.min(result.rejected.length, batch.length);
                this.stats.sent += batch.length - rejected;
                this.stats.rejected += rejected;
                this.stats.batchesSent += 1;
                if (rejected > 0) {
                    const first = result.rejected[0];
                    this.reporter.once("rejected", `collector rejected ${rejected} of ${batch.length} calls (line ${first.line}: ${first.reason})`);
                }
                break;
            }
            case "refused":
                this.stats.dropped += batch.length;
                this.reporter.once(`refused-${result.status}`,
                    `collector refused a batch of ${batch.length} calls (${result.status}: ${result.message}); dropped`);
                break;
            case "retryable":
                break;
        }
        return result;
    }

    /** Nothing queued, sending or being written to the spool. */
    private get idle(): boolean {
        return !this.sending && this.pending === 0 && this.spoolWrites === 0 && !this.spoolWork;
    }

    private notifyIfIdle(): void {
        if (!this.idle) return;
        const waiters = this.waiters;
        this.waiters = [];
        for (const waiter of waiters) waiter();
    }
}

/** The NDJSON body of a batch. */
function ndjson(lines: Line[]): Buffer {
    return Buffer.from(lines.map((line) => line.text).join("\n") + "\n", "utf8");
}

function describeError(error: unknown): string {
    const code = (error as { code?: unknown })?.code;
    const message = error instanceof Error ? error.message : String(error);
    return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}
