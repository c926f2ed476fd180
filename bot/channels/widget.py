"""The web widget's channel: Rasa's REST webhook plus the widget's own files, served by the Rasa server.

Named in credentials.yml as `bot.channels.widget.WidgetInput:`; Rasa mounts it under /webhooks/widget:

- POST /webhooks/widget/webhook   the REST webhook (same request and reply as /webhooks/rest/webhook,
                                  bot/channels/rest.py: an apology when a turn gets no reply)
- GET  /webhooks/widget/widget.js, /webhooks/widget/widget.css   what an intranet page embeds
- GET  /webhooks/widget/demo      a demo page with the one script tag

Only the files named in `FILES` are served, so no request path can reach another file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import UserMessage

from bot import settings
from bot.channels.rest import DraaiboekRestInput

WIDGET_DIR = settings.PROJECT_DIR / "widget"

#: URL name → (file in WIDGET_DIR, content type).
FILES: dict[str, tuple[str, str]] = {
    "widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "widget.css": ("widget.css", "text/css; charset=utf-8"),
    "demo": ("demo.html", "text/html; charset=utf-8"),
}

#: The demo page runs only the widget from this server: no inline script or style, nothing from elsewhere.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


class WidgetInput(DraaiboekRestInput):
    """Our REST channel under its own name, also serving the widget's files from `widget/`."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    def __init__(self, widget_dir: Path | None = None) -> None:
        self.widget_dir = Path(widget_dir) if widget_dir else WIDGET_DIR

    @classmethod
    def from_credentials(cls, credentials: dict[Text, Any] | None) -> "WidgetInput":
        return cls((credentials or {}).get("widget_dir"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.route("/<name:str>", methods=["GET"], name="widget_file")
        async def widget_file(request: Request, name: str) -> HTTPResponse:
            return self.file_response(name)

        return blueprint

    def file_response(self, name: str) -> HTTPResponse:
        """One of the widget's files; 404 for any other name."""
        entry = FILES.get(name)
        path = self.widget_dir / entry[0] if entry else None
        if path is None or not path.is_file():
            return response.text("Niet gevonden", status=404)
        # no-cache: browsers revalidate, so an updated widget reaches every intranet page at once.
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if name == "demo":
            headers["Content-Security-Policy"] = DEMO_CSP
        return response.raw(path.read_bytes(), content_type=entry[1], headers=headers)
