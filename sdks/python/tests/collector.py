"""A real ``telltale serve`` for the tests (the minimum of ``Tests/e2e/support.py``, which needs mcp 2.x).

Starts the binary (``$TELLTALE_BIN``, else ``<repo>/.build/debug/telltale``) on a free loopback port with a temporary data folder, creates an ingest and
a read key with ``telltale keys create``, and reads stored calls back through the query API.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
POLL_TIMEOUT_S = 30.0


def telltale_bin() -> Path:
    override = os.environ.get("TELLTALE_BIN")
    if override:
        return Path(override)
    return REPO_ROOT / ".build" / "debug" / "telltale"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TELLTALE_")}


def create_key(binary: Path, data_dir: Path, scope: str) -> str:
    result = subprocess.run([str(binary), "keys", "create", "--data", str(data_dir), "--scope", scope],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"telltale keys create --scope {scope} failed:\n{result.stderr}"
    return [line.strip() for line in result.stdout.splitlines() if line.strip()][-1]


class Collector:
    """``telltale serve`` on 127.0.0.1 with its own data folder and keys."""

    def __init__(self, tmp: Path) -> None:
        self.binary = telltale_bin()
        self.data_dir = tmp / "telltale-data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = tmp / "telltale-serve.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.ingest_key = create_key(self.binary, self.data_dir, "ingest")
        self.read_key = create_key(self.binary, self.data_dir, "read")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data_dir)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=clean_environ())
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"telltale serve exited early:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"telltale serve not healthy after {timeout}s:\n{self.log_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = f"{self.endpoint}{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.read_key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def all_calls(self) -> list[dict[str, Any]]:
        """Every stored call of every session, oldest first."""
        calls: list[dict[str, Any]] = []
        for session in self.get("/api/v1/sessions")["items"]:
            sid = urllib.parse.quote(session["id"], safe="")
            calls.extend(self.get(f"/api/v1/sessions/{sid}/calls")["items"])
        return sorted(calls, key=lambda c: c["startedAt"])

    def wait_for_calls(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = POLL_TIMEOUT_S,
                       what: str = "calls") -> list[dict[str, Any]]:
        """Polls the stored calls until ``predicate(calls)`` holds; fails with the last ones seen."""
        deadline = time.monotonic() + timeout
        calls: list[dict[str, Any]] = []
        while True:
            try:
                calls = self.all_calls()
            except (OSError, urllib.error.HTTPError):
                calls = []
            if predicate(calls):
                return calls
            if time.monotonic() > deadline:
                summary = [(c.get("method"), c.get("target"), c.get("outcome"), c.get("session")) for c in calls]
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; stored: {summary}")
            time.sleep(0.2)
