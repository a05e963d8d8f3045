import { JSONValue } from "./call";

/** An extra redaction pattern that is not a valid regular expression. */
export class RedactionPatternError extends Error {
    constructor(readonly pattern: string, reason: string) {
        super(`invalid redaction pattern '${pattern}': ${reason}`);
        this.name = "RedactionPatternError";
    }
}

const DEFAULT_FRAGMENTS = [
    "password", "passwd", "secret", "token", "authorization", "apikey", "cookie",
    "credential", "privatekey", "sessionid", "accesskey",
];
const EXEMPT_KEYS = new Set(["progresstoken", "maxtokens"]);

/**
 * Replaces values under sensitive keys with `"[REDACTED]"`, at any depth (the rule of `Redactor.swift`).
 *
 * Default rule: keys that, lower-cased with `-`, `_` and spaces removed, contain password, passwd, secret,
 * token, authorization, apikey, cookie, credential, privatekey, sessionid, accesskey, or are `auth`;
 * `progressToken` and `maxTokens` are kept. Extra patterns are regular expressions matched
 * case-insensitively anywhere in the key.
 */
export class Redactor {
    static readonly marker = "[REDACTED]";
    private readonly extra: RegExp[];

    /** Throws ``RedactionPatternError`` for a pattern that is not a valid regular expression. */
    constructor(extraKeyPatterns: readonly string[] = []) {
        this.extra = extraKeyPatterns.map((pattern) => {
            try {
                return new RegExp(pattern, "i");
            } catch {
                throw new RedactionPatternError(pattern, "not a valid regular expression");
            }
        });
    }

    /** Whether values under `key` are redacted. */
    isSensitive(key: string): boolean {
        const normalized = key.toLowerCase().replace(/[-_ ]/g, "");
        if (normalized === "auth") return true;
        if (!EXEMPT_KEYS.has(normalized) && DEFAULT_FRAGMENTS.some((fragment) => normalized.includes(fragment))) return true;
        return this.extra.some((pattern) => pattern.test(key));
    }

    /** A copy of `value` with every value under a sensitive key replaced by the marker. */
    redact(value: unknown): JSONValue {
        return this.copy(value, 0);
    }

    private copy(value: unknown, depth: number): JSONValue {
        if (value === null || typeof value === "string" || typeof value === "boolean") return value;
        if (typeof value === "number") return Number.isFinite(value) ? value : null;
        if (depth > 64) return null;
        if (Array.isArray(value)) return value.map((element) => this.copy(element === undefined ? null : element, depth + 1));
        if (typeof value === "object") {
            const source = value as Record<string, unknown>;
            if (typeof (source as { toJSON?: unknown }).toJSON === "function") {
                return this.copy(JSON.parse(JSON.stringify(source)), depth + 1);
            }
            const out: { [key: string]: JSONValue } = {};
            for (const key of Object.keys(source)) {
                const member = source[key];
                if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
                out[key] = this.isSensitive(key) ? Redactor.marker : this.copy(member, depth + 1);
            }
            return out;
        }
        return null;
    }
}
