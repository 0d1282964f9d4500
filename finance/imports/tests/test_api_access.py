"""The access matrix of import batches: viewers read, editors import, commit and revert; outsiders get 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from finance.core.tests.access import WHO, AccessMatrixTests
from finance.households.models import Household
from finance.imports import services
from finance.imports.commit import import_commit
from finance.imports.models import ImportBatch
from finance.imports.tests.conftest import fixture_bytes
from finance.ledger.models import Account, Transaction
from finance.ledger.tests.factories import make_account

OFX = "ofx/asgrim-ofxparser-ofxdata.ofx"


def _account(household: Household) -> Account:
    return Account.objects.filter(household=household).first() or make_account(household, "Checking", currency="USD")


def make_batch(household: Household) -> ImportBatch:
    file = SimpleUploadedFile("s.ofx", fixture_bytes(OFX))
    return services.import_upload(household=household, actor=None, account=_account(household), file=file)


class TestImportBatchAccess(AccessMatrixTests):
    actions = frozenset({"list", "retrieve", "create", "delete"})

    def make_object(self, household: Household, roles: Any) -> ImportBatch:
        return make_batch(household)

    def list_url(self, roles: Any) -> str:
        return "/api/v1/imports/"

    def detail_url(self, roles: Any, obj: ImportBatch) -> str:
        return f"/api/v1/imports/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {
            "household": str(roles.household.pk),
            "account": str(_account(roles.household).pk),
            "file": SimpleUploadedFile("s.ofx", fixture_bytes(OFX)),
        }

    def update_payload(self, roles: Any, obj: ImportBatch) -> dict[str, Any]:
        return {}

    @pytest.mark.parametrize("who", WHO)
    def test_create(self, roles: Any, who: str) -> None:
        # Uploads are multipart, not JSON.
        response = roles.client(who).post(self.list_url(roles), self.create_payload(roles), format="multipart")
        expected = self._expected(who, self.write_roles, 201)
        assert response.status_code == expected, response.content
        assert ImportBatch.objects.filter(household=roles.household).exists() is (expected == 201)


@pytest.mark.parametrize("who", WHO)
def test_preview_is_for_members(roles, who):
    batch = make_batch(roles.household)
    response = roles.client(who).get(f"/api/v1/imports/{batch.pk}/preview/")
    expected = {"anonymous": 401, "outsider": 404}.get(who, 200)
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()["count"] == 3


@pytest.mark.parametrize("who", WHO)
def test_commit_mapping_and_revert_need_a_writing_role(roles, who):
    batch = make_batch(roles.household)
    client = roles.client(who)
    expected = {"anonymous": 401, "outsider": 404, "viewer": 403}.get(who)
    commit = client.post(f"/api/v1/imports/{batch.pk}/commit/", {}, format="json")
    mapping = client.post(f"/api/v1/imports/{batch.pk}/mapping/", {}, format="json")
    if expected is not None:
        assert commit.status_code == expected, commit.content
        assert mapping.status_code == expected
        assert not Transaction.objects.filter(import_batch=batch.pk).exists()
        import_commit(batch=batch, actor=None)
        revert = client.post(f"/api/v1/imports/{batch.pk}/revert/")
        assert revert.status_code == expected
        assert Transaction.objects.filter(import_batch=batch.pk).count() == 3
        return
    assert commit.status_code == 200, commit.content
    assert mapping.status_code == 409  # a committed batch keeps its mapping
    revert = client.post(f"/api/v1/imports/{batch.pk}/revert/")
    assert revert.status_code == 200
    assert not Transaction.objects.filter(import_batch=batch.pk).exists()
