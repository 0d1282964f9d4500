"""OpenAPI description of the API's authentication."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "finance.users.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from `POST /api/v1/auth/login/` (15 minutes; refresh for more).",
        }


class PersonalAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "finance.users.authentication.PersonalAccessTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "pft_…",
            "description": (
                "A personal access token from `POST /api/v1/auth/tokens/`. A `read` token may only use GET, "
                "HEAD and OPTIONS."
            ),
        }
