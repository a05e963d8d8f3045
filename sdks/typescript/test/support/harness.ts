import { monitor, MonitorOptions, TelltaleMonitor } from "../../src/index";
import { TestClient } from "../../standins/client";
import { InMemoryTransport } from "../../standins/inMemoryTransport";
import { FakeCollector, LogLines, Responder } from "./fakeCollector";

/** Anything with the SDK's `connect(transport)`: McpServer, Server, the 2.x dispatcher shape. */
export interface Connectable {
    connect(transport: InMemoryTransport): Promise<void>;
}

/**
 * Connects `server` to a started TestClient over an in-memory pair (a fresh one unless `pair` is given,
 * `[clientSide, serverSide]`, for tests that touch the server side before connect).
 */
export async function connectClient(server: Connectable, pair = InMemoryTransport.createLinkedPair()): Promise<TestClient> {
    const [clientSide, serverSide] = pair;
    await server.connect(serverSide);
    const client = new TestClient(clientSide);
    await client.start();
    return client;
}

/** `monitor(server, options)`, then a client connected to it: the setup most monitor tests share. */
export async function monitored(server: Connectable, options: MonitorOptions): Promise<{ handle: TelltaleMonitor; client: TestClient }> {
    const handle = monitor(server, options);
    const client = await connectClient(server);
    return { handle, client };
}

/** What a test run by `withCollector` gets: a started FakeCollector, its endpoint, a log sink. */
export interface CollectorContext {
    collector: FakeCollector;
    endpoint: string;
    log: LogLines;
}

/** Runs `body` against a started FakeCollector (answering as `respond` says) and stops the collector afterwards. */
export async function withCollector(body: (context: CollectorContext) => Promise<void>, respond?: Responder): Promise<void> {
    const collector = new FakeCollector(respond);
    const endpoint = await collector.start();
    try {
        await body({ collector, endpoint, log: new LogLines() });
    } finally {
        await collector.stop();
    }
}
