"""A real ``telltale serve`` for the SDK's tests: the e2e suite's ``Collector`` (``Tests/e2e/telltale_collector.py``,
standard library only, so it runs under mcp 1.x and 2.x alike) with its data folder and keys made from one
temporary folder, and the stored calls read back in start order.
"""

from __future__ import annotations

import sys
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT / "Tests" / "e2e"))

from telltale_collector import ApiError, Collector as ServeProcess, free_port, telltale_bin  # noqa: E402

__all__ = ["Collector", "free_port", "telltale_bin"]

POLL_TIMEOUT_S = 30.0


class Collector(ServeProcess):
    """``telltale serve`` on 127.0.0.1 with its own data folder (under ``tmp``) and an ingest and a read key."""

    def __init__(self, tmp: Path) -> None:
        data_dir = tmp / "telltale-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(binary=telltale_bin(), data_dir=data_dir, log_path=tmp / "telltale-serve.log")
        self.create_keys()

    def start(self, timeout: float = 60.0) -> None:  # type: ignore[override]
        super().start(timeout=timeout)

    def all_calls(self) -> list[dict[str, Any]]:
        """Every stored call of every session, oldest first."""
        return sorted(super().all_calls(), key=lambda c: c["startedAt"])

    def wait_for_calls(self, predicate: Callable[[list[dict[str, Any]]], bool],  # type: ignore[override]
                       timeout: float = POLL_TIMEOUT_S, what: str = "calls") -> list[dict[str, Any]]:
        """Polls the stored calls until ``predicate(calls)`` holds; fails with the last ones seen."""
        deadline = time.monotonic() + timeout
        calls: list[dict[str, Any]] = []
        while True:
            try:
                calls = self.all_calls()
            except (OSError, urllib.error.HTTPError, ApiError):
                calls = []
            if predicate(calls):
                return calls
            if time.monotonic() > deadline:
                summary = [(c.get("method"), c.get("target"), c.get("outcome"), c.get("session")) for c in calls]
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; stored: {summary}")
            time.sleep(0.2)
