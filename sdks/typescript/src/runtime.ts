import { Reporter } from "./reporter";
import { Shipper, ShipperConfig } from "./shipper";

/** What the process-wide runtime needs of a live monitor. */
export interface Ticking {
    /** Drains pending events and expires timed-out requests (about once a second). */
    tick(): void;
    /** Drains pending events before the process exits. */
    drainForExit(): void;
}

/**
 * Process-wide state shared by every monitor, so that a server created per request (the 1.x stateless
 * HTTP pattern: `new McpServer()` + `monitor()` + `connect()` for each request) costs no listener, timer or
 * connection pool of its own and can be garbage-collected:
 *
 * - one shipper (queue, keep-alive agent, retry state) per endpoint, key and batching settings;
 * - one unref'd once-a-second tick over the live monitors, held through `WeakRef`s;
 * - one `beforeExit` listener that drains the live monitors and gives every shipper its last attempt
 *   (what it cannot deliver goes to the disk spool), and one `exit` listener that spools what is left.
 */
class Runtime {
    private readonly shippers = new Map<string, { shipper: Shipper; flushOnExit: boolean }>();
    private readonly monitors = new Set<WeakRef<Ticking>>();
    private timer: NodeTimer | undefined;
    private exitHooked = false;

    /** The shipper for these settings, created on first use (its log lines go to the first monitor's logger). */
    shipper(config: ShipperConfig, reporter: Reporter, flushOnExit: boolean): Shipper {
        const key = JSON.stringify([config.endpoint, config.apiKey, config.flushIntervalMs, config.maxBatchCalls,
            config.maxQueuedCalls, config.requestTimeoutMs, config.spoolDirectory ?? null, config.maxSpoolBytes]);
        let entry = this.shippers.get(key);
        if (!entry) {
            entry = { shipper: new Shipper(config, reporter), flushOnExit };
            this.shippers.set(key, entry);
        }
        entry.flushOnExit = entry.flushOnExit || flushOnExit;
        return entry.shipper;
    }

    /** Forgets a shipper that was closed. */
    forget(shipper: Shipper): void {
        for (const [key, entry] of this.shippers) if (entry.shipper === shipper) this.shippers.delete(key);
    }

    register(monitor: Ticking): WeakRef<Ticking> {
        const ref = new WeakRef(monitor);
        this.monitors.add(ref);
        if (!this.timer) {
            this.timer = setInterval(() => this.tick(), 1000);
            this.timer.unref();
        }
        if (!this.exitHooked) {
            this.exitHooked = true;
            process.on("beforeExit", () => this.beforeExit());
            // process.exit() (or the last beforeExit attempt failing) leaves calls in memory: spooled synchronously.
            process.on("exit", () => this.atExit());
        }
        return ref;
    }

    unregister(ref: WeakRef<Ticking>): void {
        this.monitors.delete(ref);
    }

    /** Live monitors (tests). */
    get liveMonitors(): number {
        let count = 0;
        for (const ref of this.monitors) if (ref.deref()) count += 1;
        return count;
    }

    private each(body: (monitor: Ticking) => void): void {
        for (const ref of [...this.monitors]) {
            const monitor = ref.deref();
            if (!monitor) {
                this.monitors.delete(ref);
                continue;
            }
            body(monitor);
        }
    }

    private tick(): void {
        this.each((monitor) => monitor.tick());
    }

    private atExit(): void {
        try {
            // process.exit() skips beforeExit: the events seen so far become calls first.
            this.each((monitor) => monitor.drainForExit());
        } catch {
            // Never disturb the exit.
        }
        for (const entry of this.shippers.values()) {
            if (entry.flushOnExit && entry.shipper.spoolDirectory !== undefined) {
                try {
                    entry.shipper.spoolLeftoversSync();
                } catch {
                    // Never disturb the exit.
                }
            }
        }
    }

    private beforeExit(): void {
        this.each((monitor) => monitor.drainForExit());
        for (const entry of this.shippers.values()) {
            if (entry.flushOnExit && entry.shipper.pending > 0) void entry.shipper.flushAtExit();
        }
    }
}

/** The one runtime of this process. */
export const runtime = new Runtime();
