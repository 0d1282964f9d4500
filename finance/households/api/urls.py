from django.urls import include, path
from rest_framework.routers import SimpleRouter

from finance.households.api.views import HouseholdViewSet, MemberViewSet

router = SimpleRouter()
router.register("households", HouseholdViewSet, basename="household")

members = SimpleRouter()
members.register("members", MemberViewSet, basename="household-member")

urlpatterns = [
    *router.urls,
    path("households/<str:household_pk>/", include(members.urls)),
]
