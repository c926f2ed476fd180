"""Building knowledge.db: tables, FTS, meta, staleness, and no half-written file on failure."""
from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from bot import settings
from bot.errors import ValidationFailed
from bot.knowledge import SCHEMA_VERSION, build_db, db_is_current
from bot.knowledge.schema import KINDS
from tests.conftest import edit_yaml

SOURCES = settings.sources_dir()


def test_build_writes_every_kind_and_index(kb_path):
    db = sqlite_utils.Database(kb_path)
    for kind in KINDS:
        assert kind in db.table_names()
    assert {"meta", "sections", "citations", "term_variants", "topics_fts"} <= set(db.table_names())
    assert db.execute("select value from meta where key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    # every cited record has at least one citation row
    for kind, spec in KINDS.items():
        if spec.cited:
            uncited = db.execute(
                f"select id from [{kind}] where id not in (select record_id from citations where kind = ?)", [kind]
            ).fetchall()
            assert uncited == [], (kind, uncited)


def test_build_fts_finds_topic_by_words(kb_path):
    db = sqlite_utils.Database(kb_path)
    hits = [r["id"] for r in db["topics"].search("financieringsnummer")]
    assert hits[0] == "lp-bvs-financieringsnummer"


def test_build_is_current_until_knowledge_changes(knowledge_copy, tmp_path):
    db_path = tmp_path / "k.db"
    build_db(knowledge_copy, db_path, sources_dir=SOURCES)
    assert db_is_current(knowledge_copy, db_path, sources_dir=SOURCES)
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml", lambda d: d["topics"][0].update(title="Wat is een combinatietraject eigenlijk?"))
    assert not db_is_current(knowledge_copy, db_path, sources_dir=SOURCES)


def test_build_refuses_invalid_knowledge_and_keeps_old_db(knowledge_copy, tmp_path):
    db_path = tmp_path / "k.db"
    build_db(knowledge_copy, db_path, sources_dir=SOURCES)
    before = db_path.read_bytes()
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml", lambda d: d["topics"][0].update(answer=""))
    with pytest.raises(ValidationFailed):
        build_db(knowledge_copy, db_path, sources_dir=SOURCES)
    assert db_path.read_bytes() == before
    assert not (tmp_path / "k.db.tmp").exists()


def test_build_corrupt_file_is_not_current(tmp_path):
    db_path = tmp_path / "k.db"
    db_path.write_bytes(b"dit is geen sqlite")
    assert not db_is_current(settings.knowledge_dir(), db_path, sources_dir=SOURCES)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db_path).execute("select 1 from meta")
