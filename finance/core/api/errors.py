"""The error envelope: the DRF exception handler's extensions, and JSON pages for errors outside DRF."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_standardized_errors import handler
from rest_framework import exceptions, status


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]},
            status=404,
        )
    return defaults.page_not_found(request, exception or Exception("Not found"))


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"type": "server_error", "errors": [{"code": "error", "detail": "A server error occurred.", "attr": None}]},
            status=500,
        )
    return defaults.server_error(request)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class ExceptionHandler(handler.ExceptionHandler):
    """drf-standardized-errors' handler, also mapping Django's request-size errors to 413 / 400."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge()
        if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            return exceptions.ValidationError({"non_field_errors": [str(exc)]}, code="too_many_fields")
        return super().convert_known_exceptions(exc)
