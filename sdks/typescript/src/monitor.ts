import { Call } from "./call";
import { encodeCall } from "./callCodec";
import { CallIdGenerator } from "./callIds";
import { TrackerOptions } from "./callTracker";
import { ConnectionTap, TapEvent, TapOwner, TransportLike, transportKind } from "./connectionTap";
import { dispatchMiddleware } from "./dispatchTap";
import { MonitorOptions, resolveEndpoint, resolveSpoolDirectory } from "./options";
import { PayloadPolicy } from "./payloadPolicy";
import { Redactor } from "./redactor";
import { Reporter, writeToStandardError } from "./reporter";
import { ServerShape, recognizeServer } from "./serverShape";
import { runtime, Ticking } from "./runtime";
import { Shipper, ShipperStats } from "./shipper";

/** Counters of one monitor. */
export interface MonitorStats extends ShipperStats {
    /** Messages seen on monitored transports. */
    messages: number;
    /** Calls produced (before `beforeSend`). */
    calls: number;
    /** Calls `beforeSend` dropped. */
    droppedByHook: number;
    /** Connections tapped. */
    connections: number;
}

/** What ``monitor`` returns: state, counters, and the flush/shutdown controls. */
export interface TelltaleMonitor {
    /** False when monitoring is off (no endpoint or key, unrecognised server, or disabled after an internal error). */
    readonly enabled: boolean;
    /** Why monitoring is off, when it is. */
    readonly disabledReason: string | undefined;
    readonly stats: MonitorStats;
    /** Sends every call captured so far; resolves true once delivered, false after `timeoutMs` (default 10 s). Never rejects. */
    flush(timeoutMs?: number): Promise<boolean>;
    /** Flushes, then stops: later messages are no longer captured. Never rejects. */
    shutdown(timeoutMs?: number): Promise<boolean>;
}

/** The monitor of each server object, so a second monitor() call on it does not capture twice. */
const monitors = new WeakMap<object, TelltaleMonitor>();
const emptyStats = (): MonitorStats => ({
    messages: 0, calls: 0, droppedByHook: 0, connections: 0, sent: 0, rejected: 0, dropped: 0, spooled: 0, retries: 0, batchesSent: 0,
});

/** A monitor that does nothing (monitoring off); the server is left exactly as it was. */
class DisabledMonitor implements TelltaleMonitor {
    readonly enabled = false;
    readonly stats = emptyStats();
    constructor(readonly disabledReason: string) {}
    flush(): Promise<boolean> {
        return Promise.resolve(true);
    }
    shutdown(): Promise<boolean> {
        return Promise.resolve(true);
    }
}

/** The live monitor of one server: taps connections, pairs in a background drain, ships. */
class Monitor implements TelltaleMonitor, Ticking {
    disabledReason: string | undefined;
    private readonly counters = emptyStats();
    private readonly ids = new CallIdGenerator();
    private readonly trackerOptions: TrackerOptions;
    private readonly events: TapEvent[] = [];
    /** Live connections, held weakly: a transport the application dropped without closing is not kept alive. */
    private readonly taps = new Map<ConnectionTap["connectionId"], WeakRef<ConnectionTap>>();
    private drainScheduled = false;
    private static readonly inlineDrainEvents = 1024;
    private stopped = false;
    private readonly registration: WeakRef<Ticking>;

    constructor(
        private readonly options: MonitorOptions,
        private readonly reporter: Reporter,
        private readonly shipper: Shipper,
        payloads: PayloadPolicy
    ) {
        this.trackerOptions = {
            transport: "memory",
            tags: { ...(options.tags ?? {}) },
            payloads,
            requestTimeoutMs: options.requestTimeoutMs ?? 300_000,
            ids: this.ids,
        };
        this.registration = runtime.register(this);
    }

    get enabled(): boolean {
        return this.disabledReason === undefined;
    }

    get stats(): MonitorStats {
        return { ...this.counters, ...this.shipper.stats };
    }

    /** Wraps `connect` of every object in `shape` so each new transport is tapped before the SDK starts it. */
    attach(shape: ServerShape): void {
        for (const target of shape.connectTargets) {
            const original = target.connect as (transport: unknown, ...rest: unknown[]) => unknown;
            const monitor = this;
            target.connect = function (this: unknown, transport: unknown, ...rest: unknown[]): unknown {
                monitor.tap(transport, shape, false);
                return original.call(this, transport, ...rest);
            };
        }
        if (shape.dispatcher) {
            // 2.x: requests dispatched without a transport (handle(), handleHttp(), bound HTTP transports).
            const serverInfo = shape.serverInfo();
            try {
                shape.dispatcher.use(dispatchMiddleware(
                    () => ({ ...this.trackerOptions, tags: { ...this.trackerOptions.tags } }),
                    (event) => {
                        if (serverInfo && !event.tap.tracker.server) event.tap.tracker.server = serverInfo;
                        this.enqueue(event);
                    },
                    () => this.enabled && !this.stopped,
                    () => this.ids.next(),
                    (error) => this.fail(error)
                ) as (next: unknown) => unknown);
            } catch (error) {
                this.reporter.once("dispatcher-shape", `dispatch middleware not installed (${describe(error)}); ` +
                    "requests handled without a transport are not monitored");
            }
        }
        const live = shape.currentTransport();
        if (live) {
            this.reporter.once("late-attach",
                "monitor() was called after the server connected: the initialize handshake of this connection was missed; " +
                "its later calls are recorded in a new session, with the client identity the server reports. " +
                "Call monitor() before connect() to capture every message.");
            this.tap(live, shape, true);
        }
    }

    /** Taps one transport unless it is tapped already; a transport it does not understand is left alone (one log line). */
    tap(transport: unknown, shape: ServerShape, late: boolean): void {
        if (!this.enabled || typeof transport !== "object" || transport === null) return;
        try {
            if (ConnectionTap.isTapped(transport)) return;
            const options = { ...this.trackerOptions, transport: this.options.transport ?? transportKind(transport) };
            const tap = new ConnectionTap(
                transport as TransportLike, options, (event) => this.enqueue(event), () => this.enabled && !this.stopped,
                (error) => this.fail(error)
            );
            tap.install();
            tap.lateAttached = late;
            if (late) tap.presetClient(shape.clientVersion());
            tap.presetServer(shape.serverInfo());
            this.taps.set(tap.connectionId, new WeakRef(tap));
            this.counters.connections += 1;
        } catch (error) {
            this.reporter.once("transport-shape", `${describe(error)}; this connection is not monitored`);
        }
    }

    /**
     * Hot path: remember the event, drain later (never sends here). A server that answers entirely in
     * microtasks (in-memory transports) can starve `setImmediate`; past ``inlineDrainEvents`` pending events
     * the drain runs inline, so memory stays bounded.
     */
    private enqueue(event: TapEvent): void {
        this.events.push(event);
        if (this.events.length >= Monitor.inlineDrainEvents) {
            this.drain();
            return;
        }
        if (!this.drainScheduled) {
            this.drainScheduled = true;
            setImmediate(() => this.safely(() => this.drain()));
        }
    }

    /** Pairs the events seen so far into Calls and queues them for the shipper. */
    private drain(): void {
        this.drainScheduled = false;
        if (this.events.length === 0) return;
        const events = this.events.splice(0, this.events.length);
        const calls: Call[] = [];
        for (const event of events) {
            if (event.type === "close") {
                event.tap.tracker.close(event.now, calls);
                if (event.tap instanceof ConnectionTap) this.taps.delete(event.tap.connectionId);
                continue;
            }
            this.counters.messages += 1;
            if (event.source === "client" && !event.tap.sawFirstClientMessage) {
                event.tap.sawFirstClientMessage = true;
                this.checkFirstMessage(event.tap, event.message);
            }
            const text = JSON.stringify(event.message) ?? "";
            const bytes = Buffer.byteLength(text, "utf8");
            const context = event.source === "client" ? ConnectionTap.context(event.extra) : undefined;
            event.tap.tracker.observe(event.message, event.source, event.now, bytes, calls, context);
        }
        this.ship(calls);
    }

    /** Warns once when a connection's first client message is not the start of a session (attached too late). */
    private checkFirstMessage(tap: TapOwner, message: unknown): void {
        if (tap.lateAttached || typeof message !== "object" || message === null) return;
        const method = (message as { method?: unknown }).method;
        const meta = (message as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
        const modern = typeof meta === "object" && meta !== null && "io.modelcontextprotocol/protocolVersion" in meta;
        if (method === "initialize" || method === "server/discover" || modern) return;
        this.reporter.once("late-first-message",
            `the first message seen on a connection was '${String(method ?? "a response")}', not initialize: ` +
            "the monitor was attached after the handshake, so client identity is unknown for that session");
    }

    /** Once a second (process-wide timer): drain, and expire requests open past the timeout. */
    tick(): void {
        if (!this.enabled || this.stopped) return;
        this.safely(() => this.expire());
    }

    drainForExit(): void {
        if (!this.stopped) this.safely(() => this.drain());
    }

    private expire(): void {
        this.drain();
        const now = performance.now();
        const calls: Call[] = [];
        for (const [id, ref] of this.taps) {
            const tap = ref.deref();
            if (tap) tap.tracker.expire(now, calls);
            else this.taps.delete(id);
        }
        this.ship(calls);
    }

    private ship(calls: Call[]): void {
        if (calls.length === 0) return;
        this.counters.calls += calls.length;
        const lines: string[] = [];
        for (const call of calls) {
            const kept = this.applyHook(call);
            if (kept) lines.push(encodeCall(kept));
        }
        this.shipper.enqueue(lines);
    }

    /**
     * `beforeSend`: its result, or the call unchanged when it throws or returns something that is not a Call.
     * The hook gets a deep copy: payloads may share objects with the server's own messages (redaction copies
     * only what it changes), and a hook that edits them must not reach into the server.
     */
    private applyHook(call: Call): Call | undefined {
        const hook = this.options.beforeSend;
        if (!hook) return call;
        const copy = JSON.parse(JSON.stringify(call)) as Call;
        let result: Call | null | undefined;
        try {
            result = hook(copy);
        } catch (error) {
            this.reporter.once("hook-threw", `beforeSend threw (${describe(error)}); the call is sent unchanged`);
            return call;
        }
        if (result === null || result === undefined) {
            this.counters.droppedByHook += 1;
            return undefined;
        }
        if (typeof result !== "object" || typeof result.id !== "string" || typeof result.method !== "string"
            || typeof result.session !== "string" || typeof result.startedAt !== "string") {
            this.reporter.once("hook-shape", "beforeSend returned something that is not a Call; the call is sent unchanged");
            return call;
        }
        return result;
    }

    /** An internal error: monitoring turns itself off (one log line); the server goes on unmonitored. */
    fail(error: unknown): void {
        if (this.disabledReason !== undefined) return;
        this.disabledReason = `internal error: ${describe(error)}`;
        this.reporter.once("internal-error", `internal error (${describe(error)}); monitoring disabled, the server is unaffected`);
        this.events.length = 0;
        runtime.unregister(this.registration);
    }

    private safely(body: () => void): void {
        if (!this.enabled) return;
        try {
            body();
        } catch (error) {
            this.fail(error);
        }
    }

    flush(timeoutMs = 10_000): Promise<boolean> {
        this.safely(() => this.drain());
        return this.shipper.flush(timeoutMs).catch(() => false);
    }

    async shutdown(timeoutMs = 10_000): Promise<boolean> {
        const delivered = await this.flush(timeoutMs);
        this.stopped = true;
        runtime.unregister(this.registration);
        return delivered;
    }
}

function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/**
 * Monitors an MCP server of `@modelcontextprotocol/sdk` (1.x or 2.x; `Server` or `McpServer`) from inside:
 * every message of every transport it connects to from now on is paired into Call records and shipped to
 * the Telltale collector. Call it before `connect()`.
 *
 * Never throws and never changes what the server does: without endpoint or key, for a server it does not
 * recognise, or after an internal error, monitoring is off with one log line and the server runs as before.
 */
export function monitor(server: unknown, options: MonitorOptions = {}): TelltaleMonitor {
    const reporter = new Reporter(options.logger ?? writeToStandardError);
    try {
        const existing = typeof server === "object" && server !== null ? monitors.get(server) : undefined;
        if (existing) return existing;
        const { endpoint, apiKey } = resolveEndpoint(options);
        if (!endpoint || !apiKey) {
            const missing = !endpoint && !apiKey ? "TELLTALE_ENDPOINT and TELLTALE_API_KEY" : !endpoint ? "TELLTALE_ENDPOINT" : "TELLTALE_API_KEY";
            const reason = `monitoring disabled: ${missing} not set (nor given as options)`;
            reporter.once("disabled", reason);
            return new DisabledMonitor(reason);
        }
        if (!/^https?:\/\//i.test(endpoint)) {
            const reason = `monitoring disabled: endpoint '${endpoint}' is not an http(s) URL`;
            reporter.once("disabled", reason);
            return new DisabledMonitor(reason);
        }
        const shape = recognizeServer(server);
        if (typeof shape === "string") {
            const reason = `monitoring disabled: ${shape}; the server runs unmonitored`;
            reporter.once("disabled", reason);
            return new DisabledMonitor(reason);
        }
        const redactor = new Redactor(options.redactKeys ?? []);
        const payloads = new PayloadPolicy(options.capturePayloads !== false, redactor, options.maxPayloadBytes ?? PayloadPolicy.defaultMaxBytes);
        const shipper = runtime.shipper({
            endpoint, apiKey,
            flushIntervalMs: options.flushIntervalMs,
            maxBatchCalls: options.maxBatchCalls,
            maxQueuedCalls: options.maxQueuedCalls,
            requestTimeoutMs: options.ingestTimeoutMs,
            spoolDirectory: resolveSpoolDirectory(options, endpoint),
            maxSpoolBytes: options.maxSpoolBytes,
        }, reporter, options.flushOnExit !== false);
        const live = new Monitor(options, reporter, shipper, payloads);
        monitors.set(server as object, live);
        live.attach(shape);
        return live;
    } catch (error) {
        const reason = `monitoring disabled: ${describe(error)}`;
        reporter.once("disabled", reason);
        return new DisabledMonitor(reason);
    }
}
