"""The signed-in person's profile: name and language (which also sets number, date and money formats)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from finance.users.services import user_update_profile
from finance.web.common.errors import add_service_errors
from finance.web.common.locale import supported_language
from finance.web.forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name, "locale": user.locale}
    form = ProfileForm(request.POST or None, initial=initial, current_locale=user.locale)
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(exc, form)
        else:
            # Confirm in the language just chosen.
            translation.activate(supported_language(user.locale) or translation.get_language())
            messages.success(request, _("Profile saved."))
            return redirect("web:profile")
    return render(request, "web/profile.html", {"section": "profile", "tab": "profile", "form": form})
