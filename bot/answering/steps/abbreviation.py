"""Step 2b, abbreviation: "MEA, waar staat da voor?" — written out as a source text writes it."""
from __future__ import annotations

from bot import messages
from bot.answering.passage import expansion
from bot.answering.steps.passage import quoted
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


def abbreviation(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """"MEA, waar staat da voor?": the abbreviation written out, from the source text that does it."""
    found = expansion(kb, turn.text)
    if found is None:
        return None
    lead = messages.M056_STANDS_FOR.format(abbreviation=found.abbreviation, expansion=found.expansion)
    return quoted(kb, found.row, lead=lead)
