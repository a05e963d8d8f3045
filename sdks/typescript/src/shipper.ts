import { gzip } from "node:zlib";
import { IngestClient, IngestResult } from "./ingestClient";
import { Reporter } from "./reporter";

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
}

/** Counters of what the shipper did. */
export interface ShipperStats {
    /** Calls the collector accepted. */
    sent: number;
    /** Calls the collector rejected line by line. */
    rejected: number;
    /** Calls dropped: queue full, batch refused (4xx), or undelivered at exit. */
    dropped: number;
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
 * keeps a process alive. There is no disk spool: calls still queued when the process dies are lost.
 */
export class Shipper {
    readonly stats: ShipperStats = { sent: 0, rejected: 0, dropped: 0, retries: 0, batchesSent: 0 };
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

    constructor(config: ShipperConfig, private readonly reporter: Reporter) {
        this.client = new IngestClient(config.endpoint, config.apiKey, config.requestTimeoutMs ?? 10_000);
        this.maxBatchCalls = Math.max(1, config.maxBatchCalls ?? 500);
        this.maxBatchBytes = Math.max(1, config.maxBatchBytes ?? 1 << 20);
        this.flushIntervalMs = Math.max(0, config.flushIntervalMs ?? 1000);
        this.maxQueuedCalls = Math.max(1, config.maxQueuedCalls ?? 10_000);
        this.initialBackoffMs = Math.max(1, config.initialBackoffMs ?? 250);
        this.maxBackoffMs = Math.max(this.initialBackoffMs, config.maxBackoffMs ?? 30_000);
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
        if (this.pending === 0 && !this.sending) return Promise.resolve(true);
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
            let batch = this.takeBatch();
            while (batch.length > 0) {
                const result = await this.send(batch);
                if (result.kind === "retryable") {
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

    /** Stops timers and closes idle connections; later calls are dropped. */
    close(): void {
        this.closed = true;
        this.cancelTimer();
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

    private async pump(): Promise<void> {
        if (this.sending || this.closed) return;
        this.sending = true;
        try {
            while (this.pending > 0 && !this.closed) {
                const batch = this.takeBatch();
                const result = await this.send(batch);
                if (result.kind === "retryable") {
                    this.retryBatch = batch;
                    this.stats.retries += 1;
                    this.attempt += 1;
                    const backoff = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.attempt - 1, 20));
                    const delay = result.retryAfterMs !== undefined
                        ? Math.min(result.retryAfterMs, Math.max(this.maxBackoffMs, 300_000))
                        : Math.random() * backoff;
                    this.outageUntil = Date.now() + delay;
                    this.reporter.once("collector-unreachable",
                        `cannot deliver calls to ${this.client.ingestURL} (${result.reason}); retrying with backoff`);
                    break;
                }
                this.attempt = 0;
                this.outageUntil = 0;
            }
        } finally {
            this.sending = false;
        }
        this.notifyIfIdle();
        if (this.pending > 0 && !this.closed) this.schedule(0);
    }

    /** Compresses and posts one batch; counts and reports the answer. */
    private async send(batch: Line[]): Promise<IngestResult> {
        const body = Buffer.from(batch.map((line) => line.text).join("\n") + "\n", "utf8");
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

    private notifyIfIdle(): void {
        if (this.sending || this.pending > 0) return;
        const waiters = this.waiters;
        this.waiters = [];
        for (const waiter of waiters) waiter();
    }
}
