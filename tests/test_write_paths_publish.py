"""Every path that writes money publishes its domain event to the outbox, and a refused write publishes none.

One test per path, through its real entry point (API, web app, import, rule, review queue, restore…),
asserting the outbox rows it leaves (finance.core.events; docs/architecture.md).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import auth_client
from finance.categorization.services import rule_create
from finance.core.models import OutboxEvent
from finance.households.models import Household, Membership
from finance.ledger.models import Account, Category, Transaction
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.privacy import archive
from finance.privacy.services import export_data
from finance.users.models import User
from finance.users.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGED = "ledger.transactions_changed"


@pytest.fixture
def account(household: Household) -> Account:
    return make_account(household, "Checking", currency="USD")


@pytest.fixture
def mark() -> int:
    """The outbox position before the action under test: fixtures' own writes are not counted."""
    return OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def published(after: int, name: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    rows = OutboxEvent.objects.filter(id__gt=after).order_by("id")
    if name is not None:
        rows = rows.filter(name=name)
    return [(row.name, row.payload) for row in rows]


def changed(after: int) -> list[tuple[str, int, list[str]]]:
    """(kind, count, ids) of each ``TransactionsChanged`` since ``after``."""
    return [(p["kind"], p["count"], p["ids"]) for _, p in published(after, CHANGED)]


class TestApi:
    def test_create_update_and_delete(self, client_for, household, account, mark):
        body = {"account": str(account.pk), "type": "expense", "amount": "12.50", "date": "2026-03-02"}
        made = client_for.post("/api/v1/transactions/", body, format="json").json()
        groceries = category(household, "Groceries")
        client_for.patch(f"/api/v1/transactions/{made['id']}/", {"category": str(groceries.pk)}, format="json")
        client_for.delete(f"/api/v1/transactions/{made['id']}/")
        ids = [made["id"]]
        assert changed(mark) == [("created", 1, ids), ("updated", 1, ids), ("deleted", 1, ids)]
        (name, payload), *_ = published(mark)
        assert (name, payload["household_id"], payload["dates"], payload["account_ids"]) == (
            CHANGED,
            str(household.pk),
            ["2026-03-02"],
            [str(account.pk)],
        )
        assert OutboxEvent.objects.filter(id__gt=mark).first().household_id == household.pk
        corrected = published(mark, "ledger.category_corrected")
        assert [(p["transaction_id"], p["category_id"], p["previous_category_id"]) for _, p in corrected] == [
            (made["id"], str(groceries.pk), None)
        ]

    def test_bulk_create(self, client_for, account, mark):
        good = {"account": str(account.pk), "type": "expense", "amount": "1.00", "date": "2026-01-01"}
        response = client_for.post("/api/v1/transactions/bulk/", {"transactions": [good, good]}, format="json")
        assert response.status_code == 201, response.content
        ids = sorted(str(t) for t in Transaction.objects.values_list("id", flat=True))
        [(kind, count, published_ids)] = changed(mark)
        assert (kind, count, sorted(published_ids)) == ("created", 2, ids)

    def test_a_refused_write_publishes_nothing(self, client_for, account, mark):
        good = {"account": str(account.pk), "type": "expense", "amount": "1.00", "date": "2026-01-01"}
        bad = client_for.post("/api/v1/transactions/bulk/", {"transactions": [good, {**good, "amount": "-3"}]})
        assert bad.status_code == 400
        refused = client_for.post("/api/v1/transactions/", {**good, "type": "nonsense"}, format="json")
        assert refused.status_code == 400
        assert published(mark) == []
        assert Transaction.objects.count() == 0

    def test_an_opening_balance_moves_balances_without_dates(self, client_for, account, mark):
        client_for.patch(f"/api/v1/accounts/{account.pk}/", {"opening_balance": "250.00"}, format="json")
        [(_, payload)] = published(mark, CHANGED)
        assert (payload["kind"], payload["dates"], payload["account_ids"], payload["count"]) == (
            "balance",
            [],
            [str(account.pk)],
            0,
        )

    def test_a_new_rate_reconverts_and_says_so(self, client_for, household, mark):
        euros = make_account(household, "Euro card", "EUR")
        txn = make_txn(household, euros, "expense", "10.00", date(2026, 3, 2))
        mark = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
        rate = {"base": "EUR", "quote": "USD", "rate": "1.1", "date": "2026-03-01"}
        assert client_for.post("/api/v1/exchange-rates/", rate, format="json").status_code == 201
        assert published(mark, "currency.rates_changed") == [
            ("currency.rates_changed", {"household_id": str(household.pk), "currencies": ["EUR", "USD"]})
        ]
        assert changed(mark) == [("reconverted", 1, [str(txn.pk)])]
        txn.refresh_from_db()
        assert txn.amount_in_base_currency == Decimal("11.0000000000")


class TestWeb:
    @pytest.fixture
    def web(self, user: User, household: Household) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def test_create_edit_bulk_and_delete(self, web, household, account, mark):
        form = {
            "type": "expense",
            "date": "2026-04-02",
            "amount": "30.00",
            "account": str(account.pk),
            "category": "",
            "transfer_account": "",
            "transfer_amount": "",
            "payee": "Market",
            "description": "",
            "notes": "",
            "tags": "",
            "splits-TOTAL_FORMS": "0",
            "splits-INITIAL_FORMS": "0",
        }
        assert web.post(reverse("web:transaction-create"), form).status_code == 302
        txn = Transaction.objects.get(payee="Market")
        edit = {**form, "amount": "31.00"}
        assert web.post(reverse("web:transaction-edit", args=[txn.pk]), edit).status_code == 302
        groceries = category(household, "Groceries")
        bulk = {"ids": [txn.pk], "action": "categorize", "category": groceries.pk}
        assert web.post(reverse("web:transaction-bulk"), bulk).status_code == 302
        assert web.post(reverse("web:transaction-delete", args=[txn.pk])).status_code == 302
        ids = [str(txn.pk)]
        assert changed(mark) == [
            ("created", 1, ids),
            ("updated", 1, ids),
            ("updated", 1, ids),
            ("deleted", 1, ids),
        ]

    def test_bulk_delete(self, web, household, account, mark):
        first = make_txn(household, account, "expense", "1.00", date(2026, 3, 1))
        second = make_txn(household, account, "expense", "2.00", date(2026, 3, 2))
        mark = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
        body = {"ids": [first.pk, second.pk], "action": "delete", "confirm": "1"}
        assert web.post(reverse("web:transaction-bulk"), body).status_code == 302
        [(kind, count, ids)] = changed(mark)
        assert (kind, count, sorted(ids)) == ("deleted", 2, sorted([str(first.pk), str(second.pk)]))


class TestImports:
    @pytest.fixture(autouse=True)
    def _media(self, settings: Any, tmp_path: Any) -> None:
        settings.MEDIA_ROOT = str(tmp_path / "media")

    def test_commit_and_revert(self, client_for, account, mark):
        data = b"Date,Description,Amount\n2026-03-02,Grocer,-23.00\n2026-03-05,Cafe,-4.50\n2026-03-06,Refund,5.00\n"
        upload = SimpleUploadedFile("s.csv", data)
        body = {"account": str(account.pk), "file": upload}
        batch = client_for.post("/api/v1/imports/", body, format="multipart").json()
        client_for.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json")
        done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
        assert done.status_code == 200, done.content
        ids = sorted(str(t) for t in Transaction.objects.filter(import_batch=batch["id"]).values_list("id", flat=True))
        assert client_for.post(f"/api/v1/imports/{batch['id']}/revert/").status_code == 200
        [(created, n_created, created_ids), (deleted, n_deleted, deleted_ids)] = changed(mark)
        assert (created, n_created, sorted(created_ids)) == ("created", 3, ids)
        assert (deleted, n_deleted, sorted(deleted_ids)) == ("deleted", 3, ids)
        [(_, payload), _] = published(mark, CHANGED)
        assert payload["dates"] == ["2026-03-02", "2026-03-05", "2026-03-06"]


class TestCategorization:
    def test_applying_a_rule(self, client_for, household, account, mark):
        plain = make_txn(household, account, "expense", "20.00", payee="Kroger 1")
        other = make_txn(household, account, "expense", "30.00", payee="Kroger 2")
        rule = rule_create(
            household=household,
            actor=None,
            name="Kroger",
            conditions=[{"field": "payee", "operator": "contains", "value": "kroger"}],
            actions=[{"action": "set_category", "value": str(category(household, "Groceries").pk)}],
        )
        mark = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
        assert client_for.post(f"/api/v1/rules/{rule.pk}/apply/?dry_run=false").status_code == 200
        assert sorted(changed(mark)) == sorted([("updated", 1, [str(plain.pk)]), ("updated", 1, [str(other.pk)])])

    def test_accepting_a_review_suggestion(self, client_for, household, account, mark):
        groceries = category(household, "Groceries")
        for shelf in (groceries, groceries, category(household, "Dining out")):
            make_txn(household, account, payee="Corner Store", category=shelf)
        weak = make_txn(household, account, payee="Corner Store")  # history suggests, not surely enough
        mark = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
        response = client_for.post(f"/api/v1/review/{weak.pk}/accept/")
        assert response.status_code == 200, response.content
        assert changed(mark) == [("updated", 1, [str(weak.pk)])]
        assert [p["category_id"] for _, p in published(mark, "ledger.category_corrected")] == [str(groceries.pk)]


class TestPrivacyRestore:
    def test_a_restored_household_publishes_all_its_transactions(self, user, household, account):
        for day in (1, 2, 3):
            make_txn(household, account, "expense", "5.00", date(2026, 3, day))
        target = io.BytesIO()
        archive.write_archive(target, data=export_data(user=user), user=user, created_at=household.created_at)
        other = UserFactory()
        mark = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
        upload = SimpleUploadedFile("backup.zip", target.getvalue(), content_type="application/zip")
        response = auth_client(other).post("/api/v1/privacy/import/", {"file": upload}, format="multipart")
        assert response.status_code == 201, response.content
        copy = Household.objects.get(pk=response.json()["households"][0]["id"])
        ids = sorted(str(t) for t in Transaction.objects.filter(household=copy).values_list("id", flat=True))
        [(_, payload)] = published(mark, CHANGED)
        assert (payload["household_id"], payload["kind"], sorted(payload["ids"])) == (str(copy.pk), "created", ids)
        assert payload["dates"] == ["2026-03-01", "2026-03-02", "2026-03-03"]


class TestIdentityAndHouseholds:
    def test_registration_creates_the_first_household_through_events(self, api_client, mark):
        body = {"username": "alex", "email": "alex@example.com", "password": "a-long-unusual-passphrase-42"}
        response = api_client.post("/api/v1/auth/register/", body, format="json")
        assert response.status_code == 201, response.content
        user = User.objects.get(username="alex")
        household = Household.objects.get(memberships__user=user)
        assert published(mark) == [
            ("users.user_registered", {"user_id": str(user.pk)}),
            (
                "households.household_created",
                {"household_id": str(household.pk), "owner_id": str(user.pk), "base_currency": "USD"},
            ),
        ]
        assert Category.objects.filter(household=household, is_system=True).count() > 10  # the ledger's listener

    def test_signing_in_is_an_event(self, api_client, mark):
        user = UserFactory(username="sam")
        response = api_client.post("/api/v1/auth/login/", {"username": "sam", "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        assert published(mark, "users.user_signed_in") == [
            ("users.user_signed_in", {"user_id": str(user.pk), "method": "password"})
        ]

    def test_a_new_base_currency_reconverts(self, client_for, household, account, mark):
        txn = make_txn(household, account, "expense", "10.00", date(2026, 3, 2))
        mark = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
        response = client_for.patch(f"/api/v1/households/{household.pk}/", {"base_currency": "EUR"}, format="json")
        assert response.status_code == 200, response.content
        assert published(mark, "households.base_currency_changed") == [
            (
                "households.base_currency_changed",
                {"household_id": str(household.pk), "old": "USD", "new": "EUR"},
            )
        ]
        # No USD→EUR rate: the amount has no base value any more, and the ledger says so.
        assert changed(mark) == [("reconverted", 1, [str(txn.pk)])]

    def test_an_invitation_and_its_acceptance_are_events(self, client_for, user, household, mark):
        sam = UserFactory(username="sam")
        sent = client_for.post(f"/api/v1/households/{household.pk}/members/", {"username": "sam"}, format="json")
        assert sent.status_code == 202, sent.content
        invitation_id = sent.json()["id"]
        assert published(mark) == [
            (
                "households.invitation_created",
                {
                    "household_id": str(household.pk),
                    "invitation_id": invitation_id,
                    "role": "viewer",
                    "invited_by_id": str(user.pk),
                },
            )
        ]
        after = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        web = Client()
        web.force_login(sam)
        assert web.post(reverse("web:invitation-accept", args=[invitation_id])).status_code == 302
        membership = Membership.objects.get(household=household, user=sam)
        assert published(after) == [
            (
                "households.invitation_accepted",
                {
                    "household_id": str(household.pk),
                    "invitation_id": invitation_id,
                    "user_id": str(sam.pk),
                    "membership_id": str(membership.pk),
                    "role": "viewer",
                },
            )
        ]

    def test_a_refused_invitation_publishes_nothing(self, client_for, household, mark):
        viewer = UserFactory()
        Membership.objects.create(household=household, user=viewer, role="viewer")
        refused = client_for.post(
            f"/api/v1/households/{household.pk}/members/", {"username": viewer.username}, format="json"
        )
        assert refused.status_code == 409
        assert published(mark) == []
