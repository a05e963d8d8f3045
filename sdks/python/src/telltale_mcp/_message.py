"""What the tracker reads from one JSON-RPC message: identity, targets, tool-error text, wire sizes."""

from __future__ import annotations

import json
from typing import Any

from ._redact import dumps, utf8_len
from ._wire import parse_traceparent

CLIENT_INFO = "io.modelcontextprotocol/clientInfo"
SERVER_INFO = "io.modelcontextprotocol/serverInfo"
PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion"

CLIENT = "client"
SERVER = "server"

DEFAULT_TIMEOUT_NS = 300 * 1_000_000_000


def peer(value: Any) -> dict[str, str] | None:
    """``{name, version?}`` from an ``Implementation``-shaped dict; None without a string name."""
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    info = {"name": value["name"]}
    if isinstance(value.get("version"), str):
        info["version"] = value["version"]
    return info


def id_text(value: Any) -> str | None:
    """The JSON-RPC id as JSON text (``1``, ``"abc"``); None for a missing or null id."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False)


def peer_from_user_agent(user_agent: Any) -> dict[str, str] | None:
    """``{name, version?}`` from the first product token of a ``User-Agent`` (as the CLI's HTTP capture)."""
    if not isinstance(user_agent, str):
        return None
    tokens = user_agent.split()
    if not tokens:
        return None
    name, _, version = tokens[0].partition("/")
    if not name:
        return None
    info = {"name": name[:128]}
    if version:
        info["version"] = version[:128]
    return info


def target_of(method: str, params: Any) -> str | None:
    if not isinstance(params, dict):
        return None
    if method in ("tools/call", "prompts/get"):
        name = params.get("name")
        return name if isinstance(name, str) else None
    if method == "resources/read":
        uri = params.get("uri")
        return uri if isinstance(uri, str) else None
    return None


def first_text(content: Any) -> str | None:
    if isinstance(content, list):
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text" and isinstance(item.get("text"), str):
                return item["text"]
    return None


class CallRecord(dict):
    """A Call (a plain dict to user code) that remembers the JSON text of its payloads, so the shipper
    does not encode them twice. ``texts[key] = (value, text)``; used only while ``call[key] is value``."""

    __slots__ = ("texts",)


#: Bytes of the JSON-RPC envelope around id/method/params: '{"jsonrpc":"2.0"' ',"id":' ',"method":' ',"params":' '}'.
_HEAD, _ID, _METHOD, _PARAMS, _TAIL = 16, 6, 10, 10, 1


def request_bytes(msg_id: str | None, method: str, params_bytes: int | None) -> int:
    """Size of a request or notification as compact JSON, from the size of its params."""
    size = _HEAD + _METHOD + utf8_len(dumps(method)) + _TAIL
    if msg_id is not None:
        size += _ID + utf8_len(msg_id)
    if params_bytes is not None:
        size += _PARAMS + params_bytes
    return size


def response_bytes(msg_id: str | None, body_bytes: int, error: bool) -> int:
    """Size of a response as compact JSON, from the size of its result or error."""
    return _HEAD + _ID + utf8_len(msg_id or "null") + (9 if error else 10) + body_bytes + _TAIL


def http_extra(request: Any) -> dict[str, Any] | None:
    """What an HTTP request adds to its Call: the trace context of its ``traceparent``/``tracestate`` headers
    (used when ``params._meta`` has none)."""
    try:
        headers = request.headers
        traceparent = headers.get("traceparent")
    except Exception:  # noqa: BLE001 - a request object of another shape: nothing to add
        return None
    if not traceparent:
        return None
    trace = parse_traceparent(traceparent, headers.get("tracestate"))
    return {"trace": trace} if trace else None
