"""The person's data: exporting it, deleting the account, and the household's activity (audit) log.

Everything goes through ``finance.privacy`` as the API's ``/api/v1/privacy/…`` and ``/api/v1/audit/`` do:
``services.export_request`` (the Celery task builds the ZIP), ``selectors.export_list`` and
``export_downloadable`` (the download is served here to its owner's session, not through the API's
signed link), ``services.account_deletion_request`` and ``account_deletion_cancel``,
``selectors.audit_event_list`` with the API's ``AuditEventFilterSet``.

Account deletion follows the service: asking for it ends every session and API token at once, this
browser's too, so the answer is a signed-out page with the date; signing in again before then cancels it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from finance.core.api.throttling import throttle_wait
from finance.core.exceptions import Conflict, FieldError, NotFound
from finance.households.models import OWNER_ROLES, Household
from finance.households.selectors import member_list
from finance.privacy import selectors, services
from finance.privacy.filtersets import AuditEventFilterSet
from finance.privacy.models import ExportStatus
from finance.users.selectors import user_two_factor_enabled
from finance.web.common.errors import add_service_errors, domain_message
from finance.web.common.paging import TimeCursor, keyset_page_by_time
from finance.web.common.views import household_view, htmx_target
from finance.web.privacy.forms import AccountDeleteForm, AuditFilterForm
from finance.web.privacy.presenters import event_rows, people_of

EXPORTS_SHOWN = 10
AUDIT_PAGE_SIZE = 50
IN_FLIGHT = (ExportStatus.PENDING, ExportStatus.RUNNING)
# The export's resources (its ``counts``), for people; others show their own name.
RESOURCES = {
    "profile": gettext_lazy("Profile"),
    "households": gettext_lazy("Households"),
    "memberships": gettext_lazy("Memberships"),
    "accounts": gettext_lazy("Accounts"),
    "categories": gettext_lazy("Categories"),
    "tags": gettext_lazy("Tags"),
    "exchange_rates": gettext_lazy("Exchange rates"),
    "transactions": gettext_lazy("Transactions"),
    "splits": gettext_lazy("Splits"),
    "budgets": gettext_lazy("Budgets"),
    "budget_lines": gettext_lazy("Budget lines"),
    "budget_moves": gettext_lazy("Budget moves"),
    "goals": gettext_lazy("Goals"),
    "goal_contributions": gettext_lazy("Goal contributions"),
}


def personal_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in, never cached; another person's export (``NotFound``) is the 404 page."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc

    return wrapped


# --- Export ---------------------------------------------------------------------------------------------


@personal_view
@require_http_methods(["GET", "POST"])
def export_index(request: HttpRequest) -> HttpResponse:
    """Request an export; follow it while it is built (htmx polls the status section); download it."""
    if request.method == "POST":
        try:
            services.export_request(user=request.user)
        except Conflict as exc:
            messages.error(request, domain_message(exc))
        else:
            messages.success(request, _("Export requested. It is being built; this page shows when it is ready."))
        return redirect("web:export")
    exports = list(selectors.export_list(user=request.user)[:EXPORTS_SHOWN])
    latest = exports[0] if exports else None
    context = {
        "section": "profile",
        "tab": "export",
        "exports": exports,
        "latest": latest,
        "building": latest is not None and latest.status in IN_FLIGHT,
        "counts": [
            (str(RESOURCES.get(name, name.replace("_", " "))), count)
            for name, count in ((latest.counts or {}) if latest is not None else {}).items()
        ],
        "export_hours": int(settings.EXPORT_RETENTION.total_seconds() // 3600),
    }
    if htmx_target(request) == "export-status":
        return render(request, "web/privacy/_export_status.html", context)
    return render(request, "web/privacy/export.html", context)


@personal_view
@require_http_methods(["GET"])
def export_download(request: HttpRequest, pk: Any) -> FileResponse:
    """The ZIP, to its owner only (another person's export, or one expired, is the 404 page)."""
    export = selectors.export_downloadable(user_id=request.user.pk, export_id=pk)
    if export is None:
        raise Http404
    handle = services.export_open(export=export, request=request)
    name = f"finance-export-{export.created_at:%Y%m%d-%H%M%S}.zip"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")


# --- Account deletion -------------------------------------------------------------------------------------


@sensitive_post_parameters("password", "code")
@personal_view
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    two_factor = user_two_factor_enabled(user=user)
    form = AccountDeleteForm(request.POST or None, two_factor=two_factor)
    context: dict[str, Any] = {
        "section": "profile",
        "tab": "delete",
        "form": form,
        "two_factor": two_factor,
        "grace_days": settings.ACCOUNT_DELETION_GRACE.days,
        "pending": selectors.account_deletion_for(user=user),
        "outcome": selectors.account_deletion_outcome(user=user),
    }
    template = "web/privacy/delete.html"
    if request.method == "POST":
        # Password guesses here share the budget of password changes, as in the API.
        wait = throttle_wait(request, "password")
        if wait is not None:
            form.add_error(None, _("Too many attempts. Try again in a few minutes."))
            response = render(request, template, context, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            try:
                deletion = services.account_deletion_request(
                    user=user, password=form.cleaned_data["password"], code=form.cleaned_data.get("code", "")
                )
            except FieldError as exc:
                add_service_errors(exc, form)
            except Conflict as exc:
                form.add_error(None, domain_message(exc))
            else:
                # Every session has ended, this one too: say when, signed out.
                auth_logout(request)
                return render(request, "web/privacy/delete_scheduled.html", {"deletion": deletion})
        return render(request, template, context, status=400)
    return render(request, template, context)


@personal_view
@require_POST
def account_delete_cancel(request: HttpRequest) -> HttpResponse:
    """What signing in does: cancel a scheduled deletion (``privacy.deletion_cancel`` in the log)."""
    user: Any = request.user
    if services.account_deletion_cancel(user_id=user.pk):
        messages.success(request, _("The deletion of your account is cancelled. Nothing was deleted."))
    else:
        messages.info(request, _("No deletion of your account was scheduled."))
    return redirect("web:account-delete")


# --- Activity (audit) log -------------------------------------------------------------------------------


@household_view()
@require_http_methods(["GET"])
def audit_index(request: HttpRequest, household: Household) -> HttpResponse:
    """The household's events the person may read: everyone's for owners, their own for the others."""
    members = list(member_list(household=household))
    form = AuditFilterForm(request.GET or None, members=members)
    params = {**form.filter_params(), "household": str(household.pk)}
    events = AuditEventFilterSet(params, queryset=selectors.audit_event_list(user=request.user)).qs
    cursor = TimeCursor.decode(request.GET.get("cursor", ""))
    page = keyset_page_by_time(events.select_related("actor"), cursor, AUDIT_PAGE_SIZE)
    user: Any = request.user
    rows = event_rows(
        page.rows, locale=getattr(request, "locale", "en"), tz=user.timezone or "UTC", people=people_of(members)
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    membership: Any = getattr(request, "membership", None)
    return render(
        request,
        "web/privacy/audit.html",
        {
            "section": "household",
            "tab": "audit",
            "form": form,
            "rows": rows,
            "next_cursor": page.next_cursor,
            "query": query.urlencode(),
            "paged": cursor is not None,
            "filtered": bool(form.filter_params()),
            "is_owner": membership is not None and membership.role in OWNER_ROLES,
        },
        status=400 if form.errors else 200,
    )
