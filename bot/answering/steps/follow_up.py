"""Step 2, follow-up: "vertel meer", "waarom?", "welke bron?", "en met IBO?" … on the previous answer."""
from __future__ import annotations

import re

from bot import answers, follow_ups, messages
from bot.answering.passage import best_passage, passages_cited
from bot.answering.question import stems
from bot.answering.steps.passage import quoted
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


_MORE = re.compile(r"^\W*(/meer_uitleg\b|(vertel|zeg|geef)\s+(me\s+|mij\s+)?(eens\s+)?(wat\s+)?meer|meer\s+(uitleg|info|informatie|details)|"
                   r"kan\s+je\s+(dat|da|het)\s+(wat\s+)?(uitgebreider|meer)\s+uitleggen|de\s+volledige\s+uitleg)\b", re.IGNORECASE)


#: What a request for more says besides "more" ("kan je wat meer info geven?"): anything else is a question
#: of its own ("waar vind ik meer info over het groeipakket?").
_ASKING_MORE = stems("meer info informatie uitleg details vertel geven geef uitgebreider")


def follow_up(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if _MORE.search(turn.text) or turn.intent == "meer_uitleg" and turn.asked.content <= _ASKING_MORE:
        return more(kb, turn.previous.record_ids)
    # what the message itself names, not the context it keeps from the question before it
    return follow_ups.answer(kb, turn.text, turn.own_concepts, turn.previous) or of_a_quote(kb, turn)


def of_a_quote(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """"en omgekeerd, van vdab naar ocmw?" after a quoted passage: the sentence of its section that answers
    (a passage has no record whose topic the follow-up could continue)."""
    if turn.previous.record_ids or not turn.previous.quoted or not (turn.elliptical or answers.is_follow_up(turn.text)):
        return None
    found = best_passage(
        kb, turn.text, turn.asked, rows=passages_cited(kb, turn.previous.quoted), neighbours=turn.neighbours)
    return None if found is None else quoted(kb, found.row, text=found.text)


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
