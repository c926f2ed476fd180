"""socket.io channel for Rasa, bound to its own client and its own origins.

Named in credentials.yml as `bot.channels.socketio.SocketIOInput:` (the same settings as Rasa's
`socketio:`). Differences with Rasa's channel, which accepts any Origin and puts whoever sends a
`session_id` into that conversation (its answers, and the right to speak in it):

- the session id is the server's: `session_request` confirms a new id, or the one the client sends only
  when it carries the server's signature (`<id>.<hmac>`, as confirmed before: a reload resumes the
  conversation); a message goes to the conversation bound to its own socket, whatever `session_id`
  it names; the conversation log stores only the `<id>` part, never the signature;
- connections from another origin than the server's own or DRAAIBOEK_WIDGET_ORIGINS are refused, and
  with DRAAIBOEK_CHANNEL_TOKEN set, connections without it (`auth={"token": …}` or an
  `Authorization: Bearer …` header), like the REST and widget webhooks;
- every kind of bot message reaches the client: text, buttons (`quick_replies`) and the handover event
  as `{"custom": {...}}`;
- the checks of `bot.channels.guard` (length, payloads, ratings with their answer's id), and a message
  of the wrong type or without a session gets a Dutch reply, not a traceback.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput as RasaSocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import messages, settings
from bot.channels.guard import command_reply, configure_server, read_message, tag_feedback, too_long_reply
from bot.channels.rest import log_id, no_reply_apology

logger = logging.getLogger(__name__)


class SessionKeys:
    """Signs and checks session ids: `<id>.<signature>`, the id 32 hex characters."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = (secret or settings.session_secret() or secrets.token_urlsafe(32)).encode()

    def _signature(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> str:
        session = uuid.uuid4().hex
        return f"{session}.{self._signature(session)}"

    def conversation(self, signed: Any) -> str | None:
        """The conversation id of a signed session id; None when it is not one of ours."""
        if not isinstance(signed, str) or signed.count(".") != 1:
            return None
        session, signature = signed.split(".")
        if len(session) != 32 or not hmac.compare_digest(signature, self._signature(session)):
            return None
        return session


def channel_token_given(environ: dict[str, Any], auth: Any) -> bool:
    """With DRAAIBOEK_CHANNEL_TOKEN set, whether a connection carries it: in socket.io's `auth`
    (`{"channel_token": …}`, or `{"token": …}`) or as `Authorization: Bearer …`. Unset: every connection."""
    token = settings.channel_token()
    if not token:
        return True
    given = [(environ.get("HTTP_AUTHORIZATION") or "").removeprefix("Bearer ").strip()]
    if isinstance(auth, dict):
        given += [auth.get("channel_token"), auth.get("token")]
    return any(isinstance(g, str) and g and hmac.compare_digest(g.encode(), token.encode()) for g in given)


class DraaiboekSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with the answer's id in its 👍/👎 payloads."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str, answer_id: str | None = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.answer_id = answer_id
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        await super().send_text_with_buttons(recipient_id, text, tag_feedback(buttons, self.answer_id) or [], **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom message (the handover event) as `{"custom": …}`, like the REST channel's reply.

        Rasa's own passes the message's fields to `emit` as keyword arguments: a TypeError for any field
        `emit` does not know ("type", "name", "value" of the handover), which lost the whole turn."""
        await self._send_message(recipient_id, {"custom": json_message})


class _Blueprint(SocketBlueprint):
    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        configure_server(app)
        super().register(app, options)


class SocketIOInput(RasaSocketIOInput):
    """socket.io at /socket.io: events `session_request` → `session_confirm`, `user_uttered` → `bot_uttered`."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = SessionKeys()

    def allowed_origin(self, origin: str | None, environ: dict[str, Any]) -> bool:
        """The server's own origin (as the browser reached it) or a configured widget origin."""
        if not origin:
            return True  # not a browser: nothing a page of another site can do
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") in {own, *settings.widget_origins()}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.allowed_origin)
        webhook = _Blueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            if not channel_token_given(environ, auth):
                logger.warning("socket.io connection refused: no valid channel token")
                return False
            if self.jwt_key:
                from rasa.core.channels.channel import decode_bearer_token

                token = auth.get("token") if isinstance(auth, dict) else None
                return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))
            return True

        async def reply(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            given = data.get("session_id") if isinstance(data, dict) else None
            signed = given if self.keys.conversation(given) else self.keys.new()
            conversation = self.keys.conversation(signed)
            async with sio.session(sid, namespace=self.namespace) as session:
                old = session.get("conversation")
                session["conversation"] = conversation
            if old and old != conversation:
                sio.leave_room(sid, old, namespace=self.namespace)
            sio.enter_room(sid, conversation, namespace=self.namespace)
            await sio.emit("session_confirm", signed, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            session = await sio.get_session(sid, namespace=self.namespace)
            conversation = session.get("conversation")
            if not conversation:
                await reply(sid, messages.M063_NO_SESSION)
                return
            text = data.get("message", "") if isinstance(data, dict) else None
            if not isinstance(text, str):
                await reply(sid, messages.M064_BAD_MESSAGE)
                return
            refusal = too_long_reply(text)
            if refusal:
                await reply(sid, refusal)
                return
            text, metadata = read_message(text)
            answer_id = uuid.uuid4().hex
            output = DraaiboekSocketIOOutput(sio, self.bot_message_evt, answer_id)
            message = UserMessage(
                text, output, conversation, input_channel=self.name(), message_id=answer_id, metadata=metadata or None
            )
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - an apology, never a traceback to the user
                logger.error("socket.io turn of conversation %s failed: %s", log_id(conversation), type(error).__name__)
            if not output.sent:  # a command of Rasa's ("/restart"), the action server is down, or the turn failed
                await reply(sid, command_reply(text) or no_reply_apology(answer_id))

        return webhook
