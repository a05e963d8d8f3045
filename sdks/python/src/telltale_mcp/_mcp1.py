"""``mcp`` 1.x: capture by wrapping the read/write streams of the low-level ``Server.run``.

1.x has no middleware. Every transport (stdio, in-memory, SSE, streamable HTTP through
``StreamableHTTPSessionManager``) ends in ``Server.run(read_stream, write_stream, ...)``, so wrapping
that method on the server instance sees every JSON-RPC message of every connection both ways,
``initialize`` included, as long as ``monitor()`` runs before the connection starts.
"""

from __future__ import annotations

import contextvars
import time
from typing import Any

from ._log import say_once
from ._message import CLIENT, SERVER, http_extra, peer_from_user_agent
from ._monitor import Monitor
from ._tracker import Session
from ._wire import new_call_id

try:
    import anyio as _anyio
    _END_OF_STREAM: tuple[type[BaseException], ...] = (_anyio.EndOfStream, _anyio.ClosedResourceError)
except ImportError:  # pragma: no cover - mcp always brings anyio
    _END_OF_STREAM = (StopAsyncIteration,)

_stdio_run: contextvars.ContextVar[bool] = contextvars.ContextVar("telltale_mcp_stdio1", default=False)


def lowlevel_of(server: Any) -> Any | None:
    """The 1.x low-level ``Server`` (itself, or ``FastMCP._mcp_server``); None when the shape is not 1.x."""
    for candidate in (server, getattr(server, "_mcp_server", None)):
        if candidate is None:
            continue
        if isinstance(getattr(candidate, "request_handlers", None), dict) \
                and callable(getattr(candidate, "run", None)) \
                and not isinstance(getattr(candidate, "middleware", None), list):
            return candidate
    return None


class _Proxy:
    """Pass-through for an anyio memory object stream; everything not overridden is delegated."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aenter__(self) -> "_Proxy":
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._inner.__aexit__(*exc)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def close(self) -> None:
        self._inner.close()


class ReadProxy(_Proxy):
    """The server's read stream: client→server messages are observed as they are received."""

    def __init__(self, inner: Any, capture: "StreamCapture") -> None:
        super().__init__(inner)
        self._capture = capture

    def __aiter__(self) -> "ReadProxy":
        return self

    async def __anext__(self) -> Any:
        try:
            item = await self._inner.receive()
        except _END_OF_STREAM:
            raise StopAsyncIteration from None
        self._capture.seen(item, CLIENT)
        return item

    async def receive(self) -> Any:
        item = await self._inner.receive()
        self._capture.seen(item, CLIENT)
        return item


class WriteProxy(_Proxy):
    """The server's write stream: server→client messages are observed as they are sent."""

    def __init__(self, inner: Any, capture: "StreamCapture") -> None:
        super().__init__(inner)
        self._capture = capture

    def send(self, item: Any) -> Any:
        # Returns the inner stream's coroutine: no extra coroutine frame per message.
        self._capture.seen(item, SERVER)
        return self._inner.send(item)

    def send_nowait(self, item: Any) -> None:
        self._capture.seen(item, SERVER)
        self._inner.send_nowait(item)


class StreamCapture:
    """The capture of one ``Server.run`` (one connection)."""

    def __init__(self, monitor: Monitor, transport: str) -> None:
        self.monitor = monitor
        self.session = Session(None, transport)
        self.http_checked = False
        self.is_http = False
        monitor.register(self.session)

    def seen(self, item: Any, source: str) -> None:
        """Hot path: timestamps and a reference to the message, handed to the background thread."""
        monitor = self.monitor
        if not monitor.enabled:
            return
        try:
            message = item.message
        except AttributeError:
            return  # an Exception sent through the stream (parse error): nothing to pair
        context = getattr(getattr(item, "metadata", None), "request_context", None) if source == CLIENT else None
        monitor.push((w_message, monitor, self, message, source, time.time_ns(), time.perf_counter_ns(), context))


def w_message(monitor: Monitor, capture: StreamCapture, message: Any, source: str, wall: int, mono: int,
              context: Any, out: list) -> None:
    """Background thread: dump the pydantic message and feed the tracker."""
    session = capture.session
    tracker = monitor.tracker
    extra = None
    if context is not None and hasattr(context, "headers"):
        if not capture.http_checked:
            _learn_http(monitor, capture, context, out)
        extra = http_extra(context)
    elif session.id is None and source == CLIENT and not capture.is_http:
        # Not HTTP: one session per connection, named now.
        tracker.set_session_id(session, new_call_id(wall), out)
    root = getattr(message, "root", message)
    data = root.model_dump(by_alias=True, mode="json", exclude_none=True)
    tracker.observe(session, data, source, wall, mono, None, out, extra)


def _learn_http(monitor: Monitor, capture: StreamCapture, request: Any, out: list) -> None:
    session = capture.session
    capture.is_http = True
    headers = request.headers
    session_id = headers.get("mcp-session-id")
    if monitor.transport_override is None and session.transport in ("stdio", "memory"):
        legacy = not session_id and "session_id" in getattr(request, "query_params", {})
        session.transport = "sse" if legacy else "http"
        if legacy:
            session_id = request.query_params.get("session_id")
    if session.client_address is None:
        client = getattr(request, "client", None)
        session.client_address = getattr(client, "host", None)
    if session.fallback_client is None:
        session.fallback_client = peer_from_user_agent(headers.get("user-agent"))
    if session_id:
        capture.http_checked = True
        monitor.tracker.set_session_id(session, session_id, out)


def w_close(monitor: Monitor, capture: StreamCapture, mono: int, out: list) -> None:
    monitor._w_close(capture.session, mono, out)


def install(monitor: Monitor, server: Any, lowlevel: Any) -> None:
    """Wraps ``run`` on the low-level server instance (and marks FastMCP's stdio runs)."""
    if getattr(lowlevel.run, "_telltale_wrapped", False):
        raise RuntimeError("this server is already monitored")
    original_run = lowlevel.run

    async def run(read_stream: Any, write_stream: Any, *args: Any, **kwargs: Any) -> Any:
        if not monitor.enabled:
            return await original_run(read_stream, write_stream, *args, **kwargs)
        try:
            transport = monitor.transport_override or ("stdio" if _stdio_run.get() else "memory")
            capture = StreamCapture(monitor, transport)
            reader, writer = ReadProxy(read_stream, capture), WriteProxy(write_stream, capture)
        except Exception as error:  # noqa: BLE001 - fail open
            monitor.internal_error("Server.run wrapper", error)
            return await original_run(read_stream, write_stream, *args, **kwargs)
        try:
            return await original_run(reader, writer, *args, **kwargs)
        finally:
            if monitor.enabled:
                monitor.push((w_close, monitor, capture, time.perf_counter_ns()))

    run._telltale_wrapped = True  # type: ignore[attr-defined]
    lowlevel.run = run
    _wrap_handlers(monitor, lowlevel)
    original_stdio = getattr(server, "run_stdio_async", None)
    if original_stdio is not None and callable(original_stdio):
        async def run_stdio_async(*args: Any, **kwargs: Any) -> Any:
            token = _stdio_run.set(True)
            try:
                return await original_stdio(*args, **kwargs)
            finally:
                _stdio_run.reset(token)
        server.run_stdio_async = run_stdio_async


def _wrap_handlers(monitor: Monitor, lowlevel: Any) -> None:
    """Request handlers warn once when they serve a connection whose streams are not monitored.

    That is a connection started before ``monitor()`` (attached too late): on 1.x its calls are not
    captured at all (the streams are only wrapped when ``Server.run`` starts).
    """
    handlers = lowlevel.request_handlers

    def wrap(handler: Any) -> Any:
        async def handle(request: Any) -> Any:
            if monitor.enabled:
                try:
                    session = lowlevel.request_context.session
                    if not isinstance(getattr(session, "_read_stream", None), ReadProxy):
                        say_once("late-attach", "monitor() was attached after this connection started: on mcp 1.x "
                                                "its calls are not captured; call monitor() before running the server")
                except LookupError:
                    pass
                except Exception as error:  # noqa: BLE001
                    monitor.internal_error("request handler check", error)
            return await handler(request)
        handle.__wrapped__ = handler  # type: ignore[attr-defined]
        return handle

    for key, handler in list(handlers.items()):
        handlers[key] = wrap(handler)

