import { JSONRPCMessage, Transport } from "./types";

/**
 * A small JSON-RPC client over any ``Transport`` (the far end of an in-memory pair), enough to drive a server
 * in tests: requests with ids it chooses, notifications, and answers to server→client requests.
 */
export class TestClient {
    private nextId = 1;
    private readonly waiting = new Map<string, (message: JSONRPCMessage) => void>();
    /** Answers server→client requests by method; unknown methods get -32601. */
    readonly handlers = new Map<string, (params: unknown) => unknown>();

    constructor(readonly transport: Transport) {
        transport.onmessage = (message: JSONRPCMessage) => this.receive(message);
    }

    async start(): Promise<void> {
        await this.transport.start();
    }

    /** Sends a request and resolves with the whole response message (result or error). */
    request(method: string, params?: Record<string, unknown>, id: string | number = this.nextId++): Promise<JSONRPCMessage> {
        return new Promise((resolve, reject) => {
            this.waiting.set(JSON.stringify(id), resolve);
            const message: JSONRPCMessage = { jsonrpc: "2.0", id, method };
            if (params !== undefined) message.params = params;
            this.transport.send(message).catch(reject);
        });
    }

    /** Sends a request and does not wait for its response. */
    fire(method: string, params: Record<string, unknown> | undefined, id: string | number): void {
        const message: JSONRPCMessage = { jsonrpc: "2.0", id, method };
        if (params !== undefined) message.params = params;
        void this.transport.send(message);
    }

    async notify(method: string, params?: Record<string, unknown>): Promise<void> {
        const message: JSONRPCMessage = { jsonrpc: "2.0", method };
        if (params !== undefined) message.params = params;
        await this.transport.send(message);
    }

    /** The handshake-era start: `initialize` then `notifications/initialized`. */
    async initialize(clientInfo = { name: "test-client", version: "1.2.3" }, protocolVersion = "2025-06-18"): Promise<JSONRPCMessage> {
        const response = await this.request("initialize", { protocolVersion, capabilities: {}, clientInfo });
        await this.notify("notifications/initialized");
        return response;
    }

    private receive(message: JSONRPCMessage): void {
        if (typeof message.method === "string" && message.id !== undefined) {
            const handler = this.handlers.get(message.method);
            const reply: JSONRPCMessage = handler
                ? { jsonrpc: "2.0", id: message.id, result: handler(message.params) as Record<string, unknown> }
                : { jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } };
            void this.transport.send(reply);
            return;
        }
        if (message.id !== undefined && message.method === undefined) {
            const key = JSON.stringify(message.id);
            const resolve = this.waiting.get(key);
            this.waiting.delete(key);
            resolve?.(message);
        }
    }
}
