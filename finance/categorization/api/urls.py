from rest_framework.routers import SimpleRouter

from finance.categorization.api.views import ReviewViewSet, RuleViewSet

router = SimpleRouter()
router.register("rules", RuleViewSet, basename="rule")
router.register("review", ReviewViewSet, basename="review")

urlpatterns = router.urls
