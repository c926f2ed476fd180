"""Step 8, earlier question: a short follow-up nothing else answers, read with the question before it.

"wat was gemeenschapsdienst volgens de SERV?" … "hoelang duurde da?": the second message asks a
duration, the first says of what. The passage that answers both together is quoted; nothing is
said when none does, or when the earlier question was itself declined (then both are beyond the
draaiboeken).
"""
from __future__ import annotations

from dataclasses import replace

from bot import answers
from bot.answering.passage import best_passage, names_document
from bot.answering.question import read_question
from bot.answering.steps.passage import quoted
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


def earlier_question(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    earlier = turn.previous.question
    if not earlier or turn.previous.declined:
        return None
    if not turn.previous.documents:
        return None  # the earlier answer cited nothing (a clarifying question): nothing to continue
    named = any(names_document(earlier, d) for d in kb.all("documents") if d["id"] in turn.previous.documents)
    if not (turn.elliptical or answers.is_follow_up(turn.text) or named):
        return None  # a question of its own
    # what is asked now ("hoelang"), about what was asked before and now, in what the earlier answer cited
    asked = replace(turn.asked, content=turn.asked.content | read_question(earlier).content)
    found = best_passage(kb, f"{earlier} {turn.text}", asked, turn.previous.documents)
    return None if found is None else quoted(kb, found.row, text=found.text)
