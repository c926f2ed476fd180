"""Step 2, follow-up: "vertel meer", "waarom?", "welke bron?", "en met IBO?" … on the previous answer."""
from __future__ import annotations

import re

from bot import answers, follow_ups, messages
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


_MORE = re.compile(r"^\W*(/meer_uitleg\b|(vertel|zeg|geef)\s+(me\s+|mij\s+)?(eens\s+)?(wat\s+)?meer|meer\s+(uitleg|info|informatie|details)|"
                   r"kan\s+je\s+(dat|da|het)\s+(wat\s+)?(uitgebreider|meer)\s+uitleggen|de\s+volledige\s+uitleg)\b", re.IGNORECASE)


def follow_up(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if turn.intent == "meer_uitleg" or _MORE.search(turn.text):
        return more(kb, turn.previous.record_ids)
    return follow_ups.answer(kb, turn.text, turn.concepts, turn.previous)


def more(kb: KnowledgeBase, record_ids: list[str]) -> Answer:
    """The whole of the previous answer's topic ("Meer uitleg"); its cited passages for other records."""
    topics = [t for t in (kb.get("topics", rid) for rid in record_ids) if t]
    if topics:
        full = [answers.answer_topic(kb, topic, {}) for topic in topics]
        return Answer(
            text="\n".join(a.text for a in full),
            source_line="\n".join(dict.fromkeys(a.source_line for a in full if a.source_line)),
            record_ids=[t["id"] for t in topics],
        )
    quoted = answers.quote_sources(kb, record_ids, messages.M041_WHY_INTRO)
    return quoted or Answer(text=messages.M052_NOTHING_TO_EXPLAIN)
