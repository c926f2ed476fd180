"""A local stand-in for the Bot Framework side of Microsoft Teams, for tests.

One threaded HTTP server on 127.0.0.1 plays every party the Teams channel talks to:

- login.botframework.com: `/v1/.well-known/openidconfiguration` naming `jwks_uri`
  `/v1/.well-known/keys`, the JWKS of RSA keys generated at test time (with endorsements, as
  the Bot Framework publishes them);
- login.microsoftonline.com: `/{tenant}/oauth2/v2.0/token`, issuing bot tokens by client
  credentials (checks client id, secret, grant type and scope);
- a managed identity endpoint `/metadata/identity/oauth2/token` (IMDS style: GET with
  resource and client_id, header `Metadata: true`);
- the Bot Connector at the service URL `{base}/emea/`: `POST …/v3/conversations/{id}/activities[/{id}]`
  (send, or reply to an activity) captures the bot's activities and answers the id it gives them
  (201 `{"id": …}`); `PUT …/v3/conversations/{id}/activities/{id}` (update an activity) records the
  replacement, and answers 404 for an activity the bot did not send in that conversation and 400 when
  the body's `id` is not that activity's. Only a bearer token the stand-in issued is accepted.

`token()` signs tokens as the Bot Connector does (RS256, kid, iss, aud, exp, nbf, serviceurl) and
`message()` builds message activities as Teams sends them. Every request is counted, so tests can
see that nothing was fetched at startup and that keys and tokens are cached.
"""
from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
RESOURCE = "https://api.botframework.com"
SERVICE_PATH = "/emea/"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Reply:
    """A reply activity the connector received."""

    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    #: the id the connector gave it
    id: str = ""


@dataclass
class Update:
    """An update (PUT) of an activity the bot sent earlier."""

    conversation_id: str
    activity_id: str
    activity: dict[str, Any]


@dataclass
class BotFrameworkStandIn:
    app_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    app_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    channel_id: str = "msteams"

    def __post_init__(self) -> None:
        self.private_keys: dict[str, rsa.RSAPrivateKey] = {}
        self.kid = self.publish_key()
        self.issued_tokens: set[str] = set()
        self.replies: list[Reply] = []
        self.updates: list[Update] = []
        #: (conversation id, activity id) of every activity the bot sent, as the connector numbered them
        self.sent_ids: dict[tuple[str, str], dict[str, Any]] = {}
        self.refused_replies = 0
        self.openid_fetches = 0
        self.jwks_fetches = 0
        self.token_requests = 0
        self.msi_requests = 0
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- the server ---------------------------------------------------------------------------

    def start(self) -> BotFrameworkStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                standin._get(self)

            def do_POST(self) -> None:
                standin._post(self)

            def do_PUT(self) -> None:
                standin._put(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server, "stand-in not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def service_url(self) -> str:
        return self.base_url + SERVICE_PATH

    @property
    def openid_metadata_url(self) -> str:
        return self.base_url + "/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def msi_endpoint(self) -> str:
        return self.base_url + "/metadata/identity/oauth2/token"

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        if url.path == "/v1/.well-known/openidconfiguration":
            with self.lock:
                self.openid_fetches += 1
            self._json(handler, 200, {
                "issuer": ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": self.base_url + "/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            })
        elif url.path == "/v1/.well-known/keys":
            with self.lock:
                self.jwks_fetches += 1
                keys = [self.jwk(kid) for kid in self.private_keys]
            self._json(handler, 200, {"keys": keys})
        elif url.path == "/metadata/identity/oauth2/token":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            with self.lock:
                self.msi_requests += 1
            if handler.headers.get("Metadata") != "true":
                self._json(handler, 400, {"error": "invalid_request", "error_description": "Required metadata header not specified"})
            elif query.get("resource") != RESOURCE or query.get("client_id") != self.app_id or not query.get("api-version"):
                self._json(handler, 400, {"error": "invalid_request", "error_description": "Identity not found"})
            else:
                token = self._issue()
                self._json(handler, 200, {
                    "access_token": token, "expires_in": "86399", "expires_on": str(int(time.time()) + 86399),
                    "resource": RESOURCE, "token_type": "Bearer",
                })
        else:
            self._json(handler, 404, {"error": "not found"})

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        if url.path == f"/{self.tenant_id}/oauth2/v2.0/token":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            with self.lock:
                self.token_requests += 1
            if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
                self._json(handler, 400, {"error": "invalid_request"})
            elif form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
                self._json(handler, 401, {"error": "invalid_client"})
            else:
                self._json(handler, 200, {
                    "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": self._issue(),
                })
            return
        parts = self._connector_path(url.path)
        if len(parts) in (4, 5):
            if not self._authorized(handler):
                return
            conversation, activity = unquote(parts[2]), json.loads(body or b"{}")
            new_id = f"1:{uuid.uuid4()}"
            with self.lock:
                self.replies.append(Reply(conversation, unquote(parts[4]) if len(parts) == 5 else None, activity, new_id))
                self.sent_ids[(conversation, new_id)] = activity
            self._json(handler, 201, {"id": new_id})
            return
        self._json(handler, 404, {"error": "not found"})

    def _put(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        parts = self._connector_path(url.path)
        if len(parts) != 5:
            self._json(handler, 404, {"error": "not found"})
            return
        if not self._authorized(handler):
            return
        conversation, activity_id, activity = unquote(parts[2]), unquote(parts[4]), json.loads(body or b"{}")
        with self.lock:
            known = (conversation, activity_id) in self.sent_ids
        if not known:
            self._json(handler, 404, {"error": {"code": "ActivityNotFoundInConversation", "message": "Unknown activity"}})
        elif activity.get("id") not in (None, activity_id) or activity.get("type") != "message":
            self._json(handler, 400, {"error": {"code": "BadArgument", "message": "Activity id or type does not match"}})
        else:
            with self.lock:
                self.updates.append(Update(conversation, activity_id, activity))
                self.sent_ids[(conversation, activity_id)] = activity
            self._json(handler, 200, {"id": activity_id})

    @staticmethod
    def _connector_path(path: str) -> list[str]:
        """["v3", "conversations", id, "activities"(, id)] of a Bot Connector path, else []."""
        parts = path[len(SERVICE_PATH):].split("/") if path.startswith(SERVICE_PATH) else []
        if len(parts) in (4, 5) and parts[:2] == ["v3", "conversations"] and parts[3] == "activities":
            return parts
        return []

    def _authorized(self, handler: BaseHTTPRequestHandler) -> bool:
        bearer = handler.headers.get("Authorization", "")
        with self.lock:
            accepted = bearer.startswith("Bearer ") and bearer[7:] in self.issued_tokens
            if not accepted:
                self.refused_replies += 1
        if not accepted:
            self._json(handler, 401, {"message": "Authorization has been denied for this request."})
        return accepted

    def _issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.issued_tokens.add(token)
        return token

    @staticmethod
    def _json(handler: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    # --- keys and tokens ----------------------------------------------------------------------

    def publish_key(self, kid: str | None = None) -> str:
        """Generate a signing key and publish it in the JWKS (as at a key rotation)."""
        kid = kid or f"standin-{uuid.uuid4().hex[:12]}"
        self.private_keys[kid] = new_key()
        return kid

    def jwk(self, kid: str) -> dict[str, Any]:
        key = json.loads(RSAAlgorithm.to_jwk(self.private_keys[kid].public_key()))
        return {**key, "kid": kid, "use": "sig", "endorsements": [self.channel_id, "webchat"]}

    def token(
        self,
        service_url: str | None = None,
        *,
        kid: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        expires_in: float = 3600,
        not_before: float = -300,
        **claims: Any,
    ) -> str:
        """A token as the Bot Connector sends with an activity; claims given as None are left out."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "serviceurl": service_url or self.service_url,
            "nbf": now + int(not_before),
            "exp": now + int(expires_in),
            "iss": ISSUER,
            "aud": self.app_id,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        kid = kid or self.kid
        signing_key = key or self.private_keys[kid]
        return jwt.encode(payload, signing_key, algorithm="RS256", headers={"kid": kid, "typ": "JWT", "x5t": kid})

    def unsigned_token(self, service_url: str | None = None) -> str:
        """The same claims with `alg: none` and no signature."""
        now = int(time.time())
        header = {"alg": "none", "typ": "JWT", "kid": self.kid}
        claims = {"serviceurl": service_url or self.service_url, "nbf": now - 300, "exp": now + 3600, "iss": ISSUER, "aud": self.app_id}
        return ".".join(_b64(part) for part in (header, claims)) + "."

    def message(
        self,
        text: str | None = None,
        *,
        value: dict[str, Any] | None = None,
        conversation_id: str | None = None,
        user_id: str = "29:1user-standin",
        service_url: str | None = None,
        tenant_id: str | None = None,
        activity_type: str = "message",
        **fields: Any,
    ) -> dict[str, Any]:
        """A message activity as Teams sends it (personal chat unless a conversation id is given)."""
        tenant = tenant_id or self.tenant_id
        activity: dict[str, Any] = {
            "type": activity_type,
            "id": f"{int(time.time() * 1000)}{secrets.randbelow(1000):03d}",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "localTimestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000+02:00"),
            "serviceUrl": service_url or self.service_url,
            "channelId": self.channel_id,
            "from": {"id": user_id, "name": "Test Gebruiker", "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, user_id))},
            "conversation": {
                "conversationType": "personal", "tenantId": tenant,
                "id": conversation_id or f"a:1{secrets.token_urlsafe(40)}",
            },
            "recipient": {"id": f"28:{self.app_id}", "name": "Draaiboek-assistent"},
            "entities": [{"locale": "nl-BE", "country": "BE", "platform": "Web", "type": "clientInfo"}],
            "channelData": {"tenant": {"id": tenant}},
            "locale": "nl-BE",
        }
        if text is not None:
            activity["text"] = text
            activity["textFormat"] = "plain"
        if value is not None:
            activity["value"] = value
        activity.update(fields)
        return activity

    def post_activity(self, webhook_url: str, activity: dict[str, Any], token: str | None) -> requests.Response:
        """POST an activity to the bot's messaging endpoint as the Bot Connector does."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(webhook_url, data=json.dumps(activity), headers=headers, timeout=60)

    def replies_to(self, activity: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            return [r.activity for r in self.replies if r.reply_to_id == activity["id"]]

    def sent_id_of(self, reply: dict[str, Any]) -> str:
        """The id the connector gave a reply activity the bot sent (what Teams puts in `replyToId` of a click)."""
        with self.lock:
            return next(r.id for r in self.replies if r.activity is reply)

    def updates_of(self, activity_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [u.activity for u in self.updates if u.activity_id == activity_id]

    def click(self, card_reply: dict[str, Any], data: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """The activity Teams sends when an Action.Submit on a card the bot sent is clicked: the action's
        data as `value`, no text, `replyToId` the card's activity id, in the card's conversation."""
        return self.message(
            value=data, conversation_id=card_reply["conversation"]["id"], replyToId=self.sent_id_of(card_reply), **fields
        )

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "openid": self.openid_fetches, "jwks": self.jwks_fetches,
                "token": self.token_requests, "msi": self.msi_requests, "replies": len(self.replies),
                "updates": len(self.updates),
            }


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part, separators=(",", ":")).encode()).rstrip(b"=").decode()
