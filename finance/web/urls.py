"""The web app's pages. Sign-in lives at /login/, everything else under /app/.

New screens (budgets, goals, imports, reports, security) add their routes here
and an entry to ``finance.web.navigation.MAIN_NAV``.
"""

from django.urls import path

from finance.web.views import (
    auth,
    budgets,
    categorization,
    dashboard,
    household,
    imports,
    ledger,
    profile,
    transactions,
)

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.SignInView.as_view(), name="login"),
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
    path("app/budgets/", budgets.budget_index, name="budgets"),
    path("app/budgets/new/", budgets.budget_create, name="budget-create"),
    path("app/budgets/<uuid:pk>/", budgets.budget_detail, name="budget-detail"),
    path("app/budgets/<uuid:pk>/edit/", budgets.budget_edit, name="budget-edit"),
    path("app/budgets/<uuid:pk>/delete/", budgets.budget_delete, name="budget-delete"),
    path("app/budgets/<uuid:pk>/moves/", budgets.budget_move, name="budget-move"),
    path("app/budgets/<uuid:pk>/moves/<uuid:move_pk>/delete/", budgets.budget_move_delete, name="budget-move-delete"),
    path("app/goals/", budgets.goal_index, name="goals"),
    path("app/goals/new/", budgets.goal_create, name="goal-create"),
    path("app/goals/<uuid:pk>/", budgets.goal_edit, name="goal-edit"),
    path("app/goals/<uuid:pk>/delete/", budgets.goal_delete, name="goal-delete"),
    path("app/goals/<uuid:pk>/contribute/", budgets.goal_contribute, name="goal-contribute"),
    path("app/review/", categorization.review_index, name="review"),
    path("app/review/<uuid:pk>/", categorization.review_resolve, name="review-resolve"),
    path("app/rules/", categorization.rule_index, name="rules"),
    path("app/rules/new/", categorization.rule_create, name="rule-create"),
    path("app/rules/<uuid:pk>/", categorization.rule_edit, name="rule-edit"),
    path("app/rules/<uuid:pk>/delete/", categorization.rule_delete, name="rule-delete"),
    path("app/rules/<uuid:pk>/apply/", categorization.rule_apply, name="rule-apply"),
    path(
        "app/rules/from-transaction/<uuid:pk>/",
        categorization.rule_from_transaction,
        name="rule-from-transaction",
    ),
    path("app/imports/", imports.import_index, name="imports"),
    path("app/imports/new/", imports.import_upload, name="import-upload"),
    path("app/imports/<uuid:pk>/", imports.import_detail, name="import-detail"),
    path("app/imports/<uuid:pk>/mapping/", imports.import_mapping, name="import-mapping"),
    path("app/imports/<uuid:pk>/preview/", imports.import_preview, name="import-preview"),
    path("app/imports/<uuid:pk>/commit/", imports.import_commit, name="import-commit"),
    path("app/imports/<uuid:pk>/revert/", imports.import_revert, name="import-revert"),
    path("app/imports/<uuid:pk>/discard/", imports.import_discard, name="import-discard"),
]
