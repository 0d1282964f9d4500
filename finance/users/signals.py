"""Any saved or deleted user replaces that user's cached principal (``finance.users.principal``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from finance.users.principal import principal_changed


def user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    principal_changed([instance.pk])


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(user_changed, sender=user_model, dispatch_uid="principal-user-saved")
    post_delete.connect(user_changed, sender=user_model, dispatch_uid="principal-user-deleted")
