"""The messages the identity flows send, and how they leave: a Celery task after commit."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger("finance.auth")
PRODUCT = "Personal Finance Tracker"


def link(path: str, **params: str) -> str:
    """An absolute link into the web app (``FRONTEND_URL``) with query parameters."""
    return f"{settings.FRONTEND_URL}{path}?{urlencode(params)}"


def send_after_commit(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Render now, send once the surrounding transaction commits (never for a rolled-back write)."""
    from finance.users.tasks import send_email

    body = render_to_string(f"users/email/{template}.txt", {"product": PRODUCT, **context})
    subject = f"{PRODUCT}: {subject}"
    # robust: a mail server outage is logged, it does not fail the request that already committed.
    transaction.on_commit(lambda: send_email.delay(to=to, subject=subject, body=body), robust=True)
