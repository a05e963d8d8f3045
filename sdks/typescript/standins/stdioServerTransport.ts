import { JSONRPCMessage, Transport } from "./types";

/**
 * Server transport over this process's stdin/stdout, written to behave like the SDK's
 * `StdioServerTransport` (`src/server/stdio.ts`): newline-delimited JSON-RPC, `start()` listens to
 * stdin, `send()` writes one line to stdout, `close()` stops listening and calls `onclose`. Like the
 * SDK's, it does not close itself when stdin ends: the process exits once its event loop is empty.
 */
export class StdioServerTransport implements Transport {
    private buffer = "";
    private started = false;
    private closed = false;

    onclose?: () => void;
    onerror?: (error: Error) => void;
    onmessage?: (message: JSONRPCMessage) => void;

    constructor(private readonly stdin: NodeReadable = process.stdin, private readonly stdout: NodeWritable = process.stdout) {}

    private readonly ondata = (chunk: Buffer): void => {
        this.buffer += chunk.toString("utf8");
        for (;;) {
            const index = this.buffer.indexOf("\n");
            if (index < 0) break;
            const line = this.buffer.slice(0, index).replace(/\r$/, "");
            this.buffer = this.buffer.slice(index + 1);
            if (line.trim() === "") continue;
            try {
                this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
            } catch (error) {
                this.onerror?.(error as Error);
            }
        }
    };

    async start(): Promise<void> {
        if (this.started) throw new Error("StdioServerTransport already started!");
        this.started = true;
        this.stdin.on("data", this.ondata);
    }

    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        this.stdin.off("data", this.ondata);
        if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
        this.onclose?.();
    }

    send(message: JSONRPCMessage): Promise<void> {
        if (this.closed) return Promise.reject(new Error("StdioServerTransport is closed"));
        return new Promise((resolve) => {
            if (this.stdout.write(JSON.stringify(message) + "\n")) resolve();
            else this.stdout.once("drain", () => resolve());
        });
    }
}
