/**
 * A runnable MCP server over streamable HTTP, monitored by Telltale: the SDK's stateful pattern, one
 * `McpServer` and one transport per session (a new pair on each `initialize`), `monitor()` on each server.
 *
 *   TELLTALE_ENDPOINT=http://127.0.0.1:7340 TELLTALE_API_KEY=<ingest key> PORT=3000 node dist/examples/http-server.js
 *
 * Prints `listening on http://127.0.0.1:PORT/mcp`. Like `stdio-server.ts`, it uses the in-repo stand-ins
 * (`standins/`) because the npm registry cannot be reached where this package is built; with the real SDK the
 * same code takes `McpServer` from `@modelcontextprotocol/sdk/server/mcp.js` and `StreamableHTTPServerTransport`
 * from `@modelcontextprotocol/sdk/server/streamableHttp.js`.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { monitor } from "../src/index";
import { McpServer } from "../standins/mcpServer";
import { StreamableHTTPServerTransport } from "../standins/streamableHttpServerTransport";

function newServer(): McpServer {
    const server = new McpServer({ name: "telltale-ts-http-example", version: "0.1.0" });
    monitor(server, { tags: { example: "http-server" } });
    server.registerTool("utc_time", { description: "The current UTC time" }, () => ({
        content: [{ type: "text", text: new Date().toISOString() }],
    }));
    server.registerTool("always_fails", { description: "A tool that always fails (recorded as toolError)" }, () => {
        throw new Error("this tool always fails");
    });
    return server;
}

const transports = new Map<string, StreamableHTTPServerTransport>();

async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if ((request.url ?? "").split("?")[0] !== "/mcp") {
        response.writeHead(404).end();
        return;
    }
    const header = request.headers["mcp-session-id"];
    const sessionId = Array.isArray(header) ? header[0] : header;
    let transport = sessionId ? transports.get(sessionId) : undefined;
    if (!transport && request.method === "POST" && !sessionId) {
        const chunks: Buffer[] = [];
        await new Promise<void>((done) => {
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => done());
        });
        let body: unknown;
        try {
            body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
            response.writeHead(400).end();
            return;
        }
        const messages = Array.isArray(body) ? body : [body];
        if (messages.some((m: { method?: unknown }) => m?.method === "initialize")) {
            const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
                sessionIdGenerator: () => randomUUID(),
                onsessioninitialized: (id) => transports.set(id, created),
            });
            created.onclose = () => {
                if (created.sessionId) transports.delete(created.sessionId);
            };
            await newServer().connect(created);
            await created.handleRequest(request, response, body);
            return;
        }
        response.writeHead(400, { "Content-Type": "application/json" })
            .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Bad Request: No valid session ID provided" }, id: null }));
        return;
    }
    if (!transport) {
        response.writeHead(sessionId ? 404 : 400, { "Content-Type": "application/json" })
            .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }));
        return;
    }
    await transport.handleRequest(request, response);
}

const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
        process.stderr.write(`http example: ${String(error)}\n`);
        response.writeHead(500).end();
    });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    process.stdout.write(`listening on http://127.0.0.1:${port}/mcp\n`);
});
