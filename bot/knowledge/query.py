"""Read-only access to `knowledge.db` for the actions and the CLI.

All queries are parameterised; the file is opened read-only and checked at open time, so a
missing, corrupt or outdated database fails at startup with a message naming the fix.
"""
from __future__ import annotations

import functools
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.errors import DatabaseError
from bot.knowledge.schema import SCHEMA_VERSION, STRUCTURED_FIELDS
from bot.knowledge.sources import normalise

Record = dict[str, Any]

#: A year as the texts and the questions write it ("2012", "2025").
YEAR = re.compile(r"\b(?:19|20)\d\d\b")

_REBUILD = "bouw hem opnieuw met `python -m bot kb build`"


class KnowledgeBase:
    """The built knowledge base. Use one per process; it is cheap to query and read-only."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise DatabaseError("D001", f"kennisbank niet gevonden: {self.path}; {_REBUILD}")
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            row = conn.execute("select value from meta where key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as e:
            raise DatabaseError("D002", f"kennisbank {self.path} is beschadigd of geen kennisbank ({e}); {_REBUILD}") from e
        if row is None or row[0] != str(SCHEMA_VERSION):
            found = row[0] if row else "geen"
            raise DatabaseError(
                "D003", f"kennisbank {self.path} heeft schemaversie {found}, verwacht {SCHEMA_VERSION}; {_REBUILD}"
            )
        self.db = sqlite_utils.Database(conn)
        self._passages: dict[tuple[str, str], list[Record]] = {}
        self._years: set[str] | None = None
        self._words: frozenset[str] | None = None
        # the records of each kind, decoded once (the database is read-only; every answer reads them)
        self._records: dict[str, list[Record]] = {}
        self._by_id: dict[str, dict[str, Record]] = {}

    # --- records ---------------------------------------------------------------------
    def get(self, kind: str, record_id: str) -> Record | None:
        if kind not in self._by_id:
            self._by_id[kind] = {r["id"]: r for r in self.all(kind) if "id" in r}
        return self._by_id[kind].get(record_id)

    def all(self, kind: str) -> list[Record]:
        if kind not in self._records:
            self._records[kind] = self._rows(f"select * from [{kind}] order by rowid")
        return list(self._records[kind])

    # History records (superseded versions, see bot.knowledge.history) are left out of what is
    # answered by default; `earlier_versions` reaches them.
    def topics_for_intent(self, intent: str) -> list[Record]:
        return self._rows("select * from topics where intent = ? and not history order by rowid", [intent])

    def intents(self) -> set[str]:
        return {row[0] for row in self.db.execute("select distinct intent from topics where not history")}

    def combination(self, a: str, b: str) -> Record | None:
        rows = self._rows(
            "select * from combinations where ((a = ? and b = ?) or (a = ? and b = ?)) and not history", [a, b, b, a]
        )
        return rows[0] if rows else None

    def earlier_versions(self, kind: str, record_id: str) -> list[Record]:
        """The records `record_id` replaced in earlier document versions, newest first."""
        return self._rows(
            f"with recursive chain(id, depth) as (select id, 1 from [{kind}] where superseded_by = ? "
            f"union select r.id, chain.depth + 1 from [{kind}] r join chain on r.superseded_by = chain.id "
            f"where chain.depth < 50) "
            f"select r.* from [{kind}] r join chain on r.id = chain.id order by chain.depth",
            [record_id],
        )

    @functools.cached_property
    def _superseded_documents(self) -> dict[str, str]:
        rows = self.db.execute("select supersedes, id from documents where supersedes is not null")
        return {row[0]: row[1] for row in rows}

    def superseded_documents(self) -> dict[str, str]:
        """{old document id: id of the newer version} (read once: the database is read-only)."""
        return self._superseded_documents

    def document(self, document_id: str) -> Record | None:
        return self.get("documents", document_id)

    def section_title(self, document_id: str, section_id: str) -> str | None:
        row = self.db.execute(
            "select title from sections where document = ? and id = ?", [document_id, section_id]
        ).fetchone()
        return row[0] if row else None

    # --- glossary ----------------------------------------------------------------------
    def resolve_term(self, value: str) -> Record | None:
        """The glossary term a user's word or an entity value stands for, if any."""
        row = self.db.execute("select term from term_variants where variant = ?", [normalise(value)]).fetchone()
        return self.get("glossary", row[0]) if row else None

    def label_of(self, term: str) -> str | None:
        """The label of a glossary term ("#bvs" or "bvs": "instrument"), None for no term."""
        return (self.get("glossary", term.lstrip("#")) or {}).get("label")

    def variants_of(self, term_id: str) -> list[str]:
        """The normalised words and phrases that name a glossary term."""
        return [r[0] for r in self.db.execute("select variant from term_variants where term = ?", [term_id])]

    # --- retrieval -----------------------------------------------------------------------
    def search_topics(self, text: str, *, limit: int = 3) -> list[Record]:
        """Topics whose title or answer share words with `text`, best first (FTS5 rank)."""
        words = [w for w in re.findall(r"\w+", text.casefold()) if len(w) > 2]
        if not words:
            return []
        query = " OR ".join(f'"{w}"' for w in words[:30])
        rows = self.db.execute(
            "select topics.* from topics join topics_fts on topics.rowid = topics_fts.rowid "
            "where topics_fts match ? and not topics.history order by topics_fts.rank limit ?",
            [query, limit],
        )
        return [self._decode(dict(zip([c[0] for c in rows.description], r))) for r in rows.fetchall()]

    def search_passages(self, prefixes: list[str], *, limit: int = 20) -> list[Record]:
        """Passages of the source texts with a word starting with any of `prefixes`, best first (FTS5
        rank), with their section's title. FTS5 syntax in a prefix is quoted away."""
        terms = [p.replace('"', "") for p in prefixes if p.replace('"', "").strip()]
        if not terms:
            return []
        query = " OR ".join(f'"{t}"*' for t in terms[:30])
        rows = self.db.execute(
            "select p.document, p.section, p.section_title, p.position, p.text, passages_fts.rank as rank "
            "from passages p join passages_fts on p.rowid = passages_fts.rowid "
            "where passages_fts match ? order by passages_fts.rank limit ?",
            [query, limit],
        )
        return [dict(zip([c[0] for c in rows.description], r)) for r in rows.fetchall()]

    def words_mentioned(self) -> frozenset[str]:
        """Every word (lower case) some passage of the source texts holds."""
        if self._words is None:
            rows = self.db.execute("select text from passages").fetchall()
            self._words = frozenset(w for (text,) in rows for w in re.findall(r"[\w-]+", text.casefold()))
        return self._words

    def years_mentioned(self) -> set[str]:
        """Every year (19xx, 20xx) some passage of the source texts mentions."""
        if self._years is None:
            rows = self.db.execute("select text from passages").fetchall()
            self._years = {y for (text,) in rows for y in YEAR.findall(text)}
        return self._years

    def passages_in(self, document: str, section: str) -> list[Record]:
        """The passages of one section, in the document's order (kept: the database is read-only)."""
        key = (document, section)
        if key not in self._passages:
            rows = self.db.execute(
                "select document, section, section_title, position, text from passages "
                "where document = ? and section = ? order by position", [document, section],
            )
            names = [c[0] for c in rows.description]
            self._passages[key] = [dict(zip(names, row)) for row in rows.fetchall()]
        return self._passages[key]

    def passages_containing(self, text: str) -> list[Record]:
        """The passages that hold `text` as written (any case), in the documents' order: for what the
        full-text search cannot look for, such as "(MPSA)"."""
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.db.execute(
            "select document, section, section_title, position, text from passages where text like ? escape '\\' "
            "order by rowid", [f"%{escaped}%"],
        )
        return [dict(zip([c[0] for c in rows.description], r)) for r in rows.fetchall()]

    def passages_at(self, keys: list[tuple[str, str, int]]) -> list[Record]:
        """The passages with these keys (document, section, position), in that order; unknown keys are skipped."""
        found = []
        for document, section, position in keys:
            found += [p for p in self.passages_in(document, section) if p["position"] == position]
        return found

    def contacts_for_documents(self, document_ids: list[str]) -> list[Record]:
        contacts: list[Record] = []
        for document_id in document_ids:
            document = self.document(document_id) or {}
            for contact_id in document.get("contacts") or []:
                contact = self.get("contacts", contact_id)
                if contact and contact not in contacts:
                    contacts.append(contact)
        return contacts

    def citations(
        self, record_ids: list[str], kinds: tuple[str, ...] = ("topics", "combinations", "eligibility", "rulings"),
    ) -> list[Record]:
        """The citation rows of these records, in record and citation order. Only the answered kinds by
        default: a topic and a glossary term may share an id."""
        rows: list[Record] = []
        marks = ", ".join("?" for _ in kinds)
        for record_id in record_ids:
            rows += self._rows(
                f"select * from citations where record_id = ? and kind in ({marks}) order by kind, position",
                [record_id, *kinds],
            )
        return rows

    def documents_citing(self, kind: str, record_id: str) -> list[str]:
        rows = self.db.execute(
            "select distinct document from citations where kind = ? and record_id = ? order by position",
            [kind, record_id],
        )
        return [r[0] for r in rows]

    # --- helpers -------------------------------------------------------------------------
    def _rows(self, sql: str, params: list[Any] | None = None) -> list[Record]:
        cursor = self.db.execute(sql, params or [])
        names = [c[0] for c in cursor.description]
        return [self._decode(dict(zip(names, row))) for row in cursor.fetchall()]

    @staticmethod
    def _decode(row: Record) -> Record:
        return {k: json.loads(v) if k in STRUCTURED_FIELDS and isinstance(v, str) else v for k, v in row.items()}
