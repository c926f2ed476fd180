"""Step 5, rule: a combination of two services — verdict first, from the rule table."""
from __future__ import annotations

import re

from bot import answers
from bot.answering.steps.described_client import exclusion
from bot.answering.steps.ruling import ruling
from bot.answering.steps.topic import shorten
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


#: A question whether a combination can start right away: the pair table says whether it can, not when.
_RIGHT_AWAY = re.compile(r"\b(meteen|direct|onmiddellijk|dadelijk|(van )?bij de start|vanaf de start|al bij de start)\b")


def rule(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if turn.action != "combination":
        return None
    answer = answers.answer_combination(kb, turn.concepts, turn.ranking, turn.text)
    right_away = answer.verdict == "ja" and _RIGHT_AWAY.search(turn.text.casefold())
    if answer.verdict and (turn.asked.no_verdict or turn.asked.negative) or right_away:
        # "sluit een VOP twe uit?", "mag X niet met Y?": the rule's reason without its ja or nee, which
        # would read as the opposite; nor does "X en Y kunnen samen" say that they can right away
        settled = ruling(kb, turn) if right_away else None
        if settled is not None and settled.verdict == "nee":
            return settled
        answer.text, answer.verdict = answer.text.split("\n", 1)[-1], None
        return answer
    topic_ = kb.get("topics", answer.record_ids[0]) if answer.record_ids and not answer.declined else None
    if topic_ is not None and topic_["intent"] != answers.COMBINATION_INTENT:
        # no combination record for the pair: a ruling that settles the question, else the topic that
        # answered it, cut to what answers
        return ruling(kb, turn) or shorten(kb, turn, answer) or answer
    if answer.verdict is not None:
        # a ruling is more specific than the pair table: it settles the order the question states ("klant
        # zit al in glow, kan die ook in het LP?": the table says "hangt af") or a limit it names ("een bvs
        # van 35 kalenderdagen als combinatietraject": the table says BVS and LP "kunnen samen")
        # (of the question, or of one fact of a client it describes: "klant die nu in GLOW zit maar ook
        # zware multiproblematiek heeft, kan die daarnaast in een LP?")
        settled = ruling(kb, turn) or exclusion(kb, turn)
        if settled is not None and settled.verdict not in ("hangt af", answer.verdict):
            return settled
    # a verdict and its reason; an unsettled pair with who decides (a combination topic), whole
    return answer
