"""How privacy reacts to identity events, registered in ``PrivacyConfig.ready()``."""

from __future__ import annotations

from finance.core import events
from finance.privacy import services
from finance.users.events import UserSignedIn


def on_user_signed_in(event: UserSignedIn) -> None:
    """Signing in during the grace period of an account deletion cancels it."""
    services.account_deletion_cancel(user_id=event.user_id)


def connect() -> None:
    events.listen(UserSignedIn, on_user_signed_in, phase=events.Phase.IN_TRANSACTION)
