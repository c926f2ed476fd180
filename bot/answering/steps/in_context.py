"""Step 7b, in context: a follow-up that would be declined, read in the sections the previous answer cited.

"en hoelang geldt dat label?" after "mijne klant heeft het label niet-toeleidbaar, kan die in twe?" names
too little for the passage index to find by itself, and the topic answered before does not give the
term; the sentence of the cited section that does ("… impliceert dat zij 2 jaar …") answers it.
"""
from __future__ import annotations

from dataclasses import replace

from bot import answers
from bot.answering.config import CONFIG
from bot.answering.passage import best_passage, passages_cited
from bot.answering.question import stems
from bot.answering.steps.passage import quoted
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase

#: The word that asks for a duration: in a follow-up of a few words it would weigh as much as what it is
#: about, while the sentence answers it by carrying a duration.
_ASKING = stems("hoelang")


def in_context(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if not turn.previous.cited or not (answers.is_follow_up(turn.text) or turn.elliptical):
        return None
    own = replace(turn.asked, content=turn.asked.content - _ASKING)
    if not own.content:
        return None
    found = best_passage(
        kb, turn.text, own, rows=passages_cited(kb, turn.previous.cited),
        min_coverage=CONFIG.in_context_min_coverage, min_shared_words=CONFIG.in_context_min_shared_words, neighbours=turn.neighbours,
    )
    return None if found is None else quoted(kb, found.row, text=found.text)
