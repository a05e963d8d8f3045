"""The SDK's few log lines: logger ``telltale_mcp``, at most one line per kind of problem."""

from __future__ import annotations

import logging
import sys
import threading

logger = logging.getLogger("telltale_mcp")

_said: set[str] = set()
_said_lock = threading.Lock()


def say_once(kind: str, message: str, level: int = logging.WARNING) -> bool:
    """Logs ``message`` once per ``kind`` for the process; returns whether it was logged now.

    Without any logging configuration the line goes to stderr (never stdout: stdout is the stdio wire).
    """
    with _said_lock:
        if kind in _said:
            return False
        _said.add(kind)
    line = f"telltale_mcp: {message}"
    if logger.hasHandlers():
        logger.log(level, line)
    else:
        try:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - a closed stderr must not break the host
            pass
    return True


def forget_said() -> None:
    """Lets every kind be logged again (tests)."""
    with _said_lock:
        _said.clear()
