"""Fixtures of Telltale's end-to-end suite: a real collector per test (or per module), keys, wrappers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support import Collector, Wrapper, telltale_bin


@pytest.fixture(scope="session")
def telltale() -> Path:
    """The telltale binary under test (`$TELLTALE_BIN`, else `.build/debug/telltale`; scripts/test builds it)."""
    path = telltale_bin()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"telltale binary not found at {path}: run `swift build` (or scripts/test), or set TELLTALE_BIN")
    return path


def _new_collector(telltale: Path, base: Path) -> Collector:
    base.mkdir(parents=True, exist_ok=True)
    collector = Collector(binary=telltale, data_dir=base / "data", log_path=base / "serve.log")
    collector.create_keys()
    return collector


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keeps each phase's report on the item, so fixtures can tell whether their test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _show_log_if_failed(request: pytest.FixtureRequest, collector: Collector) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"--- telltale serve log ({collector.log_path}) ---\n{collector.log_text()}")


@pytest.fixture
def idle_collector(request: pytest.FixtureRequest, telltale: Path, tmp_path: Path) -> Iterator[Collector]:
    """A collector with its keys created and its port chosen, but NOT started: call `.start()`."""
    collector = _new_collector(telltale, tmp_path / "collector")
    try:
        yield collector
    finally:
        collector.stop()
        _show_log_if_failed(request, collector)


@pytest.fixture
def collector(idle_collector: Collector) -> Collector:
    """A running `telltale serve` on a free loopback port with a fresh data dir and its ingest/read keys."""
    idle_collector.start()
    return idle_collector


@pytest.fixture(scope="module")
def module_collector(telltale: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """One running collector shared by the tests of a module (for scenarios run once, asserted many ways)."""
    collector = _new_collector(telltale, tmp_path_factory.mktemp("collector"))
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()


@pytest.fixture
def make_wrapper(telltale: Path, tmp_path: Path) -> Callable[..., Wrapper]:
    """Factory: `make_wrapper(collector, **options)` → a `Wrapper` with a per-test XDG_DATA_HOME."""

    def make(collector: Collector, **options: Any) -> Wrapper:
        xdg = tmp_path / "xdg"
        xdg.mkdir(exist_ok=True)
        return Wrapper(binary=telltale, endpoint=collector.endpoint, api_key=collector.ingest_key,
                       xdg_data_home=xdg, **options)

    return make


@pytest.fixture(scope="session")
def alert_lab(telltale: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The alert lab (`alert_scenarios.running_lab`): every alert scenario run once, concurrently, for the
    alert test modules to assert on (a failed scenario's error ends with the serve log)."""
    from alert_scenarios import running_lab

    with running_lab(telltale, tmp_path_factory.mktemp("alerts")) as lab:
        yield lab
