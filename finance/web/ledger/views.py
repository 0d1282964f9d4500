"""The ledger screens: transactions, accounts, categories and tags.

Transactions: the filtered list (keyset pages), add/edit/delete, inline
category, bulk actions. Accounts, categories and tags: lists for every
member, create/edit for owners and editors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from finance.core.exceptions import Conflict, FieldError
from finance.households.models import Household
from finance.ledger import services
from finance.ledger.filtersets import TransactionFilterSet
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.models import Account, Category, CategoryType, Transaction, TransactionType
from finance.ledger.selectors import account_list, category_list, tag_list, transaction_list
from finance.users.selectors import actor_of
from finance.web.common.errors import add_service_errors, domain_message, service_messages
from finance.web.common.forms import CategoryChoiceField, category_tree
from finance.web.common.locale import user_today
from finance.web.common.paging import Cursor, keyset_page
from finance.web.common.rule_offer import remember_offer, rule_offer
from finance.web.common.views import can_write, confirm_delete, household_view, is_htmx, safe_next
from finance.web.ledger.forms import (
    AccountForm,
    BulkForm,
    CategoryForm,
    InlineCategoryForm,
    SplitFormSet,
    TagForm,
    TransactionForm,
)

# --- Transactions ------------------------------------------------------------------------------------

PAGE_SIZE = 50
# Blank split rows on the form; the "Add a part" button (app.js) adds more.
SPLIT_ROWS = 3

FILTER_LABELS = {
    "q": gettext_lazy("Search"),
    "search": gettext_lazy("Search"),
    "date_after": gettext_lazy("From"),
    "date_before": gettext_lazy("To"),
    "type": gettext_lazy("Type"),
    "account": gettext_lazy("Account"),
    "category": gettext_lazy("Category"),
    "tag": gettext_lazy("Tag"),
    "payee": gettext_lazy("Payee"),
    "min_amount": gettext_lazy("Minimum amount"),
    "max_amount": gettext_lazy("Maximum amount"),
    "needs_review": gettext_lazy("Review"),
    "is_pending": gettext_lazy("Pending"),
}
PRIMARY_FILTERS = ("q", "date_after", "date_before", "account", "category", "type")
MORE_FILTERS = ("tag", "payee", "min_amount", "max_amount", "needs_review", "is_pending")


def _filterset(request: HttpRequest, household: Household) -> TransactionFilterSet:
    """The API's FilterSet over this household's transactions, with widgets for people."""
    queryset = transaction_list(household=household).select_related("account", "category")
    data = request.GET.copy()
    data.pop("cursor", None)
    filterset = TransactionFilterSet(data, queryset=queryset)
    fields = filterset.form.fields
    for name, label in FILTER_LABELS.items():
        fields[name].label = label
        fields[name].help_text = ""
    for name in ("date_after", "date_before"):
        fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    accounts = account_list(household=household).order_by("-is_active", "group", "name")
    fields["account"].widget = forms.Select(choices=[("", _("All accounts")), *((str(a.id), a.name) for a in accounts)])
    categories = CategoryChoiceField(household=household)
    fields["category"].widget = forms.Select(choices=[("", _("All categories")), *categories.grouped])
    fields["type"].widget = forms.Select(choices=[("", _("All types")), *TransactionType.choices])
    fields["needs_review"].widget = forms.Select(
        choices=[("", _("Any")), ("true", _("Needs review")), ("false", _("Reviewed"))]
    )
    fields["is_pending"].widget = forms.Select(choices=[("", _("Any")), ("true", _("Pending")), ("false", _("Posted"))])
    for name in ("min_amount", "max_amount"):
        fields[name].localize = True
        fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "amount"})
        fields[name].widget.is_localized = True
    fields["q"].widget.attrs.update(
        {
            "type": "search",
            "placeholder": _("e.g. amazon amount:>100 date:2024"),
            "spellcheck": "false",
            "autocapitalize": "off",
        }
    )
    fields["q"].help_text = _("Words, or terms such as category:Groceries, -is:reconciled, date:last90d.")
    return filterset


@household_view()
def transaction_index(request: HttpRequest, household: Household) -> HttpResponse:
    filterset = _filterset(request, household)
    cursor_token = request.GET.get("cursor", "")
    try:
        rows = filterset.qs
    except FieldError as exc:  # a query the search language cannot read: said at the box, nothing listed
        add_service_errors(exc, filterset.form)
        rows = filterset.queryset.none()
    page = keyset_page(rows, Cursor.decode(cursor_token) if cursor_token else None, PAGE_SIZE)
    context: dict[str, Any] = {
        "section": "transactions",
        "page": page,
        "appended": bool(cursor_token),
        "can_write": can_write(request),
    }
    if is_htmx(request) and cursor_token:
        return render(request, "web/transactions/_rows.html", context)
    form = filterset.form
    active = [name for name in (*PRIMARY_FILTERS, *MORE_FILTERS, "search") if request.GET.get(name)]
    context.update(
        {
            "filter_form": form,
            # The search box has the row to itself: queries are longer than a date.
            "search_field": form["q"],
            "primary_filters": [form[name] for name in PRIMARY_FILTERS if name != "q"],
            "more_filters": [form[name] for name in MORE_FILTERS],
            "more_open": any(name in MORE_FILTERS for name in active),
            "filtered": bool(active),
            # Its own ids: the filter form above has a "category" field too.
            "bulk_form": BulkForm(household=household, auto_id="bulk_%s"),
            "next_url": request.get_full_path(),
        }
    )
    return render(request, "web/transactions/index.html", context)


def _split_initial(txn: Transaction | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if txn is not None:
        rows = [
            {"category": str(s.category_id), "amount": s.amount, "description": s.description} for s in txn.splits.all()
        ]
    return rows + [{} for _ in range(SPLIT_ROWS)]


def _bound_splits(request: HttpRequest, household: Household, locale: str) -> Any:
    return SplitFormSet(request.POST, prefix="splits", form_kwargs={"household": household, "locale": locale})


def _transaction_input(form: TransactionForm, split_forms: list[Any]) -> TransactionInput:
    data = form.cleaned_data
    values: dict[str, Any] = {
        "type": data["type"],
        "date": data["date"],
        "amount": data["amount"],
        "account": data["account"],
        "payee": data["payee"],
        "description": data["description"],
        "notes": data["notes"],
        "tags": form.tag_names(),
        "is_pending": data["is_pending"],
        "is_excluded": data["is_excluded"],
    }
    # Fields that do not apply to the chosen type are ignored, not reported.
    if data["type"] == TransactionType.TRANSFER:
        values.update(
            transfer_account=data["transfer_account"],
            transfer_amount=data["transfer_amount"],
            category=None,
            splits=[],
        )
    else:
        values.update(
            category=data["category"],
            splits=[
                SplitInput(f.cleaned_data["category"], f.cleaned_data["amount"], f.cleaned_data["description"])
                for f in split_forms
            ],
            transfer_account=None,
            transfer_amount=None,
        )
    return TransactionInput(**values)


def _transaction_form(request: HttpRequest, household: Household, txn: Transaction | None) -> HttpResponse:
    locale: str = getattr(request, "locale", "en")
    keep = [txn.account_id, txn.transfer_account_id] if txn else []
    back = safe_next(request, reverse("web:transactions"))
    if request.method == "POST":
        form = TransactionForm(request.POST, household=household, locale=locale, keep_accounts=keep)
        splits = _bound_splits(request, household, locale)
        if form.is_valid() and splits.is_valid():
            filled = [f for f in splits.forms if not f.is_blank()]
            given = _transaction_input(form, filled)
            try:
                if txn is None:
                    services.transaction_create(household=household, actor=actor_of(request), data=given)
                    messages.success(request, _("Transaction added."))
                else:
                    changed_category = given.category is not None and given.category != txn.category
                    updated = services.transaction_update(txn=txn, actor=actor_of(request), changes=given)
                    messages.success(request, _("Transaction saved."))
                    if changed_category:
                        remember_offer(request, updated)
                return redirect(back)
            except FieldError as exc:
                split_errors: list[str] = []
                add_service_errors(exc, form, split_forms=filled, split_errors=split_errors)
                # The split total and similar errors about the parts as a whole.
                splits.non_form_errors().extend(split_errors)
    else:
        initial: dict[str, Any]
        if txn is None:
            initial = {"type": TransactionType.EXPENSE, "date": user_today(request)}
        else:
            initial = {
                "type": txn.type,
                "date": txn.date,
                "amount": txn.amount,
                "account": txn.account_id,
                "category": str(txn.category_id) if txn.category_id else "",
                "transfer_account": txn.transfer_account_id,
                # Shown only when it differs (another currency); otherwise it follows the amount.
                "transfer_amount": txn.transfer_amount if txn.transfer_amount != txn.amount else None,
                "payee": txn.payee,
                "description": txn.description,
                "notes": txn.notes,
                "tags": ", ".join(t.name for t in txn.tags.all()),
                "is_pending": txn.is_pending,
                "is_excluded": txn.is_excluded,
            }
        form = TransactionForm(initial=initial, household=household, locale=locale, keep_accounts=keep)
        splits = SplitFormSet(
            prefix="splits",
            initial=_split_initial(txn),
            form_kwargs={"household": household, "locale": locale},
        )
    has_splits = any(
        f.initial.get("category") or (f.is_bound and f.data.get(f.add_prefix("category"))) for f in splits.forms
    )
    return render(
        request,
        "web/transactions/form.html",
        {
            "section": "transactions",
            "form": form,
            "splits": splits,
            "splits_open": has_splits or bool(splits.non_form_errors()),
            "splits_invalid": splits.is_bound
            and (bool(splits.non_form_errors()) or any(f.errors for f in splits.forms)),
            "txn": txn,
            "next_url": back,
        },
    )


def _scoped_transaction(household: Household, pk: Any) -> Transaction:
    return get_object_or_404(transaction_list(household=household).select_related("account", "category"), pk=pk)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def transaction_create(request: HttpRequest, household: Household) -> HttpResponse:
    return _transaction_form(request, household, None)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def transaction_edit(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    return _transaction_form(request, household, _scoped_transaction(household, pk))


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def transaction_delete(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    txn = _scoped_transaction(household, pk)
    back = safe_next(request, reverse("web:transactions"))
    return confirm_delete(
        request,
        delete=lambda: services.transaction_delete(txn=txn, actor=actor_of(request)),
        message=_("Transaction deleted."),
        done=back,
        template="web/transactions/delete.html",
        context={"section": "transactions", "txn": txn, "next_url": back},
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def transaction_category(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """The category cell of one row, edited in place (htmx; a plain page without JavaScript)."""
    txn = _scoped_transaction(household, pk)
    context: dict[str, Any] = {"txn": txn, "can_write": True, "section": "transactions"}
    if "cancel" in request.GET:
        return render(request, "web/transactions/_category_cell.html", {**context, "focus": True})
    if txn.type == TransactionType.TRANSFER or txn.splits.exists():
        # Transfers take no category and splits are edited on the transaction's page.
        return redirect(reverse("web:transaction-edit", args=[txn.pk]))
    form = InlineCategoryForm(
        request.POST or None,
        household=household,
        kind=txn.type,
        initial={"category": str(txn.category_id or "")},
        auto_id=f"category-{txn.id}-%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = TransactionInput(category=form.cleaned_data["category"])
            services.transaction_update(txn=txn, actor=actor_of(request), changes=changes)
        except FieldError as exc:
            add_service_errors(exc, form)
        else:
            changed = form.cleaned_data["category"] is not None and form.cleaned_data["category"] != txn.category
            txn = _scoped_transaction(household, txn.pk)
            if not is_htmx(request):
                messages.success(request, _("Category saved."))
                if changed:
                    remember_offer(request, txn)
                return redirect(safe_next(request, reverse("web:transactions")))
            offer = rule_offer(txn) if changed else None
            return render(
                request, "web/transactions/_category_cell.html", {**context, "txn": txn, "focus": True, "offer": offer}
            )
    template = "web/transactions/_category_form.html" if is_htmx(request) else "web/transactions/category.html"
    return render(request, template, {**context, "form": form})


@household_view(write=True)
@require_POST
def transaction_bulk(request: HttpRequest, household: Household) -> HttpResponse:
    form = BulkForm(request.POST, household=household)
    back = safe_next(request, reverse("web:transactions"))
    ids = form.ids()
    if not ids:
        messages.error(request, _("Select at least one transaction."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    action = form.cleaned_data["action"]
    try:
        if action == "delete":
            if "confirm" not in request.POST:
                return render(
                    request,
                    "web/transactions/bulk_delete.html",
                    {"section": "transactions", "ids": ids, "count": len(ids), "next_url": back},
                )
            count = services.transaction_bulk_delete(household=household, actor=actor_of(request), ids=ids)
            messages.success(
                request,
                ngettext("%(count)d transaction deleted.", "%(count)d transactions deleted.", count) % {"count": count},
            )
        else:
            category = form.cleaned_data["category"] if action == "categorize" else None
            tags = form.tag_names() if action == "tag" else []
            count = services.transaction_bulk_update(
                household=household, actor=actor_of(request), ids=ids, category=category, add_tags=tags
            )
            messages.success(
                request,
                ngettext("%(count)d transaction updated.", "%(count)d transactions updated.", count) % {"count": count},
            )
    except FieldError as exc:
        messages.error(request, " ".join(service_messages(exc)))
    except Conflict as exc:
        messages.error(request, domain_message(exc))
    return redirect(back)


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
                    services.account_create(household=household, actor=actor_of(request), **values)
                    messages.success(request, _("Account added."))
                else:
                    services.account_update(account=account, actor=actor_of(request), **values)
                    messages.success(request, _("Account saved."))
                return redirect("web:accounts")
            except FieldError as exc:
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
    services.account_update(account=account, actor=actor_of(request), is_active=not archive)
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
                    services.category_create(household=household, actor=actor_of(request), **values)
                    messages.success(request, _("Category added."))
                else:
                    services.category_update(category=category, actor=actor_of(request), **values)
                    messages.success(request, _("Category saved."))
                return redirect("web:categories")
            except FieldError as exc:
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
            services.category_delete(category=category, actor=actor_of(request))
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
                services.tag_create(household=household, actor=actor_of(request), name=form.cleaned_data["name"])
            except FieldError as exc:
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
            services.tag_delete(tag=tag, actor=actor_of(request))
            messages.success(request, _("Tag deleted."))
            return redirect("web:tags")
        if form.is_valid():
            try:
                services.tag_update(tag=tag, actor=actor_of(request), name=form.cleaned_data["name"])
            except FieldError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Tag saved."))
                return redirect("web:tags")
    return render(request, "web/tags/form.html", {"section": "tags", "form": form, "tag": tag})
