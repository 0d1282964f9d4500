from django.urls import path

from finance.analytics.api import views

urlpatterns = [
    path("balance/", views.BalanceView.as_view(), name="analytics-balance"),
    path("summary/", views.SummaryView.as_view(), name="analytics-summary"),
    path("categories/", views.CategoryBreakdownView.as_view(), name="analytics-categories"),
    path("cashflow/", views.CashflowView.as_view(), name="analytics-cashflow"),
    path("net-worth/", views.NetWorthView.as_view(), name="analytics-net-worth"),
]
