from django.urls import include, path

from finance.core.api.routes import Router
from finance.households.api.views import HouseholdViewSet, MemberViewSet

router = Router()
router.register("households", HouseholdViewSet, basename="household")

members = Router()
members.register("members", MemberViewSet, basename="household-member")

urlpatterns = [
    *router.urls,
    path("households/<id:household_pk>/", include(members.urls)),
]
