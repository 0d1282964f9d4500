"""Routes of the versioned API, one include per domain app."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("finance.users.api.urls")),
    path("", include("finance.households.api.urls")),
    path("", include("finance.ledger.api.urls")),
    path("", include("finance.currency.api.urls")),
    path("", include("finance.budgets.api.urls")),
    path("", include("finance.imports.api.urls")),
    path("", include("finance.categorization.api.urls")),
    path("analytics/", include("finance.analytics.api.urls")),
    path("", include("finance.privacy.api.urls")),
]
