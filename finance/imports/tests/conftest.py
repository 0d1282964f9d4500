"""Shared helpers of the import pipeline tests: private media folder, uploads through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from finance.households.models import Household
from finance.ledger.models import Account
from finance.ledger.tests.factories import make_account

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def fixture_bytes(name: str) -> bytes:
    """A shared statement file by its path under fixtures/ (``csv/reckon-ing.csv``)."""
    return (FIXTURES / name).read_bytes()


def upload(client: APIClient, account: Account, name: str, data: bytes | None = None, **fields: Any) -> Any:
    """POST a statement file to /api/v1/imports/ for ``account``."""
    content = fixture_bytes(name) if data is None else data
    body = {"account": str(account.pk), "file": SimpleUploadedFile(Path(name).name, content), **fields}
    return client.post("/api/v1/imports/", body, format="multipart")


@pytest.fixture
def account(household: Household) -> Account:
    return make_account(household, "Checking", currency="USD")
