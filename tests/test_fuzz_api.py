"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

Every operation in ``/api/schema/`` is called with generated requests (valid and
invalid) as a signed-in user who has some data. Each response must not be a
server error, must use a status code and content type the schema documents,
must match the documented response schema, and every error must use the one
error envelope. Bounded by ``FUZZ_MAX_EXAMPLES`` examples per operation (small by
default, so CI runs it in about a minute); ``make fuzz`` runs only this, with more
examples and with the schema's examples and schemathesis' coverage cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config import env
from finance.households.models import Role
from finance.ledger.tests.factories import make_account, make_txn
from finance.users.services import ClientInfo, session_start
from finance.users.tests.factories import MembershipFactory, UserFactory

MAX_EXAMPLES = env.FUZZ_MAX_EXAMPLES
# The explicit phase adds the schema's examples and schemathesis' coverage cases (boundary values of
# every parameter: many requests per operation); make fuzz turns it on, make test keeps to generated ones.
PHASES = [Phase.explicit, Phase.generate] if env.FUZZ_COVERAGE else [Phase.generate]
pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


@schemathesis.check
def error_envelope(ctx: Any, response: Any, case: Any) -> None:
    """Every error answer is ``{type, errors: [{code, detail, attr}]}`` in JSON."""
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    assert body.get("type") in {"validation_error", "client_error", "server_error"}, body
    errors = body.get("errors")
    assert isinstance(errors, list), body
    assert errors, body
    for error in errors:
        assert set(error) == {"code", "detail", "attr"}, error


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_envelope,
]


# Loaded through the app itself at collection (no database needed to describe the API).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Calls go straight to the WSGI handler, whose end-of-request signal would close the test's
    database connection (and its transaction) on PostgreSQL; Django's test client unhooks it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in() -> dict[str, str]:
    """A user who owns a household with an account, a transaction and a housemate."""
    user: Any = UserFactory()
    household: Any = MembershipFactory(user=user, role=Role.OWNER, is_default=True).household
    MembershipFactory(household=household, user=UserFactory(), role=Role.EDITOR)
    account = make_account(household, "Checking")
    make_txn(household, account, amount=Decimal("12.00"), on=date(2026, 1, 5), payee="Shop")
    tokens = session_start(user=user, client=ClientInfo(ip="127.0.0.1", user_agent="schemathesis"))
    return {"Authorization": f"Bearer {tokens['access']}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    phases=PHASES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_as_its_schema_says(case: Any, signed_in: dict[str, str]) -> None:
    response = case.call(headers=signed_in)
    case.validate_response(response, checks=CHECKS)
