import { promises as fsp, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Default bound of a spool folder (the CLI's `maxSpoolBytes`): 256 MiB. */
export const DEFAULT_MAX_SPOOL_BYTES = 256 * 1024 * 1024;

const SUFFIX = ".ndjson.gz";
/** A claim older than this belongs to a process that died mid-send: the file is put back. */
const STALE_CLAIM_MS = 10 * 60_000;
/** A temporary file older than this was left by a writer that died between write and rename. */
const STALE_TMP_MS = 3600_000;

/** `$XDG_DATA_HOME/telltale/spool` (when absolute), else `~/.local/share/telltale/spool` (as the CLI). */
export function defaultSpoolRoot(env: Record<string, string | undefined> = process.env): string {
    const xdg = env.XDG_DATA_HOME;
    if (xdg && xdg.startsWith("/")) return join(xdg, "telltale", "spool");
    const home = env.HOME && env.HOME !== "" ? env.HOME : homedir();
    return join(home, ".local", "share", "telltale", "spool");
}

/** The CLI's per-endpoint folder name, e.g. `127.0.0.1_7340` or `collector.example.com_443_ingest`. */
export function spoolFolderName(endpoint: string): string {
    const url = new URL(endpoint);
    const scheme = url.protocol.replace(/:$/, "").toLowerCase() || "http";
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase() || "localhost";
    const port = url.port !== "" ? Number(url.port) : scheme === "https" ? 443 : 80;
    let name = `${host}_${port}`;
    const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, "");
    if (path !== "") name += "_" + path;
    return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** The folder a shipper of `endpoint` spools into by default. */
export function defaultSpoolDirectory(endpoint: string, env?: Record<string, string | undefined>): string {
    return join(defaultSpoolRoot(env), spoolFolderName(endpoint));
}

/** One batch file of the spool. */
export interface SpoolFile {
    name: string;
    calls: number;
}

/** A batch file taken for sending: renamed to a dot-name no other shipper (nor the CLI) lists. */
export interface ClaimedFile extends SpoolFile {
    claimPath: string;
}

/** The `n{calls}` part of a batch file name (0 when missing). */
export function callCountInName(name: string): number {
    const stem = name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : name;
    const last = stem.split("-").pop() ?? "";
    return /^n\d+$/.test(last) ? Number(last.slice(1)) : 0;
}

/**
 * A bounded folder of batch files in the CLI's format (`DiskSpool.swift`): each file is the gzip NDJSON body
 * of one ingest request, named `{µs since 1970, 20 digits}-{pid, 10}-{seq, 8}-n{calls}.ndjson.gz` (names sort
 * in creation order) and written atomically (a `.tmp-` file, then a rename). Over `maxBytes` the oldest files
 * are deleted. A drainer claims a file by renaming it to `.claim-{ms}-{pid}-{name}` before sending it, so two
 * shippers sharing the folder never send the same file; claims of a dead process are put back after 10 minutes.
 * Every method throws on an I/O error: the shipper turns the spool off then (fail open).
 */
export class DiskSpool {
    private sequence = 0;

    constructor(readonly directory: string, readonly maxBytes: number) {}

    private fileName(calls: number): { name: string; tmp: string } {
        this.sequence += 1;
        const micros = BigInt(Date.now()) * 1000n;
        const name = `${micros.toString().padStart(20, "0")}-${String(process.pid).padStart(10, "0")}-${String(this.sequence).padStart(8, "0")}-n${calls}${SUFFIX}`;
        return { name, tmp: `.tmp-${process.pid}-${this.sequence}` };
    }

    /** Writes one gzip batch (asynchronously); returns the calls of the files evicted to keep the bound. */
    async write(body: Uint8Array, calls: number): Promise<number> {
        const { name, tmp } = this.fileName(calls);
        await fsp.mkdir(this.directory, { recursive: true, mode: 0o700 });
        const tmpPath = join(this.directory, tmp);
        try {
            await fsp.writeFile(tmpPath, body, { mode: 0o600 });
            await fsp.rename(tmpPath, join(this.directory, name));
        } catch (error) {
            await fsp.unlink(tmpPath).catch(() => undefined);
            throw error;
        }
        return this.enforceBound();
    }

    /** The same, synchronously (at process exit, when nothing asynchronous runs any more). */
    writeSync(body: Uint8Array, calls: number): number {
        const { name, tmp } = this.fileName(calls);
        mkdirSync(this.directory, { recursive: true, mode: 0o700 });
        const tmpPath = join(this.directory, tmp);
        try {
            writeFileSync(tmpPath, body, { mode: 0o600 });
            renameSync(tmpPath, join(this.directory, name));
        } catch (error) {
            try {
                unlinkSync(tmpPath);
            } catch {
                // Already gone.
            }
            throw error;
        }
        return this.enforceBoundSync();
    }

    /** Batch files, oldest first (none when the folder does not exist). */
    async files(): Promise<SpoolFile[]> {
        let names: string[];
        try {
            names = await fsp.readdir(this.directory);
        } catch (error) {
            if ((error as { code?: unknown }).code === "ENOENT") return [];
            throw error;
        }
        return batchFiles(names);
    }

    /**
     * Takes the oldest batch file that no one else took (rename), or undefined when there is none. Also
     * puts back stale claims and deletes stale temporary files.
     */
    async claimOldest(): Promise<ClaimedFile | undefined> {
        let names: string[];
        try {
            names = await fsp.readdir(this.directory);
        } catch (error) {
            if ((error as { code?: unknown }).code === "ENOENT") return undefined;
            throw error;
        }
        await this.recoverStale(names);
        for (const file of batchFiles(names)) {
            const claimPath = join(this.directory, `.claim-${Date.now()}-${process.pid}-${file.name}`);
            try {
                await fsp.rename(join(this.directory, file.name), claimPath);
            } catch (error) {
                if ((error as { code?: unknown }).code === "ENOENT") continue; // another drainer took it, or evicted
                throw error;
            }
            return { ...file, claimPath };
        }
        return undefined;
    }

    /** Puts a claimed file back under its name (its send failed and will be retried). */
    async release(file: ClaimedFile): Promise<void> {
        await fsp.rename(file.claimPath, join(this.directory, file.name));
    }

    /** The same, synchronously (at process exit). */
    releaseSync(file: ClaimedFile): void {
        renameSync(file.claimPath, join(this.directory, file.name));
    }

    /** Deletes a claimed file (delivered, refused or corrupt). */
    async remove(file: ClaimedFile): Promise<void> {
        await fsp.unlink(file.claimPath).catch((error: unknown) => {
            if ((error as { code?: unknown }).code !== "ENOENT") throw error;
        });
    }

    private async recoverStale(names: string[]): Promise<void> {
        const now = Date.now();
        for (const name of names) {
            const claim = /^\.claim-(\d+)-\d+-(.+)$/.exec(name);
            if (claim && now - Number(claim[1]) > STALE_CLAIM_MS) {
                await fsp.rename(join(this.directory, name), join(this.directory, claim[2])).catch(() => undefined);
            } else if (name.startsWith(".tmp-")) {
                const info = await fsp.stat(join(this.directory, name)).catch(() => undefined);
                if (info && now - info.mtimeMs > STALE_TMP_MS) await fsp.unlink(join(this.directory, name)).catch(() => undefined);
            }
        }
    }

    private async enforceBound(): Promise<number> {
        const sized: Array<SpoolFile & { size: number }> = [];
        for (const file of await this.files()) {
            const info = await fsp.stat(join(this.directory, file.name)).catch(() => undefined);
            if (info) sized.push({ ...file, size: info.size });
        }
        let total = sized.reduce((sum, file) => sum + file.size, 0);
        let evicted = 0;
        for (const file of sized) {
            if (total <= this.maxBytes) break;
            await fsp.unlink(join(this.directory, file.name)).catch(() => undefined);
            total -= file.size;
            evicted += file.calls;
        }
        return evicted;
    }

    private enforceBoundSync(): number {
        const sized: Array<SpoolFile & { size: number }> = [];
        for (const file of batchFiles(readdirSync(this.directory))) {
            try {
                sized.push({ ...file, size: statSync(join(this.directory, file.name)).size });
            } catch {
                // Drained or evicted meanwhile.
            }
        }
        let total = sized.reduce((sum, file) => sum + file.size, 0);
        let evicted = 0;
        for (const file of sized) {
            if (total <= this.maxBytes) break;
            try {
                unlinkSync(join(this.directory, file.name));
            } catch {
                // Already gone.
            }
            total -= file.size;
            evicted += file.calls;
        }
        return evicted;
    }
}

function batchFiles(names: string[]): SpoolFile[] {
    return names
        .filter((name) => !name.startsWith(".") && name.endsWith(SUFFIX))
        .sort()
        .map((name) => ({ name, calls: callCountInName(name) }));
}
