import * as http from "node:http";
import { JSONRPCMessage, MessageExtraInfo, RequestId, Transport, TransportSendOptions } from "./types";

/**
 * A streamable HTTP server transport written to behave like the SDK 1.x `StreamableHTTPServerTransport`
 * (`src/server/streamableHttp.ts`) in JSON-response mode (`enableJsonResponse: true`), for the example and
 * tests where the SDK cannot be installed: `handleRequest(req, res)` for POST/GET/DELETE on the MCP endpoint;
 * a session id from `sessionIdGenerator` on `initialize`, sent as `Mcp-Session-Id` and required afterwards;
 * each POSTed message goes to `onmessage(message, { requestInfo: { headers } })`; a POST holding requests is
 * answered with their responses as JSON once `send()` delivered them all, a POST of notifications/responses
 * with 202; GET (no standalone stream in this mode) gets 405; DELETE closes the session.
 */
export class StreamableHTTPServerTransport implements Transport {
    sessionId?: string;
    onclose?: () => void;
    onerror?: (error: Error) => void;
    onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
    private initialized = false;
    private closed = false;
    private readonly pending = new Map<string, { response: http.ServerResponse; ids: string[] }>();
    private readonly ready = new Map<string, JSONRPCMessage>();

    constructor(private readonly options: { sessionIdGenerator: (() => string) | undefined; onsessioninitialized?: (id: string) => void }) {}

    async start(): Promise<void> {}

    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        for (const { response } of this.pending.values()) response.end();
        this.pending.clear();
        this.onclose?.();
    }

    async handleRequest(request: http.IncomingMessage, response: http.ServerResponse, body?: unknown): Promise<void> {
        if (request.method === "POST") return this.handlePost(request, response, body);
        if (request.method === "DELETE") {
            if (!this.validateSession(request, response)) return;
            await this.close();
            response.writeHead(200).end();
            return;
        }
        response.writeHead(405, { Allow: "POST, DELETE" }).end(JSON.stringify(jsonError(-32000, "Method not allowed.")));
    }

    async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
        const isResponse = message.method === undefined && message.id !== undefined;
        const related = isResponse ? message.id : options?.relatedRequestId;
        if (related === undefined) return; // No standalone stream in JSON mode: server-initiated messages are dropped.
        const key = JSON.stringify(related);
        if (!isResponse) return; // Notifications tied to a request cannot be streamed in JSON mode.
        this.ready.set(key, message);
        const entry = this.pending.get(key);
        if (!entry || !entry.ids.every((id) => this.ready.has(id))) return;
        const replies = entry.ids.map((id) => this.ready.get(id) as JSONRPCMessage);
        for (const id of entry.ids) {
            this.pending.delete(id);
            this.ready.delete(id);
        }
        const headers: Record<string, string> = { "Content-Type": "application/json" };
        if (this.sessionId) headers["mcp-session-id"] = this.sessionId;
        entry.response.writeHead(200, headers).end(JSON.stringify(replies.length === 1 ? replies[0] : replies));
    }

    private async handlePost(request: http.IncomingMessage, response: http.ServerResponse, parsed?: unknown): Promise<void> {
        const accept = String(request.headers.accept ?? "");
        if (!accept.includes("application/json") || !accept.includes("text/event-stream")) {
            response.writeHead(406).end(JSON.stringify(jsonError(-32000, "Not Acceptable: Client must accept both application/json and text/event-stream")));
            return;
        }
        let body = parsed;
        if (body === undefined) {
            const chunks: Buffer[] = [];
            await new Promise<void>((done) => {
                request.on("data", (chunk: Buffer) => chunks.push(chunk));
                request.on("end", () => done());
            });
            try {
                body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
                response.writeHead(400).end(JSON.stringify(jsonError(-32700, "Parse error")));
                return;
            }
        }
        const messages = (Array.isArray(body) ? body : [body]) as JSONRPCMessage[];
        const isInitialize = messages.some((m) => m.method === "initialize");
        if (isInitialize) {
            if (this.initialized && this.sessionId !== undefined) {
                response.writeHead(400).end(JSON.stringify(jsonError(-32600, "Invalid Request: Server already initialized")));
                return;
            }
            this.sessionId = this.options.sessionIdGenerator?.();
            this.initialized = true;
            if (this.sessionId) this.options.onsessioninitialized?.(this.sessionId);
        } else if (!this.validateSession(request, response)) {
            return;
        }
        const extra: MessageExtraInfo = { requestInfo: { headers: request.headers } };
        const requestIds = messages.filter((m) => typeof m.method === "string" && m.id !== undefined).map((m) => JSON.stringify(m.id as RequestId));
        if (requestIds.length === 0) {
            response.writeHead(202).end();
        } else {
            for (const id of requestIds) this.pending.set(id, { response, ids: requestIds });
        }
        for (const message of messages) this.onmessage?.(message, extra);
    }

    private validateSession(request: http.IncomingMessage, response: http.ServerResponse): boolean {
        if (this.options.sessionIdGenerator === undefined) return true;
        if (!this.initialized) {
            response.writeHead(400).end(JSON.stringify(jsonError(-32000, "Bad Request: Server not initialized")));
            return false;
        }
        const header = request.headers["mcp-session-id"];
        if (header === undefined) {
            response.writeHead(400).end(JSON.stringify(jsonError(-32000, "Bad Request: Mcp-Session-Id header is required")));
            return false;
        }
        if (header !== this.sessionId) {
            response.writeHead(404).end(JSON.stringify(jsonError(-32001, "Session not found")));
            return false;
        }
        return true;
    }
}

function jsonError(code: number, message: string): JSONRPCMessage {
    return { jsonrpc: "2.0", error: { code, message }, id: null };
}
