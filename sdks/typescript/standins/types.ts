/**
 * The SDK's `Transport` contract, copied in shape from `@modelcontextprotocol/sdk`
 * (`src/shared/transport.ts` in 1.x, `packages/core/src/shared/transport.ts` in 2.x).
 *
 * These stand-ins exist because the npm registry cannot be reached from this build machine: they let the
 * tests drive the monitor through the same interface and the same connect sequence as the real SDK.
 */
export type JSONRPCMessage = Record<string, unknown>;
export type RequestId = string | number;

export interface TransportSendOptions {
    relatedRequestId?: RequestId;
    resumptionToken?: string;
    onresumptiontoken?: (token: string) => void;
}

export interface MessageExtraInfo {
    requestInfo?: { headers: { [name: string]: string | string[] | undefined } };
    authInfo?: unknown;
}

export interface Transport {
    start(): Promise<void>;
    send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void>;
    close(): Promise<void>;
    onclose?: (() => void) | undefined;
    onerror?: ((error: Error) => void) | undefined;
    onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;
    sessionId?: string;
    setProtocolVersion?: ((version: string) => void) | undefined;
    setSupportedProtocolVersions?: ((versions: string[]) => void) | undefined;
}
