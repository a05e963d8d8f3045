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
    private readonly cache = new Map<string, boolean>();

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

    /** Whether values under `key` are redacted (answers are cached: the same keys come back all the time). */
    isSensitive(key: string): boolean {
        const cached = this.cache.get(key);
        if (cached !== undefined) return cached;
        const normalized = key.toLowerCase().replace(/[-_ ]/g, "");
        const sensitive = normalized === "auth"
            || (!EXEMPT_KEYS.has(normalized) && DEFAULT_FRAGMENTS.some((fragment) => normalized.includes(fragment)))
            || this.extra.some((pattern) => pattern.test(key));
        if (this.cache.size >= 4096) this.cache.clear();
        this.cache.set(key, sensitive);
        return sensitive;
    }

    /**
     * `value` with every value under a sensitive key replaced by the marker, as JSON would see it.
     * Copy on write: parts with nothing to redact are returned as they are (the caller only serializes them).
     */
    redact(value: unknown): JSONValue {
        return this.copy(value, 0);
    }

    private copy(value: unknown, depth: number): JSONValue {
        if (value === null || typeof value === "string" || typeof value === "boolean") return value;
        if (typeof value === "number") return Number.isFinite(value) ? value : null;
        if (depth > 64) return null;
        if (Array.isArray(value)) {
            let out: JSONValue[] | undefined;
            for (let index = 0; index < value.length; index += 1) {
                const element = value[index];
                const copied = this.copy(element === undefined || typeof element === "function" ? null : element, depth + 1);
                if (out === undefined && copied !== element) out = value.slice(0, index) as JSONValue[];
                if (out !== undefined) out.push(copied);
            }
            return out ?? (value as JSONValue[]);
        }
        if (typeof value === "object") {
            const source = value as Record<string, unknown>;
            if (typeof (source as { toJSON?: unknown }).toJSON === "function") {
                return this.copy(JSON.parse(JSON.stringify(source)), depth + 1);
            }
            let out: { [key: string]: JSONValue } | undefined;
            const keys = Object.keys(source);
            for (let index = 0; index < keys.length; index += 1) {
                const key = keys[index];
                const member = source[key];
                const skip = member === undefined || typeof member === "function" || typeof member === "symbol";
                const copied = skip ? undefined : this.isSensitive(key) ? Redactor.marker : this.copy(member, depth + 1);
                if (out === undefined && (copied !== member || skip)) {
                    out = {};
                    for (let before = 0; before < index; before += 1) out[keys[before]] = source[keys[before]] as JSONValue;
                }
                if (out !== undefined && copied !== undefined) out[key] = copied;
            }
            return out ?? (source as { [key: string]: JSONValue });
        }
        return null;
    }
}
