"""Step 2d, elsewhere: a question about another region's employment service ("via Actiris"), or who, which
or how many in a place no source text mentions ("de VDAB-adviseur van Mechelen"): declined."""
from __future__ import annotations

import re

from bot import answers
from bot.answering.steps.decline import decline
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase

#: Kinds of question that ask a local fact: a place's person, partner, number or date is not in the
#: draaiboeken (a ja/nee, a "hoe" or a "wat is" question may name the place as context: "ik werk in het
#: OCMW van Mechelen, mag ik …?").
_LOCAL_FACT = ("wie", "welke", "hoeveel", "wanneer", "other")
#: … and "wat is de naam / het adres / het nummer …"
_LOCAL_DETAIL = re.compile(r"\b(naam|namen|adres|adressen|nummer|telefoon\w*|e-?mail\w*|mailadres)\b")


def elsewhere(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    named = answers.places_no_document_mentions(kb, turn.text)
    local = turn.asked.kind in _LOCAL_FACT or turn.asked.kind == "wat" and _LOCAL_DETAIL.search(turn.text.casefold())
    if named & answers.OTHER_REGIONS_SERVICES or named and local:
        return decline(kb, turn)
    return None
