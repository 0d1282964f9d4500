"""What the users domain tells the domains above it (finance.core.events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from finance.core.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRegistered(Event):
    """A person created an account (households gives them their first household)."""

    name: ClassVar[str] = "users.user_registered"

    user_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSignedIn(Event):
    """A person signed in (password, second factor or OpenID Connect); their session opens in the same
    transaction (privacy cancels a pending deletion of their account)."""

    name: ClassVar[str] = "users.user_signed_in"

    user_id: uuid.UUID
    method: str
