"""A large conversation log in Rasa's own format, and the review page's response times on it.

`generate_log` writes N answered questions into a new SQLite tracker store: the table Rasa's SQL
tracker store creates (`bot.tracker_store.RedactingSQLTrackerStore`), and per question the events
Rasa and the actions write — the user message with its NLU parse, the action, the bot's answer
composed by `bot.answers` from the knowledge base (with its source line and buttons), the slots
`answer_records`, `answer_sources` and `answer_declined`, and `action_listen` — serialised by Rasa's
own event classes. Conversations of a few questions each, some 👎 ratings, fallbacks and declines,
and now and then a very long pasted message. Rows are inserted in bulk, so 100,000 answers take
seconds, not the hours the Rasa server would.

`run_bench` serves the review page on such a log and times pages with a real HTTP client
(`python -m bot review bench --answers 100000`).
"""
from __future__ import annotations

import json
import random
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot import settings

#: Questions per conversation: 1 to this many.
MAX_TURNS = 6
JUNK = "lorem ipsum dolor sit amet " * 60  # a pasted text of some 1,600 characters
_QUESTION_FORMS = ("wat zegt het draaiboek over {title}?", "{title}, hoe zit dat?", "vraag over {title} ({n})",
                   "kan je uitleggen: {title}", "{title} bij een klant van het ocmw")


@dataclass
class _Template:
    intent: str
    title: str
    events: list[dict[str, Any]]  # action, bot and slot events (as Rasa stores them) after the question


def _templates(db_path: Path | None) -> list[_Template]:
    """One answer per topic of the knowledge base, as the actions give it; plus a decline."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet

    from bot import answers
    from bot.knowledge import KnowledgeBase

    kb = KnowledgeBase(db_path or settings.db_path())
    topics = list(kb.db.execute("select intent, title from topics order by rowid"))
    templates = []
    for intent, title in list(dict.fromkeys(topics)) + [("out_of_scope", "stoofvlees")]:
        if intent == "out_of_scope":
            answer, action = answers.no_answer(kb, {}, "wat is het beste recept voor stoofvlees"), "action_no_answer"
        else:
            answer, action = answers.answer_question(kb, intent, {}, title), "action_answer"
        buttons = answer.buttons or (answers.feedback_buttons() if answer.substantive else [])
        events = [
            ActionExecuted(action, policy="RulePolicy", confidence=1.0),
            BotUttered(answer.full_text, data={"buttons": buttons or None}),
            SlotSet("answer_records", answer.record_ids),
            SlotSet("answer_sources", answers.cited_sources(kb, answer.record_ids, answer.passage)),
            SlotSet("answer_declined", answer.declined),
            ActionExecuted("action_listen"),
        ]
        templates.append(_Template(intent, title, [event.as_dict() for event in events]))
    kb.db.conn.close()
    return templates


def create_events_table(path: Path) -> None:
    """The empty tracker store, created by Rasa's own SQL tracker store."""
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import RedactingSQLTrackerStore

    store = RedactingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(path))
    store.engine.dispose()


def generate_log(path: Path, answers: int, *, seed: int = 17, start: float = 1_760_000_000.0,
                 db_path: Path | None = None, sender_prefix: str = "werker") -> int:
    """Append `answers` answered questions to the tracker store at `path` (created when missing); the events written."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

    if not path.exists():
        create_events_table(path)
    rng = random.Random(seed)
    templates = _templates(db_path)
    decline = templates[-1]
    rows: list[tuple[Any, ...]] = []
    written, conversation, t = 0, 0, start

    def add(sender: str, event: dict[str, Any]) -> None:
        nonlocal t
        t += 0.01
        event = {**event, "timestamp": t}
        rows.append((sender, event["event"], t, (event.get("parse_data") or {}).get("intent", {}).get("name"),
                     event.get("name") if event["event"] in ("action", "slot") else None,
                     json.dumps(event, ensure_ascii=False)))

    while written < answers:
        conversation += 1
        sender = f"{sender_prefix}-{seed}-{conversation}"
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
            add(sender, event.as_dict())
        for turn in range(min(rng.randint(1, MAX_TURNS), answers - written)):
            t += rng.uniform(5, 120)
            roll = rng.random()
            template = decline if roll < 0.08 else rng.choice(templates[:-1])
            if roll < 0.005:
                text = JUNK + str(written)
            else:
                text = rng.choice(_QUESTION_FORMS).format(title=template.title.lower(), n=written)
            intent = template.intent
            confidence = round(rng.uniform(0.3, 0.99), 3)
            ranking = [{"name": intent, "confidence": confidence}, {"name": "nlu_fallback", "confidence": 0.3}]
            if 0.08 <= roll < 0.12:  # an NLU fallback behind a real intent
                intent, ranking = "nlu_fallback", [{"name": "nlu_fallback", "confidence": 0.5},
                                                  {"name": template.intent, "confidence": confidence / 2}]
            user = UserUttered(text, intent={"name": intent, "confidence": ranking[0]["confidence"]},
                               parse_data={"intent_ranking": ranking}, input_channel="rest",
                               message_id=f"{conversation:x}{turn:02x}{written:x}")
            add(sender, user.as_dict())
            for event in template.events:
                add(sender, event)
            written += 1
            if rng.random() < 0.05:  # a 👎 under this answer
                add(sender, UserUttered('/feedback{"rating": "fout"}', intent={"name": "feedback", "confidence": 1.0},
                                        metadata={"rated_answer": user.message_id}).as_dict())
                records = next(e["value"] for e in template.events if e.get("name") == "answer_records")
                add(sender, ActionExecuted("action_store_feedback").as_dict())
                add(sender, SlotSet("feedback", {"rating": "fout", "records": records}).as_dict())
                add(sender, ActionExecuted("action_listen").as_dict())
    with sqlite3.connect(path) as db:
        db.executemany("insert into events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                       "values (?, ?, ?, ?, ?, ?)", rows)
    db.close()
    return len(rows)


# --- timing the page -----------------------------------------------------------------------------


def _timed(get: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median, max) in milliseconds of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = get()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def run_bench(answers: int, *, port: int = 0, repeat: int = 5, folder: Path | None = None,
              echo: Callable[[str], None] = print) -> dict[str, float]:
    """Generate a log of `answers` answers in a temporary folder, serve the review page on it, time pages."""
    import re

    import requests

    from bot.review.app import ReviewApp, start_in_thread
    from bot.review.conversations import Catalogue, ConversationLog
    from bot.review.marks import MarkStore

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="review-bench-", dir=folder) as tmp:
        path = Path(tmp) / "conversations.db"
        started = time.perf_counter()
        events = generate_log(path, answers)
        results["generate_s"] = time.perf_counter() - started
        echo(f"gesprekslog: {answers} antwoorden, {events} events, {path.stat().st_size / 1e6:.0f} MB "
             f"(gemaakt in {results['generate_s']:.1f} s)")
        catalogue = Catalogue.open()
        log = ConversationLog(f"sqlite:///{path}", catalogue)
        started = time.perf_counter()
        items = log.items()
        results["first_read_s"] = time.perf_counter() - started
        echo(f"eerste lezing van het log: {results['first_read_s']:.1f} s ({log.rows_read} events gelezen, "
             f"{len(items)} antwoorden)")
        token = "bench-" + "x" * 16
        app = ReviewApp(log, MarkStore(Path(tmp) / "review.db"), catalogue, token=token)
        _, url, stop = start_in_thread(app, port)
        try:
            session = requests.Session()
            form = session.get(f"{url}/login", timeout=30).text
            nonce = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
            session.post(f"{url}/login", data={"token": token, "naam": "bench", "csrf": nonce}, timeout=30)
            topic = items[len(items) // 2].intent
            pages = max(1, -(-len(items) // 50))
            code = items[-1].conversation
            cases = [
                ("eerste pagina", "/", {}),
                ("zoeken (vraag en antwoord)", "/", {"zoek": "werkervaringsstage"}),
                ("filter: onderwerp + 👎", "/", {"onderwerp": topic, "duim": "1"}),
                ("filter: laag vertrouwen + fallback", "/", {"laag": "1", "fallback": "1"}),
                (f"late pagina ({pages} van {pages})", "/", {"pagina": str(pages)}),
                ("200 per pagina", "/", {"per": "200"}),
                ("een gesprek", f"/gesprek/{code}", {}),
            ]
            echo(f"{'pagina':40} {'mediaan ms':>10} {'max ms':>8} {'KB':>6}")
            for label, target, params in cases:
                median, worst, response = _timed(lambda: session.get(f"{url}{target}", params=params, timeout=60), repeat)
                response.raise_for_status()
                results[label] = median
                echo(f"{label:40} {median:10.0f} {worst:8.0f} {len(response.content) / 1000:6.0f}")
            before = log.rows_read
            new_events = generate_log(path, 100, seed=18, start=time.time(), sender_prefix="nieuw")
            median, worst, response = _timed(lambda: session.get(f"{url}/", timeout=60), 1)
            results["na 100 nieuwe antwoorden"] = median
            echo(f"{'eerste pagina na 100 nieuwe antwoorden':40} {median:10.0f} {worst:8.0f} "
                 f"{len(response.content) / 1000:6.0f}  ({log.rows_read - before} van {new_events} nieuwe events gelezen)")
        finally:
            stop()
            log.close()
    return results
