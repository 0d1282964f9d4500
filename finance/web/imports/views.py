"""Statement imports: past batches, upload, column mapping, preview with decisions, commit and its result, undo.

Every read goes through ``finance.imports.selectors`` and every write through
``finance.imports.services`` with the signed-in person as the actor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from finance.core.exceptions import Conflict, FieldError
from finance.households.models import Household
from finance.imports import commit, revert, selectors, services
from finance.imports.models import TABULAR_FORMATS, ImportBatch, ImportedRow, ImportStatus, RowStatus
from finance.imports.reading.errors import ParseError
from finance.users.selectors import actor_of
from finance.web.common.errors import add_service_errors, domain_message
from finance.web.common.views import can_write, household_view, htmx_target
from finance.web.imports import presenters as present
from finance.web.imports.forms import CommitForm, MappingForm, UploadForm

LIST_PAGE_SIZE = 25
PREVIEW_PAGE_SIZE = 100
STATUS_FILTERS = (
    RowStatus.NEW,
    RowStatus.DUPLICATE,
    RowStatus.POSSIBLE_DUPLICATE,
    RowStatus.INVALID,
    RowStatus.IMPORTED,
    RowStatus.MERGED,
    RowStatus.SKIPPED,
)


def _batch(household: Household, pk: Any) -> ImportBatch:
    return get_object_or_404(selectors.batch_list(household=household), pk=pk)


@household_view()
def import_index(request: HttpRequest, household: Household) -> HttpResponse:
    page = Paginator(selectors.batch_list(household=household), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/imports/index.html",
        {
            "section": "imports",
            "page": page,
            "batches": [present.batch_summary(batch, can_write(request)) for batch in page.object_list],
            "can_write": can_write(request),
        },
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, household: Household) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, household=household)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = services.import_upload(
                    household=household,
                    actor=actor_of(request),
                    account=data["account"],
                    file=data["file"],
                    filename=data["file"].name or "",
                    format=data["format"] or None,
                    statement_account=data["statement_account"],
                )
            except FieldError as exc:
                add_service_errors(exc, form)
            except ParseError as exc:
                form.add_error(*present.upload_error(exc))
            else:
                messages.success(request, _("“%(name)s” uploaded.") % {"name": batch.filename})
                return redirect(present.next_step(batch), batch.pk)
    else:
        form = UploadForm(household=household, initial={"account": request.GET.get("account") or None})
    return render(request, "web/imports/upload.html", {"section": "imports", "form": form})


@household_view()
def import_detail(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """A batch: what was detected, and after a commit its result; polled (htmx) while it runs in the background."""
    batch = _batch(household, pk)
    context = {
        "section": "imports",
        **present.batch_summary(batch, can_write(request)),
        "can_write": can_write(request),
    }
    if htmx_target(request) == "import-status":
        return render(request, "web/imports/_status.html", context)
    return render(request, "web/imports/detail.html", context)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    batch = _batch(household, pk)
    if batch.format not in TABULAR_FORMATS:
        return redirect("web:import-preview", batch.pk)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.FAILED):
        return redirect("web:import-detail", batch.pk)
    detected = batch.detected or {}
    current = batch.mapping or detected.get("mapping") or {}
    options: dict[str, Any] = {
        "header": detected.get("header"),
        "column_count": int(detected.get("column_count") or 0),
        "current": current,
        "tabular": batch.format,
    }
    if request.method == "POST":
        form = MappingForm(request.POST, **options)
        if form.is_valid():
            try:
                if current:
                    services.import_set_mapping(
                        batch=batch, actor=actor_of(request), overrides=form.overrides(current) or None
                    )
                else:  # nothing was detected: the form is the whole mapping
                    services.import_set_mapping(batch=batch, actor=actor_of(request), mapping=form.values())
            except FieldError as exc:
                add_service_errors(exc, form)
            except ParseError as exc:
                form.add_error(None, present.upload_error(exc)[1])
            except Conflict as exc:
                messages.error(request, domain_message(exc))
                return redirect("web:import-detail", batch.pk)
            else:
                messages.success(request, _("Column mapping applied; check the rows below."))
                return redirect("web:import-preview", batch.pk)
    else:
        form = MappingForm(**options)
    return render(
        request,
        "web/imports/mapping.html",
        {
            "section": "imports",
            **present.batch_summary(batch),
            "form": form,
            "detected": detected,
            "sample": detected.get("preview") or [],
            "header": detected.get("header") or [],
        },
    )


def _commit_form(batch: ImportBatch, to_decide: list[ImportedRow], data: Any = None) -> CommitForm:
    """The decisions form for ``to_decide`` (:func:`selectors.rows_to_decide`, read once per request)."""
    possible = [row.row_number for row in to_decide if row.status == RowStatus.POSSIBLE_DUPLICATE]
    transfers = [
        (row.row_number, row.transfer_suggested) for row in to_decide if row.status != RowStatus.POSSIBLE_DUPLICATE
    ]
    return CommitForm(data, possible=possible, invalid=batch.rows_invalid > 0, transfers=transfers)


def _preview(request: HttpRequest, batch: ImportBatch, form: CommitForm, to_decide: list[ImportedRow]) -> HttpResponse:
    wanted = request.GET.get("status") or ""
    if wanted not in STATUS_FILTERS:
        wanted = ""
    rows = selectors.batch_rows(batch=batch, status=wanted or None)
    page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    decisions = [(present.preview_row(r), form[CommitForm.decision_name(r.row_number)]) for r in to_decide]
    return render(
        request,
        "web/imports/preview.html",
        {
            "section": "imports",
            **present.batch_summary(batch, can_write(request)),
            "page": page,
            "rows": [present.preview_row(r) for r in page.object_list],
            "possible": [(row, field) for row, field in decisions if row.status == RowStatus.POSSIBLE_DUPLICATE],
            "transfers": [(row, field) for row, field in decisions if row.status != RowStatus.POSSIBLE_DUPLICATE],
            "row_errors": present.row_errors(batch),
            "form": form,
            "status_filter": wanted,
            "status_filters": [(s, present.ROW_STATUS_LABELS[s]) for s in STATUS_FILTERS],
            "can_write": can_write(request),
            "can_commit": batch.status in (ImportStatus.MAPPED, ImportStatus.FAILED),
        },
    )


@household_view()
def import_preview(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    batch = _batch(household, pk)
    to_decide = list(selectors.rows_to_decide(batch=batch))
    return _preview(request, batch, _commit_form(batch, to_decide), to_decide)


@household_view(write=True)
@require_POST
def import_commit(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    batch = _batch(household, pk)
    # Read before the commit: a refused commit rolls back, so these are still the rows to show again.
    to_decide = list(selectors.rows_to_decide(batch=batch))
    form = _commit_form(batch, to_decide, request.POST)
    if form.is_valid():
        try:
            batch = commit.import_commit(
                batch=batch,
                actor=actor_of(request),
                skip_invalid=bool(form.cleaned_data.get("skip_invalid")),
                decisions=[commit.Decision(row, action) for row, action in form.decisions()],
            )
        except FieldError as exc:
            form.add_service_errors(exc)
        except Conflict as exc:
            messages.error(request, domain_message(exc))
            return redirect(present.next_step(batch), batch.pk)
        else:
            return redirect("web:import-detail", batch.pk)
    return _preview(request, batch, form, to_decide)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def import_revert(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    batch = _batch(household, pk)
    if request.method == "POST":
        try:
            revert.import_revert(batch=batch, actor=actor_of(request))
        except Conflict as exc:
            messages.error(request, domain_message(exc))
        else:
            messages.success(request, _("The import of “%(name)s” was undone.") % {"name": batch.filename})
        return redirect("web:imports")
    return render(request, "web/imports/revert.html", {"section": "imports", **present.batch_summary(batch)})


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def import_discard(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """Throw away a batch that was never committed, with its stored file."""
    batch = _batch(household, pk)
    if request.method == "POST":
        try:
            services.import_discard(batch=batch, actor=actor_of(request))
        except Conflict as exc:
            messages.error(request, domain_message(exc))
        else:
            messages.success(request, _("“%(name)s” discarded.") % {"name": batch.filename})
        return redirect("web:imports")
    return render(request, "web/imports/discard.html", {"section": "imports", **present.batch_summary(batch)})
