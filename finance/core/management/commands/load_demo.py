"""Create (or refresh) the demo sign-in: username ``demo``, password ``finance-demo``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from finance.users.services import user_register

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "finance-demo"  # noqa: S105 - a published demo credential, not a secret
DEMO_EMAIL = "demo@example.com"


class Command(BaseCommand):
    help = "Create the demo user and household if they do not exist yet."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user = User.objects.filter(username__iexact=DEMO_USERNAME).first()
        if user is None:
            # The demo password is short by the validators' standards; register
            # with a long one, then set the published one directly.
            user = user_register(
                username=DEMO_USERNAME,
                email=DEMO_EMAIL,
                password="demo-bootstrap-" + DEMO_PASSWORD + "-x9",
                first_name="Demo",
                last_name="User",
                default_currency="USD",
                email_verified=True,
            )
            self.stdout.write(self.style.SUCCESS("Created the demo user and household."))
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        self.stdout.write(f"Demo sign-in: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}")
