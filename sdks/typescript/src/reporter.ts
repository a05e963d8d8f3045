/** Writes the few human-readable problem lines: at most one per kind of problem, for the life of the monitor. */
export class Reporter {
    private readonly seen = new Set<string>();

    constructor(private readonly sink: (line: string) => void) {}

    /** Writes `line` unless a line of this `kind` was already written; never throws. */
    once(kind: string, line: string): void {
        if (this.seen.has(kind)) return;
        this.seen.add(kind);
        try {
            this.sink(line);
        } catch {
            // A broken logger must not break the server either.
        }
    }

    /** Whether a line of `kind` was written. */
    has(kind: string): boolean {
        return this.seen.has(kind);
    }
}

/** The default log sink: one line on standard error, prefixed `telltale: ` (stdout carries MCP on stdio). */
export function writeToStandardError(line: string): void {
    process.stderr.write(`telltale: ${line}\n`);
}
