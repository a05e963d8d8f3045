"""The monitor: a lock-free event queue filled by the server's hooks, drained by one background thread.

The hooks on the request path only take timestamps and append a tuple to a ``deque`` (no lock, no
syscall, no JSON). The background thread turns events into Call records (``Tracker``), applies
``before_send``, encodes NDJSON and ships it (``Shipper``). Any exception inside the SDK disables
monitoring with one log line; the server keeps serving.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._log import say_once
from ._redact import DEFAULT_MAX_BYTES, PayloadPolicy, Redactor, dumps
from ._shipper import Shipper
from ._spool import DEFAULT_MAX_SPOOL_BYTES, DiskSpool, resolved_spool_directory
from ._tracker import Session, Tracker

BeforeSend = Callable[[dict[str, Any]], "dict[str, Any] | None"]

#: How long a cancelled handler waits for the `notifications/cancelled` that explains it.
ABORT_GRACE_NS = 1_000_000_000

_monitors: "weakref.WeakSet[Monitor]" = weakref.WeakSet()
_atexit_registered = False


class Monitor:
    """Monitoring state of one server; returned by ``telltale_mcp.monitor``.

    ``enabled`` is False when there is no endpoint/key, the ``mcp`` shape is not understood, or an
    internal error disabled it (``disabled_reason`` says which).
    """

    def __init__(self, *, endpoint: str | None, api_key: str | None, tags: Mapping[str, str] | None = None,
                 redact_keys: Iterable[str] = (), capture_payloads: bool = True,
                 max_payload_bytes: int = DEFAULT_MAX_BYTES, before_send: BeforeSend | None = None,
                 transport: str | None = None, flush_interval: float = 1.0, max_queued_calls: int = 10_000,
                 request_timeout: float = 300.0, spool_directory: "str | os.PathLike[str] | bool | None" = True,
                 max_spool_bytes: int = DEFAULT_MAX_SPOOL_BYTES) -> None:
        self.enabled = False
        self.disabled_reason: str | None = None
        self.integration: str | None = None
        self.transport_override = transport
        self.before_send = before_send
        self.flush_interval = flush_interval
        self.max_queued_events = max(1, max_queued_calls) * 2
        self.dropped_events = 0
        #: CPU time used by the background thread so far (capture, encoding, gzip, HTTP).
        self.worker_cpu_ns = 0
        self.internal_errors = 0
        self.endpoint = endpoint
        self._events: deque[tuple[Any, ...]] = deque()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._flush_lock = threading.Lock()
        self._flush_requests: list[threading.Event] = []
        self._sessions: dict[int, Session] = {}
        self.tracker: Tracker | None = None
        self.shipper: Shipper | None = None
        if not endpoint or not api_key:
            missing = "endpoint" if not endpoint else "API key"
            self.disabled_reason = f"no {missing}"
            say_once("no-config", f"monitoring disabled: no {missing} (set TELLTALE_ENDPOINT and TELLTALE_API_KEY "
                                  "or pass endpoint= and api_key=)")
            return
        redactor = Redactor(redact_keys)
        self.tracker = Tracker(PayloadPolicy(capture_payloads, max_payload_bytes, redactor), dict(tags or {}),
                               timeout_ns=int(request_timeout * 1e9))
        spool = None
        if spool_directory is not None and spool_directory is not False:
            try:
                folder = resolved_spool_directory(endpoint, None if spool_directory is True else spool_directory)
                spool = DiskSpool(folder, max_spool_bytes)
            except Exception as error:  # noqa: BLE001 - fail open: no spool
                say_once("spool-io", f"disk spool turned off ({type(error).__name__}: {error})")
        self.shipper = Shipper(endpoint, api_key, max_queued_calls=max_queued_calls, spool=spool)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self, integration: str) -> None:
        """Starts the background thread; the hooks are already installed by the integration."""
        global _atexit_registered
        self.integration = integration
        self.enabled = True
        self._thread = threading.Thread(target=self._run, name="telltale-mcp", daemon=True)
        self._thread.start()
        _monitors.add(self)
        if not _atexit_registered:
            _atexit_registered = True
            atexit.register(_flush_all_at_exit)

    def disable(self, reason: str) -> None:
        """Turns monitoring off for good (hooks become pass-through); one log line per reason kind."""
        self.enabled = False
        if self.disabled_reason is None:
            self.disabled_reason = reason
        say_once(f"disabled:{id(self)}", f"monitoring disabled: {reason} — the server keeps serving")

    def internal_error(self, where: str, error: BaseException) -> None:
        """A bug inside the SDK: counted, reported once, monitoring disabled."""
        self.internal_errors += 1
        self.disable(f"internal error in {where}: {type(error).__name__}: {error}")

    # -- hot path ------------------------------------------------------------------------------------

    def push(self, event: tuple[Any, ...]) -> None:
        """Queues one event for the background thread (never blocks; drops and counts when full)."""
        if len(self._events) >= self.max_queued_events:
            self.dropped_events += 1
            say_once("events-full", "the capture queue is full (collector too slow?): calls are being dropped")
            return
        self._events.append(event)

    def register(self, session: Session) -> None:
        """Makes a session known to the background thread (timeouts, close)."""
        self.push((self._w_register, session))

    # -- background thread ---------------------------------------------------------------------------

    def _w_register(self, session: Session, out: list[dict[str, Any]]) -> None:
        self._sessions[id(session)] = session

    def forget(self, session: Session) -> None:
        """Background thread: a session with nothing left to track (an ephemeral one that got its outcome)."""
        self._sessions.pop(id(session), None)

    def _run(self) -> None:
        last_expire = time.monotonic()
        while not self._stop:
            self._wake.wait(timeout=min(0.25, self.flush_interval))
            self._wake.clear()
            cpu_start = time.thread_time_ns()
            try:
                flushing = self._take_flush_requests()
                out = self._drain()
                if self.tracker is not None and not self.internal_errors:
                    mono = time.perf_counter_ns()
                    for session in list(self._sessions.values()):
                        if session.aborted:
                            self.tracker.settle(session, mono, ABORT_GRACE_NS, out)
                            if session.ephemeral and not session.pending:
                                self.forget(session)
                now = time.monotonic()
                if now - last_expire >= 1.0 and self.tracker is not None:
                    last_expire = now
                    mono = time.perf_counter_ns()
                    for session in list(self._sessions.values()):
                        self.tracker.expire(session, mono, out)
                self._ship(out, force=bool(flushing))
                self.worker_cpu_ns += time.thread_time_ns() - cpu_start
                for request in flushing:
                    request.set()
            except Exception as error:  # noqa: BLE001 - fail open
                self.internal_error("background thread", error)
                for request in self._take_flush_requests():
                    request.set()
        self._spool_leftovers()

    def _spool_leftovers(self) -> None:
        """The worker stops: calls still queued go to the disk spool instead of being lost."""
        try:
            if self.shipper is not None:
                self.shipper.spool_leftovers()
        except Exception as error:  # noqa: BLE001 - fail open
            say_once("spool-io", f"disk spool failed at shutdown ({type(error).__name__}: {error})")

    def _take_flush_requests(self) -> list[threading.Event]:
        with self._flush_lock:
            requests, self._flush_requests = self._flush_requests, []
        return requests

    def _drain(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        events = self._events
        while events:
            event = events.popleft()
            if self.internal_errors:
                continue
            try:
                event[0](*event[1:], out)
            except Exception as error:  # noqa: BLE001 - fail open
                self.internal_error("call tracking", error)
                return []
        return out

    def _ship(self, calls: list[dict[str, Any]], force: bool) -> None:
        shipper = self.shipper
        if shipper is None:
            return
        hook = self.before_send
        for call in calls:
            if hook is not None:
                try:
                    changed = hook(call)
                except Exception as error:  # noqa: BLE001 - the hook is user code
                    say_once("before-send", f"before_send raised {type(error).__name__}: {error}; "
                                            "the call is sent unchanged")
                    changed = call
                if changed is None:
                    continue
                call = changed if isinstance(changed, dict) else call
            try:
                # A hook may have changed a payload in place: then its text is encoded afresh.
                line = encode_call(call, reuse_texts=hook is None)
            except (TypeError, ValueError) as error:
                say_once("encode", f"a call could not be encoded ({error}); it is dropped")
                continue
            shipper.add(line)
        shipper.send_ready(self.flush_interval, force=force)

    # -- public --------------------------------------------------------------------------------------

    def flush(self, timeout: float = 10.0) -> bool:
        """Sends every call captured so far; True when all were delivered within ``timeout`` seconds.

        Never raises. Safe from any thread; from a coroutine, prefer ``await asyncio.to_thread(m.flush)``.
        """
        if self._thread is None or not self._thread.is_alive():
            return self._all_delivered()
        done = threading.Event()
        with self._flush_lock:
            self._flush_requests.append(done)
        self._wake.set()
        if not done.wait(timeout):
            return False
        # Events appended while that pass ran are taken by one more pass.
        if self._events:
            again = threading.Event()
            with self._flush_lock:
                self._flush_requests.append(again)
            self._wake.set()
            again.wait(timeout)
        return self._all_delivered()

    def _all_delivered(self) -> bool:
        shipper = self.shipper
        return shipper is None or (shipper.queued == 0 and not shipper.spool_pending)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Flushes (up to ``timeout``) and stops the background thread. Idempotent; never raises."""
        try:
            self.close_sessions()
            self.flush(timeout)
        finally:
            self.enabled = False  # hooks pass through from now on
            self._stop = True
            self._wake.set()
            if self._thread is not None and self._thread is not threading.current_thread():
                # The worker writes what is still queued to the spool before it ends.
                self._thread.join(timeout=float(os.environ.get("TELLTALE_EXIT_SPOOL_SECONDS", "5")))

    def close_sessions(self) -> None:
        """Ends every open request as ``noResponse`` (process exit)."""
        self.push((self._w_close_all,))

    def _w_close_all(self, out: list[dict[str, Any]]) -> None:
        if self.tracker is None:
            return
        mono = time.perf_counter_ns()
        for session in list(self._sessions.values()):
            self.tracker.close(session, mono, out, reason="process exiting")
        self._sessions.clear()

    def _w_close(self, session: Session, mono_ns: int, out: list[dict[str, Any]]) -> None:
        """One connection ended: its open requests become ``noResponse``."""
        if self.tracker is not None and not session.closed:
            self.tracker.close(session, mono_ns, out)
        self._sessions.pop(id(session), None)

    @property
    def stats(self) -> dict[str, Any]:
        """Counters: queued, sent, rejected, dropped, retries, internal errors."""
        shipper = self.shipper
        return {
            "enabled": self.enabled,
            "queuedEvents": len(self._events),
            "queuedCalls": shipper.queued if shipper else 0,
            "sent": shipper.stats.sent if shipper else 0,
            "rejected": shipper.stats.rejected if shipper else 0,
            "dropped": (shipper.stats.dropped if shipper else 0) + self.dropped_events,
            "retries": shipper.stats.retries if shipper else 0,
            "spooled": shipper.stats.spooled if shipper else 0,
            "sentFromSpool": shipper.stats.spool_sent if shipper else 0,
            "spoolDirectory": str(shipper.spool.directory) if shipper and shipper.spool else None,
            "internalErrors": self.internal_errors,
            "workerCpuNs": self.worker_cpu_ns,
        }


def encode_call(call: dict[str, Any], reuse_texts: bool = True) -> bytes:
    """One NDJSON line (no newline); payload JSON already produced by the tracker is spliced in, not re-encoded."""
    texts = getattr(call, "texts", None) if reuse_texts else None
    if not texts:
        return dumps(call).encode("utf-8")
    parts = []
    for key in ("request", "response"):
        if key in call:
            value = call.pop(key)
            known = texts.get(key)
            parts.append(f',"{key}":{known[1] if known is not None and known[0] is value else dumps(value)}')
    head = dumps(call)
    return (head[:-1] + "".join(parts) + "}").encode("utf-8")


def _flush_all_at_exit() -> None:
    for monitor in list(_monitors):
        try:
            monitor.shutdown(timeout=float(os.environ.get("TELLTALE_EXIT_FLUSH_SECONDS", "5")))
        except Exception:  # noqa: BLE001
            pass


def flush_all(timeout: float = 10.0) -> bool:
    """Flushes every monitor of the process; True when all delivered."""
    ok = True
    for monitor in list(_monitors):
        ok = monitor.flush(timeout) and ok
    return ok
