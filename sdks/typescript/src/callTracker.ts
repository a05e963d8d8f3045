import { Call, CallDirection, CallOutcome, CallTransport, PeerInfo, TraceContext } from "./call";
import { CallIdGenerator } from "./callIds";
import { MCPMessage, parseTraceparent, scanMessage } from "./mcpMessage";
import { PayloadPolicy } from "./payloadPolicy";
import { epochMicros, formatRFC3339 } from "./rfc3339";

/** Which peer wrote a message: the MCP client (inbound on a server) or the MCP server (outbound). */
export type MessageSource = "client" | "server";

/** Settings of one tracker (one connection). */
export interface TrackerOptions {
    transport: CallTransport;
    tags: Record<string, string>;
    payloads: PayloadPolicy;
    /** After this long without an outcome a request is recorded as `noResponse` (default 300 s). */
    requestTimeoutMs: number;
    ids: CallIdGenerator;
}

/** What the transport tells about one inbound message beyond its JSON (HTTP headers). */
export interface MessageContext {
    /** Trace context of the transport (`traceparent` header); `_meta` wins. */
    trace?: TraceContext;
    /** Identity used when neither the message nor the session names a client (`User-Agent`). */
    fallbackClient?: PeerInfo;
}

interface Pending {
    call: Call;
    startedAt: number;
    /** The client identity to stamp when neither the message nor the session names one. */
    fallbackClient?: PeerInfo;
}

function requestDirection(source: MessageSource): CallDirection {
    return source === "client" ? "toServer" : "toClient";
}

/**
 * Pairs JSON-RPC requests with their outcomes in both directions and stamps session identity,
 * with the rules of `CallTracker.swift`: ids of client→server and server→client requests are separate
 * spaces; identity (client, server, protocol version) is learnt from `initialize` and from 2026-07-28
 * `_meta` keys, remembered for the session and stamped on every later Call.
 */
export class CallTracker {
    client?: PeerInfo;
    server?: PeerInfo;
    protocolVersion?: string;
    /** Responses whose id matched no open request. */
    unmatchedResponses = 0;
    private readonly pending = new Map<string, Pending>();

    constructor(readonly session: (message: MCPMessage) => string, readonly options: TrackerOptions) {}

    /** Requests waiting for an outcome. */
    get openRequests(): number {
        return this.pending.size;
    }

    /** Processes one message seen at `now` (a `performance.now()` reading); completed Calls go to `out`. */
    observe(raw: unknown, source: MessageSource, now: number, byteCount: number, out: Call[], context?: MessageContext): void {
        if (Array.isArray(raw)) {
            for (const element of raw) this.observe(element, source, now, byteCount, out, context);
            return;
        }
        const message = scanMessage(raw);
        if (!message) return;
        this.learnIdentity(message, source);
        switch (message.kind) {
            case "request":
                this.startRequest(message, source, now, byteCount, out, context);
                break;
            case "notification":
                this.recordNotification(message, source, now, byteCount, out, context);
                break;
            default:
                this.completeRequest(message, source, now, byteCount, out);
        }
    }

    /** Records every request open for longer than the timeout as `noResponse`. */
    expire(now: number, out: Call[]): void {
        const timeout = this.options.requestTimeoutMs;
        for (const [key, entry] of [...this.pending]) {
            if (now - entry.startedAt < timeout) continue;
            this.pending.delete(key);
            out.push(this.ended(entry, "noResponse", `no response within ${timeout / 1000} s`, now));
        }
    }

    /** The connection closed: every open request becomes `noResponse` with `reason`. */
    close(now: number, out: Call[], reason = "connection closed"): void {
        const entries = [...this.pending.values()].sort((a, b) => a.startedAt - b.startedAt);
        this.pending.clear();
        for (const entry of entries) out.push(this.ended(entry, "noResponse", reason, now));
    }

    private learnIdentity(message: MCPMessage, source: MessageSource): void {
        if (source === "client") {
            if (message.clientInfo && (message.kind === "request" || message.kind === "notification")) this.client = message.clientInfo;
            if (message.protocolVersion !== undefined && (message.method !== "initialize" || this.protocolVersion === undefined)) {
                this.protocolVersion = message.protocolVersion;
            }
        } else {
            if (message.serverInfo) this.server = message.serverInfo;
            if (message.kind === "response" && message.protocolVersion !== undefined) this.protocolVersion = message.protocolVersion;
        }
    }

    private newCall(message: MCPMessage, kind: "request" | "notification", source: MessageSource, now: number,
                    byteCount: number, context?: MessageContext): Call {
        const micros = epochMicros(now);
        const call: Call = {
            id: this.options.ids.next(micros / 1000),
            startedAt: formatRFC3339(micros),
            durationNs: 0,
            kind,
            direction: requestDirection(source),
            method: message.method ?? "",
            outcome: "ok",
            session: this.session(message),
            transport: this.options.transport,
            tags: { ...this.options.tags },
            requestBytes: byteCount,
            responseBytes: 0,
        };
        if (message.target !== undefined) call.target = message.target;
        if (message.id !== undefined) call.requestId = message.id;
        const request = this.options.payloads.payload(message.params, byteCount);
        if (request !== undefined) call.request = request;
        if (source === "client") {
            if (message.clientInfo) call.client = message.clientInfo;
            if (message.method !== "initialize" && message.protocolVersion !== undefined) call.protocolVersion = message.protocolVersion;
        }
        if (message.traceparent !== undefined) {
            const trace = parseTraceparent(message.traceparent, message.tracestate);
            if (trace) call.trace = trace;
        }
        if (!call.trace && source === "client" && context?.trace) call.trace = context.trace;
        return call;
    }

    private startRequest(message: MCPMessage, source: MessageSource, now: number, byteCount: number, out: Call[],
                         context?: MessageContext): void {
        if (message.id === undefined) return;
        const call = this.newCall(message, "request", source, now, byteCount, context);
        const key = `${call.direction}:${message.id}`;
        const previous = this.pending.get(key);
        if (previous) out.push(this.ended(previous, "noResponse", "superseded by a new request with the same id", now));
        this.pending.set(key, { call, startedAt: now, fallbackClient: context?.fallbackClient });
    }

    private recordNotification(message: MCPMessage, source: MessageSource, now: number, byteCount: number, out: Call[],
                               context?: MessageContext): void {
        const direction = requestDirection(source);
        if (message.method === "notifications/cancelled" && message.cancelledRequestId !== undefined) {
            const key = `${direction}:${message.cancelledRequestId}`;
            const entry = this.pending.get(key);
            if (entry) {
                this.pending.delete(key);
                out.push(this.ended(entry, "cancelled", message.cancelReason, now));
            }
        }
        const call = this.newCall(message, "notification", source, now, byteCount, context);
        out.push(this.stamped(call, context?.fallbackClient));
    }

    private completeRequest(message: MCPMessage, source: MessageSource, now: number, byteCount: number, out: Call[]): void {
        // A response travels against its request: the server answers requests sent toServer.
        const direction: CallDirection = source === "server" ? "toServer" : "toClient";
        const key = message.id === undefined ? undefined : `${direction}:${message.id}`;
        const entry = key === undefined ? undefined : this.pending.get(key);
        if (key === undefined || !entry) {
            this.unmatchedResponses += 1;
            return;
        }
        this.pending.delete(key);
        const call = entry.call;
        call.durationNs = durationNs(entry.startedAt, now);
        call.responseBytes = byteCount;
        if (message.kind === "errorResponse") {
            call.outcome = "error";
            if (message.errorCode !== undefined) call.errorCode = message.errorCode;
            if (message.errorMessage !== undefined) call.errorMessage = message.errorMessage;
            const response = this.options.payloads.payload(message.error, byteCount);
            if (response !== undefined) call.response = response;
        } else {
            call.outcome = message.isError ? "toolError" : "ok";
            if (message.isError && message.toolErrorText !== undefined) call.errorMessage = message.toolErrorText;
            const response = this.options.payloads.payload(message.result, byteCount);
            if (response !== undefined) call.response = response;
        }
        if (source === "server") {
            if (message.serverInfo) call.server = message.serverInfo;
            if (message.protocolVersion !== undefined) call.protocolVersion = message.protocolVersion;
        }
        out.push(this.stamped(call, entry.fallbackClient));
    }

    private ended(entry: Pending, outcome: CallOutcome, reason: string | undefined, now: number): Call {
        const call = entry.call;
        call.outcome = outcome;
        if (reason !== undefined) call.errorMessage = reason;
        call.durationNs = durationNs(entry.startedAt, now);
        return this.stamped(call, entry.fallbackClient);
    }

    /** Fills identity the call did not carry itself from what the session knows, then from `fallbackClient`. */
    private stamped(call: Call, fallbackClient?: PeerInfo): Call {
        if (!call.client) {
            const client = this.client ?? fallbackClient;
            if (client) call.client = client;
        }
        if (!call.server && this.server) call.server = this.server;
        if (call.protocolVersion === undefined && this.protocolVersion !== undefined) call.protocolVersion = this.protocolVersion;
        return call;
    }
}

function durationNs(startMs: number, endMs: number): number {
    return endMs >= startMs ? Math.round((endMs - startMs) * 1e6) : 0;
}
