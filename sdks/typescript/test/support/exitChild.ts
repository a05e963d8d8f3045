/**
 * A short-lived monitored server process (test helper): makes `CALLS` tool calls over an in-memory pair,
 * never calls flush(), and lets the event loop run dry. The monitor must deliver on `beforeExit` and must
 * not keep the process alive. With `EXIT_NOW=1` it ends with `process.exit(0)` right after the calls (no
 * `beforeExit`).
 */
import { monitor } from "../../src/index";
import { TestClient } from "../../standins/client";
import { InMemoryTransport } from "../../standins/inMemoryTransport";
import { McpServer } from "../../standins/mcpServer";

async function main(): Promise<void> {
    const server = new McpServer({ name: "exit-child", version: "1" });
    server.registerTool("echo", {}, (args) => ({ content: [{ type: "text", text: String(args.text) }] }));
    // SPOOL_DIR: "off" turns the disk spool off, a path sets its folder; unset keeps the default folder.
    const spool = process.env.SPOOL_DIR;
    monitor(server, {
        tags: { child: process.env.CHILD_TAG ?? "" }, flushIntervalMs: 60_000,
        spoolDirectory: spool === "off" ? false : spool || undefined,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new TestClient(clientSide);
    await client.start();
    await client.initialize();
    const calls = Number(process.env.CALLS ?? 5);
    for (let i = 0; i < calls; i += 1) await client.request("tools/call", { name: "echo", arguments: { text: String(i) } });
    process.stdout.write("done\n");
    if (process.env.EXIT_NOW === "1") process.exit(0);
}

void main();
