"""Where a domain above the ledger shapes the ledger's work (finance.core.events.ExtensionPoint).

The ledger works without them; ``finance.categorization`` registers both in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finance.core.events import ExtensionPoint
from finance.households.models import Household
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Transaction

# Before a new income or expense without a category is inserted: the input as the categorizer shapes it
# (a category when the suggestion is sure enough, how it was chosen, whether it needs review, a rule's
# renamed payee, tags or exclusion). Called with the household and the caller's input.
suggest_categorization: ExtensionPoint[Callable[[Household, TransactionInput], TransactionInput]] = ExtensionPoint(
    "ledger.suggest_categorization"
)

# After a person set a transaction's category through the API: a rule body the client may offer to
# create for that payee (the response's ``suggested_rule``), or ``None``.
rule_offer: ExtensionPoint[Callable[[Transaction], dict[str, Any] | None]] = ExtensionPoint("ledger.rule_offer")
