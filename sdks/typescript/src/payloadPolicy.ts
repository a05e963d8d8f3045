import { JSONValue } from "./call";
import { Redactor } from "./redactor";

/**
 * Whether and how request/response payloads are captured (the rule of `PayloadPolicy.swift`):
 * redacted first, then capped. A payload whose redacted JSON is over `maxBytes` is stored as
 * `{"$truncated": true, "originalBytes": N, "preview": "<head of the redacted JSON text>"}`.
 */
export class PayloadPolicy {
    /** Default cap per payload: 16 KiB. */
    static readonly defaultMaxBytes = 16 * 1024;

    constructor(
        readonly capture: boolean = true,
        readonly redactor: Redactor = new Redactor(),
        readonly maxBytes: number = PayloadPolicy.defaultMaxBytes
    ) {}

    /**
     * The stored form of one payload (`params`, `result` or `error`); undefined when capture is off or there is none.
     * `enclosingBytes` is the size of the whole message's JSON, when known: redaction grows a text by less than
     * 4x, so a message of at most a quarter of the cap needs no size check.
     */
    payload(value: unknown, enclosingBytes?: number): JSONValue | undefined {
        if (!this.capture || value === undefined) return undefined;
        const redacted = this.redactor.redact(value);
        if (enclosingBytes !== undefined && enclosingBytes * 4 <= this.maxBytes) return redacted;
        const text = JSON.stringify(redacted);
        const size = Buffer.byteLength(text, "utf8");
        if (size <= this.maxBytes) return redacted;
        let original = size;
        try {
            original = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
        } catch {
            // Keep the redacted size.
        }
        return {
            $truncated: true,
            originalBytes: original,
            preview: utf8Prefix(text, Math.max(0, this.maxBytes - 128)),
        };
    }
}

/** The longest prefix of `text` whose UTF-8 form is at most `maxBytes`, never cutting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length <= maxBytes) return text;
    let cut = maxBytes;
    while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut -= 1;
    return bytes.toString("utf8", 0, cut);
}
