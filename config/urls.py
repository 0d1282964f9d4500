from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from finance.core import health
from finance.core.api import errors

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/v1/", include("config.api_v1")),
    path("api/", include("finance.compat.urls")),
    path("api-auth/", include("rest_framework.urls")),
    # The web app: /login/, /logout/, / (→ /app/) and /app/…
    path("", include("finance.web.urls")),
]

handler404 = errors.not_found
handler500 = errors.server_error
