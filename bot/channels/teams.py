"""Microsoft Teams channel (Bot Framework) for Rasa, for a single-tenant or managed identity bot.

Configured in credentials.yml under `bot.channels.teams.TeamsInput:`; the Bot Connector posts to
`/webhooks/teams/webhook`. Unlike Rasa's built-in `botframework` channel this one validates every
token completely (`bot.channels.botframework_auth`) before anything reaches the assistant, makes
no network call at startup, reads Adaptive Card submits (`activity.value`) as messages, and answers
with Adaptive Cards: the answer, its "Bron:" line in small subtle text, and the buttons
(clarifications, 👍/👎) as Action.Submit. When the app is added to a conversation it greets with
example questions; a clicked suggestion is echoed above its answer ("Je koos: …"), and the card that
was clicked is updated without the clicked buttons (Bot Connector update activity).

Every setting may also come from an environment variable DRAAIBOEK_TEAMS_<SETTING> (e.g.
DRAAIBOEK_TEAMS_APP_PASSWORD), or be written as ${VAR} (unquoted) in credentials.yml, so that no
secret has to sit in the repository. Logs name activity ids, never what a case worker typed.
"""
from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
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
from bot import messages
from bot.channels.guard import (
    MAX_MESSAGE_CHARS,
    GuardedBlueprint,
    command_reply,
    is_feedback,
    read_message,
    tag_feedback,
    too_long_reply,
)
from bot.errors import SettingsError
from bot.messages import SOURCE_PREFIX

logger = logging.getLogger(__name__)

ENV_PREFIX = "DRAAIBOEK_TEAMS_"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_VERSION = "1.4"
AUTH_CLIENT_SECRET = "client_secret"
AUTH_MANAGED_IDENTITY = "managed_identity"
#: How many sent cards with buttons are kept to update once clicked (and conversations welcomed).
SENT_CARDS_KEPT = 2000
#: Teams may announce one installation twice (conversationUpdate and installationUpdate): one welcome.
WELCOME_REPEAT_SECONDS = 600


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


#: Longest button title: Teams cuts a longer one on a narrow screen (the full text stays the submitted value).
MAX_BUTTON_TITLE = 40
#: Most buttons on one card. Teams web and desktop show six actions per card and its mobile client six
#: before a "more" list; Microsoft's renderer (adaptivecards 3.0.6) allows five per action set by default.
#: Suggestions go one per row (an ActionSet each, so a long title is never pushed out of a row) and the
#: 👍/👎 pair in the card's own actions, so every action set holds at most two and the card at most six.
MAX_ACTIONS = 6


def button_title(title: str, limit: int = MAX_BUTTON_TITLE) -> str:
    """A title of at most `limit` characters: cut after a whole word, with "…"."""
    title = " ".join(str(title).split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut and title[limit - 1] != " ":
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–(") + "…"


def _text_blocks(text: str) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        # one block per line: renderers differ in how they treat single newlines in markdown
        for position, line in enumerate(l for l in paragraph.splitlines() if l.strip()):
            block: dict[str, Any] = {"type": "TextBlock", "text": line.strip(), "wrap": True}
            if body:
                block["spacing"] = "Small" if position else "Medium"
            body.append(block)
    return body


def note_block(text: str) -> dict[str, Any]:
    """A small subtle line: the choice echoed above an answer, or what was clicked on an earlier card."""
    return {"type": "TextBlock", "text": text, "wrap": True, "isSubtle": True, "size": "Small", "spacing": "Small"}


def _submit(title: str, payload: str, *, full_title: bool) -> dict[str, Any]:
    data = {"payload": payload}
    if full_title:
        data["title"] = " ".join(title.split())  # echoed as "Je koos: …" and on the clicked card
    return {"type": "Action.Submit", "title": button_title(title), "data": data}


def card_actions(buttons: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(suggestions, ratings) as Action.Submit, together at most MAX_ACTIONS (ratings kept)."""
    usable = [(str(b.get("title") or b.get("payload")), str(b["payload"])) for b in buttons or [] if b.get("payload")]
    ratings = [_submit(title, payload, full_title=False) for title, payload in usable if is_feedback(payload)]
    suggestions = [_submit(title, payload, full_title=True) for title, payload in usable if not is_feedback(payload)]
    return suggestions[: MAX_ACTIONS - len(ratings)], ratings


def adaptive_card(text: str, buttons: list[dict[str, Any]] | None = None, chosen: str | None = None) -> dict[str, Any]:
    """An answer as Adaptive Card 1.4: the choice it answers, text blocks, suggestions one per row,
    the source line small and subtle, and 👍/👎 as the card's actions."""
    answer, sources = split_source(text)
    body = ([note_block(messages.M090_CHOSEN.format(choice=chosen))] if chosen else []) + _text_blocks(answer)
    suggestions, ratings = card_actions(buttons)
    for position, action in enumerate(suggestions):
        body.append({"type": "ActionSet", "actions": [action], "spacing": "Small" if position else "Medium"})
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
        "fallbackText": plain_text(text, buttons, chosen),
        "msteams": {"width": "Full"},
    }
    if ratings:
        card["actions"] = ratings
    return card


def plain_text(text: str, buttons: list[dict[str, Any]] | None = None, chosen: str | None = None) -> str:
    """The reply for clients that show no cards: the choice, the text, and the buttons' titles as choices."""
    titles = [str(b.get("title") or b.get("payload")) for b in buttons or [] if b.get("payload")]
    echo = messages.M090_CHOSEN.format(choice=chosen) + "\n\n" if chosen else ""
    return echo + text.strip() + ("\n\n" + " | ".join(titles) if titles else "")


def reply_content(text: str, buttons: list[dict[str, Any]] | None = None, chosen: str | None = None) -> dict[str, Any]:
    """The message fields of one reply: a card when it has buttons or a source line, else plain text."""
    if not buttons and not split_source(text)[1]:
        return {"text": plain_text(text, None, chosen), "textFormat": "markdown"}
    # Teams shows `text` above the card, so the plain text goes in `summary` (and the card's fallbackText)
    return {
        "summary": plain_text(text, buttons, chosen),
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": adaptive_card(text, buttons, chosen)}],
    }


def welcome_content(conversation_type: str | None) -> dict[str, Any]:
    """The card sent when the app is added: what to ask, a privacy reminder, example questions as buttons."""
    lines = [messages.M092_WELCOME, messages.M093_WELCOME_WHAT, messages.M094_WELCOME_PRIVACY]
    if conversation_type == "channel":
        lines.append(messages.M095_WELCOME_CHANNEL)
    lines.append(messages.M096_WELCOME_EXAMPLES)
    body = _text_blocks("\n\n".join(lines))
    body[0].update({"weight": "Bolder", "size": "Medium"})
    for position, question in enumerate(messages.M097_WELCOME_QUESTIONS):
        action = {"type": "Action.Submit", "title": button_title(question), "data": {"text": question, "title": question}}
        body.append({"type": "ActionSet", "actions": [action], "spacing": "Small" if position else "Medium"})
    summary = "\n\n".join(lines) + "\n\n" + " | ".join(messages.M097_WELCOME_QUESTIONS)
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
        "fallbackText": summary,
        "msteams": {"width": "Full"},
    }
    return {"summary": summary, "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}


def clicked_choice(value: Any) -> str | None:
    """The suggestion a card submit chose (its full title or question); None for a rating or no choice."""
    if not isinstance(value, dict):
        return None
    submitted = next((value[k] for k in ("payload", "text") if isinstance(value.get(k), str) and value[k].strip()), None)
    if submitted is None or is_feedback(submitted):
        return None
    title = value.get("title")
    return " ".join((title if isinstance(title, str) and title.strip() else submitted).split())[:MAX_MESSAGE_CHARS]


def card_after_click(card: dict[str, Any], value: dict[str, Any]) -> dict[str, Any] | None:
    """The clicked card with the clicked kind of buttons gone and a line saying what was clicked.

    A suggestion removes the suggestions ("Je koos: …"), a rating the 👍/👎 ("Je beoordeelde …");
    None when the card has no such button (nothing to update).
    """
    card = copy.deepcopy(card)
    body = card.get("body") or []
    choice = clicked_choice(value)
    if choice is not None:
        if not any(block.get("type") == "ActionSet" for block in body):
            return None
        body = [block for block in body if block.get("type") != "ActionSet"]
        note = messages.M090_CHOSEN.format(choice=choice)
    else:
        payload = value.get("payload")
        rating = next((a.get("title") for a in card.get("actions") or [] if (a.get("data") or {}).get("payload") == payload), None)
        if not rating:
            return None
        card.pop("actions")
        note = messages.M091_RATED.format(rating=rating)
    card["body"] = [*body, note_block(note)]
    return card


class SentCards:
    """The cards the bot sent that still have buttons, by conversation and activity id (newest kept).

    Teams says which card a button was on (`replyToId`) but not what the card held, so the card is
    kept here to be sent again without its buttons. Bounded; a card of another server process or from
    before a restart keeps its buttons (a click on them is still answered).
    """

    def __init__(self, limit: int = SENT_CARDS_KEPT) -> None:
        self.limit = limit
        self._cards: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, conversation_id: str, activity_id: str, activity: dict[str, Any]) -> None:
        with self._lock:
            self._cards[(conversation_id, activity_id)] = activity
            self._cards.move_to_end((conversation_id, activity_id))
            while len(self._cards) > self.limit:
                self._cards.popitem(last=False)

    def get(self, conversation_id: str, activity_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._cards.get((conversation_id, activity_id))


def _has_buttons(activity: dict[str, Any]) -> bool:
    return any(
        isinstance(a, dict) and a.get("contentType") == ADAPTIVE_CARD
        and ("actions" in (a.get("content") or {}) or any(b.get("type") == "ActionSet" for b in (a.get("content") or {}).get("body") or []))
        for a in activity.get("attachments") or []
    )


class TeamsOutput(OutputChannel):
    """Posts the assistant's replies to one incoming activity back to the Bot Connector.

    `chosen` is the suggestion the case worker clicked: the first reply starts with it ("Je koos: …").
    Cards with buttons are remembered in `sent`, so that the card can be updated once clicked.
    """

    @classmethod
    def name(cls) -> str:
        return "teams"

    def __init__(
        self, tokens: TokenProvider, activity: dict[str, Any], timeout: float = HTTP_TIMEOUT_SECONDS,
        *, sent: SentCards | None = None, chosen: str | None = None,
    ) -> None:
        self.tokens = tokens
        self.activity = activity
        self.timeout = timeout
        self.sent = sent
        self.chosen = chosen
        self.activity_id = str(activity.get("id") or "")
        self.conversation_id = str((activity.get("conversation") or {}).get("id") or "")
        base = str(activity["serviceUrl"]).rstrip("/")
        self.activities_url = f"{base}/v3/conversations/{quote(self.conversation_id, safe='')}/activities"
        self.reply_url = self.activities_url
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

    def _take_chosen(self) -> str | None:
        chosen, self.chosen = self.chosen, None
        return chosen

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post(self.reply(reply_content(text, chosen=self._take_chosen())))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        # a 👍/👎 names the answer it rates: the activity this reply answers
        buttons = tag_feedback(buttons, self.activity_id)
        await self._post(self.reply(reply_content(text, buttons, chosen=self._take_chosen())))

    async def send_welcome(self) -> None:
        await self._post(self.reply(welcome_content((self.activity.get("conversation") or {}).get("conversationType"))))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        card = {"type": "AdaptiveCard", "version": ADAPTIVE_CARD_VERSION, "body": [{"type": "Image", "url": image}]}
        await self._post(self.reply({"attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # a custom response is taken as the message fields of an activity (text, attachments …)
        await self._post(self.reply(dict(json_message)))

    async def update_clicked_card(self, value: dict[str, Any]) -> None:
        """Replace the card a button was clicked on (`replyToId`) by the same card without those buttons."""
        card_id = str(self.activity.get("replyToId") or "")
        sent = self.sent.get(self.conversation_id, card_id) if self.sent and card_id else None
        if sent is None:
            return
        attachments = []
        changed = False
        for attachment in sent.get("attachments") or []:
            updated = card_after_click(attachment["content"], value) if attachment.get("contentType") == ADAPTIVE_CARD else None
            changed = changed or updated is not None
            attachments.append({**attachment, "content": updated} if updated is not None else attachment)
        if not changed:
            return
        activity = {**sent, "id": card_id, "attachments": attachments}
        url = f"{self.activities_url}/{quote(card_id, safe='')}"
        if await asyncio.to_thread(self._send_now, "PUT", url, activity):
            self.sent.remember(self.conversation_id, card_id, activity)

    async def _post(self, activity: dict[str, Any]) -> None:
        posted_id = await asyncio.to_thread(self._send_now, "POST", self.reply_url, activity)
        if posted_id and self.sent is not None and _has_buttons(activity):
            self.sent.remember(self.conversation_id, posted_id, activity)

    def _send_now(self, method: str, url: str, activity: dict[str, Any]) -> str | None:
        """Send to the Bot Connector; the id of the activity it created or updated, None when it failed."""
        for attempt in (1, 2):
            try:
                token = self.tokens.token()
            except TokenUnavailable as error:
                logger.error("Teams: no bot token to answer activity %s: %s", self.activity_id, error)
                return None
            try:
                sent = requests.request(
                    method, url, json=activity, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout
                )
            except requests.RequestException as error:
                logger.error("Teams: %s for activity %s not delivered: %s", method, self.activity_id, type(error).__name__)
                return None
            if sent.status_code == HTTPStatus.UNAUTHORIZED and attempt == 1:
                self.tokens.invalidate()  # revoked or rotated credentials: one more try with a new token
                continue
            if not sent.ok:
                logger.error("Teams: %s for activity %s refused: HTTP %s", method, self.activity_id, sent.status_code)
                return None
            try:
                created = sent.json().get("id")
            except (ValueError, AttributeError):
                created = None
            return str(created or activity.get("id") or "") or None
        return None


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
        self.sent = SentCards()
        self._welcomed: OrderedDict[str, float] = OrderedDict()
        self._welcome_lock = threading.Lock()

    def added_to_conversation(self, activity: dict[str, Any]) -> bool:
        """Whether the app was just added here (the bot among `membersAdded`, or an installation),
        for the first time in WELCOME_REPEAT_SECONDS: Teams may send both activities for one install."""
        bot_id = (activity.get("recipient") or {}).get("id")
        kind = activity.get("type")
        if kind == "conversationUpdate":
            added = any(isinstance(m, dict) and bot_id and m.get("id") == bot_id for m in activity.get("membersAdded") or [])
        elif kind == "installationUpdate":
            added = str(activity.get("action") or "").startswith("add")
        else:
            return False
        if not added:
            return False
        now, conversation = time.monotonic(), str(activity["conversation"]["id"])
        with self._welcome_lock:
            for known in [c for c, at in self._welcomed.items() if now - at > WELCOME_REPEAT_SECONDS]:
                del self._welcomed[known]
            if conversation in self._welcomed:
                return False
            self._welcomed[conversation] = now
            while len(self._welcomed) > SENT_CARDS_KEPT:
                self._welcomed.popitem(last=False)
        return True

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

        if not isinstance(activity.get("conversation"), dict) or not activity["conversation"].get("id"):
            return response.text("Bad Request", status=HTTPStatus.BAD_REQUEST)
        if self.added_to_conversation(activity):
            logger.info("Teams: activity %s: added to a conversation, welcome sent", activity_id)
            await TeamsOutput(self.tokens, activity, sent=self.sent).send_welcome()
            return response.text("", status=HTTPStatus.OK)
        if activity.get("type") != "message":
            logger.debug("Teams: activity %s of type %s ignored", activity_id, str(activity.get("type"))[:40])
            return response.text("", status=HTTPStatus.OK)
        text = message_text(activity)
        if text is None:
            logger.info("Teams: activity %s has no text or known card submit; ignored", activity_id)
            return response.text("", status=HTTPStatus.OK)

        logger.info("Teams: activity %s received", activity_id)
        value = activity.get("value")
        output = TeamsOutput(self.tokens, activity, sent=self.sent, chosen=clicked_choice(value))
        if isinstance(value, dict):  # a button on one of our cards: that card loses those buttons
            await output.update_clicked_card(value)
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
            command = command_reply(text)
            if command:  # "/restart": Rasa starts a new conversation and says nothing
                await output.send_text_message(sender_id(activity), command)
        except Exception:  # the connector must not retry a message the assistant failed on
            logger.exception("Teams: activity %s could not be handled", activity_id)
        return response.text("", status=HTTPStatus.OK)
