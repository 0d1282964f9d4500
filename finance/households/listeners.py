"""How households react to identity events, registered in ``HouseholdsConfig.ready()``."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from finance.core import events
from finance.households import services
from finance.users.events import UserRegistered


def on_user_registered(event: UserRegistered) -> None:
    """Every new person starts with a household of their own, in their currency, as their default."""
    user = get_user_model().objects.get(pk=event.user_id)
    owner_name = user.first_name or user.username
    services.household_create(
        owner=user, name=f"{owner_name}'s household", base_currency=user.default_currency, make_default=True
    )


def connect() -> None:
    events.listen(UserRegistered, on_user_registered, phase=events.Phase.IN_TRANSACTION)
