"""Reviewers' verdicts on answers, in their own SQLite file (default build/review.db).

The conversation log is only read; a mark lives here, keyed by the answer's `ReviewItem.key`
(hashed sender + the user event's timestamp). A mark also keeps a copy of the question and the
answer as they were marked, so an export still works after the log was cleaned up: redacted
(`bot.privacy`), like every text a mark keeps, so the file holds no client data in the clear; and the
file is its owner's only (0600). Marking an answer again replaces its mark in `marks` (what the
export reads) and adds a row to `mark_history`: every mark ever given, with who gave it and when.
A "fout" needs the right topic or the expected phrases, or an export could not use it.

Reviewers (`reviewers`): a name and the SHA-256 of the reviewer's own token (`add_reviewer` makes one
and returns it once; the file keeps only its hash). Removing a reviewer or replacing the token ends the
review page's sessions opened with the old token (`reviewer_with_hash`, asked at every request).

Expected phrases are written one per line; " | " separates alternatives of which one must appear
(the question set's `expect`: a list item that is a list = alternatives).
"""
from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
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


_HISTORY_COLUMNS = {"id": int, **_COLUMNS}
#: At most this many characters in a reviewer's name.
MAX_NAME = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class MarkStore:
    """The marks file. Opens a connection per call, so the web server's threads can share it."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_marks_path()
        try:
            private_file(self.path)
            db = self._db()
            if not db["marks"].exists():
                db["marks"].create(_COLUMNS, pk="key", not_null={"verdict"})
            if not db["mark_history"].exists():
                db["mark_history"].create(_HISTORY_COLUMNS, pk="id", not_null={"verdict"})
                db["mark_history"].create_index(["key"])
                # marks made before the history existed are its first entries
                db.execute("insert into mark_history (" + ", ".join(_COLUMNS) + ") select " + ", ".join(_COLUMNS)
                           + " from marks order by marked_at")
            if not db["reviewers"].exists():
                db["reviewers"].create({"name": str, "token_hash": str, "added_at": str}, pk="name")
                db["reviewers"].create_index(["token_hash"], unique=True)
            db.conn.commit()
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
        if verdict == "wrong" and not corrected_intent and not expected:
            raise ReviewError(
                "B024", "bij 'fout' hoort het juiste onderwerp of de verwachte zinnen (of beide): "
                "zonder die gegevens kan de beoordeling geen test worden"
            )
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
            with db.conn:
                db["marks"].upsert(row, pk="key")
                db["mark_history"].insert(row)
        finally:
            db.conn.close()
        return mark

    def history(self, key: str) -> list[Mark]:
        """Every mark given to one answer, newest first."""
        return self.histories([key]).get(key, [])

    def histories(self, keys: list[str]) -> dict[str, list[Mark]]:
        """key -> every mark given to that answer, newest first."""
        if not keys:
            return {}
        db = self._db()
        found: dict[str, list[Mark]] = {}
        try:
            where = f"key in ({', '.join('?' * len(keys))})"
            for row in db["mark_history"].rows_where(where, list(keys), order_by="id desc"):
                row.pop("id", None)
                found.setdefault(row["key"], []).append(_mark(row))
        finally:
            db.conn.close()
        return found

    # --- reviewers ------------------------------------------------------------------------------
    def add_reviewer(self, name: str) -> str:
        """A new token for reviewer `name` (replacing an earlier one); returned once, stored hashed."""
        name = " ".join((name or "").split())
        if not name or len(name) > MAX_NAME:
            raise ReviewError("B025", f"een reviewer heeft een naam van 1 tot {MAX_NAME} tekens")
        token = secrets.token_urlsafe(24)
        db = self._db()
        try:
            with db.conn:
                db["reviewers"].upsert({"name": name, "token_hash": token_hash(token),
                                        "added_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}, pk="name")
        finally:
            db.conn.close()
        return token

    def remove_reviewer(self, name: str) -> bool:
        db = self._db()
        try:
            with db.conn:
                return db.execute("delete from reviewers where name = ?", [name]).rowcount > 0
        finally:
            db.conn.close()

    def reviewers(self) -> list[tuple[str, str]]:
        """(name, added at) of every reviewer."""
        db = self._db()
        try:
            return [(r["name"], r["added_at"]) for r in db["reviewers"].rows_where(order_by="name")]
        finally:
            db.conn.close()

    def reviewer_for(self, token: str) -> str | None:
        """The name of the reviewer whose token this is."""
        return self.reviewer_with_hash(token_hash(token))

    def reviewer_with_hash(self, digest: str) -> str | None:
        """The name of the reviewer whose token has this SHA-256, None when removed or replaced.

        One look-up in the unique index on `token_hash`: the review page asks at every request, since
        `remove-reviewer` and `add-reviewer` may run in another process."""
        connection = sqlite3.connect(self.path)
        try:
            row = connection.execute("select name from reviewers where token_hash = ?", [digest]).fetchone()
        finally:
            connection.close()
        return row[0] if row else None

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

    def verdicts(self) -> dict[str, str]:
        """key -> verdict of the latest mark of every marked answer (cheap: for filters and counts)."""
        db = self._db()
        try:
            return dict(db.execute("select key, verdict from marks").fetchall())
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
