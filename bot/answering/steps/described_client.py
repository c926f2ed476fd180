"""Step 4, described client: "kan mijn leefloner van 23 in GLOW?" — the eligibility rules, verdict first."""
from __future__ import annotations

import re

from bot import eligibility
from bot.answering.steps.ruling import ruling
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


#: A question whether the client can get into a trajectory: "kan/mag/past die in …", "komt hij in
#: aanmerking", "hoort ze bij de doelgroep" — not "moet ik …", "bouwt hij …" (no eligibility question).
ASKS_ACCESS = re.compile(
    r"\b(kan|mag|kunnen|mogen|past|passen|komt|komen|valt|vallen|hoort|behoort)\s+"
    r"(die|dat|da|hij|ze|zij|mijn\w*|ne|een|de|iemand|klant|cliënt\w*|client)\b[^?]*\b(in|bij|naar|voor|binnen)\b"
    r"|\bin aanmerking\b|\bdoelgroep\b|\bgeschikt\b|\binstromen\b"
)


def described_client(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """Whether a described client can go into one named trajectory: the eligibility rules decide, unless
    the question names what a ruling excludes and the rules do not read ("in beroep tegen zijn
    mutualiteit", "advies welzijn"): then that ruling's nee."""
    if turn.asked.kind != "ja_nee" or turn.asked.no_verdict or not ASKS_ACCESS.search(turn.text.casefold()):
        return None  # "valt mijn leefloner buiten GLOW?" is not answered "Ja, GLOW kan"
    found = eligibility.answer_described_client(kb, turn.text)
    if found is not None and found.verdict in ("ja", "hangt af"):
        excluded = ruling(kb, turn)
        if excluded is not None and excluded.verdict == "nee":
            return excluded
    return found
