import { Call, PeerInfo } from "./call";

/**
 * The wire codec: one Call as one JSON object per NDJSON line, fields in the order and form of
 * `TelltaleCore/CallCodec.swift` (optional fields left out when absent; `tags` and the byte counts always written).
 */
export function encodeCall(call: Call): string {
    const out: Record<string, unknown> = {};
    out.id = call.id;
    out.startedAt = call.startedAt;
    out.durationNs = nonNegativeInteger(call.durationNs);
    out.kind = call.kind;
    out.direction = call.direction;
    out.method = call.method;
    if (typeof call.target === "string") out.target = call.target;
    out.outcome = call.outcome;
    if (typeof call.errorCode === "number" && Number.isSafeInteger(call.errorCode)) out.errorCode = call.errorCode;
    if (typeof call.errorMessage === "string") out.errorMessage = call.errorMessage;
    if (typeof call.requestId === "string") out.requestId = call.requestId;
    out.session = call.session;
    const client = peer(call.client);
    if (client) out.client = client;
    const server = peer(call.server);
    if (server) out.server = server;
    if (typeof call.protocolVersion === "string") out.protocolVersion = call.protocolVersion;
    out.transport = call.transport;
    if (typeof call.clientAddress === "string") out.clientAddress = call.clientAddress;
    if (call.trace && typeof call.trace.traceId === "string" && typeof call.trace.spanId === "string") {
        const trace: Record<string, string> = { spanId: call.trace.spanId, traceId: call.trace.traceId };
        if (typeof call.trace.traceparent === "string") trace.traceparent = call.trace.traceparent;
        if (typeof call.trace.tracestate === "string") trace.tracestate = call.trace.tracestate;
        out.trace = trace;
    }
    const tags: Record<string, string> = {};
    for (const key of Object.keys(call.tags ?? {}).sort()) {
        const value = call.tags[key];
        if (typeof value === "string") tags[key] = value;
    }
    out.tags = tags;
    if (call.request !== undefined) out.request = call.request;
    if (call.response !== undefined) out.response = call.response;
    out.requestBytes = nonNegativeInteger(call.requestBytes);
    out.responseBytes = nonNegativeInteger(call.responseBytes);
    return JSON.stringify(out);
}

function peer(value: PeerInfo | undefined): PeerInfo | undefined {
    if (!value || typeof value.name !== "string") return undefined;
    return typeof value.version === "string" ? { name: value.name, version: value.version } : { name: value.name };
}

function nonNegativeInteger(value: number): number {
    return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
