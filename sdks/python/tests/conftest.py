"""Fixtures shared by both mcp generations: a real collector per test, the mcp major version."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collector import Collector  # noqa: E402

MCP_MAJOR = int(version("mcp").split(".")[0])

collect_ignore = ["servers"]
collect_ignore_glob = []
if MCP_MAJOR != 2:
    collect_ignore_glob.append("test_mcp2*.py")
if MCP_MAJOR != 1:
    collect_ignore_glob.append("test_mcp1*.py")


@pytest.fixture
def collector(tmp_path: Path):
    """A running ``telltale serve`` with fresh keys, stopped after the test."""
    instance = Collector(tmp_path)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(autouse=True)
def _own_spool_root(tmp_path: Path, monkeypatch):
    """The default disk spool of each test (and of the servers it starts) lives under its own folder."""
    root = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(root))
    return root


@pytest.fixture(autouse=True)
def _fresh_log_lines():
    """Each test may see the SDK's once-per-kind log lines again."""
    from telltale_mcp._log import forget_said
    forget_said()
    yield


def requests_only(calls):
    return [c for c in calls if c.get("kind") == "request"]
