import { PeerInfo } from "./call";

/** The JSON-RPC shape of a message. */
export type MessageKind = "request" | "notification" | "response" | "errorResponse";

/** What Telltale reads from one JSON-RPC message (the fields of `MCPMessage.swift`). */
export interface MCPMessage {
    kind: MessageKind;
    /** The `id` as JSON text (`1`, `"abc"`); undefined for notifications and `id: null`. */
    id?: string;
    method?: string;
    /** `params.name` of `tools/call` / `prompts/get`, `params.uri` of `resources/read`. */
    target?: string;
    params?: unknown;
    result?: unknown;
    error?: unknown;
    /** `params._meta["io.modelcontextprotocol/clientInfo"]`, else `initialize` `params.clientInfo`. */
    clientInfo?: PeerInfo;
    /** `result._meta["io.modelcontextprotocol/serverInfo"]`, else `result.serverInfo`. */
    serverInfo?: PeerInfo;
    /** `_meta` protocol version, `initialize` `params.protocolVersion` or `result.protocolVersion`. */
    protocolVersion?: string;
    traceparent?: string;
    tracestate?: string;
    /** `result.isError === true`. */
    isError: boolean;
    /** When `isError`: the text of the first `content` item of type `text`. */
    toolErrorText?: string;
    errorCode?: number;
    errorMessage?: string;
    /** `notifications/cancelled` `params.requestId`, as JSON text. */
    cancelledRequestId?: string;
    cancelReason?: string;
}

const META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** A JSON-RPC id as JSON text: `1`, `"abc"`; undefined for `null`, absent or other shapes. */
export function idText(value: unknown): string | undefined {
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number" && Number.isFinite(value)) return JSON.stringify(value);
    return undefined;
}

function peerInfo(value: unknown): PeerInfo | undefined {
    if (!isObject(value) || typeof value.name !== "string") return undefined;
    return typeof value.version === "string" ? { name: value.name, version: value.version } : { name: value.name };
}

/** Classifies one message object; undefined when it is no JSON-RPC message. */
export function scanMessage(message: unknown): MCPMessage | undefined {
    if (!isObject(message)) return undefined;
    const method = str(message.method);
    const hasId = "id" in message && message.id !== undefined;
    let kind: MessageKind;
    if (method !== undefined) kind = hasId && message.id !== null ? "request" : "notification";
    else if ("error" in message && message.error !== undefined) kind = "errorResponse";
    else if ("result" in message && message.result !== undefined) kind = "response";
    else return undefined;
    const scanned: MCPMessage = { kind, method, isError: false, id: idText(message.id) };
    if (kind === "request" && scanned.id === undefined) scanned.kind = "notification";
    if ("params" in message) scanned.params = message.params;
    if ("result" in message) scanned.result = message.result;
    if ("error" in message) scanned.error = message.error;
    if (isObject(message.params)) scanParams(message.params, scanned);
    if (isObject(message.result)) scanResult(message.result, scanned);
    if (isObject(message.error)) {
        const code = message.error.code;
        if (typeof code === "number" && Number.isSafeInteger(code)) scanned.errorCode = code;
        scanned.errorMessage = str(message.error.message);
    }
    return scanned;
}

function scanMeta(meta: unknown, into: MCPMessage): void {
    if (!isObject(meta)) return;
    const client = peerInfo(meta[META_CLIENT_INFO]);
    if (client) into.clientInfo = client;
    const server = peerInfo(meta[META_SERVER_INFO]);
    if (server) into.serverInfo = server;
    const version = str(meta[META_PROTOCOL_VERSION]);
    if (version !== undefined) into.protocolVersion = version;
    const traceparent = str(meta.traceparent);
    if (traceparent !== undefined) into.traceparent = traceparent;
    const tracestate = str(meta.tracestate);
    if (tracestate !== undefined) into.tracestate = tracestate;
}

function scanParams(params: Obj, into: MCPMessage): void {
    scanMeta(params._meta, into);
    const method = into.method;
    if (method === "tools/call" || method === "prompts/get") into.target = str(params.name);
    else if (method === "resources/read") into.target = str(params.uri);
    else if (method === "notifications/cancelled") {
        into.cancelledRequestId = idText(params.requestId);
        into.cancelReason = str(params.reason);
    } else if (method === "initialize") {
        if (!into.clientInfo) into.clientInfo = peerInfo(params.clientInfo);
        if (into.protocolVersion === undefined) into.protocolVersion = str(params.protocolVersion);
    }
}

function scanResult(result: Obj, into: MCPMessage): void {
    scanMeta(result._meta, into);
    into.isError = result.isError === true;
    if (!into.serverInfo) into.serverInfo = peerInfo(result.serverInfo);
    if (into.protocolVersion === undefined) into.protocolVersion = str(result.protocolVersion);
    if (into.isError && Array.isArray(result.content)) {
        for (const item of result.content) {
            if (isObject(item) && item.type === "text" && typeof item.text === "string") {
                into.toolErrorText = item.text;
                break;
            }
        }
    }
}

/** Parses a `traceparent` value (`00-<32 hex>-<16 hex>-<2 hex>`); undefined when malformed. */
export function parseTraceparent(traceparent: string, tracestate?: string): { traceId: string; spanId: string; traceparent: string; tracestate?: string } | undefined {
    const parts = traceparent.split("-");
    if (parts.length < 4) return undefined;
    const [version, traceId, spanId] = parts;
    if (version.length !== 2 || !/^[0-9a-fA-F]{32}$/.test(traceId) || !/^[0-9a-fA-F]{16}$/.test(spanId)) return undefined;
    if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
    const context: { traceId: string; spanId: string; traceparent: string; tracestate?: string } = {
        traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase(), traceparent,
    };
    if (tracestate !== undefined) context.tracestate = tracestate;
    return context;
}
