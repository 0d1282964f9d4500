"""What categorization tells the domains above it (finance.core.events; docs/architecture.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from finance.core.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleDisabled(Event):
    """The system turned a rule off because it took too long (``reason``: ``slow_condition`` or
    ``time_budget``, see ``models.DisabledReason``); the household's people should hear of it and fix it.

    ``spent_ms`` is what the rule had spent of the run's budget of ``budget_ms``.
    """

    name: ClassVar[str] = "categorization.rule_disabled"

    household_id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    reason: str
    spent_ms: int
    budget_ms: int
