"""``Idempotency-Key`` support for POST creates.

A repeat of a create with the same key (per user) and the same request
returns the stored response and creates nothing; the same key with a different
request is a 409. Only successful responses are stored: a request that failed
changed nothing and may be retried with the same key. Keys expire after
``IDEMPOTENCY_KEY_TTL`` (24 hours by default).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from finance.core.exceptions import Conflict, FieldError
from finance.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # QueryDict / MultiValueDict
        return {k: [_canonical(v) for v in vs] for k, vs in value.lists()}
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def request_fingerprint(request: Request) -> str:
    payload = {
        "method": request.method,
        "path": request.path,
        "query": sorted(request.query_params.lists()),
        "data": _canonical(request.data),
    }
    encoded = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.request_fingerprint != fingerprint:
        raise Conflict("This Idempotency-Key was already used with a different request.", code="idempotency_key_reused")
    return Response(stored.response_body, status=stored.response_status, headers={REPLAY_HEADER: "true"})


def run_idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, key); replay its response for repeats."""
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise FieldError(HEADER, f"Must be 1 to {MAX_KEY_LENGTH} characters.", code="invalid")
    fingerprint = request_fingerprint(request)
    cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    user = request.user

    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is not None:
        if existing.created_at >= cutoff:
            return _replay(existing, fingerprint)
        existing.delete()

    try:
        with transaction.atomic():
            response = handler()
            if 200 <= response.status_code < 300:
                body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    request_fingerprint=fingerprint,
                    response_status=response.status_code,
                    response_body=body,
                )
    except IntegrityError:
        # A concurrent request with the same key won; our work was rolled back.
        winner = IdempotencyKey.objects.filter(user=user, key=key).first()
        if winner is None:
            raise
        return _replay(winner, fingerprint)
    return response


def purge_expired() -> int:
    cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a view's create method so it honours ``Idempotency-Key``."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return run_idempotent(request, lambda: method(self, request, *args, **kwargs))

    return wrapper
