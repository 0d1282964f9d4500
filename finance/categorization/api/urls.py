from finance.categorization.api.views import ReviewViewSet, RuleViewSet
from finance.core.api.routes import Router

router = Router()
router.register("rules", RuleViewSet, basename="rule")
router.register("review", ReviewViewSet, basename="review")

urlpatterns = router.urls
