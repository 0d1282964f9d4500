"""Facts about the HTTP request shared by logging, throttling and auditing."""

from __future__ import annotations

import ipaddress
from typing import Any, cast

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """The caller's address: the peer, or the entry ``NUM_PROXIES`` trusted proxies added.

    The same rule DRF's throttles use, so an audit entry and a throttle agree.
    """
    meta = request.META
    address = meta.get("REMOTE_ADDR")
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    proxies = int(cast(Any, settings.REST_FRAMEWORK.get("NUM_PROXIES")) or 0)
    if forwarded and proxies:
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if hops:
            address = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
