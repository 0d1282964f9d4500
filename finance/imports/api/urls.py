from finance.core.api.routes import Router
from finance.imports.api.views import ImportBatchViewSet

router = Router()
router.register("imports", ImportBatchViewSet, basename="import")

urlpatterns = router.urls
