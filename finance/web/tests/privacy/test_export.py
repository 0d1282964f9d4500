"""The export page: request an export, follow it while it is built (the htmx status section), download the
ZIP (its owner only), and the one-at-a-time rule."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.audit.models import AuditAction, AuditEvent
from finance.ledger.tests.factories import make_account, make_txn
from finance.privacy import services
from finance.privacy.models import DataExport, ExportStatus
from finance.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(user, household):
    checking = make_account(household, "Checking")
    make_txn(household, checking, "expense", "42.50", date(2026, 3, 14), payee="Corner Shop")
    return household


def test_the_page_explains_and_has_nothing_to_download_yet(web_client, user, household):
    html = web_client(user).get(reverse("web:export")).content.decode()
    assert "Everything you can see, in one file" in html
    assert "You have not exported your data yet." in html
    assert "hx-trigger" not in html


def test_request_build_and_download_the_zip(web_client, user, books, celery_eager, django_capture_on_commit_callbacks):
    client = web_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        requested = client.post(reverse("web:export"))
    assert requested.status_code == 302
    html = client.get(requested["Location"]).content.decode()
    assert "Export requested." in html
    export = DataExport.objects.get(user=user)
    assert export.status == ExportStatus.READY
    assert "Ready since" in html
    assert "hx-trigger" not in html  # nothing to poll any more
    assert export.sha256 in html
    assert "<dt>Transactions</dt><dd>1</dd>" in html
    response = client.get(reverse("web:export-download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["user"]["username"] == user.username
    transactions = json.loads(archive.read("json/transactions.json"))
    assert [t["payee"] for t in transactions] == ["Corner Shop"]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_DOWNLOAD, actor=user).count() == 1


def test_the_status_section_polls_while_the_export_is_built(web_client, user, books):
    client = web_client(user)
    export = services.export_request(user=user)  # the task runs after commit, which this test never reaches
    page = client.get(reverse("web:export")).content.decode()
    assert 'hx-get="/app/profile/export/" hx-trigger="every 2s"' in page
    assert "Your export is being built." in page
    assert "disabled" in page  # one export at a time
    fragment = client.get(reverse("web:export"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="export-status")
    assert fragment.content.decode().startswith('<section id="export-status"')
    assert "<h1>" not in fragment.content.decode()
    services.export_build(export_id=export.pk)
    finished = client.get(
        reverse("web:export"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="export-status"
    ).content.decode()
    assert "hx-trigger" not in finished
    assert f"/app/profile/export/{export.pk}/download/" in finished


def test_a_second_export_while_one_is_built_is_refused(web_client, user, books):
    services.export_request(user=user)
    html = web_client(user).post(reverse("web:export"), follow=True).content.decode()
    assert "An export is already being built; wait for it to finish." in html
    assert DataExport.objects.filter(user=user).count() == 1


def test_another_persons_export_or_an_expired_one_is_404(web_client, user, books):
    export = services.export_request(user=user)
    services.export_build(export_id=export.pk)
    url = reverse("web:export-download", args=[export.pk])
    stranger = UserFactory()
    assert web_client(stranger).get(url).status_code == 404
    assert web_client(None).get(url).status_code == 302  # to the sign-in page
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert web_client(user).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_DOWNLOAD).exists()
