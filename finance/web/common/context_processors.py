"""What every web page's layout needs: the household, the person's role, the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from finance.households.models import WRITE_ROLES
from finance.households.selectors import household_list
from finance.web.common.navigation import MAIN_NAV
from finance.web.common.rule_offer import pending_offer


def web(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"main_nav": MAIN_NAV}
    return {
        "main_nav": MAIN_NAV,
        "membership": membership,
        "household": membership.household,
        "can_write": membership.role in WRITE_ROLES,
        # A callable: the query runs only if the layout shows the switcher.
        "households": lambda: list(household_list(user=request.user)),
        # The "always categorize…?" offer after a category change; read (and forgotten) by the layout only.
        "rule_offer": lambda: pending_offer(request),
    }
