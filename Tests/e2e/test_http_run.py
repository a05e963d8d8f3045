"""`telltale run --port`: the child gets its port, is waited for, and decides the exit code; signals reach it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from http_support import (
    HTTP_SERVER,
    LEGACY_POST_HEADERS,
    capture_for,
    http_server_command,
    is_tool,
    start_http_server,
    tool_call,
    wait_for_request,
)
from support import Collector, clean_environ, free_port


def test_run_exit_code_is_the_childs(collector: Collector, tmp_path: Path) -> None:
    child_port = free_port()
    front = capture_for(collector, tmp_path).run(http_server_command("stateless"), tmp_path, child_port=child_port)
    try:
        with pytest.raises(httpx2.TransportError):
            httpx2.post(front.base + "/mcp", headers=LEGACY_POST_HEADERS, content=tool_call(1, "crash", {"code": 3}), timeout=10)
        assert front.process.wait(timeout=20) == 3
        crash = wait_for_request(collector, is_tool("crash"), "the crash call")
        assert crash["outcome"] == "noResponse", crash
    finally:
        front.stop()


@pytest.mark.parametrize(("sig", "extra", "expected"), [
    (signal.SIGUSR1, ["--exit-on-sigusr1", "42"], 42),  # the child exits 42 when (and only when) it gets SIGUSR1
    (signal.SIGTERM, [], 128 + signal.SIGTERM),  # uvicorn shuts down, then dies of the SIGTERM it caught
])
def test_run_forwards_signals(collector: Collector, tmp_path: Path, sig: int, extra: list[str], expected: int) -> None:
    # Directly, the server ends the same way.
    direct = start_http_server("stateless", tmp_path, None, *extra)
    direct.process.send_signal(sig)
    assert direct.process.wait(timeout=20) in (expected, -(expected - 128))
    direct.stop()

    front = capture_for(collector, tmp_path).run(http_server_command("stateless", *extra), tmp_path,
                                                 child_port=free_port())
    try:
        answer = httpx2.post(front.base + "/mcp", headers=LEGACY_POST_HEADERS, content=tool_call(1, "echo", {"text": "up"}))
        assert answer.status_code == 200
        front.process.send_signal(sig)
        assert front.process.wait(timeout=20) == expected, front.log_text()
    finally:
        front.stop()


def test_run_child_port_env(collector: Collector, tmp_path: Path) -> None:
    capture = capture_for(collector, tmp_path, extra=["--child-port-env", "MY_PORT"])
    command = ["sh", "-c", f'exec "{sys.executable}" "{HTTP_SERVER}" --stateless --json --port "$MY_PORT"']
    front = capture.run(command, tmp_path)
    try:
        answer = httpx2.post(front.base + "/mcp", headers=LEGACY_POST_HEADERS, content=tool_call(1, "echo", {"text": "env"}))
        assert answer.status_code == 200
        wait_for_request(collector, is_tool("echo"), "the echo call")
    finally:
        front.stop()


def test_run_child_that_exits_before_listening(tmp_path: Path) -> None:
    capture = capture_for(None, tmp_path)
    started = time.monotonic()
    result = subprocess.run(capture.run_args(free_port(), ["sh", "-c", "exit 5"]), capture_output=True, text=True,
                            timeout=30, env={**clean_environ(), **capture.env()})
    assert result.returncode == 5, result
    assert time.monotonic() - started < 10


def test_run_child_that_never_listens(tmp_path: Path) -> None:
    capture = capture_for(None, tmp_path, extra=["--child-startup-timeout", "1s"])
    port = free_port()
    pid_file = tmp_path / "child.pid"
    child = ["sh", "-c", f'echo $$ > "{pid_file}"; exec sleep 30']
    process = subprocess.Popen(capture.run_args(port, child), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**clean_environ(), **capture.env()})
    try:
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert "did not listen" in stderr, stderr
    # The child was stopped, not left behind.
    child_pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child_pid}").exists() or "Z" in Path(f"/proc/{child_pid}/stat").read_text().split()[2]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
