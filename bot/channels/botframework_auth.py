"""Bot Framework authentication: validate the tokens Teams sends, get the tokens to answer with.

Incoming: every activity the Bot Connector posts carries `Authorization: Bearer <JWT>`, signed with
RS256 by a key published in the JWKS that the OpenID configuration's `jwks_uri` names. A token is
only accepted with issuer https://api.botframework.com, the bot's app id as audience, a valid
exp/nbf, a `serviceurl` claim equal to the activity's serviceUrl, and a key endorsed for the
activity's channel. The keys are fetched on first use (never at import or startup), kept for a day,
and fetched again once when a token names an unknown key id (key rotation), at most once per
`refetch_interval` so forged key ids cannot make the server hammer the key endpoint.

Outgoing: replies need a bot token, from the tenant's token endpoint by client credentials
(single-tenant app registration) or from a managed identity endpoint (IMDS style), cached until
shortly before it expires.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

import jwt
import requests
from jwt.algorithms import RSAAlgorithm

logger = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
BOT_FRAMEWORK_RESOURCE = "https://api.botframework.com"
IMDS_TOKEN_URL = "http://169.254.169.254/metadata/identity/oauth2/token"
IMDS_API_VERSION = "2018-02-01"
#: Where Teams (commercial cloud) posts from; a serviceUrl elsewhere is refused unless configured.
TEAMS_SERVICE_HOSTS = ("smba.trafficmanager.net",)
ALGORITHM = "RS256"
#: The Bot Framework SDKs allow five minutes of clock skew between the connector and the bot.
CLOCK_SKEW_SECONDS = 300
KEYS_TTL_SECONDS = 24 * 3600
KEYS_REFETCH_INTERVAL_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 10
#: A cached bot token is renewed this long before it expires.
TOKEN_RENEW_MARGIN_SECONDS = 300

_BEARER = re.compile(r"^Bearer\s+(\S+)\s*$", re.IGNORECASE)


def token_url_for_tenant(tenant_id: str) -> str:
    """The token endpoint of a single-tenant app registration."""
    return f"https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"


class Unauthorized(Exception):
    """A request is refused; `str(error)` says why, without any token or message content."""


class KeysUnavailable(Exception):
    """The signing keys could not be fetched and none are cached."""


class TokenUnavailable(Exception):
    """No bot token could be obtained to send a reply."""


def _safe(value: Any, limit: int = 40) -> str:
    """An attacker-chosen value as it may appear in a log line."""
    return repr(value)[:limit]


class SigningKeys:
    """The Bot Framework's published signing keys, fetched lazily and cached."""

    def __init__(
        self,
        openid_metadata_url: str = OPENID_METADATA_URL,
        *,
        ttl: float = KEYS_TTL_SECONDS,
        refetch_interval: float = KEYS_REFETCH_INTERVAL_SECONDS,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.openid_metadata_url = openid_metadata_url
        self.ttl = ttl
        self.refetch_interval = refetch_interval
        self.timeout = timeout
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._forced_at: float | None = None
        self._lock = threading.Lock()
        #: How often the key set was fetched (for operators and tests).
        self.fetches = 0

    def get(self, kid: str) -> dict[str, Any]:
        """The JWK with this key id; raises Unauthorized for a key the Bot Framework does not publish."""
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self.ttl:
                self._refresh(now)
            key = self._keys.get(kid)
            if key is None and (self._forced_at is None or now - self._forced_at >= self.refetch_interval):
                # a rotated key is published before it is used: fetch once more before refusing
                self._forced_at = now
                self._refresh(now)
                key = self._keys.get(kid)
        if key is None:
            raise Unauthorized(f"unknown signing key {_safe(kid)}")
        return key

    def _refresh(self, now: float) -> None:
        try:
            keys = self._fetch()
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            if not self._keys:
                raise KeysUnavailable(f"Bot Framework signing keys unavailable: {error}") from error
            logger.warning("Bot Framework signing keys could not be refreshed, keeping the cached ones: %s", error)
            self._fetched_at = now
            return
        self._keys = keys
        self._fetched_at = now

    def _fetch(self) -> dict[str, dict[str, Any]]:
        self.fetches += 1
        metadata = requests.get(self.openid_metadata_url, timeout=self.timeout)
        metadata.raise_for_status()
        jwks = requests.get(metadata.json()["jwks_uri"], timeout=self.timeout)
        jwks.raise_for_status()
        keys = {key["kid"]: key for key in jwks.json()["keys"] if key.get("kid") and key.get("kty") == "RSA"}
        logger.info("Bot Framework signing keys fetched: %d key(s)", len(keys))
        return keys


@dataclass
class VerifiedToken:
    """The claims of a validated token and the channels its signing key is endorsed for."""

    claims: dict[str, Any]
    endorsements: list[str] | None = None


def validate_token(
    authorization: str | None,
    *,
    keys: SigningKeys,
    app_id: str,
    issuer: str = BOT_FRAMEWORK_ISSUER,
    leeway: float = CLOCK_SKEW_SECONDS,
) -> VerifiedToken:
    """Validate the Authorization header of an incoming activity (signature, issuer, audience, time)."""
    if not authorization:
        raise Unauthorized("no Authorization header")
    match = _BEARER.match(authorization)
    if not match:
        raise Unauthorized("Authorization is not a Bearer token")
    token = match.group(1)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise Unauthorized(f"malformed token: {error}") from error
    if header.get("alg") != ALGORITHM:
        raise Unauthorized(f"token algorithm {_safe(header.get('alg'))} is not {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Unauthorized("token without key id")
    jwk = keys.get(kid)
    try:
        public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        claims = jwt.decode(
            token,
            key=public_key,
            algorithms=[ALGORITHM],
            audience=app_id,
            issuer=issuer,
            leeway=leeway,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(f"token rejected: {error}") from error
    endorsements = jwk.get("endorsements")
    return VerifiedToken(claims, list(endorsements) if isinstance(endorsements, list) else None)


def check_activity(
    verified: VerifiedToken,
    activity: dict[str, Any],
    *,
    allowed_service_urls: list[str] | tuple[str, ...] = TEAMS_SERVICE_HOSTS,
    allow_http: bool = False,
) -> None:
    """Bind the token to the activity: same service URL, an allowed service URL, an endorsed channel."""
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url:
        raise Unauthorized("activity without serviceUrl")
    claimed = verified.claims.get("serviceurl")
    if not isinstance(claimed, str) or claimed.rstrip("/") != service_url.rstrip("/"):
        raise Unauthorized("serviceurl claim does not match the activity's serviceUrl")
    if not service_url_allowed(service_url, allowed_service_urls, allow_http=allow_http):
        raise Unauthorized("serviceUrl is not an allowed service URL")
    if verified.endorsements is not None and activity.get("channelId") not in verified.endorsements:
        raise Unauthorized(f"signing key not endorsed for channel {_safe(activity.get('channelId'))}")


def service_url_allowed(url: str, allowed: list[str] | tuple[str, ...], *, allow_http: bool = False) -> bool:
    """Whether replies may be posted to `url`.

    An entry with a scheme is a URL prefix ("https://smba.trafficmanager.net/emea/"); any other
    entry is a host, matching itself and its subdomains ("smba.trafficmanager.net").
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    normalized = _with_slash(f"{parts.scheme}://{parts.netloc.lower()}{parts.path}")
    for entry in allowed:
        entry = entry.strip()
        if "://" in entry:
            if normalized.startswith(_with_slash(_lower_origin(entry))):
                return True
        else:
            suffix = entry.lower().lstrip(".")
            if suffix and (host == suffix or host.endswith("." + suffix)):
                return True
    return False


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _lower_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"


class TokenProvider(Protocol):
    def token(self) -> str: ...

    def invalidate(self) -> None: ...


@dataclass
class _CachedToken:
    clock: Callable[[], float] = time.time
    value: str | None = None
    expires_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh(self) -> str | None:
        return self.value if self.value and self.clock() < self.expires_at else None

    def store(self, value: str, lifetime: float) -> str:
        # renew well before expiry, or halfway through a short-lived token
        margin = TOKEN_RENEW_MARGIN_SECONDS if lifetime > 2 * TOKEN_RENEW_MARGIN_SECONDS else lifetime / 2
        self.value, self.expires_at = value, self.clock() + lifetime - margin
        return value

    def clear(self) -> None:
        self.value, self.expires_at = None, 0.0


class ClientCredentials:
    """Bot token by client credentials from the (single-tenant) token endpoint."""

    def __init__(
        self,
        app_id: str,
        app_password: str,
        token_url: str,
        *,
        scope: str = BOT_FRAMEWORK_SCOPE,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_id, self._password, self.token_url, self.scope, self.timeout = app_id, app_password, token_url, scope, timeout
        self._cache = _CachedToken(clock)

    def token(self) -> str:
        with self._cache.lock:
            cached = self._cache.fresh()
            if cached:
                return cached
            try:
                response = requests.post(
                    self.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.app_id,
                        "client_secret": self._password,
                        "scope": self.scope,
                    },
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                raise TokenUnavailable(f"token endpoint unreachable: {error}") from error
            return self._cache.store(*_token_from(response))

    def invalidate(self) -> None:
        with self._cache.lock:
            self._cache.clear()


class ManagedIdentity:
    """Bot token from a managed identity endpoint (Azure IMDS, or App Service style with IDENTITY_HEADER)."""

    def __init__(
        self,
        client_id: str,
        *,
        endpoint: str = IMDS_TOKEN_URL,
        resource: str = BOT_FRAMEWORK_RESOURCE,
        api_version: str = IMDS_API_VERSION,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id, self.endpoint, self.resource, self.api_version, self.timeout = (
            client_id, endpoint, resource, api_version, timeout,
        )
        self._cache = _CachedToken(clock)

    def token(self) -> str:
        with self._cache.lock:
            cached = self._cache.fresh()
            if cached:
                return cached
            headers = {"Metadata": "true"}
            if os.environ.get("IDENTITY_HEADER"):  # App Service / Container Apps identity endpoint
                headers["X-IDENTITY-HEADER"] = os.environ["IDENTITY_HEADER"]
            try:
                response = requests.get(
                    self.endpoint,
                    params={"api-version": self.api_version, "resource": self.resource, "client_id": self.client_id},
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                raise TokenUnavailable(f"managed identity endpoint unreachable: {error}") from error
            return self._cache.store(*_token_from(response, clock=self._cache.clock))

    def invalidate(self) -> None:
        with self._cache.lock:
            self._cache.clear()


def _token_from(response: requests.Response, clock: Callable[[], float] = time.time) -> tuple[str, float]:
    """(access token, lifetime in seconds) from a token endpoint's answer."""
    if not response.ok:
        # the error description names no secret; the body may, so it is not logged
        raise TokenUnavailable(f"token endpoint answered HTTP {response.status_code}")
    try:
        data = response.json()
        token = data["access_token"]
        if "expires_in" in data:
            lifetime = float(data["expires_in"])
        else:  # managed identity endpoints may give only the absolute expiry
            lifetime = float(data["expires_on"]) - clock()
    except (ValueError, KeyError, TypeError) as error:
        raise TokenUnavailable(f"token endpoint answered without a usable token: {error}") from error
    if not isinstance(token, str) or not token:
        raise TokenUnavailable("token endpoint answered an empty token")
    return token, max(lifetime, 0.0)
