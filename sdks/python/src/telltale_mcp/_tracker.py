"""Pairs JSON-RPC requests with their outcomes, per session and direction: ``CallTracker.swift`` in Python.

Runs on the SDK's background thread only (never on the server's event loop). Input is the JSON-RPC
message as a dict; output is Call records as dicts in the wire shape of ``CallCodec``.
"""

from __future__ import annotations

from typing import Any

from ._message import (  # noqa: F401 - re-exported for the integrations and tests
    CLIENT,
    CLIENT_INFO,
    DEFAULT_TIMEOUT_NS,
    PROTOCOL_VERSION,
    SERVER,
    SERVER_INFO,
    CallRecord,
    first_text,
    id_text,
    peer,
    peer_from_user_agent,
    request_bytes,
    response_bytes,
    target_of,
)
from ._redact import PayloadPolicy
from ._wire import new_call_id, parse_traceparent, rfc3339


class Session:
    """One capture session: its id, transport, learnt identity and open requests.

    ``id`` may be None for a while (HTTP before the ``Mcp-Session-Id`` is known): Calls are then held
    and released once it is set (or a synthetic id is given at close).
    """

    __slots__ = ("id", "transport", "client", "server", "protocol_version", "pending", "held", "stats",
                 "client_address", "closed", "aborted", "fallback_client", "ephemeral", "__weakref__")

    def __init__(self, session_id: str | None, transport: str) -> None:
        self.id = session_id
        self.transport = transport
        self.client: dict[str, str] | None = None
        self.server: dict[str, str] | None = None
        self.protocol_version: str | None = None
        self.pending: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
        self.held: list[dict[str, Any]] = []
        self.stats = {"unmatchedResponses": 0, "reusedIDs": 0}
        self.client_address: str | None = None
        #: Client identity used when no message names one (HTTP: the ``User-Agent``).
        self.fallback_client: dict[str, str] | None = None
        self.closed = False
        #: A session of one request (its connection exists for that request only).
        self.ephemeral = False
        #: Requests whose handler was cancelled, waiting a moment for the `notifications/cancelled` that says why.
        self.aborted: dict[tuple[str, str], int] = {}


class Tracker:
    """Builds Calls from messages; all sessions share the options (tags, payload policy, timeout)."""

    def __init__(self, payloads: PayloadPolicy, tags: dict[str, str] | None = None,
                 timeout_ns: int = DEFAULT_TIMEOUT_NS) -> None:
        self.payloads = payloads
        self.tags = dict(tags or {})
        self.timeout_ns = timeout_ns
        self._identity: tuple[dict[str, str] | None, str | None] | None = None

    # -- entry points --------------------------------------------------------------------------------

    def observe(self, session: Session, message: dict[str, Any], source: str, wall_ns: int, mono_ns: int,
                byte_count: int | None, out: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> None:
        """Processes one JSON-RPC message from ``source`` (``client`` or ``server``)."""
        if not isinstance(message, dict):
            return
        method = message.get("method")
        msg_id = id_text(message.get("id"))
        params = message.get("params")
        result = message.get("result")
        error = message.get("error")
        # The client identity of this message, read once (``_new_call`` uses it; single-threaded).
        self._identity = self._learn_identity(session, message, method, source, params, result)
        if isinstance(method, str):
            encoded = self.payloads.encode(params) if params is not None else (None, None, None)
            if byte_count is None:
                byte_count = request_bytes(msg_id, method, encoded[2])
            if msg_id is not None:
                self._start(session, message, method, msg_id, params, encoded, source, wall_ns, mono_ns, byte_count,
                            out, extra)
            else:
                self._notify(session, message, method, params, encoded, source, wall_ns, mono_ns, byte_count, out,
                             extra)
        elif error is not None or "result" in message:
            self._complete(session, message, msg_id, result, error, source, mono_ns, byte_count, out)

    def close(self, session: Session, mono_ns: int, out: list[dict[str, Any]], reason: str = "connection closed") -> None:
        """The connection closed: every open request becomes ``noResponse``; held Calls are released."""
        for key, (call, start) in sorted(session.pending.items(), key=lambda item: item[1][1]):
            self._end(session, call, start, "noResponse", reason, mono_ns, out)
        session.pending.clear()
        session.aborted.clear()
        session.closed = True
        if session.id is None:
            session.id = new_call_id()
        self.release_held(session, out)

    def expire(self, session: Session, mono_ns: int, out: list[dict[str, Any]]) -> None:
        """Requests open for longer than the timeout become ``noResponse``."""
        if not session.pending:
            return
        seconds = self.timeout_ns / 1e9
        text = str(int(seconds)) if self.timeout_ns % 1_000_000_000 == 0 else str(seconds)
        for key, (call, start) in list(session.pending.items()):
            if mono_ns - start >= self.timeout_ns:
                del session.pending[key]
                self._end(session, call, start, "noResponse", f"no response within {text} s", mono_ns, out)

    def end_request(self, session: Session, direction: str, msg_id: Any, outcome: str, message: str | None,
                    mono_ns: int, out: list[dict[str, Any]]) -> bool:
        """Ends one open request without a response (cancelled, aborted); whether it was open."""
        key = (direction, id_text(msg_id) or "")
        entry = session.pending.pop(key, None)
        if entry is None:
            return False
        self._end(session, entry[0], entry[1], outcome, message, mono_ns, out)
        return True

    def abort(self, session: Session, direction: str, msg_id: Any, mono_ns: int) -> None:
        """The handler of an open request was cancelled; it ends as ``noResponse`` unless a
        ``notifications/cancelled`` for it arrives within the grace period (see ``settle``)."""
        key = (direction, id_text(msg_id) or "")
        if key in session.pending:
            session.aborted[key] = mono_ns

    def settle(self, session: Session, now_ns: int, grace_ns: int, out: list[dict[str, Any]]) -> None:
        """Aborted requests with no cancellation after ``grace_ns`` become ``noResponse`` (connection closed)."""
        for key, at in list(session.aborted.items()):
            if now_ns - at >= grace_ns:
                del session.aborted[key]
                entry = session.pending.pop(key, None)
                if entry is not None:
                    self._end(session, entry[0], entry[1], "noResponse", "connection closed", at, out)

    def set_session_id(self, session: Session, session_id: str, out: list[dict[str, Any]]) -> None:
        if session.id is None and session_id:
            session.id = session_id
            self.release_held(session, out)

    def release_held(self, session: Session, out: list[dict[str, Any]]) -> None:
        if session.id is None or not session.held:
            return
        for call in session.held:
            call["session"] = session.id
            out.append(self._stamped(session, call))
        session.held.clear()

    # -- internals -----------------------------------------------------------------------------------

    def _learn_identity(self, session: Session, message: dict[str, Any], method: Any, source: str, params: Any,
                        result: Any) -> tuple[dict[str, str] | None, str | None] | None:
        """Remembers identity the message tells; returns the client identity of a client message."""
        if source == CLIENT:
            if not isinstance(params, dict):
                return None
            identity = self._client_identity(method, params)
            info, version = identity
            if info is not None:
                session.client = info
            if version is not None and (method != "initialize" or session.protocol_version is None):
                session.protocol_version = version
            return identity
        else:
            if not isinstance(result, dict):
                return
            info = peer(result.get("serverInfo"))
            meta = result.get("_meta")
            version = result.get("protocolVersion") if isinstance(result.get("protocolVersion"), str) else None
            if isinstance(meta, dict):
                info = peer(meta.get(SERVER_INFO)) or info
                if isinstance(meta.get(PROTOCOL_VERSION), str):
                    version = meta[PROTOCOL_VERSION]
            if info is not None:
                session.server = info
            if version is not None and "method" not in message:
                session.protocol_version = version
            return None

    @staticmethod
    def _client_identity(method: Any, params: dict[str, Any]) -> tuple[dict[str, str] | None, str | None]:
        info = None
        version = None
        if method == "initialize":
            info = peer(params.get("clientInfo"))
            if isinstance(params.get("protocolVersion"), str):
                version = params["protocolVersion"]
        meta = params.get("_meta")
        if isinstance(meta, dict):
            info = peer(meta.get(CLIENT_INFO)) or info
            if isinstance(meta.get(PROTOCOL_VERSION), str):
                version = meta[PROTOCOL_VERSION]
        return info, version

    def _new_call(self, session: Session, method: str, kind: str, direction: str, msg_id: str | None, params: Any,
                  encoded: tuple[Any, str | None, int | None], source: str, wall_ns: int, byte_count: int,
                  extra: dict[str, Any] | None) -> dict[str, Any]:
        call = CallRecord(id=new_call_id(wall_ns), startedAt=rfc3339(wall_ns), durationNs=0, kind=kind,
                          direction=direction, method=method)
        call.texts = {}
        target = target_of(method, params)
        if target is not None:
            call["target"] = target
        call["outcome"] = "ok"
        if msg_id is not None and not (extra and extra.get("noRequestId")):
            call["requestId"] = msg_id
        call["session"] = session.id
        if source == CLIENT and self._identity is not None:
            info, version = self._identity
            if info is not None:
                call["client"] = info
            if version is not None and method != "initialize":
                call["protocolVersion"] = version
        call["transport"] = session.transport
        if session.client_address:
            call["clientAddress"] = session.client_address
        if isinstance(params, dict):
            meta = params.get("_meta")
            if isinstance(meta, dict) and "traceparent" in meta:
                trace = parse_traceparent(meta.get("traceparent"), meta.get("tracestate"))
                if trace is not None:
                    call["trace"] = trace
        call["tags"] = dict(self.tags)
        if extra:
            tags = extra.get("tags")
            if tags:
                call["tags"].update(tags)
            if extra.get("trace") and "trace" not in call and source == CLIENT:
                call["trace"] = extra["trace"]
            if extra.get("clientAddress"):
                call["clientAddress"] = extra["clientAddress"]
        if encoded[0] is not None:
            call["request"] = encoded[0]
            if encoded[1] is not None:
                call.texts["request"] = (encoded[0], encoded[1])
        call["requestBytes"] = byte_count
        call["responseBytes"] = 0
        return call

    def _start(self, session: Session, message: dict[str, Any], method: str, msg_id: str, params: Any,
               encoded: tuple[Any, str | None, int | None], source: str, wall_ns: int, mono_ns: int, byte_count: int,
               out: list[dict[str, Any]], extra: dict[str, Any] | None) -> None:
        direction = "toServer" if source == CLIENT else "toClient"
        call = self._new_call(session, method, "request", direction, msg_id, params, encoded, source, wall_ns,
                              byte_count, extra)
        key = (direction, msg_id)
        previous = session.pending.get(key)
        if previous is not None:
            session.stats["reusedIDs"] += 1
            self._end(session, previous[0], previous[1], "noResponse", "superseded by a new request with the same id",
                      mono_ns, out)
        session.pending[key] = (call, mono_ns)

    def _notify(self, session: Session, message: dict[str, Any], method: str, params: Any,
                encoded: tuple[Any, str | None, int | None], source: str, wall_ns: int, mono_ns: int, byte_count: int,
                out: list[dict[str, Any]], extra: dict[str, Any] | None) -> None:
        direction = "toServer" if source == CLIENT else "toClient"
        if method == "notifications/cancelled" and isinstance(params, dict):
            cancelled = id_text(params.get("requestId"))
            entry = session.pending.pop((direction, cancelled), None) if cancelled is not None else None
            session.aborted.pop((direction, cancelled), None)
            if entry is not None:
                reason = params.get("reason")
                self._end(session, entry[0], entry[1], "cancelled", reason if isinstance(reason, str) else None,
                          mono_ns, out)
        call = self._new_call(session, method, "notification", direction, None, params, encoded, source, wall_ns,
                              byte_count, extra)
        self._emit(session, call, out)

    def _complete(self, session: Session, message: dict[str, Any], msg_id: str | None, result: Any, error: Any,
                  source: str, mono_ns: int, byte_count: int | None, out: list[dict[str, Any]]) -> None:
        direction = "toServer" if source == SERVER else "toClient"
        entry = session.pending.pop((direction, msg_id), None) if msg_id is not None else None
        if session.aborted:
            session.aborted.pop((direction, msg_id), None)
        if entry is None:
            session.stats["unmatchedResponses"] += 1
            return
        call, start = entry
        body = error if error is not None else result
        stored, text, body_bytes = self.payloads.encode(body)
        if byte_count is None:
            byte_count = response_bytes(msg_id, body_bytes, error is not None)
        call["durationNs"] = max(0, mono_ns - start)
        call["responseBytes"] = byte_count
        if error is not None:
            call["outcome"] = "error"
            if isinstance(error, dict):
                code = error.get("code")
                if isinstance(code, int) and not isinstance(code, bool):
                    call["errorCode"] = code
                if isinstance(error.get("message"), str):
                    call["errorMessage"] = error["message"]
        else:
            is_error = isinstance(result, dict) and result.get("isError") is True
            call["outcome"] = "toolError" if is_error else "ok"
            if is_error:
                error_text = first_text(result.get("content"))
                if error_text is not None:
                    call["errorMessage"] = error_text
        if stored is not None:
            call["response"] = stored
            if text is not None and isinstance(call, CallRecord):
                call.texts["response"] = (stored, text)
        if source == SERVER and isinstance(result, dict):
            info = peer(result.get("serverInfo"))
            version = result.get("protocolVersion") if isinstance(result.get("protocolVersion"), str) else None
            meta = result.get("_meta")
            if isinstance(meta, dict):
                info = peer(meta.get(SERVER_INFO)) or info
                if isinstance(meta.get(PROTOCOL_VERSION), str):
                    version = meta[PROTOCOL_VERSION]
            if info is not None:
                call["server"] = info
            if version is not None:
                call["protocolVersion"] = version
        self._emit(session, call, out)

    def _end(self, session: Session, call: dict[str, Any], start: int, outcome: str, message: str | None,
             mono_ns: int, out: list[dict[str, Any]]) -> None:
        call["outcome"] = outcome
        if message is not None:
            call["errorMessage"] = message
        else:
            call.pop("errorMessage", None)
        call["durationNs"] = max(0, mono_ns - start)
        self._emit(session, call, out)

    def _emit(self, session: Session, call: dict[str, Any], out: list[dict[str, Any]]) -> None:
        if session.id is None:
            session.held.append(call)
            return
        call["session"] = session.id
        out.append(self._stamped(session, call))

    @staticmethod
    def _stamped(session: Session, call: dict[str, Any]) -> dict[str, Any]:
        if "client" not in call:
            client = session.client or session.fallback_client
            if client is not None:
                call["client"] = client
        if "server" not in call and session.server is not None:
            call["server"] = session.server
        if "protocolVersion" not in call and session.protocol_version is not None:
            call["protocolVersion"] = session.protocol_version
        return call
