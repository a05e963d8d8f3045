import { JSONRPCMessage, MessageExtraInfo, RequestId, Transport } from "./types";

interface QueuedMessage {
    message: JSONRPCMessage;
    extra?: MessageExtraInfo;
}

/**
 * In-memory transport pair, written to behave like the SDK's `InMemoryTransport` (`src/inMemory.ts`):
 * `send` delivers synchronously to the other side's `onmessage`, or queues until that side starts;
 * `close` closes both sides and calls `onclose`.
 */
export class InMemoryTransport implements Transport {
    private _otherTransport?: InMemoryTransport;
    private _messageQueue: QueuedMessage[] = [];

    onclose?: () => void;
    onerror?: (error: Error) => void;
    onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
    sessionId?: string;

    /** Two linked transports: one for a client, one for a server. */
    static createLinkedPair(): [InMemoryTransport, InMemoryTransport] {
        const clientTransport = new InMemoryTransport();
        const serverTransport = new InMemoryTransport();
        clientTransport._otherTransport = serverTransport;
        serverTransport._otherTransport = clientTransport;
        return [clientTransport, serverTransport];
    }

    async start(): Promise<void> {
        while (this._messageQueue.length > 0) {
            const queued = this._messageQueue.shift() as QueuedMessage;
            this.onmessage?.(queued.message, queued.extra);
        }
    }

    async close(): Promise<void> {
        const other = this._otherTransport;
        this._otherTransport = undefined;
        await other?.close();
        this.onclose?.();
    }

    async send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId; extra?: MessageExtraInfo }): Promise<void> {
        if (!this._otherTransport) throw new Error("Not connected");
        const extra = options?.extra;
        if (this._otherTransport.onmessage) this._otherTransport.onmessage(message, extra);
        else this._otherTransport._messageQueue.push({ message, extra });
    }
}
