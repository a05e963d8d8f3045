"""Helpers for the HTTP capture tests: the HTTP test server, `telltale proxy` / `telltale run --port`, clients.

Everything runs as real processes on 127.0.0.1: the official `mcp` SDK's server under uvicorn
(`servers/http_server.py`), real `telltale proxy` and `telltale run --port` processes, and the official
`mcp` client (or raw `httpx2` requests, the HTTP client the SDK itself uses).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from support import SERVERS_DIR, Collector, clean_environ, free_port, requests_only, telltale_bin

HTTP_SERVER = SERVERS_DIR / "http_server.py"

#: The server variants: extra arguments of http_server.py, the MCP endpoint path, the Call transport.
VARIANTS: dict[str, tuple[list[str], str, str]] = {
    "json": (["--json"], "/mcp", "http"),
    "sse": ([], "/mcp", "http"),
    "stateless": (["--stateless", "--json"], "/mcp", "http"),
    "stateless-sse": (["--stateless"], "/mcp", "http"),
    "legacy-sse": (["--transport", "sse"], "/sse", "sse"),
}

#: Headers a request carries over a raw connection (the SDK's own Accept and Content-Type).
MCP_POST_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}

#: Response headers that differ between two otherwise identical answers (Date), or that a proxy handles per
#: connection (the hop-by-hop ones of RFC 9110 §7.6.1, except Transfer-Encoding: chunked must stay chunked).
VOLATILE_HEADERS = {"date", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"}


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None, timeout: float = 30.0,
                  what: str = "process", log: Path | None = None) -> None:
    """Waits until 127.0.0.1:port accepts a TCP connection (fails early when `process` exits)."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode} before listening on {port}:\n"
                                 f"{log.read_text(errors='replace')[-3000:] if log else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not listening on {port} after {timeout}s")
        time.sleep(0.02)


def http_server_command(variant: str, *extra: str) -> list[str]:
    """The command line of the HTTP test server in `variant` (port from $PORT unless `--port` is in extra)."""
    return [sys.executable, str(HTTP_SERVER), *VARIANTS[variant][0], *extra]


@dataclass
class Process:
    """A started process with its combined output in a log file."""

    process: subprocess.Popen[bytes]
    log_path: Path
    port: int
    _log: IO[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 10 s; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode


def start_process(args: Sequence[str], port: int, log_path: Path, env: Mapping[str, str] | None = None,
                  wait: bool = True, what: str = "process") -> Process:
    """Starts `args` with output to `log_path`; waits until it listens on `port` when `wait`."""
    log = open(log_path, "ab")
    process = subprocess.Popen(list(args), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               env={**clean_environ(), **(env or {})})
    started = Process(process=process, log_path=log_path, port=port, _log=log)
    if wait:
        try:
            wait_for_port(port, process, what=what, log=log_path)
        except BaseException:
            started.stop()
            raise
    return started


def start_http_server(variant: str, log_dir: Path, port: int | None = None, *extra: str) -> Process:
    """The HTTP test server in `variant`, listening on `port` (a free one by default)."""
    port = port or free_port()
    return start_process(http_server_command(variant, "--port", str(port), *extra), port,
                         log_dir / f"server-{variant}-{port}.log", what=f"http_server.py ({variant})")


def start_http_servers(variants: Sequence[str], log_dir: Path, names: Sequence[str] | None = None
                       ) -> dict[str, Process]:
    """Servers of the given variants started together (each takes a second or more to import the SDK), by
    variant (or by `names`, one per variant)."""
    started: dict[str, Process] = {}
    try:
        for name, variant in zip(names or variants, variants, strict=True):
            port = free_port()
            started[name] = start_process(http_server_command(variant, "--port", str(port)), port,
                                          log_dir / f"server-{variant}-{port}.log", wait=False)
        for variant, server in started.items():
            wait_for_port(server.port, server.process, what=f"http_server.py ({variant})", log=server.log_path)
    except BaseException:
        for server in started.values():
            server.stop()
        raise
    return started


@dataclass
class Capture:
    """The options `telltale proxy` / `telltale run --port` are started with."""

    collector: Collector | None
    xdg_data_home: Path
    tags: dict[str, str] = field(default_factory=dict)
    context_headers: dict[str, str] = field(default_factory=dict)
    inspect_prefixes: list[str] = field(default_factory=list)
    admin_port: int | None = None
    extra: list[str] = field(default_factory=list)

    def args(self) -> list[str]:
        args: list[str] = []
        if self.collector is not None:
            args += ["--endpoint", self.collector.endpoint, "--api-key", self.collector.ingest_key]
        for key, value in self.tags.items():
            args += ["--tag", f"{key}={value}"]
        for header, tag in self.context_headers.items():
            args += ["--context-header", f"{header}={tag}"]
        for prefix in self.inspect_prefixes:
            args += ["--inspect-prefix", prefix]
        if self.admin_port is not None:
            args += ["--admin-addr", f"127.0.0.1:{self.admin_port}"]
        return [*args, *self.extra]

    def env(self) -> dict[str, str]:
        return {"XDG_DATA_HOME": str(self.xdg_data_home)}

    def proxy(self, upstream_port: int, log_dir: Path, port: int | None = None, wait_upstream: bool = True) -> Process:
        """Starts `telltale proxy 127.0.0.1:UP 127.0.0.1:PORT [options]` and waits until it listens."""
        port = port or free_port()
        args = [str(telltale_bin()), "proxy", f"127.0.0.1:{upstream_port}", f"127.0.0.1:{port}", *self.args()]
        return start_process(args, port, log_dir / f"proxy-{port}.log", env=self.env(), what="telltale proxy")

    def run_args(self, port: int, command: Sequence[str], child_port: int | None = None) -> list[str]:
        args = [str(telltale_bin()), "run", "--port", str(port), *self.args()]
        if child_port is not None:
            args += ["--child-port", str(child_port)]
        return [*args, "--", *command]

    def run(self, command: Sequence[str], log_dir: Path, port: int | None = None, child_port: int | None = None,
            wait: bool = True) -> Process:
        """Starts `telltale run --port PORT [options] -- command` and (when `wait`) waits until it listens."""
        port = port or free_port()
        return start_process(self.run_args(port, command, child_port), port, log_dir / f"run-{port}.log",
                             env=self.env(), wait=wait, what="telltale run --port")


@asynccontextmanager
async def http_client(base: str, variant: str, mode: str, headers: Mapping[str, str] | None = None,
                      ) -> AsyncIterator[Client]:
    """The official `mcp` client for `variant` at `base` ("auto" = 2026-07-28 discover, "legacy" = initialize).

    No response cache, so every call reaches the server.
    """
    path = VARIANTS[variant][1]
    if variant == "legacy-sse":
        transport: Any = sse_client(base + path, headers=dict(headers or {}))
        async with Client(transport, mode=mode, cache=None) as client:
            yield client
    else:
        async with httpx2.AsyncClient(headers=dict(headers or {}), timeout=httpx2.Timeout(30, read=60)) as http:
            async with Client(streamable_http_client(base + path, http_client=http), mode=mode, cache=None) as client:
                yield client


async def release(base: str, gate: str, step: int) -> None:
    """Releases `step` of `gate` on the HTTP test server at `base` (its direct address)."""
    async with httpx2.AsyncClient() as http:
        response = await http.post(f"{base}/control/release", params={"gate": gate, "step": str(step)})
        assert response.status_code == 200, response.text


def comparable_headers(response: httpx2.Response) -> list[tuple[str, str]]:
    """The response's headers in order, without Date and the hop-by-hop ones."""
    return [(name.lower(), value) for name, value in response.headers.multi_items()
            if name.lower() not in VOLATILE_HEADERS]


def read_data_files(data_dir: Path) -> bytes:
    """Every byte of every file under the collector's data directory (SQLite file, WAL, anything else)."""
    return b"".join(path.read_bytes() for path in sorted(data_dir.rglob("*")) if path.is_file())


def streams_sse(variant: str) -> bool:
    """Whether `variant` answers requests with SSE (so progress notifications reach the client)."""
    return variant not in ("json", "stateless")


#: tools/call count per tool in `drive_scenario` (progress only where replies are SSE).
def expected_tool_calls(variant: str) -> dict[str, int]:
    calls = {"echo": 2, "add": 1, "fail": 1, "nope": 1}
    if streams_sse(variant):
        calls["progress"] = 1
    return calls


@dataclass
class Seen:
    """What the official client saw in `drive_scenario`."""

    protocol: str = ""
    server: tuple[str, str] | None = None
    tools: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    unknown_tool_code: int | None = None
    progress: list[float] = field(default_factory=list)


async def drive_scenario(base: str, variant: str, mode: str, gate_base: str, gate: str,
                         headers: Mapping[str, str] | None = None) -> Seen:
    """One client session against `base`: tools/list, echo ×2, add, fail, an unknown tool, `progress` (SSE
    variants: each step released at `gate_base` only after the client saw its notification), a prompt and a
    resource. Returns what the client saw, as plain data."""
    from mcp.shared.exceptions import MCPError

    seen = Seen()
    async with http_client(base, variant, mode, headers) as client:
        seen.protocol = client.protocol_version
        if client.server_info is not None:
            seen.server = (client.server_info.name, client.server_info.version)
        seen.tools = [tool.name for tool in (await client.list_tools()).tools]
        for text in ("one", "two"):
            seen.results[f"echo:{text}"] = (await client.call_tool("echo", {"text": text})).model_dump()
        seen.results["add"] = (await client.call_tool("add", {"a": 2, "b": 3})).model_dump()
        seen.results["fail"] = (await client.call_tool("fail", {"message": "the disk is on fire"})).model_dump()
        try:
            await client.call_tool("nope", {})
        except MCPError as error:
            seen.unknown_tool_code = error.error.code
        if streams_sse(variant):
            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                seen.progress.append(progress)
                await release(gate_base, gate, int(progress))

            seen.results["progress"] = (await client.call_tool("progress", {"steps": 3, "gate": gate},
                                                               progress_callback=on_progress)).model_dump()
        seen.results["prompt"] = (await client.get_prompt("greeting", {"name": "Ada"})).model_dump()
        seen.results["resource"] = (await client.read_resource("telltale://e2e/info")).model_dump()
    return seen


def assert_scenario_seen(seen: Seen, variant: str, mode: str) -> None:
    """What every correct run of `drive_scenario` shows the client, directly or through Telltale."""
    expected_protocol = "2025-11-25" if mode == "legacy" else "2026-07-28"
    assert seen.protocol == expected_protocol
    assert seen.server == ("telltale-e2e", "1.4.2")
    assert seen.tools == ["echo", "fail", "slow", "add", "login", "crash", "progress", "die", "resumable"]
    assert seen.results["echo:two"]["structured_content"] == {"result": "two"}
    assert seen.results["add"]["structured_content"] == {"result": 5}
    assert seen.results["fail"]["is_error"] is True
    assert "the disk is on fire" in seen.results["fail"]["content"][0]["text"]
    assert seen.unknown_tool_code == -32602
    if streams_sse(variant):
        assert seen.results["progress"]["is_error"] is False, seen.results["progress"]
        assert seen.results["progress"]["structured_content"] == {"result": "done 3 steps"}
        assert seen.progress == [1, 2, 3]
    assert "Ada" in seen.results["prompt"]["messages"][0]["content"]["text"]
    assert "telltale-e2e" in seen.results["resource"]["contents"][0]["text"]


async def resumable_call(base: str, headers: Mapping[str, str] | None = None) -> tuple[Any, list[float]]:
    """Calls `resumable` (server started with `--event-store`) with the official client in legacy mode;
    returns its structured result and the progress values seen."""
    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    async with http_client(base, "sse", "legacy", headers) as client:
        result = await client.call_tool("resumable", {}, progress_callback=on_progress)
    return result.structured_content, progress


#: The headers of a handshake-era POST over a raw connection.
LEGACY_POST_HEADERS = {**MCP_POST_HEADERS, "mcp-protocol-version": "2025-11-25"}


def rpc_request(id: int, method: str, params: dict[str, Any]) -> bytes:
    """A JSON-RPC request body."""
    return json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).encode()


def tool_call(id: int, name: str, arguments: dict[str, Any], progress_token: str | None = None) -> bytes:
    """A tools/call request body (with a progress token when given)."""
    params: dict[str, Any] = {"name": name, "arguments": arguments}
    if progress_token is not None:
        params["_meta"] = {"progressToken": progress_token}
    return rpc_request(id, "tools/call", params)


def capture_for(collector: Collector | None, tmp_path: Path, **options: Any) -> Capture:
    """Capture options shipping to `collector`, with a spool under `tmp_path/xdg`."""
    xdg = tmp_path / "xdg"
    xdg.mkdir(exist_ok=True)
    return Capture(collector=collector, xdg_data_home=xdg, **options)


def wait_for_request(collector: Collector, predicate: Any, what: str, marker: str | None = None,
                     timeout: float = 15) -> dict[str, Any]:
    """Waits until a recorded request (tagged `marker:<marker>` when given) matches `predicate`; returns it."""
    deadline = time.monotonic() + timeout
    calls: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        if marker is None:
            calls = requests_only(collector.all_calls())
        else:
            calls = [c for s in collector.sessions({"tag": f"marker:{marker}"})
                     for c in requests_only(collector.session_calls(s["id"]))]
        for call in calls:
            if predicate(call):
                return call
        time.sleep(0.1)
    raise AssertionError(f"no recorded request is {what}; recorded: {json.dumps(calls, indent=1)[:3000]}")


def is_tool(name: str) -> Any:
    """A predicate: the record is a tools/call of `name`."""
    return lambda c: c["method"] == "tools/call" and c.get("target") == name
