"""Routes of the first implementations, kept working as thin adapters (API.md, "Compatibility")."""

from django.urls import path

from finance.compat import views
from finance.users.api import views as auth

urlpatterns = [
    path("register/", auth.RegisterView.as_view(), name="compat-register"),
    path("login/", auth.LoginView.as_view(), name="compat-login"),
    path("token/", auth.LoginView.as_view(), name="compat-token"),
    path("token/refresh/", auth.RefreshView.as_view(), name="compat-token-refresh"),
    path("auth/register/", auth.RegisterView.as_view(), name="compat-auth-register"),
    path("auth/login/", auth.LoginView.as_view(), name="compat-auth-login"),
    path("auth/refresh/", auth.RefreshView.as_view(), name="compat-auth-refresh"),
    path("transactions/", views.SimpleTransactionList.as_view(), name="compat-transactions"),
    path("analytics/", views.LegacyAnalyticsView.as_view(), name="compat-analytics"),
    path("summary/", views.LegacySummaryView.as_view(), name="compat-summary"),
    path("incomes/", views.IncomeList.as_view(), name="compat-incomes"),
    path("incomes/<uuid:pk>/", views.IncomeDetail.as_view(), name="compat-income"),
    path("expenses/", views.ExpenseList.as_view(), name="compat-expenses"),
    path("expenses/<uuid:pk>/", views.ExpenseDetail.as_view(), name="compat-expense"),
    path("goals/", views.GoalList.as_view(), name="compat-goals"),
    path("goals/<uuid:pk>/", views.GoalDetail.as_view(), name="compat-goal"),
    path("finance/categories/", views.FinanceCategoryList.as_view(), name="compat-finance-categories"),
    path("finance/transactions/", views.FinanceTransactionList.as_view(), name="compat-finance-transactions"),
    path(
        "finance/transactions/<uuid:pk>/", views.FinanceTransactionDetail.as_view(), name="compat-finance-transaction"
    ),
]
