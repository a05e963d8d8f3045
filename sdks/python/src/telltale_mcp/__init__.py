"""Telltale monitoring from inside an MCP server built with the official Python SDK (``mcp`` 1.x and 2.x).

Quick start::

    import telltale_mcp
    from mcp.server.mcpserver import MCPServer      # mcp 2.x (1.x: from mcp.server.fastmcp import FastMCP)

    server = MCPServer("weather")
    telltale_mcp.monitor(server)                    # before server.run(): initialize is captured too
    server.run()

Configuration comes from ``TELLTALE_ENDPOINT`` / ``TELLTALE_API_KEY`` or the arguments (arguments win).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from ._log import say_once
from ._monitor import BeforeSend, Monitor, flush_all
from ._redact import DEFAULT_MAX_BYTES, RedactionPatternError

__all__ = ["Monitor", "RedactionPatternError", "flush", "monitor", "shutdown", "__version__"]
__version__ = "0.1.0"


def monitor(server: Any, *, endpoint: str | None = None, api_key: str | None = None,
            tags: Mapping[str, str] | None = None, redact_keys: Iterable[str] = (), capture_payloads: bool = True,
            max_payload_bytes: int = DEFAULT_MAX_BYTES, before_send: BeforeSend | None = None,
            transport: str | None = None, flush_interval: float = 1.0, max_queued_calls: int = 10_000,
            request_timeout: float = 300.0, spool_directory: "str | os.PathLike[str] | bool | None" = True,
            max_spool_bytes: int = 256 << 20) -> Monitor:
    """Monitors ``server`` (``MCPServer``/``Server`` of mcp 2.x, ``FastMCP``/``Server`` of mcp 1.x); never raises.

    Call it before the server runs, so the ``initialize`` handshake is captured.

    Args:
        server: the MCP server object.
        endpoint: collector base URL (default ``$TELLTALE_ENDPOINT``); calls go to ``{endpoint}/api/v1/ingest``.
        api_key: ingest key (default ``$TELLTALE_API_KEY``).
        tags: string tags stamped on every call (environment, region …).
        redact_keys: extra regular expressions; values under matching keys are replaced by ``[REDACTED]``.
        capture_payloads: False leaves ``request``/``response`` out of every call.
        max_payload_bytes: cap of one stored payload (redacted JSON text), default 16 KiB.
        before_send: ``f(call) -> call | None`` on each call before it is queued: enrich (user id, tenant)
            or drop (return None). Runs on the SDK's background thread; if it raises, the call is sent
            unchanged and one line is logged.
        transport: override the ``transport`` field (``stdio``, ``http``, ``sse``, ``memory``).
        flush_interval: seconds a captured call waits at most before its batch is sent.
        max_queued_calls: bound of the in-memory queue; beyond it the oldest calls go to the disk spool (without a
            spool they are dropped and counted).
        request_timeout: seconds after which an unanswered request is recorded as ``noResponse``.
        spool_directory: folder of the disk spool that keeps calls while the collector is unreachable and at exit;
            True (default) is the CLI's folder for the endpoint (``$XDG_DATA_HOME`` or ``~/.local/share``, then
            ``telltale/spool/{host}_{port}``), a path sets it, None or False turns the spool off.
        max_spool_bytes: size cap of the spool folder (default 256 MiB); the oldest files are deleted beyond it.

    Returns:
        The ``Monitor`` (``.enabled``, ``.flush()``, ``.shutdown()``, ``.stats``). When the configuration is
        missing or the ``mcp`` version is not understood, it is disabled and the server is left untouched.
    """
    endpoint = endpoint or os.environ.get("TELLTALE_ENDPOINT") or None
    api_key = api_key or os.environ.get("TELLTALE_API_KEY") or None
    try:
        result = Monitor(endpoint=endpoint, api_key=api_key, tags=tags, redact_keys=redact_keys,
                         capture_payloads=capture_payloads, max_payload_bytes=max_payload_bytes,
                         before_send=before_send, transport=transport, flush_interval=flush_interval,
                         max_queued_calls=max_queued_calls, request_timeout=request_timeout,
                         spool_directory=spool_directory, max_spool_bytes=max_spool_bytes)
    except RedactionPatternError as error:
        say_once("bad-pattern", f"monitoring disabled: {error}")
        disabled = Monitor(endpoint=None, api_key="-")
        disabled.disabled_reason = str(error)
        return disabled
    if result.tracker is None:
        return result
    try:
        _attach(result, server)
    except Exception as error:  # noqa: BLE001 - unknown shapes, double attach, anything: fail open
        result.disable(f"{type(error).__name__}: {error}")
    return result


def _attach(result: Monitor, server: Any) -> None:
    from . import _mcp1, _mcp2

    lowlevel = _mcp2.lowlevel_of(server)
    if lowlevel is not None:
        _mcp2.install(result, server, lowlevel)
        result.start("mcp2-middleware")
        return
    lowlevel = _mcp1.lowlevel_of(server)
    if lowlevel is not None:
        _mcp1.install(result, server, lowlevel)
        result.start("mcp1-streams")
        return
    raise TypeError(f"unsupported server object {type(server).__module__}.{type(server).__qualname__} "
                    f"(mcp {_mcp_version()}): expected mcp 2.x MCPServer/Server or mcp 1.x FastMCP/Server")


def _mcp_version() -> str:
    try:
        from importlib.metadata import version
        return version("mcp")
    except Exception:  # noqa: BLE001
        return "unknown"


def flush(timeout: float = 10.0) -> bool:
    """Sends every call captured so far by every monitor; True when all were delivered. Never raises."""
    return flush_all(timeout)


def shutdown(timeout: float = 5.0) -> None:
    """Flushes and stops every monitor (also done automatically at interpreter exit)."""
    from ._monitor import _monitors
    for item in list(_monitors):
        item.shutdown(timeout)
