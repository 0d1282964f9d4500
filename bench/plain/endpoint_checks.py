"""Checks of the plain app's endpoints, run with its own settings by bench/tests/test_plain_app.py.

``python -m bench.plain.manage test bench.plain.endpoint_checks`` (the file is not named ``test_*`` so
that the main pytest run, on our settings, does not import the plain app's models).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench.plain.models import Transaction
from bench.plain.views import balance_key

ACCOUNT = uuid.uuid4()
PASSWORD = "plain-password-1"  # noqa: S105 - a test user's password


# A fast hasher: these checks are about the endpoints, not the password hash.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class PlainEndpoints(TestCase):
    def setUp(self) -> None:
        cache.clear()
        self.user = get_user_model().objects.create_user("plain", password=PASSWORD)
        self.other = get_user_model().objects.create_user("other", password=PASSWORD)
        self.client = APIClient()
        answer = self.client.post("/api/token/", {"username": "plain", "password": PASSWORD}, format="json")
        self.assertEqual(answer.status_code, 200)
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['access']}")

    def row(self, user: Any, type: str, amount: str, date: dt.date) -> Transaction:
        return Transaction.objects.create(
            user=user, account=ACCOUNT, type=type, amount=Decimal(amount), date=date, payee="Shop"
        )

    def test_a_request_without_a_token_is_refused(self) -> None:
        self.assertEqual(APIClient().get("/api/balance/").status_code, 401)

    def test_create_inserts_one_row_and_deletes_the_balance_key(self) -> None:
        cache.set(balance_key(self.user.pk), "999.00")
        body = {
            "account": str(ACCOUNT),
            "type": "expense",
            "amount": "12.34",
            "date": "2026-01-15",
            "payee": "Bench Store 1",
            "category": str(uuid.uuid4()),
            "reference_number": "bench-load",
        }
        with CaptureQueriesContext(connection) as queries:
            answer = self.client.post("/api/transactions/", body, format="json")
        self.assertEqual(answer.status_code, 201, answer.content)
        statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
        self.assertEqual(statements.count("INSERT"), 1, statements)
        self.assertEqual(len(statements), 2, statements)  # the token's user, the insert
        row = Transaction.objects.get()
        self.assertEqual((row.user.pk, row.amount, row.payee), (self.user.pk, Decimal("12.34"), "Bench Store 1"))
        self.assertIsNone(cache.get(balance_key(self.user.pk)))

    def test_list_answers_the_50_newest_first_of_the_callers_rows(self) -> None:
        start = dt.date(2025, 1, 1)
        for i in range(60):
            self.row(self.user, "expense", "1.00", start + dt.timedelta(days=i * 3 % 61))
        self.row(self.other, "expense", "1.00", start + dt.timedelta(days=400))
        answer = self.client.get("/api/transactions/")
        self.assertEqual(answer.status_code, 200)
        page = answer.json()
        dates = [r["date"] for r in page["results"]]
        self.assertEqual(len(dates), 50)
        self.assertEqual(dates, sorted(dates, reverse=True))
        newest = sorted((r.date.isoformat() for r in Transaction.objects.filter(user=self.user)), reverse=True)
        self.assertEqual(dates, newest[:50])
        self.assertIsNotNone(page["next"])

    def test_balance_is_correct_as_decimal_and_cached(self) -> None:
        self.row(self.user, "income", "100.10", dt.date(2026, 1, 1))
        self.row(self.user, "expense", "30.05", dt.date(2026, 1, 2))
        self.row(self.user, "expense", "0.02", dt.date(2026, 1, 3))
        self.row(self.other, "income", "5000.00", dt.date(2026, 1, 3))
        first = self.client.get("/api/balance/")
        self.assertEqual(first.status_code, 200)
        self.assertEqual(first.json()["balance"], "70.03")
        self.assertEqual(Decimal(first.json()["balance"]), Decimal("100.10") - Decimal("30.05") - Decimal("0.02"))
        self.assertEqual(cache.get(balance_key(self.user.pk)), "70.03")
        with CaptureQueriesContext(connection) as queries:
            second = self.client.get("/api/balance/")
        self.assertEqual(second.json()["balance"], "70.03")
        self.assertEqual(len(queries.captured_queries), 1)  # the token's user only: no aggregate
        self.client.post(
            "/api/transactions/",
            {"account": str(ACCOUNT), "type": "expense", "amount": "0.03", "date": "2026-01-04"},
            format="json",
        )
        self.assertEqual(self.client.get("/api/balance/").json()["balance"], "70.00")

    def test_trivial_endpoint_names_the_caller(self) -> None:
        self.assertEqual(self.client.get("/api/me/").json(), {"id": self.user.pk, "username": "plain"})
