"""Conversion at a rate that may be missing, shared by budget status and goal progress."""

from __future__ import annotations

from decimal import Decimal

from finance.currency.selectors import Rate


def convert(rate: Rate | None, amount: Decimal) -> Decimal | None:
    """``amount`` at ``rate``; ``None`` (unknown) without a rate, never 1:1."""
    return None if rate is None else rate.convert(amount)
