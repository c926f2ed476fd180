"""Reviewers' verdicts on answers, in their own SQLite file (default build/review.db).

The conversation log is only read; a mark lives here, keyed by the answer's `ReviewItem.key`
(hashed sender + the user event's timestamp). A mark also keeps a copy of the question and the
answer as they were marked, so an export still works after the log was cleaned up: redacted
(`bot.privacy`), like every text a mark keeps, so the file holds no client data in the clear; and the
file is its owner's only (0600). Marking an answer again replaces its mark.

Expected phrases are written one per line; " | " separates alternatives of which one must appear
(the question set's `expect`: a list item that is a list = alternatives).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union

import sqlite_utils

from bot import settings
from bot.files import private_file
from bot.privacy import redact, redact_value
from bot.review import ReviewError
from bot.review.conversations import ReviewItem

VERDICTS = ("right", "wrong")
#: How the page and the CLI name the verdicts.
VERDICT_LABELS = {"right": "juist", "wrong": "fout"}
ALTERNATIVES = " | "
MAX_COMMENT = 4000
Expectation = Union[str, list[str]]


def default_marks_path() -> Path:
    return settings.build_dir() / "review.db"


def parse_expected(text: str) -> list[Expectation]:
    """Expected phrases from the form: one per line, alternatives separated by "|"."""
    items: list[Expectation] = []
    for line in (text or "").splitlines():
        alternatives = [part.strip() for part in line.split("|") if part.strip()]
        if len(alternatives) == 1:
            items.append(alternatives[0])
        elif alternatives:
            items.append(alternatives)
    return items


def format_expected(items: list[Expectation]) -> str:
    return "\n".join(ALTERNATIVES.join(item) if isinstance(item, list) else item for item in items)


@dataclass
class Mark:
    """A verdict on one answer, with a copy of the answer as it was marked."""

    key: str
    verdict: str  # "right" | "wrong"
    comment: str = ""
    corrected_intent: str | None = None
    expected: list[Expectation] = field(default_factory=list)
    reviewer: str = ""
    marked_at: str = ""
    # the answer when it was marked
    sender: str = ""
    timestamp: float = 0.0
    question: str = ""
    intent: str = ""
    confidence: float | None = None
    action: str | None = None
    answer: str = ""
    records: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    declined: bool = False
    button: bool = False

    def redacted(self) -> "Mark":
        """This mark with every text it keeps redacted (question, answer, comment, phrases, entities)."""
        return replace(
            self, question=redact(self.question), answer=redact(self.answer), comment=redact(self.comment),
            expected=redact_value(self.expected), entities=redact_value(self.entities),
        )

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.verdict, self.verdict)


_JSON_FIELDS = ("expected", "records", "sources", "entities")
_COLUMNS = {
    "key": str, "verdict": str, "comment": str, "corrected_intent": str, "expected": str, "reviewer": str,
    "marked_at": str, "sender": str, "timestamp": float, "question": str, "intent": str, "confidence": float,
    "action": str, "answer": str, "records": str, "sources": str, "entities": str, "declined": int, "button": int,
}


class MarkStore:
    """The marks file. Opens a connection per call, so the web server's threads can share it."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_marks_path()
        try:
            private_file(self.path)
            db = self._db()
            if not db["marks"].exists():
                db["marks"].create(_COLUMNS, pk="key", not_null={"verdict"})
            db.conn.close()
        except Exception as e:  # noqa: BLE001 - any failure to open is told in Dutch with the path
            raise ReviewError("B020", f"beoordelingsbestand {self.path} niet bruikbaar: {e}") from e

    def _db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.path)

    def save(
        self,
        item: ReviewItem,
        verdict: str,
        *,
        comment: str = "",
        corrected_intent: str | None = None,
        expected: list[Expectation] | None = None,
        reviewer: str = "",
        known_intents: set[str] | None = None,
    ) -> Mark:
        """Store (or replace) the verdict on `item`; refuse what an export could not use."""
        if verdict not in VERDICTS:
            raise ReviewError("B021", f"onbekend oordeel {verdict!r}: kies juist of fout")
        corrected_intent = (corrected_intent or "").strip() or None
        if corrected_intent and known_intents is not None and corrected_intent not in known_intents:
            raise ReviewError("B022", f"onbekend onderwerp (intent) {corrected_intent!r}")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise ReviewError("B023", f"de opmerking is te lang (maximaal {MAX_COMMENT} tekens)")
        mark = Mark(
            key=item.key, verdict=verdict, comment=comment, corrected_intent=corrected_intent,
            expected=list(expected or []), reviewer=(reviewer or "").strip()[:100],
            marked_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            sender=item.sender, timestamp=item.timestamp, question=item.question, intent=item.intent,
            confidence=item.confidence, action=item.action, answer=item.answer, records=list(item.records),
            sources=[s.as_dict() for s in item.sources], entities=list(item.entities),
            declined=item.declined, button=item.button,
        ).redacted()
        row = asdict(mark)
        for name in _JSON_FIELDS:
            row[name] = json.dumps(row[name], ensure_ascii=False)
        row["declined"], row["button"] = int(mark.declined), int(mark.button)
        db = self._db()
        try:
            db["marks"].upsert(row, pk="key")
        finally:
            db.conn.close()
        return mark

    def get(self, key: str) -> Mark | None:
        db = self._db()
        try:
            rows = list(db["marks"].rows_where("key = ?", [key]))
        finally:
            db.conn.close()
        return _mark(rows[0]) if rows else None

    def all(self) -> list[Mark]:
        """Every mark, in the order the answers were given."""
        db = self._db()
        try:
            return [_mark(row) for row in db["marks"].rows_where(order_by="timestamp, key")]
        finally:
            db.conn.close()

    def by_key(self) -> dict[str, Mark]:
        return {mark.key: mark for mark in self.all()}

    def delete(self, key: str) -> bool:
        db = self._db()
        try:
            before = db["marks"].count
            db["marks"].delete_where("key = ?", [key])
            return db["marks"].count < before
        finally:
            db.conn.close()


def _mark(row: dict[str, Any]) -> Mark:
    values = dict(row)
    for name in _JSON_FIELDS:
        values[name] = json.loads(values[name]) if values.get(name) else []
    values["declined"], values["button"] = bool(values.get("declined")), bool(values.get("button"))
    values["comment"] = values.get("comment") or ""
    values["reviewer"] = values.get("reviewer") or ""
    return Mark(**values)
