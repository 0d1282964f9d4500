"""Input at the edge of the API: exact JSON numbers, text the databases can store, bounded nesting, the
request charset, and every 400 in the one ``validation_error`` shape (issue #17)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from finance.categorization.models import Rule
from finance.core import text
from finance.core.api.errors import bad_request
from finance.core.exceptions import NON_FIELD
from finance.ledger.models import Category, Tag, Transaction
from finance.ledger.tests.factories import category, make_account

pytestmark = pytest.mark.django_db

RULES = "/api/v1/rules/"
TAGS = "/api/v1/tags/"


def only_error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return {"type": body["type"], **body["errors"][0]}


def post_raw(client: Any, url: str, raw: bytes, content_type: str = "application/json") -> Any:
    return client.post(url, data=raw, content_type=content_type)


def rule_body(household: Any, value: Any) -> dict[str, Any]:
    return {
        "name": "Lone surrogate",
        "conditions": [{"field": "payee", "operator": "contains", "value": value}],
        "actions": [{"action": "set_category", "value": str(category(household, "Groceries").pk)}],
    }


# --- Exact JSON numbers -----------------------------------------------------------------------------------------


def test_a_json_number_a_float_cannot_hold_is_read_as_the_exact_decimal():
    assert text.exact_number("12345678901234567.89") == Decimal("12345678901234567.89")
    assert isinstance(text.exact_number("12345678901234567.89"), Decimal)
    # Numbers a float holds as written stay floats, so JSON fields (a rule's value) keep their type.
    assert text.exact_number("12.5") == 12.5
    assert isinstance(text.exact_number("0.1"), float)
    assert text.exact_number("1e400") == Decimal("1e400")


def test_an_inexact_json_amount_is_refused_not_rounded(client_for, household):
    account = make_account(household, "Everyday", currency="USD")
    raw = b'{"account": "%s", "type": "expense", "amount": 12345678901234567.89}' % str(account.pk).encode()
    response = post_raw(client_for, "/api/v1/transactions/", raw)
    assert response.status_code == 400
    assert only_error(response) | {"detail": ""} == {
        "type": "validation_error",
        "code": "max_value",
        "attr": "amount",
        "detail": "",
    }
    assert not Transaction.objects.filter(household=household).exists()
    account.refresh_from_db()
    assert account.balance == 0


def test_a_json_number_amount_is_stored_exactly(client_for, household):
    account = make_account(household, "Everyday", currency="USD")
    raw = b'{"account": "%s", "type": "expense", "amount": 1234567890123.45}' % str(account.pk).encode()
    response = post_raw(client_for, "/api/v1/transactions/", raw)
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "1234567890123.45"
    assert Transaction.objects.get(household=household).amount == Decimal("1234567890123.45")


def test_a_float_in_a_rule_value_is_still_a_number(client_for, household):
    body = rule_body(household, "x")
    body["conditions"] = [{"field": "amount", "operator": "greater_than", "value": 12.5}]
    response = client_for.post(RULES, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["conditions"][0]["value"] == 12.5


# --- Text that cannot be stored -----------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_rule_value_is_refused_and_nothing_is_saved(client_for, household):
    raw = json.dumps(rule_body(household, "KROGER")).replace("KROGER", "KRO\\ud800GER").encode()
    response = post_raw(client_for, RULES, raw)
    assert response.status_code == 400
    assert only_error(response) == {
        "type": "validation_error",
        "code": "surrogate_characters_not_allowed",
        "detail": "Surrogate characters are not allowed: U+D800.",
        "attr": "conditions.0.value",
    }
    assert not Rule.objects.filter(household=household).exists()
    assert client_for.get(RULES).status_code == 200


@pytest.mark.parametrize(
    ("raw", "attr", "code"),
    [
        (b'{"name": "a\\u0000b"}', "name", "null_characters_not_allowed"),
        (b'{"name\\udfff": "x"}', "name\\udfff", "surrogate_characters_not_allowed"),
        (b'{"name": ["ok", {"deep": "\\ud83d"}]}', "name.1.deep", "surrogate_characters_not_allowed"),
    ],
)
def test_unstorable_text_anywhere_in_a_body_is_a_field_error(client_for, household, raw, attr, code):
    response = post_raw(client_for, TAGS, raw)
    assert response.status_code == 400
    assert (only_error(response)["attr"], only_error(response)["code"]) == (attr, code)
    assert not Tag.objects.filter(household=household).exists()


def test_a_surrogate_pair_is_an_ordinary_character(client_for, household):
    response = post_raw(client_for, TAGS, b'{"name": "party \\ud83c\\udf89"}')
    assert response.status_code == 201, response.content
    assert Tag.objects.get(household=household).name == "party \U0001f389"


# --- Nesting ------------------------------------------------------------------------------------------------------


def nested(depth: int) -> bytes:
    return b'{"name": ' + b"[" * depth + b"1" + b"]" * depth + b"}"


def test_json_nested_past_the_limit_is_refused_on_the_field(client_for, household):
    response = post_raw(client_for, TAGS, nested(text.MAX_JSON_DEPTH))
    assert response.status_code == 400
    error = only_error(response)
    assert (error["type"], error["code"]) == ("validation_error", "max_depth")
    assert error["attr"] == "name" + ".0" * (text.MAX_JSON_DEPTH - 1)
    assert not Tag.objects.filter(household=household).exists()


def test_json_nested_deep_enough_to_exhaust_recursion_is_a_400_not_a_500(client_for, household):
    response = post_raw(client_for, TAGS, nested(200_000))
    assert response.status_code == 400
    error = only_error(response)
    assert (error["type"], error["code"]) == ("validation_error", "max_depth")
    assert error["attr"] == "name" + ".0" * (text.MAX_JSON_DEPTH - 1)
    # Keys on the way are named too.
    deep = b'{"a": {"b": [0, ' + b"[" * 100_000 + b"]" * 100_000 + b"]}}"
    assert only_error(post_raw(client_for, TAGS, deep))["attr"].startswith("a.b.1.0.0")
    assert not Tag.objects.filter(household=household).exists()


def test_nesting_within_the_limit_is_accepted(client_for, household):
    # The rule's value sits at depth 4; within the limit the body reaches the serializer, which judges it.
    body = rule_body(household, "x")
    body["conditions"] = [{"field": "amount", "operator": "between", "value": [1, 2]}]
    assert client_for.post(RULES, body, format="json").status_code == 201


# --- One shape for every 400 --------------------------------------------------------------------------------------


def test_malformed_json_is_a_validation_error(client_for):
    response = post_raw(client_for, TAGS, b'{"name": ')
    assert response.status_code == 400
    error = only_error(response)
    assert (error["type"], error["code"], error["attr"]) == ("validation_error", "parse_error", NON_FIELD)


def test_a_broken_multipart_body_is_a_validation_error(client_for):
    response = client_for.post(TAGS, data=b"--x\r\n", content_type="multipart/form-data; boundary=")
    assert response.status_code == 400
    assert only_error(response)["type"] == "validation_error"
    assert only_error(response)["attr"] == NON_FIELD


def test_djangos_own_400_is_in_the_envelope_for_the_api(rf):
    body = json.loads(bad_request(rf.get("/api/v1/tags/")).content)
    assert body == {
        "type": "validation_error",
        "errors": [{"code": "invalid", "detail": "The request is malformed.", "attr": NON_FIELD}],
    }


# --- The request charset ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["unicode_escape", "raw-unicode-escape", "utf-7", "no-such-charset"])
def test_a_charset_that_can_forge_surrogates_is_refused_for_the_api(client_for, household, charset):
    response = post_raw(client_for, TAGS, b"name=a\\ud800", f"application/x-www-form-urlencoded; charset={charset}")
    assert response.status_code == 415
    assert only_error(response)["code"] == "unsupported_media_type"
    assert not Tag.objects.filter(household=household).exists()


def test_a_charset_that_can_forge_surrogates_is_refused_for_web_forms(user, household):
    web = Client()
    web.force_login(user)
    before = Category.objects.filter(household=household).count()
    response = web.post(
        "/app/categories/new/",
        data=b"name=a\\ud800&type=expense",
        content_type="application/x-www-form-urlencoded; charset=unicode_escape",
    )
    assert response.status_code == 415
    assert Category.objects.filter(household=household).count() == before
    # UTF-8 (declared or not) is what browsers send.
    ok = web.post(
        "/app/categories/new/",
        data="name=Café&type=expense".encode(),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert ok.status_code in (200, 302)
    assert Category.objects.filter(household=household, name="Café").exists()


# --- Rules saved before the check: the migration makes them readable and deletable again --------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's jsonb never stored a lone surrogate")
def test_rules_saved_with_unstorable_text_are_repaired(client_for, household):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("finance.categorization.migrations.0002_scrub_unstorable_text")
    broken = Rule.objects.create(
        household=household,
        name="Old",
        conditions=[{"field": "payee", "operator": "contains", "value": "a\ud800b\x00c"}],
        actions=[],
    )
    fine = Rule.objects.create(
        household=household, name="Fine 🎉", conditions=[{"field": "payee", "operator": "contains", "value": "ok"}]
    )
    migration.scrub_rules(apps, None)
    broken.refresh_from_db()
    assert broken.conditions[0]["value"] == "a\ufffdb\ufffdc"
    fine.refresh_from_db()
    assert (fine.name, fine.conditions[0]["value"]) == ("Fine 🎉", "ok")
    assert client_for.get(RULES).status_code == 200
    assert client_for.delete(f"{RULES}{broken.pk}/").status_code == 204
