"""What every household page shares: sign-in, the session's household, roles, domain errors.

Views only translate HTTP. Reads go through selectors (and the shared
FilterSets) of the current household; writes go through services with the
signed-in person as the actor, so the services check roles again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from finance.core.exceptions import Forbidden, NotFound
from finance.households.models import WRITE_ROLES, Household

P = ParamSpec("P")
HouseholdView = Callable[Concatenate[HttpRequest, Household, P], HttpResponse]


def household_view(*, write: bool = False) -> Callable[[HouseholdView[P]], Callable[..., HttpResponse]]:
    """Sign-in required; the view gets the session's household (checked against the memberships).

    ``write=True``: only owners and editors (403 for viewers, whatever the method).
    Domain errors a service raises become the 403 and 404 pages.
    """

    def decorator(view: HouseholdView[P]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                return render(request, "web/no_household.html", status=404)
            if write and membership.role not in WRITE_ROLES:
                raise PermissionDenied
            try:
                return view(request, membership.household, *args, **kwargs)
            except Forbidden as exc:
                raise PermissionDenied from exc
            except NotFound as exc:
                raise Http404 from exc

        return wrapped

    return decorator


def can_write(request: HttpRequest) -> bool:
    membership: Any = getattr(request, "membership", None)
    return membership is not None and membership.role in WRITE_ROLES


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a form: the ``next`` it carried, if it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent this request (django-htmx's ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def htmx_target(request: HttpRequest) -> str | None:
    htmx: Any = getattr(request, "htmx", None)
    return htmx.target if htmx else None


def confirm_delete(
    request: HttpRequest,
    *,
    delete: Callable[[], object],
    message: str,
    done: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A delete behind a confirmation page: GET shows ``template``; POST calls ``delete``, says ``message``
    and goes to ``done`` (a URL or a URL name)."""
    if request.method == "POST":
        delete()
        messages.success(request, message)
        return redirect(done)
    return render(request, template, context)
