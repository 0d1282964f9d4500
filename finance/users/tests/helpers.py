"""Helpers and fixtures of the identity tests: a real SMTP server, committed requests, a frozen clock."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from aiosmtpd.controller import Controller
from rest_framework.test import APIClient

LINK = re.compile(r"https?://\S+")


class Mailbox:
    """What a real SMTP server on 127.0.0.1 received (aiosmtpd handler)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")

    def last(self, to: str | None = None) -> EmailMessage:
        messages = self.wait()
        if to is not None:
            messages = [m for m in messages if m["To"] == to]
            assert messages, f"no message to {to}"
        return messages[-1]

    def link(self, to: str | None = None) -> str:
        body = self.last(to).get_content()
        match = LINK.search(body)
        assert match is not None, body
        return match.group(0)

    def link_params(self, to: str | None = None) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlparse(self.link(to)).query).items()}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox(settings: Any, celery_eager: None) -> Iterator[Mailbox]:
    """Mail goes through Django's SMTP backend to a local aiosmtpd server; tasks run eagerly."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run a call and then its after-commit work (e.g. sending mail), as a real request would."""

    def run(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def clock() -> Iterator[Any]:
    """A clock that stands still until moved (``clock.shift(seconds)``)."""
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as traveller:
        yield traveller


def tokens_for(client: APIClient, username: str, password: str, **extra: Any) -> dict[str, str]:
    response = client.post("/api/v1/auth/login/", {"username": username, "password": password, **extra}, format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


def bearer(access: str, **headers: Any) -> APIClient:
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def error_codes(response: Any) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def error_attrs(response: Any) -> set[str]:
    return {error["attr"] for error in response.json()["errors"]}
