"""English wording of generated messages: articles, capitals and plurals (finance.core.wording)."""

from __future__ import annotations

import pytest

from finance.core.wording import article, capitalized, plural


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("income", "an income"),
        ("expense", "an expense"),
        ("account", "an account"),
        ("uploaded", "an uploaded"),
        ("accounts", "an accounts"),
        ("transfer", "a transfer"),
        ("budget", "a budget"),
        ("category", "a category"),
        ("committed", "a committed"),
        ("user", "a user"),
        ("hour", "an hour"),
        ("Income", "an Income"),
    ],
)
def test_article(word, expected):
    assert article(word) == expected


def test_capitalized_keeps_the_rest_of_the_text():
    assert capitalized(article("income")) == "An income"
    assert capitalized("an OFX file") == "An OFX file"
    assert capitalized("") == ""


@pytest.mark.parametrize(
    ("noun", "expected"),
    [
        ("category", "categories"),
        ("account", "accounts"),
        ("tag", "tags"),
        ("batch", "batches"),
        ("day", "days"),
        ("goal", "goals"),
    ],
)
def test_plural(noun, expected):
    assert plural(noun) == expected
