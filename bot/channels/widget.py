"""The web widget's channel: Rasa's REST webhook plus the widget's own files, served by the Rasa server.

Named in credentials.yml as `bot.channels.widget.WidgetInput:`; Rasa mounts it under /webhooks/widget:

- POST /webhooks/widget/webhook   the REST webhook (same request and reply as /webhooks/rest/webhook,
                                  bot/channels/rest.py: an apology when a turn gets no reply)
- GET  /webhooks/widget/widget.js, /webhooks/widget/widget.css   what an intranet page embeds
- GET  /webhooks/widget/demo      a demo page with the one script tag (and its /webhooks/widget/demo.css)
- GET  /webhooks/widget/passage?doc=lp&section=3.4.1   the text of a cited section, as JSON

Only the files named in `FILES` are served, so no request path can reach another file.

Each reply of the webhook that ends in source lines ("Bron: Draaiboek Lokale Partnerschappen, versie 6
(oktober 2025), §3.4.1 Title; §3.3 Title") also gets `citations`: [{document, title, version, section,
section_title, date}], read back from those lines against knowledge.db, so the widget can open each cited
passage. The text itself stays as every channel sends it.

The passage route reads knowledge.db read-only with parameterised queries, after checking both values
against a strict pattern; it answers only with the channel token when one is set, like the webhook, and
gets CORS headers only for DRAAIBOEK_WIDGET_ORIGINS (Rasa's --cors, set by bot.runner).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import UserMessage

from bot import messages, settings
from bot.channels.rest import DraaiboekRestInput
from bot.errors import DatabaseError
from bot.knowledge.query import KnowledgeBase

logger = logging.getLogger(__name__)

WIDGET_DIR = settings.PROJECT_DIR / "widget"

#: URL name → (file in WIDGET_DIR, content type).
FILES: dict[str, tuple[str, str]] = {
    "widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "widget.css": ("widget.css", "text/css; charset=utf-8"),
    "demo": ("demo.html", "text/html; charset=utf-8"),
    "demo.css": ("demo.css", "text/css; charset=utf-8"),
}

#: The demo page runs only the widget from this server: no inline script or style, nothing from elsewhere.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)

#: What a document id and a section number can be ("lp", "twe-screening"; "3.4.1", "bijlage-2", "A.2.1").
DOCUMENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
SECTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,39}")
#: A source line as `bot.answers.source_line` writes it (messages.M001_SOURCE / M001_SOURCE_UNDATED).
SOURCE_LINE = re.compile(
    "^" + re.escape(messages.SOURCE_PREFIX) + r" (?P<title>.+?)(?:, versie (?P<version>.+?))? \((?P<date>[^()]*)\), §(?P<sections>.+)$"
)


def citations(kb: KnowledgeBase, text: str) -> list[dict[str, str]]:
    """{document, title, version, section, section_title} of every section that a reply's source lines
    cite; a line or section the knowledge base does not know is left out (it stays in the text)."""
    found: list[dict[str, str]] = []
    for line in text.splitlines():
        match = SOURCE_LINE.match(line.strip())
        document = match and _document(kb, match["title"], match["version"] or match["date"])
        if not document:
            continue
        for part in match["sections"].split("; §"):
            section = part.split(" ", 1)[0]
            title = kb.section_title(document["id"], section) if SECTION_ID.fullmatch(section) else None
            if title is not None:
                found.append({
                    "document": document["id"], "title": document["short_title"], "version": str(document["version"]),
                    "date": str(document["date"]), "section": section, "section_title": title,
                })
    return found


def _document(kb: KnowledgeBase, title: str, version: str) -> dict[str, Any] | None:
    for document in kb.all("documents"):
        if document["short_title"] == title and version in (str(document["version"]), str(document["date"])):
            return document
    return None


def passage(kb: KnowledgeBase, document_id: str, section: str) -> dict[str, Any] | None:
    """The cited section: document, version, section number and title, and its passages in order."""
    if not (DOCUMENT_ID.fullmatch(document_id) and SECTION_ID.fullmatch(section)):
        return None
    document = kb.document(document_id)
    rows = kb.passages_in(document_id, section) if document else []
    if not rows:
        return None
    return {
        "document": document_id, "title": document["short_title"], "version": str(document["version"]),
        "date": str(document["date"]), "section": section, "section_title": rows[0]["section_title"],
        "passages": [row["text"] for row in rows],
    }


class WidgetInput(DraaiboekRestInput):
    """Our REST channel under its own name, also serving the widget's files from `widget/`."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    def __init__(self, widget_dir: Path | None = None) -> None:
        self.widget_dir = Path(widget_dir) if widget_dir else WIDGET_DIR
        self._kb: KnowledgeBase | None = None

    def knowledge_base(self) -> KnowledgeBase | None:
        """knowledge.db (DRAAIBOEK_DB), opened read-only once; None while it cannot be opened."""
        if self._kb is None:
            try:
                self._kb = KnowledgeBase(settings.db_path())
            except DatabaseError as error:
                logger.error("widget: kennisbank niet te openen (%s)", error)
        return self._kb

    @classmethod
    def from_credentials(cls, credentials: dict[Text, Any] | None) -> "WidgetInput":
        return cls((credentials or {}).get("widget_dir"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.route("/passage", methods=["GET"], name="widget_passage")
        async def widget_passage(request: Request) -> HTTPResponse:
            return self.passage_response(request)

        @blueprint.route("/<name:str>", methods=["GET"], name="widget_file")
        async def widget_file(request: Request, name: str) -> HTTPResponse:
            return self.file_response(name)

        return blueprint

    async def handle_message(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender_id: str, text: str, request: Request
    ) -> list[dict[str, Any]]:
        """The REST replies, each with the `citations` of its source lines."""
        replies = await super().handle_message(on_new_message, sender_id, text, request)
        kb = self.knowledge_base()
        if kb is None:
            return replies
        cited = [citations(kb, r["text"]) if isinstance(r.get("text"), str) else [] for r in replies]
        return [{**reply, "citations": found} if found else reply for reply, found in zip(replies, cited)]

    def passage_response(self, request: Request) -> HTTPResponse:
        """GET ?doc=…&section=…: the cited section's passages as JSON; a Dutch 400/404/503 otherwise."""
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        if not self.authorised(request):
            return response.json({"error": messages.M028_CHANNEL_TOKEN}, status=401, headers=headers)
        document_id, section = request.args.getlist("doc", []), request.args.getlist("section", [])
        if len(document_id) != 1 or len(section) != 1 or len(request.args) != 2:
            return response.json({"error": messages.M069_BAD_PASSAGE_REQUEST}, status=400, headers=headers)
        kb = self.knowledge_base()
        if kb is None:
            return response.json({"error": messages.M012_KB_UNAVAILABLE}, status=503, headers=headers)
        found = passage(kb, document_id[0], section[0])
        if found is None:
            return response.json({"error": messages.M070_NO_PASSAGE}, status=404, headers=headers)
        return response.json(found, headers=headers)

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
