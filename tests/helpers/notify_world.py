"""Real local receivers for notification tests: an SMTP server (aiosmtpd) and an HTTP webhook
receiver that verifies nothing itself (tests verify with standardwebhooks) and can answer with a
chosen status, hang, or block until released."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd hook
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.box = _Mailbox()
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[email.message.Message]:
        return self.box.messages

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers `status` (default 200); `hang` seconds of delay; `gate` blocks until set."""

    status: int = 200
    hang: float = 0.0
    gate: threading.Event | None = None
    hits: list[Hit] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        me = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server hook
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                me.hits.append(Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                me.arrived.set()
                if me.gate is not None:
                    me.gate.wait(30)
                if me.hang:
                    time.sleep(me.hang)
                self.send_response(me.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.gate is not None:
            self.gate.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def make_users(engine, *names_roles):  # noqa: ANN001, ANN002, ANN201
    """Create users [(username, role, district, subject_id)] and return their ids."""
    from xinyong.accounts.service import create_user
    from xinyong.store.db import session_scope

    ids = []
    with session_scope(engine) as s:
        for username, role, district, subject in names_roles:
            u = create_user(
                s, username=username, role=role, password=None, district_code=district, subject_id=subject
            )
            s.flush()
            ids.append(u.id)
    return ids
