"""The disk spool, like ``DiskSpool.swift``: one gzip NDJSON batch body (exactly one ingest request) per file.

- Folder: ``spool_directory`` when given, else ``{$XDG_DATA_HOME or ~/.local/share}/telltale/spool/{host}_{port}[_{path}]``,
  the CLI's folder for the same endpoint (so the CLI and later SDK processes drain what a crashed one left).
- Files appear atomically (written as ``.tmp-…``, then renamed); names sort by creation time:
  ``{µs since 1970, 20 digits}-{pid, 10}-{seq, 8}-n{calls}.ndjson.gz``.
- One process drains at a time (exclusive ``flock`` on ``.drain.lock``, as the CLI); a file is also claimed by renaming
  it to ``.claim-{pid}-{name}`` before it is sent, so two shippers never send the same file.
- Over ``max_bytes`` the oldest files are deleted (their calls are counted as dropped).
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: rename claims only
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".ndjson.gz"
DEFAULT_MAX_SPOOL_BYTES = 256 << 20


def default_spool_root(environ: dict[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/telltale/spool``, else ``~/.local/share/telltale/spool`` (as the CLI)."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_DATA_HOME", "")
    if xdg.startswith("/"):
        return Path(xdg) / "telltale" / "spool"
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "share" / "telltale" / "spool"


def spool_folder_name(endpoint: str) -> str:
    """The CLI's folder name of an endpoint, e.g. ``127.0.0.1_7340`` or ``collector.example.com_443_ingest``."""
    parts = urllib.parse.urlsplit(endpoint)
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "localhost").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if scheme == "https" else 80
    name = f"{host}_{port}"
    path = parts.path.strip("/")
    if path:
        name += "_" + path
    return "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in name)


def resolved_spool_directory(endpoint: str, directory: str | os.PathLike[str] | None = None) -> Path:
    if directory is not None:
        return Path(directory)
    return default_spool_root() / spool_folder_name(endpoint)


def call_count(name: str) -> int:
    """The ``n{calls}`` part of a batch file name (0 when missing)."""
    stem = name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name
    last = stem.rsplit("-", 1)[-1]
    if last.startswith("n") and last[1:].isdigit():
        return int(last[1:])
    return 0


_CLAIM = re.compile(r"^\.claim-(\d+)-(.+)$")


class DiskSpool:
    """A bounded folder of batch files; every method may raise ``OSError`` (the shipper then turns the spool off)."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_SPOOL_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max(0, int(max_bytes))
        self.sequence = 0
        self.lock_fd: int | None = None

    def _ensure(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def write(self, body: bytes, calls: int) -> tuple[str | None, list[tuple[str, int]]]:
        """Writes one batch file; returns its name (None when evicted at once) and the evicted files (name, calls)."""
        self._ensure()
        self.sequence += 1
        pid = os.getpid()
        name = f"{time.time_ns() // 1000:020d}-{pid:010d}-{self.sequence:08d}-n{calls}{SUFFIX}"
        tmp = self.directory / f".tmp-{pid}-{self.sequence}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        try:
            os.rename(tmp, self.directory / name)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        evicted = self.enforce_bound()
        return (None if any(n == name for n, _ in evicted) else name), evicted

    def files(self) -> list[tuple[str, int]]:
        """Batch files (name, size), oldest first."""
        result = []
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        for name in names:
            if name.startswith(".") or not name.endswith(SUFFIX):
                continue
            try:
                result.append((name, os.stat(self.directory / name).st_size))
            except FileNotFoundError:
                continue
        return sorted(result)

    def enforce_bound(self) -> list[tuple[str, int]]:
        """Deletes the oldest files until the folder fits; returns them (name, calls)."""
        files = self.files()
        total = sum(size for _, size in files)
        evicted = []
        for name, size in files:
            if total <= self.max_bytes:
                break
            try:
                os.unlink(self.directory / name)
            except FileNotFoundError:
                pass
            total -= size
            evicted.append((name, call_count(name)))
        return evicted

    def try_lock(self) -> bool:
        """Takes the exclusive drain lock without waiting (as the CLI); True when held."""
        if self.lock_fd is not None:
            return True
        self._ensure()
        fd = os.open(self.directory / ".drain.lock", os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
        self.lock_fd = fd
        return True

    def unlock(self) -> None:
        fd, self.lock_fd = self.lock_fd, None
        if fd is not None:
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def recover(self) -> None:
        """Gives back files claimed by processes that are gone, and deletes stale temporary files (over an hour)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return
        for name in names:
            path = self.directory / name
            match = _CLAIM.match(name)
            if match and not _alive(int(match.group(1))):
                try:
                    os.rename(path, self.directory / match.group(2))
                except FileNotFoundError:
                    pass
            elif name.startswith(".tmp-"):
                try:
                    if time.time() - os.stat(path).st_mtime > 3600:
                        os.unlink(path)
                except FileNotFoundError:
                    pass

    def claim(self, name: str) -> Path | None:
        """Renames a file to this process's claim name; None when another process took it first."""
        claimed = self.directory / f".claim-{os.getpid()}-{name}"
        try:
            os.rename(self.directory / name, claimed)
        except FileNotFoundError:
            return None
        return claimed

    def release(self, claimed: Path, name: str) -> None:
        """Puts a claimed file back (to be sent later)."""
        os.rename(claimed, self.directory / name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
