"""Step 4, described client: "kan mijn leefloner van 23 in GLOW?" — the eligibility rules, verdict first."""
from __future__ import annotations

import re
from dataclasses import replace

from bot import eligibility
from bot.answering.focus import concepts
from bot.answering.question import BARE_TRAJECTORY, read_question
from bot.answering.steps.ruling import named_in_full, ruling
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


#: A question whether the client can get into a trajectory: "kan/mag/past die in …", "komt hij in
#: aanmerking", "hoort ze bij de doelgroep" — not "moet ik …", "bouwt hij …" (no eligibility question).
ASKS_ACCESS = re.compile(
    r"\b(kan|mag|kunnen|mogen|past|passen|komt|komen|valt|vallen|hoort|behoort)\s+"
    # … the client, not an actor ("mag de glow partner de klant verder begeleiden naar SEC?")
    r"(die|dat|da|hij|ze|zij|mijn\w*|ne|een|de|iemand|klant|cliënt\w*|client)\b"
    r"(?!\s+(glow[- ]?)?(partner|vdab|ocmw|bemiddelaar|begeleider|trajectbegeleider|adviseur|consulent|werkgever|"
    r"lokaal bestuur|lokale besturen|gemeente|maatschappelijk|serv)\w*)[^?]*\b(in|bij|naar|voor|binnen)\b"
    r"|\bin aanmerking\b|\bdoelgroep\b|\bgeschikt\b|\binstromen\b"
    rf"|{BARE_TRAJECTORY}"
    # "…, kan die glow?"
    r"|\b(kan|mag|kunnen|mogen)\s+(die|dat|da|hij|ze|zij)\s+(glow|twe|twe-ocmw|lp|het lp)\W*$"
)
#: A trajectory named alone after a description ("… nie inzetbaar. glow?"): the client is described.
_NAMED_ALONE = re.compile(BARE_TRAJECTORY)


def described_client(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """Whether a described client can go into one named trajectory: the eligibility rules decide, unless
    the question names what a ruling excludes and the rules do not read ("in beroep tegen zijn
    mutualiteit", "advies welzijn"): then that ruling's nee."""
    if turn.asked.kind != "ja_nee" or not asks_access(turn):
        return None
    found = eligibility.answer_described_client(kb, turn.text)
    if found is not None and asks_about_an_instrument(kb, turn):
        # "kan een leefloner die in glow zit via glow art 60 rechten opbouwen?" asks about the instrument,
        # not whether the client gets in: only a ruling's exclusion answers it here
        return exclusion(kb, turn)
    # no verdict of the rules: an exclusion still answers a described client ("… nie inzetbaar. glow?")
    described = found is not None or eligibility.read_facts(turn.text) or _NAMED_ALONE.search(turn.text.casefold())
    if described and (found is None or found.verdict in ("ja", "hangt af")):
        excluded = exclusion(kb, turn)
        if excluded is not None:
            return excluded
    if found is not None and found.verdict == "hangt af":
        # what it depends on, said of what the description names ("… loopt goed, kan die ook in het LP?":
        # whether the LP is needed), rather than the target group's general conditions
        condition = _settled_by_a_fact(kb, turn, "hangt af")
        if condition is not None and _another_rule(kb, condition, found):
            return condition
    return found


def _another_rule(kb: KnowledgeBase, ruling_answer: Answer, eligibility_answer: Answer) -> bool:
    """Whether a ruling's condition cites other passages than the eligibility rules did (it adds what the
    description names), not one of the conditions they already list."""
    def cited(kind: str, record_ids: list[str]) -> set[tuple[str, str]]:
        records = [kb.get(kind, rid) for rid in record_ids]
        return {(c["document"], c["passage"]) for r in records if r for c in r["sources"]}

    ruled = cited("rulings", ruling_answer.record_ids)
    return bool(ruled) and not ruled & cited("eligibility", eligibility_answer.record_ids)


def asks_access(turn: Turn) -> bool:
    """Whether the question asks if the client can get in, in a form a ja or nee answers plainly: not
    "valt mijn leefloner buiten GLOW?", "de vrouw van mijne klant …" or "mag die nie in glow?"."""
    misread = turn.asked.no_verdict or turn.asked.denies
    return not misread and bool(ASKS_ACCESS.search(turn.text.casefold()))


#: What a message the NLU reads as one for the eligibility guide may ask instead of whether the client
#: can get in: a number, a date, a person, a reason ("hoeveel groeipakket krijgt een gast van 20 …?")
_OTHER_KINDS = ("hoeveel", "hoelang", "wanneer", "wie", "waarom")


def asks_something_else(text: str) -> bool:
    """Whether a message about a client asks something else than whether he can get in (see _OTHER_KINDS)."""
    return read_question(text).kind in _OTHER_KINDS and not ASKS_ACCESS.search(text.casefold())


def asks_about_an_instrument(kb: KnowledgeBase, turn: Turn) -> bool:
    """Whether the question names an instrument (art. 60, a BVS …) other than as the client's need
    ("heeft vooral een technische opleiding nodig")."""
    if "nood" in eligibility.read_facts(turn.text):
        return False
    return any(kb.label_of(term) == "instrument" for term in concepts(kb, turn.text))


#: Where a client's description splits into the facts it lists ("man van 41, ontslagen na ziekte en
#: nu in beroep tegen de mutualiteit. kan die in glow?").
_FACT_BREAK = re.compile(r"[,.;:!?()]+\s*|\s+(?:en|maar|want|terwijl|omdat)\s+")
#: A fact of the past ("was vroeger zonder papieren") is not who the client is now; "heeft geen verblijfsstatuut
#: meer" is.
_PAST = re.compile(r"\b(vroeger|voorheen|was|waren|had|hadden|gehad|destijds|niet meer|nie meer)\b")


def exclusion(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """A ruling's "nee" for the described client: of the whole question, or of one fact of the
    description (or two that follow each other) asked with the question itself. The other facts are
    who the client is, not another question the ruling would have to answer."""
    return _settled_by_a_fact(kb, turn, "nee")


def _settled_by_a_fact(kb: KnowledgeBase, turn: Turn, verdict: str) -> Answer | None:
    """A ruling with this verdict for the described client (see `exclusion`)."""
    # a part of the question names no more than the whole; and a ruling whose exception the rest of the
    # description names is none of them ("mama van 3 kinderen (12, 14 en 15 jaar)": the children's ages)
    candidates = [record for record in named_in_full(kb, turn) if record["verdict"] == verdict]
    if not candidates:
        return None
    parts = [p.strip() for p in _FACT_BREAK.split(turn.text) if p.strip()]
    question = next((p for p in reversed(parts) if ASKS_ACCESS.search(p.casefold())), parts[-1] if parts else "")
    facts = [p for p in parts if p != question and not _PAST.search(p.casefold())]
    texts = [turn.text] + [f"{fact}. {question}?" for fact in facts] + [
        f"{one}, {two}. {question}?" for one, two in zip(facts, facts[1:])
    ]
    for text in texts:
        read = turn if text == turn.text else replace(turn, text=text, entities=[])
        read.kb = kb
        found = ruling(kb, read, among=candidates)
        if found is not None and found.verdict == verdict:
            return found
    return None
