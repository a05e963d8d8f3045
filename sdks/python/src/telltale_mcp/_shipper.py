"""Delivers Call records to the collector, like ``Shipper.swift`` without its disk spool.

``POST {endpoint}/api/v1/ingest`` with ``Authorization: Bearer <key>``, ``Content-Type: application/x-ndjson``,
``Content-Encoding: gzip``; batches of at most 500 calls or 1 MiB; network errors, 5xx, 408 and 429 are retried
with exponential backoff and full jitter (250 ms to 30 s, ``Retry-After`` honoured up to 5 minutes); other 4xx
drop the batch with one log line. Only the SDK's background thread calls it: standard library only.
"""

from __future__ import annotations

import gzip
import json
import random
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from ._log import say_once

MAX_BATCH_CALLS = 500
MAX_BATCH_BYTES = 1 << 20


@dataclass
class ShipperStats:
    """Counters of the shipper (read them through ``Monitor.stats``)."""

    sent: int = 0
    rejected: int = 0
    dropped: int = 0
    retries: int = 0
    batches_sent: int = 0
    last_status: int | None = None
    last_error: str | None = None
    extra: dict[str, int] = field(default_factory=dict)


class Shipper:
    """Batches encoded lines and posts them; owned by one thread (no locking inside)."""

    def __init__(self, endpoint: str, api_key: str, *, max_queued_calls: int = 10_000,
                 request_timeout: float = 10.0, initial_backoff: float = 0.25, max_backoff: float = 30.0) -> None:
        self.ingest_url = endpoint.rstrip("/") + "/api/v1/ingest"
        self.endpoint = endpoint
        self.api_key = api_key
        self.max_queued_calls = max(1, max_queued_calls)
        self.request_timeout = request_timeout
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.lines: deque[bytes] = deque()
        self.queued_bytes = 0
        self.oldest_at: float | None = None
        self.outage_until = 0.0
        self.backoff = initial_backoff
        self.reported_outage = False
        self.stats = ShipperStats()

    # -- queue ---------------------------------------------------------------------------------------

    def add(self, line: bytes) -> None:
        """Queues one encoded Call (JSON, no newline); drops the oldest beyond the bound (counted)."""
        if len(self.lines) >= self.max_queued_calls:
            dropped = self.lines.popleft()
            self.queued_bytes -= len(dropped) + 1
            self.stats.dropped += 1
            say_once("queue-full", f"more than {self.max_queued_calls} calls waiting for the collector: "
                                   "the oldest are being dropped (counted in stats)")
        if not self.lines:
            self.oldest_at = time.monotonic()
        self.lines.append(line)
        self.queued_bytes += len(line) + 1

    @property
    def queued(self) -> int:
        return len(self.lines)

    def ready(self, now: float, max_delay: float) -> bool:
        """Whether a batch should be sent now (full, or its oldest call waited ``max_delay``)."""
        if not self.lines or now < self.outage_until:
            return False
        if len(self.lines) >= MAX_BATCH_CALLS or self.queued_bytes >= MAX_BATCH_BYTES:
            return True
        return self.oldest_at is not None and now - self.oldest_at >= max_delay

    # -- sending -------------------------------------------------------------------------------------

    def send_ready(self, max_delay: float, force: bool = False) -> bool:
        """Sends batches while they are ready (all of them when ``force``); False when the collector failed."""
        while self.lines:
            now = time.monotonic()
            if not force and not self.ready(now, max_delay):
                return True
            if force and now < self.outage_until:
                return False
            count, size = 0, 0
            for line in self.lines:
                if count >= MAX_BATCH_CALLS or (count > 0 and size + len(line) + 1 > MAX_BATCH_BYTES):
                    break
                count += 1
                size += len(line) + 1
            batch = [self.lines[i] for i in range(count)]
            outcome = self._post(batch)
            if outcome == "retry":
                return False
            for _ in range(count):
                self.lines.popleft()
            self.queued_bytes -= size
            self.oldest_at = time.monotonic() if self.lines else None
        return True

    def _post(self, batch: list[bytes]) -> str:
        body = gzip.compress(b"\n".join(batch) + b"\n", compresslevel=1)
        headers = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip",
                   "User-Agent": "telltale-mcp-python"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.ingest_url, data=body, headers=headers, method="POST")
        retry_after: float | None = None
        try:
            with urllib.request.urlopen(request, timeout=self.request_timeout) as response:
                status = response.status
                reply = response.read()
        except urllib.error.HTTPError as error:
            status = error.code
            reply = error.read() if error.fp is not None else b""
            retry_after = _retry_after(error.headers.get("Retry-After") if error.headers else None)
        except Exception as error:  # noqa: BLE001 - network errors of any kind are retried
            return self._retry(f"{type(error).__name__}: {error}", None)
        self.stats.last_status = status
        if 200 <= status < 300:
            self._acknowledged(batch, reply)
            return "delivered"
        if status >= 500 or status in (408, 429):
            return self._retry(f"HTTP {status}", retry_after)
        self.stats.dropped += len(batch)
        text = reply[:200].decode("utf-8", "replace").strip()
        say_once(f"refused-{status}", f"collector rejected calls: {status} {text} — calls are not being recorded")
        return "refused"

    def _acknowledged(self, batch: list[bytes], reply: bytes) -> None:
        rejected = 0
        try:
            decoded: Any = json.loads(reply) if reply else {}
            rejections = decoded.get("rejected") or []
            rejected = min(len(rejections), len(batch))
            if rejected:
                sample = "; ".join(str(r) for r in rejections[:3])
                say_once("rejected-lines", f"collector rejected {rejected} of {len(batch)} calls in a batch ({sample})")
        except (ValueError, AttributeError):
            pass
        self.stats.sent += len(batch) - rejected
        self.stats.rejected += rejected
        self.stats.batches_sent += 1
        self.backoff = self.initial_backoff
        self.outage_until = 0.0
        if self.reported_outage:
            self.reported_outage = False
            say_once("recovered", "collector reachable again", level=20)

    def _retry(self, reason: str, retry_after: float | None) -> str:
        self.stats.retries += 1
        self.stats.last_error = reason
        delay = random.uniform(0, self.backoff)
        self.backoff = min(self.max_backoff, self.backoff * 2)
        if retry_after is not None:
            delay = min(retry_after, max(self.max_backoff, 300.0))
        self.outage_until = time.monotonic() + delay
        if not self.reported_outage:
            self.reported_outage = True
            say_once("unreachable", f"cannot deliver calls to the collector at {self.endpoint} ({reason}) — "
                                    "keeping them in memory and retrying")
        return "retry"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
