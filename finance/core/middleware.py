"""Structured request logging with a request id, the request size limit, and the request charset."""

from __future__ import annotations

import codecs
import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from finance.core.http import client_ip

logger = logging.getLogger("finance.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class RequestContext:
    """Who is asking, from where: what the audit log records about the request being served."""

    request_id: str
    ip: str | None
    user_agent: str


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("finance_request", default=None)


def current_request() -> RequestContext | None:
    """The request this thread is serving (None in tasks, commands and shells)."""
    return _current.get()


class RequestLogMiddleware:
    """Gives every request an id (``X-Request-ID``, kept from the client when well-formed)
    and logs one structured line per request: method, path, status, duration, user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        token = _current.set(
            RequestContext(
                request_id=request_id,
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:512],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        logger.log(
            logging.ERROR if response.status_code >= 500 else logging.INFO,
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": str(user.pk) if user is not None and user.is_authenticated else None,
                "remote_addr": request.META.get("REMOTE_ADDR"),
            },
        )
        return response


def _too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        {
            "type": "client_error",
            "errors": [
                {
                    "code": "request_too_large",
                    "detail": f"The request body is larger than the limit of {limit} bytes.",
                    "attr": None,
                }
            ],
        },
        status=413,
    )


class RequestSizeLimitMiddleware:
    """Refuses bodies over the configured size before anything reads them (413, in the envelope).

    DRF parses JSON straight from the stream, past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    check, so the limit is enforced here on ``Content-Length``: multipart uploads may be up to
    ``MAX_UPLOAD_SIZE``, every other body up to ``DATA_UPLOAD_MAX_MEMORY_SIZE``. (Under WSGI
    Django reads no body that comes without a length.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.MAX_UPLOAD_SIZE if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _too_large(limit)
        return self.get_response(request)


# Charsets whose decoding (with Django's errors="replace") never yields a lone surrogate, whatever the bytes.
TEXT_CHARSETS = frozenset({"utf-8", "ascii", "iso8859-1"})


def _charset_refused(charset: str) -> JsonResponse:
    return JsonResponse(
        {
            "type": "client_error",
            "errors": [
                {
                    "code": "unsupported_media_type",
                    "detail": f"Text must be sent as UTF-8, not {charset!r}.",
                    "attr": None,
                }
            ],
        },
        status=415,
    )


class RequestCharsetMiddleware:
    """Refuses (415) a request that declares a character set other than UTF-8, ASCII or Latin-1 for its form
    fields, query string or body.

    Django decodes form fields and the query string with the declared charset: an escaping codec
    (``unicode_escape``, ``utf-7``) would turn ``\\ud800`` into a lone surrogate that passes a form's
    checks and then cannot be stored or shown. JSON bodies are checked by the API's parser as well
    (``finance.core.api.parsers``); this closes the same door for every form, web or API.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset") if request.content_params else None
        if charset:
            try:
                name = codecs.lookup(charset).name
            except LookupError:
                name = ""  # unknown to Python: Django would ignore it, DRF's parsers fail on it
            if name not in TEXT_CHARSETS:
                return _charset_refused(charset)
        return self.get_response(request)
