"""Microsoft Teams channel (Bot Framework) for Rasa, for a single-tenant or managed identity bot.

Configured in credentials.yml under `bot.channels.teams.TeamsInput:`; the Bot Connector posts to
`/webhooks/teams/webhook`. Unlike Rasa's built-in `botframework` channel this one validates every
token completely (`bot.channels.botframework_auth`) before anything reaches the assistant, makes
no network call at startup, reads Adaptive Card submits (`activity.value`) as messages, and answers
with Adaptive Cards: the answer, its "Bron:" line in small subtle text, and the buttons
(clarifications, 👍/👎) as Action.Submit.

Every setting may also come from an environment variable DRAAIBOEK_TEAMS_<SETTING> (e.g.
DRAAIBOEK_TEAMS_APP_PASSWORD), or be written as ${VAR} (unquoted) in credentials.yml, so that no
secret has to sit in the repository. Logs name activity ids, never what a case worker typed.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Awaitable, Callable
from urllib.parse import quote

import requests
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.botframework_auth import (
    BOT_FRAMEWORK_ISSUER,
    HTTP_TIMEOUT_SECONDS,
    IMDS_API_VERSION,
    IMDS_TOKEN_URL,
    KEYS_REFETCH_INTERVAL_SECONDS,
    KEYS_TTL_SECONDS,
    OPENID_METADATA_URL,
    TEAMS_SERVICE_HOSTS,
    ClientCredentials,
    KeysUnavailable,
    ManagedIdentity,
    SigningKeys,
    TokenProvider,
    TokenUnavailable,
    Unauthorized,
    check_activity,
    token_url_for_tenant,
    validate_token,
)
from bot.channels.guard import GuardedBlueprint, read_message, tag_feedback, too_long_reply
from bot.errors import SettingsError
from bot.messages import SOURCE_PREFIX

logger = logging.getLogger(__name__)

ENV_PREFIX = "DRAAIBOEK_TEAMS_"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_VERSION = "1.4"
AUTH_CLIENT_SECRET = "client_secret"
AUTH_MANAGED_IDENTITY = "managed_identity"


@dataclass
class TeamsSettings:
    """The channel's settings from credentials.yml, with DRAAIBOEK_TEAMS_* as fallback."""

    app_id: str
    tenant_id: str | None = None
    auth: str = AUTH_CLIENT_SECRET
    app_password: str | None = field(default=None, repr=False)
    client_id: str | None = None
    msi_endpoint: str = IMDS_TOKEN_URL
    msi_api_version: str = IMDS_API_VERSION
    openid_metadata_url: str = OPENID_METADATA_URL
    token_url: str | None = None
    allowed_service_urls: list[str] = field(default_factory=lambda: list(TEAMS_SERVICE_HOSTS))
    allow_http_service_url: bool = False
    keys_ttl_seconds: float = KEYS_TTL_SECONDS
    keys_refetch_interval_seconds: float = KEYS_REFETCH_INTERVAL_SECONDS

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None, environ: dict[str, str] | None = None) -> TeamsSettings:
        credentials = dict(credentials or {})
        environ = os.environ if environ is None else environ
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(credentials) - known)
        if unknown:
            raise SettingsError("S040", f"Teams-kanaal: onbekende instelling(en) {', '.join(unknown)}; geldig zijn: {', '.join(sorted(known))}")

        def value(name: str) -> Any:
            given = credentials.get(name)
            if given is None or given == "":
                given = environ.get(ENV_PREFIX + name.upper()) or None
            return given

        app_id = _text(value("app_id"))
        if not app_id:
            raise SettingsError("S041", f"Teams-kanaal: app_id ontbreekt (in credentials.yml of {ENV_PREFIX}APP_ID)")
        auth = _text(value("auth")) or AUTH_CLIENT_SECRET
        settings = cls(app_id=app_id, auth=auth, tenant_id=_text(value("tenant_id")))
        settings.app_password = _text(value("app_password"))
        settings.client_id = _text(value("client_id")) or app_id
        settings.msi_endpoint = _text(value("msi_endpoint")) or IMDS_TOKEN_URL
        settings.msi_api_version = _text(value("msi_api_version")) or IMDS_API_VERSION
        settings.openid_metadata_url = _text(value("openid_metadata_url")) or OPENID_METADATA_URL
        settings.token_url = _text(value("token_url"))
        allowed = value("allowed_service_urls")
        if isinstance(allowed, str):
            allowed = [part for part in re.split(r"[,\s]+", allowed) if part]
        if allowed is not None and (not isinstance(allowed, list) or not all(isinstance(a, str) and a for a in allowed)):
            raise SettingsError("S042", "Teams-kanaal: allowed_service_urls moet een lijst van hosts of URL-prefixen zijn")
        if allowed:
            settings.allowed_service_urls = allowed
        settings.allow_http_service_url = _flag(value("allow_http_service_url"), "allow_http_service_url")
        for name in ("keys_ttl_seconds", "keys_refetch_interval_seconds"):
            if value(name) is not None:
                setattr(settings, name, _number(value(name), name))

        if auth == AUTH_CLIENT_SECRET:
            if not settings.app_password:
                raise SettingsError(
                    "S043", f"Teams-kanaal: app_password ontbreekt (in credentials.yml of {ENV_PREFIX}APP_PASSWORD), "
                    f"of zet auth: {AUTH_MANAGED_IDENTITY}",
                )
            if not settings.token_url:
                if not settings.tenant_id:
                    raise SettingsError(
                        "S044", f"Teams-kanaal: tenant_id ontbreekt (single-tenant app-registratie; of {ENV_PREFIX}TENANT_ID)"
                    )
                settings.token_url = token_url_for_tenant(settings.tenant_id)
        elif auth != AUTH_MANAGED_IDENTITY:
            raise SettingsError("S045", f"Teams-kanaal: auth moet {AUTH_CLIENT_SECRET} of {AUTH_MANAGED_IDENTITY} zijn, niet '{auth}'")
        return settings

    def token_provider(self) -> TokenProvider:
        if self.auth == AUTH_MANAGED_IDENTITY:
            return ManagedIdentity(self.client_id or self.app_id, endpoint=self.msi_endpoint, api_version=self.msi_api_version)
        assert self.app_password and self.token_url
        return ClientCredentials(self.app_id, self.app_password, self.token_url)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _flag(value: Any, name: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if str(value).strip().lower() in ("true", "1", "yes", "ja"):
        return True
    if str(value).strip().lower() in ("false", "0", "no", "nee"):
        return False
    raise SettingsError("S046", f"Teams-kanaal: {name} moet true of false zijn, niet '{value}'")


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number < 0:
        raise SettingsError("S047", f"Teams-kanaal: {name} moet een getal (seconden) van 0 of meer zijn, niet '{value}'")
    return number


# --- incoming activities ---------------------------------------------------------------------

def sender_id(activity: dict[str, Any]) -> str:
    """The conversation's sender id in the tracker store: one per user and Teams conversation (or thread).

    Hashed, so the conversation log holds no Teams user or conversation ids.
    """
    user = activity.get("from") or {}
    conversation = activity.get("conversation") or {}
    key = "\n".join(
        str(part or "") for part in (conversation.get("tenantId"), conversation.get("id"), user.get("aadObjectId") or user.get("id"))
    )
    return "teams-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


_MENTION = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)


def message_text(activity: dict[str, Any]) -> str | None:
    """What the case worker said: the typed text without the @-mention of the bot, or a card submit.

    A card button (Action.Submit) arrives as `value` {"payload": …} or {"text": …}; None when the
    activity carries nothing to answer (an unknown submit).
    """
    value = activity.get("value")
    if isinstance(value, dict):
        for key in ("payload", "text"):
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
        if not activity.get("text"):
            return None
    text = activity.get("text") if isinstance(activity.get("text"), str) else ""
    bot_id = (activity.get("recipient") or {}).get("id")
    mentioned = False
    for entity in activity.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "mention" and isinstance(entity.get("text"), str):
            if (entity.get("mentioned") or {}).get("id") == bot_id and entity["text"] in text:
                text, mentioned = text.replace(entity["text"], " "), True
    if not mentioned:  # in a channel the message starts with the bot's mention
        text = _MENTION.sub(" ", text, count=1) if text.lstrip().lower().startswith("<at>") else text
    # other people mentioned: their name, not the markup
    return " ".join(_MENTION.sub(lambda m: m.group(1), text).split())


def activity_tenant(activity: dict[str, Any]) -> str | None:
    tenant = ((activity.get("channelData") or {}).get("tenant") or {}).get("id")
    return tenant or (activity.get("conversation") or {}).get("tenantId")


# --- outgoing activities ---------------------------------------------------------------------

def split_source(text: str) -> tuple[str, list[str]]:
    """(answer, its trailing "Bron:" lines)."""
    lines = text.strip().splitlines()
    sources: list[str] = []
    while lines and (not lines[-1].strip() or lines[-1].strip().startswith(SOURCE_PREFIX)):
        line = lines.pop().strip()
        if line:
            sources.insert(0, line)
    return "\n".join(lines).strip(), sources


def adaptive_card(text: str, buttons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An answer as Adaptive Card 1.4: text blocks, the source line small and subtle, buttons as Action.Submit."""
    answer, sources = split_source(text)
    body: list[dict[str, Any]] = []
    for paragraph in re.split(r"\n\s*\n", answer):
        # one block per line: renderers differ in how they treat single newlines in markdown
        for position, line in enumerate(l for l in paragraph.splitlines() if l.strip()):
            block: dict[str, Any] = {"type": "TextBlock", "text": line.strip(), "wrap": True}
            if body:
                block["spacing"] = "Small" if position else "Medium"
            body.append(block)
    for source in sources:
        body.append({
            "type": "TextBlock", "text": source, "wrap": True, "isSubtle": True, "size": "Small",
            "spacing": "Medium", "separator": True,
        })
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
        "fallbackText": plain_text(text, buttons),
        "msteams": {"width": "Full"},
    }
    actions = [
        {"type": "Action.Submit", "title": str(b.get("title") or b.get("payload")), "data": {"payload": str(b["payload"])}}
        for b in buttons or []
        if b.get("payload")
    ]
    if actions:
        card["actions"] = actions
    return card


def plain_text(text: str, buttons: list[dict[str, Any]] | None = None) -> str:
    """The reply for clients that show no cards: the text, and the buttons' titles as choices."""
    titles = [str(b.get("title") or b.get("payload")) for b in buttons or [] if b.get("payload")]
    return text.strip() + ("\n\n" + " | ".join(titles) if titles else "")


def reply_content(text: str, buttons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The message fields of one reply: a card when it has buttons or a source line, else plain text."""
    if not buttons and not split_source(text)[1]:
        return {"text": text.strip(), "textFormat": "markdown"}
    # Teams shows `text` above the card, so the plain text goes in `summary` (and the card's fallbackText)
    return {
        "summary": plain_text(text, buttons),
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": adaptive_card(text, buttons)}],
    }


class TeamsOutput(OutputChannel):
    """Posts the assistant's replies to one incoming activity back to the Bot Connector."""

    @classmethod
    def name(cls) -> str:
        return "teams"

    def __init__(self, tokens: TokenProvider, activity: dict[str, Any], timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        self.tokens = tokens
        self.activity = activity
        self.timeout = timeout
        self.activity_id = str(activity.get("id") or "")
        conversation_id = str((activity.get("conversation") or {}).get("id") or "")
        base = str(activity["serviceUrl"]).rstrip("/")
        self.reply_url = f"{base}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        if self.activity_id:
            self.reply_url += "/" + quote(self.activity_id, safe="")

    def reply(self, content: dict[str, Any]) -> dict[str, Any]:
        """A reply activity to the incoming one (conversation reference included)."""
        incoming = self.activity
        return {
            "type": "message",
            "channelId": incoming.get("channelId"),
            "serviceUrl": incoming.get("serviceUrl"),
            "conversation": incoming.get("conversation"),
            "from": incoming.get("recipient"),
            "recipient": incoming.get("from"),
            "replyToId": incoming.get("id"),
            "locale": incoming.get("locale") or "nl-BE",
            **content,
        }

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post(self.reply(reply_content(text)))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        # a 👍/👎 names the answer it rates: the activity this reply answers
        await self._post(self.reply(reply_content(text, tag_feedback(buttons, self.activity_id))))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        card = {"type": "AdaptiveCard", "version": ADAPTIVE_CARD_VERSION, "body": [{"type": "Image", "url": image}]}
        await self._post(self.reply({"attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # a custom response is taken as the message fields of an activity (text, attachments …)
        await self._post(self.reply(dict(json_message)))

    async def _post(self, activity: dict[str, Any]) -> None:
        await asyncio.to_thread(self._post_now, activity)

    def _post_now(self, activity: dict[str, Any]) -> None:
        for attempt in (1, 2):
            try:
                token = self.tokens.token()
            except TokenUnavailable as error:
                logger.error("Teams: no bot token to answer activity %s: %s", self.activity_id, error)
                return
            try:
                posted = requests.post(
                    self.reply_url, json=activity, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout
                )
            except requests.RequestException as error:
                logger.error("Teams: answer to activity %s not delivered: %s", self.activity_id, type(error).__name__)
                return
            if posted.status_code == HTTPStatus.UNAUTHORIZED and attempt == 1:
                self.tokens.invalidate()  # revoked or rotated credentials: one more try with a new token
                continue
            if not posted.ok:
                logger.error("Teams: answer to activity %s refused: HTTP %s", self.activity_id, posted.status_code)
            return


def _loggable(value: Any) -> str:
    """An id from a request as it may appear in a log line (no line breaks or markup)."""
    return re.sub(r"[^\w:.@;=|-]", "?", str(value or ""))[:100]


# --- the channel -----------------------------------------------------------------------------

class TeamsInput(InputChannel):
    """Receives Bot Framework activities from Teams at /webhooks/teams/webhook."""

    @classmethod
    def name(cls) -> str:
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(TeamsSettings.from_credentials(credentials))

    def __init__(self, settings: TeamsSettings) -> None:
        # nothing is fetched here: keys and tokens are got when the first activity needs them
        self.settings = settings
        self.keys = SigningKeys(
            settings.openid_metadata_url,
            ttl=settings.keys_ttl_seconds,
            refetch_interval=settings.keys_refetch_interval_seconds,
        )
        self.tokens = settings.token_provider()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        teams_webhook = GuardedBlueprint("teams_webhook", __name__)

        @teams_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @teams_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        return teams_webhook

    async def handle(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            activity = json.loads(request.body or b"")
        except ValueError:
            activity = None
        # read for the log line only; nothing in it is trusted before the token is checked
        activity_id = _loggable(activity.get("id")) if isinstance(activity, dict) else ""
        try:
            verified = await asyncio.to_thread(
                validate_token,
                request.headers.get("Authorization"),
                keys=self.keys,
                app_id=self.settings.app_id,
                issuer=BOT_FRAMEWORK_ISSUER,
            )
        except Unauthorized as error:
            logger.warning("Teams: activity %s refused: %s", activity_id, error)
            return response.text("Unauthorized", status=HTTPStatus.UNAUTHORIZED)
        except KeysUnavailable as error:
            logger.error("Teams: activity %s not handled: %s", activity_id, error)
            return response.text("Service Unavailable", status=HTTPStatus.SERVICE_UNAVAILABLE)
        if not isinstance(activity, dict):
            return response.text("Bad Request", status=HTTPStatus.BAD_REQUEST)
        try:
            check_activity(
                verified,
                activity,
                allowed_service_urls=self.settings.allowed_service_urls,
                allow_http=self.settings.allow_http_service_url,
            )
        except Unauthorized as error:
            logger.warning("Teams: activity %s refused: %s", activity_id, error)
            return response.text("Unauthorized", status=HTTPStatus.UNAUTHORIZED)
        tenant = activity_tenant(activity)
        if self.settings.tenant_id and tenant and tenant.lower() != self.settings.tenant_id.lower():
            logger.warning("Teams: activity %s refused: from another tenant", activity_id)
            return response.text("Forbidden", status=HTTPStatus.FORBIDDEN)

        if activity.get("type") != "message":
            logger.debug("Teams: activity %s of type %s ignored", activity_id, str(activity.get("type"))[:40])
            return response.text("", status=HTTPStatus.OK)
        if not isinstance(activity.get("conversation"), dict) or not activity["conversation"].get("id"):
            return response.text("Bad Request", status=HTTPStatus.BAD_REQUEST)
        text = message_text(activity)
        if text is None:
            logger.info("Teams: activity %s has no text or known card submit; ignored", activity_id)
            return response.text("", status=HTTPStatus.OK)

        logger.info("Teams: activity %s received", activity_id)
        output = TeamsOutput(self.tokens, activity)
        refusal = too_long_reply(text)
        if refusal:  # answered here: the NLU never reads a pasted text
            await output.send_text_message(sender_id(activity), refusal)
            return response.text("", status=HTTPStatus.OK)
        text, metadata = read_message(text)
        message = UserMessage(
            text=text,
            output_channel=output,
            sender_id=sender_id(activity),
            input_channel=self.name(),
            message_id=activity_id or None,
            metadata=metadata or None,
        )
        try:
            await on_new_message(message)
        except Exception:  # the connector must not retry a message the assistant failed on
            logger.exception("Teams: activity %s could not be handled", activity_id)
        return response.text("", status=HTTPStatus.OK)
