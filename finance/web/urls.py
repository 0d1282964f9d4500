"""The web app's pages. Sign-in lives at /login/, everything else under /app/.

New screens (budgets, goals, imports, reports, security) add their routes here
and an entry to ``finance.web.common.navigation.MAIN_NAV``.
"""

from django.urls import path

from finance.web.account import public
from finance.web.account import views as account
from finance.web.common import pwa
from finance.web.dashboard import views as dashboard
from finance.web.household import views as household
from finance.web.imports import views as imports
from finance.web.ledger import views as ledger
from finance.web.networth import views as networth
from finance.web.planning import views as planning
from finance.web.privacy import views as privacy
from finance.web.rates import views as rates
from finance.web.review import views as review

app_name = "web"

urlpatterns = [
    path("", account.home, name="home"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("login/", account.sign_in, name="login"),
    path("login/code/", account.sign_in_code, name="login-code"),
    path("logout/", account.SignOutView.as_view(), name="logout"),
    path("email/undo/", account.email_change_undo, name="email-undo"),
    # Public pages (account/public.py); the emailed links' paths are mail.py's, without a trailing slash.
    path("signup/", public.sign_up, name="signup"),
    path("password/forgot/", public.password_forgot, name="password-forgot"),
    path("reset-password", public.password_reset, name="password-reset"),
    path("verify-email", public.verify_email, name="verify-email"),
    path("verify-email/resend/", public.verify_email_resend, name="verify-email-resend"),
    path("oauth/<slug:provider>/start/", public.oauth_start, name="oauth-start"),
    path("oauth/callback", public.oauth_callback, name="oauth-callback"),
    path("app/", dashboard.dashboard, name="dashboard"),
    path("app/net-worth/", networth.net_worth, name="net-worth"),
    path("app/transactions/", ledger.transaction_index, name="transactions"),
    path("app/transactions/new/", ledger.transaction_create, name="transaction-create"),
    path("app/transactions/bulk/", ledger.transaction_bulk, name="transaction-bulk"),
    path("app/transactions/<uuid:pk>/", ledger.transaction_edit, name="transaction-edit"),
    path("app/transactions/<uuid:pk>/delete/", ledger.transaction_delete, name="transaction-delete"),
    path("app/transactions/<uuid:pk>/category/", ledger.transaction_category, name="transaction-category"),
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
    path(
        "app/household/invitations/<uuid:pk>/revoke/", household.invitation_revoke, name="household-invitation-revoke"
    ),
    path("app/invitations/", household.invitation_index, name="invitations"),
    path("app/invitations/<uuid:pk>/", household.invitation_detail, name="invitation"),
    path(
        "app/invitations/<uuid:pk>/accept/",
        household.invitation_answer,
        {"answer": "accept"},
        name="invitation-accept",
    ),
    path(
        "app/invitations/<uuid:pk>/decline/",
        household.invitation_answer,
        {"answer": "decline"},
        name="invitation-decline",
    ),
    path("app/profile/", account.profile, name="profile"),
    path("app/profile/avatar/", account.avatar, name="profile-avatar"),
    path("app/profile/avatar/remove/", account.avatar_remove, name="profile-avatar-remove"),
    path("app/budgets/", planning.budget_index, name="budgets"),
    path("app/budgets/new/", planning.budget_create, name="budget-create"),
    path("app/budgets/<uuid:pk>/", planning.budget_detail, name="budget-detail"),
    path("app/budgets/<uuid:pk>/edit/", planning.budget_edit, name="budget-edit"),
    path("app/budgets/<uuid:pk>/delete/", planning.budget_delete, name="budget-delete"),
    path("app/budgets/<uuid:pk>/moves/", planning.budget_move, name="budget-move"),
    path("app/budgets/<uuid:pk>/moves/<uuid:move_pk>/delete/", planning.budget_move_delete, name="budget-move-delete"),
    path("app/goals/", planning.goal_index, name="goals"),
    path("app/alerts/", planning.alert_index, name="alerts"),
    path("app/goals/new/", planning.goal_create, name="goal-create"),
    path("app/goals/<uuid:pk>/", planning.goal_edit, name="goal-edit"),
    path("app/goals/<uuid:pk>/delete/", planning.goal_delete, name="goal-delete"),
    path("app/goals/<uuid:pk>/contribute/", planning.goal_contribute, name="goal-contribute"),
    path(
        "app/goals/<uuid:pk>/contributions/<uuid:contribution>/delete/",
        planning.goal_contribution_delete,
        name="goal-contribution-delete",
    ),
    path("app/review/", review.review_index, name="review"),
    path("app/review/<uuid:pk>/", review.review_resolve, name="review-resolve"),
    path("app/rules/", review.rule_index, name="rules"),
    path("app/rules/new/", review.rule_create, name="rule-create"),
    path("app/rules/<uuid:pk>/", review.rule_edit, name="rule-edit"),
    path("app/rules/<uuid:pk>/delete/", review.rule_delete, name="rule-delete"),
    path("app/rules/<uuid:pk>/apply/", review.rule_apply, name="rule-apply"),
    path(
        "app/rules/from-transaction/<uuid:pk>/",
        review.rule_from_transaction,
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
    path("app/profile/security/", account.overview, name="security"),
    path("app/profile/security/password/", account.password_change, name="security-password"),
    path("app/profile/security/two-factor/", account.two_factor, name="security-2fa"),
    path("app/profile/security/sessions/", account.session_index, name="security-sessions"),
    path(
        "app/profile/security/sessions/revoke-others/",
        account.session_revoke_others,
        name="security-sessions-revoke-others",
    ),
    path("app/profile/security/sessions/<uuid:pk>/revoke/", account.session_revoke, name="security-session-revoke"),
    path("app/profile/security/tokens/", account.token_index, name="security-tokens"),
    path("app/profile/security/tokens/<uuid:pk>/revoke/", account.token_revoke, name="security-token-revoke"),
    path("app/profile/security/activity/", account.activity, name="security-activity"),
    # Data and privacy: exchange rates and the activity log (household), export and deletion (profile).
    path("app/household/rates/", rates.rate_index, name="rates"),
    path("app/household/rates/new/", rates.rate_create, name="rate-create"),
    path("app/household/rates/<uuid:pk>/", rates.rate_edit, name="rate-edit"),
    path("app/household/rates/<uuid:pk>/delete/", rates.rate_delete, name="rate-delete"),
    path("app/household/audit/", privacy.audit_index, name="audit"),
    path("app/profile/export/", privacy.export_index, name="export"),
    path("app/profile/export/<uuid:pk>/download/", privacy.export_download, name="export-download"),
    path("app/profile/delete/", privacy.account_delete, name="account-delete"),
    path("app/profile/delete/cancel/", privacy.account_delete_cancel, name="account-delete-cancel"),
]
