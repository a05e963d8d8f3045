"""`telltale run` is invisible: byte-identical streams both ways, same results, same exit code, stderr untouched."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from mcp import StdioServerParameters
from mcp.shared.exceptions import MCPError

from support import (
    E2E_SERVER,
    Collector,
    Wrapper,
    clean_environ,
    direct_params,
    e2e_server_command,
    free_port,
    mcp_client,
)

MIB = 1024 * 1024


def awkward_bytes(seed: int) -> bytes:
    """Bytes that break naive relays: JSON and non-JSON lines, CRLF, empty lines, invalid UTF-8, NULs,
    an 8 MiB line, lots of short random lines, and no trailing newline."""
    rng = random.Random(seed)
    parts = [
        b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}\n',
        b'{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}\r\n',
        b"\n\n\r\n",
        b"\xff\xfe\xc3\x28 invalid utf-8 \xa0\xa1 and a NUL \x00 here\n",
        b"[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]\n",
        rng.randbytes(8 * MIB).replace(b"\n", b"\x01") + b"\n",  # one 8 MiB line of random bytes
        rng.randbytes(2 * MIB),  # random bytes with ~8k random newlines
        b"the end, without a newline",
    ]
    return b"".join(parts)


def test_random_bytes_both_directions_are_identical(collector: Collector, make_wrapper: Callable[..., Wrapper]) -> None:
    """stdin → child (`cat`) → stdout: what comes out is exactly what went in, with capture active."""
    data = awkward_bytes(seed=2)
    result = make_wrapper(collector).run(["cat"], stdin=data)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert len(result.stdout) == len(data)
    assert hashlib.sha256(result.stdout).hexdigest() == hashlib.sha256(data).hexdigest()


def test_child_output_is_identical(collector: Collector, make_wrapper: Callable[..., Wrapper]) -> None:
    """child → stdout alone (the child writes without reading): identical bytes, child's stderr untouched."""
    script = (
        "import random, sys\n"
        "sys.stderr.write('child stderr line\\n'); sys.stderr.flush()\n"
        "rng = random.Random(int(sys.argv[1]))\n"
        "sys.stdout.buffer.write(rng.randbytes(3 * 1024 * 1024) + b'\\xff\\xfe no newline at the end')\n"
    )
    expected = random.Random(7).randbytes(3 * MIB) + b"\xff\xfe no newline at the end"
    result = make_wrapper(collector).run([sys.executable, "-c", script, "7"])
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert result.stdout == expected
    assert b"child stderr line\n" in result.stderr


def test_relays_perfectly_without_a_collector(make_wrapper: Callable[..., Wrapper], collector: Collector) -> None:
    """No reachable collector (and, separately, no key): traffic is unaffected."""
    data = awkward_bytes(seed=3)
    unreachable = make_wrapper(collector)
    unreachable.endpoint = f"http://127.0.0.1:{free_port()}"
    result = unreachable.run(["cat"], stdin=data)
    assert result.returncode == 0
    assert result.stdout == data

    keyless = make_wrapper(collector)
    keyless.api_key = None
    result = keyless.run(["cat"], stdin=data, timeout=60)
    assert result.returncode == 0
    assert result.stdout == data
    assert result.stderr.strip(), "telltale run should say once on stderr that it cannot ship without a key"


@pytest.mark.parametrize(("command", "code"), [
    (["sh", "-c", "exit 0"], 0),
    (["sh", "-c", "exit 7"], 7),
    (["sh", "-c", "kill -TERM $$"], 128 + 15),
    (["sh", "-c", "kill -KILL $$"], 128 + 9),
])
def test_exit_code_is_the_childs(collector: Collector, make_wrapper: Callable[..., Wrapper],
                                 command: list[str], code: int) -> None:
    result = make_wrapper(collector).run(command)
    assert result.returncode == code, result.stderr.decode(errors="replace")


def test_stderr_is_untouched(collector: Collector, make_wrapper: Callable[..., Wrapper]) -> None:
    noise = b"\xff not utf-8 on stderr\nline two\r\nno newline"
    result = make_wrapper(collector).run(
        [sys.executable, "-c", f"import sys; sys.stderr.buffer.write({noise!r})"])
    assert result.returncode == 0
    assert noise in result.stderr
    assert result.stdout == b""


async def client_view(params: StdioServerParameters, mode: str) -> dict[str, Any]:
    """Everything the official client gets back from the e2e server, as plain JSON-able data."""
    seen: dict[str, Any] = {}
    async with mcp_client(params, mode) as client:
        seen["server"] = client.server_info.model_dump() if client.server_info else None
        seen["protocol"] = client.protocol_version
        seen["tools"] = (await client.list_tools()).model_dump()
        seen["echo"] = (await client.call_tool("echo", {"text": "héllo \u2603 wörld"})).model_dump()
        seen["add"] = (await client.call_tool("add", {"a": 2.5, "b": 4})).model_dump()
        seen["fail"] = (await client.call_tool("fail", {"message": "nope"})).model_dump()
        seen["slow"] = (await client.call_tool("slow", {"seconds": 0.05})).model_dump()
        seen["big"] = (await client.call_tool("echo", {"text": "x" * 300_000})).model_dump()
        try:
            await client.call_tool("missing", {})
        except MCPError as error:
            seen["missing"] = error.error.model_dump()
        seen["prompts"] = (await client.list_prompts()).model_dump()
        seen["prompt"] = (await client.get_prompt("greeting", {"name": "Grace"})).model_dump()
        seen["resources"] = (await client.list_resources()).model_dump()
        seen["resource"] = (await client.read_resource("telltale://e2e/info")).model_dump()
    return seen


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_client_results_equal_a_direct_run(collector: Collector, make_wrapper: Callable[..., Wrapper], mode: str) -> None:
    direct = anyio.run(client_view, direct_params(e2e_server_command()), mode)
    wrapped = anyio.run(client_view, make_wrapper(collector).params(e2e_server_command()), mode)
    assert E2E_SERVER.exists()
    assert direct["missing"]["code"] == -32602
    assert direct["fail"]["is_error"] is True
    assert wrapped == direct


def test_child_keeps_default_sigpipe_when_the_client_goes_away(collector: Collector,
                                                               make_wrapper: Callable[..., Wrapper]) -> None:
    """The client closes its end: `yes` under `telltale run` dies of SIGPIPE as it would alone (exit 141),
    with capture (and its HTTP client) active in the wrapper."""
    wrapper = make_wrapper(collector)
    process = subprocess.Popen([str(wrapper.binary), *wrapper.run_args(["yes"])], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**clean_environ(), **wrapper.env()})
    assert process.stdout is not None
    assert process.stdout.read(10_000) == b"y\n" * 5_000
    process.stdout.close()
    assert process.wait(timeout=30) == 128 + 13
