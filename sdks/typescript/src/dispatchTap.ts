import { CallTransport } from "./call";
import { CallTracker, MessageSource, TrackerOptions } from "./callTracker";
import { ConnectionTap, TapEvent, TapOwner } from "./connectionTap";
import { parseTraceparent } from "./mcpMessage";

/** The 2.x dispatcher's `dispatch(request, env)`: yields notifications, then one `{kind: "response"}`. */
type DispatchFn = (request: unknown, env?: unknown) => AsyncGenerator<{ kind?: unknown; message?: unknown }, void, void>;

/** One request dispatched without a tapped transport (2.x `handle()`, `handleHttp()`, bound HTTP transports). */
class DispatchedRequest implements TapOwner {
    readonly tracker: CallTracker;
    lateAttached = false;
    sawFirstClientMessage = true;

    constructor(options: TrackerOptions, session: (traceId: string | undefined) => string) {
        this.tracker = new CallTracker((message) => {
            const modern = message.method !== "initialize" && message.protocolVersion !== undefined;
            const trace = modern && message.traceparent !== undefined ? parseTraceparent(message.traceparent) : undefined;
            return session(trace?.traceId);
        }, options);
    }
}

/**
 * The dispatch middleware of 2.x servers (`Dispatcher.use(mw)`): requests that reach `dispatch()` without
 * passing through a tapped transport — `McpServer.handle()`, `handleHttp()`, request-shaped HTTP transports
 * bound to the server — are recorded here, with their notifications and their response. Requests a tapped
 * transport delivered (the `StreamDriver` path) are left to the transport tap, so nothing is recorded twice.
 */
export function dispatchMiddleware(
    options: () => TrackerOptions,
    emit: (event: TapEvent) => void,
    isActive: () => boolean,
    newId: () => string,
    fail: (error: unknown) => void
): (next: DispatchFn) => DispatchFn {
    return (next: DispatchFn): DispatchFn => (request: unknown, env?: unknown) => {
        let owner: DispatchedRequest | undefined;
        try {
            const fromDriver = typeof env === "object" && env !== null && "_transportExtra" in env;
            if (isActive() && ConnectionTap.inboundDepth === 0 && !fromDriver) {
                const environment = (typeof env === "object" && env !== null ? env : {}) as { sessionId?: unknown; httpReq?: unknown };
                const transport: CallTransport = environment.httpReq ? "http" : "memory";
                const fallback = newId();
                const sessionId = typeof environment.sessionId === "string" && environment.sessionId !== "" ? environment.sessionId : undefined;
                owner = new DispatchedRequest({ ...options(), transport }, (traceId) => sessionId ?? (transport === "http" ? traceId : undefined) ?? fallback);
                const headers = (environment.httpReq as { headers?: unknown } | undefined)?.headers;
                emit({ type: "message", tap: owner, source: "client", message: request, now: performance.now(),
                    extra: headers ? { requestInfo: { headers } } : undefined });
            }
        } catch (error) {
            fail(error);
            owner = undefined;
        }
        const inner = next(request, env);
        if (!owner) return inner;
        const tapOwner = owner;
        const record = (source: MessageSource, message: unknown): void => {
            try {
                if (isActive()) emit({ type: "message", tap: tapOwner, source, message, now: performance.now(), extra: undefined });
            } catch (error) {
                fail(error);
            }
        };
        return (async function* observed() {
            try {
                for await (const output of inner) {
                    if (output && typeof output === "object") record("server", output.message);
                    yield output;
                }
            } finally {
                try {
                    if (isActive()) emit({ type: "close", tap: tapOwner, now: performance.now() });
                } catch (error) {
                    fail(error);
                }
            }
        })();
    };
}
