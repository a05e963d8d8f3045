/**
 * A short-lived monitored server process (test helper): makes `CALLS` tool calls over an in-memory pair,
 * never calls flush(), and lets the event loop run dry. The monitor must deliver on `beforeExit` and must
 * not keep the process alive.
 */
import { monitor } from "../../src/index";
import { TestClient } from "../../standins/client";
import { InMemoryTransport } from "../../standins/inMemoryTransport";
import { McpServer } from "../../standins/mcpServer";

async function main(): Promise<void> {
    const server = new McpServer({ name: "exit-child", version: "1" });
    server.registerTool("echo", {}, (args) => ({ content: [{ type: "text", text: String(args.text) }] }));
    monitor(server, { tags: { child: process.env.CHILD_TAG ?? "" }, flushIntervalMs: 60_000 });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new TestClient(clientSide);
    await client.start();
    await client.initialize();
    const calls = Number(process.env.CALLS ?? 5);
    for (let i = 0; i < calls; i += 1) await client.request("tools/call", { name: "echo", arguments: { text: String(i) } });
    process.stdout.write("done\n");
}

void main();
