"""Facts about the HTTP request shared by logging, throttling and auditing."""

from __future__ import annotations

import ipaddress
from typing import Any, cast

from django.conf import settings
from django.http import HttpResponse


def client_ip(request: Any) -> str | None:
    """The caller's address: the peer, or the entry ``NUM_PROXIES`` trusted proxies added.

    With no trusted proxy (``NUM_PROXIES`` 0, the default) ``X-Forwarded-For`` is ignored: anyone
    can send it. The throttles (``finance.core.api.throttling``), the sign-in lockout and the audit
    log all use this one rule, so they agree on who the client is.
    """
    meta = request.META
    address = meta.get("REMOTE_ADDR")
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    proxies = int(cast(Any, settings.REST_FRAMEWORK.get("NUM_PROXIES")) or 0)
    if forwarded and proxies > 0:
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if hops:
            address = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def private_image(content: bytes, content_type: str, *, max_age: int = 3600) -> HttpResponse:
    """An image only its viewer may see: never cached by shared caches, never sniffed as another type.

    Pictures people upload are answered by a view that checks who asks (not as public media files), and
    only in the type they were re-encoded to.
    """
    response = HttpResponse(content, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
