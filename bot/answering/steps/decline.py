"""Step 8, decline: "dat staat niet in de draaiboeken", with the contact of the document asked about."""
from __future__ import annotations

from bot import answers
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


def decline(kb: KnowledgeBase, turn: Turn, documents: list[str] | None = None) -> Answer:
    """`documents`: those the question was read in; a follow-up is about those of the answer it follows."""
    if documents is None and turn.previous_documents:
        documents = turn.previous_documents
    return answers.no_answer(kb, turn.concepts, turn.text, documents=documents)
