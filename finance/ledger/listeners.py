"""How the ledger reacts to the events of the domains below it, registered in ``LedgerConfig.ready()``.

All of them run in the writing transaction: a household never exists without its categories, and no
stored base amount outlives the rate or base currency it was converted with.
"""

from __future__ import annotations

from finance.core import events
from finance.currency.events import ExchangeRatesChanged
from finance.households.events import BaseCurrencyChanged, HouseholdCreated
from finance.ledger import services


def on_household_created(event: HouseholdCreated) -> None:
    services.categories_create_defaults(household_id=event.household_id)


def on_base_currency_changed(event: BaseCurrencyChanged) -> None:
    services.transactions_reconvert(household_id=event.household_id, field="base_currency")


def on_rates_changed(event: ExchangeRatesChanged) -> None:
    services.transactions_reconvert(household_id=event.household_id, currencies=event.currencies, field="rate")


def connect() -> None:
    events.listen(HouseholdCreated, on_household_created, phase=events.Phase.IN_TRANSACTION)
    events.listen(BaseCurrencyChanged, on_base_currency_changed, phase=events.Phase.IN_TRANSACTION)
    events.listen(ExchangeRatesChanged, on_rates_changed, phase=events.Phase.IN_TRANSACTION)
