from django.urls import include, path
from rest_framework.routers import SimpleRouter

from finance.households.api.views import HouseholdInvitationViewSet, HouseholdViewSet, InvitationViewSet, MemberViewSet

router = SimpleRouter()
router.register("households", HouseholdViewSet, basename="household")
router.register("invitations", InvitationViewSet, basename="invitation")

below = SimpleRouter()
below.register("members", MemberViewSet, basename="household-member")
below.register("invitations", HouseholdInvitationViewSet, basename="household-invitation")

urlpatterns = [
    *router.urls,
    path("households/<str:household_pk>/", include(below.urls)),
]
