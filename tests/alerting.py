"""Real alert receivers on loopback: a webhook (apprise's json://) served by pytest-httpserver,
and an SMTP server (aiosmtpd). Nothing is ever sent beyond 127.0.0.1."""

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass
class Webhook:
    """A json:// target: records each message; `status` and `delay` make it fail or hang."""

    server: HTTPServer
    messages: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        self.server.expect_request(path, method="POST").respond_with_handler(self._handle)
        return f"json://127.0.0.1:{self.server.port}{path}"

    def _handle(self, request: Request) -> Response:
        time.sleep(self.delay)
        if self.status != 200:
            return Response("down", status=self.status)
        with self._lock:
            self.messages.append(request.get_json())
        return Response("ok")


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    """A local SMTP server and the mailto:// URL that sends to it without TLS."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, (f"mailto://127.0.0.1:{port}?from=tracker@example.org"
                        "&to=desk@example.org&mode=insecure")
    finally:
        controller.stop()
