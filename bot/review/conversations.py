"""The assistant's answers as they stand in the conversation log, ready for review.

The log is Rasa's SQL tracker store (`endpoints.yml`; SQLite by default, PostgreSQL by setting),
read here with SQLAlchemy and never written. One `ReviewItem` per question a case worker typed
(or clicked as a topic button): the user event, the action that ran, the bot's text, and the
slots the actions set in that turn — `answer_records`, `answer_declined`, `answer_sources` when the
actions store it — plus the 👍/👎 rating a later turn stored in the slot `feedback`. A feedback
click is not a question of its own. Slots set at a session start (carried over) belong to no turn.

Which passage of which document an answer cites comes from `answer_sources` when present; else
from the answer's source lines ("Bron: …, §3.4.1") and the citations of its records in
knowledge.db (`Catalogue`).

Questions, answers and entity values are redacted as they are read (`bot.privacy`): a log written
before a pattern existed still shows no client data on the page, in the marks or in the export.
A rating names the answer it rates (the user message id, `rated_answer` in the rating's metadata,
see `bot.channels.guard`); a rating without one goes to the latest answer with its records.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import json
import os
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from bot import settings
from bot.messages import NO_ANSWER_MARKER, SOURCE_PREFIX
from bot.privacy import redact, redact_value
from bot.review import ReviewError

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
FEEDBACK_INTENT = "feedback"
#: Actions that do not answer: they are not "the action that ran" for a question.
_SILENT_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent", "action_extract_slots"}
#: Record kinds in the order their citations explain an answer (an id can be a topic and a glossary term).
_KIND_ORDER = ("topics", "combinations", "eligibility", "procedures", "instruments", "roles", "forms",
               "contacts", "glossary")
#: Length of a section excerpt shown when no citation of the answered record names that section.
EXCERPT_CHARS = 700


# --- where the log is --------------------------------------------------------------------------


def default_tracker_url(project: Path = settings.PROJECT_DIR) -> str:
    """$DRAAIBOEK_TRACKER_URL (bot.settings), else the tracker store of endpoints.yml as a SQLAlchemy URL."""
    if settings.tracker_url():
        return settings.tracker_url()
    try:
        endpoints = yaml.safe_load((project / "endpoints.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ReviewError("B001", f"endpoints.yml niet leesbaar ({e}); geef het gesprekslog op met --tracker") from e
    store = endpoints.get("tracker_store") or {}
    dialect = str(store.get("dialect") or "sqlite")
    db = os.path.expandvars(str(store.get("db") or "rasa.db"))
    if dialect == "sqlite":
        path = Path(db) if Path(db).is_absolute() else project / db
        return f"sqlite:///{path}"
    from sqlalchemy.engine import URL

    def value(key: str) -> str | None:
        raw = store.get(key)
        return os.path.expandvars(str(raw)) if raw is not None else None

    port = value("port")
    # Rasa's SQL store takes the host from `url` (its docs) or `host`
    return URL.create(
        dialect, username=value("username"), password=value("password"), host=value("url") or value("host"),
        port=int(port) if port else None, database=db,
    ).render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as it is
        return url


# --- what one answer is ------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A section an answer cites: from `answer_sources`, or derived (record may then be unknown)."""

    document: str
    version: str
    section: str
    record: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"record": self.record, "document": self.document, "version": self.version, "section": self.section}


@dataclass(frozen=True)
class Passage:
    """What the review page shows next to an answer for one `Source`."""

    source: Source
    document_title: str
    current_version: str | None  # the document's version in knowledge.db now (None: document unknown)
    section_title: str | None
    text: str
    from_citation: bool  # False: an excerpt of the section, no citation of the record names it

    @property
    def outdated(self) -> bool:
        return self.current_version is not None and self.current_version != self.source.version


@dataclass(slots=True)
class ReviewItem:
    """One question and the assistant's answer to it."""

    key: str  # stable across reads: hashed sender + the user event's timestamp
    sender_id: str
    turn: int  # 1 = the first question of this sender
    event_id: int
    timestamp: float
    question: str
    intent: str
    confidence: float | None  # of the best real intent (for a fallback: the intent it fell back from)
    best_intent: str | None = None  # the best-ranked intent that is not nlu_fallback
    ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    button: bool = False  # the question is a clicked button, not typed text
    action: str | None = None
    answer: str = ""
    records: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    declined: bool = False
    feedback: str | None = None  # "goed" | "fout"
    message_id: str | None = None  # the user message's id: a rating names it
    previous_question: str | None = None  # the question before, in the same conversation
    session: int = 1  # 1 = the sender's first session
    question_folded: str = ""  # case-folded, for the text search
    answer_folded: str = ""  # case-folded; one string object for every identical answer (see `Filters.search`)

    @property
    def conversation(self) -> str:
        """The code of this sender's conversation (a hash; the sender id itself is not shown)."""
        return self.key.split("-", 1)[0]

    @property
    def sender(self) -> str:
        """A short code for the conversation; the sender id itself is not shown."""
        return hashlib.sha256(self.sender_id.encode()).hexdigest()[:8]

    @property
    def fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT

    @property
    def out_of_scope(self) -> bool:
        return self.intent == OUT_OF_SCOPE_INTENT

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp)

    @property
    def documents(self) -> list[str]:
        return list(dict.fromkeys(s.document for s in self.sources))


def conversation_code(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode()).hexdigest()[:16]


def item_key(sender_id: str, timestamp: float) -> str:
    return f"{conversation_code(sender_id)}-{timestamp:.6f}"


# --- knowledge.db: documents, sections, citations -----------------------------------------------


class Catalogue:
    """The documents, sections and citations of knowledge.db, read once into memory (small)."""

    def __init__(self, path: str | Path):
        from bot.knowledge import KnowledgeBase

        kb = KnowledgeBase(path)  # refuses a missing, corrupt or outdated file with the fix
        db = kb.db
        self.path = Path(path)
        self.documents: dict[str, dict[str, Any]] = {
            row[0]: {"title": row[1], "short_title": row[2], "version": str(row[3]), "date": row[4]}
            for row in db.execute("select id, title, short_title, version, date from documents order by rowid")
        }
        self.sections: dict[tuple[str, str], tuple[str, str]] = {
            (row[0], row[1]): (row[2], row[3] or "")
            for row in db.execute("select document, id, title, text from sections order by rowid")
        }
        rank = {kind: i for i, kind in enumerate(_KIND_ORDER)}
        rows = sorted(
            db.execute("select kind, record_id, position, document, version, section, passage from citations"),
            key=lambda r: (rank.get(r[0], len(rank)), r[2]),
        )
        # record -> [(document, version, section, passage)] of the kind that explains an answer (a topic
        # before the glossary term of the same id); all_citations: of every kind
        self.citations: dict[str, list[tuple[str, str, str, str]]] = {}
        self.all_citations: dict[str, list[tuple[str, str, str, str]]] = {}
        kind_of: dict[str, str] = {}
        for kind, record, _, document, version, section, passage in rows:
            citation = (document, str(version), str(section), passage)
            self.all_citations.setdefault(record, []).append(citation)
            if kind_of.setdefault(record, kind) == kind:
                self.citations.setdefault(record, []).append(citation)
        self.topics: dict[str, tuple[str, str, str]] = {
            row[0]: (row[1], row[2], row[3] or "")
            for row in db.execute("select id, intent, title, kind from topics order by rowid")
        }
        self.variants: dict[str, list[str]] = {}
        for variant, term in db.execute("select variant, term from term_variants"):
            self.variants.setdefault(term, []).append(variant)
        db.conn.close()

    @classmethod
    def open(cls, path: str | Path | None = None) -> Catalogue:
        return cls(path or settings.db_path())

    # topics
    def topic_titles(self) -> dict[str, str]:
        """Intent → title of its (first) topic, in knowledge order."""
        titles: dict[str, str] = {}
        for intent, title, _ in self.topics.values():
            titles.setdefault(intent, title)
        return titles

    def topic_kind(self, intent: str) -> str | None:
        return next((kind for i, _, kind in self.topics.values() if i == intent), None)

    def topic_ids(self, intent: str) -> list[str]:
        return [tid for tid, (i, _, _) in self.topics.items() if i == intent]

    def intent_of_record(self, record: str) -> str | None:
        return self.topics[record][0] if record in self.topics else None

    # sources
    def document_for_title(self, short_title: str) -> str | None:
        for document_id, document in self.documents.items():
            if short_title in (document["short_title"], document["title"]):
                return document_id
        return None

    def sources_for(self, records: Sequence[str], answer: str) -> list[Source]:
        """The sections an answer cites: its source lines, attributed to the records that cite them.

        Without a source line (a decline without contacts, a greeting), the records' own citations.
        """
        cited = [
            (document, version, section)
            for title, version, sections in parse_source_lines(answer)
            if (document := self.document_for_title(title)) is not None
            for section in sections
        ]
        sources: list[Source] = []
        if cited:
            for document, version, section in cited:
                citing = [
                    r for r in records
                    if any(c[0] == document and c[2] == section for c in self.citations.get(r, []))
                ]
                sources += [Source(document, version, section, r) for r in citing] or [Source(document, version, section)]
        else:
            for record in records:
                for document, version, section, _ in self.citations.get(record, []):
                    source = Source(document, version, section, record)
                    if source not in sources:
                        sources.append(source)
        return list(dict.fromkeys(sources))

    def passage(self, source: Source) -> Passage:
        """The cited passage of a source; an excerpt of the section when no citation of the record has it."""
        document = self.documents.get(source.document)
        title = document["title"] if document else source.document
        current = document["version"] if document else None
        section_title, section_text = self.sections.get((source.document, source.section), (None, ""))
        candidates = [
            c for c in self.all_citations.get(source.record or "", []) if c[0] == source.document and c[2] == source.section
        ]
        same_version = [c for c in candidates if c[1] == source.version] or candidates
        if same_version:
            text = " … ".join(dict.fromkeys(c[3].strip() for c in same_version))
            return Passage(source, title, current, section_title, text, True)
        excerpt = section_text.strip()
        if len(excerpt) > EXCERPT_CHARS:
            excerpt = excerpt[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
        return Passage(source, title, current, section_title, excerpt, False)

    def passages(self, item: ReviewItem) -> list[Passage]:
        return [self.passage(source) for source in item.sources]


_SOURCE_LINE = re.compile(
    r"^\s*[*_>]*\s*" + re.escape(SOURCE_PREFIX) + r"\s*(?P<title>.+?)(?:, versie (?P<version>.+?))?"
    r" \((?P<date>[^()]*)\), (?P<sections>§.*?)\s*$"
)


def parse_source_lines(text: str) -> list[tuple[str, str, list[str]]]:
    """(document short title, version, [sections]) for each "Bron: …" line of an answer."""
    found = []
    for line in text.splitlines():
        match = _SOURCE_LINE.match(line)
        if match:
            sections = [s.strip() for s in re.findall(r"§\s*([^,§\s]+)", match["sections"])]
            found.append((match["title"].strip(), (match["version"] or match["date"]).strip(), sections))
    return found


# --- events → items ----------------------------------------------------------------------------


class _Turn:
    """An item under construction: the user event and what followed it until the next user event."""

    def __init__(self, item: ReviewItem):
        self.item = item
        self.texts: list[str] = []
        self.declined_slot: bool | None = None
        self.sources_slot: list[Source] | None = None


def _sources_from_slot(value: Any) -> list[Source] | None:
    if not isinstance(value, list):
        return None
    sources = []
    for entry in value:
        if isinstance(entry, dict) and entry.get("document") and entry.get("section") is not None:
            sources.append(Source(
                str(entry["document"]), str(entry.get("version") or ""), str(entry["section"]),
                str(entry["record"]) if entry.get("record") else None,
            ))
    return list(dict.fromkeys(sources))


@functools.lru_cache(maxsize=16384)
def _redact_repeated(text: str) -> str:
    """`redact`, remembered: for texts that repeat (answers from the knowledge base, entity names and values)."""
    return redact(text)


def _load(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    try:
        value = json.loads(data) if data else {}
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


class _Sender:
    """What is known of one sender's conversation so far; events are fed to it in the order Rasa wrote them.

    The last turn stays open (a later batch of events may add to its answer); `settle` fills its item
    from what arrived so far.
    """

    def __init__(self, sender_id: str, catalogue: Catalogue | None, folded: dict[str, str]):
        self.sender_id, self.catalogue, self.folded = sender_id, catalogue, folded
        self.turn: _Turn | None = None
        self.feedback_turn = False
        self.rated_answer: str | None = None
        self.items: list[ReviewItem] = []
        self.buttons: dict[str, str] = {}
        self.session = 0

    def settle(self) -> None:
        turn = self.turn
        if turn is None:
            return
        item = turn.item
        item.answer = "\n".join(t for t in turn.texts if t)
        item.declined = turn.declined_slot if turn.declined_slot is not None else NO_ANSWER_MARKER in item.answer
        if turn.sources_slot is not None:
            item.sources = turn.sources_slot
        elif self.catalogue is not None:
            item.sources = self.catalogue.sources_for(item.records, item.answer)
        item.question_folded = item.question.casefold()
        folded = item.answer.casefold()
        item.answer_folded = self.folded.setdefault(folded, folded)  # shared: answers repeat

    def finish(self) -> None:
        self.settle()
        self.turn = None

    def feed(self, row_id: Any, type_name: str, timestamp: Any, action_name: str | None, raw: Any) -> ReviewItem | None:
        """Take one event; the new item when it is a question."""
        if type_name == "user":
            self.finish()
            data = _load(raw)
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            text = data.get("text") or parse.get("text") or ""
            name = str(intent.get("name") or "")
            if name == FEEDBACK_INTENT or text.startswith(f"/{FEEDBACK_INTENT}"):
                self.feedback_turn = True
                rated = (data.get("metadata") or {}).get("rated_answer") if isinstance(data.get("metadata"), dict) else None
                self.rated_answer = rated if isinstance(rated, str) else None
                return None
            self.feedback_turn = False
            # the ten best are kept (Rasa stores the whole ranking; the review shows the best real intent)
            ranking = [
                (str(r.get("name")), float(r.get("confidence") or 0.0))
                for r in itertools.islice(parse.get("intent_ranking") or [], 10) if isinstance(r, dict)
            ]
            best = next(((n, c) for n, c in ranking if n != FALLBACK_INTENT), None)
            confidence = intent.get("confidence")
            if name == FALLBACK_INTENT:
                confidence = best[1] if best else None
            title = self.buttons.get(text.strip()) if text.startswith("/") else None  # the clicked button's title
            self.buttons = {}
            ts = float(data.get("timestamp") or timestamp or 0.0)
            item = ReviewItem(
                key=item_key(self.sender_id, ts), sender_id=self.sender_id, turn=len(self.items) + 1, event_id=int(row_id),
                timestamp=ts, question=redact(title or text), intent=name,
                confidence=float(confidence) if confidence is not None else None,
                best_intent=best[0] if best else None, ranking=ranking,
                entities=[redact_value(e, _redact_repeated) for e in parse.get("entities") or [] if isinstance(e, dict)],
                message_id=str(data["message_id"]) if data.get("message_id") else None,
                button=text.startswith("/"),
                previous_question=self.items[-1].question if self.items else None,
                session=max(self.session, 1),
            )
            self.items.append(item)
            self.turn = _Turn(item)
            return item
        if type_name == "action":
            if action_name == "action_session_start":
                self.finish()
                self.feedback_turn = False
            elif self.turn is not None and self.turn.item.action is None and action_name not in _SILENT_ACTIONS:
                self.turn.item.action = action_name
        elif type_name == "bot":
            data = _load(raw)
            found = ((data.get("data") or {}).get("buttons")) or []
            for button in found:
                if isinstance(button, dict) and button.get("payload"):
                    self.buttons[str(button["payload"]).strip()] = str(button.get("title") or "")
            if self.turn is not None:
                self.turn.texts.append(_redact_repeated(str(data.get("text") or "")))
        elif type_name == "slot":
            self._slot(_load(raw), action_name)
        elif type_name == "session_started":
            self.finish()
            self.feedback_turn = False
            self.session += 1
        return None

    def _slot(self, data: dict[str, Any], action_name: str | None) -> None:
        name, value = data.get("name") or action_name, data.get("value")
        turn = self.turn
        if turn is not None:
            if name == "answer_records":
                turn.item.records = [str(v) for v in value] if isinstance(value, list) else []
            elif name == "answer_declined":
                turn.declined_slot = bool(value)
            elif name == "answer_sources":
                turn.sources_slot = _sources_from_slot(value)
        elif self.feedback_turn and name == "feedback" and isinstance(value, dict):
            rated = [str(r) for r in value.get("records") or []]
            # the rated answer: the one the rating names; else the latest with these records
            items = self.items
            target = next((i for i in items if self.rated_answer and i.message_id == self.rated_answer), None)
            target = target or next((i for i in reversed(items) if rated and i.records == rated), None)
            target = target or (items[-1] if items else None)
            if target is not None and value.get("rating") in ("goed", "fout"):
                target.feedback = value["rating"]


class EventReader:
    """Turns tracker-store rows into ReviewItems, batch by batch: a later batch continues each conversation."""

    def __init__(self, catalogue: Catalogue | None = None):
        self.catalogue = catalogue
        self.senders: dict[str, _Sender] = {}
        #: conversation code (ReviewItem.conversation) -> the sender's state
        self.by_code: dict[str, _Sender] = {}
        self.folded: dict[str, str] = {}  # case-folded answers, each kept once

    def feed(self, rows: Iterable[Sequence[Any]]) -> list[ReviewItem]:
        """The new items of `rows` `(id, sender_id, type_name, timestamp, action_name, data)`, ordered by sender, then id."""
        new: list[ReviewItem] = []
        touched: set[str] = set()
        state: _Sender | None = None
        for row_id, sender_id, type_name, timestamp, action_name, raw in rows:
            if state is None or state.sender_id != sender_id:
                state = self.senders.get(sender_id)
                if state is None:
                    state = self.senders[sender_id] = _Sender(sender_id, self.catalogue, self.folded)
                    self.by_code[conversation_code(sender_id)] = state
                touched.add(sender_id)
            item = state.feed(row_id, type_name, timestamp, action_name, raw)
            if item is not None:
                new.append(item)
        for sender_id in touched:
            self.senders[sender_id].settle()
        return new


def items_from_events(rows: Iterable[Sequence[Any]], catalogue: Catalogue | None = None) -> list[ReviewItem]:
    """ReviewItems from tracker-store rows `(id, sender_id, type_name, timestamp, action_name, data)`.

    Rows must be ordered by sender and then by id (the order Rasa wrote them).
    """
    return EventReader(catalogue).feed(rows)


# --- filters -----------------------------------------------------------------------------------


@dataclass
class Filters:
    """Which answers to show. Every set criterion must hold."""

    max_confidence: float | None = None  # confidence below this (no confidence counts as low)
    fallback: bool = False  # NLU fallback, out of scope, or declined
    thumbs_down: bool = False
    topic: str | None = None  # an intent: recognised, behind a fallback, or of an answered topic
    document: str | None = None  # a document id the answer cites
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    text: str | None = None  # words in the question or the answer (case-insensitive)

    def matches(self, item: ReviewItem, catalogue: Catalogue | None = None) -> bool:
        if self.text and not self.search([item]):
            return False
        if self.max_confidence is not None and item.confidence is not None and item.confidence >= self.max_confidence:
            return False
        if self.fallback and not (item.fallback or item.out_of_scope or item.declined):
            return False
        if self.thumbs_down and item.feedback != "fout":
            return False
        if self.topic:
            intents = {item.intent, item.best_intent if item.fallback else None}
            if catalogue is not None:
                intents |= {catalogue.intent_of_record(r) for r in item.records}
            if self.topic not in intents:
                return False
        if self.document and self.document not in item.documents:
            return False
        if self.date_from or self.date_to:
            day = item.when.date()
            if self.date_from and day < self.date_from:
                return False
            if self.date_to and day > self.date_to:
                return False
        return True


    def search(self, items: Iterable[ReviewItem]) -> list[ReviewItem]:
        """The items whose question or answer holds every word of `text` (case-insensitive).

        Answers repeat (they come from the knowledge base): which words an answer holds is worked
        out once per distinct answer, so a search over 100,000 answers looks at each question once.
        """
        words = frozenset((self.text or "").casefold().split())
        if not words:
            return list(items)
        in_answer: dict[str, frozenset[str]] = {}
        found = []
        for item in items:
            answer = item.answer_folded
            held = in_answer.get(answer)
            if held is None:
                held = in_answer[answer] = frozenset(w for w in words if w in answer)
            if len(held) == len(words) or all(w in item.question_folded for w in words - held):
                found.append(item)
        return found

    def without_text(self) -> "Filters":
        return replace(self, text=None)

    def is_empty(self) -> bool:
        return self == Filters()


def apply_filters(items: Iterable[ReviewItem], filters: Filters, catalogue: Catalogue | None = None) -> list[ReviewItem]:
    if filters.text:
        items = filters.search(items)
        filters = filters.without_text()
    if filters.is_empty():
        return list(items)
    return [item for item in items if filters.matches(item, catalogue)]


# --- the log -----------------------------------------------------------------------------------


def _read_only_url(url: str) -> str:
    """A SQLite URL opened read-only; other databases as they are (the review only selects)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    path = Path(parsed.database)
    if not path.is_file():
        raise ReviewError("B002", f"gesprekslog niet gevonden: {path}; start de assistent eerst (of geef --tracker)")
    return f"sqlite:///file:{path.resolve()}?mode=ro&uri=true"


#: How far below the highest id read a database with concurrent writers is read again (`ConversationLog.overlap`).
OVERLAP_IDS = 500


class TextIndex:
    """The text search over many answers, in a few scans of long strings instead of a loop per answer.

    The questions are joined into one string (`str.find` runs over it at C speed, then the position
    tells the question); the answers are looked at once per distinct text (they come from the
    knowledge base and repeat).
    """

    _SEPARATOR = "\x00"

    def __init__(self, items: Sequence[ReviewItem]):
        self.items = list(items)
        self.starts: list[int] = []
        position = 0
        for item in self.items:
            self.starts.append(position)
            position += len(item.question_folded) + 1
        self.questions = self._SEPARATOR.join(item.question_folded for item in self.items)
        self.by_answer: dict[str, list[int]] = {}
        for item in self.items:
            self.by_answer.setdefault(item.answer_folded, []).append(id(item))

    def _with_word(self, word: str) -> set[int]:
        found: set[int] = set()
        text, starts, items = self.questions, self.starts, self.items
        position = text.find(word)
        while position != -1:
            index = bisect.bisect_right(starts, position) - 1
            found.add(id(items[index]))
            following = starts[index + 1] if index + 1 < len(starts) else len(text)
            position = text.find(word, following)
        for answer, ids in self.by_answer.items():
            if word in answer:
                found.update(ids)
        return found

    def search(self, text: str) -> set[int]:
        """`id()` of the items whose question or answer holds every word of `text` (case-insensitive)."""
        words = [w for w in text.casefold().replace(self._SEPARATOR, " ").split() if w]
        if not words:
            return {id(item) for item in self.items}
        found = self._with_word(words[0])
        for word in words[1:]:
            if not found:
                break
            found &= self._with_word(word)
        return found


class ConversationLog:
    """The answers in a tracker store, read incrementally.

    The log only grows (Rasa appends events), so each read asks for the events after the highest id
    read so far and feeds them to the `EventReader`, which continues each conversation where it
    stopped. When the ids went back or the oldest events are gone (the log was cleaned up or
    replaced), everything is read again. `rows_read` counts the events read, for tests and the bench.
    With concurrent writers (PostgreSQL) the last `overlap` ids are asked for again, and an event seen
    there for the first time is read then.
    """

    _QUERY = (
        "select id, sender_id, type_name, timestamp, action_name, "
        "case when type_name = 'action' then null else data end "
        "from events where id > :after and id <= :upto "
        "and type_name in ('user', 'bot', 'action', 'slot', 'session_started') "
        "order by sender_id, id"
    )

    def __init__(self, url: str | None = None, catalogue: Catalogue | None = None):
        import sqlalchemy as sa

        self.url = url or default_tracker_url()
        self.catalogue = catalogue
        try:
            self.engine = sa.create_engine(_read_only_url(self.url))
        except ReviewError:
            raise
        except Exception as e:  # noqa: BLE001 - a bad URL or missing driver, told in Dutch
            raise ReviewError("B003", f"gesprekslog {display_url(self.url)} niet bruikbaar: {e}") from e
        self._lock = threading.Lock()
        self.rows_read = 0
        #: ids below the highest read that are asked for again: a database with concurrent writers
        #: (PostgreSQL, several Rasa servers) can commit an event after one with a higher id; SQLite
        #: has one writer at a time
        self.overlap = 0 if self.engine.dialect.name == "sqlite" else OVERLAP_IDS
        self._reset()

    def _reset(self) -> None:
        self._reader = EventReader(self.catalogue)
        self._first: int | None = None  # lowest event id when reading started
        self._last = 0  # highest event id read
        self._recent: set[int] = set()  # ids read within the overlap window below _last
        self._items: list[ReviewItem] = []
        self._by_key: dict[str, ReviewItem] = {}
        self._text_index: TextIndex | None = None  # built at the first search after the log grew

    def items(self, filters: Filters | None = None) -> list[ReviewItem]:
        """All answers (or those matching `filters`), oldest first."""
        with self._lock:
            self._refresh()
            items = self._items
            if filters and filters.text:
                if self._text_index is None:
                    self._text_index = TextIndex(items)
                found = self._text_index.search(filters.text)
                items = [item for item in items if id(item) in found]
                filters = filters.without_text()
        return apply_filters(items, filters, self.catalogue) if filters else list(items)

    def item(self, key: str) -> ReviewItem | None:
        with self._lock:
            self._refresh()
            return self._by_key.get(key)

    def conversation(self, code: str, *, refresh: bool = True) -> list[ReviewItem]:
        """Every answer of one conversation (by its code, `ReviewItem.conversation`), in order.

        `refresh=False`: as last read (a page that has just read the log asks for many conversations).
        """
        with self._lock:
            if refresh:
                self._refresh()
            state = self._reader.by_code.get(code)
            return list(state.items) if state else []

    def _refresh(self) -> None:
        import sqlalchemy as sa

        try:
            with self.engine.connect() as connection:
                low, high = connection.execute(sa.text(
                    # two subqueries: each is one index lookup (min and max in one select scan the table)
                    "select (select min(id) from events), (select max(id) from events)")).one()
                if high is None or high < self._last or (self._first is not None and low != self._first):
                    if self._last:  # emptied, cleaned up or replaced: start again
                        self._reset()
                    if high is None:
                        return
                if high == self._last:
                    return
                after = max(0, self._last - self.overlap)
                rows = connection.execute(sa.text(self._QUERY), {"after": after, "upto": high}).all()
                # an event committed late with a lower id than one read before: read now, once
                rows = [row for row in rows if row[0] > self._last or row[0] not in self._recent]
        except sa.exc.SQLAlchemyError as e:
            raise ReviewError(
                "B004", f"gesprekslog {display_url(self.url)} niet leesbaar (is het Rasa's SQL tracker store?): "
                f"{str(e).splitlines()[0]}"
            ) from e
        self.rows_read += len(rows)
        new = self._reader.feed(rows)
        if self._first is None:
            self._first = low
        self._last = high
        if self.overlap:
            floor = high - self.overlap
            self._recent = {i for i in self._recent if i > floor} | {row[0] for row in rows if row[0] > floor}
        self._text_index = None  # answers read before may have grown too
        if new:
            self._items.extend(new)
            self._items.sort(key=lambda i: (i.timestamp, i.event_id))
            self._by_key.update((item.key, item) for item in new)

    def close(self) -> None:
        self.engine.dispose()
