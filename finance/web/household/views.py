"""The household: members and roles, invitations (sent and received), its settings, switching between
households, starting one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from finance.core.exceptions import Conflict, FieldError, NotFound
from finance.households import services
from finance.households.models import OWNER_ROLES, Household, Role
from finance.households.selectors import (
    household_invitation_list,
    invitation_get_for,
    invitation_list_for,
    member_list,
    membership_for,
)
from finance.users.selectors import actor_of
from finance.web.common.current_household import choose_household
from finance.web.common.errors import add_service_errors, domain_message, message_for, service_messages
from finance.web.common.views import household_view, safe_next
from finance.web.household.forms import HouseholdForm, HouseholdSwitchForm, InvitationAnswerForm, MemberInviteForm


def _is_owner(request: HttpRequest) -> bool:
    membership: Any = getattr(request, "membership", None)
    return membership is not None and membership.role in OWNER_ROLES


@household_view()
@require_http_methods(["GET", "POST"])
def household_index(request: HttpRequest, household: Household) -> HttpResponse:
    """Members for everyone; invitations and the settings for owners (the services check again)."""
    owner = _is_owner(request)
    invite_form = MemberInviteForm()
    settings_form = HouseholdForm(initial={"name": household.name, "base_currency": household.base_currency})
    if request.method == "POST":
        if "invite_member" in request.POST:
            invite_form = MemberInviteForm(request.POST)
            if invite_form.is_valid():
                try:
                    services.invitation_create(
                        household=household,
                        actor=actor_of(request),
                        identifier=invite_form.cleaned_data["identifier"],
                        role=invite_form.cleaned_data["role"],
                    )
                except FieldError as exc:
                    # The service names the identifier "username" (the API's field).
                    for _field, issue in exc.issues():
                        invite_form.add_error("identifier", message_for(issue))
                except Conflict as exc:
                    invite_form.add_error("identifier", domain_message(exc))
                else:
                    # The same words whoever it was: the page says nothing about accounts.
                    messages.success(
                        request,
                        _("Invitation sent. Whoever it names can accept it; nobody joins before they do."),
                    )
                    return redirect("web:household")
        else:
            settings_form = HouseholdForm(request.POST)
            if settings_form.is_valid():
                try:
                    services.household_update(
                        household=household,
                        actor=actor_of(request),
                        name=settings_form.cleaned_data["name"],
                        base_currency=settings_form.cleaned_data["base_currency"].upper(),
                    )
                except FieldError as exc:
                    add_service_errors(exc, settings_form)
                else:
                    messages.success(request, _("Household saved."))
                    return redirect("web:household")
    return render(
        request,
        "web/household/index.html",
        {
            "section": "household",
            "tab": "members",
            "members": list(member_list(household=household)),
            "invitations": list(household_invitation_list(household=household)[:50]) if owner else [],
            "is_owner": owner,
            "invite_form": invite_form,
            "settings_form": settings_form,
            "roles": Role.choices,
        },
    )


@household_view()
@require_POST
def invitation_revoke(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """Withdraw one of the household's invitations (owners; the service checks)."""
    invitation = get_object_or_404(household_invitation_list(household=household), pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, actor=actor_of(request))
    except Conflict as exc:
        messages.error(request, domain_message(exc))
    else:
        messages.success(request, _("Invitation withdrawn; its link no longer works."))
    return redirect("web:household")


# --- Invitations to the person signed in ------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET"])
def invitation_index(request: HttpRequest) -> HttpResponse:
    """The invitations waiting for the person's answer (any household; they may have none yet)."""
    return render(
        request,
        "web/household/invitations.html",
        {"section": "invitations", "invitations": list(invitation_list_for(user=request.user))},
    )


@login_required
@never_cache
@require_http_methods(["GET"])
def invitation_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """One invitation: the emailed link lands here (``?token=``), after signing in if need be."""
    token = request.GET.get("token", "")
    invitation = invitation_get_for(user=request.user, invitation_id=pk, token=token)
    if invitation is None:
        raise Http404
    return render(
        request,
        "web/household/invitation.html",
        {"section": "invitations", "invitation": invitation, "token": token},
    )


@login_required
@require_POST
def invitation_answer(request: HttpRequest, pk: Any, answer: str) -> HttpResponse:
    """Accept (then work in the household) or decline; the token comes from the link's page."""
    form = InvitationAnswerForm(request.POST)
    token = form.cleaned_data["token"] if form.is_valid() else ""
    user: Any = request.user
    try:
        if answer == "accept":
            membership = services.invitation_accept(invitation_id=pk, actor=user, token=token)
        else:
            services.invitation_decline(invitation_id=pk, actor=user, token=token)
    except NotFound as exc:
        raise Http404 from exc
    except Conflict as exc:
        messages.error(request, domain_message(exc))
        return redirect("web:invitations")
    if answer == "accept":
        found = membership_for(user=user, household=membership.household_id)
        if found is not None:
            choose_household(request, found)
        messages.success(request, _("You joined “%(name)s”.") % {"name": membership.household.name})
        return redirect("web:dashboard")
    messages.success(request, _("Invitation declined."))
    return redirect("web:invitations")


@household_view()
@require_POST
def member_role(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    membership = get_object_or_404(member_list(household=household), pk=pk)
    try:
        services.member_update_role(membership=membership, actor=actor_of(request), role=request.POST.get("role", ""))
    except FieldError as exc:
        messages.error(request, " ".join(service_messages(exc)))
    except Conflict as exc:
        messages.error(request, domain_message(exc))
    else:
        messages.success(request, _("Role changed."))
    return redirect("web:household")


@household_view()
@require_POST
def member_remove(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    membership = get_object_or_404(member_list(household=household), pk=pk)
    leaving = membership.user_id == request.user.pk
    try:
        services.member_remove(membership=membership, actor=actor_of(request))
    except Conflict as exc:
        messages.error(request, domain_message(exc))
        return redirect("web:household")
    if leaving:
        messages.success(request, _("You left “%(name)s”.") % {"name": household.name})
        return redirect("web:dashboard")
    messages.success(request, _("Member removed."))
    return redirect("web:household")


@require_POST
def household_switch(request: HttpRequest) -> HttpResponse:
    """Work in another of one's households; any other id is 404, like a household that does not exist."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('web:login')}?next={reverse('web:dashboard')}")
    form = HouseholdSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    membership = membership_for(user=request.user, household=form.cleaned_data["household"])
    if membership is None:
        raise Http404
    choose_household(request, membership)
    messages.success(request, _("Now working in “%(name)s”.") % {"name": membership.household.name})
    return redirect(safe_next(request, reverse("web:dashboard")))


@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    """Start a new household (the person becomes its owner) and switch to it."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('web:login')}?next={request.path}")
    user: Any = request.user
    form = HouseholdForm(request.POST or None, initial={"base_currency": user.default_currency})
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(
                owner=user, name=form.cleaned_data["name"], base_currency=form.cleaned_data["base_currency"].upper()
            )
        except FieldError as exc:
            add_service_errors(exc, form)
        else:
            membership = membership_for(user=user, household=household)
            assert membership is not None
            choose_household(request, membership)
            messages.success(request, _("Household “%(name)s” created.") % {"name": household.name})
            return redirect("web:dashboard")
    return render(request, "web/household/create.html", {"section": "household", "form": form})
