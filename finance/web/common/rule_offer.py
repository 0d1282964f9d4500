"""The "always categorize payee X as Y?" offer after a person changes a transaction's category.

The transaction pages and the review queue make the offer; the layout shows a
remembered one once (``context_processors``); the rules screen creates the rule.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from finance.categorization import services
from finance.ledger.models import Transaction
from finance.ledger.selectors import transaction_list

OFFER_KEY = "web:rule-offer"


def rule_offer(txn: Transaction) -> dict[str, Any] | None:
    """What the page shows after a person set ``txn``'s category: the service's suggested rule, if any."""
    body = services.suggested_rule(txn=txn)
    if body is None:
        return None
    condition = body["conditions"][0]
    return {"txn": txn, "value": condition["value"], "field": condition["field"], "category": txn.category}


def remember_offer(request: HttpRequest, txn: Transaction) -> None:
    """Offer the rule on the next full page (after the redirect of a form without htmx)."""
    request.session[OFFER_KEY] = str(txn.pk)


def pending_offer(request: HttpRequest) -> dict[str, Any] | None:
    """The offer remembered by :func:`remember_offer`, shown once (the layout calls this)."""
    session = getattr(request, "session", None)
    membership = getattr(request, "membership", None)
    if session is None or membership is None or OFFER_KEY not in session:
        return None
    pk = session.pop(OFFER_KEY)
    txn = transaction_list(household=membership.household).select_related("category").filter(pk=pk).first()
    return None if txn is None else rule_offer(txn)
