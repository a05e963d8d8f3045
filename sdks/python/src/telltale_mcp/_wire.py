"""Call ids, timestamps and trace context exactly as ``TelltaleCore`` writes them."""

from __future__ import annotations

import random
import time

_rng = random.SystemRandom()
_fast = random.Random(_rng.getrandbits(128))


def new_call_id(wall_ns: int | None = None) -> str:
    """A time-ordered UUID version 7 (RFC 9562), lower case: 48 bits of Unix ms, then 74 random bits."""
    millis = ((time.time_ns() if wall_ns is None else wall_ns) // 1_000_000) & 0xFFFF_FFFF_FFFF
    rand = _fast.getrandbits(74)
    high = (millis << 16) | 0x7000 | (rand >> 62)
    low = 0x8000_0000_0000_0000 | (rand & 0x3FFF_FFFF_FFFF_FFFF)
    text = f"{high:016x}{low:016x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_last_second = -1
_last_prefix = ""


def rfc3339(wall_ns: int) -> str:
    """RFC 3339 UTC with microseconds, e.g. ``2026-11-25T10:13:33.123456Z`` (as ``CallCodec``)."""
    global _last_second, _last_prefix
    seconds, rest = divmod(wall_ns, 1_000_000_000)
    if seconds != _last_second:
        t = time.gmtime(seconds)
        _last_prefix = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        _last_second = seconds
    return f"{_last_prefix}.{rest // 1000:06d}Z"


_HEX = frozenset("0123456789abcdefABCDEF")


def parse_traceparent(traceparent: object, tracestate: object = None) -> dict[str, str] | None:
    """``{traceId, spanId, traceparent, tracestate?}`` from a W3C ``traceparent``; None when malformed."""
    if not isinstance(traceparent, str):
        return None
    parts = traceparent.split("-")
    if len(parts) < 4 or len(parts[0]) != 2 or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    if not (set(parts[1]) <= _HEX and set(parts[2]) <= _HEX):
        return None
    if parts[1] == "0" * 32 or parts[2] == "0" * 16:
        return None
    trace = {"traceId": parts[1].lower(), "spanId": parts[2].lower(), "traceparent": traceparent}
    if isinstance(tracestate, str):
        trace["tracestate"] = tracestate
    return trace
