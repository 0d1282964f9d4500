"""People who sign in."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from finance.core.money import CurrencyField


class FinanceUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Usernames are unique regardless of case, so look them up that way.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person with a login; their data lives in the households they belong to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address")
    default_currency = CurrencyField(default="USD")
    country = models.CharField(max_length=2, blank=True, default="")
    locale = models.CharField(max_length=35, default="en")
    timezone = models.CharField(max_length=64, default="UTC")

    objects: ClassVar[FinanceUserManager] = FinanceUserManager()

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="users_user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="users_user_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip()
        super().save(*args, **kwargs)
