"""The one-time secret of an emailed invitation link.

Signed, not stored (like the identity links of ``finance.users.links``): it names the invitation, and
it works only while that invitation is pending, so accepting, declining, revoking or expiry ends it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing

INVITATION_SALT = "finance.households.invitation"


def invitation_token(invitation: Any) -> str:
    return signing.dumps(str(invitation.pk), salt=INVITATION_SALT)


def invitation_id_of(token: str) -> uuid.UUID | None:
    """The invitation a token was made for, or ``None`` for a token that is forged or too old."""
    max_age: timedelta = settings.INVITATION_TIMEOUT
    try:
        return uuid.UUID(str(signing.loads(token, salt=INVITATION_SALT, max_age=max_age)))
    except (signing.BadSignature, ValueError):
        return None
