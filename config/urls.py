from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from finance.core import health
from finance.core.api import docs, errors

# The API docs run only our own scripts (Swagger UI's start-up script is served as a file, not
# inline), but both UIs set styles inline at run time, ReDoc works in a blob: worker and both use
# data: images. This relaxes exactly that, for these two pages only.
docs_csp = csp_replace(
    {
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],
    }
)


def login_redirect(request: HttpRequest) -> HttpResponse:
    """The admin's and the browsable API's own login forms take a password only, which would skip
    the second factor: both send people to the web sign-in, keeping where they were going."""
    if request.user.is_authenticated and request.path.startswith("/admin/"):
        raise PermissionDenied  # signed in, but the admin did not let them in: not staff
    return redirect_to_login(request.GET.get("next") or "/app/")


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/login/", login_redirect),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="swagger-ui"),
    # Our template and bundle: drf-spectacular's load fonts from Google and a logo from Redocly (core/api/docs.py).
    path(
        "api/redoc/",
        docs_csp(SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html")),
        name="redoc",
    ),
    path("api/redoc/redoc.standalone.js", docs.redoc_bundle, name="redoc-bundle"),
    path("api/v1/", include("config.api_v1")),
    path("api/", include("finance.compat.urls")),
    path("api-auth/login/", login_redirect),
    path("api-auth/", include("rest_framework.urls")),
    # The web app: /login/, /logout/, / (→ /app/) and /app/…
    path("", include("finance.web.urls")),
]

handler400 = errors.bad_request
handler404 = errors.not_found
handler500 = errors.server_error
