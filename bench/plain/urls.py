from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

from bench.plain import views

urlpatterns = [
    path("healthz", views.healthz),
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/me/", views.Me.as_view()),
    path("api/transactions/", views.TransactionList.as_view()),
    path("api/balance/", views.Balance.as_view()),
]
