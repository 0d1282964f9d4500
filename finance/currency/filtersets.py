"""The exchange rates' filters (``GET /api/v1/exchange-rates/``), for the API and the web's rate list alike."""

from __future__ import annotations

import django_filters as filters

from finance.currency.models import ExchangeRate


class ExchangeRateFilterSet(filters.FilterSet):
    base = filters.CharFilter(help_text="The base currency (ISO 4217 code).")
    quote = filters.CharFilter(help_text="The quote currency (ISO 4217 code).")
    date = filters.DateFilter(help_text="Rates of this day only, YYYY-MM-DD.")

    class Meta:
        model = ExchangeRate
        fields = ["base", "quote", "date"]
