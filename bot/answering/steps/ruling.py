"""Step 5b, ruling: a ja/nee question that a cited rule of the documents settles — its verdict first.

A ruling (`knowledge/*.yml`, kind `rulings`) names what a question must hold to ask it (`asks`) and
what may not stand in it (`unless`). Its verdict answers the question in its positive form, so a
question that negates what it asks ("mag ik … niet?", "… zonder inschrijving?") gets none from here.
"""
from __future__ import annotations

from functools import lru_cache

from bot import answers, messages
from bot.answering.focus import concepts
from bot.answering.question import stems
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase, Record

#: One way of naming a line of `asks`: a glossary term ("#glow") or the stems that must all be there.
Alternative = tuple[str, frozenset[str]]


def ruling(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if turn.asked.kind != "ja_nee" or turn.asked.negative:
        return None
    found = settling_ruling(kb, turn)
    if found is None:
        return None
    topic = kb.get("topics", found["topic"])
    text = messages.M049_VERDICT[found["verdict"]].format(reason=found["says"].strip())
    return Answer(
        text=answers.with_status(text, topic) if topic else text,
        source_line=answers.source_line(kb, found["sources"]),
        record_ids=[found["topic"], found["id"]],
        shortened=topic is not None,  # the topic's whole text is one click away
        verdict=found["verdict"],
    )


def settling_ruling(kb: KnowledgeBase, turn: Turn) -> Record | None:
    """The ruling the question asks: all of its `asks` named, none of its `unless`; of several, the one
    that names most; none when the most specific ones disagree."""
    named = _named(kb, turn)
    matched: list[tuple[int, int, Record]] = []
    for record in kb.all("rulings"):
        if record.get("history"):
            continue
        lines = _parsed(kb, tuple(record["asks"]))
        held = [next((alt for alt in line if _holds(named, alt)), None) for line in lines]
        if not lines or None in held:
            continue
        if any(_holds(named, alt) for line in _parsed(kb, tuple(record.get("unless") or [])) for alt in line):
            continue
        asked_stems = {s for _, alt_stems in held for s in alt_stems}
        if asked_stems & turn.asked.excluded:
            continue  # the question puts "geen"/"zonder" before what the rule is about
        matched.append((len(lines), len(asked_stems), record))
    if not matched:
        return None
    best = max((lines, words) for lines, words, _ in matched)
    top = [record for lines, words, record in matched if (lines, words) == best]
    return top[0] if len({r["verdict"] for r in top}) == 1 else None


def _named(kb: KnowledgeBase, turn: Turn) -> tuple[frozenset[str], frozenset[str]]:
    """The question's stems, and the glossary terms it names (or, for a follow-up, its previous topic's)."""
    terms = set(concepts(kb, turn.text))
    terms |= {"#" + term for values in turn.concepts.values() for term in values}
    if turn.previous_documents and turn.previous_topic is not None:
        terms |= {"#" + term for term in turn.previous_topic.get("concepts") or []}
    return stems(turn.text), frozenset(terms)


def _holds(named: tuple[frozenset[str], frozenset[str]], alternative: Alternative) -> bool:
    term, needed = alternative
    question_stems, terms = named
    return term in terms if term else bool(needed) and needed <= question_stems


@lru_cache(maxsize=1 << 12)
def _parsed(kb: KnowledgeBase, lines: tuple[str, ...]) -> list[list[Alternative]]:
    """Each line's alternatives ("opbouwen | opbouw"): a glossary id as its term, else its stems."""
    parsed = []
    for line in lines:
        alternatives = []
        for alternative in (a.strip() for a in str(line).split("|")):
            if kb.get("glossary", alternative):
                alternatives.append(("#" + alternative, frozenset()))
            elif alternative:
                alternatives.append(("", stems(alternative)))
        parsed.append(alternatives)
    return parsed
