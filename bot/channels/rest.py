"""Rasa's REST channel (`/webhooks/rest/webhook`), made safe for case workers.

Differences with Rasa's own `rest` channel:

- a turn that produced no reply (the action server is down, an action failed) gets a Dutch apology
  instead of an empty list; the user message is in the tracker store all the same, so nothing is lost
  and the next message is answered as soon as the action server is back;
- a request that is not JSON with a `message` gets a Dutch 400 answer, not an HTML error page;
- errors are logged without the message text (it may hold client data) and with a hashed sender id;
- with DRAAIBOEK_CHANNEL_TOKEN set, a request without `Authorization: Bearer <token>` gets 401;
- the checks of `bot.channels.guard`: a message longer than a question gets the "te lang" reply before
  the NLU runs, a body over the size limit a 413, a missing, empty or over-long sender id a 400 (no
  request lands in a conversation shared with others), and a 👍/👎 names the answer it rates;
- "/restart" and "/session_start" start a new conversation, as in Rasa, and get M071, not an apology;
- "je vraag is bewaard" (M024) only when the conversation log really holds the message
  (`bot.tracker_store.was_stored`); otherwise an apology that promises nothing (M062).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import messages, settings
from bot.channels.guard import GuardedBlueprint, command_reply, read_message, tag_replies, too_long_reply, valid_sender
from bot.tracker_store import was_stored

logger = logging.getLogger(__name__)


def log_id(sender_id: str) -> str:
    """A sender id fit for logs: stable, not the id itself."""
    return hashlib.sha256(sender_id.encode()).hexdigest()[:12]


class DraaiboekRestInput(RestInput):
    """The REST channel: POST {"sender": id, "message": text} → [{"recipient_id", "text", "buttons"?}]."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = GuardedBlueprint(f"draaiboek_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": messages.M028_CHANNEL_TOKEN}, status=401)
            body = request.json if _is_json_object(request) else None
            if not isinstance(body, dict) or not isinstance(body.get("message", ""), str):
                return response.json({"error": messages.M025_BAD_REQUEST}, status=400)
            sender_id = valid_sender(body.get("sender"))
            if sender_id is None:
                return response.json({"error": messages.M060_BAD_SENDER}, status=400)
            text = body.get("message") or ""
            refusal = too_long_reply(text)
            if refusal:
                return response.json([{"recipient_id": sender_id, "text": refusal}])
            return response.json(await self.handle_message(on_new_message, sender_id, text, request))

        return webhook

    @staticmethod
    def authorised(request: Request) -> bool:
        """With DRAAIBOEK_CHANNEL_TOKEN set, only requests carrying it (Bearer header) are answered."""
        token = settings.channel_token()
        if not token:
            return True
        given = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())

    async def handle_message(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender_id: str, text: str, request: Request
    ) -> list[dict[str, Any]]:
        """The bot's replies to one message; an apology when the turn produced none."""
        collector = CollectingOutputChannel()
        text, metadata = read_message(text)
        given = self.get_metadata(request)  # Rasa's: the request's "metadata", whatever its type
        metadata = {**(given if isinstance(given, dict) else {}), **metadata}
        answer_id = uuid.uuid4().hex  # the user message's id, and so the id of the answer to it
        try:
            await on_new_message(
                UserMessage(
                    text, collector, sender_id, input_channel=self.name(), message_id=answer_id, metadata=metadata or None
                )
            )
        except Exception as error:  # noqa: BLE001 — any failure becomes an apology, never a trace to the user
            logger.error("turn of conversation %s failed: %s", log_id(sender_id), type(error).__name__)
        if not collector.messages:
            command = command_reply(text)
            if command:
                return [{"recipient_id": sender_id, "text": command}]
            logger.error("no reply in conversation %s (is the action server running?)", log_id(sender_id))
            return [{"recipient_id": sender_id, "text": no_reply_apology(answer_id)}]
        return tag_replies(collector.messages, answer_id)


def no_reply_apology(message_id: str) -> str:
    """The apology for a turn without reply: "je vraag is bewaard" only when the log really holds it."""
    return messages.M024_NO_REPLY if was_stored(message_id) else messages.M062_NOT_PROCESSED


def _is_json_object(request: Request) -> bool:
    try:
        return isinstance(request.json, dict)
    except Exception:  # noqa: BLE001 — Sanic raises on a body that is not JSON
        return False
