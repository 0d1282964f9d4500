"""Anonymized copies: the original stays, pseudonyms are stable within the copy, derived data is exact."""

from __future__ import annotations

from typing import Any

import pytest

from finance.audit.models import AuditAction, AuditEvent
from finance.budgets.models import Budget, BudgetMove, Goal, GoalContribution
from finance.core.tests.access import AccessMatrixTests
from finance.households.models import Household, Membership
from finance.ledger.models import Account, Split, Tag, Transaction
from finance.ledger.verify import verify
from finance.privacy.pseudonyms import Pseudonymizer
from finance.privacy.tests.data import populate

pytestmark = pytest.mark.django_db


def snapshot(household: Household) -> list[tuple[Any, ...]]:
    return sorted(
        Transaction.objects.filter(household=household).values_list(
            "id", "payee", "description", "notes", "amount", "account__name", "updated_at"
        )
    )


def test_copy_is_pseudonymized_stable_and_exact_and_the_original_is_untouched(client_for, user, household):
    populate(household, user)
    before = snapshot(household)
    accounts_before = sorted(Account.objects.filter(household=household).values_list("name", "institution"))

    response = client_for.post(f"/api/v1/households/{household.pk}/anonymize/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "owner"
    copy = Household.objects.get(pk=body["id"])
    assert body["name"].startswith("Anonymized copy")
    assert list(Membership.objects.filter(household=copy).values_list("user_id", flat=True)) == [user.pk]

    assert snapshot(household) == before
    assert sorted(Account.objects.filter(household=household).values_list("name", "institution")) == accounts_before

    original = {(t.date, t.amount): t for t in Transaction.objects.filter(household=household)}
    copied = {(t.date, t.amount): t for t in Transaction.objects.filter(household=copy)}
    assert original.keys() == copied.keys()
    texts = {"ACME Corp", "Corner Grocer", "Trattoria Roma", "January salary", "Weekly shop", "Split with Sam"}
    for key, txn in copied.items():
        source = original[key]
        for name in ("payee", "description", "notes", "reference_number"):
            value = getattr(txn, name)
            assert value not in texts
            assert bool(value) == bool(getattr(source, name))
        assert (txn.type, txn.currency, txn.amount_in_base_currency) == (
            source.type,
            source.currency,
            source.amount_in_base_currency,
        )
    # The same payee gets the same pseudonym everywhere in the copy.
    grocer = {copied[k].payee for k, t in original.items() if t.payee == "Corner Grocer"}
    assert len(grocer) == 1
    assert grocer != {copied[k].payee for k, t in original.items() if t.payee == "ACME Corp"}

    names = sorted(Account.objects.filter(household=copy).values_list("name", "institution"))
    assert names == [("Checking 1", ""), ("Checking 2", ""), ("Savings 1", "")]
    assert not Tag.objects.filter(household=copy, name__in=["holiday", "food"]).exists()
    assert Tag.objects.filter(household=copy).count() == 2
    assert not Split.objects.filter(household=copy, description__in=["food", "dice"]).exists()
    assert verify(copy.id) == []

    def balances(h: Household) -> list[tuple[Any, ...]]:
        return sorted(Account.objects.filter(household=h).values_list("type", "currency", "balance"))

    assert balances(copy) == balances(household)
    assert sorted(Budget.objects.filter(household=copy).values_list("name", flat=True)) == ["Budget 1"]
    assert sorted(Goal.objects.filter(household=copy).values_list("name", flat=True)) == ["Goal 1", "Goal 2"]
    assert BudgetMove.objects.get(household=copy).note not in {"", "More cooking"}
    assert GoalContribution.objects.get(household=copy).note not in {"", "first"}
    event = AuditEvent.objects.get(action=AuditAction.HOUSEHOLD_ANONYMIZE)
    assert (event.household_id, event.target_id) == (household.pk, str(copy.pk))


def test_pseudonyms_are_stable_distinct_and_keyed():
    first = Pseudonymizer(key=b"k" * 32)
    assert first("payee", "Corner Grocer") == first("payee", "  corner grocer ")
    assert first("payee", "") == ""
    many = {first("payee", f"shop {i}") for i in range(5000)}
    assert len(many) == 5000  # distinct originals never share a pseudonym within a copy
    other = Pseudonymizer(key=b"j" * 32)
    assert [other("payee", f"shop {i}") for i in range(20)] != [first("payee", f"shop {i}") for i in range(20)]


class TestAnonymizeAccess(AccessMatrixTests):
    """Only owners copy; the copy belongs to whoever made it."""

    actions = frozenset({"create"})
    create_roles = frozenset({"owner"})

    def make_object(self, household: Household, roles: Any) -> Any:
        return household

    def list_url(self, roles: Any) -> str:
        return f"/api/v1/households/{roles.household.pk}/anonymize/"

    def detail_url(self, roles: Any, obj: Any) -> str:
        return f"/api/v1/households/{obj.pk}/anonymize/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {}
