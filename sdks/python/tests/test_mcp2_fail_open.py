"""mcp 2.x fail-open behaviour: dead collector, SDK bugs, unknown shapes, missing or bad configuration —
the server keeps answering every time, and each problem is one log line."""

from __future__ import annotations

import anyio
import pytest
from cases import check_dead_collector_in_process, check_internal_error_disables_monitoring, text
from helpers import by_method, dead_endpoint, logged
from test_mcp2 import connect_memory, make_server

import telltale_mcp
from telltale_mcp._mcp2 import TelltaleMiddleware


# -- fail open ---------------------------------------------------------------------------------------


def test_dead_collector_in_process_never_blocks_and_logs_one_line(capsys, caplog):
    stats = check_dead_collector_in_process(make_server(), connect_memory, "tt_ingest_x", capsys, caplog)
    assert stats["spooled"] > 0, "with the default spool, calls wait on disk"


def test_dead_collector_with_the_spool_off_keeps_calls_in_memory(capsys, caplog, tmp_path):
    stats = check_dead_collector_in_process(make_server(), connect_memory, "tt_ingest_x", capsys, caplog,
                                            spool_directory=None)
    assert stats["queuedCalls"] > 0 and stats["spooled"] == 0 and stats["spoolDirectory"] is None
    assert not (tmp_path / "xdg-data").exists(), "no spool folder is created"


def test_internal_error_in_the_sdk_disables_monitoring_and_the_server_keeps_serving(collector, capsys, caplog):
    check_internal_error_disables_monitoring(collector, make_server(), connect_memory, capsys, caplog)


def test_hot_path_error_disables_monitoring_and_the_call_still_runs(collector, capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)
    middleware = server._lowlevel_server.middleware[0]
    assert isinstance(middleware, TelltaleMiddleware)

    def explode(ctx):
        raise AttributeError("ctx has a shape this SDK does not know")
    middleware._begin = explode

    async def scenario():
        async with connect_memory(server) as client:
            assert text(await client.call_tool("add", {"a": 1, "b": 1})) == "2"
            assert text(await client.call_tool("add", {"a": 2, "b": 1})) == "3"
    anyio.run(scenario)
    assert not monitor.enabled
    assert logged(capsys, caplog).count("monitoring disabled") == 1


def test_unrecognised_mcp_shape_disables_with_one_line_and_leaves_the_server_alone(capsys, caplog):
    server = make_server()
    lowlevel = server._lowlevel_server
    original = tuple(lowlevel.middleware)
    lowlevel.middleware = original  # a future mcp with another middleware container
    monitor = telltale_mcp.monitor(server, endpoint="http://127.0.0.1:9", api_key="k")
    assert not monitor.enabled
    assert lowlevel.middleware is original

    async def scenario():
        async with connect_memory(server) as client:
            assert text(await client.call_tool("add", {"a": 1, "b": 1})) == "2"
    anyio.run(scenario)
    err = logged(capsys, caplog)
    assert err.count("monitoring disabled") == 1 and "unsupported server object" in err

    other = telltale_mcp.monitor(object(), endpoint="http://127.0.0.1:9", api_key="k")
    assert not other.enabled


def test_missing_configuration_disables_with_one_line(monkeypatch, capsys, caplog):
    monkeypatch.delenv("TELLTALE_ENDPOINT", raising=False)
    monkeypatch.delenv("TELLTALE_API_KEY", raising=False)
    server = make_server()
    before = list(server._lowlevel_server.middleware)
    monitor = telltale_mcp.monitor(server)
    assert not monitor.enabled and monitor.disabled_reason == "no endpoint"
    assert server._lowlevel_server.middleware == before
    assert logged(capsys, caplog).count("monitoring disabled: no endpoint") == 1


def test_environment_configuration_is_used_and_arguments_win(collector, monkeypatch):
    monkeypatch.setenv("TELLTALE_ENDPOINT", dead_endpoint())
    monkeypatch.setenv("TELLTALE_API_KEY", collector.ingest_key)
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint)
    assert monitor.enabled and monitor.endpoint == collector.endpoint

    async def scenario():
        async with connect_memory(server) as client:
            await client.call_tool("add", {"a": 1, "b": 1})
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) == 1)


@pytest.mark.parametrize("pattern", ["(unclosed"])
def test_invalid_redaction_pattern_disables(pattern, capsys, caplog):
    monitor = telltale_mcp.monitor(make_server(), endpoint="http://127.0.0.1:9", api_key="k", redact_keys=[pattern])
    assert not monitor.enabled
    assert "invalid redaction pattern" in logged(capsys, caplog)
