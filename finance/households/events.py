"""What the households domain tells the domains above it (finance.core.events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from finance.core.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdCreated(Event):
    """A new household and its owner's membership exist (the ledger gives it its default categories)."""

    name: ClassVar[str] = "households.household_created"

    household_id: uuid.UUID
    owner_id: uuid.UUID
    base_currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseCurrencyChanged(Event):
    """A household's base currency changed: every stored base amount is in the old one (the ledger
    converts them again in the same transaction)."""

    name: ClassVar[str] = "households.base_currency_changed"

    household_id: uuid.UUID
    old: str
    new: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InvitationCreated(Event):
    """An owner invited someone to the household. Deliberately without the invitee: whether the
    identifier matched an account is not the household's to know."""

    name: ClassVar[str] = "households.invitation_created"

    household_id: uuid.UUID
    invitation_id: uuid.UUID
    role: str
    invited_by_id: uuid.UUID | None


@dataclass(frozen=True, slots=True, kw_only=True)
class InvitationAccepted(Event):
    """A person accepted an invitation and is now a member of the household."""

    name: ClassVar[str] = "households.invitation_accepted"

    household_id: uuid.UUID
    invitation_id: uuid.UUID
    user_id: uuid.UUID
    membership_id: uuid.UUID
    role: str
