import { test } from "node:test";
import assert = require("node:assert/strict");
import { monitor } from "../src/index";
import { DispatcherMcpServer, McpServer } from "../standins/mcpServer";
import { JSONRPCMessage, MessageExtraInfo, Transport } from "../standins/types";
import { sleep } from "./support/fakeCollector";
import { connectClient, withCollector } from "./support/harness";

/**
 * A request-shaped transport as the SDK's HTTP server transports look from `Protocol`: a session id,
 * and `onmessage(message, { requestInfo: { headers } })` per POSTed message. The class name is what the
 * monitor reads to label calls `http` (the SDK's is `StreamableHTTPServerTransport`).
 */
class StreamableHTTPServerTransport implements Transport {
    sessionId?: string;
    onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
    onclose?: () => void;
    onerror?: (error: Error) => void;
    readonly sent: JSONRPCMessage[] = [];

    constructor(sessionId?: string) {
        this.sessionId = sessionId;
    }

    async start(): Promise<void> {}

    async close(): Promise<void> {
        this.onclose?.();
    }

    async send(message: JSONRPCMessage): Promise<void> {
        this.sent.push(message);
    }

    /** What the transport does for one POST: hands the parsed message and the request's headers to `onmessage`. */
    async post(message: JSONRPCMessage, headers: Record<string, string>): Promise<JSONRPCMessage | undefined> {
        this.onmessage?.(message, { requestInfo: { headers } });
        if (message.id === undefined) return undefined;
        for (let i = 0; i < 500; i += 1) {
            const reply = this.sent.find((m) => m.id === message.id && m.method === undefined);
            if (reply) return reply;
            await sleep(2);
        }
        throw new Error("no reply");
    }
}

/** The legacy HTTP+SSE server transport, as far as its name goes. */
class SSEServerTransport extends StreamableHTTPServerTransport {}

function tools(server: McpServer | DispatcherMcpServer): void {
    server.registerTool("echo", {}, (args) => ({ content: [{ type: "text", text: String(args.text) }] }));
}

test("HTTP transports: calls are labelled http, grouped by Mcp-Session-Id, header trace and User-Agent used as fallbacks", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = new McpServer({ name: "http-shape", version: "1" });
        tools(server);
        const handle = monitor(server, { endpoint, apiKey: "k" });
        const transport = new StreamableHTTPServerTransport("session-from-header");
        await server.connect(transport);
        const headerTrace = "00-11111111111111111111111111111111-2222222222222222-01";
        const metaTrace = "00-33333333333333333333333333333333-4444444444444444-01";
        const headers = { traceparent: headerTrace, "user-agent": "node-fetch/3.3.2 (+https://example.org)" };
        await transport.post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "a" } } }, headers);
        await transport.post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "b" }, _meta: { traceparent: metaTrace } } }, headers);
        await handle.flush();
        const [first, second] = collector.calls.sort((a, b) => a.requestId.localeCompare(b.requestId));
        assert.equal(first.transport, "http");
        assert.equal(first.session, "session-from-header");
        assert.equal(first.trace.traceId, "11111111111111111111111111111111", "header trace when _meta has none");
        assert.equal(second.trace.traceId, "33333333333333333333333333333333", "_meta wins over the header");
        assert.deepEqual(first.client, { name: "node-fetch", version: "3.3.2" }, "User-Agent when nothing names the client");
        await handle.shutdown();

        const sseServer = new McpServer({ name: "sse-shape", version: "1" });
        tools(sseServer);
        const sse = monitor(sseServer, { endpoint, apiKey: "k" });
        const legacy = new SSEServerTransport("legacy-session");
        await sseServer.connect(legacy);
        await legacy.post({ jsonrpc: "2.0", id: 9, method: "tools/list" }, {});
        await sse.flush();
        assert.equal(collector.calls.find((c) => c.requestId === "9")?.transport, "sse");
        await sse.shutdown();
    });
});

test("stateless HTTP (no session id), 2026-07-28 requests: grouped by trace id, else per connection", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = new McpServer({ name: "stateless", version: "1" });
        tools(server);
        const handle = monitor(server, { endpoint, apiKey: "k" });
        const transport = new StreamableHTTPServerTransport(undefined);
        await server.connect(transport);
        const meta = {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { name: "modern-client", version: "2.3.0" },
            traceparent: "00-abcdefabcdefabcdefabcdefabcdef12-1234567812345678-01",
        };
        await transport.post({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta } }, {});
        await transport.post({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }, {});
        await handle.flush();
        const byId = new Map(collector.calls.map((c) => [c.requestId, c]));
        assert.equal(byId.get("1")?.session, "abcdefabcdefabcdefabcdefabcdef12");
        assert.equal(byId.get("1")?.protocolVersion, "2026-07-28");
        assert.deepEqual(byId.get("1")?.client, { name: "modern-client", version: "2.3.0" });
        assert.match(byId.get("2")?.session ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-7/, "a capture-generated id per connection");
        await handle.shutdown();
    });
});

test("newest 2.x McpServer shape (server getter returns itself): connect wrapped once, everything captured, late attach works", async () => {
    await withCollector(async ({ collector, endpoint, log }) => {
        const server = new DispatcherMcpServer({ name: "v2", version: "2.0.0" });
        tools(server);
        assert.equal(server.server, server);
        const connectBefore = server.connect;
        const handle = monitor(server, { endpoint, apiKey: "k", logger: log.sink });
        assert.notEqual(server.connect, connectBefore);
        assert.match(String(server.connect), /monitor\.tap/, "one wrapper");
        const wrapped = server.connect;
        assert.equal(Object.getPrototypeOf(server).connect, connectBefore, "the prototype is untouched");
        const client = await connectClient(server);
        await client.initialize({ name: "v2-client", version: "1" });
        await client.request("tools/call", { name: "echo", arguments: { text: "x" } });
        await handle.flush();
        assert.equal(server.connect, wrapped);
        assert.equal(collector.calls.filter((c) => c.method === "initialize").length, 1);
        assert.deepEqual(collector.calls.find((c) => c.target === "echo")?.server, { name: "v2", version: "2.0.0" });
        assert.deepEqual(log.lines, []);
        await handle.shutdown();

        const late = new DispatcherMcpServer({ name: "v2-late", version: "1" });
        tools(late);
        const lateClient = await connectClient(late);
        await lateClient.initialize({ name: "before-monitor", version: "5" });
        const lateHandle = monitor(late, { endpoint, apiKey: "k", logger: log.sink });
        await lateClient.request("tools/call", { name: "echo", arguments: { text: "y" } });
        await lateHandle.flush();
        const lateCall = collector.calls.find((c) => c.client?.name === "before-monitor");
        assert.ok(lateCall, JSON.stringify(collector.calls.slice(-2)));
        assert.deepEqual(lateCall.server, { name: "v2-late", version: "1" }, "the server's own identity");
        assert.equal(lateCall.target, "echo");
        assert.equal(log.lines.length, 1);
        await lateHandle.shutdown();
    });
});

test("2.x handle() without a transport: recorded by the dispatch middleware, once, with _meta identity and HTTP headers", async () => {
    await withCollector(async ({ collector, endpoint }) => {
        const server = new DispatcherMcpServer({ name: "v2-handle", version: "2.1.0" });
        tools(server);
        const handle = monitor(server, { endpoint, apiKey: "k", tags: { path: "handle" } });
        const meta = {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { name: "stateless-client", version: "9.9" },
            traceparent: "00-99999999999999999999999999999999-8888888888888888-01",
        };
        const headers = new Map([["user-agent", "ignored/1.0"]]);
        const replies: JSONRPCMessage[] = [];
        for await (const message of server.handle({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: "s" }, _meta: meta } },
            { httpReq: { headers } })) replies.push(message);
        for await (const message of server.handle({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "nope" } })) replies.push(message);
        assert.equal(replies.length, 2);
        // And the pipe path of the same server still records each request once (not again by the middleware).
        const client = await connectClient(server);
        await client.initialize({ name: "pipe-client", version: "1" });
        await client.request("tools/call", { name: "echo", arguments: { text: "p" } });
        await handle.flush();
        const calls = collector.calls.filter((c) => c.tags.path === "handle");
        const viaHandle = calls.find((c) => c.requestId === "7");
        assert.equal(viaHandle?.outcome, "ok");
        assert.equal(viaHandle?.transport, "http");
        assert.equal(viaHandle?.session, "99999999999999999999999999999999");
        assert.deepEqual(viaHandle?.client, { name: "stateless-client", version: "9.9" });
        assert.deepEqual(viaHandle?.server, { name: "v2-handle", version: "2.1.0" });
        assert.equal(viaHandle?.protocolVersion, "2026-07-28");
        assert.deepEqual(viaHandle?.response, { content: [{ type: "text", text: "s" }] });
        const unknown = calls.find((c) => c.requestId === "8");
        assert.equal(unknown?.outcome, "error");
        assert.equal(unknown?.errorCode, -32602);
        assert.equal(unknown?.transport, "memory");
        assert.equal(calls.filter((c) => c.method === "initialize").length, 1, "pipe requests are not recorded twice");
        assert.equal(calls.filter((c) => c.target === "echo").length, 2);
        await handle.shutdown();
    });
});
