"""The review queue, rules (list, edit, dry-run and apply) and the "always categorize…" offer.

Reads go through ``finance.categorization.selectors`` and the pipeline's
``review_suggestions``; writes through ``finance.categorization.services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from finance.categorization import selectors, services
from finance.categorization.models import Rule
from finance.categorization.rules import ActionType
from finance.core.exceptions import Conflict, FieldError
from finance.households.models import Household
from finance.ledger.models import Transaction
from finance.ledger.selectors import category_list, transaction_list
from finance.users.selectors import actor_of
from finance.web.common.errors import add_service_errors, domain_message
from finance.web.common.paging import Cursor, keyset_page
from finance.web.common.rule_offer import remember_offer, rule_offer
from finance.web.common.views import confirm_delete, household_view, is_htmx, safe_next
from finance.web.review.forms import (
    ACTION_LABELS,
    FIELD_LABELS,
    OPERATOR_LABELS,
    ActionForm,
    ActionFormSet,
    ConditionForm,
    ConditionFormSet,
    ReviewForm,
    RuleForm,
)

# Transactions on one page of the review queue (each costs a pass through the pipeline).
REVIEW_PAGE = 25
BLANK_ROWS = 2


@household_view(write=True)
@require_POST
def rule_from_transaction(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """Create the suggested rule for a transaction's payee and category (one click)."""
    txn = get_object_or_404(transaction_list(household=household).select_related("category"), pk=pk)
    body = services.suggested_rule(txn=txn)
    if body is None:
        messages.error(request, _("This transaction has no payee and category to make a rule from."))
        return redirect(safe_next(request, reverse("web:rules")))
    rule = services.rule_create(household=household, actor=actor_of(request), **body)
    if is_htmx(request):
        return render(request, "web/rules/_offer_done.html", {"rule": rule})
    messages.success(request, _("Rule “%(name)s” created.") % {"name": rule.name})
    return redirect(safe_next(request, reverse("web:rules")))


# --- Review queue -----------------------------------------------------------------------------------------


def _review_rows(household: Household, txns: list[Transaction]) -> list[dict[str, Any]]:
    choices = services.review_suggestions(household, txns)
    names = dict(category_list(household=household).values_list("id", "name"))
    return [
        {
            "txn": txn,
            "choices": [
                {
                    "category": c.category_id,
                    "name": names.get(c.category_id, ""),
                    "confidence": c.confidence,
                    "source": c.source,
                    "explanation": c.explanation,
                }
                for c in found
            ],
            "form": ReviewForm(household=household, kind=txn.type, auto_id=f"review-{txn.pk}-%s"),
        }
        for txn, found in zip(txns, choices, strict=True)
    ]


@household_view()
def review_index(request: HttpRequest, household: Household) -> HttpResponse:
    queue = selectors.review_queue(household=household)
    cursor_token = request.GET.get("cursor", "")
    cursor = Cursor.decode(cursor_token) if cursor_token else None
    page = keyset_page(queue, cursor, REVIEW_PAGE)
    return render(
        request,
        "web/review/index.html",
        {
            "section": "review",
            "rows": _review_rows(household, page.rows),
            "count": queue.count(),
            "next_cursor": page.next_cursor,
            "paged": cursor is not None,
        },
    )


@household_view(write=True)
@require_POST
def review_resolve(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """Give a transaction under review the chosen category (a suggestion or another); clears the flag."""
    txn = get_object_or_404(selectors.review_queue(household=household), pk=pk)
    form = ReviewForm(request.POST, household=household, kind=txn.type, auto_id=f"review-{txn.pk}-%s")
    if form.is_valid():
        try:
            services.review_resolve(txn=txn, actor=actor_of(request), category=form.cleaned_data["category"])
        except FieldError as exc:
            add_service_errors(exc, form)
        else:
            done = Transaction.objects.select_related("category").get(pk=txn.pk)
            offer = rule_offer(done)
            if is_htmx(request):
                return render(request, "web/review/_done.html", {"txn": done, "offer": offer})
            messages.success(
                request,
                _("“%(payee)s” is now in %(category)s.")
                % {"payee": done.payee or done.description, "category": done.category.name if done.category else ""},
            )
            if offer is not None:
                remember_offer(request, done)
            return redirect("web:review")
    row = _review_rows(household, [txn])[0]
    row["form"] = form
    template = "web/review/_item.html" if is_htmx(request) else "web/review/index.html"
    context = {
        "section": "review",
        "rows": [row],
        "row": row,
        "count": selectors.review_queue(household=household).count(),
    }
    return render(request, template, context, status=400)


# --- Rules ------------------------------------------------------------------------------------------------


def describe_rule(rule: Rule, names: dict[str, str]) -> dict[str, Any]:
    """A rule's conditions and actions in words, for the list."""
    conditions = []
    for c in rule.conditions or []:
        value = c.get("value")
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        field = FIELD_LABELS.get(c.get("field"), c.get("field"))
        operator = OPERATOR_LABELS.get(c.get("operator"), c.get("operator"))
        conditions.append(f"{field} {operator} “{shown}”")
    actions = []
    for a in rule.actions or []:
        kind = a.get("action")
        label = str(ACTION_LABELS.get(kind, kind))
        if kind == ActionType.SET_CATEGORY:
            actions.append(f"{label}: {names.get(str(a.get('value')), '?')}")
        elif a.get("value"):
            actions.append(f"{label}: {a.get('value')}")
        else:
            actions.append(label)
    return {"rule": rule, "conditions": conditions, "actions": actions}


@household_view()
def rule_index(request: HttpRequest, household: Household) -> HttpResponse:
    names = {str(pk): name for pk, name in category_list(household=household).values_list("id", "name")}
    rules = [describe_rule(r, names) for r in selectors.rule_list(household=household)]
    return render(request, "web/rules/index.html", {"section": "rules", "rules": rules})


def _scoped_rule(household: Household, pk: Any) -> Rule:
    return get_object_or_404(selectors.rule_list(household=household).select_related("household"), pk=pk)


def _rule_form(request: HttpRequest, household: Household, rule: Rule | None) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST)
        conditions = ConditionFormSet(request.POST, prefix="conditions")
        actions = ActionFormSet(request.POST, prefix="actions", form_kwargs={"household": household})
        if form.is_valid() and conditions.is_valid() and actions.is_valid():
            filled_conditions = [f for f in conditions.forms if not f.is_blank()]
            filled_actions = [f for f in actions.forms if not f.is_blank()]
            values = {
                **form.cleaned_data,
                "conditions": [f.rule_value() for f in filled_conditions],
                "actions": [f.rule_value() for f in filled_actions],
            }
            try:
                if rule is None:
                    rule = services.rule_create(household=household, actor=actor_of(request), **values)
                    messages.success(request, _("Rule added."))
                else:
                    services.rule_update(rule=rule, actor=actor_of(request), **values)
                    messages.success(request, _("Rule saved."))
                return redirect("web:rules")
            except FieldError as exc:
                # Each list's errors on its rows (``conditions.0.value``), the rest on the rule's fields.
                for rows, formset, filled in (
                    ("conditions", conditions, filled_conditions),
                    ("actions", actions, filled_actions),
                ):
                    row_errors: list[str] = []
                    add_service_errors(_part(exc, rows), form, split_forms=filled, split_errors=row_errors, rows=rows)
                    formset.non_form_errors().extend(row_errors)
                add_service_errors(_part(exc, None), form)
            except Conflict as exc:  # the household has as many rules as it may
                form.add_error(None, domain_message(exc))
    else:
        initial: dict[str, Any] = {"priority": 100, "match": "all", "is_active": True}
        condition_rows: list[dict[str, Any]] = []
        action_rows: list[dict[str, Any]] = []
        if rule is not None:
            initial = {
                name: getattr(rule, name) for name in ("name", "priority", "match", "is_active", "stop_processing")
            }
            condition_rows = [ConditionForm.initial_from(c) for c in rule.conditions or []]
            action_rows = [ActionForm.initial_from(a) for a in rule.actions or []]
        form = RuleForm(initial=initial)
        conditions = ConditionFormSet(prefix="conditions", initial=condition_rows + [{} for _ in range(BLANK_ROWS)])
        actions = ActionFormSet(
            prefix="actions",
            initial=action_rows + [{} for _ in range(BLANK_ROWS)],
            form_kwargs={"household": household},
        )
    return render(
        request,
        "web/rules/form.html",
        {"section": "rules", "form": form, "conditions": conditions, "actions": actions, "rule": rule},
    )


def _part(exc: FieldError, rows: str | None) -> FieldError | None:
    """The errors about one list of rows (``rows``), or about everything else (``None``); ``None`` if there
    are none."""
    lists = {"conditions", "actions"}
    part = {
        k: v
        for k, v in exc.field_errors.items()
        if (str(k).split(".")[0] == rows if rows is not None else str(k).split(".")[0] not in lists)
    }
    return FieldError.of(part) if part else None


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest, household: Household) -> HttpResponse:
    return _rule_form(request, household, None)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    return _rule_form(request, household, _scoped_rule(household, pk))


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def rule_delete(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    rule = _scoped_rule(household, pk)
    return confirm_delete(
        request,
        delete=lambda: services.rule_delete(rule=rule, actor=actor_of(request)),
        message=_("Rule deleted."),
        done="web:rules",
        template="web/rules/delete.html",
        context={"section": "rules", "rule": rule},
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def rule_apply(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """GET: a dry run (how many transactions match and would change). POST: apply it, then say how many changed."""
    rule = _scoped_rule(household, pk)
    try:
        if request.method == "POST":
            result = services.rule_apply(rule=rule, actor=actor_of(request), dry_run=False)
            messages.success(
                request,
                ngettext(
                    "“%(name)s” changed %(count)d transaction.",
                    "“%(name)s” changed %(count)d transactions.",
                    result.changed,
                )
                % {"name": rule.name, "count": result.changed},
            )
            return redirect("web:rules")
        result = services.rule_apply(rule=rule, actor=actor_of(request), dry_run=True)
    except Conflict as exc:
        messages.error(request, domain_message(exc))
        return redirect("web:rules")
    return render(request, "web/rules/apply.html", {"section": "rules", "rule": rule, "result": result})
