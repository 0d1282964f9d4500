from rest_framework.routers import SimpleRouter

from finance.imports.api.views import ImportBatchViewSet

router = SimpleRouter()
router.register("imports", ImportBatchViewSet, basename="import")

urlpatterns = router.urls
