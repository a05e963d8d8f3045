"""Delivers Call records to the collector, like ``Shipper.swift``, with its disk spool (``_spool.py``).

``POST {endpoint}/api/v1/ingest`` with ``Authorization: Bearer <key>``, ``Content-Type: application/x-ndjson``,
``Content-Encoding: gzip``; batches of at most 500 calls or 1 MiB; network errors, 5xx, 408 and 429 are retried
with exponential backoff and full jitter (250 ms to 30 s, ``Retry-After`` honoured up to 5 minutes); other 4xx
drop the batch with one log line. With a spool: a batch that failed with a retryable error (and the rest of the
queue) goes to disk, as do batches that become ready during an outage, a queue overflow and the queue at shutdown;
spool files (this process's or left by others) are drained oldest first whenever the collector answers. Any spool
I/O error turns the spool off with one log line (calls then wait in memory). Only the SDK's background thread calls
it: standard library only.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from ._log import say_once
from ._spool import DiskSpool, call_count

MAX_BATCH_CALLS = 500
MAX_BATCH_BYTES = 1 << 20
#: Spool files sent per pass of the background thread, so that a long drain does not starve the capture queue.
MAX_SPOOL_FILES_PER_PASS = 8


@dataclass
class ShipperStats:
    """Counters of the shipper (read them through ``Monitor.stats``)."""

    sent: int = 0
    rejected: int = 0
    dropped: int = 0
    retries: int = 0
    spooled: int = 0
    spool_sent: int = 0
    batches_sent: int = 0
    last_status: int | None = None
    last_error: str | None = None
    extra: dict[str, int] = field(default_factory=dict)


class Shipper:
    """Batches encoded lines and posts them; owned by one thread (no locking inside)."""

    def __init__(self, endpoint: str, api_key: str, *, max_queued_calls: int = 10_000,
                 request_timeout: float = 10.0, initial_backoff: float = 0.25, max_backoff: float = 30.0,
                 spool: DiskSpool | None = None, spool_scan_interval: float = 5.0) -> None:
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
        self.spool = spool
        self.spool_scan_interval = spool_scan_interval
        self.next_spool_scan = 0.0
        self.spool_may_have_files = spool is not None
        #: Calls this shipper wrote to the spool that are not known to be delivered yet.
        self.spool_pending = False
        self.drain_disabled = False
        self.unreadable: set[str] = set()

    # -- queue ---------------------------------------------------------------------------------------

    def add(self, line: bytes) -> None:
        """Queues one encoded Call (JSON, no newline); drops the oldest beyond the bound (counted)."""
        if len(self.lines) >= self.max_queued_calls and self.spool is not None:
            self.spool_lines(min(len(self.lines), MAX_BATCH_CALLS))
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
        """Sends batches while they are ready (all of them when ``force``), then drains the spool; False when the
        collector failed. During an outage, ready batches go to the spool (when there is one)."""
        ok = self._send_queue(max_delay, force)
        if ok:
            ok = self.drain_spool(force)
        return ok

    def _next_batch(self) -> tuple[int, int]:
        count, size = 0, 0
        for line in self.lines:
            if count >= MAX_BATCH_CALLS or (count > 0 and size + len(line) + 1 > MAX_BATCH_BYTES):
                break
            count += 1
            size += len(line) + 1
        return count, size

    def _send_queue(self, max_delay: float, force: bool) -> bool:
        while self.lines:
            now = time.monotonic()
            if now < self.outage_until:
                if self.spool is not None and (force or self._batch_due(now, max_delay)):
                    self.spool_lines(len(self.lines))
                    if not self.lines:
                        return False
                return not (force or self._batch_due(now, max_delay))
            if not force and not self.ready(now, max_delay):
                return True
            count, size = self._next_batch()
            batch = [self.lines[i] for i in range(count)]
            outcome = self._post(batch)
            if outcome == "retry":
                if self.spool is not None:
                    self.spool_lines(len(self.lines))
                return False
            for _ in range(count):
                self.lines.popleft()
            self.queued_bytes -= size
            self.oldest_at = time.monotonic() if self.lines else None
            if outcome == "delivered":
                self.spool_may_have_files = self.spool is not None
        return True

    def _batch_due(self, now: float, max_delay: float) -> bool:
        if len(self.lines) >= MAX_BATCH_CALLS or self.queued_bytes >= MAX_BATCH_BYTES:
            return True
        return self.oldest_at is not None and now - self.oldest_at >= max_delay

    # -- spool ---------------------------------------------------------------------------------------

    def _spool_failed(self, error: BaseException) -> None:
        spool, self.spool = self.spool, None
        self.spool_may_have_files = False
        if spool is not None:
            try:
                spool.unlock()
            except OSError:
                pass
        say_once("spool-io", f"disk spool {spool.directory if spool else ''} turned off ({type(error).__name__}: "
                             f"{error}) — calls wait in memory while the collector is unreachable")

    def spool_lines(self, limit: int) -> None:
        """Moves up to ``limit`` of the oldest queued calls to the spool, batch by batch (stops on an I/O error)."""
        moved = 0
        while self.lines and moved < limit and self.spool is not None:
            count, size = self._next_batch()
            count = min(count, limit - moved)
            if count < len(self.lines):
                size = sum(len(self.lines[i]) + 1 for i in range(count))
            body = gzip.compress(b"\n".join(self.lines[i] for i in range(count)) + b"\n", compresslevel=1)
            try:
                _, evicted = self.spool.write(body, count)
            except OSError as error:
                self._spool_failed(error)
                return
            for _ in range(count):
                self.lines.popleft()
            self.queued_bytes -= size
            moved += count
            self.stats.spooled += count
            self.spool_pending = True
            self.spool_may_have_files = True
            if evicted:
                self.stats.dropped += sum(calls for _, calls in evicted)
                say_once("spool-full", f"spool {self.spool.directory} is full ({self.spool.max_bytes} bytes) — "
                                       "deleting the oldest spooled calls")
        self.oldest_at = time.monotonic() if self.lines else None

    def drain_spool(self, force: bool = False) -> bool:
        """Sends spool files oldest first while the collector answers; False when it failed."""
        spool = self.spool
        if spool is None or self.drain_disabled:
            return True
        now = time.monotonic()
        if now < self.outage_until:
            return False
        if not self.spool_may_have_files and now < self.next_spool_scan and not force:
            return True
        try:
            if not spool.try_lock():  # another process drains this folder
                self.spool_may_have_files = False
                self.next_spool_scan = now + self.spool_scan_interval
                return True
            spool.recover()
            files = [name for name, _ in spool.files() if name not in self.unreadable]
            if len(files) > MAX_SPOOL_FILES_PER_PASS:
                del files[MAX_SPOOL_FILES_PER_PASS:]
                self.spool_may_have_files = True  # the next pass goes on
                more = True
            else:
                more = False
            for name in files:
                if time.monotonic() < self.outage_until:
                    return False
                claimed = spool.claim(name)
                if claimed is None:
                    continue
                try:
                    with open(claimed, "rb") as handle:
                        body = handle.read()
                except OSError as error:
                    spool.release(claimed, name)
                    self.unreadable.add(name)
                    say_once("spool-unreadable", f"skipping unreadable spool file {spool.directory / name}: {error}")
                    continue
                try:
                    lines = gzip.decompress(body).splitlines()
                except (OSError, EOFError, ValueError) as error:
                    os.unlink(claimed)
                    self.stats.dropped += call_count(name)
                    say_once("spool-corrupt", f"deleting corrupt spool file {spool.directory / name} ({error})")
                    continue
                batch = [line for line in lines if line]
                outcome = self._post(batch, body)
                if outcome == "retry":
                    spool.release(claimed, name)
                    return False
                if outcome == "refused-key":
                    # This process's key is refused; the files may hold calls of a run that had a valid one (as the
                    # CLI: they stay for another process).
                    spool.release(claimed, name)
                    self.stats.dropped -= len(batch)
                    self.drain_disabled = True
                    spool.unlock()
                    return True
                os.unlink(claimed)
                if outcome == "delivered":
                    self.stats.spool_sent += len(batch)
            if not more and not [n for n, _ in spool.files() if n not in self.unreadable]:
                self.spool_pending = False
                spool.unlock()
        except OSError as error:
            self._spool_failed(error)
            return True
        if more:
            return True
        self.spool_may_have_files = False
        self.next_spool_scan = time.monotonic() + self.spool_scan_interval
        return True

    def spool_leftovers(self) -> None:
        """At shutdown: every queued call goes to the spool (when there is one); releases the drain lock."""
        if self.spool is None:
            return
        self.spool_lines(len(self.lines))
        if self.spool is not None:
            try:
                self.spool.unlock()
            except OSError:
                pass

    def _post(self, batch: list[bytes], body: bytes | None = None) -> str:
        if body is None:
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
        return "refused-key" if status in (401, 403) else "refused"

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
                                    + ("keeping them in memory and retrying" if self.spool is None else
                                       f"keeping them in {self.spool.directory} and retrying"))
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
