"""The review web page: answers with their question and cited passage side by side, marked by staff.

A small server-rendered page (stdlib `http.server`, no JavaScript), on 127.0.0.1 only. Access
needs the review token ($DRAAIBOEK_REVIEW_TOKEN, or one generated at start and printed): the login
form exchanges it for a session cookie (HttpOnly, SameSite=Strict). Every other request without
that cookie gets the login page with status 401. Every form carries a CSRF token (the session's;
for the login form one that must match a SameSite=Strict cookie), and a POST from another origin
is refused: the Origin must be DRAAIBOEK_REVIEW_BASE_URL's (behind TLS) or, unset, the Host's. Failed logins
are limited per client address; a request body must have a valid Content-Length of at most `MAX_BODY`,
and an idle connection is closed after `IDLE_SECONDS`. All text from the log and the knowledge base is HTML-escaped; the Content-Security-Policy
allows only this server's stylesheet.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import math
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from bot import messages, settings
from bot.review import ReviewError
from bot.review.conversations import Catalogue, ConversationLog, Filters, ReviewItem
from bot.review.export import DialogueModel, export_marks
from bot.review.marks import VERDICT_LABELS, Mark, MarkStore, format_expected, parse_expected

TOKEN_ENV = "DRAAIBOEK_REVIEW_TOKEN"
DEFAULT_PORT = 5080
COOKIE = "draaiboek_review"
#: Double-submit cookie of the login form: a login posted from another site lacks it (SameSite=Strict).
LOGIN_COOKIE = "draaiboek_review_login"
SESSION_SECONDS = 12 * 3600
PAGE_SIZE = 50
DEFAULT_LOW_CONFIDENCE = 0.5
MAX_BODY = 64 * 1024
#: An idle connection (no request, or a body that stops arriving) is closed after this many seconds.
IDLE_SECONDS = 15
#: Failed logins allowed per client address within LOGIN_WINDOW_SECONDS; then 429 until the window passes.
LOGIN_FAILURES, LOGIN_WINDOW_SECONDS = 5, 15 * 60
#: Intents that are never a correction: the feedback buttons and Rasa's own fallback.
_NOT_A_CORRECTION = {"feedback", "nlu_fallback"}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on a POST
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

CSS = """
:root { font-family: system-ui, sans-serif; color: #1b1b1b; background: #f6f6f3; }
body { margin: 0 auto; max-width: 110rem; padding: 0 1rem 2rem; }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1rem; margin: 0 0 .5rem; font-weight: 600; }
h3 { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: #555; margin: 0 0 .3rem; }
form.filters fieldset, form.mark fieldset { border: 1px solid #ccc; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
.field { display: flex; flex-direction: column; font-size: .85rem; gap: .15rem; }
label.check { display: flex; align-items: center; gap: .3rem; font-size: .9rem; }
input, select, textarea, button { font: inherit; }
select { max-width: 24rem; }
form.mark fieldset.verdict { border: 0; padding: 0; margin: 0; display: flex; flex-direction: column; gap: .2rem; }
fieldset.verdict legend { font-size: .85rem; padding: 0; }
textarea { min-width: 18rem; min-height: 3.2rem; }
button { padding: .3rem .8rem; border: 1px solid #245; background: #2a5d8a; color: #fff; border-radius: 3px; cursor: pointer; }
button.secondary { background: #fff; color: #245; }
article { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: .8rem; margin: 1rem 0; }
.cols { display: grid; grid-template-columns: 1fr 1.4fr 1.4fr; gap: 1rem; }
@media (max-width: 60rem) { .cols { grid-template-columns: 1fr; } }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
blockquote { margin: .3rem 0 .8rem; padding: .4rem .6rem; border-left: 3px solid #2a5d8a; background: #f1f5f9; white-space: pre-wrap; }
figure { margin: 0; } figcaption { font-size: .85rem; color: #333; }
.badge { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: 3px; background: #e8e8e8; margin-left: .3rem; font-weight: 500; }
.badge.warn { background: #fde7c1; } .badge.bad { background: #f8d0d0; } .badge.good { background: #d3efd6; }
.muted { color: #555; font-size: .85rem; } .error { color: #a00; font-weight: 600; }
nav.pages { display: flex; gap: 1rem; }
.login { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 1.5rem; border: 1px solid #ddd; }
.login .field { margin-bottom: .8rem; font-size: 1rem; }
"""


def e(value: Any) -> str:
    """HTML-escaped text (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Session:
    csrf: str
    reviewer: str
    expires: float


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(title)}</title><link rel=\"stylesheet\" href=\"/review.css\"></head>"
        f"<body>{body}</body></html>"
    ).encode("utf-8")


def _html(status: int, title: str, body: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, _page(title, body), {"Content-Type": "text/html; charset=utf-8", **(headers or {})})


def _redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return Response(HTTPStatus.SEE_OTHER, b"", {"Location": location, **(headers or {})})


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def anchor(item_key: str) -> str:
    return "i-" + hashlib.sha256(item_key.encode()).hexdigest()[:10]


class ReviewApp:
    """Request handling of the review page, independent of the HTTP server that calls `handle`."""

    def __init__(
        self,
        log: ConversationLog,
        marks: MarkStore,
        catalogue: Catalogue | None,
        *,
        token: str,
        stories_path: Path | None = None,
        questions_path: Path | None = None,
        project: Path = settings.PROJECT_DIR,
    ):
        if not token or len(token) < 8:
            raise ReviewError("B060", f"het reviewtoken ({TOKEN_ENV}) moet minstens 8 tekens hebben")
        self.log, self.marks, self.catalogue = log, marks, catalogue
        self.token = token
        self.stories_path, self.questions_path, self.project = stories_path, questions_path, project
        self.model = DialogueModel.read(project)
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}  # client address -> times of failed logins
        self.base_url = settings.review_base_url()

    # --- sessions ------------------------------------------------------------------------------
    @staticmethod
    def _cookies(headers: dict[str, str]) -> dict[str, str]:
        cookies = {}
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            cookies[name] = value
        return cookies

    def _session(self, headers: dict[str, str]) -> tuple[str, Session] | None:
        sid = self._cookies(headers).get(COOKIE)
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or session.expires < time.time():
                self._sessions.pop(sid, None)
                return None
            return sid, session

    def _new_session(self, reviewer: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sessions[sid] = Session(secrets.token_urlsafe(32), reviewer, now + SESSION_SECONDS)
        return sid

    def _same_origin(self, headers: dict[str, str]) -> bool:
        origin = headers.get("origin")
        if origin is None:  # not a browser form (curl, a test client): the CSRF token still counts
            return True
        if self.base_url:  # behind a proxy that terminates TLS: the address users reach
            split = urlsplit(self.base_url)
            return origin == f"{split.scheme}://{split.netloc}"
        host = headers.get("host", "")
        return bool(host) and origin in (f"http://{host}", f"https://{host}")

    # --- failed logins, per client address ---------------------------------------------------------
    def _recent_failures(self, client: str, now: float) -> list[float]:
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if t > now - LOGIN_WINDOW_SECONDS]
            if len(self._failures) > 10_000:  # bounded: forget the oldest clients
                self._failures = dict(list(self._failures.items())[-5_000:])
            self._failures[client] = recent
            return recent

    def _login_blocked(self, client: str) -> int:
        """Minutes until `client` may try again (0: now)."""
        now = time.time()
        recent = self._recent_failures(client, now)
        if len(recent) < LOGIN_FAILURES:
            return 0
        return max(1, math.ceil((recent[0] + LOGIN_WINDOW_SECONDS - now) / 60))

    def _login_failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, []).append(time.time())

    # --- dispatch ------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"", client: str = "") -> Response:
        url = urlsplit(target)
        path = url.path
        if path == "/review.css" and method in ("GET", "HEAD"):
            return Response(200, CSS.encode(), {"Content-Type": "text/css; charset=utf-8"})
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True) if method == "POST" else {}
        if method == "POST" and not self._same_origin(headers):
            return _html(HTTPStatus.FORBIDDEN, "Geweigerd", f"<main><h1>Geweigerd</h1><p>{e(messages.M068_FOREIGN_ORIGIN)}</p></main>")
        if path == "/login":
            if method == "POST":
                return self._login(form, headers, client)
            return self._login_page(HTTPStatus.OK, headers)
        found = self._session(headers)
        if found is None:
            return self._login_page(HTTPStatus.UNAUTHORIZED, headers)
        sid, session = found
        if method == "POST":
            sent = (form.get("csrf") or [""])[0]
            if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                return _html(HTTPStatus.FORBIDDEN, "Geweigerd", "<main><h1>Geweigerd</h1><p>Het formulier is verlopen; "
                             "<a href=\"/\">laad de pagina opnieuw</a>.</p></main>")
            if path == "/beoordeel":
                return self._mark(form, session)
            if path == "/export":
                return self._export()
            if path == "/logout":
                with self._lock:
                    self._sessions.pop(sid, None)
                return _redirect("/login", {"Set-Cookie": f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"})
        elif method in ("GET", "HEAD") and path == "/":
            return self._list(parse_qs(url.query, keep_blank_values=True), session)
        return _html(HTTPStatus.NOT_FOUND, "Niet gevonden", "<main><h1>Niet gevonden</h1><p><a href=\"/\">Naar de lijst</a></p></main>")

    # --- login ---------------------------------------------------------------------------------
    def _login_page(self, status: int, headers: dict[str, str], error: str = "") -> Response:
        message = f"<p class=\"error\" role=\"alert\">{e(error)}</p>" if error else ""
        # keep the browser's nonce: its favicon request must not replace the one in the form
        nonce = self._cookies(headers).get(LOGIN_COOKIE, "")
        if not re.fullmatch(r"[\w-]{32}", nonce):
            nonce = secrets.token_urlsafe(24)
        body = (
            "<main class=\"login\"><h1>Beoordeling van antwoorden</h1>"
            "<p>Meld je aan met het reviewtoken. Je vindt het in de console waar de reviewpagina gestart is "
            f"(of in de instelling {TOKEN_ENV}).</p>{message}"
            "<form method=\"post\" action=\"/login\">"
            f"<input type=\"hidden\" name=\"csrf\" value=\"{nonce}\">"
            "<div class=\"field\"><label for=\"token\">Reviewtoken</label><input id=\"token\" name=\"token\" "
            "type=\"password\" required autocomplete=\"current-password\"></div>"
            "<div class=\"field\"><label for=\"naam\">Je naam (bij je beoordelingen)</label><input id=\"naam\" "
            "name=\"naam\" autocomplete=\"name\" maxlength=\"100\"></div>"
            "<button type=\"submit\">Aanmelden</button></form></main>"
        )
        cookie = f"{LOGIN_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600"
        return _html(status, "Aanmelden – beoordeling", body, {"Set-Cookie": cookie})

    def _login(self, form: dict[str, list[str]], headers: dict[str, str], client: str = "") -> Response:
        blocked = self._login_blocked(client)
        if blocked:
            return self._login_page(HTTPStatus.TOO_MANY_REQUESTS, headers, messages.M065_LOGIN_LIMIT.format(minutes=blocked))
        sent, expected = (form.get("csrf") or [""])[0], self._cookies(headers).get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            return self._login_page(HTTPStatus.FORBIDDEN, headers, "Het aanmeldformulier is verlopen. Probeer opnieuw.")
        token = (form.get("token") or [""])[0]
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            self._login_failed(client)
            time.sleep(0.5)  # slows down guessing
            return self._login_page(HTTPStatus.UNAUTHORIZED, headers, "Onjuist token. Probeer opnieuw.")
        sid = self._new_session((form.get("naam") or [""])[0].strip()[:100])
        return _redirect("/", {"Set-Cookie": f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}"})

    # --- the list ------------------------------------------------------------------------------
    def _filters(self, query: dict[str, list[str]]) -> tuple[Filters, dict[str, str], list[str]]:
        """Filters from the query string, the values to show in the form, and messages."""
        get = lambda name: (query.get(name) or [""])[0].strip()  # noqa: E731
        values = {name: get(name) for name in ("laag", "max", "fallback", "duim", "onderwerp", "document", "van", "tot", "status")}
        problems: list[str] = []
        threshold = DEFAULT_LOW_CONFIDENCE
        if values["max"]:
            try:
                threshold = float(values["max"].replace(",", "."))
                if not 0 <= threshold <= 1 or math.isnan(threshold):
                    raise ValueError
            except ValueError:
                problems.append("Het vertrouwen is een getal van 0 tot 1; 0.5 gebruikt.")
                threshold = DEFAULT_LOW_CONFIDENCE
        values["max"] = f"{threshold:g}"
        days: dict[str, date | None] = {}
        for name, label in (("van", "van"), ("tot", "tot")):
            days[name] = None
            if values[name]:
                try:
                    days[name] = date.fromisoformat(values[name])
                except ValueError:
                    problems.append(f"Ongeldige datum '{values[name]}' bij '{label}' (gebruik JJJJ-MM-DD); genegeerd.")
                    values[name] = ""
        filters = Filters(
            max_confidence=threshold if values["laag"] else None,
            fallback=bool(values["fallback"]),
            thumbs_down=bool(values["duim"]),
            topic=values["onderwerp"] or None,
            document=values["document"] or None,
            date_from=days["van"],
            date_to=days["tot"],
        )
        return filters, values, problems

    def _intent_options(self) -> list[tuple[str, str]]:
        """(intent, label) for the topic controls: topics in knowledge order, then the other intents."""
        titles = self.catalogue.topic_titles() if self.catalogue else {}
        options = [(intent, f"{title} ({intent})") for intent, title in titles.items() if intent in self.model.intents]
        options += [(i, i) for i in sorted(self.model.intents - set(titles) - _NOT_A_CORRECTION)]
        return options

    def _list(self, query: dict[str, list[str]], session: Session) -> Response:
        filters, values, problems = self._filters(query)
        marks = self.marks.by_key()
        items = self.log.items(filters)
        status = values["status"]
        if status == "open":
            items = [i for i in items if i.key not in marks]
        elif status in VERDICT_LABELS:
            items = [i for i in items if i.key in marks and marks[i.key].verdict == status]
        items.reverse()  # newest first
        try:
            page = max(1, int((query.get("pagina") or ["1"])[0]))
        except ValueError:
            page = 1
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        page = min(page, pages)
        shown = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        back = urlencode([(k, v) for k, v in values.items() if v] + ([("pagina", str(page))] if page > 1 else []))
        intents = self._intent_options()

        parts = [
            "<header><h1>Beoordeling van antwoorden</h1>",
            f"<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{e(session.csrf)}\">"
            f"<span class=\"muted\">{e(session.reviewer or 'aangemeld')}</span> "
            "<button type=\"submit\" class=\"secondary\">Afmelden</button></form></header>",
            "<main>",
            self._filter_form(values, intents),
        ]
        parts += [f"<p class=\"error\" role=\"alert\">{e(p)}</p>" for p in problems]
        parts.append(
            f"<p id=\"aantal\">{len(items)} antwoord(en)" + (f", pagina {page} van {pages}" if pages > 1 else "") + "</p>"
            "<form method=\"post\" action=\"/export\">"
            f"<input type=\"hidden\" name=\"csrf\" value=\"{e(session.csrf)}\">"
            f"<button type=\"submit\">Exporteer beoordeelde antwoorden</button> <span class=\"muted\">{len(marks)} "
            "beoordeeld; naar de teststories en de vragenset</span></form>"
        )
        for number, item in enumerate(shown, start=1):
            parts.append(self._item(item, marks.get(item.key), number, back, session, intents))
        if pages > 1:
            links = []
            for target, label in ((page - 1, "Vorige"), (page + 1, "Volgende")):
                if 1 <= target <= pages:
                    query_string = urlencode([(k, v) for k, v in values.items() if v] + [("pagina", str(target))])
                    links.append(f"<a href=\"/?{e(query_string)}\">{label}</a>")
            parts.append(f"<nav class=\"pages\" aria-label=\"Pagina's\">{''.join(links)}</nav>")
        parts.append("</main>")
        return _html(HTTPStatus.OK, "Beoordeling van antwoorden", "".join(parts))

    def _filter_form(self, values: dict[str, str], intents: list[tuple[str, str]]) -> str:
        def checked(name: str) -> str:
            return " checked" if values[name] else ""

        def options(choices: list[tuple[str, str]], selected: str, empty: str) -> str:
            out = [f"<option value=\"\">{e(empty)}</option>"]
            out += [f"<option value=\"{e(v)}\"{' selected' if v == selected else ''}>{e(label)}</option>" for v, label in choices]
            return "".join(out)

        documents = [(d, doc["short_title"]) for d, doc in (self.catalogue.documents.items() if self.catalogue else [])]
        statuses = [("open", "nog niet beoordeeld"), ("right", "juist"), ("wrong", "fout")]
        return (
            "<form method=\"get\" action=\"/\" class=\"filters\" role=\"search\"><fieldset><legend>Filters</legend>"
            f"<label class=\"check\"><input type=\"checkbox\" name=\"laag\" value=\"1\"{checked('laag')}> laag vertrouwen</label>"
            f"<div class=\"field\"><label for=\"max\">vertrouwen onder</label><input id=\"max\" name=\"max\" type=\"number\" "
            f"min=\"0\" max=\"1\" step=\"0.05\" value=\"{e(values['max'])}\"></div>"
            f"<label class=\"check\"><input type=\"checkbox\" name=\"fallback\" value=\"1\"{checked('fallback')}> fallback of geweigerd</label>"
            f"<label class=\"check\"><input type=\"checkbox\" name=\"duim\" value=\"1\"{checked('duim')}> 👎 duim omlaag gekregen</label>"
            f"<div class=\"field\"><label for=\"onderwerp\">Onderwerp</label><select id=\"onderwerp\" name=\"onderwerp\">"
            f"{options(intents, values['onderwerp'], 'alle onderwerpen')}</select></div>"
            f"<div class=\"field\"><label for=\"document\">Document</label><select id=\"document\" name=\"document\">"
            f"{options(documents, values['document'], 'alle documenten')}</select></div>"
            f"<div class=\"field\"><label for=\"van\">Datum van</label><input id=\"van\" name=\"van\" type=\"date\" value=\"{e(values['van'])}\"></div>"
            f"<div class=\"field\"><label for=\"tot\">tot en met</label><input id=\"tot\" name=\"tot\" type=\"date\" value=\"{e(values['tot'])}\"></div>"
            f"<div class=\"field\"><label for=\"status\">Beoordeling</label><select id=\"status\" name=\"status\">"
            f"{options(statuses, values['status'], 'alle')}</select></div>"
            "<button type=\"submit\">Toon</button> <a href=\"/\">Wis filters</a></fieldset></form>"
        )

    def _item(
        self, item: ReviewItem, mark: Mark | None, number: int, back: str, session: Session,
        intents: list[tuple[str, str]],
    ) -> str:
        badges = []
        if item.fallback:
            badges.append("<span class=\"badge warn\">fallback</span>")
        if item.out_of_scope:
            badges.append("<span class=\"badge warn\">buiten de draaiboeken</span>")
        if item.declined:
            badges.append("<span class=\"badge warn\">geweigerd</span>")
        if item.feedback == "fout":
            badges.append("<span class=\"badge bad\">👎 duim omlaag van de gebruiker</span>")
        elif item.feedback == "goed":
            badges.append("<span class=\"badge good\">👍 duim omhoog van de gebruiker</span>")
        if mark:
            css = "good" if mark.verdict == "right" else "bad"
            badges.append(f"<span class=\"badge {css}\">beoordeeld: {e(mark.verdict_label)}</span>")
        confidence = f"{item.confidence:.2f}" if item.confidence is not None else "–"
        intent = item.intent + (f" → {item.best_intent}" if item.fallback and item.best_intent else "")
        heading_id = f"h-{number}"
        meta = (
            f"<h2 id=\"{heading_id}\">{e(item.when.strftime('%Y-%m-%d %H:%M'))} · gesprek {e(item.sender)} · "
            f"beurt {item.turn} · <span title=\"intent\">{e(intent)}</span> ({e(confidence)}){''.join(badges)}</h2>"
        )
        question = f"<p class=\"text\">{e(item.question) or '<em>(leeg bericht)</em>'}</p>"
        if item.button:
            question += "<p class=\"muted\">(aangeklikte knop)</p>"
        if item.previous_question:
            question += f"<p class=\"muted\">Vorige vraag: {e(item.previous_question)}</p>"
        answer = f"<p class=\"text\">{e(item.answer) or '<em>(geen antwoord)</em>'}</p>"
        if item.action:
            answer += f"<p class=\"muted\">actie: {e(item.action)}</p>"
        passages = []
        for passage in self.catalogue.passages(item) if self.catalogue else []:
            document = self.catalogue.documents.get(passage.source.document, {})
            # an undated document's version is its date ("februari 2023"), as in the source line
            version = passage.source.version if passage.source.version == document.get("date") else f"versie {passage.source.version}"
            if passage.outdated:
                version += f" (nu versie {passage.current_version})"
            section = f"§ {passage.source.section}" + (f" {passage.section_title}" if passage.section_title else "")
            note = "" if passage.from_citation else " <span class=\"muted\">(uit de sectie; geen citaat van dit record)</span>"
            record = f" <span class=\"muted\">[{e(passage.source.record)}]</span>" if passage.source.record else ""
            passages.append(
                f"<figure><figcaption><strong>{e(passage.document_title)}</strong>, {e(version)} — {e(section)}{record}{note}"
                f"</figcaption><blockquote>{e(passage.text)}</blockquote></figure>"
            )
        if not passages:
            passages.append("<p class=\"muted\">Geen bronpassage: dit antwoord citeert geen document.</p>")
        return (
            f"<article id=\"{anchor(item.key)}\" aria-labelledby=\"{heading_id}\">{meta}<div class=\"cols\">"
            f"<section><h3>Vraag</h3>{question}</section>"
            f"<section><h3>Antwoord</h3>{answer}</section>"
            f"<section><h3>Bronpassage</h3>{''.join(passages)}</section></div>"
            f"{self._mark_form(item, mark, number, back, session, intents)}</article>"
        )

    def _mark_form(
        self, item: ReviewItem, mark: Mark | None, n: int, back: str, session: Session, intents: list[tuple[str, str]]
    ) -> str:
        verdict = mark.verdict if mark else ""
        corrected = mark.corrected_intent if mark else ""
        options = "<option value=\"\">— ongewijzigd —</option>" + "".join(
            f"<option value=\"{e(v)}\"{' selected' if v == corrected else ''}>{e(label)}</option>" for v, label in intents
        )
        done = ""
        if mark:
            who = f" door {mark.reviewer}" if mark.reviewer else ""
            done = f"<p class=\"muted\">Beoordeeld als {e(mark.verdict_label)}{e(who)} op {e(_local_time(mark.marked_at))}.</p>"
        return (
            f"<form method=\"post\" action=\"/beoordeel\" class=\"mark\">"
            f"<input type=\"hidden\" name=\"csrf\" value=\"{e(session.csrf)}\">"
            f"<input type=\"hidden\" name=\"key\" value=\"{e(item.key)}\">"
            f"<input type=\"hidden\" name=\"terug\" value=\"{e(back)}\">"
            f"<fieldset><legend>Beoordeling van dit antwoord</legend>"
            f"<fieldset class=\"verdict\"><legend>Oordeel</legend>"
            f"<label class=\"check\"><input type=\"radio\" name=\"oordeel\" value=\"right\" required"
            f"{' checked' if verdict == 'right' else ''}> juist</label>"
            f"<label class=\"check\"><input type=\"radio\" name=\"oordeel\" value=\"wrong\""
            f"{' checked' if verdict == 'wrong' else ''}> fout</label></fieldset>"
            f"<div class=\"field\"><label for=\"opmerking-{n}\">Opmerking</label><textarea id=\"opmerking-{n}\" "
            f"name=\"opmerking\" maxlength=\"4000\">{e(mark.comment if mark else '')}</textarea></div>"
            f"<div class=\"field\"><label for=\"onderwerp-{n}\">Juist onderwerp (bij fout)</label>"
            f"<select id=\"onderwerp-{n}\" name=\"onderwerp\">{options}</select></div>"
            f"<div class=\"field\"><label for=\"verwacht-{n}\">Verwachte zinnen (één per regel; alternatieven met |)"
            f"</label><textarea id=\"verwacht-{n}\" name=\"verwacht\">{e(format_expected(mark.expected) if mark else '')}</textarea></div>"
            f"<button type=\"submit\">Bewaar beoordeling</button></fieldset>{done}</form>"
        )

    # --- actions -------------------------------------------------------------------------------
    def _mark(self, form: dict[str, list[str]], session: Session) -> Response:
        get = lambda name: (form.get(name) or [""])[0]  # noqa: E731
        back = urlencode(parse_qsl(get("terug")))  # rebuilt, so it can only be a query string
        item = self.log.item(get("key"))
        if item is None:
            return self._problem("Dit antwoord staat niet (meer) in het gesprekslog.", back)
        try:
            self.marks.save(
                item, get("oordeel"), comment=get("opmerking"), corrected_intent=get("onderwerp"),
                expected=parse_expected(get("verwacht")), reviewer=session.reviewer,
                known_intents=self.model.intents - _NOT_A_CORRECTION,
            )
        except ReviewError as error:
            return self._problem(str(error), back)
        return _redirect(f"/?{back}#{anchor(item.key)}")

    def _export(self) -> Response:
        try:
            report = export_marks(
                self.marks.all(), stories_path=self.stories_path, questions_path=self.questions_path,
                catalogue=self.catalogue, project=self.project,
            )
        except ReviewError as error:
            return self._problem(str(error), "", "Export niet gelukt")
        body = (
            "<main><h1>Export klaar</h1>"
            f"<pre class=\"text\" id=\"rapport\">{e(report.format())}</pre>"
            "<p><a href=\"/\">Terug naar de lijst</a></p></main>"
        )
        return _html(HTTPStatus.OK, "Export – beoordeling", body)

    @staticmethod
    def _problem(message: str, back: str, title: str = "Niet bewaard") -> Response:
        return _html(
            HTTPStatus.BAD_REQUEST, title,
            f"<main><h1>{e(title)}</h1><p class=\"error\" role=\"alert\">{e(message)}</p>"
            f"<p><a href=\"/?{e(back)}\">Terug naar de lijst</a></p></main>",
        )


# --- HTTP server -------------------------------------------------------------------------------


def _handler(app: ReviewApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "DraaiboekReview"
        sys_version = ""
        timeout = IDLE_SECONDS  # socket timeout: an idle or stalled connection is closed

        def _run(self, method: str) -> None:
            raw = self.headers.get("Content-Length")
            raw = "0" if raw is None else raw.strip()  # absent: no body; present, it must be a number
            if not raw.isdigit() or self.headers.get("Transfer-Encoding") or len(self.headers.get_all("Content-Length") or []) > 1:
                self.close_connection = True
                self._send(_html(HTTPStatus.BAD_REQUEST, "Ongeldig verzoek", f"<main><p>{e(messages.M066_BAD_LENGTH)}</p></main>"), method)
                return
            length = int(raw)
            if length > MAX_BODY:
                self.close_connection = True
                self._send(_html(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Te groot",
                                 f"<main><p>{e(messages.M067_BODY_TOO_LARGE.format(limit=MAX_BODY))}</p></main>"), method)
                return
            try:
                body = self.rfile.read(length) if length else b""
            except OSError:  # the body stopped arriving (IDLE_SECONDS): drop the connection
                self.close_connection = True
                return
            if len(body) < length:
                self.close_connection = True
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                response = app.handle(method, self.path, headers, body, client=self.client_address[0])
            except ReviewError as error:
                response = _html(HTTPStatus.INTERNAL_SERVER_ERROR, "Fout", f"<main><h1>Fout</h1><p class=\"error\">{e(error)}</p></main>")
            self._send(response, method)

        def _send(self, response: Response, method: str) -> None:
            self.send_response(response.status)
            for name, value in {**SECURITY_HEADERS, **response.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._run("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self._run("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            self._run("POST")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # request lines would carry filter values; the console shows only the start message

    return Handler


@dataclass
class RunningReview:
    """A review page serving in a background thread."""

    url: str
    token: str
    token_generated: bool  # True: shown once at start; set DRAAIBOEK_REVIEW_TOKEN to keep one
    stop: Callable[[], None]


def create_app(
    *,
    tracker_url: str | None = None,
    marks_path: Path | None = None,
    db_path: Path | None = None,
    stories_path: Path | None = None,
    questions_path: Path | None = None,
) -> tuple[ReviewApp, bool]:
    """The review page for the configured log, marks and knowledge base; and whether its token was generated."""
    catalogue = Catalogue.open(db_path)
    log = ConversationLog(tracker_url, catalogue)
    log.items()  # an unreadable log stops here, not at the first page view
    token, generated = review_token()
    app = ReviewApp(log, MarkStore(marks_path), catalogue, token=token, stories_path=stories_path, questions_path=questions_path)
    return app, generated


def start_review_server(port: int = DEFAULT_PORT, **settings_: Any) -> RunningReview:
    """Start the review page next to the assistant (e.g. from `python -m bot serve`); `settings_` as for create_app."""
    app, generated = create_app(**settings_)
    _, url, stop = start_in_thread(app, port)

    def stop_all() -> None:
        stop()
        app.log.close()

    return RunningReview(url, app.token, generated, stop_all)


def review_token() -> tuple[str, bool]:
    """The token from $DRAAIBOEK_REVIEW_TOKEN, or a new random one; and whether it was generated."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    return (token, False) if token else (secrets.token_urlsafe(18), True)


def make_server(app: ReviewApp, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """The review server bound to host:port (not started); port 0 picks a free port."""
    try:
        server = ThreadingHTTPServer((host, port), _handler(app))
    except OSError as error:
        raise ReviewError("B061", f"kan de reviewpagina niet starten op {host}:{port} ({error}); kies een andere poort") from error
    server.daemon_threads = True
    return server


def start_in_thread(app: ReviewApp, port: int = 0) -> tuple[ThreadingHTTPServer, str, Callable[[], None]]:
    """Serve in a background thread: (server, base URL, stop)."""
    server = make_server(app, port)
    thread = threading.Thread(target=server.serve_forever, name="review-server", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return server, f"http://127.0.0.1:{server.server_address[1]}", stop
