import { randomBytes } from "node:crypto";

/**
 * Time-ordered call ids (UUID version 7, RFC 9562), lower case, like `CallIDGenerator.swift`:
 * 48 bits of Unix milliseconds, then the version nibble, 74 random bits and the variant bits.
 * Random bytes are drawn from the system source in blocks, so an id costs no system call.
 */
export class CallIdGenerator {
    private pool: Buffer = Buffer.alloc(0);
    private offset = 0;

    /** A new id for something seen at `epochMillis`. */
    next(epochMillis: number = Date.now()): string {
        if (this.offset + 10 > this.pool.length) {
            this.pool = randomBytes(1024);
            this.offset = 0;
        }
        const random = this.pool.subarray(this.offset, this.offset + 10);
        this.offset += 10;
        const millis = Math.max(0, Math.floor(epochMillis));
        const time = millis.toString(16).padStart(12, "0").slice(-12);
        const hex = Buffer.from(random).toString("hex");
        const versioned = "7" + hex.slice(0, 3);
        const variant = ((random[2] & 0x3f) | 0x80).toString(16).padStart(2, "0") + hex.slice(6, 8);
        return `${time.slice(0, 8)}-${time.slice(8, 12)}-${versioned}-${variant}-${hex.slice(8, 20)}`;
    }
}
