"""OpenAPI post-processing: error responses described as the API really sends them.

drf-standardized-errors describes each operation's 400 answer from its
serializer alone (one component per field, with the codes DRF's fields raise)
and each 4xx with DRF's own codes. The services report domain errors too
(``invalid_currency`` on ``base_currency``, ``transactions.3.amount`` in a bulk
call, ``link_expired``, ...), query-parameter errors are 400s on GET, any create
can answer 409 (``Idempotency-Key`` reuse) and any body can be 413. So after
generation this hook (run after drf-standardized-errors' own) makes every 400 a
``validation_error`` or ``client_error`` envelope whose ``code`` and ``attr`` are
strings, lets every error envelope carry any ``code``, documents 409 on writes
and 413 on requests with a body, and drops the components nothing refers to.
"""

from __future__ import annotations

import json
import re
from typing import Any

_REF = re.compile(r'"#/components/schemas/([^"]+)"')

ERROR_ITEM = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Machine-readable reason, e.g. `required`, `invalid_currency`."},
        "detail": {"type": "string", "description": "Human-readable message."},
        "attr": {
            "type": "string",
            "nullable": True,
            "description": "The field (dotted path for nested and row errors), or null for the request as a whole.",
        },
    },
    "required": ["code", "detail", "attr"],
}


def _envelope(kind_enum: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "type": {"$ref": f"#/components/schemas/{kind_enum}"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}},
        },
        "required": ["type", "errors"],
    }


def _json_response(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


WRITE_METHODS = {"post", "put", "patch", "delete"}


def finalize_error_schemas(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorItem"] = ERROR_ITEM
    schemas["ValidationErrorResponse"] = _envelope("ValidationErrorEnum")
    schemas["ClientErrorResponse"] = _envelope("ClientErrorEnum")
    schemas["ErrorResponse400"] = {
        "oneOf": [
            {"$ref": "#/components/schemas/ValidationErrorResponse"},
            {"$ref": "#/components/schemas/ClientErrorResponse"},
        ],
        "discriminator": {
            "propertyName": "type",
            "mapping": {
                "validation_error": "#/components/schemas/ValidationErrorResponse",
                "client_error": "#/components/schemas/ClientErrorResponse",
            },
        },
    }
    # Every other error envelope (401, 403, 404, 405, ..., 500) may carry any code.
    for name, schema in list(schemas.items()):
        if name.startswith("ErrorResponse") and name != "ErrorResponse400" and "properties" in schema:
            schema["properties"]["errors"] = {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            previous = responses.get("400", {})
            responses["400"] = {
                **_json_response("#/components/schemas/ErrorResponse400", "Invalid input or an unreadable body."),
                **{k: v for k, v in previous.items() if k == "description" and v},
            }
            if method in WRITE_METHODS:
                conflict = responses.get("409", {})
                responses["409"] = _json_response(
                    "#/components/schemas/ClientErrorResponse",
                    conflict.get("description") or "Conflicts with the current state (the envelope's code says why).",
                )
            if "requestBody" in operation:
                responses["413"] = _json_response(
                    "#/components/schemas/ClientErrorResponse", "The request body is larger than allowed."
                )
    _drop_unreferenced(result)
    return result


def _refs(value: Any) -> set[str]:
    return set(_REF.findall(json.dumps(value, default=str)))


def _drop_unreferenced(result: dict[str, Any]) -> None:
    """Remove component schemas that neither an operation nor a used component refers to."""
    schemas = result["components"]["schemas"]
    outside = {k: v for k, v in result.items() if k != "components"}
    outside["other_components"] = {k: v for k, v in result["components"].items() if k != "schemas"}
    pending = list(_refs(outside))
    used: set[str] = set()
    while pending:
        name = pending.pop()
        if name in used or name not in schemas:
            continue
        used.add(name)
        pending.extend(_refs(schemas[name]) - used)
    for name in set(schemas) - used:
        del schemas[name]
