from rest_framework.routers import SimpleRouter

from finance.currency.api.views import ExchangeRateViewSet

router = SimpleRouter()
router.register("exchange-rates", ExchangeRateViewSet, basename="exchange-rate")

urlpatterns = router.urls
