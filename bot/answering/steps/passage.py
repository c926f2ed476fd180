"""Step 7, passage: the sentence of a source text that answers, quoted word for word, when no topic does."""
from __future__ import annotations

from typing import Any

from bot import answers
from bot.answering.config import CONFIG
from bot.answering.passage import background_documents_asked, best_passage, passage_intro
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase, Record


def passage(
    kb: KnowledgeBase, turn: Turn, documents: list[str] | None = None, background_only: bool = True
) -> Answer | None:
    """The passage that answers, quoted word for word; without a topic only from background documents
    (a near-domain question about the core rules is better declined than answered from a stray sentence)."""
    if documents is None and turn.action != "no_answer":
        return None
    if documents is None and turn.previous_documents:
        # a follow-up no topic answers ("heeft da iets te maken met zijn groeipakket?"): the documents
        # of the answer it follows
        documents, background_only = turn.previous_documents, False
    if background_only:
        if answers.asks_about_today(turn.text):
            return None  # a 2013 report or an advice says nothing about what can be done today
        # only a background document the question names ("volgens de SERV", "in de proeftuinen"):
        # a stray sentence of a 48,000-word report is no answer to an unrecognised question
        documents = background_documents_asked(kb, turn.text)
        if not documents:
            return _unnamed_background(kb, turn)
    if answers.years_no_document_mentions(kb, turn.text):
        return None  # "hoeveel wijk-werkers in 2026?": no source text says anything of that year
    found = best_passage(kb, turn.text, turn.asked, documents, neighbours=turn.neighbours)
    return None if found is None else quoted(kb, found.row, text=found.text)


def _unnamed_background(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """A question that names no document: a sentence of a background document only when it holds nearly
    all of it (a near-domain question would too easily find a stray sentence of a 48,000-word report)."""
    if answers.years_no_document_mentions(kb, turn.text) or len(turn.asked.content) < CONFIG.passage_whole_min_words:
        return None
    background = [d["id"] for d in kb.all("documents") if d.get("weight") == "background"]
    found = best_passage(kb, turn.text, turn.asked, background, neighbours=turn.neighbours)
    # "in hoeveel gemeenten …?" answered by "in elf gemeenten": a count of the very thing asked needs less
    needed = CONFIG.passage_min_coverage if found is not None and found.counts else CONFIG.passage_unnamed_coverage
    if found is None or found.coverage < needed:
        return None
    return quoted(kb, found.row, text=found.text)


def quoted(kb: KnowledgeBase, row: Record, lead: str = "", text: str = "") -> Answer:
    """A passage of the index quoted word for word (`text`: with the sentences before it that it refers
    back to), after what its document is (and `lead`), with its citation."""
    citation = citation_of(kb, row) | ({"passage": text} if text else {})
    return Answer(
        text=(f"{lead}\n" if lead else "") + f"{passage_intro(kb, row['document'])}\n\"{text or row['text']}\"",
        source_line=answers.source_line(kb, [citation]),
        passage=citation,
    )


def citation_of(kb: KnowledgeBase, row: Record) -> dict[str, Any]:
    """A passage of the index as a citation: document, its version in force, section, the text."""
    version = (kb.document(row["document"]) or {}).get("version", "")
    return {"document": row["document"], "version": version, "section": row["section"], "passage": row["text"]}
