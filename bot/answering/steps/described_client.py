"""Step 4, described client: "kan mijn leefloner van 23 in GLOW?" — the eligibility rules, verdict first."""
from __future__ import annotations

import re
from dataclasses import replace

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
        excluded = exclusion(kb, turn)
        if excluded is not None:
            return excluded
    return found


#: Where a client's description splits into the facts it lists ("man van 41, ontslagen na ziekte en
#: nu in beroep tegen de mutualiteit. kan die in glow?").
_FACT_BREAK = re.compile(r"[,.;:!?()]+\s*|\s+(?:en|maar|want|terwijl|omdat)\s+")


def exclusion(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """A ruling's "nee" for the described client: of the whole question, or of one fact of the
    description (or two that follow each other) asked with the question itself. The other facts are
    who the client is, not another question the ruling would have to answer."""
    parts = [p.strip() for p in _FACT_BREAK.split(turn.text) if p.strip()]
    question = next((p for p in reversed(parts) if ASKS_ACCESS.search(p.casefold())), parts[-1] if parts else "")
    facts = [p for p in parts if p != question]
    texts = [turn.text] + [f"{fact}. {question}?" for fact in facts] + [
        f"{one}, {two}. {question}?" for one, two in zip(facts, facts[1:])
    ]
    for text in texts:
        read = turn if text == turn.text else replace(turn, text=text, entities=[])
        read.kb = kb
        found = ruling(kb, read)
        if found is not None and found.verdict == "nee":
            return found
    return None
