"""Accounts, categories and tags: lists for every member, create/edit for owners and editors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from finance.core.exceptions import Conflict
from finance.households.models import Household
from finance.ledger import services
from finance.ledger.models import Account, Category, CategoryType
from finance.ledger.selectors import account_list, category_list, tag_list
from finance.web.common.errors import add_service_errors
from finance.web.common.forms import category_tree
from finance.web.common.views import can_write, household_view
from finance.web.forms import AccountForm, CategoryForm, TagForm

# --- Accounts ----------------------------------------------------------------------------------------


@household_view()
def account_index(request: HttpRequest, household: Household) -> HttpResponse:
    accounts = list(account_list(household=household).order_by("group", "name"))
    return render(
        request,
        "web/accounts/index.html",
        {
            "section": "accounts",
            "active": [a for a in accounts if a.is_active],
            "archived": [a for a in accounts if not a.is_active],
        },
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def account_form(request: HttpRequest, household: Household, pk: Any = None) -> HttpResponse:
    account: Account | None = None
    if pk is not None:
        account = get_object_or_404(account_list(household=household), pk=pk)
    locale: str = getattr(request, "locale", "en")
    currency = account.currency if account else household.base_currency
    if request.method == "POST":
        form = AccountForm(request.POST, locale=locale, currency=currency)
        if form.is_valid():
            values = dict(form.cleaned_data)
            values["currency"] = values["currency"].upper()
            try:
                if account is None:
                    services.account_create(household=household, actor=request.user, **values)
                    messages.success(request, _("Account added."))
                else:
                    services.account_update(account=account, actor=request.user, **values)
                    messages.success(request, _("Account saved."))
                return redirect("web:accounts")
            except ValidationError as exc:
                add_service_errors(exc, form)
    else:
        initial: dict[str, Any] = {"currency": currency, "type": "checking", "include_in_net_worth": True}
        if account is not None:
            initial = {name: getattr(account, name) for name in AccountForm.base_fields}
        form = AccountForm(initial=initial, locale=locale, currency=currency)
    return render(request, "web/accounts/form.html", {"section": "accounts", "form": form, "account": account})


@household_view(write=True)
@require_POST
def account_archive(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """Archive (or reactivate) an account: its history stays, no new transactions go in."""
    account = get_object_or_404(account_list(household=household), pk=pk)
    archive = request.POST.get("archive") == "1"
    services.account_update(account=account, actor=request.user, is_active=not archive)
    if archive:
        messages.success(request, _("“%(name)s” archived.") % {"name": account.name})
    else:
        messages.success(request, _("“%(name)s” reactivated.") % {"name": account.name})
    return redirect("web:accounts")


# --- Categories ----------------------------------------------------------------------------------------


@household_view()
def category_index(request: HttpRequest, household: Household) -> HttpResponse:
    tree = category_tree(household)
    return render(
        request,
        "web/categories/index.html",
        {
            "section": "categories",
            "groups": [
                (label, [(c, depth) for c, depth in tree if c.type == kind]) for kind, label in CategoryType.choices
            ],
        },
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def category_form(request: HttpRequest, household: Household, pk: Any = None) -> HttpResponse:
    category: Category | None = None
    if pk is not None:
        category = get_object_or_404(category_list(household=household), pk=pk)
    if request.method == "POST":
        form = CategoryForm(request.POST, household=household)
        if form.is_valid():
            values = dict(form.cleaned_data)
            try:
                if category is None:
                    services.category_create(household=household, actor=request.user, **values)
                    messages.success(request, _("Category added."))
                else:
                    services.category_update(category=category, actor=request.user, **values)
                    messages.success(request, _("Category saved."))
                return redirect("web:categories")
            except ValidationError as exc:
                add_service_errors(exc, form)
    else:
        initial: dict[str, Any] = {"type": request.GET.get("type") or CategoryType.EXPENSE}
        if category is not None:
            initial = {"name": category.name, "type": category.type, "parent": str(category.parent_id or "")}
        form = CategoryForm(initial=initial, household=household)
    return render(request, "web/categories/form.html", {"section": "categories", "form": form, "category": category})


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def category_delete(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    category = get_object_or_404(category_list(household=household), pk=pk)
    if request.method == "POST":
        try:
            services.category_delete(category=category, actor=request.user)
        except Conflict:
            messages.error(request, _("Transactions use this category or one below it; recategorize them first."))
        else:
            messages.success(request, _("Category deleted."))
        return redirect("web:categories")
    return render(request, "web/categories/delete.html", {"section": "categories", "category": category})


# --- Tags ----------------------------------------------------------------------------------------------


@household_view()
@require_http_methods(["GET", "POST"])
def tag_index(request: HttpRequest, household: Household) -> HttpResponse:
    form = TagForm()
    if request.method == "POST":
        # Creating a tag is a write: the same role check as every other write.
        if not can_write(request):
            raise PermissionDenied
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                services.tag_create(household=household, actor=request.user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Tag added."))
                return redirect("web:tags")
    return render(
        request, "web/tags/index.html", {"section": "tags", "tags": list(tag_list(household=household)), "form": form}
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def tag_edit(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    tag = get_object_or_404(tag_list(household=household), pk=pk)
    form = TagForm(request.POST or None, initial={"name": tag.name})
    if request.method == "POST":
        if "delete" in request.POST:
            services.tag_delete(tag=tag, actor=request.user)
            messages.success(request, _("Tag deleted."))
            return redirect("web:tags")
        if form.is_valid():
            try:
                services.tag_update(tag=tag, actor=request.user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Tag saved."))
                return redirect("web:tags")
    return render(request, "web/tags/form.html", {"section": "tags", "form": form, "tag": tag})
