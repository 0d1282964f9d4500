"""The project's routes plus endpoints that fail on purpose, for error-envelope tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.core.api import errors


class ExplodingAPIView(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError("boom: secret internals")


def exploding_plain_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: secret internals")


urlpatterns = [
    path("api/v1/test-boom/", ExplodingAPIView.as_view()),
    path("api/v1/test-boom-plain/", exploding_plain_view),
    path("", include("config.urls")),
]

handler404 = errors.not_found
handler500 = errors.server_error
