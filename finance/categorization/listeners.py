"""How categorization plugs into the ledger, registered in ``CategorizationConfig.ready()``."""

from __future__ import annotations

from finance.categorization import services
from finance.core import events
from finance.ledger import extensions
from finance.ledger.events import CategoryCorrected


def on_category_corrected(event: CategoryCorrected) -> None:
    """A person's correction counts towards retraining the household's model."""
    services.correction_recorded(household_id=event.household_id)


def connect() -> None:
    # Before a new transaction without a category is written: rules, history and the model suggest one.
    extensions.suggest_categorization.register(services.categorized)
    # After a person sets a category through the API: a rule for that payee to offer.
    extensions.rule_offer.register(services.suggested_rule)
    # In the writing transaction, as the count always was: a correction that rolls back schedules nothing.
    events.listen(CategoryCorrected, on_category_corrected, phase=events.Phase.IN_TRANSACTION)
