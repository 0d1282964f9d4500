"""Exchange-rate history used to convert amounts into a household's base currency."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finance.core.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS, CurrencyField
from finance.households.models import HouseholdOwned


class RateSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    PROVIDER = "provider", _("From a rate provider")


class ExchangeRate(HouseholdOwned):
    """One unit of ``base`` is worth ``rate`` units of ``quote`` on ``date``."""

    base = CurrencyField()
    quote = CurrencyField()
    rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)
    date = models.DateField()
    source = models.CharField(max_length=10, choices=RateSource.choices, default=RateSource.MANUAL)

    class Meta:
        ordering = ["-date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "base", "quote", "date"],
                name="currency_rate_unique_per_day",
                violation_error_message="A rate for this pair and date already exists.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0), name="currency_rate_positive", violation_error_message="Rates are positive."
            ),
            models.CheckConstraint(
                condition=~Q(base=models.F("quote")),
                name="currency_rate_distinct_pair",
                violation_error_message="Base and quote must differ.",
            ),
        ]
        indexes = [models.Index(fields=["household", "base", "quote", "-date"], name="currency_rate_lookup")]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} on {self.date}"
