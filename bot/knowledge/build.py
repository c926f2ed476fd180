"""Write `knowledge.db` from the validated knowledge files (with sqlite-utils).

Tables (see `python -m bot kb schema` for the columns):

- ``meta``: schema_version, knowledge fingerprint, build time
- ``documents``, ``sections`` (with each section's normalised text, for review and grounding)
- one table per record kind (``topics``, ``combinations`` …); list/dict fields are JSON; cited
  kinds have a column ``history`` (1 = superseded, see ``bot.knowledge.history``)
- ``citations``: every (record, document, version, section, passage)
- ``term_variants``: every glossary variant, lowercased, with its term — resolves entity values
- ``topics_fts``: FTS5 over topic titles and answers
- ``passages`` (+ ``passages_fts``): every sentence of the source texts with its section, for
  questions no record answers (see ``bot.knowledge.passages``)

The database is written to a temporary file and moved into place, so a failed build never
leaves a half-written knowledge base behind.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from bot.knowledge.history import history_ids
from bot.knowledge.load import Knowledge, knowledge_files, load_knowledge
from bot.knowledge.passages import PASSAGES_VERSION, passage_rows
from bot.knowledge.schema import KINDS, SCHEMA_VERSION
from bot.knowledge.sources import normalise
from bot.knowledge.validate import validate_or_raise


def fingerprint(knowledge_dir: Path, sources_dir: Path) -> str:
    """A hash of every knowledge file and source document: changes when a rebuild is due."""
    digest = hashlib.sha256(f"schema={SCHEMA_VERSION} passages={PASSAGES_VERSION}".encode())
    for path in knowledge_files(knowledge_dir) + sorted(Path(sources_dir).glob("*.txt")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_db(knowledge_dir: str | Path, db_path: str | Path, *, sources_dir: str | Path) -> Path:
    """Validate the knowledge in `knowledge_dir` and write it to `db_path`.

    :param knowledge_dir: folder with the `*.yml` knowledge files
    :param db_path: the SQLite file to (re)write
    :param sources_dir: folder with the source documents' text
    Raises ValidationFailed (listing every problem) when the knowledge is invalid.
    """
    knowledge_dir, db_path, sources_dir = Path(knowledge_dir), Path(db_path), Path(sources_dir)
    knowledge = load_knowledge(knowledge_dir)
    sections = validate_or_raise(knowledge, sources_dir)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = db_path.with_name(db_path.name + ".tmp")
    tmp_path.unlink(missing_ok=True)
    db = sqlite_utils.Database(tmp_path)
    try:
        _write_records(db, knowledge)
        db["sections"].insert_all(
            (
                {"document": s.document, "id": s.id, "title": s.title, "start": s.start, "end": s.end, "text": s.text}
                for s in sections.values()
            ),
            pk=("document", "id"),
        )
        db["citations"].insert_all(_citation_rows(knowledge), pk=("kind", "record_id", "position"))
        db["passages"].insert_all(
            passage_rows(knowledge.records["documents"], sections, sources_dir), pk=("document", "section", "position")
        )
        # the section title is searched with the passage ("naam" finds §3.8 "Gebruik een naam die …")
        db["passages"].enable_fts(["section_title", "text"], fts_version="FTS5", tokenize="unicode61 remove_diacritics 2")
        # created also for a knowledge base without a glossary: the answering code reads it for every question
        db["term_variants"].create({"variant": str, "term": str, "label": str}, pk="variant", if_not_exists=True)
        db["term_variants"].insert_all(_variant_rows(knowledge), pk="variant", replace=True)
        db["topics"].enable_fts(["title", "answer"], fts_version="FTS5", tokenize="unicode61 remove_diacritics 2")
        db["meta"].insert_all(
            [
                {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                {"key": "fingerprint", "value": fingerprint(knowledge_dir, sources_dir)},
                {"key": "built_at", "value": datetime.now(timezone.utc).isoformat(timespec="seconds")},
            ],
            pk="key",
        )
        db["citations"].create_index(["document", "section"])
        db["topics"].create_index(["intent"])
        db.close()
        os.replace(tmp_path, db_path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return db_path


def db_is_current(knowledge_dir: str | Path, db_path: str | Path, *, sources_dir: str | Path) -> bool:
    """Whether `db_path` was built from exactly the current knowledge files and schema."""
    db_path = Path(db_path)
    if not db_path.is_file():
        return False
    try:
        db = sqlite_utils.Database(db_path)
        row = db.execute("select value from meta where key = 'fingerprint'").fetchone()
        db.close()
    except Exception:  # a corrupt or foreign file simply is not current
        return False
    return bool(row) and row[0] == fingerprint(Path(knowledge_dir), Path(sources_dir))


def _write_records(db: sqlite_utils.Database, knowledge: Knowledge) -> None:
    history = history_ids(knowledge)
    for kind_name, kind in KINDS.items():
        # every column is text; lists and mappings are stored as JSON
        columns: dict[str, type] = {name: str for name in kind.fields}
        if kind.cited:
            columns["history"] = int
        db[kind_name].create(columns, pk="id", not_null={"id"})
        db[kind_name].insert_all(
            {
                **{name: _column_value(record.get(name)) for name in kind.fields},
                **({"history": int((kind_name, record["id"]) in history)} if kind.cited else {}),
            }
            for record in knowledge.records[kind_name]
        )


def _column_value(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return None if value is None else str(value)


def _citation_rows(knowledge: Knowledge):
    for kind_name, kind in KINDS.items():
        if not kind.cited:
            continue
        for record in knowledge.records[kind_name]:
            for position, citation in enumerate(record.get("sources") or []):
                yield {
                    "kind": kind_name,
                    "record_id": record["id"],
                    "position": position,
                    "document": citation["document"],
                    "version": str(citation["version"]),
                    "section": str(citation["section"]),
                    "passage": citation["passage"],
                }


def _variant_rows(knowledge: Knowledge):
    for term in knowledge.records["glossary"]:
        for variant in [term["id"], term["name"], *term.get("variants", [])]:
            yield {"variant": normalise(str(variant)), "term": term["id"], "label": term["label"]}
