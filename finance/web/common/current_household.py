"""The household a web session works in: chosen by the person, checked on every request."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from finance.households.models import Membership
from finance.households.selectors import default_membership, membership_for

SESSION_KEY = "web_household"


def current_membership(request: HttpRequest) -> Membership | None:
    """The person's membership in the household kept in the session, else in their default one.

    The session only remembers a choice; the membership is looked up again on
    every request, so a person removed from a household drops out of it at once.
    """
    user: Any = request.user
    if not user.is_authenticated:
        return None
    membership = None
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        try:
            membership = membership_for(user=user, household=uuid.UUID(str(chosen)))
        except ValueError:
            membership = None
    if membership is None:
        membership = default_membership(user=user)
        if membership is None:
            request.session.pop(SESSION_KEY, None)
        else:
            request.session[SESSION_KEY] = str(membership.household_id)
    return membership


def choose_household(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_KEY] = str(membership.household_id)
