"""Writing the audit log: one function every app calls after a sensitive action.

``audit_record`` is called inside the service's own database transaction, so
the entry commits (or rolls back) with the change it describes. Who and from
where come from the request being served (``RequestLogMiddleware`` keeps its
id, address and user agent) unless a request is passed explicitly.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from finance.audit.models import AuditAction, AuditEvent, audit_purge
from finance.core.http import client_ip
from finance.core.middleware import current_request

REDACTED = "[redacted]"
# Any change whose field name contains one of these is never stored, whatever the caller passes.
SECRET_MARKERS = ("password", "secret", "token", "otp", "code", "key", "hash", "recovery")


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): (REDACTED if _is_secret(str(k)) else _jsonable(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def sanitize_changes(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """JSON-ready changes with every secret-looking field replaced by a marker."""
    return dict(_jsonable(changes or {}))


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def audit_record(
    *,
    action: AuditAction | str,
    actor: Any,
    household: Any = None,
    target: Any = None,
    target_type: str = "",
    target_id: Any = "",
    changes: Mapping[str, Any] | None = None,
    request: Any = None,
) -> AuditEvent:
    """Append one event to the audit log.

    ``actor`` is the user who acted, or their id (``None`` for the system); ``household`` the household it
    happened in (a model or its id); ``target`` the object acted on (its model label and id are
    stored) or ``target_type``/``target_id``; ``changes`` what changed (``{field: [old, new]}``
    or any small JSON-ready mapping: fields that look like secrets are redacted). ``request``
    (a Django or DRF request) overrides the address, user agent and request id of the request
    being served.
    """
    action = AuditAction(action)  # an unknown action is a programming error: ValueError
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target.pk
    ip: str | None = None
    user_agent = request_id = ""
    if request is not None:
        ip = client_ip(request)
        user_agent = request.headers.get("User-Agent", "")[:512]
        request_id = str(getattr(getattr(request, "_request", request), "request_id", "") or "")
    else:
        context = current_request()
        if context is not None:
            ip, user_agent, request_id = context.ip, context.user_agent, context.request_id
    household_id = getattr(household, "pk", household)
    # A user, a user's id, or None (the system; an anonymous user has no pk either).
    actor_id = getattr(actor, "pk", actor)
    return AuditEvent.objects.create(
        action=action.value,
        actor_id=actor_id,
        household_id=household_id,
        target_type=target_type[:64],
        target_id=str(target_id or "")[:64],
        changes=sanitize_changes(changes),
        ip=ip,
        user_agent=user_agent,
        request_id=request_id[:64],
    )


def audit_retention_purge() -> int:
    """Delete audit events older than ``AUDIT_LOG_RETENTION``; returns how many went."""
    cutoff = timezone.now() - settings.AUDIT_LOG_RETENTION
    with audit_purge():
        deleted, _ = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
