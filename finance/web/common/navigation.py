"""The web app's main navigation, in one place.

A new screen (budgets, goals, imports, reports, security settings…) adds one
``NavItem`` here and its URLs to ``finance/web/urls.py``; the layout, the
current-page marker and the keyboard order come with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    # Views name their section (``section`` in the template context) to mark the current item.
    section: str


MAIN_NAV: list[NavItem] = [
    NavItem("web:dashboard", _("Dashboard"), "dashboard"),
    NavItem("web:net-worth", _("Net worth"), "net-worth"),
    NavItem("web:transactions", _("Transactions"), "transactions"),
    NavItem("web:accounts", _("Accounts"), "accounts"),
    NavItem("web:categories", _("Categories"), "categories"),
    NavItem("web:tags", _("Tags"), "tags"),
    NavItem("web:budgets", _("Budgets"), "budgets"),
    NavItem("web:goals", _("Goals"), "goals"),
    NavItem("web:alerts", _("Alerts"), "alerts"),
    NavItem("web:review", _("Review"), "review"),
    NavItem("web:rules", _("Rules"), "rules"),
    NavItem("web:imports", _("Imports"), "imports"),
    NavItem("web:household", _("Household"), "household"),
]


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    current: bool


def nav_links(request: HttpRequest, section: str | None) -> list[NavLink]:
    return [NavLink(reverse(item.url_name), item.label, item.section == section) for item in MAIN_NAV]
