"""Categorization rules stored as data (CAT-1)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from finance.households.models import HouseholdOwned


class RuleMatch(models.TextChoices):
    ALL = "all", _("All conditions")
    ANY = "any", _("Any condition")


class DisabledReason(models.TextChoices):
    """Why the system turned a rule off (``rules.Exhausted``); empty while a person decides."""

    SLOW_CONDITION = "slow_condition", _("One of its regular expressions took too long on a transaction.")
    TIME_BUDGET = "time_budget", _("Its conditions used up the time rules may take.")


class Rule(HouseholdOwned):
    """A household's rule: conditions and actions as JSON, validated by ``rules.validate_rule`` on save.

    ``actions`` are ``{action, value}``; a ``set_category`` value is the id of one of the household's
    categories. A rule the system turned off for taking too long has ``disabled_reason`` and ``disabled_at``
    (cleared when a person turns it on again).
    """

    name = models.CharField(max_length=120)
    priority = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    match = models.CharField(max_length=3, choices=RuleMatch.choices, default=RuleMatch.ALL)
    stop_processing = models.BooleanField(default=False)
    conditions = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    disabled_reason = models.CharField(max_length=20, choices=DisabledReason.choices, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "created_at", "id"]
        indexes = [models.Index(fields=["household", "is_active", "priority"], name="categ_rule_active_priority")]

    def __str__(self) -> str:
        return self.name
