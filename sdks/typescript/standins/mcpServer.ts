import { Implementation, McpError, Server } from "./server";
import { JSONRPCMessage, MessageExtraInfo, RequestId, Transport } from "./types";

/** One output of the 2.x `Dispatcher.dispatch`: notifications, then one terminal response. */
export type DispatchOutput = { kind: "notification" | "response"; message: JSONRPCMessage };
/** The 2.x `DispatchFn`. */
export type DispatchFn = (request: JSONRPCMessage, env?: Record<string, unknown>) => AsyncGenerator<DispatchOutput, void, void>;

/** What a tool callback returns: MCP `CallToolResult`. */
export interface CallToolResult {
    content: Array<{ type: "text"; text: string }>;
    isError?: boolean;
    [key: string]: unknown;
}

type ToolCallback = (args: Record<string, unknown>, extra: { signal: { aborted: boolean } }) => CallToolResult | Promise<CallToolResult>;

/**
 * A minimal stand-in for the SDK's high-level `McpServer`: like the real one it holds the low-level
 * `Server` in `.server` and its `connect(transport)` is `this.server.connect(transport)`. Tools registered
 * with ``registerTool`` are listed and called; a tool that throws becomes an `isError: true` result, an
 * unknown tool a -32602 error, as in the SDK.
 */
export class McpServer {
    readonly server: Server;
    private readonly tools = new Map<string, { description?: string; callback: ToolCallback }>();
    private readonly resources = new Map<string, () => string>();

    constructor(serverInfo: Implementation, options: { era?: "1.x" | "2.x" } = {}) {
        this.server = new Server(serverInfo, { era: options.era, capabilities: { tools: {}, resources: {} } });
        installPrimitives(this.server, this.tools, this.resources);
    }

    registerTool(name: string, config: { description?: string }, callback: ToolCallback): void {
        this.tools.set(name, { description: config.description, callback });
    }

    registerResource(uri: string, read: () => string): void {
        this.resources.set(uri, read);
    }

    async connect(transport: Transport): Promise<void> {
        return await this.server.connect(transport);
    }

    async close(): Promise<void> {
        await this.server.close();
    }

    isConnected(): boolean {
        return this.server.transport !== undefined;
    }
}

/**
 * The newest 2.x shape (`packages/server/src/server/mcpServer.ts`, `packages/core/src/shared/dispatcher.ts`):
 * `McpServer` is itself the dispatcher (it has `setRequestHandler`, `notification`, `transport`,
 * `getClientVersion`), `server` is a getter returning the instance itself (kept for 1.x code), its `connect`
 * builds a stream driver that calls `dispatch(request, env)` synchronously from `onmessage` with the
 * transport's extra in `env._transportExtra`, `use(mw)` composes middleware around `dispatch`, and
 * `handle(request, env)` / `handleHttp` dispatch without any transport.
 */
export class DispatcherMcpServer extends Server {
    private readonly tools = new Map<string, { description?: string; callback: ToolCallback }>();
    private readonly resources = new Map<string, () => string>();
    private readonly middleware: Array<(next: DispatchFn) => DispatchFn> = [];

    constructor(serverInfo: Implementation) {
        super(serverInfo, { era: "2.x", capabilities: { tools: {}, resources: {} } });
        installPrimitives(this, this.tools, this.resources);
    }

    get server(): this {
        return this;
    }

    use(middleware: (next: DispatchFn) => DispatchFn): this {
        this.middleware.push(middleware);
        return this;
    }

    dispatch(request: JSONRPCMessage, env: Record<string, unknown> = {}): AsyncGenerator<DispatchOutput, void, void> {
        let chain: DispatchFn = (r, e) => this.dispatchCore(r, e ?? {});
        for (const middleware of [...this.middleware].reverse()) chain = middleware(chain);
        return chain(request, env);
    }

    /** Handles one request without a transport: yields the response message. */
    async *handle(request: JSONRPCMessage, env?: Record<string, unknown>): AsyncGenerator<JSONRPCMessage, void, void> {
        for await (const output of this.dispatch(request, env)) yield output.message;
    }

    private async *dispatchCore(request: JSONRPCMessage, env: Record<string, unknown>): AsyncGenerator<DispatchOutput, void, void> {
        const id = request.id as RequestId;
        const handler = this.handlerFor(String(request.method));
        if (!handler) {
            yield { kind: "response", message: { jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } } };
            return;
        }
        try {
            const result = await handler(request, { requestId: id, signal: { aborted: false }, sessionId: env.sessionId as string | undefined });
            yield { kind: "response", message: { jsonrpc: "2.0", id, result: result as Record<string, unknown> } };
        } catch (error) {
            const code = error instanceof McpError ? error.code : -32603;
            yield { kind: "response", message: { jsonrpc: "2.0", id, error: { code, message: error instanceof Error ? error.message : String(error) } } };
        }
    }

    /** The `StreamDriver._onrequest` path: dispatch synchronously, send what it yields over the pipe. */
    protected override _onrequest(request: JSONRPCMessage, transport: Transport | undefined, extra?: MessageExtraInfo): void {
        const env = { sessionId: transport?.sessionId, _transportExtra: extra };
        const drain = async (): Promise<void> => {
            for await (const output of this.dispatch(request, env)) {
                await transport?.send(output.message, { relatedRequestId: request.id as RequestId });
            }
        };
        drain().catch((error: Error) => this.onerror?.(error));
    }

    registerTool(name: string, config: { description?: string }, callback: ToolCallback): void {
        this.tools.set(name, { description: config.description, callback });
    }
}

/** The tools/resources request handlers of the high-level server, as the SDK answers them. */
function installPrimitives(server: Server, tools: Map<string, { description?: string; callback: ToolCallback }>,
                           resources: Map<string, () => string>): void {
    server.setRequestHandler("tools/list", () => ({
        tools: [...tools].map(([name, tool]) => ({ name, description: tool.description, inputSchema: { type: "object" } })),
    }));
    server.setRequestHandler("tools/call", async (request, extra) => {
        const params = (request.params ?? {}) as { name?: string; arguments?: Record<string, unknown> };
        const tool = tools.get(params.name ?? "");
        if (!tool) throw new McpError(-32602, `Tool ${params.name} not found`);
        try {
            return await tool.callback(params.arguments ?? {}, { signal: extra.signal });
        } catch (error) {
            return { content: [{ type: "text", text: error instanceof Error ? error.message : String(error) }], isError: true };
        }
    });
    server.setRequestHandler("resources/list", () => ({
        resources: [...resources.keys()].map((uri) => ({ uri, name: uri })),
    }));
    server.setRequestHandler("resources/read", (request) => {
        const uri = String((request.params as { uri?: unknown } | undefined)?.uri ?? "");
        const read = resources.get(uri);
        if (!read) throw new McpError(-32002, `Resource ${uri} not found`);
        return { contents: [{ uri, text: read() }] };
    });
}
