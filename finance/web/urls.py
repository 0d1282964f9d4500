"""The web app's pages. Sign-in lives at /login/, everything else under /app/.

New screens (budgets, goals, imports, reports, security) add their routes here
and an entry to ``finance.web.navigation.MAIN_NAV``.
"""

from django.urls import path

from finance.web.views import auth, dashboard, household, ledger, profile, pwa, security, transactions

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("login/", auth.sign_in, name="login"),
    path("login/code/", auth.sign_in_code, name="login-code"),
    path("logout/", auth.SignOutView.as_view(), name="logout"),
    path("app/", dashboard.dashboard, name="dashboard"),
    path("app/transactions/", transactions.transaction_index, name="transactions"),
    path("app/transactions/new/", transactions.transaction_create, name="transaction-create"),
    path("app/transactions/bulk/", transactions.transaction_bulk, name="transaction-bulk"),
    path("app/transactions/<uuid:pk>/", transactions.transaction_edit, name="transaction-edit"),
    path("app/transactions/<uuid:pk>/delete/", transactions.transaction_delete, name="transaction-delete"),
    path("app/transactions/<uuid:pk>/category/", transactions.transaction_category, name="transaction-category"),
    path("app/accounts/", ledger.account_index, name="accounts"),
    path("app/accounts/new/", ledger.account_form, name="account-create"),
    path("app/accounts/<uuid:pk>/", ledger.account_form, name="account-edit"),
    path("app/accounts/<uuid:pk>/archive/", ledger.account_archive, name="account-archive"),
    path("app/categories/", ledger.category_index, name="categories"),
    path("app/categories/new/", ledger.category_form, name="category-create"),
    path("app/categories/<uuid:pk>/", ledger.category_form, name="category-edit"),
    path("app/categories/<uuid:pk>/delete/", ledger.category_delete, name="category-delete"),
    path("app/tags/", ledger.tag_index, name="tags"),
    path("app/tags/<uuid:pk>/", ledger.tag_edit, name="tag-edit"),
    path("app/household/", household.household_index, name="household"),
    path("app/household/new/", household.household_create, name="household-create"),
    path("app/household/switch/", household.household_switch, name="household-switch"),
    path("app/household/members/<uuid:pk>/role/", household.member_role, name="member-role"),
    path("app/household/members/<uuid:pk>/remove/", household.member_remove, name="member-remove"),
    path("app/profile/", profile.profile, name="profile"),
    path("app/profile/security/", security.overview, name="security"),
    path("app/profile/security/password/", security.password_change, name="security-password"),
    path("app/profile/security/two-factor/", security.two_factor, name="security-2fa"),
    path("app/profile/security/sessions/", security.session_index, name="security-sessions"),
    path(
        "app/profile/security/sessions/revoke-others/",
        security.session_revoke_others,
        name="security-sessions-revoke-others",
    ),
    path("app/profile/security/sessions/<uuid:pk>/revoke/", security.session_revoke, name="security-session-revoke"),
    path("app/profile/security/tokens/", security.token_index, name="security-tokens"),
    path("app/profile/security/tokens/<uuid:pk>/revoke/", security.token_revoke, name="security-token-revoke"),
    path("app/profile/security/activity/", security.activity, name="security-activity"),
]
