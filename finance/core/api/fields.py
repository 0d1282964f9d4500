"""Serializer fields shared by every app."""

from __future__ import annotations

import uuid
from decimal import Decimal
from operator import attrgetter
from typing import Any

from rest_framework import serializers

from finance.core import rows
from finance.core.exceptions import Forbidden
from finance.core.money import (
    MONEY_DECIMAL_PLACES,
    MONEY_MAX_DIGITS,
    RATE_DECIMAL_PLACES,
    RATE_MAX_DIGITS,
    WIDE,
    amount_problem,
    present,
    rate_problem,
)


class _ExactDecimalField(serializers.DecimalField):
    """A decimal read exactly from a string, a JSON number the parser kept exact (``Decimal``) or one a float
    holds exactly; shown without ever running out of digits."""

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, float):
            data = repr(data)  # the JSON number as written, not its binary approximation
        value: Decimal = super().to_internal_value(data)
        return value

    def quantize(self, value: Decimal) -> Decimal:
        # DRF rounds in a context of max_digits, which raises for a sum larger than one column holds.
        if self.decimal_places is None:
            return value
        return value.quantize(Decimal(1).scaleb(-self.decimal_places), rounding=self.rounding, context=WIDE)


class MoneyField(_ExactDecimalField):
    """A decimal amount: accepts a string or a JSON number, shows an exact string in its currency's minor unit.

    ``currency`` names the attribute path on the object that gives the currency
    (``"currency"``, ``"household.base_currency"``), or a fixed code. Input outside the supported range
    (``finance.core.money.amount_problem``) is refused on the field.
    """

    default_error_messages = {"not_positive": "Must be greater than zero."}

    def __init__(self, *, currency: str | None = None, positive: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        kwargs.setdefault("coerce_to_string", True)
        self.currency_path = currency
        self.positive = positive
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        value = super().get_attribute(instance)
        if self.currency_path is None:
            return value
        if value is None:
            return None
        path = self.currency_path
        code = path if path.isupper() else attrgetter(path)(instance)
        return (value, code)

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, tuple):
            amount, code = value
            return present(amount, code) if amount is not None else None
        return super().to_representation(value)

    def validate_precision(self, value: Decimal) -> Decimal:
        # The supported range is stricter than the column's digits: one rule, one set of codes, whatever the size.
        problem = amount_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem.message, code=problem.code)
        return value

    def to_internal_value(self, data: Any) -> Decimal:
        value = super().to_internal_value(data)
        if self.positive and value <= 0:
            self.fail("not_positive")
        return value


class RateField(_ExactDecimalField):
    """An exchange rate: positive, inside the supported range (``finance.core.money.rate_problem``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", RATE_MAX_DIGITS)
        kwargs.setdefault("decimal_places", RATE_DECIMAL_PLACES)
        super().__init__(**kwargs)

    def validate_precision(self, value: Decimal) -> Decimal:
        problem = rate_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem.message, code=problem.code)
        return value


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id of an object in the household the request writes to (others do not exist).

    An id of the caller's own that lives in another of their households, one where their role may not write
    (a viewer's), is refused with 403, as writing there directly would be: "does not exist" would hide why.
    The view puts the caller's roles (``member_roles``: household id → role) and the roles that may write
    (``write_roles``) in the serializer's context.
    """

    def to_internal_value(self, data: Any) -> Any:
        try:
            return self._lookup(data)
        except serializers.ValidationError:
            self._refuse_if_read_only(data)
            raise

    def _lookup(self, data: Any) -> Any:
        """The object with id ``data`` in the household: one precompiled ``SELECT`` (``finance.core.rows``),
        not a queryset per request. A field given its own queryset reads through it."""
        household = self.context.get("household")
        if self.queryset_given or household is None:
            return super().to_internal_value(data)
        assert self.pk_field is not None  # set in __init__
        pk = self.pk_field.to_internal_value(data)
        found = rows.row(self.model, id=pk, household_id=household.pk)
        if found is None:
            self.fail("does_not_exist", pk_value=pk)
        return found

    def _refuse_if_read_only(self, data: Any) -> None:
        roles: dict[Any, str] | None = self.context.get("member_roles")
        writable = self.context.get("write_roles")
        if not roles or writable is None:
            return
        try:
            pk = uuid.UUID(str(data))
        except ValueError:
            return
        read_only = [household for household, role in roles.items() if role not in writable]
        if read_only and self.model.objects.filter(pk=pk, household_id__in=read_only).exists():
            raise Forbidden()

    def __init__(self, *, model: Any, **kwargs: Any) -> None:
        self.model = model
        self.queryset_given = "queryset" in kwargs
        kwargs.setdefault("queryset", model.objects.none())
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        household = self.context.get("household")
        if household is None:
            return self.model.objects.none()
        return self.model.objects.filter(household=household)


class BoundedListSerializer(serializers.ListSerializer):
    """The list of a ``many=True`` serializer with ``max_length``, refused as a whole and on its own name
    (``splits``, not ``splits.non_field_errors``) before any item is validated: a list far over its cap
    costs one comparison, not a query per item. Set it as the item serializer's ``list_serializer_class``."""

    def to_internal_value(self, data: Any) -> Any:
        limit: int | None = getattr(self, "max_length", None)  # DRF sets it; its stubs do not know it
        if limit is not None and isinstance(data, list) and len(data) > limit:
            message = self.error_messages["max_length"].format(max_length=limit)
            raise serializers.ValidationError([message], code="max_length")
        return super().to_internal_value(data)
