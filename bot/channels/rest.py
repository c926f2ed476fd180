"""Rasa's REST channel (`/webhooks/rest/webhook`), made safe for case workers.

Differences with Rasa's own `rest` channel:

- a turn that produced no reply (the action server is down, an action failed) gets a Dutch apology
  instead of an empty list; the user message is in the tracker store all the same, so nothing is lost
  and the next message is answered as soon as the action server is back;
- a request that is not JSON with a `message` gets a Dutch 400 answer, not an HTML error page;
- errors are logged without the message text (it may hold client data) and with a hashed sender id;
- with DRAAIBOEK_CHANNEL_TOKEN set, a request without `Authorization: Bearer <token>` gets 401.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import messages, settings

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
        webhook = Blueprint(f"draaiboek_webhook_{type(self).__name__}", __name__)

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
            sender_id = str(body.get("sender") or "default")
            return response.json(await self.handle_message(on_new_message, sender_id, body.get("message") or "", request))

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
        try:
            await on_new_message(
                UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=self.get_metadata(request))
            )
        except Exception:  # noqa: BLE001 — any failure becomes the apology below, never a trace to the user
            logger.exception("turn of conversation %s failed", log_id(sender_id))
        if not collector.messages:
            logger.error("no reply in conversation %s (is the action server running?)", log_id(sender_id))
            return [{"recipient_id": sender_id, "text": messages.M024_NO_REPLY}]
        return collector.messages


def _is_json_object(request: Request) -> bool:
    try:
        return isinstance(request.json, dict)
    except Exception:  # noqa: BLE001 — Sanic raises on a body that is not JSON
        return False
