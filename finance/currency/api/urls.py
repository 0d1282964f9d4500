from finance.core.api.routes import Router
from finance.currency.api.views import ExchangeRateViewSet

router = Router()
router.register("exchange-rates", ExchangeRateViewSet, basename="exchange-rate")

urlpatterns = router.urls
