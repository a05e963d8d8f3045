// Minimal ambient declarations of the Node.js built-ins this package and its tests use.
//
// `@types/node` is not installable here (no npm registry, no Debian package), so the few
// signatures needed are declared by hand, narrowed to what the code calls. They describe
// Node 18+ behaviour; nothing here is emitted into the build output.

interface Buffer extends Uint8Array {
    toString(encoding?: string, start?: number, end?: number): string;
    subarray(start?: number, end?: number): Buffer;
}
declare const Buffer: {
    from(data: string, encoding?: string): Buffer;
    from(data: ArrayLike<number> | ArrayBuffer): Buffer;
    concat(list: readonly Uint8Array[], totalLength?: number): Buffer;
    byteLength(text: string, encoding?: string): number;
    alloc(size: number): Buffer;
};

interface NodeTimer {
    unref(): NodeTimer;
    ref(): NodeTimer;
}

declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number): NodeTimer;
declare function clearTimeout(timer: NodeTimer | undefined): void;
declare function setInterval(callback: (...args: unknown[]) => void, ms?: number): NodeTimer;
declare function clearInterval(timer: NodeTimer | undefined): void;
declare function setImmediate(callback: (...args: unknown[]) => void): unknown;
declare function queueMicrotask(callback: () => void): void;

declare const performance: { now(): number; readonly timeOrigin: number };

declare const console: {
    log(...args: unknown[]): void;
    error(...args: unknown[]): void;
};

declare class URL {
    constructor(input: string, base?: string);
    readonly protocol: string;
    readonly hostname: string;
    readonly port: string;
    readonly pathname: string;
    readonly search: string;
    readonly href: string;
}

declare class TextEncoder {
    encode(text: string): Uint8Array;
}

interface NodeEventEmitter {
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    off(event: string, listener: (...args: any[]) => void): this;
    removeListener(event: string, listener: (...args: any[]) => void): this;
    listenerCount(event: string): number;
}

interface NodeReadable extends NodeEventEmitter {
    setEncoding(encoding: string): this;
    pause(): this;
    resume(): this;
}

interface NodeWritable extends NodeEventEmitter {
    write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
    end(chunk?: string | Uint8Array, callback?: () => void): this;
}

declare const process: NodeEventEmitter & {
    readonly env: Record<string, string | undefined>;
    readonly argv: string[];
    readonly pid: number;
    readonly stdin: NodeReadable;
    readonly stdout: NodeWritable;
    readonly stderr: NodeWritable;
    exitCode: number | undefined;
    exit(code?: number): never;
    cwd(): string;
    hrtime: { bigint(): bigint };
    cpuUsage(previous?: { user: number; system: number }): { user: number; system: number };
    readonly version: string;
};

declare const __dirname: string;
declare function require(id: string): any;

declare module "node:zlib" {
    export function gzip(data: Uint8Array, callback: (error: Error | null, result: Buffer) => void): void;
    export function gzipSync(data: Uint8Array): Buffer;
    export function gunzipSync(data: Uint8Array): Buffer;
    export function gunzip(data: Uint8Array, callback: (error: Error | null, result: Buffer) => void): void;
}

declare module "node:crypto" {
    export function randomBytes(size: number): Buffer;
    export function randomUUID(): string;
}

declare module "node:http" {
    export interface IncomingHttpHeaders {
        [name: string]: string | string[] | undefined;
    }
    export interface IncomingMessage extends NodeReadable {
        readonly statusCode?: number;
        readonly method?: string;
        readonly url?: string;
        readonly headers: IncomingHttpHeaders;
    }
    export interface ClientRequest extends NodeWritable {
        setTimeout(ms: number, callback?: () => void): this;
        destroy(error?: Error): this;
    }
    export interface ServerResponse extends NodeWritable {
        statusCode: number;
        setHeader(name: string, value: string | number): this;
        writeHead(status: number, headers?: Record<string, string | number>): this;
    }
    export interface RequestOptions {
        method?: string;
        hostname?: string;
        port?: number | string;
        path?: string;
        headers?: Record<string, string | number>;
        agent?: Agent | false;
        timeout?: number;
    }
    export class Agent {
        constructor(options?: { keepAlive?: boolean; maxSockets?: number });
        destroy(): void;
    }
    export interface Server extends NodeEventEmitter {
        listen(port: number, host: string, callback?: () => void): this;
        address(): { port: number; address: string } | string | null;
        close(callback?: (error?: Error) => void): this;
        closeAllConnections(): void;
    }
    export function request(options: RequestOptions, callback?: (response: IncomingMessage) => void): ClientRequest;
    export function createServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Server;
}

declare module "node:https" {
    import { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions } from "node:http";
    export class Agent extends HttpAgent {}
    export function request(options: RequestOptions, callback?: (response: IncomingMessage) => void): ClientRequest;
}

declare module "node:child_process" {
    export interface ChildProcess extends NodeEventEmitter {
        readonly pid?: number;
        readonly stdin: NodeWritable | null;
        readonly stdout: NodeReadable | null;
        readonly stderr: NodeReadable | null;
        readonly exitCode: number | null;
        kill(signal?: string): boolean;
    }
    export interface SpawnOptions {
        cwd?: string;
        env?: Record<string, string | undefined>;
        stdio?: Array<"pipe" | "ignore" | "inherit" | number> | "pipe" | "ignore" | "inherit";
    }
    export function spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
    export function execFileSync(
        command: string, args: readonly string[],
        options?: { encoding?: string; env?: Record<string, string | undefined>; timeout?: number; stdio?: unknown }
    ): string;
}

declare module "node:fs" {
    export function mkdtempSync(prefix: string): string;
    export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
    export function existsSync(path: string): boolean;
    export function readFileSync(path: string, encoding: string): string;
    export function writeFileSync(path: string, data: string): void;
    export function openSync(path: string, flags: string): number;
    export function mkdirSync(path: string, options?: { recursive?: boolean; mode?: number }): string | undefined;
    export function readdirSync(path: string): string[];
    export function readFileSync(path: string): Buffer;
    export function writeFileSync(path: string, data: string | Uint8Array, options?: { mode?: number; flag?: string }): void;
    export function renameSync(from: string, to: string): void;
    export function unlinkSync(path: string): void;
    export function statSync(path: string): { size: number; mtimeMs: number };
    export function chmodSync(path: string, mode: number): void;
    export const promises: {
        mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<string | undefined>;
        readdir(path: string): Promise<string[]>;
        readFile(path: string): Promise<Buffer>;
        writeFile(path: string, data: Uint8Array, options?: { mode?: number; flag?: string }): Promise<void>;
        rename(from: string, to: string): Promise<void>;
        unlink(path: string): Promise<void>;
        stat(path: string): Promise<{ size: number; mtimeMs: number }>;
    };
}

declare module "node:os" {
    export function tmpdir(): string;
    export function homedir(): string;
}

declare module "node:path" {
    export function join(...parts: string[]): string;
    export function resolve(...parts: string[]): string;
    export function dirname(path: string): string;
}

declare module "node:net" {
    export interface Server extends NodeEventEmitter {
        listen(port: number, host: string, callback?: () => void): this;
        address(): { port: number } | string | null;
        close(callback?: () => void): this;
    }
    export function createServer(): Server;
}

declare module "node:test" {
    type TestFn = (context: { name: string }) => void | Promise<void>;
    interface TestOptions { timeout?: number; skip?: boolean | string; concurrency?: number | boolean }
    export function test(name: string, fn: TestFn): Promise<void>;
    export function test(name: string, options: TestOptions, fn: TestFn): Promise<void>;
    export function describe(name: string, fn: () => void): void;
    export function describe(name: string, options: TestOptions, fn: () => void): void;
    export function before(fn: () => void | Promise<void>, options?: TestOptions): void;
    export function after(fn: () => void | Promise<void>, options?: TestOptions): void;
    export function afterEach(fn: () => void | Promise<void>): void;

}

declare module "node:assert/strict" {
    interface Assert {
        (value: unknown, message?: string): asserts value;
        ok(value: unknown, message?: string): asserts value;
        equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
        notEqual(actual: unknown, expected: unknown, message?: string): void;
        deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
        match(value: string, pattern: RegExp, message?: string): void;
        doesNotMatch(value: string, pattern: RegExp, message?: string): void;
        rejects(block: Promise<unknown> | (() => Promise<unknown>), expected?: unknown): Promise<void>;
        throws(block: () => unknown, expected?: unknown): void;
        fail(message?: string): never;
    }
    const assert: Assert;
    export = assert;
}

declare module "node:v8" {
    export function setFlagsFromString(flags: string): void;
}

declare module "node:vm" {
    export function runInNewContext(code: string): any;
}
