"""The HTTP test servers themselves, driven by the official client without Telltale.

The baseline for the HTTP capture tests: if these fail, the problem is the test server or the SDK.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import pytest

from http_support import (
    VARIANTS,
    Process,
    assert_scenario_seen,
    drive_scenario,
    start_http_server,
    start_http_servers,
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Process]]:
    """One server per variant, shared by both client modes."""
    base = tmp_path_factory.mktemp("http-direct")
    started = start_http_servers(list(VARIANTS), base)
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.mark.parametrize("mode", ["legacy", "auto"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_http_server_direct(servers: dict[str, Process], variant: str, mode: str) -> None:
    server = servers[variant]
    seen = anyio.run(drive_scenario, server.base, variant, mode, server.base, uuid.uuid4().hex)
    assert_scenario_seen(seen, variant, mode)


def test_http_server_reads_its_port_from_the_environment(tmp_path: Path) -> None:
    from http_support import http_server_command, start_process
    from support import free_port

    port = free_port()
    server = start_process(http_server_command("json"), port, tmp_path / "server.log", env={"PORT": str(port)})
    try:
        response = httpx2.get(f"{server.base}/headers", headers={"X-Probe": "1"})
        assert response.status_code == 200
        assert ["x-probe", "1"] in response.json()
    finally:
        server.stop()


def test_http_server_resumption_with_last_event_id(tmp_path: Path) -> None:
    """The SDK's own resumption: the server closes the reply stream, the client reconnects with Last-Event-ID."""
    from http_support import resumable_call

    server = start_http_server("sse", tmp_path, None, "--event-store")
    try:
        result, progress = anyio.run(resumable_call, server.base)
        assert result == {"result": "resumed"}
        assert progress == [1, 2]
        replays = httpx2.get(server.base + "/control/replays").json()
        assert len(replays) == 1 and replays[0].isdigit()
    finally:
        server.stop()
