from finance.core.api.routes import Router
from finance.ledger.api.views import AccountViewSet, CategoryViewSet, TagViewSet, TransactionViewSet

router = Router()
router.register("accounts", AccountViewSet, basename="account")
router.register("categories", CategoryViewSet, basename="category")
router.register("tags", TagViewSet, basename="tag")
router.register("transactions", TransactionViewSet, basename="transaction")

urlpatterns = router.urls
