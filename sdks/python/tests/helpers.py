"""Small helpers shared by the test modules."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import anyio
from collector import free_port

SERVERS = Path(__file__).resolve().parent / "servers"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def server_env(collector: Any) -> dict[str, str]:
    """The environment of a monitored server process: the collector's endpoint and ingest key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELLTALE_")}
    env["TELLTALE_ENDPOINT"] = collector.endpoint
    env["TELLTALE_API_KEY"] = collector.ingest_key
    return env


def stdio_params(script: str, collector: Any, *args: str) -> Any:
    """How the official client starts servers/<script> over stdio, shipping to the collector."""
    from mcp import StdioServerParameters  # the same in mcp 1.x and 2.x
    return StdioServerParameters(command=sys.executable, args=[str(SERVERS / script), *args], env=server_env(collector))


def unreachable_collector() -> Any:
    """Stands in for a collector whose endpoint nothing listens on."""
    return type("C", (), {"endpoint": dead_endpoint(), "ingest_key": "tt_ingest_nothing"})()


def dead_endpoint() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def start_http_server(script: str, port: int, env: dict[str, str], *args: str,
                      log: Path | None = None, transport: str = "http") -> subprocess.Popen[bytes]:
    """Starts a test server on streamable HTTP (or legacy SSE) and waits until its port accepts connections."""
    out = open(log, "wb") if log else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, str(SERVERS / script), "--transport", transport, "--port", str(port),
                                *args], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {log.read_text() if log else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("HTTP server did not start")


def run_against_http_server(script: str, collector: Any, tmp_path: Path, scenario: Callable[[int], Any],
                            until: Callable[[list[dict[str, Any]]], Any],
                            transport: str = "http") -> list[dict[str, Any]]:
    """Starts servers/<script> on HTTP (or SSE), runs ``scenario(port)``, waits until the collector has the calls
    ``until`` accepts, stops the server; returns the calls."""
    port = free_port()
    process = start_http_server(script, port, server_env(collector), log=tmp_path / "server.log", transport=transport)
    try:
        anyio.run(scenario, port)
        return collector.wait_for_calls(until)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def by_method(calls: list[dict[str, Any]], method: str, target: str | None = None) -> list[dict[str, Any]]:
    return [c for c in calls if c["method"] == method and (target is None or c.get("target") == target)]


def one(calls: list[dict[str, Any]], method: str, target: str | None = None) -> dict[str, Any]:
    found = by_method(calls, method, target)
    assert len(found) == 1, f"expected one {method} {target or ''}, got {len(found)}: {found}"
    return found[0]


def logged(capsys: Any, caplog: Any) -> str:
    """What the SDK logged: stderr (no logging configured) plus captured log records (pytest configures logging)."""
    return capsys.readouterr().err + "\n" + "\n".join(r.getMessage() for r in caplog.records)
