"""Real local receivers for alert notifications: an HTTP server (webhook and Slack shapes) and an SMTP server.

The HTTP receiver records every POST (path, headers, raw body, arrival time) and answers 200; the SMTP
receiver is `aiosmtpd` (from PyPI) recording every envelope. Both let a test wait for a message as an event.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from support import free_port

T = TypeVar("T")


class Inbox(Generic[T]):
    """A thread-safe list of received items that a test can wait on."""

    def __init__(self) -> None:
        self._items: list[T] = []
        self._changed = threading.Condition()

    def add(self, item: T) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def items(self) -> list[T]:
        with self._changed:
            return list(self._items)

    def wait_for(self, predicate: Callable[[T], bool], timeout: float, what: str) -> T:
        """The first item matching `predicate`, waiting up to `timeout` seconds for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for item in self._items:
                    if predicate(item):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; received {len(self._items)} other(s)")
                self._changed.wait(remaining)


@dataclass(frozen=True)
class HttpDelivery:
    """One POST the HTTP receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """A real HTTP server on 127.0.0.1 recording POSTs to any path."""

    def __init__(self) -> None:
        self.inbox: Inbox[HttpDelivery] = Inbox()
        inbox = self.inbox

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                inbox.add(HttpDelivery(path=self.path, headers=headers, body=body, at=time.time()))
                reply = b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-receiver", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class SmtpDelivery:
    """One message the SMTP receiver accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    at: float


class SmtpReceiver:
    """A real SMTP server (`aiosmtpd`) on 127.0.0.1 without TLS (`--smtp-starttls off`) that requires AUTH
    (PLAIN or LOGIN) with `username`/`password`; it records each successful login's mechanism."""

    def __init__(self, username: str, password: str) -> None:
        self.inbox: Inbox[SmtpDelivery] = Inbox()
        self.logins: Inbox[str] = Inbox()
        self.port = free_port()
        inbox, logins = self.inbox, self.logins

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd)
                message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
                inbox.add(SmtpDelivery(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                                       message=message, at=time.time()))  # type: ignore[arg-type]
                return "250 Message accepted for delivery"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and data.login == username.encode() and data.password == password.encode()
            if ok:
                logins.add(mechanism)
            return AuthResult(success=ok)

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                                      auth_required=True, auth_require_tls=False)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
