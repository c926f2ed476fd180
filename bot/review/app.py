"""The review web page: answers with their question and cited passage side by side, marked by staff.

A small server-rendered page without JavaScript, served by Sanic (the web framework Rasa itself
runs on) on 127.0.0.1 only. Sanic does the HTTP: routing, the request size limit (`MAX_BODY`,
`REQUEST_MAX_SIZE`), and closing a connection whose request or body stops arriving or that stays
idle (`IDLE_SECONDS`: `REQUEST_TIMEOUT`, `RESPONSE_TIMEOUT`, `KEEP_ALIVE_TIMEOUT`). A
Content-Length that is not a number, or a body larger than the limit, is refused before anything
of the body is read.

Access needs a reviewer's own token (`python -m bot review add-reviewer NAAM`, stored hashed in the
marks file) or the administrator token ($DRAAIBOEK_REVIEW_TOKEN, or one generated at start and
printed). The login form exchanges it for a session cookie (HttpOnly, SameSite=Strict, and Secure when
DRAAIBOEK_REVIEW_BASE_URL is https); every other request without that cookie gets the login page with
status 401. Every request of a session asks the marks file whether its reviewer's token is still there:
a token removed or replaced (`remove-reviewer`, `add-reviewer`, possibly from another process) ends the
session at its next request. Every form carries a CSRF token
(the session's; for the login form one that must match a SameSite=Strict cookie), and a POST from
another origin is refused: the Origin must be DRAAIBOEK_REVIEW_BASE_URL's (behind TLS) or, unset,
the Host's. Failed logins are limited per client address. All text from the log and the knowledge
base is HTML-escaped; the Content-Security-Policy allows only this server's stylesheet.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import io
import itertools
import math
import os
import re
import secrets
import socket
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from sanic import Sanic
from sanic.exceptions import InvalidUsage, PayloadTooLarge, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import messages, settings
from bot.review import ReviewError
from bot.review.conversations import Catalogue, ConversationLog, Filters, ReviewItem
from bot.review.export import DialogueModel, export_marks
from bot.review.marks import (
    MAX_COMMENT, VERDICT_LABELS, Mark, MarkStore, format_expected, parse_expected, token_hash,
)

TOKEN_ENV = "DRAAIBOEK_REVIEW_TOKEN"
DEFAULT_PORT = 5080
COOKIE = "draaiboek_review"
#: Double-submit cookie of the login form: a login posted from another site lacks it (SameSite=Strict).
LOGIN_COOKIE = "draaiboek_review_login"
SESSION_SECONDS = 12 * 3600
PAGE_SIZES = (25, 50, 100, 200)
PAGE_SIZE = 50
DEFAULT_LOW_CONFIDENCE = 0.5
MAX_BODY = 64 * 1024
#: A connection whose request (or body) stops arriving, or that stays idle, is closed after this many seconds.
IDLE_SECONDS = 15
#: Failed logins allowed per client address within LOGIN_WINDOW_SECONDS; then 429 until the window passes.
LOGIN_FAILURES, LOGIN_WINDOW_SECONDS = 5, 15 * 60
#: Intents that are never a correction: the feedback buttons and Rasa's own fallback.
_NOT_A_CORRECTION = {"feedback", "nlu_fallback"}
#: A question or answer longer than this (characters or lines) is shown collapsed.
LONG_CHARS, LONG_LINES, PREVIEW_CHARS = 500, 10, 240
#: Who logged in with the administrator token and gave no name.
ADMIN_NAME = "beheerder"

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
nav.pages { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: center; margin: .6rem 0; }
.long > details > summary { cursor: pointer; color: #1d4f7a; font-size: .9rem; }
.long:has(details[open]) > .preview { display: none; }
details.history summary { cursor: pointer; font-size: .85rem; color: #1d4f7a; }
details.history ol { font-size: .85rem; margin: .3rem 0; padding-left: 1.2rem; }
.session { border-top: 2px solid #2a5d8a; margin-top: 1.5rem; }
article:target { outline: 3px solid #2a5d8a; }
a { color: #1d4f7a; }
.login { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 1.5rem; border: 1px solid #ddd; }
.login .field { margin-bottom: .8rem; font-size: 1rem; }
"""

def e(value: Any) -> str:
    """HTML-escaped text (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


@dataclass
class Session:
    csrf: str
    reviewer: str
    expires: float
    #: SHA-256 of the token the session was opened with; `admin`: the administrator token, else a reviewer's
    token_hash: str = ""
    admin: bool = False


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(title)}</title><link rel=\"stylesheet\" href=\"/review.css\"></head>"
        f"<body>{body}</body></html>"
    )


def _secure(response: HTTPResponse) -> HTTPResponse:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _html(status: int, title: str, body: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(_page(title, body), status=int(status), headers=headers,
                        content_type="text/html; charset=utf-8")


def _message_page(status: int, title: str, text: str, *, back: bool = False) -> HTTPResponse:
    link = "<p><a href=\"/\">Naar de lijst</a></p>" if back else ""
    return _html(status, title, f"<main><h1>{e(title)}</h1><p class=\"error\" role=\"alert\">{e(text)}</p>{link}</main>")


def _redirect(location: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(b"", status=303, headers={"Location": location, **(headers or {})}, content_type="text/plain")


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def anchor(item_key: str) -> str:
    return "i-" + hashlib.sha256(item_key.encode()).hexdigest()[:10]


def _form(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)


def _first(values: dict[str, list[str]], name: str) -> str:
    return (values.get(name) or [""])[0]


def text_block(text: str, empty: str) -> str:
    """A question or answer as text; a long one collapsed to its start with "toon alles"."""
    if not text:
        return f"<p class=\"text\"><em>{e(empty)}</em></p>"
    if len(text) <= LONG_CHARS and text.count("\n") < LONG_LINES:
        return f"<p class=\"text\">{e(text)}</p>"
    preview = " ".join(text[:PREVIEW_CHARS].split())
    return (
        f"<div class=\"long\"><p class=\"text preview\">{e(preview)} …</p><details><summary>toon alles "
        f"({len(text)} tekens)</summary><p class=\"text\">{e(text)}</p></details></div>"
    )


# --- HTTP: the request limits, before Sanic reads a body ------------------------------------------


class BadLength(InvalidUsage):
    """A Content-Length that is not one number, or a Transfer-Encoding (the page takes plain forms only)."""


class _Request(Request):
    """Sanic's request, refusing a bad or too large Content-Length as soon as the headers are in."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        lengths = self.headers.getall("content-length", [])
        if self.headers.get("transfer-encoding") or len(lengths) > 1 or (lengths and not lengths[0].strip().isdigit()):
            raise BadLength(messages.M066_BAD_LENGTH)
        if lengths and int(lengths[0]) > MAX_BODY:
            raise PayloadTooLarge(messages.M067_BODY_TOO_LARGE.format(limit=MAX_BODY))


_APP_NUMBERS = itertools.count(1)


class _Sanic(Sanic):
    """Sanic rewrites some of its own methods at every start ("touch-up"); in test mode it does so from
    the original methods each time, so that more than one review app can start in one process."""

    test_mode = True


def _error_page(exception: BaseException) -> HTTPResponse:
    if isinstance(exception, ReviewError):
        return _message_page(HTTPStatus.INTERNAL_SERVER_ERROR, "Fout", str(exception))
    status = getattr(exception, "status_code", 500) if isinstance(exception, SanicException) else 500
    texts = {
        400: ("Ongeldig verzoek", str(exception) if isinstance(exception, BadLength) else "Dit verzoek kan de pagina niet lezen."),
        404: ("Niet gevonden", "Deze pagina bestaat niet."),
        405: ("Niet toegestaan", "Deze pagina kan dat verzoek niet aan."),
        408: ("Te traag", "Het verzoek kwam niet op tijd binnen; de verbinding is gesloten."),
        413: ("Te groot", messages.M067_BODY_TOO_LARGE.format(limit=MAX_BODY)),
        503: ("Te traag", "Het verzoek kwam niet op tijd binnen; de verbinding is gesloten."),
    }
    title, text = texts.get(status, ("Fout", "Er ging iets mis op de server."))
    return _message_page(status, title, text, back=status in (404, 405))


# --- the page --------------------------------------------------------------------------------------


class ReviewApp:
    """The review page: its state (sessions, login limit) and its Sanic application (`self.sanic`)."""

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
        #: behind TLS (an https base URL) the cookies are Secure; over plain http (127.0.0.1) a Secure cookie would not come back
        self.secure_cookies = bool(self.base_url) and urlsplit(self.base_url).scheme.lower() == "https"
        self.sanic = self._build()

    # --- the Sanic application -----------------------------------------------------------------------
    def _build(self) -> Sanic:
        app = _Sanic(f"draaiboek_review_{next(_APP_NUMBERS)}", request_class=_Request, configure_logging=False)
        app.config.REQUEST_MAX_SIZE = MAX_BODY
        app.config.REQUEST_TIMEOUT = IDLE_SECONDS
        app.config.RESPONSE_TIMEOUT = IDLE_SECONDS
        app.config.KEEP_ALIVE_TIMEOUT = IDLE_SECONDS
        app.config.ACCESS_LOG = False  # request lines would carry search words and filter values
        app.config.MOTD = False
        app.config.FALLBACK_ERROR_FORMAT = "html"

        app.add_route(self._css, "/review.css", methods=["GET", "HEAD"])
        app.add_route(self._login_get, "/login", methods=["GET", "HEAD"])
        app.add_route(self._login_post, "/login", methods=["POST"])
        app.add_route(self._guarded(self._list), "/", methods=["GET", "HEAD"])
        app.add_route(self._guarded(self._conversation), "/gesprek/<code:[0-9a-f]{16}>", methods=["GET", "HEAD"])
        app.add_route(self._guarded(self._download), "/export.zip", methods=["GET", "HEAD"])
        app.add_route(self._guarded(self._mark, post=True), "/beoordeel", methods=["POST"])
        app.add_route(self._guarded(self._export, post=True), "/export", methods=["POST"])
        app.add_route(self._guarded(self._logout, post=True), "/logout", methods=["POST"])

        @app.on_request
        async def foreign_origin(request: Request):
            if request.method == "POST" and not self._same_origin(request):
                return _message_page(HTTPStatus.FORBIDDEN, "Geweigerd", messages.M068_FOREIGN_ORIGIN)
            return None

        @app.on_response
        async def headers(request: Request, response: HTTPResponse):
            _secure(response)

        @app.exception(Exception)
        async def failed(request: Request, exception: BaseException):
            stream = getattr(request, "stream", None)
            if stream is not None and getattr(stream, "request_body", None):
                # a request whose body did not (all) arrive: answer and close, without waiting for the rest
                stream.keep_alive = False
                stream.request_body = None
            return _secure(_error_page(exception))

        return app

    def _guarded(self, handler: Callable[..., HTTPResponse], *, post: bool = False) -> Callable[..., Any]:
        """`handler(request, session, sid, **params)` for a logged-in session (a POST: with its CSRF token)."""

        async def guarded(request: Request, **params: Any) -> HTTPResponse:
            found = self._session(request)
            if found is None:
                return self._login_page(HTTPStatus.UNAUTHORIZED, request)
            sid, session = found
            if not self._token_still_valid(session):
                with self._lock:
                    self._sessions.pop(sid, None)
                response = self._login_page(HTTPStatus.UNAUTHORIZED, request, messages.M071_SESSION_ENDED)
                response.headers.add("Set-Cookie", self._cookie(COOKIE, "", 0))
                return response
            if post:
                sent = _first(_form(request), "csrf")
                if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                    return _html(HTTPStatus.FORBIDDEN, "Geweigerd", "<main><h1>Geweigerd</h1><p>Het formulier is verlopen; "
                                 "<a href=\"/\">laad de pagina opnieuw</a>.</p></main>")
            return handler(request, session, sid, **params)

        guarded.__name__ = handler.__name__.strip("_")
        return guarded

    async def _css(self, request: Request) -> HTTPResponse:
        return HTTPResponse(CSS, content_type="text/css; charset=utf-8")

    # --- sessions ------------------------------------------------------------------------------
    def _session(self, request: Request) -> tuple[str, Session] | None:
        sid = request.cookies.get(COOKIE)
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or session.expires < time.time():
                self._sessions.pop(sid, None)
                return None
            return sid, session

    def _new_session(self, reviewer: str, token: str, *, admin: bool) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sessions[sid] = Session(secrets.token_urlsafe(32), reviewer, now + SESSION_SECONDS,
                                          token_hash(token), admin)
        return sid

    def _token_still_valid(self, session: Session) -> bool:
        """Whether the token the session was opened with still opens it. A reviewer's: still in the marks
        file under the same name (one indexed look-up; `remove-reviewer` or `add-reviewer` may have run in
        another process). The administrator's: still this server's token (it is read once, at start)."""
        if session.admin:
            return hmac.compare_digest(session.token_hash, token_hash(self.token))
        return self.marks.reviewer_with_hash(session.token_hash) == session.reviewer

    def _cookie(self, name: str, value: str, max_age: int) -> str:
        """A Set-Cookie value: HttpOnly, SameSite=Strict, and Secure behind TLS."""
        secure = "; Secure" if self.secure_cookies else ""
        return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"

    def _same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:  # not a browser form (curl, a test client): the CSRF token still counts
            return True
        if self.base_url:  # behind a proxy that terminates TLS: the address users reach
            split = urlsplit(self.base_url)
            return origin == f"{split.scheme}://{split.netloc}"
        host = request.headers.get("host", "")
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

    # --- login ---------------------------------------------------------------------------------
    async def _login_get(self, request: Request) -> HTTPResponse:
        return self._login_page(HTTPStatus.OK, request)

    def _login_page(self, status: int, request: Request, error: str = "") -> HTTPResponse:
        message = f"<p class=\"error\" role=\"alert\">{e(error)}</p>" if error else ""
        # keep the browser's nonce: its favicon request must not replace the one in the form
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not re.fullmatch(r"[\w-]{32}", nonce):
            nonce = secrets.token_urlsafe(24)
        body = (
            "<main class=\"login\"><h1>Beoordeling van antwoorden</h1>"
            "<p>Meld je aan met je eigen reviewtoken. Nog geen token? De beheerder maakt er een met "
            "<code>python -m bot review add-reviewer \"Je naam\"</code>. Met het beheerderstoken (de instelling "
            f"{TOKEN_ENV}, of het token in de console waar de reviewpagina gestart is) vul je ook je naam in.</p>{message}"
            "<form method=\"post\" action=\"/login\">"
            f"<input type=\"hidden\" name=\"csrf\" value=\"{nonce}\">"
            "<div class=\"field\"><label for=\"token\">Reviewtoken</label><input id=\"token\" name=\"token\" "
            "type=\"password\" required autocomplete=\"current-password\"></div>"
            "<div class=\"field\"><label for=\"naam\">Je naam (alleen bij het beheerderstoken)</label><input id=\"naam\" "
            "name=\"naam\" autocomplete=\"name\" maxlength=\"100\"></div>"
            "<button type=\"submit\">Aanmelden</button></form></main>"
        )
        return _html(status, "Aanmelden – beoordeling", body, {"Set-Cookie": self._cookie(LOGIN_COOKIE, nonce, 3600)})

    async def _login_post(self, request: Request) -> HTTPResponse:
        client = request.ip or ""
        blocked = self._login_blocked(client)
        if blocked:
            return self._login_page(HTTPStatus.TOO_MANY_REQUESTS, request, messages.M065_LOGIN_LIMIT.format(minutes=blocked))
        form = _form(request)
        sent, expected = _first(form, "csrf"), request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            return self._login_page(HTTPStatus.FORBIDDEN, request, "Het aanmeldformulier is verlopen. Probeer opnieuw.")
        token = _first(form, "token").strip()
        admin = bool(token) and hmac.compare_digest(token.encode(), self.token.encode())
        if admin:
            reviewer = " ".join(_first(form, "naam").split())[:100] or ADMIN_NAME
        else:
            reviewer = self.marks.reviewer_for(token) if token else None
        if reviewer is None:
            self._login_failed(client)
            await asyncio.sleep(0.5)  # slows down guessing
            return self._login_page(HTTPStatus.UNAUTHORIZED, request, "Onjuist token. Probeer opnieuw.")
        sid = self._new_session(reviewer, token, admin=admin)
        return _redirect("/", {"Set-Cookie": self._cookie(COOKIE, sid, SESSION_SECONDS)})

    def _logout(self, request: Request, session: Session, sid: str) -> HTTPResponse:
        with self._lock:
            self._sessions.pop(sid, None)
        return _redirect("/login", {"Set-Cookie": self._cookie(COOKIE, "", 0)})

    # --- the list ------------------------------------------------------------------------------
    def _filters(self, query: dict[str, list[str]]) -> tuple[Filters, dict[str, str], list[str]]:
        """Filters from the query string, the values to show in the form, and messages."""
        get = lambda name: (query.get(name) or [""])[0].strip()  # noqa: E731
        names = ("zoek", "laag", "max", "fallback", "duim", "onderwerp", "document", "van", "tot", "status", "per")
        values = {name: get(name) for name in names}
        values["zoek"] = " ".join(values["zoek"].split())[:200]
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
        if values["per"] not in {str(n) for n in PAGE_SIZES}:
            values["per"] = ""  # the default
        filters = Filters(
            max_confidence=threshold if values["laag"] else None,
            fallback=bool(values["fallback"]),
            thumbs_down=bool(values["duim"]),
            topic=values["onderwerp"] or None,
            document=values["document"] or None,
            date_from=days["van"],
            date_to=days["tot"],
            text=values["zoek"] or None,
        )
        return filters, values, problems

    def _intent_options(self) -> list[tuple[str, str]]:
        """(intent, label) for the topic controls: topics in knowledge order, then the other intents."""
        titles = self.catalogue.topic_titles() if self.catalogue else {}
        options = [(intent, f"{title} ({intent})") for intent, title in titles.items() if intent in self.model.intents]
        options += [(i, i) for i in sorted(self.model.intents - set(titles) - _NOT_A_CORRECTION)]
        return options

    def _list(self, request: Request, session: Session, sid: str) -> HTTPResponse:
        query = parse_qs(request.query_string, keep_blank_values=True)
        filters, values, problems = self._filters(query)
        verdicts = self.marks.verdicts()
        items = self.log.items(filters)
        status = values["status"]
        if status == "open":
            items = [i for i in items if i.key not in verdicts]
        elif status in VERDICT_LABELS:
            items = [i for i in items if verdicts.get(i.key) == status]
        size = int(values["per"] or PAGE_SIZE)
        try:
            page = max(1, int(_first(query, "pagina") or "1"))
        except ValueError:
            page = 1
        pages = max(1, math.ceil(len(items) / size))
        page = min(page, pages)
        # newest first: page 1 is the end of the list
        end = len(items) - (page - 1) * size
        shown = items[max(0, end - size):max(0, end)][::-1]
        kept = [(k, v) for k, v in values.items() if v]
        back = urlencode(kept + ([("pagina", str(page))] if page > 1 else []))
        intents = self._intent_options()
        histories = self.marks.histories([item.key for item in shown])
        sizes = {item.conversation: len(self.log.conversation(item.conversation, refresh=False)) for item in shown}

        parts = [
            self._header(session),
            "<main>",
            self._filter_form(values, intents),
        ]
        parts += [f"<p class=\"error\" role=\"alert\">{e(p)}</p>" for p in problems]
        parts.append(
            f"<p id=\"aantal\">{len(items)} antwoord(en)" + (f", pagina {page} van {pages}" if pages > 1 else "") + "</p>"
            "<form method=\"post\" action=\"/export\">"
            f"<input type=\"hidden\" name=\"csrf\" value=\"{e(session.csrf)}\">"
            f"<button type=\"submit\">Exporteer beoordeelde antwoorden</button> <span class=\"muted\">{len(verdicts)} "
            "beoordeeld; naar de teststories en de vragenset</span> <a href=\"/export.zip\" download>Download als zip</a></form>"
        )
        parts.append(self._pager(kept, page, pages, "boven"))
        for number, item in enumerate(shown, start=1):
            parts.append(self._item(item, histories.get(item.key, []), number, back, session, sizes[item.conversation]))
        parts.append(self._pager(kept, page, pages, "onder"))
        parts.append(self._topic_list(intents))
        parts.append("</main>")
        return _html(HTTPStatus.OK, "Beoordeling van antwoorden", "".join(parts))

    @staticmethod
    def _topic_list(intents: list[tuple[str, str]]) -> str:
        """One list of topics for every mark form's "juist onderwerp" (a select per answer made the page heavy)."""
        return "<datalist id=\"onderwerpen\">" + "".join(
            f"<option value=\"{e(v)}\" label=\"{e(label)}\"></option>" for v, label in intents) + "</datalist>"

    @staticmethod
    def _header(session: Session) -> str:
        return (
            "<header><h1>Beoordeling van antwoorden</h1>"
            f"<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{e(session.csrf)}\">"
            f"<span class=\"muted\">aangemeld als {e(session.reviewer)}</span> "
            "<button type=\"submit\" class=\"secondary\">Afmelden</button></form></header>"
        )

    @staticmethod
    def _pager(kept: list[tuple[str, str]], page: int, pages: int, where: str) -> str:
        if pages <= 1:
            return ""

        def link(target: int, label: str) -> str:
            if not 1 <= target <= pages or target == page:
                return f"<span class=\"muted\">{label}</span>"
            return f"<a href=\"/?{e(urlencode(kept + [('pagina', str(target))]))}\">{label}</a>"

        return (
            f"<nav class=\"pages\" aria-label=\"Pagina's ({where})\">{link(1, '« Eerste')}{link(page - 1, '‹ Vorige')}"
            f"<span>pagina {page} van {pages}</span>{link(page + 1, 'Volgende ›')}{link(pages, 'Laatste »')}</nav>"
        )

    def _filter_form(self, values: dict[str, str], intents: list[tuple[str, str]]) -> str:
        def checked(name: str) -> str:
            return " checked" if values[name] else ""

        def options(choices: list[tuple[str, str]], selected: str, empty: str | None) -> str:
            out = [f"<option value=\"\">{e(empty)}</option>"] if empty is not None else []
            out += [f"<option value=\"{e(v)}\"{' selected' if v == selected else ''}>{e(label)}</option>" for v, label in choices]
            return "".join(out)

        documents = [(d, doc["short_title"]) for d, doc in (self.catalogue.documents.items() if self.catalogue else [])]
        statuses = [("open", "nog niet beoordeeld"), ("right", "juist"), ("wrong", "fout")]
        sizes = [(str(n), f"{n} per pagina") for n in PAGE_SIZES]
        return (
            "<form method=\"get\" action=\"/\" class=\"filters\" role=\"search\"><fieldset><legend>Zoeken en filteren</legend>"
            f"<div class=\"field\"><label for=\"zoek\">Zoek in vraag en antwoord</label><input id=\"zoek\" name=\"zoek\" "
            f"type=\"search\" maxlength=\"200\" value=\"{e(values['zoek'])}\"></div>"
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
            f"<div class=\"field\"><label for=\"per\">Aantal</label><select id=\"per\" name=\"per\">"
            f"{options(sizes, values['per'] or str(PAGE_SIZE), None)}</select></div>"
            "<button type=\"submit\">Toon</button> <a href=\"/\">Wis filters</a></fieldset></form>"
        )

    def _badges(self, item: ReviewItem, mark: Mark | None) -> str:
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
        return "".join(badges)

    def _heading(self, item: ReviewItem, mark: Mark | None, heading_id: str, level: str = "h2") -> str:
        confidence = f"{item.confidence:.2f}" if item.confidence is not None else "–"
        intent = item.intent + (f" → {item.best_intent}" if item.fallback and item.best_intent else "")
        return (
            f"<{level} id=\"{heading_id}\">{e(item.when.strftime('%Y-%m-%d %H:%M'))} · gesprek {e(item.sender)} · "
            f"beurt {item.turn} · <span title=\"intent\">{e(intent)}</span> ({e(confidence)}){self._badges(item, mark)}</{level}>"
        )

    def _item(
        self, item: ReviewItem, history: list[Mark], number: int, back: str, session: Session, turns: int,
        draft: Mark | None = None,
    ) -> str:
        mark = history[0] if history else None
        heading_id = f"h-{number}"
        question = text_block(item.question, "(leeg bericht)")
        if item.button:
            question += "<p class=\"muted\">(aangeklikte knop)</p>"
        if item.previous_question:
            question += f"<p class=\"muted\">Vorige vraag: {e(' '.join(item.previous_question[:PREVIEW_CHARS].split()))}</p>"
        question += (
            f"<p><a href=\"/gesprek/{e(item.conversation)}#{anchor(item.key)}\">Hele gesprek ({turns} "
            f"{'vraag' if turns == 1 else 'vragen'})</a></p>"
        )
        answer = text_block(item.answer, "(geen antwoord)")
        if item.action:
            answer += f"<p class=\"muted\">actie: {e(item.action)}</p>"
        return (
            f"<article id=\"{anchor(item.key)}\" aria-labelledby=\"{heading_id}\">{self._heading(item, mark, heading_id)}"
            f"<div class=\"cols\"><section><h3>Vraag</h3>{question}</section>"
            f"<section><h3>Antwoord</h3>{answer}</section>"
            f"<section><h3>Bronpassage</h3>{self._passages(item)}</section></div>"
            f"{self._mark_form(item, history, number, back, session, draft)}</article>"
        )

    def _passages(self, item: ReviewItem) -> str:
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
        return "".join(passages) or "<p class=\"muted\">Geen bronpassage: dit antwoord citeert geen document.</p>"

    @staticmethod
    def _history(history: list[Mark]) -> str:
        if not history:
            return ""
        mark = history[0]
        who = f" door {mark.reviewer}" if mark.reviewer else ""
        latest = f"<p class=\"muted\">Beoordeeld als {e(mark.verdict_label)}{e(who)} op {e(_local_time(mark.marked_at))}.</p>"
        if len(history) == 1:
            return latest
        rows = []
        for old in history:
            details = [old.comment and f"opmerking: {old.comment}", old.corrected_intent and f"onderwerp: {old.corrected_intent}",
                       old.expected and f"verwacht: {format_expected(old.expected)}"]
            extra = "; ".join(d for d in details if d)
            rows.append(f"<li>{e(_local_time(old.marked_at))} — {e(old.reviewer or 'onbekend')}: {e(old.verdict_label)}"
                        + (f" ({e(extra)})" if extra else "") + "</li>")
        return latest + (f"<details class=\"history\"><summary>Geschiedenis ({len(history)} beoordelingen)</summary>"
                         f"<ol>{''.join(rows)}</ol></details>")

    def _mark_form(
        self, item: ReviewItem, history: list[Mark], n: int, back: str, session: Session, draft: Mark | None = None
    ) -> str:
        """The mark form, filled in with `draft` (what was sent and refused) or else the latest mark."""
        mark = draft or (history[0] if history else None)
        verdict = mark.verdict if mark else ""
        corrected = mark.corrected_intent if mark else ""
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
            f"<div class=\"field\"><label for=\"onderwerp-{n}\">Juist onderwerp (bij fout; intent)</label>"
            f"<input id=\"onderwerp-{n}\" name=\"onderwerp\" list=\"onderwerpen\" value=\"{e(corrected or '')}\" "
            f"maxlength=\"100\" aria-describedby=\"fout-{n}\"></div>"
            f"<div class=\"field\"><label for=\"verwacht-{n}\">Verwachte zinnen (één per regel; alternatieven met |)"
            f"</label><textarea id=\"verwacht-{n}\" name=\"verwacht\" aria-describedby=\"fout-{n}\">"
            f"{e(format_expected(mark.expected) if mark else '')}</textarea></div>"
            f"<button type=\"submit\">Bewaar beoordeling</button>"
            f"<p class=\"muted\" id=\"fout-{n}\">Bij fout: kies het juiste onderwerp of vul de verwachte zinnen in.</p>"
            f"</fieldset>{self._history(history)}</form>"
        )

    # --- one conversation --------------------------------------------------------------------------
    def _conversation(self, request: Request, session: Session, sid: str, code: str) -> HTTPResponse:
        items = self.log.conversation(code)
        if not items:
            return _message_page(HTTPStatus.NOT_FOUND, "Niet gevonden", "Dit gesprek staat niet (meer) in het gesprekslog.", back=True)
        histories = self.marks.histories([item.key for item in items])
        parts = [self._header(session), "<main>", f"<h2>Gesprek {e(items[0].sender)}: {len(items)} "
                 f"{'vraag' if len(items) == 1 else 'vragen'}</h2><p><a href=\"/\">Terug naar de lijst</a></p>"]
        session_number = None
        for number, item in enumerate(items, start=1):
            if item.session != session_number:
                session_number = item.session
                parts.append(f"<h2 class=\"session\">Sessie {item.session}</h2>")
            history = histories.get(item.key, [])
            parts.append(
                f"<article id=\"{anchor(item.key)}\" aria-labelledby=\"h-{number}\">"
                f"{self._heading(item, history[0] if history else None, f'h-{number}', 'h3')}<div class=\"cols\">"
                f"<section><h4>Vraag</h4>{text_block(item.question, '(leeg bericht)')}</section>"
                f"<section><h4>Antwoord</h4>{text_block(item.answer, '(geen antwoord)')}</section>"
                f"<section><h4>Bronpassage</h4>{self._passages(item)}</section></div>{self._history(history)}</article>"
            )
        parts.append("</main>")
        return _html(HTTPStatus.OK, f"Gesprek {items[0].sender} – beoordeling", "".join(parts))

    # --- actions -------------------------------------------------------------------------------
    def _mark(self, request: Request, session: Session, sid: str) -> HTTPResponse:
        form = _form(request)
        get = lambda name: _first(form, name)  # noqa: E731
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
            # the answer again, its form filled in as sent, so nothing typed is lost
            draft = Mark(item.key, get("oordeel"), comment=get("opmerking")[:MAX_COMMENT],
                         corrected_intent=get("onderwerp")[:100], expected=parse_expected(get("verwacht")))
            turns = len(self.log.conversation(item.conversation, refresh=False))
            intents = self._intent_options()
            body = (
                f"{self._header(session)}<main><p class=\"error\" role=\"alert\">Niet bewaard: {e(error)}</p>"
                f"{self._item(item, self.marks.history(item.key), 1, back, session, turns, draft)}"
                f"{self._topic_list(intents)}<p><a href=\"/?{e(back)}\">Terug naar de lijst</a></p></main>"
            )
            return _html(HTTPStatus.BAD_REQUEST, "Niet bewaard – beoordeling", body)
        return _redirect(f"/?{back}#{anchor(item.key)}")

    def _export(self, request: Request, session: Session, sid: str) -> HTTPResponse:
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
            "<p><a href=\"/export.zip\" download>Download de export als zip</a></p>"
            "<p><a href=\"/\">Terug naar de lijst</a></p></main>"
        )
        return _html(HTTPStatus.OK, "Export – beoordeling", body)

    def _download(self, request: Request, session: Session, sid: str) -> HTTPResponse:
        """The export of every mark as a zip (stories.yml, questions.yml, rapport.txt), written nowhere else."""
        with tempfile.TemporaryDirectory(prefix="review-export-") as folder:
            stories, questions = Path(folder) / "stories.yml", Path(folder) / "questions.yml"
            try:
                report = export_marks(self.marks.all(), stories_path=stories, questions_path=questions,
                                      catalogue=self.catalogue, project=self.project)
            except ReviewError as error:
                return self._problem(str(error), "", "Export niet gelukt")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in (stories, questions):
                    if path.is_file():
                        archive.write(path, path.name)
                archive.writestr("rapport.txt", report.format() + "\n")
        name = f"beoordelingen-{datetime.now():%Y%m%d-%H%M}.zip"
        return HTTPResponse(buffer.getvalue(), content_type="application/zip",
                            headers={"Content-Disposition": f"attachment; filename=\"{name}\""})

    @staticmethod
    def _problem(message: str, back: str, title: str = "Niet bewaard") -> HTTPResponse:
        return _html(
            HTTPStatus.BAD_REQUEST, title,
            f"<main><h1>{e(title)}</h1><p class=\"error\" role=\"alert\">{e(message)}</p>"
            f"<p><a href=\"/?{e(back)}\">Terug naar de lijst</a></p></main>",
        )


# --- serving -------------------------------------------------------------------------------------


class ReviewServer:
    """The review page's Sanic application bound to host:port, served on an event loop of its own."""

    def __init__(self, app: ReviewApp, port: int = DEFAULT_PORT, host: str = "127.0.0.1"):
        self.app, self.host = app, host
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(100)
        except OSError as error:
            sock.close()
            raise ReviewError("B061", f"kan de reviewpagina niet starten op {host}:{port} ({error}); kies een andere poort") from error
        sock.setblocking(False)
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self, ready: Callable[[], None] | None = None, *, stop_signals: tuple[int, ...] = ()) -> None:
        """Serve until `stop` (from another thread), one of `stop_signals` or KeyboardInterrupt; then close
        every connection. A stop signal wakes the loop itself (a KeyboardInterrupt raised at an arbitrary
        point of a callback can be lost)."""
        loop = self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in stop_signals:
            loop.add_signal_handler(signum, loop.stop)
        server = None
        try:
            server = loop.run_until_complete(self.app.sanic.create_server(
                sock=self.sock, return_asyncio_server=True, access_log=False, noisy_exceptions=False,
                asyncio_server_kwargs={"start_serving": False}))
            loop.run_until_complete(server.startup())  # routes and signals ready
            # connections made since the socket was bound waited in its backlog; accepted from here on
            loop.run_until_complete(server.start_serving())
            if ready:
                ready()
            loop.run_forever()
        finally:
            if server is not None and server.server is not None:
                server.server.close()
                for connection in list(server.connections):
                    connection.close_if_idle() or connection.close()
                loop.run_until_complete(asyncio.sleep(0))
            self.sock.close()
            loop.close()

    def stop(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)

    def server_close(self) -> None:
        self.sock.close()


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
    log.items()  # an unreadable log stops here, not at the first page view; and the log is read before serving
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


def make_server(app: ReviewApp, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> ReviewServer:
    """The review server bound to host:port (not started); port 0 picks a free port."""
    return ReviewServer(app, port, host)


def start_in_thread(app: ReviewApp, port: int = 0) -> tuple[ReviewServer, str, Callable[[], None]]:
    """Serve in a background thread: (server, base URL, stop)."""
    server = make_server(app, port)
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.serve_forever(ready.set)
        except BaseException as error:  # noqa: BLE001 - handed to the starting thread
            failure.append(error)
            ready.set()

    thread = threading.Thread(target=run, name="review-server", daemon=True)
    thread.start()
    ready.wait(30)
    if failure:
        raise ReviewError("B061", f"de reviewpagina start niet: {failure[0]}") from failure[0]

    def stop() -> None:
        server.stop()
        thread.join(5)

    return server, server.url, stop
