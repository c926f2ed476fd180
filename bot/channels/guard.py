"""What every channel checks before a message reaches the NLU, in one place.

- A message longer than a question can be (`MAX_MESSAGE_CHARS`) is answered with the Dutch "te lang"
  reply (M027) at once: the NLU never runs on it, so its cost is bounded (the classifier's memory grows
  with the square of the words).
- A request body over `settings.max_request_bytes()` is refused by the HTTP server before it is read
  (Sanic's REQUEST_MAX_SIZE), with a Dutch 413 (M061).
- A sender id is text of 1 to 255 characters (the tracker store's column is VARCHAR(255)), never Rasa's
  shared conversation "default", and holds no client personal data (`bot.privacy`): the conversation log
  stores it as it is.
- A message starting with "/" is a button payload only when it is one ("/intent" or "/intent{json}");
  anything else ("/help mijn klant …") is read as a question without the slash, so Rasa's payload
  parser never quotes it in a warning.
- "/restart" and "/session_start" do what they do in Rasa (a new conversation); Rasa says nothing back, so
  the channels answer with M071 (`command_reply`), not with the apology for a turn that failed.
- A 👍/👎 button carries the id of the answer it rates: `tag_feedback` adds it to the payload of the
  buttons under an answer (the id of the user message that answer replies to), `read_rating` takes it
  out again and hands it to Rasa as message metadata (`rated_answer`), stored with the rating.
"""
from __future__ import annotations

import json
import re
from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge

from bot import messages, settings
from bot.answers import MAX_QUESTION_CHARS
from bot.privacy import install_log_redaction, personal_data_kinds

MAX_MESSAGE_CHARS = MAX_QUESTION_CHARS
MAX_SENDER_CHARS = 255
#: metadata key of a rating's answer id (in the tracker store's user event)
RATED_ANSWER = "rated_answer"
FEEDBACK_INTENT = "feedback"
#: Rasa's own intents that start a new conversation (its default rules run action_restart / action_session_start)
RASA_COMMANDS = frozenset({"restart", "session_start"})
_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z_][\w\-]{0,80})(?:@[01](?:\.\d{1,6})?)?(?P<entities>\{.{0,2000}\})?", re.DOTALL)
_ANSWER_ID = re.compile(r"[\w:.@;=|\-]{1,100}")
#: Rasa's conversation for messages without a sender: shared by everyone, so no request may name it
RESERVED_SENDER = "default"
#: random ids (the widget's "widget-<32 hex>", UUIDs): their digits are no personal data, whatever they spell
_RANDOM_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?=\d{0,63}[a-fA-F])[0-9a-fA-F]{16,64})(?![0-9A-Za-z])"
)


def too_long_reply(text: str) -> str | None:
    """The Dutch "te lang" reply for a message longer than a question can be; None for one that is not."""
    return messages.M027_TOO_LONG.format(limit=MAX_MESSAGE_CHARS) if len(text) > MAX_MESSAGE_CHARS else None


def valid_sender(value: Any) -> str | None:
    """The sender id when it is usable: text, 1 to 255 characters, no control characters, not Rasa's shared
    conversation ("default"), and no client personal data (the id is stored as it is, with every event)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SENDER_CHARS:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in value) or value.strip().casefold() == RESERVED_SENDER:
        return None
    return None if personal_data_kinds(_RANDOM_ID.sub("-", value)) else value


def _payload_entities(text: str) -> tuple[str, dict[str, Any] | None] | None:
    """(intent, entities or None) of a well-formed button payload; None for any other text."""
    match = _PAYLOAD.fullmatch(text)
    if not match:
        return None
    if match["entities"] is None:
        return match["intent"], None
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return None
    return (match["intent"], entities) if isinstance(entities, dict) else None


def read_message(text: str) -> tuple[str, dict[str, Any]]:
    """The text to hand to Rasa and the metadata to store with it.

    A payload-like text that is no payload loses its leading slashes; a rating loses its answer id,
    which goes to the metadata (Rasa would warn about an entity the domain does not know).
    """
    if not text.startswith("/"):
        return text, {}
    parsed = _payload_entities(text.strip())
    if parsed is None:
        return text.lstrip("/ \t"), {}
    intent, entities = parsed
    if intent == FEEDBACK_INTENT and entities and "answer" in entities:
        answer = entities.pop("answer")
        metadata = {RATED_ANSWER: answer} if isinstance(answer, str) and _ANSWER_ID.fullmatch(answer) else {}
        return f"/{intent}{json.dumps(entities, ensure_ascii=False)}", metadata
    return text.strip(), {}


def command_reply(text: str) -> str | None:
    """The reply to one of Rasa's own commands ("/restart", "/session_start"): Rasa starts a new
    conversation and says nothing, so the channel says so (M071) instead of apologising for a failure."""
    parsed = _payload_entities(text.strip()) if text.startswith("/") else None
    return messages.M072_NEW_CONVERSATION if parsed and parsed[0] in RASA_COMMANDS else None


def is_feedback(payload: Any) -> bool:
    """Whether a button payload is a rating (👍/👎: `/feedback{…}`)."""
    parsed = _payload_entities(payload.strip()) if isinstance(payload, str) else None
    return bool(parsed and parsed[0] == FEEDBACK_INTENT)


def tag_feedback(buttons: list[dict[str, Any]] | None, answer_id: str | None) -> list[dict[str, Any]] | None:
    """The buttons with the answer's id in every 👍/👎 payload (other buttons as they are)."""
    if not buttons or not answer_id:
        return buttons
    tagged = []
    for button in buttons:
        payload = button.get("payload") if isinstance(button, dict) else None
        parsed = _payload_entities(payload) if isinstance(payload, str) else None
        if parsed and parsed[0] == FEEDBACK_INTENT and parsed[1] is not None:
            button = {**button, "payload": f"/{FEEDBACK_INTENT}{json.dumps({**parsed[1], 'answer': answer_id}, ensure_ascii=False)}"}
        tagged.append(button)
    return tagged


def tag_replies(replies: list[dict[str, Any]], answer_id: str) -> list[dict[str, Any]]:
    """REST replies ({"text", "buttons"?}) with their rating buttons tagged."""
    return [{**r, "buttons": tag_feedback(r["buttons"], answer_id)} if r.get("buttons") else r for r in replies]


# --- the HTTP server --------------------------------------------------------------------------------


async def _payload_too_large(request: Any, exception: Exception) -> Any:
    return response.json({"error": messages.M061_TOO_LARGE.format(limit=settings.max_request_bytes())}, status=413)


def configure_server(app: Sanic) -> None:
    """Bound every request of the Rasa server (body size), and keep typed text out of its logs."""
    install_log_redaction()
    limit = settings.max_request_bytes()
    if app.config.REQUEST_MAX_SIZE > limit:
        app.config.REQUEST_MAX_SIZE = limit
    app.error_handler.add(PayloadTooLarge, _payload_too_large)


class GuardedBlueprint(Blueprint):
    """A channel's blueprint that, when Rasa registers it, bounds the server's requests (`configure_server`)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        configure_server(app)
        super().register(app, options)
