"""Serializer building blocks shared by every app."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers

# Per serializer class: its fields as first built, never bound; each instance gets copies.
_PROTOTYPES: dict[type, dict[str, serializers.Field]] = {}


class PrototypeFields:
    """Mixin for a serializer whose fields do not depend on the instance, data or context.

    DRF builds a serializer's fields anew for every instance: a deep copy of each declared field, which
    runs every field's ``__init__`` again (validators, merged error messages) and, for a
    ``ModelSerializer``, introspects the model too. On a request that validates one object this was
    most of the validation's cost. Here the fields are built once per class and each instance gets
    shallow copies of them, which DRF then binds to it as usual; nested serializers and fields that
    hold a bound child (lists, dicts, many-related) are still deep-copied.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        prototypes = _PROTOTYPES.get(cls)
        if prototypes is None:
            prototypes = _PROTOTYPES[cls] = super().get_fields()  # type: ignore[misc]
        return {name: _clone(field) for name, field in prototypes.items()}


def _clone(field: serializers.Field) -> Any:
    if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)
