from django.urls import include, path

from finance.core.api.routes import Router
from finance.households.api.views import HouseholdInvitationViewSet, HouseholdViewSet, InvitationViewSet, MemberViewSet

router = Router()
router.register("households", HouseholdViewSet, basename="household")
router.register("invitations", InvitationViewSet, basename="invitation")

below = Router()
below.register("members", MemberViewSet, basename="household-member")
below.register("invitations", HouseholdInvitationViewSet, basename="household-invitation")

urlpatterns = [
    *router.urls,
    path("households/<id:household_pk>/", include(below.urls)),
]
