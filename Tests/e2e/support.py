"""Helpers for Telltale's end-to-end suite: a real collector process, the query API, wrapped MCP servers.

Everything here drives real processes on 127.0.0.1: `telltale keys create`, `telltale serve`, `telltale run`
around real MCP servers, and the official `mcp` client.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from telltale_collector import (  # noqa: F401 (re-exported: the tests import them from here)
    POLL_TIMEOUT_S, REPO_ROOT, ApiError, Collector, clean_environ, create_key, free_port, telltale_bin,
)

E2E_DIR = Path(__file__).resolve().parent
SERVERS_DIR = E2E_DIR / "servers"
E2E_SERVER = SERVERS_DIR / "e2e_server.py"


def e2e_server_command(*extra: str) -> list[str]:
    """The command line of the bundled Python test server (same interpreter as the tests)."""
    return [sys.executable, str(E2E_SERVER), *extra]


def time_server_command() -> list[str]:
    """The command line of the real `mcp-server-time` from PyPI, pinned to UTC for stable answers."""
    return [sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC"]


@dataclass
class Wrapper:
    """How to start an MCP server under `telltale run` (or directly, for comparison)."""

    binary: Path
    endpoint: str
    api_key: str | None
    xdg_data_home: Path
    tags: dict[str, str] = field(default_factory=dict)
    redact_keys: list[str] = field(default_factory=list)
    no_payloads: bool = False

    def run_args(self, server_command: Sequence[str]) -> list[str]:
        """The full `telltale run [options] -- CMD ARGS…` argument list."""
        args = ["run", "--endpoint", self.endpoint]
        if self.api_key is not None:
            args += ["--api-key", self.api_key]
        for key, value in self.tags.items():
            args += ["--tag", f"{key}={value}"]
        for pattern in self.redact_keys:
            args += ["--redact-key", pattern]
        if self.no_payloads:
            args.append("--no-payloads")
        return [*args, "--", *server_command]

    def env(self) -> dict[str, str]:
        # A per-test data dir: the shipper's spool lives at $XDG_DATA_HOME/telltale/spool.
        return {"XDG_DATA_HOME": str(self.xdg_data_home)}

    def params(self, server_command: Sequence[str]) -> StdioServerParameters:
        """Stdio parameters that start `server_command` wrapped by `telltale run`."""
        return StdioServerParameters(command=str(self.binary), args=self.run_args(server_command), env=self.env())

    def run(self, server_command: Sequence[str], stdin: bytes = b"", timeout: float = 60.0) -> subprocess.CompletedProcess[bytes]:
        """Runs `telltale run -- server_command` with raw bytes on stdin (no MCP client)."""
        return subprocess.run(
            [str(self.binary), *self.run_args(server_command)], input=stdin, capture_output=True,
            timeout=timeout, env={**clean_environ(), **self.env()},
        )


def direct_params(server_command: Sequence[str]) -> StdioServerParameters:
    """Stdio parameters that start `server_command` directly, without Telltale."""
    return StdioServerParameters(command=server_command[0], args=list(server_command[1:]))


@asynccontextmanager
async def mcp_client(params: StdioServerParameters, mode: str, errlog: IO[str] | None = None) -> AsyncIterator[Client]:
    """The official `mcp` client over stdio in `mode` ("auto" = 2026-07-28 discover, or "legacy" = initialize)."""
    transport = stdio_client(params, errlog=errlog if errlog is not None else sys.stderr)
    async with Client(transport, mode=mode) as client:
        yield client


def count_by(items: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for item in items:
        k = key(item)
        counts[k] = counts.get(k, 0) + 1
    return counts


def requests_only(calls: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in calls if c.get("kind") == "request"]


def parse_time(value: Any) -> float:
    """A timestamp from the API as epoch seconds: RFC 3339 text (any fraction digits, `Z` or offset) or a number."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})", text)
    if match is None:
        raise AssertionError(f"not an RFC 3339 timestamp: {value!r}")
    base, fraction, zone = match.groups()
    parsed = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    return parsed.timestamp() + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def rfc3339(epoch_seconds: float) -> str:
    """Epoch seconds as RFC 3339 UTC text with milliseconds (for `from`/`to`)."""
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
