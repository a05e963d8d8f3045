import { Call, CallTransport } from "./call";
import { defaultSpoolDirectory } from "./spool";

/** Options of ``monitor``; every one is optional. */
export interface MonitorOptions {
    /** Collector base URL, e.g. `http://127.0.0.1:7340`; default `TELLTALE_ENDPOINT`. Calls go to `{endpoint}/api/v1/ingest`. */
    endpoint?: string;
    /** Ingest key, sent as `Authorization: Bearer <key>`; default `TELLTALE_API_KEY`. */
    apiKey?: string;
    /** Tags stamped on every Call (environment, tenant …). */
    tags?: Record<string, string>;
    /** Extra redaction key patterns (regular expressions, case-insensitive), on top of the default rule. */
    redactKeys?: string[];
    /** Capture request/response payloads (default true); false leaves `request`/`response` out of every Call. */
    capturePayloads?: boolean;
    /** Cap of one stored payload's JSON, in bytes (default 16 KiB). */
    maxPayloadBytes?: number;
    /**
     * Called with every Call before it is queued: return the (possibly changed) call to send it, or
     * `null`/`undefined` to drop it. If it throws, the call is sent unchanged and one line is logged.
     */
    beforeSend?: (call: Call) => Call | null | undefined;
    /** Overrides the transport label the SDK detects (`stdio`, `http`, `sse`, `memory`). */
    transport?: CallTransport;
    /** Receives the few log lines (default: standard error, prefixed `telltale: `). */
    logger?: (line: string) => void;
    /** A request without an outcome after this long is recorded as `noResponse` (default 300,000 ms). */
    requestTimeoutMs?: number;
    /** A queued call waits at most this long before its batch is sent (default 1000 ms). */
    flushIntervalMs?: number;
    /** Calls sent in one batch at most (default 500). */
    maxBatchCalls?: number;
    /** Calls held in memory at most (default 10,000); beyond it the oldest spill to the spool (spool off: new calls are dropped and counted). */
    maxQueuedCalls?: number;
    /** Time one ingest POST may take (default 10,000 ms). */
    ingestTimeoutMs?: number;
    /** Try to deliver queued calls when the process is about to exit (`beforeExit`; default true). */
    flushOnExit?: boolean;
    /**
     * The disk spool folder for calls the collector cannot take now (default: the CLI's folder for this
     * endpoint, `$XDG_DATA_HOME/telltale/spool/{host}_{port}` or `~/.local/share/telltale/spool/{host}_{port}`);
     * `false` turns the spool off: undeliverable calls are then dropped (and lost at exit).
     */
    spoolDirectory?: string | false;
    /** Upper bound of the spool folder in bytes (default 256 MiB); the oldest files are deleted beyond it. */
    maxSpoolBytes?: number;
    /** Where `TELLTALE_ENDPOINT`/`TELLTALE_API_KEY` (and `XDG_DATA_HOME`/`HOME` for the spool) are read (default `process.env`). */
    env?: Record<string, string | undefined>;
}

/** The endpoint and key in force: arguments win over the environment. */
export function resolveEndpoint(options: MonitorOptions): { endpoint?: string; apiKey?: string } {
    const env = options.env ?? process.env;
    const pick = (argument: string | undefined, name: string): string | undefined => {
        const value = argument ?? env[name];
        return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
    };
    return { endpoint: pick(options.endpoint, "TELLTALE_ENDPOINT"), apiKey: pick(options.apiKey, "TELLTALE_API_KEY") };
}

/** The spool folder in force: the option, else the CLI's default folder for the endpoint; undefined when off. */
export function resolveSpoolDirectory(options: MonitorOptions, endpoint: string): string | undefined {
    if (options.spoolDirectory === false) return undefined;
    if (typeof options.spoolDirectory === "string" && options.spoolDirectory.trim() !== "") return options.spoolDirectory;
    return defaultSpoolDirectory(endpoint, options.env ?? process.env);
}
