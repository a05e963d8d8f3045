import { JSONRPCMessage, MessageExtraInfo, RequestId, Transport } from "./types";

/** Handler of one request method: returns the result, or throws ``McpError`` for a JSON-RPC error. */
export type RequestHandler = (request: JSONRPCMessage, extra: { requestId: RequestId; signal: AbortSignalLike; sessionId?: string }) =>
    unknown | Promise<unknown>;

export interface AbortSignalLike {
    aborted: boolean;
    reason?: unknown;
}

/** A JSON-RPC error a handler throws. */
export class McpError extends Error {
    constructor(readonly code: number, message: string, readonly data?: unknown) {
        super(message);
    }
}

export interface Implementation {
    name: string;
    version: string;
}

/**
 * A minimal stand-in for the SDK's low-level `Server` (a `Protocol` subclass), for tests and the example
 * where `@modelcontextprotocol/sdk` cannot be installed. Its `connect(transport)` does what the SDK's does,
 * in the same order: keeps the transport, chains any callbacks already set, installs `onclose`, `onerror`,
 * `onmessage`, then awaits `transport.start()`. With `era: "2.x"` the callbacks are installed by a separate
 * driver object and `setSupportedProtocolVersions` is called before `start()`, as in the 2.x `StreamDriver`.
 * It answers `initialize` and `ping`, routes requests to handlers set with `setRequestHandler`, answers
 * unknown methods with -32601, honours `notifications/cancelled`, and can send server→client requests.
 */
export class Server {
    private _transport?: Transport;
    private readonly handlers = new Map<string, RequestHandler>();
    private readonly aborts = new Map<RequestId, AbortSignalLike>();
    private readonly responseHandlers = new Map<RequestId, (message: JSONRPCMessage) => void>();
    private nextId = 0;
    private clientVersion?: Implementation;
    onclose?: () => void;
    onerror?: (error: Error) => void;

    constructor(private readonly _serverInfo: Implementation, readonly options: { era?: "1.x" | "2.x"; capabilities?: Record<string, unknown> } = {}) {
        this.setRequestHandler("initialize", (request) => {
            const params = (request.params ?? {}) as { clientInfo?: Implementation; protocolVersion?: string };
            this.clientVersion = params.clientInfo;
            return {
                protocolVersion: params.protocolVersion ?? "2025-06-18",
                capabilities: this.options.capabilities ?? { tools: {} },
                serverInfo: this._serverInfo,
            };
        });
        this.setRequestHandler("ping", () => ({}));
    }

    get transport(): Transport | undefined {
        return this._transport;
    }

    /** The client's name/version from its `initialize`, like the SDK's `Server.getClientVersion()`. */
    getClientVersion(): Implementation | undefined {
        return this.clientVersion;
    }

    setRequestHandler(method: string, handler: RequestHandler): void {
        this.handlers.set(method, handler);
    }

    async connect(transport: Transport): Promise<void> {
        this._transport = transport;
        if (this.options.era === "2.x") {
            await new StreamDriverStandIn(this, transport).start();
            return;
        }
        const _onclose = transport.onclose;
        transport.onclose = () => {
            _onclose?.();
            this._onclose();
        };
        const _onerror = transport.onerror;
        transport.onerror = (error: Error) => {
            _onerror?.(error);
            this.onerror?.(error);
        };
        const _onmessage = transport.onmessage;
        transport.onmessage = (message, extra) => {
            _onmessage?.(message, extra);
            this._dispatch(message, extra);
        };
        await transport.start();
    }

    async close(): Promise<void> {
        await this._transport?.close();
    }

    /** Sends a notification to the client. */
    async notification(notification: { method: string; params?: Record<string, unknown> }): Promise<void> {
        await this._transport?.send({ jsonrpc: "2.0", ...notification });
    }

    /** Sends a server→client request (sampling, elicitation, roots) and resolves with the response message. */
    request(request: { method: string; params?: Record<string, unknown> }): Promise<JSONRPCMessage> {
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            this.responseHandlers.set(id, resolve);
            this._transport?.send({ jsonrpc: "2.0", id, ...request }).catch(reject);
        });
    }

    /** @internal Routes one inbound message (used by both eras). */
    _dispatch(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
        const transport = this._transport;
        if (typeof message.method === "string" && message.id !== undefined) {
            this._onrequest(message, transport, extra);
        } else if (typeof message.method === "string") {
            if (message.method === "notifications/cancelled") {
                const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
                const signal = requestId === undefined ? undefined : this.aborts.get(requestId);
                if (signal) {
                    signal.aborted = true;
                    signal.reason = (message.params as { reason?: unknown }).reason;
                }
            }
        } else if (message.id !== undefined) {
            const handler = this.responseHandlers.get(message.id as RequestId);
            this.responseHandlers.delete(message.id as RequestId);
            handler?.(message);
        }
    }

    /** The request handler for `method`, if any. */
    protected handlerFor(method: string): RequestHandler | undefined {
        return this.handlers.get(method);
    }

    protected _onrequest(request: JSONRPCMessage, transport: Transport | undefined, _extra?: MessageExtraInfo): void {
        const id = request.id as RequestId;
        const handler = this.handlers.get(request.method as string);
        if (!handler) {
            transport?.send({ jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } })
                .catch((error: Error) => this.onerror?.(error));
            return;
        }
        const signal: AbortSignalLike = { aborted: false };
        this.aborts.set(id, signal);
        Promise.resolve()
            .then(() => handler(request, { requestId: id, signal, sessionId: transport?.sessionId }))
            .then(
                (result) => {
                    if (signal.aborted) return undefined;
                    return transport?.send({ jsonrpc: "2.0", id, result: result as Record<string, unknown> }, { relatedRequestId: id });
                },
                (error: unknown) => {
                    if (signal.aborted) return undefined;
                    const code = error instanceof McpError ? error.code : -32603;
                    const message = error instanceof Error ? error.message : String(error);
                    return transport?.send({ jsonrpc: "2.0", id, error: { code, message } }, { relatedRequestId: id });
                }
            )
            .catch((error: Error) => this.onerror?.(new Error(`Failed to send response: ${error}`)))
            .finally(() => this.aborts.delete(id));
    }

    /** @internal */
    _onclose(): void {
        this._transport = undefined;
        for (const handler of this.responseHandlers.values()) handler({ jsonrpc: "2.0", error: { code: -32000, message: "Connection closed" } });
        this.responseHandlers.clear();
        this.onclose?.();
    }
}

/** The 2.x connect sequence: a driver object wires the pipe's callbacks and starts it (`StreamDriver.start`). */
class StreamDriverStandIn {
    constructor(private readonly server: Server, private readonly pipe: Transport) {}

    async start(): Promise<void> {
        const prevClose = this.pipe.onclose;
        this.pipe.onclose = () => {
            try {
                prevClose?.();
            } finally {
                this.server._onclose();
            }
        };
        const prevError = this.pipe.onerror;
        this.pipe.onerror = (error: Error) => {
            prevError?.(error);
            this.server.onerror?.(error);
        };
        const prevMessage = this.pipe.onmessage;
        this.pipe.onmessage = (message, extra) => {
            prevMessage?.(message, extra);
            this.server._dispatch(message, extra);
        };
        this.pipe.setSupportedProtocolVersions?.(["2025-06-18", "2025-11-25"]);
        await this.pipe.start();
    }
}
