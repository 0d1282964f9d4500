"""A small OpenID Connect relying party (authorization code flow with PKCE) on Authlib and joserfc.

Provider metadata and keys come from the issuer's discovery document
(``/.well-known/openid-configuration``) and are cached for an hour. The ID
token is checked for its signature (the provider's JWKS), issuer, audience,
expiry, issue time and nonce before anything about the person is trusted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

HTTP_TIMEOUT = 10
METADATA_TTL = 3600
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
CLOCK_SKEW = 60


class OIDCError(Exception):
    """The provider could not be reached, refused the code, or sent an ID token that does not check out."""


@dataclass(frozen=True)
class Provider:
    name: str
    client_id: str
    client_secret: str
    issuer: str
    trust_email: bool


def provider(name: str) -> Provider | None:
    config: Any = settings.OAUTH_PROVIDERS.get(name)
    if not config:
        return None
    return Provider(name=name, **config)


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OIDCError(f"Could not load {url}: {exc}") from exc
    if not isinstance(data, dict):
        raise OIDCError(f"{url} did not return a JSON object.")
    return data


def metadata(idp: Provider) -> dict[str, Any]:
    key = f"oidc:metadata:{idp.issuer}"
    found = cache.get(key)
    if found is None:
        found = _get_json(f"{idp.issuer}/.well-known/openid-configuration")
        for field in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not found.get(field):
                raise OIDCError(f"The discovery document has no {field}.")
        cache.set(key, found, METADATA_TTL)
    return dict(found)


def _keys(idp: Provider, *, refresh: bool = False) -> KeySet:
    key = f"oidc:jwks:{idp.issuer}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _get_json(metadata(idp)["jwks_uri"])
        cache.set(key, data, METADATA_TTL)
    return KeySet.import_key_set(cast(Any, data))


def new_request_secrets() -> dict[str, str]:
    """State, nonce and PKCE verifier for one authorization request."""
    return {"state": generate_token(43), "nonce": generate_token(43), "code_verifier": generate_token(64)}


def _session(idp: Provider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=idp.client_id,
        client_secret=idp.client_secret,
        scope="openid email profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=HTTP_TIMEOUT,
    )


def authorization_url(idp: Provider, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
    with _session(idp, redirect_uri) as session:
        url, _ = session.create_authorization_url(
            metadata(idp)["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier
        )
    return str(url)


def _expected_issuer(idp: Provider, claims: dict[str, Any]) -> str:
    issuer = str(metadata(idp)["issuer"])
    # Microsoft's multi-tenant endpoints publish a template; the token names the real tenant.
    if "{tenantid}" in issuer and claims.get("tid"):
        issuer = issuer.replace("{tenantid}", str(claims["tid"]))
    return issuer


def _decode_id_token(idp: Provider, id_token: str) -> dict[str, Any]:
    try:
        token = jwt.decode(id_token, _keys(idp), algorithms=ID_TOKEN_ALGORITHMS)
    except (JoseError, ValueError):
        # The provider may have rotated its keys since we cached them.
        try:
            token = jwt.decode(id_token, _keys(idp, refresh=True), algorithms=ID_TOKEN_ALGORITHMS)
        except (JoseError, ValueError) as exc:
            raise OIDCError(f"The ID token's signature does not verify: {exc}") from exc
    return dict(token.claims)


def exchange_code(idp: Provider, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> dict[str, Any]:
    """Trade the authorization code for tokens and return the verified ID token's claims."""
    with _session(idp, redirect_uri) as session:
        try:
            tokens = session.fetch_token(
                metadata(idp)["token_endpoint"], code=code, code_verifier=code_verifier, grant_type="authorization_code"
            )
        except Exception as exc:  # Authlib raises many types for one meaning: the exchange failed
            raise OIDCError(f"The provider refused the code: {exc}") from exc
    id_token = tokens.get("id_token")
    if not id_token:
        raise OIDCError("The provider sent no ID token.")
    claims = _decode_id_token(idp, id_token)
    now = time.time()
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    problems = [
        message
        for failed, message in (
            (claims.get("iss") != _expected_issuer(idp, claims), "issuer"),
            (idp.client_id not in audiences, "audience"),
            (len(audiences) > 1 and claims.get("azp") != idp.client_id, "authorized party"),
            (not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - CLOCK_SKEW, "expiry"),
            (isinstance(claims.get("iat"), int | float) and claims["iat"] > now + CLOCK_SKEW, "issue time"),
            (claims.get("nonce") != nonce, "nonce"),
            (not claims.get("sub"), "subject"),
        )
        if failed
    ]
    if problems:
        raise OIDCError(f"The ID token's {', '.join(problems)} is wrong.")
    return claims
