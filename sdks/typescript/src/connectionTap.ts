import { CallTransport, PeerInfo } from "./call";
import { CallTracker, MessageContext, MessageSource, TrackerOptions } from "./callTracker";
import { MCPMessage, parseTraceparent } from "./mcpMessage";

/** What owns the pairing state of the events it emits: a connection, or one dispatched request. */
export interface TapOwner {
    readonly tracker: CallTracker;
    /** Set when the monitor attached after the handshake. */
    lateAttached: boolean;
    /** Whether the first client message was already looked at (late-attach detection). */
    sawFirstClientMessage: boolean;
}

/** One thing a tap saw, handed to the monitor's background drain. */
export type TapEvent =
    | { type: "message"; tap: TapOwner; source: MessageSource; message: unknown; now: number; extra: unknown }
    | { type: "close"; tap: TapOwner; now: number };

/** A transport, as far as the tap needs it: the SDK's `Transport` interface (start/send/close/on*). */
export interface TransportLike {
    start?: () => Promise<void>;
    send: (message: unknown, options?: unknown) => Promise<void>;
    close?: () => Promise<void>;
    onmessage?: ((message: unknown, extra?: unknown) => void) | undefined;
    onclose?: (() => void) | undefined;
    onerror?: ((error: Error) => void) | undefined;
    sessionId?: string;
}

/** The shape of a transport is not one the tap understands (e.g. frozen callbacks). */
export class TransportShapeError extends Error {
    constructor(reason: string) {
        super(`transport not understood: ${reason}`);
        this.name = "TransportShapeError";
    }
}

/** Marks a transport already tapped (a server reconnected to it, or McpServer and its Server both patched). */
const TAPPED = Symbol.for("telltale.mcp.tapped");

/** The transport label for a transport class the SDK knows; `memory` for in-memory pairs and custom transports. */
export function transportKind(transport: object): CallTransport {
    const name = (transport as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name !== "string") return "memory";
    if (/^Stdio/.test(name)) return "stdio";
    if (/StreamableHTTP/i.test(name)) return "http";
    if (/^SSE/.test(name)) return "sse";
    return "memory";
}

/**
 * Observes every message of one connection: installs itself on the transport's `onmessage`, `onclose`
 * (through property accessors, so whatever `Protocol.connect` assigns is wrapped) and `send`.
 * The hot path only records the message, the time and the extra info and hands them to `emit`;
 * parsing, pairing and encoding happen in the monitor's background drain.
 */
export class ConnectionTap implements TapOwner {
    /**
     * How many tapped `onmessage` calls are on the stack (all taps): a request the SDK dispatches
     * synchronously from a tapped transport is not recorded a second time by the dispatch tap.
     */
    static inboundDepth = 0;
    readonly tracker: CallTracker;
    /** The capture-generated session id of this connection (used when the transport has none). */
    readonly connectionId: string;
    /** Set when the monitor attached after the handshake. */
    lateAttached = false;
    /** Whether the first client message was already looked at (late-attach detection). */
    sawFirstClientMessage = false;
    private depth = 0;

    constructor(
        readonly transport: TransportLike,
        options: TrackerOptions,
        private readonly emit: (event: TapEvent) => void,
        private readonly isActive: () => boolean,
        private readonly fail: (error: unknown) => void
    ) {
        this.connectionId = options.ids.next();
        this.tracker = new CallTracker((message) => this.sessionFor(message), options);
    }

    /** Whether `transport` is already tapped. */
    static isTapped(transport: object): boolean {
        return (transport as Record<symbol, unknown>)[TAPPED] === true;
    }

    /** Installs the wrappers; throws ``TransportShapeError`` (nothing changed) when the transport cannot be tapped. */
    install(): void {
        const transport = this.transport as unknown as Record<string | symbol, unknown>;
        if (typeof transport.send !== "function") throw new TransportShapeError("no send() function");
        if (Object.isFrozen(transport) || !Object.isExtensible(transport)) throw new TransportShapeError("the object is frozen");
        for (const name of ["onmessage", "onclose"]) {
            const own = Object.getOwnPropertyDescriptor(transport, name);
            if (own && !own.configurable) throw new TransportShapeError(`'${name}' cannot be redefined`);
        }
        const sendDescriptor = Object.getOwnPropertyDescriptor(transport, "send");
        if (sendDescriptor && !sendDescriptor.writable && !sendDescriptor.set) throw new TransportShapeError("'send' cannot be replaced");

        this.wrapCallback("onmessage", (original) => {
            const tap = this;
            return function (this: unknown, message: unknown, extra?: unknown): unknown {
                if (tap.depth === 0 && tap.isActive()) tap.record("client", message, extra);
                tap.depth += 1;
                ConnectionTap.inboundDepth += 1;
                try {
                    return (original as (m: unknown, e?: unknown) => unknown).apply(this, arguments as unknown as [unknown, unknown]);
                } finally {
                    tap.depth -= 1;
                    ConnectionTap.inboundDepth -= 1;
                }
            };
        });
        this.wrapCallback("onclose", (original) => {
            const tap = this;
            return function (this: unknown): unknown {
                if (tap.depth === 0 && tap.isActive()) tap.recordClose();
                tap.depth += 1;
                try {
                    return (original as () => unknown).apply(this, arguments as unknown as []);
                } finally {
                    tap.depth -= 1;
                }
            };
        });
        const originalSend = transport.send as (message: unknown, options?: unknown) => Promise<void>;
        const tap = this;
        transport.send = function (this: unknown, message: unknown): Promise<void> {
            if (tap.isActive()) tap.record("server", message, undefined);
            return originalSend.apply(this, arguments as unknown as [unknown, unknown]);
        };
        Object.defineProperty(transport, TAPPED, { value: true, configurable: true, enumerable: false });
    }

    /** Presets the client identity the server already knows (late attach: the initialize was missed). */
    presetClient(client: PeerInfo | undefined): void {
        if (client && !this.tracker.client) this.tracker.client = client;
    }

    /** Presets the server's own identity; what the wire says (initialize result, `_meta`) replaces it. */
    presetServer(server: PeerInfo | undefined): void {
        if (server && !this.tracker.server) this.tracker.server = server;
    }

    /** The session of a Call: the transport's session id (HTTP), else for 2026-07-28 traffic the trace id, else the connection. */
    sessionFor(message: MCPMessage): string {
        const sessionId = this.transport.sessionId;
        if (typeof sessionId === "string" && sessionId !== "") return sessionId;
        if (message.method !== "initialize" && message.protocolVersion !== undefined && message.traceparent !== undefined
            && (message.kind === "request" || message.kind === "notification")) {
            const trace = parseTraceparent(message.traceparent);
            if (trace && this.tracker.options.transport === "http") return trace.traceId;
        }
        return this.connectionId;
    }

    /** What the transport's `extra` tells about an inbound message (HTTP: `traceparent` and `User-Agent` headers). */
    static context(extra: unknown): MessageContext | undefined {
        const headers = (extra as { requestInfo?: { headers?: unknown } } | undefined)?.requestInfo?.headers;
        if (typeof headers !== "object" || headers === null) return undefined;
        const read = (name: string): string | undefined => {
            const record = headers as Record<string, unknown>;
            const value = typeof (headers as { get?: unknown }).get === "function"
                ? (headers as { get: (n: string) => unknown }).get(name)
                : record[name] ?? record[name.toLowerCase()];
            if (Array.isArray(value)) return typeof value[0] === "string" ? value[0] : undefined;
            return typeof value === "string" ? value : undefined;
        };
        const context: MessageContext = {};
        const traceparent = read("traceparent");
        if (traceparent) context.trace = parseTraceparent(traceparent, read("tracestate"));
        const agent = read("user-agent");
        if (agent) {
            const [product] = agent.trim().split(/\s+/);
            const slash = product.indexOf("/");
            context.fallbackClient = slash > 0 ? { name: product.slice(0, slash), version: product.slice(slash + 1) } : { name: product };
        }
        return context;
    }

    private record(source: MessageSource, message: unknown, extra: unknown): void {
        try {
            this.emit({ type: "message", tap: this, source, message, now: performance.now(), extra });
        } catch (error) {
            this.fail(error);
        }
    }

    private recordClose(): void {
        try {
            this.emit({ type: "close", tap: this, now: performance.now() });
        } catch (error) {
            this.fail(error);
        }
    }

    /**
     * Makes `name` an accessor whose assigned functions are stored wrapped. When the transport class itself
     * defines `name` as an accessor (a transport forwarding to another), its getter/setter keep doing their work.
     */
    private wrapCallback(name: string, wrap: (original: unknown) => unknown): void {
        const target = this.transport as unknown as Record<string, unknown>;
        const inherited = findAccessor(Object.getPrototypeOf(target), name);
        const current = target[name];
        const wrapIfFunction = (value: unknown): unknown => (typeof value === "function" ? wrap(value) : value);
        if (inherited) {
            Object.defineProperty(target, name, {
                configurable: true,
                enumerable: true,
                get(this: unknown) {
                    return inherited.get ? inherited.get.call(this) : undefined;
                },
                set(this: unknown, value: unknown) {
                    inherited.set?.call(this, wrapIfFunction(value));
                },
            });
            if (typeof current === "function") target[name] = current;
            return;
        }
        let stored = wrapIfFunction(current);
        Object.defineProperty(target, name, {
            configurable: true,
            enumerable: true,
            get() {
                return stored;
            },
            set(value: unknown) {
                stored = wrapIfFunction(value);
            },
        });
    }
}

function findAccessor(prototype: object | null, name: string): PropertyDescriptor | undefined {
    for (let object = prototype; object && object !== Object.prototype; object = Object.getPrototypeOf(object)) {
        const descriptor = Object.getOwnPropertyDescriptor(object, name);
        if (descriptor) return descriptor.get || descriptor.set ? descriptor : undefined;
    }
    return undefined;
}
