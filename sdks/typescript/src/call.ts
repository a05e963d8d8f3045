/** The Call record: the one schema every part of Telltale speaks (mirrors `TelltaleCore/Call.swift`). */

/** Whether a record is a request/response pair or a notification. */
export type CallKind = "request" | "notification";

/** Which way the request travelled: client → server, or server → client (sampling, elicitation, roots). */
export type CallDirection = "toServer" | "toClient";

/** The outcome taxonomy: `ok`, `toolError` (`isError: true`), `error` (JSON-RPC error), `cancelled`, `noResponse`. */
export type CallOutcome = "ok" | "toolError" | "error" | "cancelled" | "noResponse";

/** The transport a call was seen on; `memory` when the SDK cannot name it (in-memory pairs, custom transports). */
export type CallTransport = "stdio" | "http" | "sse" | "memory";

/** Name and version of an MCP client or server. */
export interface PeerInfo {
    name: string;
    version?: string;
}

/** W3C trace context found in `params._meta` (or the HTTP headers of the request). */
export interface TraceContext {
    traceId: string;
    spanId: string;
    traceparent?: string;
    tracestate?: string;
}

/** A JSON value as stored in `request`/`response`. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** One MCP exchange: a request paired with its outcome, or a notification. */
export interface Call {
    /** Time-ordered UUIDv7, lower case; ingest is idempotent on it. */
    id: string;
    /** When the request (or notification) was seen: RFC 3339 UTC with microseconds, as on the wire. */
    startedAt: string;
    /** Nanoseconds from the request until its outcome; 0 for notifications. */
    durationNs: number;
    kind: CallKind;
    direction: CallDirection;
    method: string;
    /** Tool or prompt name for `tools/call` / `prompts/get`, URI for `resources/read`. */
    target?: string;
    outcome: CallOutcome;
    errorCode?: number;
    errorMessage?: string;
    /** The JSON-RPC id of the request as JSON text (`1`, `"abc"`). */
    requestId?: string;
    session: string;
    client?: PeerInfo;
    server?: PeerInfo;
    protocolVersion?: string;
    transport: CallTransport;
    clientAddress?: string;
    trace?: TraceContext;
    tags: Record<string, string>;
    /** Redacted, size-capped params; absent when payload capture is off. */
    request?: JSONValue;
    /** Redacted, size-capped result or error object; absent when payload capture is off or there was none. */
    response?: JSONValue;
    requestBytes: number;
    responseBytes: number;
}
