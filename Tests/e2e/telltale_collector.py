"""A real `telltale serve` for tests: the binary under test, free ports, keys, and a `Collector` process.

Standard library only (no `mcp` import), so the SDK suites, which run under other `mcp` versions, use it too.
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]

#: How long to wait for asynchronously ingested data to show up in the query API.
POLL_TIMEOUT_S = 10.0


def telltale_bin() -> Path:
    """The telltale binary under test: `$TELLTALE_BIN`, else `.build/debug/telltale` in the repository."""
    override = os.environ.get("TELLTALE_BIN")
    return Path(override) if override else REPO_ROOT / ".build" / "debug" / "telltale"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environ() -> dict[str, str]:
    """This process's environment without TELLTALE_* settings (each test passes its own explicitly)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TELLTALE_") or k == "TELLTALE_BIN"}


def create_key(binary: Path, data_dir: Path, scope: str) -> str:
    """Runs `telltale keys create --data DIR --scope SCOPE` and returns the key (its last stdout line)."""
    result = subprocess.run(
        [str(binary), "keys", "create", "--data", str(data_dir), "--scope", scope],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, f"telltale keys create --scope {scope} failed ({result.returncode}):\n{result.stderr}"
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"telltale keys create --scope {scope} printed nothing on stdout; stderr:\n{result.stderr}"
    return lines[-1]


class ApiError(AssertionError):
    """The query API answered with an unexpected status."""


@dataclass
class Collector:
    """A real `telltale serve` on a free loopback port, with its own data directory and keys.

    Keys are created with `telltale keys create` before the server starts, so a test can hand the
    ingest key to `telltale run` while the collector is still down (see `start`).
    """

    binary: Path
    data_dir: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    ingest_key: str = ""
    read_key: str = ""
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_keys(self) -> None:
        """Creates an ingest key and a read key with `telltale keys create` (last stdout line = the key)."""
        self.ingest_key = create_key(self.binary, self.data_dir, "ingest")
        self.read_key = create_key(self.binary, self.data_dir, "read")

    def start(self, *extra_args: str, env: Mapping[str, str] | None = None, timeout: float = 30.0) -> None:
        """Starts `telltale serve [extra_args]` and waits until `GET /healthz` answers 200."""
        assert self.process is None, "collector already running"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data_dir),
             *extra_args],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**clean_environ(), **(env or {})},
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"telltale serve exited with {self.process.returncode} before it was healthy:\n{self.log_text()}"
                )
            try:
                with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"telltale serve not healthy after {timeout}s:\n{self.log_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    # -- query API -------------------------------------------------------------------------------------------

    def request(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
                key: str | None = None) -> tuple[int, Any]:
        """`GET path` with the read key (or `key`); returns (status, decoded JSON body or text)."""
        url = f"{self.endpoint}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key if key is not None else self.read_key}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, body.decode(errors="replace")

    def get(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None) -> Any:
        """`GET path` with the read key; fails the test unless the status is 200."""
        status, body = self.request(path, params)
        if status != 200:
            raise ApiError(f"GET {path} {params or ''} -> {status}: {body}")
        return body

    def wait_for(self, path: str, predicate: Callable[[Any], bool], params: Any = None,
                 timeout: float = POLL_TIMEOUT_S, what: str = "") -> Any:
        """Polls `GET path` until `predicate(body)` holds (ingest is asynchronous); returns that body.

        Fails the test with the last body seen when the timeout passes.
        """
        deadline = time.monotonic() + timeout
        body: Any = None
        while True:
            status, body = self.request(path, params)
            if status == 200 and predicate(body):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what or 'data'} at GET {path} {params or ''}; "
                    f"last answer {status}: {json.dumps(body, indent=1)[:3000]}"
                )
            time.sleep(0.1)

    def wait_for_calls(self, count: int, params: Any = None, timeout: float = POLL_TIMEOUT_S) -> dict[str, Any]:
        """Waits until `/api/v1/summary` counts at least `count` calls; returns the summary."""
        return self.wait_for("/api/v1/summary", lambda s: s.get("calls", 0) >= count, params, timeout,
                             what=f"{count} calls")

    def sessions(self, params: Any = None) -> list[dict[str, Any]]:
        return self.get("/api/v1/sessions", params)["items"]

    def session_calls(self, session_id: str) -> list[dict[str, Any]]:
        return self.get(f"/api/v1/sessions/{urllib.parse.quote(session_id, safe='')}/calls")["items"]

    def all_calls(self) -> list[dict[str, Any]]:
        """Every stored record (requests, notifications, pollution) of every session."""
        calls: list[dict[str, Any]] = []
        for session in self.sessions():
            calls.extend(self.session_calls(session["id"]))
        return calls

    def items_by_name(self, path: str, params: Any = None) -> dict[str, dict[str, Any]]:
        return {item["name"]: item for item in self.get(path, params)["items"]}
