"""Key-based redaction and the payload size cap, with the rules of ``Redactor.swift`` / ``PayloadPolicy.swift``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

MARKER = "[REDACTED]"
DEFAULT_MAX_BYTES = 16 * 1024

_FRAGMENTS = ("authorization", "apikey", "accesskey", "cookie", "credential", "password", "passwd",
              "privatekey", "secret", "sessionid", "token")
# Any fragment of the default rule, letters possibly separated by "-", "_" or " " (so no sensitive key is missed).
_ANY_FRAGMENT = re.compile("|".join("[-_ ]*".join(map(re.escape, f)) for f in ("auth", *_FRAGMENTS)))
_EXEMPT = frozenset({"progresstoken", "maxtokens"})
_STRIP = str.maketrans("", "", "-_ ")


class RedactionPatternError(ValueError):
    """An extra redaction pattern is not a valid regular expression."""


class Redactor:
    """Replaces values under sensitive keys with ``"[REDACTED]"``, at any depth.

    Default rule: keys (lower-cased, without ``-``, ``_`` and spaces) equal to ``auth`` or containing
    password, passwd, secret, token, authorization, apikey, cookie, credential, privatekey, sessionid,
    accesskey; ``progressToken`` and ``maxTokens`` are kept. Extra patterns are regular expressions
    searched case-insensitively anywhere in the key.
    """

    def __init__(self, extra_patterns: Iterable[str] = ()) -> None:
        compiled = []
        for pattern in extra_patterns:
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as error:
                raise RedactionPatternError(f"invalid redaction pattern {pattern!r}: {error}") from None
        self._extra = tuple(compiled)
        self._cache: dict[str, bool] = {}

    def is_sensitive(self, key: str) -> bool:
        """Whether values under ``key`` are redacted."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._decide(key)
            if len(self._cache) < 4096:
                self._cache[key] = hit
        return hit

    def _decide(self, key: str) -> bool:
        normalized = key.lower().translate(_STRIP)
        if normalized == "auth":
            return True
        if normalized not in _EXEMPT and any(fragment in normalized for fragment in _FRAGMENTS):
            return True
        return any(pattern.search(key) for pattern in self._extra)

    def might_match(self, text: str) -> bool:
        """Cheap pre-check on a payload's JSON text: False means no key in it can be sensitive."""
        if self._extra:
            return True
        lowered = text.lower()
        if "token" in lowered:
            lowered = lowered.replace('"progresstoken"', "").replace('"maxtokens"', "")
        return _ANY_FRAGMENT.search(lowered) is not None

    def redact(self, value: Any) -> Any:
        """A copy of ``value`` with every value under a sensitive key replaced by the marker."""
        if isinstance(value, dict):
            return {k: (MARKER if isinstance(k, str) and self.is_sensitive(k) else self.redact(v))
                    for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact(v) for v in value]
        return value


dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str, check_circular=False).encode
"""Compact JSON as MCP SDKs write it on the wire (no spaces, UTF-8 kept); one encoder, reused."""


def utf8_len(text: str) -> int:
    """Size of ``text`` in UTF-8 bytes."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def utf8_prefix(text: bytes, max_bytes: int) -> str:
    """The longest prefix of ``text`` of at most ``max_bytes`` that does not cut a UTF-8 sequence."""
    if len(text) <= max_bytes:
        return text.decode("utf-8", "replace")
    cut = max(0, max_bytes)
    while cut > 0 and text[cut] & 0xC0 == 0x80:
        cut -= 1
    return text[:cut].decode("utf-8", "replace")


class PayloadPolicy:
    """Whether payloads are captured; redaction first, then a cap on the redacted JSON text.

    A payload over the cap becomes ``{"$truncated": true, "originalBytes": N, "preview": "<head>"}``.
    """

    def __init__(self, capture: bool = True, max_bytes: int = DEFAULT_MAX_BYTES,
                 redactor: Redactor | None = None) -> None:
        self.capture = capture
        self.max_bytes = max(0, max_bytes)
        self.redactor = redactor or Redactor()

    def encode(self, value: Any) -> tuple[Any, str | None, int]:
        """One pass over a payload: ``(stored value, its JSON text or None, wire size of the original)``.

        The stored value is None when capture is off; the text is None for a truncation marker.
        """
        text = dumps(value)
        size = utf8_len(text)
        if not self.capture:
            return None, None, size
        if self.redactor.might_match(text):
            value = self.redactor.redact(value)
            text = dumps(value)
        if size * 4 <= self.max_bytes or utf8_len(text) <= self.max_bytes:
            return value, text, size
        return ({"$truncated": True, "originalBytes": size,
                 "preview": utf8_prefix(text.encode("utf-8"), max(0, self.max_bytes - 128))}, None, size)

    def payload(self, value: Any, original_bytes: int) -> Any:
        """The stored form of one payload (``params``, ``result`` or ``error``); None when capture is off."""
        if not self.capture or value is None:
            return None
        redacted = self.redactor.redact(value)
        if original_bytes * 4 <= self.max_bytes:
            return redacted
        text = dumps(redacted).encode("utf-8")
        if len(text) <= self.max_bytes:
            return redacted
        return {"$truncated": True, "originalBytes": max(original_bytes, 0),
                "preview": utf8_prefix(text, max(0, self.max_bytes - 128))}
