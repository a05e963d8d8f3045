import { Implementation, McpError, Server } from "./server";
import { Transport } from "./types";

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
 * The newest 2.x shape (`packages/server/src/server/mcpServer.ts`): `McpServer` is itself the dispatcher
 * (it has `setRequestHandler`, `notification`, `transport`, `getClientVersion`), its `connect` builds a
 * stream driver, and `server` is a getter returning the instance itself, kept for 1.x code.
 */
export class DispatcherMcpServer extends Server {
    private readonly tools = new Map<string, { description?: string; callback: ToolCallback }>();
    private readonly resources = new Map<string, () => string>();

    constructor(serverInfo: Implementation) {
        super(serverInfo, { era: "2.x", capabilities: { tools: {}, resources: {} } });
        installPrimitives(this, this.tools, this.resources);
    }

    get server(): this {
        return this;
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
