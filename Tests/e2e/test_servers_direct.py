"""The test servers themselves, without Telltale: the baseline every wrapped test is compared with.

If these fail, the problem is the Python environment or the SDK, not Telltale.
"""

from __future__ import annotations

from importlib.metadata import version

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from support import direct_params, e2e_server_command, mcp_client, time_server_command


def test_pinned_sdk_versions() -> None:
    assert version("mcp") == "2.3.0"
    assert version("mcp-server-time") == "2026.10.19"


@pytest.mark.parametrize(("mode", "protocol"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_e2e_server_serves_both_generations(mode: str, protocol: str) -> None:
    async def drive() -> None:
        async with mcp_client(direct_params(e2e_server_command()), mode) as client:
            assert client.protocol_version == protocol
            assert client.server_info is not None
            assert (client.server_info.name, client.server_info.version) == ("telltale-e2e", "1.4.2")
            tools = [t.name for t in (await client.list_tools()).tools]
            assert tools == ["echo", "fail", "slow", "add", "login", "crash"]
            assert (await client.call_tool("echo", {"text": "hi"})).structured_content == {"result": "hi"}
            assert (await client.call_tool("add", {"a": 2, "b": 3})).structured_content == {"result": 5}
            failed = await client.call_tool("fail", {"message": "boom"})
            assert failed.is_error is True and "boom" in failed.content[0].text
            with pytest.raises(MCPError) as unknown:
                await client.call_tool("nope", {})
            assert unknown.value.error.code == -32602
            cancelled = True
            with anyio.move_on_after(0.3):
                await client.call_tool("slow", {"seconds": 5})
                cancelled = False
            assert cancelled
            # The session is still usable after a cancellation.
            assert (await client.call_tool("slow", {"seconds": 0.01})).is_error is False
            prompt = await client.get_prompt("greeting", {"name": "Ada"})
            assert "Ada" in prompt.messages[0].content.text
            resource = await client.read_resource("telltale://e2e/info")
            assert "telltale-e2e" in resource.contents[0].text

    anyio.run(drive)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_time_server_direct(mode: str) -> None:
    async def drive() -> None:
        async with mcp_client(direct_params(time_server_command()), mode) as client:
            assert client.server_info is not None and client.server_info.name == "mcp-time"
            now = await client.call_tool("get_current_time", {"timezone": "UTC"})
            assert now.is_error is False and now.structured_content["timezone"] == "UTC"
            invalid = await client.call_tool("get_current_time", {"timezone": "Nowhere/Special"})
            assert invalid.is_error is True

    anyio.run(drive)
