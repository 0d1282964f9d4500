"""Every table of a data export, registered with :mod:`finance.privacy.registry` when privacy is ready.

The domains below privacy are registered here (privacy builds on them); a domain above privacy
registers its own tables from its ``AppConfig.ready()``.
"""

from finance.privacy.resources import budgets, ledger


def register_all() -> None:
    ledger.register_resources()
    budgets.register_resources()
