"""The web widget: its channel's files and webhook, and the widget in headless Chromium on the demo page.

One Rasa server (with the widget channel) and one browser for the module; each browser test gets a fresh
context, so a fresh tab with its own sessionStorage.
"""
from __future__ import annotations

import http.client
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from bot import settings
from bot.channels.widget import WidgetInput
from bot.knowledge import KnowledgeBase
from bot.messages import M015_MARKUP, M018_FEEDBACK_THANKS, M069_BAD_PASSAGE_REQUEST, M070_NO_PASSAGE
from tests.axe import axe_violations
from tests.conftest import environment, free_port

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
RESULTS = settings.PROJECT_DIR / "results" / "widget"
SCREENSHOT = RESULTS / "answer.png"
#: The two screens every user-facing behaviour below is tried on.
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
BVS_QUESTION = "fin nr bvs buiten twe?"
BVS_CITATION = "Draaiboek Lokale Partnerschappen, versie 6, §3.4.1 Heeft de klant nood aan een stage?"
WEBHOOK = "**/webhooks/widget/webhook"
OFFLINE = "Verbinding verbroken – opnieuw proberen…"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
#: WCAG 2.1 AA for normal text.
MIN_CONTRAST = 4.5


#: The port of the intranet page of another origin that embeds the widget (listed in DRAAIBOEK_WIDGET_ORIGINS).
INTRANET_PORT = free_port()


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory):
    from bot.runner import start_servers

    workdir = tmp_path_factory.mktemp("widget")
    credentials = workdir / "credentials.yml"
    credentials.write_text("rest:\nbot.channels.widget.WidgetInput:\n", encoding="utf-8")
    with environment(DRAAIBOEK_WIDGET_ORIGINS=f"http://localhost:{INTRANET_PORT}"):
        running = start_servers(
            rasa_port=free_port(), actions_port=free_port(), tracker_db=workdir / "conversations.db",
            credentials=credentials, log_dir=workdir,
        )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def demo_page(browser, servers, viewport: dict[str, int]):
    """A fresh context on the demo page; yields the page, then checks that no script error happened."""
    context = browser.new_context(viewport=viewport, locale="nl-BE")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{servers.rasa_url}/webhooks/widget/demo")
    page.locator(".dbw-launcher").wait_for(state="visible")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser, servers):
    yield from demo_page(browser, servers, {"width": 1100, "height": 800})


@pytest.fixture(params=list(SIZES))
def sized_page(request, browser, servers):
    """The demo page on a desktop screen (1366x768) and on a phone (390x844); `.size` names which."""
    for page in demo_page(browser, servers, SIZES[request.param]):
        page.size = request.param
        yield page


# --- helpers -------------------------------------------------------------------------------------

def widget_focus(page) -> str | None:
    """Class of the focused element inside the widget (focus sits in its shadow root)."""
    return page.evaluate(
        "() => { const a = document.querySelector('[data-draaiboek-widget]').shadowRoot.activeElement;"
        " return a ? a.className : null; }"
    )


def open_widget(page) -> None:
    page.locator(".dbw-launcher").click()
    page.locator(".dbw-panel").wait_for(state="visible")


def ask(page, text: str) -> None:
    """Type a question, send it with Enter, wait for the answer to it."""
    replies = page.locator(".dbw-bot").count()
    page.get_by_label("Je vraag").fill(text)
    page.get_by_label("Je vraag").press("Enter")
    page.locator(".dbw-bot").nth(replies).wait_for()


def contrast(foreground: str, background: str) -> float:
    def luminance(color: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"[\d.]+", color)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


COLOURS_JS = """
(selectors) => {
  const root = document.querySelector('[data-draaiboek-widget]').shadowRoot;
  const background = (el) => {
    for (let node = el; node; node = node.parentElement || (node.getRootNode().host || null)) {
      const bg = getComputedStyle(node).backgroundColor;
      const alpha = bg.startsWith('rgba') ? parseFloat(bg.split(',')[3]) : 1;
      if (alpha > 0) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return Object.fromEntries(selectors.map((s) => {
    const el = root.querySelector(s);
    return [s, el ? [getComputedStyle(el).color, background(el)] : null];
  }));
}
"""


# --- the channel: files and webhook --------------------------------------------------------------

def test_channel_serves_widget_files_with_types_and_headers(servers):
    base = f"{servers.rasa_url}/webhooks/widget"
    expected = {"widget.js": "text/javascript", "widget.css": "text/css", "demo": "text/html"}
    for name, content_type in expected.items():
        response = requests.get(f"{base}/{name}", timeout=10)
        assert response.status_code == 200, name
        assert response.headers["Content-Type"].startswith(content_type), name
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = requests.get(f"{base}/demo", timeout=10).headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "Content-Security-Policy" not in requests.get(f"{base}/widget.js", timeout=10).headers


def test_channel_webhook_answers_like_rest(servers):
    assert requests.get(f"{servers.rasa_url}/webhooks/widget", timeout=10).json() == {"status": "ok"}
    reply = requests.post(
        f"{servers.rasa_url}/webhooks/widget/webhook", json={"sender": "widget-test", "message": "fin nr bvs buiten twe?"},
        timeout=30,
    ).json()
    assert "C03S350" in reply[0]["text"]
    assert [b["title"] for b in reply[0]["buttons"]] == ["👍", "👎"]


@pytest.mark.parametrize("path", [
    "/webhooks/widget/..%2Fsecret",
    "/webhooks/widget/..%2F..%2Fcredentials.yml",
    "/webhooks/widget/%2e%2e%2fendpoints.yml",
    "/webhooks/widget/demo.html",
    "/webhooks/widget/widget.js%00",
])
def test_channel_serves_no_other_path(servers, path):
    parts = urlsplit(servers.rasa_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", path)  # sent as is: requests would normalise it
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 404
    assert b"rest:" not in body and b"action_endpoint" not in body


def test_channel_file_names_never_leave_the_widget_dir(tmp_path):
    widget_dir = tmp_path / "widget"
    widget_dir.mkdir()
    (widget_dir / "widget.js").write_text("// js", encoding="utf-8")
    (tmp_path / "secret").write_text("geheim", encoding="utf-8")
    channel = WidgetInput.from_credentials({"widget_dir": str(widget_dir)})
    assert channel.name() == "widget"
    assert channel.file_response("widget.js").body == b"// js"
    for name in ["../secret", "..%2Fsecret", "/etc/passwd", "widget.css", "secret"]:
        assert channel.file_response(name).status == 404, name


# --- the widget in the browser -------------------------------------------------------------------

def test_keyboard_answer_source_feedback(page):
    for _ in range(20):  # the launcher is reachable with Tab from the top of the page
        page.keyboard.press("Tab")
        if widget_focus(page) == "dbw-launcher":
            break
    assert widget_focus(page) == "dbw-launcher"
    page.keyboard.press("Enter")
    assert page.locator(".dbw-panel").is_visible()
    assert widget_focus(page) == "dbw-input"

    page.keyboard.type("fin nr bvs buiten twe?")
    page.keyboard.press("Enter")
    answer = page.locator(".dbw-bot").last
    answer.locator(".dbw-source").wait_for()
    assert "C03S350" in answer.locator("p:not(.dbw-source)").first.inner_text()
    source = answer.locator(".dbw-source")
    assert source.inner_text().startswith("Bron:") and "§3.4.1" in source.inner_text()
    styles = page.evaluate(
        "() => { const r = document.querySelector('[data-draaiboek-widget]').shadowRoot;"
        " const s = getComputedStyle(r.querySelector('.dbw-bot .dbw-source'));"
        " const p = getComputedStyle(r.querySelector('.dbw-bot p:not(.dbw-source)'));"
        " return [s.borderTopStyle, s.fontSize, p.fontSize, s.color, p.color]; }"
    )
    assert styles[0] != "none" and styles[1] != styles[2] and styles[3] != styles[4], "source line set apart"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    small_png(SCREENSHOT)

    page.keyboard.press("Escape")
    assert page.locator(".dbw-panel").is_hidden()
    assert widget_focus(page) == "dbw-launcher"
    page.keyboard.press("Enter")
    assert page.locator(".dbw-panel").is_visible()

    replies = page.locator(".dbw-bot").count()
    answer = page.locator(".dbw-bot").nth(replies - 1)  # fixed: .last moves on with the next reply
    answer.get_by_role("button", name="Goed antwoord").click()
    page.locator(".dbw-bot").nth(replies).wait_for()
    assert page.locator(".dbw-user p").last.inner_text() == "👍"
    assert M018_FEEDBACK_THANKS in page.locator(".dbw-bot").last.inner_text()
    assert answer.get_by_role("button", name="Goed antwoord").get_attribute("aria-pressed") == "true"
    assert answer.get_by_role("button", name="Fout antwoord").is_disabled()


def test_suggestion_button_and_history_after_reload(page):
    open_widget(page)
    ask(page, "kan da samen?")
    choice = page.locator(".dbw-bot").last.locator(".dbw-button").first
    title = choice.inner_text()
    assert title and not title.startswith("/")
    replies = page.locator(".dbw-bot").count()
    choice.click()
    page.locator(".dbw-bot").nth(replies).wait_for()
    assert page.locator(".dbw-user p").last.inner_text() == title
    before = page.locator(".dbw-msg").all_inner_texts()
    sender = page.evaluate("() => JSON.parse(Object.values(sessionStorage)[0]).sender")

    page.reload()
    page.locator(".dbw-msg").first.wait_for()
    assert page.locator(".dbw-panel").is_visible(), "an open widget stays open"
    assert page.locator(".dbw-msg").all_inner_texts() == before
    assert page.evaluate("() => JSON.parse(Object.values(sessionStorage)[0]).sender") == sender
    ask(page, "hallo")
    assert len(page.locator(".dbw-msg").all_inner_texts()) == len(before) + 2


def test_markup_from_the_user_is_shown_literally(page):
    open_widget(page)
    for payload in (XSS_IMG, XSS_SCRIPT):
        ask(page, payload)
        assert page.locator(".dbw-user p").last.inner_text() == payload
        assert M015_MARKUP in page.locator(".dbw-bot").last.inner_text()
    page.reload()
    page.locator(".dbw-msg").first.wait_for()
    assert page.locator(".dbw-user p").all_inner_texts() == [XSS_IMG, XSS_SCRIPT]
    assert page.evaluate("() => window.__xss") is None
    assert page.locator(".dbw-log img, .dbw-log script").count() == 0


def test_markup_and_script_links_from_the_server_are_not_run(page):
    # The bot never sends markup, so a stand-in server reply checks the other side of the escaping.
    reply = (
        '[{"recipient_id": "x", "text": "<img src=x onerror=\\"window.__xss=3\\"> zie https://www.vdab.be/lp. '
        'of javascript:window.__xss=4\\n- mail anneloes.degen@vdab.be\\nBron: <b>test</b>", '
        '"buttons": [{"title": "<img src=x onerror=\\"window.__xss=5\\">", "payload": "/greet"}]}]'
    )
    page.route(WEBHOOK, lambda route: route.fulfill(status=200, content_type="application/json", body=reply))
    open_widget(page)
    ask(page, "test")
    answer = page.locator(".dbw-bot").last
    assert answer.locator("p").first.inner_text().startswith('<img src=x onerror="window.__xss=3">')
    links = answer.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "https://www.vdab.be/lp", "mailto:anneloes.degen@vdab.be",
    ]
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    assert answer.locator("li").inner_text() == "mail anneloes.degen@vdab.be"
    assert answer.locator(".dbw-source").inner_text() == "Bron: <b>test</b>"
    assert answer.locator(".dbw-button").inner_text() == '<img src=x onerror="window.__xss=5">'
    assert answer.locator("img, b, script").count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_typing_indicator_while_waiting(page):
    held = []
    page.route(WEBHOOK, lambda route: held.append(route))  # hold the request until the indicator has been seen
    open_widget(page)
    assert page.locator(".dbw-typing").is_hidden()
    page.get_by_label("Je vraag").fill("hallo")
    page.get_by_label("Je vraag").press("Enter")
    page.locator(".dbw-typing").wait_for(state="visible")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert page.locator(".dbw-bot").count() == 0
    held[0].continue_()
    page.locator(".dbw-bot").first.wait_for()
    assert page.locator(".dbw-typing").is_hidden()


def test_dropped_connection_retries_and_resumes(page):
    tries = []

    def flaky(route):
        tries.append(route.request.post_data_json["message"])
        if len(tries) <= 2:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(WEBHOOK, flaky)
    open_widget(page)
    page.get_by_label("Je vraag").fill("fin nr bvs buiten twe?")
    page.get_by_label("Je vraag").press("Enter")
    status = page.locator(".dbw-status")
    page.get_by_text(OFFLINE).wait_for()
    page.locator(".dbw-bot .dbw-source").wait_for()
    assert tries == ["fin nr bvs buiten twe?"] * 3
    assert "C03S350" in page.locator(".dbw-bot").last.inner_text()
    assert page.locator(".dbw-user p").all_inner_texts() == ["fin nr bvs buiten twe?"], "asked once, shown once"
    assert status.inner_text() == "Verbinding hersteld."

    page.unroute(WEBHOOK)
    page.context.set_offline(True)
    page.get_by_label("Je vraag").fill("hallo")
    page.get_by_label("Je vraag").press("Enter")
    page.get_by_text(OFFLINE).wait_for()
    page.context.set_offline(False)
    page.locator(".dbw-bot").nth(1).wait_for()
    assert "Draaiboek-assistent" in page.locator(".dbw-bot").last.inner_text()


@pytest.mark.parametrize("listed", [True, False], ids=["listed origin", "other origin"])
def test_embeds_in_a_page_of_another_origin(browser, servers, tmp_path, listed):
    # An intranet page elsewhere: only the script tag, with data-server and data-title. Only an origin
    # listed in DRAAIBOEK_WIDGET_ORIGINS gets answers (CORS); any other page's widget gets none.
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html lang="nl"><head><title>Intranet</title></head><body><h1>Intranet</h1>'
        f'<script src="{servers.rasa_url}/webhooks/widget/widget.js" data-server="{servers.rasa_url}" '
        'data-title="Vraag over de draaiboeken" defer></script></body></html>',
        encoding="utf-8",
    )
    port = INTRANET_PORT if listed else free_port()
    intranet = ThreadingHTTPServer(("127.0.0.1", port), partial(SimpleHTTPRequestHandler, directory=tmp_path))
    threading.Thread(target=intranet.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"http://localhost:{intranet.server_address[1]}/index.html")
        open_widget(page)
        assert page.get_by_role("dialog", name="Vraag over de draaiboeken").is_visible()
        if listed:
            ask(page, "fin nr bvs buiten twe?")
            assert "C03S350" in page.locator(".dbw-bot").last.inner_text()
            page.locator(".dbw-cite").first.click()  # the passage comes from the server too (CORS)
            page.locator(".dbw-passage-body p").nth(1).wait_for()
        else:
            refused = []
            page.on("requestfailed", lambda request: refused.append(request.url))
            page.get_by_label("Je vraag").fill("fin nr bvs buiten twe?")
            page.get_by_label("Je vraag").press("Enter")
            page.wait_for_timeout(3000)
            assert any("/webhooks/widget/webhook" in url for url in refused), "the browser blocks the answer (CORS)"
            assert "C03S350" not in page.content()
    finally:
        context.close()
        intranet.shutdown()
        intranet.server_close()


def test_labels_roles_focus_and_contrast(page):
    launcher = page.get_by_role("button", name="Vraag het de assistent")
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.focus()
    outline = page.evaluate(
        "() => { const a = document.querySelector('[data-draaiboek-widget]').shadowRoot.activeElement;"
        " const s = getComputedStyle(a); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, "focus is visible"
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    dialog = page.get_by_role("dialog", name="Draaiboek-assistent")
    assert dialog.get_attribute("id") == launcher.get_attribute("aria-controls")
    log = dialog.get_by_role("log")
    assert log.get_attribute("aria-live") == "polite"
    assert dialog.get_by_role("textbox", name="Je vraag").is_visible()
    assert dialog.get_by_role("button", name="Verstuur").is_visible()
    assert dialog.get_by_role("button", name="Sluit de assistent").is_visible()
    assert dialog.get_by_role("button", name="Nieuw gesprek").is_visible()

    ask(page, "wat is het gsm-nummer van de vdab-adviseur in ons lokaal partnerschap?")  # decline: list, e-mail link, source, buttons
    assert log.get_by_role("listitem").count() >= 1
    assert log.get_by_role("link").first.get_attribute("href").startswith("mailto:")
    page.context.set_offline(True)  # show the connection status too
    page.get_by_label("Je vraag").fill("hallo")
    page.get_by_label("Je vraag").press("Enter")
    page.get_by_text(OFFLINE).wait_for()
    pairs = page.evaluate(COLOURS_JS, [
        ".dbw-launcher", ".dbw-title", ".dbw-intro", ".dbw-user p", ".dbw-bot p", ".dbw-bot li",
        ".dbw-bot a", ".dbw-source", ".dbw-cite", ".dbw-buttons .dbw-button", ".dbw-input", ".dbw-send", ".dbw-status",
        ".dbw-restart",
    ])
    page.context.set_offline(False)
    low = {s: round(contrast(*pair), 2) for s, pair in pairs.items() if contrast(*pair) < MIN_CONTRAST}
    assert all(pairs.values()), pairs
    assert not low, f"below {MIN_CONTRAST}:1: {low}"
    page.locator(".dbw-bot").nth(1).wait_for()  # the held message still arrives


# --- reading long answers, phones, new conversations, one-off buttons, citations, waiting ----------

def shot(page, name: str, whole_page: bool = False) -> None:
    """A screenshot as the user sees it, in results/widget/ (name-size.png): on a desktop the widget's corner
    of the screen unless `whole_page`; kept small (64 colours)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{page.size}.png"
    viewport = page.viewport_size
    clip = None if whole_page or viewport["width"] <= 600 else {
        "x": viewport["width"] - 440, "y": 0, "width": 440, "height": viewport["height"]}
    page.screenshot(path=str(path), clip=clip)
    small_png(path)


def small_png(path: Path) -> None:
    """The screenshot in 64 colours: a fraction of the size, still readable."""
    from PIL import Image

    Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)


def answer_box(page, index: int) -> dict[str, float]:
    """Where the bot message `index` is, seen from the conversation area: its top and bottom, the area's height."""
    return page.evaluate(
        """(index) => {
          const root = document.querySelector('[data-draaiboek-widget]').shadowRoot;
          const log = root.querySelector('.dbw-log').getBoundingClientRect();
          const answer = root.querySelectorAll('.dbw-bot')[index].getBoundingClientRect();
          return {top: answer.top - log.top, bottom: answer.bottom - log.top, height: log.height};
        }""",
        index,
    )


def assert_opens_at_first_line(page, index: int) -> dict[str, float]:
    """A long answer starts at the top of the conversation area; a shorter one is shown whole."""
    box = answer_box(page, index)
    assert box["top"] >= 0, f"the answer's first line is above the conversation area: {box}"
    if box["bottom"] - box["top"] > box["height"] - 40:
        assert box["top"] < 40, f"a long answer starts at the top of the conversation area: {box}"
    else:
        assert box["bottom"] <= box["height"] + 1, f"a short answer is shown whole: {box}"
    return box


def sender_and_history(page) -> tuple[str, int]:
    return page.evaluate(
        "() => { const s = JSON.parse(Object.values(sessionStorage)[0]); return [s.sender, s.history.length]; }"
    )


def test_a_new_answer_opens_at_its_first_line_and_a_reload_returns_there(sized_page):
    page = sized_page
    open_widget(page)
    tall = []
    for question in ("wat is glow?", "meer uitleg", "hoe lang duurt een glow-traject?", "welke combinaties kunnen niet?"):
        index = page.locator(".dbw-bot").count()
        ask(page, question)
        page.wait_for_timeout(100)  # the scroll happens in the same task; give layout a frame
        box = assert_opens_at_first_line(page, index)
        tall.append(box["bottom"] - box["top"] > box["height"])
    if page.size == "desktop":
        assert any(tall), "at least one answer is taller than the conversation area (else the test proves nothing)"
    shot(page, "long-answer")

    page.reload()
    page.locator(".dbw-msg").first.wait_for()
    page.wait_for_timeout(300)  # the stylesheet loads, then the widget scrolls
    assert_opens_at_first_line(page, page.locator(".dbw-bot").count() - 1)
    assert page.locator(".dbw-bot").last.locator("p").first.is_visible()


def test_full_screen_on_a_phone_and_a_demo_page_that_fits(sized_page):
    page = sized_page
    width, height = SIZES[page.size]["width"], SIZES[page.size]["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no horizontal scrolling"
    launcher = page.locator(".dbw-launcher").bounding_box()
    assert launcher["x"] >= 0 and launcher["x"] + launcher["width"] <= width
    assert launcher["y"] >= 0 and launcher["y"] + launcher["height"] <= height
    shot(page, "demo", whole_page=True)
    open_widget(page)
    panel = page.locator(".dbw-panel").bounding_box()
    if page.size == "phone":
        assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, width, height), panel
        assert page.locator(".dbw-launcher").is_hidden(), "the window covers the launcher"
    else:
        assert panel["width"] == 400 and panel["x"] + panel["width"] <= width - 16, panel
    ask(page, BVS_QUESTION)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, "open")
    page.keyboard.press("Escape")
    assert page.locator(".dbw-panel").is_hidden() and page.locator(".dbw-launcher").is_visible()
    assert widget_focus(page) == "dbw-launcher"


def test_new_conversation_forgets_the_earlier_client(sized_page, servers):
    page = sized_page
    open_widget(page)
    ask(page, BVS_QUESTION)
    ask(page, "welke bron?")  # a follow-up: read against the answer before it
    assert "C03S350" in page.locator(".dbw-bot").last.inner_text(), "the follow-up uses the conversation"
    sender, kept = sender_and_history(page)
    assert kept == 4

    page.get_by_role("button", name="Nieuw gesprek").click()
    assert page.locator(".dbw-msg").count() == 0
    assert page.locator(".dbw-intro").is_visible()
    assert page.locator(".dbw-status").inner_text() == "Nieuw gesprek gestart."
    assert widget_focus(page) == "dbw-input"
    new_sender, kept = sender_and_history(page)
    assert new_sender != sender and kept == 0

    ask(page, "welke bron?")
    follow_up = page.locator(".dbw-bot").last.inner_text()
    assert "C03S350" not in follow_up and "3.4.1" not in follow_up, "nothing of the earlier conversation is used"
    tracker = requests.get(
        f"{servers.rasa_url}/conversations/{new_sender}/tracker", params={"token": servers.api_token}, timeout=30
    ).json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["welke bron?"], "a conversation of its own"
    assert tracker["events"][0]["event"] == "action" and tracker["events"][0]["name"] == "action_session_start"
    shot(page, "new-conversation")
    page.reload()
    page.locator(".dbw-msg").first.wait_for()
    assert page.locator(".dbw-user p").all_inner_texts() == ["welke bron?"]
    assert sender_and_history(page)[0] == new_sender


def test_a_new_conversation_drops_the_answer_still_on_its_way(page):
    held = []
    page.route(WEBHOOK, lambda route: held.append(route))
    open_widget(page)
    page.get_by_label("Je vraag").fill(BVS_QUESTION)
    page.get_by_label("Je vraag").press("Enter")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    page.get_by_role("button", name="Nieuw gesprek").click()
    held[0].continue_()
    page.unroute(WEBHOOK)
    page.wait_for_timeout(3000)
    assert page.locator(".dbw-msg").count() == 0, "the old conversation's answer does not appear in the new one"
    assert page.locator(".dbw-typing").is_hidden()
    ask(page, "hallo")
    assert "Draaiboek-assistent" in page.locator(".dbw-bot").last.inner_text()


def test_chosen_buttons_and_ratings_are_one_off(sized_page):
    page = sized_page
    open_widget(page)
    ask(page, "kan da samen?")
    choices = page.locator(".dbw-bot").nth(page.locator(".dbw-bot").count() - 1).locator(".dbw-buttons")
    assert choices.locator("button").count() >= 2
    title = choices.locator("button").nth(1).inner_text()
    replies = page.locator(".dbw-bot").count()
    choices.locator("button").nth(1).click()
    page.locator(".dbw-bot").nth(replies).wait_for()
    assert page.locator(".dbw-user p").last.inner_text() == title
    buttons = choices.locator("button")
    assert all(buttons.nth(i).is_disabled() for i in range(buttons.count())), "a choice is made once"
    assert buttons.nth(1).get_attribute("aria-pressed") == "true"
    assert buttons.nth(0).get_attribute("aria-pressed") == "false"
    sent = page.locator(".dbw-user").count()
    buttons.nth(0).click(force=True)  # a click on a disabled button sends nothing
    page.wait_for_timeout(500)
    assert page.locator(".dbw-user").count() == sent

    answer = page.locator(".dbw-bot").nth(replies)
    answer.locator(".dbw-source").wait_for()
    answer.get_by_role("button", name="Meer uitleg").click()  # a choice beside the rating
    page.locator(".dbw-bot").nth(replies + 1).wait_for()
    assert answer.get_by_role("button", name="Meer uitleg").is_disabled()
    assert answer.get_by_role("button", name="Fout antwoord").is_enabled(), "the answer can still be rated"
    answer.get_by_role("button", name="Fout antwoord").click()
    page.locator(".dbw-bot").nth(replies + 2).wait_for()
    assert answer.get_by_role("button", name="Goed antwoord").is_disabled()
    assert answer.get_by_role("button", name="Fout antwoord").get_attribute("aria-pressed") == "true"
    shot(page, "buttons-used")

    page.reload()
    page.locator(".dbw-msg").first.wait_for()
    after = page.locator(".dbw-bot").nth(replies - 1).locator(".dbw-buttons button")
    assert all(after.nth(i).is_disabled() for i in range(after.count())), "still used after a reload"
    assert after.nth(1).get_attribute("aria-pressed") == "true"
    assert page.locator(".dbw-bot").nth(replies).get_by_role("button", name="Fout antwoord").get_attribute("aria-pressed") == "true"


def test_a_citation_opens_its_passage_in_the_widget(sized_page):
    page = sized_page
    open_widget(page)
    ask(page, BVS_QUESTION)
    answer = page.locator(".dbw-bot").last
    cite = answer.get_by_role("button", name=f"Open de passage: {BVS_CITATION}")
    assert cite.inner_text() == BVS_CITATION
    assert answer.locator(".dbw-source").inner_text().startswith("Bron:")
    assert axe_violations(page) == []

    cite.focus()
    page.keyboard.press("Enter")  # keyboard only
    dialog = page.get_by_role("dialog", name="§3.4.1 Heeft de klant nood aan een stage?")
    dialog.wait_for()
    passages = [p["text"] for p in KnowledgeBase(settings.db_path()).passages_in("lp", "3.4.1")]
    passages.remove("Heeft de klant nood aan een stage?")  # the heading: the dialog's title already
    dialog.locator(".dbw-passage-body p").nth(len(passages) - 1).wait_for()
    assert dialog.locator(".dbw-passage-body p").all_inner_texts() == passages
    assert "stage" in dialog.locator(".dbw-passage-body").inner_text()
    assert dialog.locator(".dbw-passage-doc").inner_text() == "Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025)"
    assert widget_focus(page) == "dbw-close dbw-passage-close"
    page.keyboard.press("Tab")
    assert widget_focus(page) == "dbw-passage-body"
    page.keyboard.press("Tab")  # focus stays in the passage
    assert widget_focus(page) == "dbw-close dbw-passage-close"
    assert page.locator(".dbw-input").evaluate("(el) => el.closest('[inert]') !== null"), "the rest waits"
    box = dialog.bounding_box()
    panel = page.locator(".dbw-panel").bounding_box()
    assert all(abs(box[k] - panel[k]) <= 2 for k in box), f"the passage covers the widget's window: {box}, {panel}"
    shot(page, "passage")
    assert axe_violations(page) == []

    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert page.locator(".dbw-panel").is_visible(), "Escape closes the passage, not the widget"
    assert widget_focus(page) == "dbw-cite"
    cite.click()
    dialog.wait_for()
    page.get_by_role("button", name="Sluit de passage").click()
    assert dialog.is_hidden() and widget_focus(page) == "dbw-cite"


def test_an_unknown_passage_says_so_in_dutch(page):
    page.route(WEBHOOK, lambda route: route.fulfill(status=200, content_type="application/json", body=(
        '[{"recipient_id": "x", "text": "Antwoord.\\nBron: Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025), §99 Weg", '
        '"citations": [{"document": "lp", "title": "Draaiboek Lokale Partnerschappen", "version": "6", '
        '"date": "oktober 2025", "section": "99", "section_title": "Weg"}]}]'
    )))
    open_widget(page)
    ask(page, "test")
    page.locator(".dbw-cite").click()
    page.get_by_text(M070_NO_PASSAGE).wait_for()
    page.keyboard.press("Escape")
    assert page.locator(".dbw-passage").is_hidden()


def test_waiting_is_announced_and_the_log_is_busy(sized_page):
    page = sized_page
    held = []
    page.route(WEBHOOK, lambda route: held.append(route))
    open_widget(page)
    log = page.get_by_role("log")
    waiting = page.get_by_role("status").filter(has_text="De assistent typt…")
    assert log.get_attribute("aria-busy") == "false" and waiting.count() == 0
    page.get_by_label("Je vraag").fill("hallo")
    page.get_by_label("Je vraag").press("Enter")
    waiting.wait_for(state="attached")
    assert log.get_attribute("aria-busy") == "true"
    assert waiting.get_attribute("aria-live") == "polite"
    shot(page, "waiting")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    page.locator(".dbw-bot").first.wait_for()
    assert log.get_attribute("aria-busy") == "false"
    assert waiting.count() == 0 and page.locator(".dbw-waiting").inner_text() == ""


# --- the passage route -----------------------------------------------------------------------------

def test_passage_route_serves_a_cited_section(servers):
    url = f"{servers.rasa_url}/webhooks/widget/passage"
    response = requests.get(url, params={"doc": "lp", "section": "3.4.1"}, timeout=10)
    assert response.status_code == 200
    body = response.json()
    expected = KnowledgeBase(settings.db_path()).passages_in("lp", "3.4.1")
    assert {k: body[k] for k in ("document", "title", "version", "date", "section", "section_title")} == {
        "document": "lp", "title": "Draaiboek Lokale Partnerschappen", "version": "6", "date": "oktober 2025",
        "section": "3.4.1", "section_title": "Heeft de klant nood aan een stage?",
    }
    assert body["passages"] == [p["text"] for p in expected] and len(body["passages"]) > 2
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("params", [
    {"doc": "lp", "section": "99.9"},
    {"doc": "onbekend", "section": "3.4.1"},
    {"doc": "LP", "section": "3.4.1"},
    {"doc": "lp", "section": "3.4.1' or '1'='1"},
    {"doc": "lp' --", "section": "3.4.1"},
    {"doc": "lp", "section": "3.4.1%"},
    {"doc": "lp", "section": "../3.4.1"},
    {"doc": "lp", "section": "x" * 500},
])
def test_passage_route_refuses_unknown_or_odd_input_in_dutch(servers, params):
    response = requests.get(f"{servers.rasa_url}/webhooks/widget/passage", params=params, timeout=10)
    assert response.status_code == 404
    assert response.json() == {"error": M070_NO_PASSAGE}


@pytest.mark.parametrize("query", ["", "?doc=lp", "?section=3.4.1", "?doc=lp&section=3.4.1&doc=glow", "?doc=lp&section=3.4.1&x=1"])
def test_passage_route_wants_one_doc_and_one_section(servers, query):
    response = requests.get(f"{servers.rasa_url}/webhooks/widget/passage{query}", timeout=10)
    assert response.status_code == 400
    assert response.json() == {"error": M069_BAD_PASSAGE_REQUEST}


def test_passage_route_cors_like_the_webhook(servers):
    url = f"{servers.rasa_url}/webhooks/widget/passage?doc=lp&section=3.4.1"
    listed = f"http://localhost:{INTRANET_PORT}"
    assert requests.get(url, headers={"Origin": listed}, timeout=10).headers.get("Access-Control-Allow-Origin") == listed
    evil = requests.get(url, headers={"Origin": "http://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_webhook_replies_carry_their_citations(servers):
    reply = requests.post(
        f"{servers.rasa_url}/webhooks/widget/webhook", json={"sender": "widget-cite", "message": "wat is glow?"}, timeout=30,
    ).json()
    assert reply[0]["text"].splitlines()[-1].startswith("Bron: Draaiboek GLOW")  # the text as every channel has it
    cited = reply[0]["citations"]
    assert {"document": "glow", "title": "Draaiboek GLOW", "version": "februari 2023", "date": "februari 2023",
            "section": "1.1", "section_title": "Wat is een GLOW-traject?"} in cited
    kb = KnowledgeBase(settings.db_path())
    assert all(kb.passages_in(c["document"], c["section"]) for c in cited), "every citation opens a passage"
    rest = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": "rest-cite", "message": "wat is glow?"}, timeout=30,
    ).json()
    assert "citations" not in rest[0] and rest[0]["text"] == reply[0]["text"], "the REST channel is unchanged"
