/** RFC 3339 UTC text with microseconds, as the Swift codec writes it: `2026-11-25T10:13:33.123456Z`. */
export function formatRFC3339(epochMicros: number): string {
    const micros = Math.round(epochMicros);
    const seconds = Math.floor(micros / 1_000_000);
    const fraction = micros - seconds * 1_000_000;
    const date = new Date(seconds * 1000);
    const pad = (value: number, width: number): string => String(value).padStart(width, "0");
    return (
        `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
        `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}` +
        `.${pad(fraction, 6)}Z`
    );
}

/** Microseconds since the Unix epoch of a `performance.now()` reading. */
export function epochMicros(performanceNow: number): number {
    return (performance.timeOrigin + performanceNow) * 1000;
}
