"""Document versions: which documents a newer version supersedes and which records are history.

A new version of a draaiboek is a new document record with `supersedes: <previous id>`. A cited
record is *history* when it names its replacement (`superseded_by`) or cites only superseded
documents: it stays in the knowledge base for questions about that version and is not answered
otherwise. Loading, validation, the build and the version diff all ask this module.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from bot.knowledge.load import Knowledge
from bot.knowledge.schema import KINDS


def superseded_documents(documents: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{old document id: id of the document that supersedes it}."""
    return {d["supersedes"]: d["id"] for d in documents if d.get("supersedes") and d.get("id")}


def cited_documents(record: Mapping[str, Any]) -> list[str]:
    return [c["document"] for c in record.get("sources") or [] if isinstance(c, Mapping) and c.get("document")]


def is_history(record: Mapping[str, Any], superseded: Mapping[str, str]) -> bool:
    documents = cited_documents(record)
    return bool(record.get("superseded_by")) or (bool(documents) and all(d in superseded for d in documents))


def history_ids(knowledge: Knowledge) -> set[tuple[str, str]]:
    """(kind, id) of every history record."""
    superseded = superseded_documents(knowledge.records["documents"])
    return {
        (kind_name, record["id"])
        for kind_name, kind in KINDS.items()
        if kind.cited
        for record in knowledge.records[kind_name]
        if isinstance(record.get("id"), str) and is_history(record, superseded)
    }

