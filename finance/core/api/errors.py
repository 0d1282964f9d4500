"""The error envelope: the DRF exception handler's extensions, and JSON pages for errors outside DRF."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_standardized_errors import handler
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response

from finance.core.exceptions import NON_FIELD, DomainError, FieldError, RateLimited, Unauthenticated


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _not_found_json() -> JsonResponse:
    return JsonResponse(
        {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]},
        status=404,
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _not_found_json()
    return defaults.page_not_found(request, exception or Exception("Not found"))


class NotFoundMiddleware:
    """An unknown API URL is the JSON 404 of the envelope, whatever ``DEBUG`` says.

    ``handler404`` (:func:`not_found`) only runs with ``DEBUG`` off: with it on
    (``make run``), Django answers an unknown URL with its technical 404 page,
    which lists every route of the project. This replaces any 404 on an API
    path that DRF did not answer and is not already JSON. It sits above ``CommonMiddleware`` so a
    missing trailing slash is still redirected first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # DRF's own answers (JSON, or the browsable API's page for a browser) are already the API's.
        drf_or_json = isinstance(response, Response) or response.get("Content-Type", "").startswith("application/json")
        if response.status_code == 404 and _is_api(request) and not drf_or_json:
            return _not_found_json()
        return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own 400s (a suspicious request refused before any view): in the envelope for the API, every
    400 being a ``validation_error``."""
    if _is_api(request):
        return JsonResponse(
            {
                "type": "validation_error",
                "errors": [{"code": "invalid", "detail": "The request is malformed.", "attr": NON_FIELD}],
            },
            status=400,
        )
    return defaults.bad_request(request, exception or Exception("Bad request"))


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


def api_exception(exc: DomainError) -> exceptions.APIException:
    """The DRF exception that renders a domain error in the envelope, with the same status and codes.

    Every 400 is a ``validation_error`` with ``attr``: a field error's fields, else the error's own ``field``
    (an unreadable upload names ``file``), else ``non_field_errors``.
    """
    if isinstance(exc, FieldError) and exc.status == status.HTTP_400_BAD_REQUEST:
        return exceptions.ValidationError(
            {field: [ErrorDetail(i.message, code=i.code) for i in issues] for field, issues in exc.field_errors.items()}
        )
    if exc.status == status.HTTP_400_BAD_REQUEST:
        field = getattr(exc, "field", None) or NON_FIELD
        return exceptions.ValidationError({field: [ErrorDetail(exc.message, code=exc.code)]})
    if isinstance(exc, Unauthenticated):
        return exceptions.AuthenticationFailed(exc.message, code=exc.code)
    if isinstance(exc, RateLimited):
        throttled = exceptions.Throttled(detail=exc.message, code=exc.code)
        throttled.wait = math.ceil(exc.wait) if exc.wait is not None else None  # type: ignore[attr-defined]
        return throttled
    converted = exceptions.APIException(exc.message, code=exc.code)
    converted.status_code = exc.status
    return converted


class ExceptionHandler(handler.ExceptionHandler):
    """drf-standardized-errors' handler, also rendering domain errors and mapping Django's request-size
    errors to 413 / 400."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DomainError):
            converted = api_exception(exc)
            if isinstance(converted, exceptions.AuthenticationFailed):
                self._challenge(converted)
            return converted
        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge()
        if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            return exceptions.ValidationError({NON_FIELD: [str(exc)]}, code="too_many_fields")
        known = super().convert_known_exceptions(exc)
        if (
            isinstance(known, exceptions.APIException)
            and not isinstance(known, exceptions.ValidationError)
            and known.status_code == status.HTTP_400_BAD_REQUEST
        ):
            # A body that cannot be parsed (malformed JSON, a broken multipart form) is bad input too.
            detail = known.detail
            code = detail.code if isinstance(detail, ErrorDetail) else known.default_code
            return exceptions.ValidationError({NON_FIELD: [ErrorDetail(str(detail), code=code)]})
        return known

    def _challenge(self, exc: exceptions.AuthenticationFailed) -> None:
        """What DRF's view does for its own authentication errors: a ``WWW-Authenticate`` challenge when the
        view authenticates with a scheme that has one, else 403."""
        view, request = self.context.get("view"), self.context.get("request")
        header = view.get_authenticate_header(request) if view is not None and request is not None else None
        if header:
            exc.auth_header = header  # type: ignore[attr-defined]
        else:
            exc.status_code = status.HTTP_403_FORBIDDEN
