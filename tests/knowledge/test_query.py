"""Querying knowledge.db: read-only, checked at open, parameterised."""
from __future__ import annotations

import sqlite3

import pytest

from bot.errors import DatabaseError
from bot.knowledge import KnowledgeBase


def test_query_missing_db_names_the_fix(tmp_path):
    with pytest.raises(DatabaseError, match=r"\[D001\].*python -m bot kb build"):
        KnowledgeBase(tmp_path / "weg.db")


def test_query_corrupt_db_names_the_fix(tmp_path):
    path = tmp_path / "kapot.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    with pytest.raises(DatabaseError, match=r"\[D002\].*beschadigd"):
        KnowledgeBase(path)


def test_query_other_schema_version_is_refused(tmp_path, kb_path):
    path = tmp_path / "oud.db"
    path.write_bytes(kb_path.read_bytes())
    with sqlite3.connect(path) as conn:
        conn.execute("update meta set value = '0' where key = 'schema_version'")
    with pytest.raises(DatabaseError, match=r"\[D003\].*schemaversie 0"):
        KnowledgeBase(path)


def test_query_is_read_only(kb):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        kb.db.execute("delete from topics")


@pytest.mark.parametrize(
    "text, term",
    [("BVS", "bvs"), ("beroepsverkennende  stage", "bvs"), ("Losse WES", "wes-los"), ("buiten TWE-OCMW", "buiten-twe"),
     ("bvs", "bvs"), ("leefloner", "leefloon")],
)
def test_query_resolve_term(kb, text, term):
    assert kb.resolve_term(text)["id"] == term


def test_query_resolve_unknown_term(kb):
    assert kb.resolve_term("snuffelstage") is None


def test_query_combination_in_either_order(kb):
    assert kb.combination("lp", "wes-los")["status"] == "excluded"
    assert kb.combination("wes-los", "lp")["id"] == "lp-wes-los"
    assert kb.combination("bvs", "vouchers") is None


@pytest.mark.parametrize("text", ["'; drop table topics; --", 'bvs" OR 1=1', "NEAR(", "", "🙂🙂", "a" * 10_000])
def test_query_search_survives_hostile_text(kb, text):
    assert isinstance(kb.search_topics(text), list)
    assert kb.get("topics", "lp-bvs-wat") is not None


def test_query_topics_decode_json_fields(kb):
    topic = kb.get("topics", "lp-bvs-financieringsnummer")
    assert topic["sources"][0]["section"] == "3.4.1"
    assert topic["variants"][0]["when"] == {"context": ["binnen-twe"]}
