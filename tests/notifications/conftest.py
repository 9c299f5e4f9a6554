"""A real SMTP sink (aiosmtpd) on a free port, which a test can stop and start again."""

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.rectification.conftest import _fast_passwords, rect  # noqa: F401  (shared fixtures)


class _Handler:
    def __init__(self, inbox):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        self.inbox.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(msg["subject"]),
                "body": msg.get_body(("plain",)).get_content(),
            }
        )
        return "250 OK"


class Sink:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.inbox: list[dict] = []
        self.controller = None

    def start(self):
        self.controller = Controller(_Handler(self.inbox), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def text(self) -> str:
        return "\n".join(m["subject"] + "\n" + m["body"] for m in self.inbox)


@pytest.fixture
def smtp(settings):
    sink = Sink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_TIMEOUT = 5
    settings.XUNCHA_BASE_URL = "https://xuncha.example.gov.cn"
    yield sink
    sink.stop()


@pytest.fixture
def with_emails(cast):
    for name, user in cast.users.items():
        user.email = f"{name}@example.gov.cn"
        user.save(update_fields=["email"])
    return cast
