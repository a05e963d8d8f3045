"""The bundled example server (`telltale example-server`) and the quick start's `telltale serve --demo`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from support import E2E_DIR, Collector, Wrapper, clean_environ, create_key, mcp_client, requests_only


def example_server_command(telltale: Path, *options: str) -> list[str]:
    return [str(telltale), "example-server", "--latency-scale", "0", *options]


def test_example_server_every_tool_directly(telltale: Path) -> None:
    """`check_example_server.py`: every tool, prompt and resource of the example server, both modes, no wrapper."""
    result = subprocess.run([sys.executable, str(E2E_DIR / "check_example_server.py"), str(telltale)],
                            capture_output=True, text=True, timeout=120, env=clean_environ())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every outcome as expected" in result.stdout


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_example_server_through_telltale(collector: Collector, make_wrapper: Callable[..., Wrapper],
                                         telltale: Path, mode: str) -> None:
    wrapper = make_wrapper(collector)
    seen: dict[str, object] = {}

    async def drive() -> None:
        async with mcp_client(wrapper.params(example_server_command(telltale, "--fail-rate", "1")), mode) as client:
            seen["server"] = client.server_info
            seen["tools"] = {t.name for t in (await client.list_tools()).tools}
            seen["weather"] = await client.call_tool("get_weather", {"city": "London"})
            seen["flaky"] = await client.call_tool("flaky_lookup", {"id": "ord-1042"})  # --fail-rate 1: tool error
            try:
                await client.call_tool("explode", {})
            except MCPError as error:
                seen["explode"] = error

    anyio.run(drive)
    assert seen["server"].name == "telltale-example"
    assert {"get_weather", "flaky_lookup", "explode", "slow_report"} <= seen["tools"]
    assert seen["weather"].is_error is False
    assert seen["flaky"].is_error is True
    assert seen["explode"].error.code == -32603

    summary = collector.wait_for_calls(5)
    assert summary["outcomes"]["toolError"] == 1
    assert summary["outcomes"]["error"] == 1
    calls = {c.get("target"): c for c in requests_only(collector.all_calls())}
    assert calls["get_weather"]["outcome"] == "ok"
    assert calls["flaky_lookup"]["outcome"] == "toolError"
    assert (calls["explode"]["outcome"], calls["explode"]["errorCode"]) == ("error", -32603)
    servers = collector.get("/api/v1/servers")["items"]
    assert [s["name"] for s in servers] == ["telltale-example"]


def test_serve_demo_shows_live_traffic(telltale: Path, tmp_path: Path) -> None:
    """The quick start's first command: `telltale serve --demo` stores calls of the demo traffic by itself."""
    data = tmp_path / "data"
    collector = Collector(binary=telltale, data_dir=data, log_path=tmp_path / "serve.log",
                          read_key=create_key(telltale, data, "read"))
    try:
        collector.start("--demo", env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
        summary = collector.wait_for_calls(5, timeout=30)
        assert summary["sessions"] >= 1
        # Demo clients handshake and list first; their tool calls follow.
        tools = collector.wait_for("/api/v1/tools", lambda b: sum(t["calls"] for t in b["items"]) >= 3, timeout=30,
                                   what="demo tool calls")["items"]
        # The demo's personas call the example server's tools (and, on purpose, sometimes one it does not have).
        assert {t["name"] for t in tools} & {"get_weather", "search_docs", "create_ticket", "flaky_lookup",
                                            "slow_report", "explode"}
        servers = collector.get("/api/v1/servers")["items"]
        assert "telltale-example" in {s["name"] for s in servers}
        # Where to look: the startup output names the address.
        assert f"127.0.0.1:{collector.port}" in collector.log_text()
    finally:
        collector.stop()
