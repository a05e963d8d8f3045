/**
 * A runnable MCP server over stdio, monitored by Telltale.
 *
 *   TELLTALE_ENDPOINT=http://127.0.0.1:7340 TELLTALE_API_KEY=<ingest key> node dist/examples/stdio-server.js
 *
 * It uses the real SDK when it is installed next to this package (`@modelcontextprotocol/sdk` 1.x, or 2.x
 * `@modelcontextprotocol/server`), and otherwise the
 * in-repo stand-ins (`standins/`), which follow the SDK's `McpServer`, `StdioServerTransport` and `Transport`
 * shapes (the npm registry cannot be reached where this package is built and tested). In your own server
 * only these lines matter:
 *
 *   import { monitor } from "@telltale/mcp";
 *   const server = new McpServer({ name: "…", version: "…" });
 *   monitor(server, { tags: { env: "prod" } });          // before connect()
 *   await server.connect(new StdioServerTransport());
 */
import { monitor } from "../src/index";

interface ToolResult {
    content: Array<{ type: "text"; text: string }>;
}

interface ServerLike {
    registerTool(name: string, config: { description?: string }, callback: () => ToolResult | Promise<ToolResult>): unknown;
    connect(transport: unknown): Promise<void>;
}

interface Sdk {
    source: string;
    McpServer: new (info: { name: string; version: string }) => ServerLike;
    StdioServerTransport: new () => unknown;
}

/** The real SDK when installed (1.x `@modelcontextprotocol/sdk`, else 2.x `@modelcontextprotocol/server`), else the stand-ins. */
async function loadSdk(): Promise<Sdk> {
    const candidates: Array<[string, string, string]> = [
        ["@modelcontextprotocol/sdk", "@modelcontextprotocol/sdk/server/mcp.js", "@modelcontextprotocol/sdk/server/stdio.js"],
        ["@modelcontextprotocol/server", "@modelcontextprotocol/server", "@modelcontextprotocol/server"],
    ];
    for (const [source, serverModule, stdioModule] of candidates) {
        try {
            const mcp = await import(serverModule);
            const transport = await import(stdioModule);
            if (typeof mcp.McpServer === "function" && typeof transport.StdioServerTransport === "function") {
                return { source, McpServer: mcp.McpServer, StdioServerTransport: transport.StdioServerTransport };
            }
        } catch {
            // Not installed: try the next one.
        }
    }
    const mcp = await import("../standins/mcpServer");
    const transport = await import("../standins/stdioServerTransport");
    return {
        source: "in-repo stand-ins",
        McpServer: mcp.McpServer as unknown as Sdk["McpServer"],
        StdioServerTransport: transport.StdioServerTransport as unknown as Sdk["StdioServerTransport"],
    };
}

async function main(): Promise<void> {
    const sdk = await loadSdk();
    process.stderr.write(`example server: using ${sdk.source}\n`);
    const server = new sdk.McpServer({ name: "telltale-ts-example", version: "0.1.0" });
    monitor(server, { tags: { example: "stdio-server" } });
    server.registerTool("utc_time", { description: "The current UTC time" }, () => ({
        content: [{ type: "text", text: new Date().toISOString() }],
    }));
    server.registerTool("always_fails", { description: "A tool that always fails (recorded as toolError)" }, () => {
        throw new Error("this tool always fails");
    });
    await server.connect(new sdk.StdioServerTransport());
}

main().catch((error: unknown) => {
    process.stderr.write(`example server failed: ${String(error)}\n`);
    process.exitCode = 1;
});
