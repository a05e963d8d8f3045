"""The e2e server over HTTP, built on the official `mcp` SDK and served by uvicorn.

The same tools, prompt and resource as `e2e_server.py` (`echo`, `fail`, `slow`, `add`, `login`, `crash`,
`greeting`, `telltale://e2e/info`), plus two HTTP-only tools:

- `progress(steps, gate)`: sends progress notification N, then waits until the test releases step N at
  `POST /control/release?gate=G&step=N` before sending N+1. A proxy that buffers SSE replies makes the tool
  wait forever (it gives up after `GATE_TIMEOUT_S` with an `isError` result naming the step it waited for).
- `die(gate)`: sends one progress notification, waits for its release, then kills the process without
  answering (an upstream that dies mid-stream).
- `resumable()` (with `--event-store`): sends progress 1, closes its SSE reply stream (the SDK's polling
  pattern), then sends progress 2 and its result into the event store: the client gets them by reconnecting
  with `Last-Event-ID`. `GET /control/replays` lists the `Last-Event-ID` values the store was asked to replay.

Transports (`--transport`):
- `streamable` (default): Streamable HTTP at `/mcp`; `--json` for `application/json` replies (else SSE
  replies), `--stateless` for the SDK's stateless mode (no `Mcp-Session-Id`). 2026-07-28 requests (the client's
  default `mode="auto"`) are served on the same endpoint by the SDK's per-request path.
- `sse`: legacy HTTP+SSE (`GET /sse`, `event: endpoint`, `POST /messages/?session_id=…`).

Routes outside the MCP endpoints, for the proxy's pass-through tests:
- `POST /control/release?gate=G&step=N`: releases a `progress`/`die` step (answers `released G N`).
- `POST /rpc/echo`: answers a JSON-RPC request body with a JSON-RPC result (a path a proxy must not inspect).
- `GET /headers`: the request's headers as a JSON list of [name, value] pairs, in order.
- `GET /control/stream`: a text/event-stream that echoes `Last-Event-ID` and counts from it.
- `POST /mcp/busy`: `503 Service Unavailable` with a text body (under the MCP prefix: an upstream error reply).

The port comes from `--port`, else the environment variable `PORT` (how `telltale run --port` passes it).
`--event-store` keeps SSE events in memory for resumption (retry interval 100 ms).
`--exit-on-sigusr1 CODE` makes SIGUSR1 exit the process at once with CODE (to prove signals are forwarded).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http import EventCallback, EventId, EventMessage, EventStore, StreamId
from mcp_types import JSONRPCMessage
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_server import create_server  # noqa: E402

#: How long `progress`/`die` wait for a step to be released before giving up.
GATE_TIMEOUT_S = 10.0


class Gates:
    """Steps released by the test, per gate name; tools wait on them."""

    def __init__(self) -> None:
        self.released: dict[str, int] = {}
        self.changed = anyio.Event()

    def release(self, gate: str, step: int) -> None:
        self.released[gate] = max(self.released.get(gate, 0), step)
        self.changed.set()
        self.changed = anyio.Event()

    async def wait(self, gate: str, step: int) -> None:
        """Waits until `step` of `gate` is released; raises ToolError after GATE_TIMEOUT_S."""
        with anyio.move_on_after(GATE_TIMEOUT_S):
            while self.released.get(gate, 0) < step:
                await self.changed.wait()
            return
        raise ToolError(f"gate {gate} step {step} was never released (progress not seen by the client?)")


class MemoryEventStore(EventStore):
    """Every SSE event in memory, replayed after a `Last-Event-ID` (which it logs in `replays`)."""

    def __init__(self) -> None:
        self.events: list[tuple[EventId, StreamId, JSONRPCMessage | None]] = []
        self.replays: list[str] = []

    async def store_event(self, stream_id: StreamId, message: JSONRPCMessage | None) -> EventId:
        event_id = str(len(self.events) + 1)
        self.events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(self, last_event_id: EventId, send_callback: EventCallback) -> StreamId | None:
        self.replays.append(last_event_id)
        streams = [stream for event_id, stream, _ in self.events if event_id == last_event_id]
        if not streams:
            return None
        after = False
        for event_id, stream, message in self.events:
            if after and stream == streams[0] and message is not None:
                await send_callback(EventMessage(message, event_id))
            after = after or event_id == last_event_id
        return streams[0]


def create_http_server(event_store: MemoryEventStore | None = None) -> MCPServer:
    """The e2e server plus the HTTP-only tools and routes."""
    server = create_server()
    gates = Gates()

    @server.tool(description="Send `steps` progress notifications, each after the previous one was released.")
    async def progress(steps: int, gate: str, ctx: Context) -> str:
        for step in range(1, steps + 1):
            await ctx.report_progress(step, steps, f"step {step}")
            await gates.wait(gate, step)
        return f"done {steps} steps"

    @server.tool(description="Send one progress notification, wait for its release, then kill the process.")
    async def die(gate: str, ctx: Context) -> str:
        await ctx.report_progress(1, 2, "about to die")
        await gates.wait(gate, 1)
        os.kill(os.getpid(), signal.SIGKILL)
        return "unreachable"

    @server.tool(description="Progress 1, close the reply stream, then progress 2 and the result (resumption).")
    async def resumable(ctx: Context) -> str:
        await ctx.report_progress(1, 2, "before the stream closes")
        await ctx.close_sse_stream()
        await ctx.report_progress(2, 2, "after the stream closed")
        return "resumed"

    @server.custom_route("/control/replays", methods=["GET"])
    async def replays(request: Request) -> Response:
        return JSONResponse(event_store.replays if event_store is not None else [])

    @server.custom_route("/control/release", methods=["POST"])
    async def release(request: Request) -> Response:
        gate = request.query_params["gate"]
        step = int(request.query_params["step"])
        gates.release(gate, step)
        return PlainTextResponse(f"released {gate} {step}")

    @server.custom_route("/mcp/busy", methods=["POST"])
    async def busy(request: Request) -> Response:
        await request.body()
        return PlainTextResponse("overloaded, try again later", status_code=503)

    @server.custom_route("/rpc/echo", methods=["POST"])
    async def rpc_echo(request: Request) -> Response:
        message = json.loads(await request.body())
        return JSONResponse({"jsonrpc": "2.0", "id": message.get("id"), "result": {"echo": message.get("params")}})

    @server.custom_route("/headers", methods=["GET"])
    async def headers(request: Request) -> Response:
        pairs = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in request.scope["headers"]]
        return JSONResponse(pairs)

    @server.custom_route("/control/stream", methods=["GET"])
    async def stream(request: Request) -> Response:
        last = request.headers.get("last-event-id")
        start = int(last) + 1 if last is not None else 0

        async def frames() -> Any:
            yield f"event: resumed\ndata: {json.dumps({'lastEventId': last})}\n\n".encode()
            for n in range(start, start + 3):
                yield f"id: {n}\ndata: {n}\n\n".encode()

        return StreamingResponse(frames(), media_type="text/event-stream")

    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", choices=["streamable", "sse"], default="streamable")
    parser.add_argument("--json", action="store_true", help="application/json replies instead of SSE")
    parser.add_argument("--stateless", action="store_true", help="the SDK's stateless mode (no sessions)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: $PORT)")
    parser.add_argument("--event-store", action="store_true", help="keep SSE events for Last-Event-ID resumption")
    parser.add_argument("--exit-on-sigusr1", type=int, default=None, metavar="CODE")
    args = parser.parse_args()
    port = args.port if args.port is not None else int(os.environ["PORT"])
    if args.exit_on_sigusr1 is not None:
        code = args.exit_on_sigusr1
        signal.signal(signal.SIGUSR1, lambda *_: os._exit(code))

    event_store = MemoryEventStore() if args.event_store else None
    server = create_http_server(event_store)
    if args.transport == "sse":
        app = server.sse_app()
    else:
        app = server.streamable_http_app(json_response=args.json, stateless_http=args.stateless,
                                         event_store=event_store, retry_interval=100 if event_store else None)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
