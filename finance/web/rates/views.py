"""The household's exchange rates: the list (paged, filtered by pair), add, edit, delete.

The reads are ``finance.currency.selectors`` with the API's ``ExchangeRateFilterSet``; the writes are
``finance.currency.services`` (``rate_create``, ``rate_update``, ``rate_delete``), which convert the
transactions they affect again in the same database transaction. Before a change that converts anything
again, and before every delete, the page says what it converts: ``finance.ledger.selectors.
rate_change_reconversion`` counts the transactions per account and the days concerned.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from finance.core.exceptions import FieldError
from finance.currency import services
from finance.currency.filtersets import ExchangeRateFilterSet
from finance.currency.models import ExchangeRate
from finance.currency.selectors import rate_list
from finance.households.models import Household
from finance.ledger.selectors import Reconversion, rate_change_reconversion
from finance.users.selectors import actor_of
from finance.web.common.errors import add_service_errors, message_for
from finance.web.common.views import can_write, household_view
from finance.web.rates.forms import RateFilterForm, RateForm

PAGE_SIZE = 50
# Codes whose wording depends on this screen.
RATE_MESSAGES = {
    "unique": gettext_lazy("There is already a rate for this pair on this day; edit that one."),
    "max_value": gettext_lazy(
        "Too large: the rate, or an amount converted at it, would be outside the supported range."
    ),
}


def _converted_message(count: int) -> str:
    return ngettext(
        "%(count)d transaction was converted again.", "%(count)d transactions were converted again.", count
    ) % {"count": count}


@household_view()
@require_http_methods(["GET"])
def rate_index(request: HttpRequest, household: Household) -> HttpResponse:
    rates = rate_list(household_id=household.id)
    currencies = sorted(
        set(rates.values_list("base", flat=True).distinct()) | set(rates.values_list("quote", flat=True).distinct())
    )
    form = RateFilterForm(request.GET or None, currencies=currencies)
    params = form.filter_params()
    filtered = ExchangeRateFilterSet(params, queryset=rates.order_by("-date", "base", "quote", "id")).qs
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return render(
        request,
        "web/rates/index.html",
        {
            "section": "household",
            "tab": "rates",
            "form": form,
            "page": page,
            "filtered": bool(params),
            "query": query,
            "any_rates": bool(currencies),
            "can_write": can_write(request),
        },
    )


def _rate(household: Household, pk: Any) -> ExchangeRate:
    return get_object_or_404(rate_list(household_id=household.id), pk=pk)


def _rate_form(request: HttpRequest, household: Household, rate_obj: ExchangeRate | None) -> HttpResponse:
    """Add (``rate_obj`` None) or edit: check, show what it converts again if anything, then save."""
    locale: str = getattr(request, "locale", "en")
    initial = {}
    if rate_obj is not None:
        initial = {"base": rate_obj.base, "quote": rate_obj.quote, "rate": rate_obj.rate, "date": rate_obj.date}
    form = RateForm(request.POST or None, initial=initial, locale=locale)
    context: dict[str, Any] = {"section": "household", "tab": "rates", "form": form, "rate": rate_obj}
    if request.method == "POST" and "edit" not in request.POST and form.is_valid():
        values = form.values()
        try:
            checked = services.rate_check(
                household=household,
                base=values["base"],
                quote=values["quote"],
                rate=values["rate"],
                day=values["date"],
                editing=rate_obj,
            )
            effect = rate_change_reconversion(household=household, remove=rate_obj, add=checked)
        except FieldError as exc:
            add_service_errors(exc, form, overrides=RATE_MESSAGES)
        else:
            if effect.count and "confirm" not in request.POST:
                context.update({"effect": effect, "checked": checked})
                return render(request, "web/rates/confirm.html", context)
            try:
                if rate_obj is None:
                    services.rate_create(household=household, actor=actor_of(request), **values)
                else:
                    services.rate_update(rate_obj=rate_obj, actor=actor_of(request), **values)
            except FieldError as exc:  # a conversion outside the supported range: on the rate
                add_service_errors(exc, form, overrides=RATE_MESSAGES)
            else:
                messages.success(request, f"{_('Rate saved.')} {_converted_message(effect.count)}")
                return redirect("web:rates")
    return render(request, "web/rates/form.html", context, status=400 if form.errors else 200)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def rate_create(request: HttpRequest, household: Household) -> HttpResponse:
    return _rate_form(request, household, None)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def rate_edit(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    return _rate_form(request, household, _rate(household, pk))


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def rate_delete(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    rate_obj = _rate(household, pk)
    effect: Reconversion = rate_change_reconversion(household=household, remove=rate_obj)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.rate_delete(rate_obj=rate_obj, actor=actor_of(request))
        except FieldError as exc:
            errors = [message_for(issue, RATE_MESSAGES) for _field, issue in exc.issues()]
        else:
            messages.success(request, f"{_('Rate deleted.')} {_converted_message(effect.count)}")
            return redirect("web:rates")
    return render(
        request,
        "web/rates/delete.html",
        {"section": "household", "tab": "rates", "rate": rate_obj, "effect": effect, "errors": errors},
        status=400 if errors else 200,
    )
