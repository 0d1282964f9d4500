"""The access matrix for every ledger resource; outsiders get 404 on every detail route."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from finance.core.tests.access import AccessMatrixTests
from finance.currency.models import ExchangeRate
from finance.households.models import Household
from finance.ledger.models import Account, Category, Tag, Transaction
from finance.ledger.tests.factories import category, make_account, make_txn


class TestAccountAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> Account:
        return make_account(household, "Everyday")

    def list_url(self, roles: Any) -> str:
        return "/api/v1/accounts/"

    def detail_url(self, roles: Any, obj: Account) -> str:
        return f"/api/v1/accounts/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"household": str(roles.household.pk), "name": "New", "type": "savings", "currency": "EUR"}

    def update_payload(self, roles: Any, obj: Account) -> dict[str, Any]:
        return {"name": "Renamed", "opening_balance": "50.00"}


class TestCategoryAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> Category:
        return Category.objects.create(household=household, name="Hobby X", type="expense")

    def list_url(self, roles: Any) -> str:
        return "/api/v1/categories/"

    def detail_url(self, roles: Any, obj: Category) -> str:
        return f"/api/v1/categories/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"household": str(roles.household.pk), "name": "Bakery", "type": "expense"}

    def update_payload(self, roles: Any, obj: Category) -> dict[str, Any]:
        return {"name": "Hobby Y"}


class TestTagAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> Tag:
        return Tag.objects.create(household=household, name="holiday")

    def list_url(self, roles: Any) -> str:
        return "/api/v1/tags/"

    def detail_url(self, roles: Any, obj: Tag) -> str:
        return f"/api/v1/tags/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"household": str(roles.household.pk), "name": "work"}

    def update_payload(self, roles: Any, obj: Tag) -> dict[str, Any]:
        return {"color": "#ff0000"}


class TestTransactionAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> Transaction:
        account = Account.objects.filter(household=household).first() or make_account(household)
        return make_txn(
            household, account, "expense", "12.00", date(2026, 3, 3), category=category(household, "Coffee")
        )

    def list_url(self, roles: Any) -> str:
        return "/api/v1/transactions/"

    def detail_url(self, roles: Any, obj: Transaction) -> str:
        return f"/api/v1/transactions/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        account = Account.objects.filter(household=roles.household).first() or make_account(roles.household)
        return {"household": str(roles.household.pk), "account": str(account.pk), "type": "income", "amount": "5.00"}

    def update_payload(self, roles: Any, obj: Transaction) -> dict[str, Any]:
        return {"amount": "13.00", "payee": "Cafe"}


class TestExchangeRateAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> ExchangeRate:
        return ExchangeRate.objects.create(
            household=household, base="EUR", quote="USD", rate=Decimal("1.1"), date=date(2026, 1, 1)
        )

    def list_url(self, roles: Any) -> str:
        return "/api/v1/exchange-rates/"

    def detail_url(self, roles: Any, obj: ExchangeRate) -> str:
        return f"/api/v1/exchange-rates/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {
            "household": str(roles.household.pk),
            "base": "GBP",
            "quote": "USD",
            "rate": "1.27",
            "date": "2026-02-01",
        }

    def update_payload(self, roles: Any, obj: ExchangeRate) -> dict[str, Any]:
        return {"rate": "1.2"}
