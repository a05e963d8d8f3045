"""mcp 2.x fail-open behaviour: dead collector, SDK bugs, unknown shapes, missing or bad configuration —
the server keeps answering every time, and each problem is one log line."""

from __future__ import annotations

import anyio
import pytest
from helpers import by_method, dead_endpoint, logged
from mcp import Client
from test_mcp2 import make_server

import telltale_mcp
from telltale_mcp._mcp2 import TelltaleMiddleware


# -- fail open ---------------------------------------------------------------------------------------


def test_dead_collector_in_process_never_blocks_and_logs_one_line(capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=dead_endpoint(), api_key="tt_ingest_x", flush_interval=0.05)

    async def scenario():
        with anyio.fail_after(60):
            async with Client(server, mode="legacy") as client:
                for i in range(50):
                    assert (await client.call_tool("add", {"a": i, "b": 1})).content[0].text == str(i + 1)
                    await anyio.sleep(0.005)
    anyio.run(scenario)
    assert monitor.flush(timeout=5) is False
    assert monitor.enabled and monitor.stats["queuedCalls"] > 0
    err = logged(capsys, caplog)
    assert err.count("cannot deliver calls to the collector") == 1
    monitor.shutdown(timeout=1)


def test_internal_error_in_the_sdk_disables_monitoring_and_the_server_keeps_serving(collector, capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)

    def explode(*args, **kwargs):
        raise KeyError("simulated SDK bug")
    monitor.tracker.observe = explode  # an internal hook of the SDK raises

    async def scenario():
        async with Client(server, mode="legacy") as client:
            for i in range(5):
                assert (await client.call_tool("add", {"a": i, "b": 1})).content[0].text == str(i + 1)
            await anyio.to_thread.run_sync(monitor.flush)
            assert not monitor.enabled
            assert (await client.call_tool("add", {"a": 10, "b": 1})).content[0].text == "11"
    anyio.run(scenario)
    err = logged(capsys, caplog)
    assert err.count("monitoring disabled: internal error") == 1
    assert "simulated SDK bug" in err


def test_hot_path_error_disables_monitoring_and_the_call_still_runs(collector, capsys, caplog):
    server = make_server()
    monitor = telltale_mcp.monitor(server, endpoint=collector.endpoint, api_key=collector.ingest_key)
    middleware = server._lowlevel_server.middleware[0]
    assert isinstance(middleware, TelltaleMiddleware)

    def explode(ctx):
        raise AttributeError("ctx has a shape this SDK does not know")
    middleware._begin = explode

    async def scenario():
        async with Client(server, mode="legacy") as client:
            assert (await client.call_tool("add", {"a": 1, "b": 1})).content[0].text == "2"
            assert (await client.call_tool("add", {"a": 2, "b": 1})).content[0].text == "3"
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
        async with Client(server, mode="legacy") as client:
            assert (await client.call_tool("add", {"a": 1, "b": 1})).content[0].text == "2"
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
        async with Client(server, mode="legacy") as client:
            await client.call_tool("add", {"a": 1, "b": 1})
        assert await anyio.to_thread.run_sync(monitor.flush)
    anyio.run(scenario)
    collector.wait_for_calls(lambda cs: len(by_method(cs, "tools/call")) == 1)


@pytest.mark.parametrize("pattern", ["(unclosed"])
def test_invalid_redaction_pattern_disables(pattern, capsys, caplog):
    monitor = telltale_mcp.monitor(make_server(), endpoint="http://127.0.0.1:9", api_key="k", redact_keys=[pattern])
    assert not monitor.enabled
    assert "invalid redaction pattern" in logged(capsys, caplog)
