"""The browsable API, fitted to the content security policy."""

from __future__ import annotations

from typing import Any

from csp.constants import SELF
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages carry an inline ``<style>`` block (syntax highlighting); allow inline
    styles on those pages only. Scripts stay same-origin."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_replace = {"style-src": [SELF, "'unsafe-inline'"]}
        return super().render(data, accepted_media_type, renderer_context)
