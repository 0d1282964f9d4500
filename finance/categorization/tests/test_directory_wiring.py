"""The merchant directory in the product: the household's country, and a new household's suggestions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finance.categorization import services
from finance.categorization.merchants import write
from finance.categorization.pipeline import BRAND_ALONE_MAX
from finance.categorization.tests.test_merchants import _content
from finance.households.models import Role
from finance.users.tests.factories import HouseholdFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(settings: Any) -> None:
    write(_content(), Path(settings.MERCHANT_DIRECTORY_PATH))


def test_the_country_is_the_one_most_members_gave_the_owner_breaking_a_tie() -> None:
    household = HouseholdFactory(base_currency="EUR")
    MembershipFactory(household=household, user=UserFactory(country="ZA"), role=Role.EDITOR)
    assert services.household_country(household) == "za"
    MembershipFactory(household=household, user=UserFactory(country="GB"), role=Role.OWNER)
    assert services.household_country(household) == "gb"  # one each: the owner's
    MembershipFactory(household=household, user=UserFactory(country="ZA"), role=Role.VIEWER)
    assert services.household_country(household) == "za"


def test_without_a_members_country_the_base_currency_tells_when_it_is_one_countrys() -> None:
    for currency, country in (("ZAR", "za"), ("USD", "us"), ("GBP", "gb"), ("EUR", None), ("XOF", None)):
        household = HouseholdFactory(base_currency=currency)
        MembershipFactory(household=household, user=UserFactory(country=""))
        assert services.household_country(household) == country, currency


def test_a_new_household_gets_the_brands_category_for_review_with_its_reason(directory: None) -> None:
    household = HouseholdFactory(base_currency="ZAR")  # the default categories: Fuel under Transport
    MembershipFactory(household=household, user=UserFactory(country=""))
    items = [
        {"type": "expense", "amount": Decimal("377.17"), "payee": "", "description": "POS Purchase Engen Mitchell"},
        {"type": "expense", "amount": Decimal("80.00"), "payee": "", "description": "Something unknown"},
    ]

    engen, unknown = services.categorize_for(household, items)

    assert engen.category_id is not None
    assert services.Category.objects.get(pk=engen.category_id).name == "Fuel"
    assert engen.source == "model"
    assert engen.confidence == Decimal(str(BRAND_ALONE_MAX))
    assert engen.needs_review  # a brand alone is not applied without review
    assert engen.explanation == "Engen — a fuel brand in South Africa (OpenStreetMap)"
    assert unknown.category_id is None


def test_a_brand_of_another_country_is_not_named(directory: None) -> None:
    household = HouseholdFactory(base_currency="USD")
    MembershipFactory(household=household, user=UserFactory(country="US"))
    (suggestion,) = services.categorize_for(
        household, [{"type": "expense", "amount": Decimal("10"), "payee": "", "description": "ENGEN 12"}]
    )
    assert suggestion.category_id is None


def test_without_a_built_directory_nothing_changes() -> None:
    household = HouseholdFactory(base_currency="ZAR")
    assert services.directory_for(household) is None
    (suggestion,) = services.categorize_for(
        household, [{"type": "expense", "amount": Decimal("10"), "payee": "", "description": "Engen"}]
    )
    assert suggestion.category_id is None


def test_the_country_is_one_query(django_assert_num_queries: Any) -> None:
    household = HouseholdFactory(base_currency="EUR")
    MembershipFactory(household=household, user=UserFactory(country="ZA"), role=Role.OWNER)
    with django_assert_num_queries(1):
        assert services.household_country(household) == "za"
