"""``mcp`` 2.x: capture through the official server middleware hook (``Server.middleware``).

The middleware wraps every inbound request and notification, ``initialize`` included (see
``mcp.server.context.ServerMiddleware``: "Wraps every inbound request and notification: ``initialize``,
the pre-init gate, ``METHOD_NOT_FOUND``, params validation, the handler call"), so attaching before the
server runs loses nothing. It is installed outermost, so the result it sees is the wire result.
"""

from __future__ import annotations

import contextvars
import itertools
import sys
import time
import weakref
from typing import Any

from ._log import say_once
from ._message import CLIENT, SERVER, http_extra, id_text, peer_from_user_agent
from ._monitor import Monitor
from ._tracker import Session
from ._wire import new_call_id, parse_traceparent

_stdio_run: contextvars.ContextVar[bool] = contextvars.ContextVar("telltale_mcp_stdio", default=False)


def lowlevel_of(server: Any) -> Any | None:
    """The low-level ``Server`` with a ``middleware`` list, for a 2.x ``Server`` or ``MCPServer``; else None."""
    for candidate in (server, getattr(server, "_lowlevel_server", None)):
        if candidate is not None and isinstance(getattr(candidate, "middleware", None), list) \
                and callable(getattr(candidate, "run", None)):
            return candidate
    return None


class _ConnectionState:
    """Per-connection data the hot path keeps: the capture session and what is known about it."""

    __slots__ = ("session", "seeded", "__weakref__")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.seeded = False


class TelltaleMiddleware:
    """The ``ServerMiddleware`` that feeds the monitor; pass-through once monitoring is disabled."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self._states: weakref.WeakKeyDictionary[Any, _ConnectionState] = weakref.WeakKeyDictionary()
        self._no_channel = _no_channel_sentinel()
        self._modern = _modern_versions()
        self._cancelled = _cancelled_exception_classes()
        try:
            from mcp.shared.jsonrpc_dispatcher import handler_exception_to_error_data
        except Exception:  # noqa: BLE001 - older/newer layouts: map exceptions ourselves
            handler_exception_to_error_data = None
        self._map_exception = handler_exception_to_error_data

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        monitor = self.monitor
        if not monitor.enabled:
            return await call_next(ctx)
        try:
            token = self._begin(ctx)
        except Exception as error:  # noqa: BLE001 - fail open
            monitor.internal_error("middleware", error)
            return await call_next(ctx)
        try:
            result = await call_next(ctx)
        except BaseException as error:
            if token is not None and monitor.enabled:
                try:
                    mono = time.perf_counter_ns()
                    if isinstance(error, self._cancelled):
                        monitor.push((self._w_abort, token[0], token[1], mono))
                    else:
                        monitor.push((self._w_error, token[0], token[1], error, token[2], mono))
                except Exception as inner:  # noqa: BLE001
                    monitor.internal_error("middleware", inner)
            raise
        if token is not None and monitor.enabled:
            monitor.push((self._w_result, token[0], token[1], result, time.perf_counter_ns()))
        return result

    # -- request path (cheap) ------------------------------------------------------------------------

    def _begin(self, ctx: Any) -> tuple[Session, Any, bool] | None:
        wall = time.time_ns()
        mono = time.perf_counter_ns()
        method = ctx.method
        request_id = ctx.request_id
        params = ctx.params
        session_obj = ctx.session
        connection = getattr(session_obj, "_connection", None)
        key = getattr(connection, "outbound", None)
        if key is None or key is self._no_channel:
            # A connection made for this one request (2026-07-28 single exchange, in-process direct
            # dispatch): an ephemeral session, closed as soon as its request has its outcome.
            state = self._new_state(None, ctx, connection, method, params)
        else:
            state = self._states.get(key)
            if state is None:
                state = self._new_state(key, ctx, connection, method, params)
        version = ctx.protocol_version
        modern = version in self._modern
        if not state.seeded:
            state.seeded = True
            self._check_late(state, connection, method, version, modern)
        request = ctx.request
        self.monitor.push((self._w_message, state.session, method, request_id, params, wall, mono, request))
        if request_id is None:
            return None
        outbound = getattr(session_obj, "_request_outbound", None)
        if outbound is not None and not isinstance(outbound, OutboundSpy):
            # This request's own channel back to the client (what MCPServer's Context uses for
            # elicitation, sampling and request-scoped notifications): observed for this request only.
            session_obj._request_outbound = OutboundSpy(outbound, self, state.session)
        return state.session, request_id, modern

    def _new_state(self, key: Any, ctx: Any, connection: Any, method: str, params: Any) -> _ConnectionState:
        request = ctx.request
        transport = self.monitor.transport_override
        session_id: str | None = None
        address = None
        if request is not None and hasattr(request, "headers"):
            headers = request.headers
            session_id = getattr(connection, "session_id", None) or headers.get("mcp-session-id")
            legacy = not session_id and "session_id" in getattr(request, "query_params", {})
            if legacy:  # the legacy HTTP+SSE transport: its session is the endpoint's session_id
                session_id = request.query_params.get("session_id") or None
            if transport is None:
                transport = "sse" if legacy else "http"
            client = getattr(request, "client", None)
            address = getattr(client, "host", None)
            if not session_id and isinstance(params, dict):
                meta = params.get("_meta")
                if isinstance(meta, dict) and "io.modelcontextprotocol/protocolVersion" in meta:
                    trace = parse_traceparent(meta.get("traceparent"))
                    if trace is not None:
                        session_id = trace["traceId"]
        elif transport is None:
            transport = "stdio" if _stdio_run.get() or _stdio_claimed() else "memory"
        session = Session(session_id, transport)  # no id yet: the background thread names it
        session.client_address = address
        if request is not None and hasattr(request, "headers"):
            session.fallback_client = peer_from_user_agent(request.headers.get("user-agent"))
        state = _ConnectionState(session)
        if key is None:
            session.ephemeral = True
        else:
            try:
                self._states[key] = state
                weakref.finalize(key, connection_gone, self.monitor, session)
            except TypeError:
                pass  # not weak-referenceable: the session ends with the process
        self.monitor.register(session)
        return state

    def _check_late(self, state: _ConnectionState, connection: Any, method: str, version: Any, modern: bool) -> None:
        """A handshake-era connection whose first message seen is not ``initialize`` was attached too late."""
        if modern or method == "initialize":
            return
        client_params = getattr(connection, "client_params", None)
        if client_params is None:
            return
        info = getattr(client_params, "client_info", None)
        seed = None
        if info is not None and isinstance(getattr(info, "name", None), str):
            seed = {"name": info.name}
            if isinstance(getattr(info, "version", None), str):
                seed["version"] = info.version
        self.monitor.push((self._w_seed, state.session, seed, version if isinstance(version, str) else None))
        say_once("late-attach", "monitor() was attached after the MCP handshake of a connection: its initialize "
                                "was not captured; its later calls are recorded in a session of their own, with "
                                "the client identity read from the connection")

    # -- background thread ---------------------------------------------------------------------------

    def _w_seed(self, session: Session, client: dict[str, str] | None, version: str | None, out: list) -> None:
        if client is not None and session.client is None:
            session.client = client
        if version is not None and session.protocol_version is None:
            session.protocol_version = version

    def _w_message(self, session: Session, method: str, request_id: Any, params: Any, wall: int, mono: int,
                   request: Any, out: list) -> None:
        if session.id is None:
            session.id = new_call_id(wall)
        message: dict[str, Any] = {"jsonrpc": "2.0"}
        if request_id is not None:
            message["id"] = request_id
        message["method"] = method
        if params is not None:
            message["params"] = params
        extra = None
        if request is not None:
            extra = http_extra(request)
        self.monitor.tracker.observe(session, message, CLIENT, wall, mono, None, out, extra)
        if request_id is None and session.ephemeral and not session.pending:
            self.monitor.forget(session)

    def _w_result(self, session: Session, request_id: Any, result: Any, mono: int, out: list) -> None:
        if hasattr(result, "model_dump"):
            result = result.model_dump(by_alias=True, mode="json", exclude_none=True)
        elif result is None:
            result = {}
        message = {"jsonrpc": "2.0", "id": request_id, "result": result}
        self.monitor.tracker.observe(session, message, SERVER, 0, mono, None, out)
        if session.ephemeral and not session.pending:
            self.monitor.forget(session)

    def _w_error(self, session: Session, request_id: Any, error: BaseException, modern: bool, mono: int,
                 out: list) -> None:
        data = self._map_exception(error) if self._map_exception is not None else None
        if data is not None:
            body: dict[str, Any] = {"code": data.code, "message": data.message}
            if getattr(data, "data", None) is not None:
                body["data"] = data.data
        elif modern:
            body = {"code": -32603, "message": "Internal server error"}
        else:
            body = {"code": 0, "message": str(error)}
        message = {"jsonrpc": "2.0", "id": request_id, "error": body}
        self.monitor.tracker.observe(session, message, SERVER, 0, mono, None, out)
        if session.ephemeral and not session.pending:
            self.monitor.forget(session)

    # -- server→client messages (OutboundSpy) -------------------------------------------------------

    def _w_out_request(self, session: Session, sid: str, method: str, params: Any, wall: int, mono: int,
                       out: list) -> None:
        message = {"jsonrpc": "2.0", "id": sid, "method": method}
        if params is not None:
            message["params"] = params
        self.monitor.tracker.observe(session, message, SERVER, wall, mono, None, out, _NO_REQUEST_ID)

    def _w_out_result(self, session: Session, sid: str, result: Any, mono: int, out: list) -> None:
        message = {"jsonrpc": "2.0", "id": sid, "result": result if result is not None else {}}
        self.monitor.tracker.observe(session, message, CLIENT, 0, mono, None, out)

    def _w_out_error(self, session: Session, sid: str, error: BaseException, mono: int, out: list) -> None:
        data = self._map_exception(error) if self._map_exception is not None else None
        body = {"code": data.code, "message": data.message} if data is not None else \
            {"code": -32603, "message": f"{type(error).__name__}: {error}"}
        self.monitor.tracker.observe(session, {"jsonrpc": "2.0", "id": sid, "error": body}, CLIENT, 0, mono, None, out)

    def _w_out_discard(self, session: Session, sid: str, mono: int, out: list) -> None:
        session.pending.pop(("toClient", id_text(sid)), None)

    def _w_out_abort(self, session: Session, sid: str, mono: int, out: list) -> None:
        self.monitor.tracker.abort(session, "toClient", sid, mono)

    def _w_out_notify(self, session: Session, method: str, params: Any, wall: int, mono: int, out: list) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.monitor.tracker.observe(session, message, SERVER, wall, mono, None, out)

    def _w_abort(self, session: Session, request_id: Any, mono: int, out: list) -> None:
        # The handler was cancelled: by notifications/cancelled (already recorded as `cancelled`, seen first)
        # or because the connection closed.
        self.monitor.tracker.abort(session, "toServer", request_id, mono)


_NO_REQUEST_ID = {"noRequestId": True}
_out_ids = itertools.count(1)


class OutboundSpy:
    """Wraps one request's ``DispatchContext``: server→client requests and notifications sent on it are
    recorded (``direction: toClient``); everything else is delegated untouched.

    The JSON-RPC id the dispatcher gives such a request is not visible here, so these Calls have no
    ``requestId``; they are paired by an internal id.
    """

    def __init__(self, inner: Any, middleware: TelltaleMiddleware, session: Session) -> None:
        self._inner = inner
        self._middleware = middleware
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send_raw_request(self, method: str, params: Any, *args: Any, **kwargs: Any) -> Any:
        middleware = self._middleware
        monitor = middleware.monitor
        sid = None
        if monitor.enabled:
            sid = f"telltale-{next(_out_ids)}"
            monitor.push((middleware._w_out_request, self._session, sid, method, params, time.time_ns(),
                          time.perf_counter_ns()))
        try:
            result = await self._inner.send_raw_request(method, params, *args, **kwargs)
        except BaseException as error:
            if sid is not None and monitor.enabled:
                mono = time.perf_counter_ns()
                if isinstance(error, middleware._cancelled):
                    monitor.push((middleware._w_out_abort, self._session, sid, mono))
                elif type(error).__name__ == "NoBackChannelError":  # refused before anything was sent
                    monitor.push((middleware._w_out_discard, self._session, sid, mono))
                else:
                    monitor.push((middleware._w_out_error, self._session, sid, error, mono))
            raise
        if sid is not None and monitor.enabled:
            monitor.push((middleware._w_out_result, self._session, sid, result, time.perf_counter_ns()))
        return result

    async def notify(self, method: str, params: Any, *args: Any, **kwargs: Any) -> Any:
        middleware = self._middleware
        if middleware.monitor.enabled:
            middleware.monitor.push((middleware._w_out_notify, self._session, method, params, time.time_ns(),
                                     time.perf_counter_ns()))
        return await self._inner.notify(method, params, *args, **kwargs)


def connection_gone(monitor: Monitor, session: Session) -> None:
    """The connection object was collected: its session closes (open requests become ``noResponse``)."""
    if monitor.enabled:
        monitor.push((monitor._w_close, session, time.perf_counter_ns()))


def _no_channel_sentinel() -> Any:
    try:
        from mcp.server import connection
        return getattr(connection, "_NO_CHANNEL", None)
    except Exception:  # noqa: BLE001
        return None


def _modern_versions() -> frozenset[str]:
    try:
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS
        return frozenset(MODERN_PROTOCOL_VERSIONS)
    except Exception:  # noqa: BLE001
        return frozenset({"2026-07-28"})


def _cancelled_exception_classes() -> tuple[type[BaseException], ...]:
    import asyncio
    classes: list[type[BaseException]] = [asyncio.CancelledError]
    trio = sys.modules.get("trio")
    if trio is not None and hasattr(trio, "Cancelled"):
        classes.append(trio.Cancelled)
    return tuple(classes)


def _stdio_claimed() -> bool:
    """Whether an ``mcp.server.stdio.stdio_server()`` holds fd 0 in this process (2.x keeps a registry)."""
    module = sys.modules.get("mcp.server.stdio")
    claims = getattr(module, "_claims", None)
    return isinstance(claims, dict) and 0 in claims


def install(monitor: Monitor, server: Any, lowlevel: Any) -> None:
    """Inserts the middleware outermost and marks ``run_stdio_async`` runs as stdio."""
    for existing in lowlevel.middleware:
        if isinstance(existing, TelltaleMiddleware):
            raise RuntimeError("this server is already monitored")
    lowlevel.middleware.insert(0, TelltaleMiddleware(monitor))
    original = getattr(server, "run_stdio_async", None)
    if original is not None and callable(original):
        async def run_stdio_async(*args: Any, **kwargs: Any) -> Any:
            token = _stdio_run.set(True)
            try:
                return await original(*args, **kwargs)
            finally:
                _stdio_run.reset(token)
        try:
            server.run_stdio_async = run_stdio_async
        except (AttributeError, TypeError):
            pass
