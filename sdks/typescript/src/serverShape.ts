import { PeerInfo } from "./call";

/** An object whose `connect(transport)` the monitor wraps. */
export interface ConnectTarget {
    connect: unknown;
}

/** What the monitor needs of a recognised server. */
export interface ServerShape {
    /** `McpServer`: the outer object and its `.server`; `Server`: itself. */
    connectTargets: ConnectTarget[];
    /** The transport the server is connected to right now (monitor attached late), if any. */
    currentTransport(): object | undefined;
    /** The client name/version the server learnt in its handshake (`Server.getClientVersion()`), if any. */
    clientVersion(): PeerInfo | undefined;
    /** The server's own name/version (the `Server`'s `_serverInfo`, in 1.x and 2.x), if readable. */
    serverInfo(): PeerInfo | undefined;
    /** A 2.x dispatcher (`use(middleware)` and `dispatch()`), whose transport-less requests are tapped too. */
    dispatcher?: { use(middleware: (next: unknown) => unknown): unknown };
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
    return (typeof value === "object" || typeof value === "function") && value !== null;
}

/** Whether `object.connect` is a function that can be replaced on the instance. */
function canWrapConnect(object: Obj): boolean {
    if (typeof object.connect !== "function" || Object.isFrozen(object) || !Object.isExtensible(object)) return false;
    const own = Object.getOwnPropertyDescriptor(object, "connect");
    return !own || own.writable === true || typeof own.set === "function";
}

/** A `Protocol` subclass (the SDK's low-level `Server`): `connect` plus the request-handler API. */
function isProtocolLike(object: Obj): boolean {
    return canWrapConnect(object) && typeof object.setRequestHandler === "function"
        && (typeof object.notification === "function" || typeof object.request === "function");
}

function transportOf(object: Obj): object | undefined {
    try {
        const transport = object.transport;
        return isObject(transport) && typeof transport.send === "function" ? transport : undefined;
    } catch {
        return undefined;
    }
}

function clientVersionOf(object: Obj): PeerInfo | undefined {
    try {
        if (typeof object.getClientVersion !== "function") return undefined;
        const info = (object.getClientVersion as () => unknown).call(object);
        if (!isObject(info) || typeof info.name !== "string") return undefined;
        return typeof info.version === "string" ? { name: info.name, version: info.version } : { name: info.name };
    } catch {
        return undefined;
    }
}

/** The 2.x `Dispatcher` API: `use(middleware)` composing around `dispatch(request, env)`. */
function dispatcherOf(object: Obj): ServerShape["dispatcher"] {
    return typeof object.use === "function" && typeof object.dispatch === "function"
        ? (object as unknown as ServerShape["dispatcher"]) : undefined;
}

function serverInfoOf(object: Obj): PeerInfo | undefined {
    try {
        const info = object._serverInfo;
        if (!isObject(info) || typeof info.name !== "string") return undefined;
        return typeof info.version === "string" ? { name: info.name, version: info.version } : { name: info.name };
    } catch {
        return undefined;
    }
}

/**
 * Recognises `McpServer` (an object with `connect` and a Protocol-like `.server`) and the low-level
 * `Server` (Protocol-like itself), for `@modelcontextprotocol/sdk` 1.x and 2.x; returns why not otherwise.
 */
export function recognizeServer(server: unknown): ServerShape | string {
    if (!isObject(server)) return "monitor() needs an McpServer or Server object";
    const inner = server.server;
    if (isObject(inner) && isProtocolLike(inner)) {
        // 2.x `McpServer.server` is a getter returning the McpServer itself: wrap its connect once.
        const targets: ConnectTarget[] = [inner as unknown as ConnectTarget];
        if (inner !== server && canWrapConnect(server)) targets.push(server as unknown as ConnectTarget);
        return {
            connectTargets: targets,
            currentTransport: () => transportOf(inner),
            clientVersion: () => clientVersionOf(inner),
            serverInfo: () => serverInfoOf(inner),
            dispatcher: dispatcherOf(inner),
        };
    }
    if (isProtocolLike(server)) {
        return {
            connectTargets: [server as unknown as ConnectTarget],
            currentTransport: () => transportOf(server),
            clientVersion: () => clientVersionOf(server),
            serverInfo: () => serverInfoOf(server),
            dispatcher: dispatcherOf(server),
        };
    }
    const name = (server as { constructor?: { name?: unknown } }).constructor?.name;
    return `unrecognised server shape (${typeof name === "string" ? name : typeof server}: expected an McpServer or Server ` +
        "of @modelcontextprotocol/sdk 1.x/2.x with connect(transport))";
}
