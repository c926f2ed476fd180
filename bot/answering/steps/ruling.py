"""Step 5b, ruling: a ja/nee question that a cited rule of the documents settles — its verdict first.

A ruling (`knowledge/*.yml`, kind `rulings`) names what a question must hold to ask it (`asks`) and
what may not stand in it (`unless`). Its verdict answers the question in its positive form, so a
question that negates what it asks ("mag ik … niet?", "… zonder inschrijving?") gets none from here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot import answers, messages
from bot.answering.config import CONFIG
from bot.answering.focus import concepts, is_variant
from bot.answering.question import FILLER_WORDS, STEM_LENGTH, inverts, negated_phrases, stems
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase, Record

#: A question whether something must be, or may or can be: its verb anywhere ("klant zit in glow, moet die …")
_MUST = re.compile(r"\b(moet|moeten|hoeft|hoeven|verplicht|vereist|nodig)\b")
_MAY = re.compile(r"\b(mag|mogen|kan|kunnen|kunt|mogelijk|toegelaten|in aanmerking|past|komt|hoort)\b")
#: One way of naming a line of `asks` or `unless`: a glossary term ("#glow"), a phrase that must stand
#: as written ("=al in", written in quotes: `"al in"`, for words that are otherwise left out), a range
#: of numbers ("~< 20 uur", written `< 20 uur`: a number of the question below 20 counted in uur), or
#: the words that must all be there.
Alternative = tuple[str, tuple[str, ...]]
#: A question a plain ja or nee does not answer: a choice ("… de adviseur of de bemiddelaar?"), one
#: that also asks what, who or how, or one that asks whether something is the only way ("enkel …?").
_NOT_PLAIN = re.compile(
    r"\bof\b(?!\s+(niet|nie|nee|wel)\b)|\b(wat|wie|welke|welk|hoe|waarom|hoeveel|waar)\b|\b(enkel|alleen|uitsluitend)\b"
    # … or two questions in one: "mag X, en krijgt die daarvoor Y?"
    r"|,\s*en\s+(mag|mogen|kan|kunnen|krijgt|krijgen|moet|moeten|is|heeft|geeft|telt|bouwt|blijft)\b"
    # (not a follow-up's opening "en": "en bouwt die dan sociale rechten op?")
    r"|(?<=\w)\s+en\s+(mag|kan|krijgt|moet|is|heeft|geeft|telt|bouwt|blijft)\s+(die|hij|ze|zij|het|da|dat|de|ik|we|er)\b"
    # … or in both at once: "in GLOW en ook in TWE?"
    r"|\ben\s+ook\s+(in|bij|naar)\b")
#: An indirect question ("kan VDAB zeggen of hij recht heeft op leefloon?"): its "of" offers no choice.
_INDIRECT = re.compile(r"\b(zeggen|weten|vragen|nakijken|bekijken|checken|nagaan|zien|vertellen|laten weten)\s+of\b")
#: A word of `asks` is named by a question word that starts with all of it but this many last letters
#: (at least the stem): "opbouwen" by "opbouw", "verplicht" by "verplichting".
_ENDING = 3


def ruling(kb: KnowledgeBase, turn: Turn, among: list[Record] | None = None) -> Answer | None:
    """The ruling that settles the question (of `among` only, if given), verdict first."""
    if turn.asked.kind != "ja_nee" or turn.asked.someone_else or _NOT_PLAIN.search(_INDIRECT.sub(r"\1 dat", turn.text.casefold())):
        return None
    if turn.asked.inverted:
        # "is X een probleem?": only a ruling written for that way of asking ("drempel | probleem" among
        # its `asks`) answers it; another one's verdict would read as its opposite
        among = [r for r in (kb.all("rulings") if among is None else among) if _asks_inversion(kb, r)]
    found = settling_ruling(kb, turn, among)
    # "mag ik dat niet …?" gets no verdict (a ja or nee to it is easily misread); "iemand zonder
    # papieren" only from a rule about that negation itself ("zonder verblijfsstatuut")
    if found is None or turn.asked.negative and (turn.asked.denies or not _asks_negation(kb, found)):
        return None
    topic = kb.get("topics", found["topic"])
    text = messages.M049_VERDICT[found["verdict"]].format(reason=found["says"].strip())
    return Answer(
        text=answers.with_brief_status(kb, text, topic) if topic else text,
        source_line=answers.source_line(kb, found["sources"]),
        record_ids=[found["topic"], found["id"]],
        shortened=topic is not None,  # the topic's whole text is one click away
        verdict=found["verdict"],
    )


_NEGATION_WORDS = frozenset({"zonder", "geen", "niet", "nie"})


def _asks_inversion(kb: KnowledgeBase, record: Record) -> bool:
    """Whether the ruling's `asks` names a way of asking the other way round itself ("probleem", "drempel",
    "uitgesloten"): its verdict answers the question put that way."""
    return any(inverts(" ".join(words)) for line in _parsed(kb, tuple(record["asks"])) for _, words in line if words)


def _asks_negation(kb: KnowledgeBase, record: Record) -> bool:
    """Whether the ruling's `asks` names a negation itself ("zonder", "niet ingeschreven" in quotes): it
    answers the question that puts it ("kan iemand zonder papieren in het LP?")."""
    return any(
        words and set(words) <= _NEGATION_WORDS or term.startswith("=") and set(term[1:].split()) & _NEGATION_WORDS
        # … or a term that is a negation ("niet-ingeschreven": "geen klantendossier")
        or term.startswith("#") and any(set(v.split()) & _NEGATION_WORDS for v in kb.variants_of(term[1:]))
        for line in _parsed(kb, tuple(record["asks"])) for term, words in line
    )


def _negates(kb: KnowledgeBase, turn: Turn, held: list[Alternative]) -> bool:
    """Whether the question puts a negation before what the rule's `asks` name in it: a word ("zonder
    arbeidscontract") or a glossary term ("als er geen rechten SE worden toegekend": SE)."""
    if stems(" ".join(w for _, words in held for w in words)) & turn.asked.excluded:
        return True
    terms = {term for term, _ in held if term.startswith("#")}
    # a negation that is itself a term's variant ("nie in twe": buiten TWE) names a situation, it negates none
    phrases = [p for p in negated_phrases(turn.text) if not any(is_variant(kb, f"{word} {p}") for word in ("niet", "geen", "zonder"))]
    return bool(terms) and any(terms & concepts(kb, phrase) for phrase in phrases)


def settling_ruling(kb: KnowledgeBase, turn: Turn, among: list[Record] | None = None) -> Record | None:
    """The ruling the question asks: all of its `asks` named, none of its `unless`; of several, those
    that name most lines, and of those the one whose `says` holds most of the question; none when the
    most specific ones disagree."""
    named = _named(kb, turn)
    asked_as = _asked_as(turn.text)
    asked_numbers = {number: set(units) for number, _, units in named.counted}
    # the client's age is who the question is about, not a number the rule must state ("mijne klant is
    # 34, al jaren ziek …") — unless the rule holds for some ages only ("BIT-evaluatie (enkel -25
    # jaar)"): then the age must stand in it like any number
    ageless = {n: u for n, u in asked_numbers.items() if n != named.age}
    matched: list[tuple[int, Record]] = []
    for record in kb.all("rulings") if among is None else among:
        if record.get("history") or not _fits(record.get("question"), asked_as):
            continue
        lines = _parsed(kb, tuple(record["asks"]))
        held = []
        for line in lines:
            found = next((alt for alt in line if _holds(named, alt)), None)
            if found is None:
                break
            held.append(found)
        if not lines or len(held) < len(lines):
            continue
        if _names_unless(kb, named, record):
            continue
        if named.age and any(w.isdigit() and w != named.age for _, words in held for w in words):
            continue  # "klant van 35 met een dochter van 17": the rule about 17-year-olds is not about him
        if _negates(kb, turn, held) and not _asks_negation(kb, record):
            continue  # the question puts "geen"/"zonder" before what the rule is about
        synonyms = [alt for line in lines for alt in line]  # a line's alternatives say one thing
        if len(_unexplained(kb, named, held, record, synonyms)) > CONFIG.ruling_max_unexplained_words:
            continue  # the question asks something else about the same thing
        in_range = {n for term, _ in held if term.startswith("~") for n in _in_range(named, term)}
        if in_range and not _about(kb, named, in_range, held):
            continue  # "10 maanden werkloos, mag die een opleiding in glow?": not the training's months
        numbers = asked_numbers if named.age and _about_age(kb, record) else ageless
        if not _numbers_agree({n: u for n, u in numbers.items() if n not in in_range}, record["says"]):
            continue  # "2 maanden vrijgesteld?" is not settled by "2 jaar"
        matched.append((len(lines), record))
    if not matched:
        return None
    most = max(lines for lines, _ in matched)
    top = [record for lines, record in matched if lines == most]
    if len({r["verdict"] for r in top}) > 1:
        return None
    return max(top, key=lambda r: len(turn.asked.content & stems(r["says"])))


def named_in_full(kb: KnowledgeBase, turn: Turn) -> list[Record]:
    """The rulings whose every line of `asks` the question names somewhere and none of whose `unless` it
    names: the only ones a part of the question can be settled by."""
    named = _named(kb, turn)
    return [
        record for record in kb.all("rulings")
        if not record.get("history")
        and all(any(_holds(named, alt) for alt in line) for line in _parsed(kb, tuple(record["asks"])))
        and not _names_unless(kb, named, record)
    ]


def _names_unless(kb: KnowledgeBase, named: Named, record: Record) -> bool:
    return any(_holds(named, alt) for line in _parsed(kb, tuple(record.get("unless") or [])) for alt in line)


def _unexplained(
    kb: KnowledgeBase, named: Named, held: list[Alternative], record: Record, synonyms: list[Alternative] = ()
) -> set[str]:
    """The question's words that neither the ruling's `asks` it names, nor what it says, nor its
    topic's title account for ("leefloner in glow, heeft hij daarna recht op een uitkering?" is not
    asked by "GLOW is er ook voor leefloners": "recht", "uitkering", "daarna" are left). The client's
    status ("mijne leefloner") and age ("is 34") are context, not what is asked. `synonyms`: the other ways the lines of `asks`
    it names are written."""
    topic = kb.get("topics", record["topic"]) or {}
    told = f"{record['says']} {topic.get('title', '')}"
    told_terms = {t.lstrip("#") for t in concepts(kb, told)} | {t.lstrip("#") for t, _ in held if t.startswith("#")}
    explained = {word for term in named.terms if term.lstrip("#") in told_terms or _is_status(kb, term)
                 for word in _variant_words(kb, term.lstrip("#"))}
    # another way a line of `asks` is written says the same ("online" and "teams"); not its numbers or
    # units ("meer dan 2 jaar" does not explain "een jaar")
    asked_words = [w for _, words in held for w in words] + [
        w for _, words in synonyms for w in words if w not in _UNITS and not w.isdigit() and w not in _NUMBER_WORDS
    ]
    if any(term.startswith("~") for term, _ in held):  # "10u per week" in the range "< 20 uur"
        explained |= {w for w in named.words if any(c.isdigit() for c in w) or w in _UNITS or w == "per"}
    return {
        word for word in named.words
        if word not in explained and word != named.age and not stems(word) <= stems(told)
        and not any(word.startswith(_beginning(a)) or a in _compound_heads(word) for a in asked_words)
    }


@lru_cache(maxsize=1 << 12)
def _variant_words(kb: KnowledgeBase, term: str) -> frozenset[str]:
    """Every word of the ways a glossary term is written ("art", "60" for art. 60)."""
    return frozenset(w for variant in kb.variants_of(term) for w in _words(variant))


#: Units a number in a question or rule is counted in, by how they are written.
_UNITS = {
    "u": "uur", "uur": "uur", "uren": "uur", "dag": "dag", "dagen": "dag", "kalenderdagen": "dag",
    # a working day is not a calendar day: "25 werkdagen" is more than "30 kalenderdagen"
    "werkdagen": "werkdag", "arbeidsdagen": "werkdag", "week": "week", "weken": "week", "maand": "maand",
    "maanden": "maand", "j": "jaar", "jaar": "jaar", "jaren": "jaar", "jarige": "jaar", "jarigen": "jaar",
    "km": "km", "euro": "euro", "procent": "%", "%": "%",
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NUMBER_WORDS = frozenset(answers.NUMBER_WORDS.split("|")) | {"een", "halve", "half"}


def _numbers_agree(asked: dict[str, set[str]], says: str) -> bool:
    """Every number of the question (`asked`, see `_counted`) stands in the rule, counted in the same units
    ("32u per week" is not the rule's "32u … per maand", a client of 30 jaar not a BVS of 30 kalenderdagen)."""
    told = _counted(says)
    return all(number in told and units <= told[number] for number, units in asked.items())


def _counted(text: str) -> dict[str, set[str]]:
    """number -> the units written after it in its clause, up to eight words ("4,5 euro per uur": euro,
    uur; "32u en niet meer dan 64u per maand": uur, maand for both)."""
    counted: dict[str, set[str]] = {}
    folded = text.casefold()
    for match in _NUMBER.finditer(folded):
        number = match.group().replace(".", ",")
        clause = re.split(r"[;:?!]|[.,](?!\d)", folded[match.end():], maxsplit=1)[0]
        after = re.findall(r"[a-zà-ÿ%]+", clause)[:8]
        counted.setdefault(number, set()).update(_UNITS[w] for w in after if w in _UNITS)
    return counted


#: What a rule that holds for some ages only says: "-25 jaar", "jonger dan 16", "jongeren", "17-jarigen".
_AN_AGE = re.compile(r"-\s?\d+\s*jaar|\b(jonger|ouder)\s+dan\b|\bjongeren?\b|\b\d+-?jarig\w*|\bleeftijd\b")


def _about_age(kb: KnowledgeBase, record: Record) -> bool:
    """Whether the rule holds for some ages only (its words or its topic's title name an age)."""
    topic = kb.get("topics", record.get("topic", "")) or {}
    return bool(_AN_AGE.search(f"{record.get('says', '')} {topic.get('title', '')}".casefold()))


def _own_unit(text: str, number: str) -> str:
    """The unit written right after the number ("40u per maand": uur, not maand), or ""."""
    found = re.search(rf"(?<![\d,]){re.escape(number)}(?![\d,])\s*-?\s*([a-zà-ÿ%]+)", text.casefold().replace(".", ","))
    return _UNITS.get(found.group(1), "") if found else ""


def _is_status(kb: KnowledgeBase, term: str) -> bool:
    return kb.label_of(term) == "status"


def _fits(ruling_question: str | None, asked_as: str | None) -> bool:
    """A "mag" ruling ("X kan") says nothing to whether X must be; a "moet" ruling ("je hoeft X niet")
    answers only whether it must."""
    if ruling_question == "moet":
        return asked_as == "moet"
    return not (ruling_question == "mag" and asked_as == "moet")


def _asked_as(text: str) -> str | None:
    """"moet" for a question whether something must be, "mag" for whether it may or can be, else None."""
    folded = text.casefold()
    if _MUST.search(folded):
        return "moet"
    return "mag" if _MAY.search(folded) else None


@dataclass(frozen=True)
class Named:
    """What a question names: its content words, every beginning of them that a word of `asks` may
    stand for, the numbers in it, and the glossary terms ("#glow")."""

    words: frozenset[str]
    #: all its words, lowercased, between spaces (" mag al in glow ")
    text: str
    beginnings: frozenset[str]
    numbers: frozenset[str]
    terms: frozenset[str]
    #: the client's age (see `Asked.age`)
    age: str = ""
    #: each number, the unit written right after it and all units of its clause ("10u per week": 10 ->
    #: uur; uur, week)
    counted: tuple[tuple[str, str, frozenset[str]], ...] = ()
    #: the last parts its compound words end in ("arbeidscontracten": contract, contracten …), see `_compound_heads`
    compound_heads: frozenset[str] = frozenset()


def _named(kb: KnowledgeBase, turn: Turn) -> Named:
    """What the question names; a follow-up also names the trajectories of the answer it follows ("en
    bouwt die dan sociale rechten op?" after an answer about GLOW)."""
    terms = set(concepts(kb, turn.text))
    terms |= {"#" + term for values in turn.concepts.values() for term in values}
    if turn.previous_documents and turn.previous_topic is not None:
        services = [t for t in turn.previous_topic.get("concepts") or [] if kb.label_of(t) in answers.SERVICE_LABELS]
        # … when a trajectory is what the answer was about (its first service): after gemeenschapsdienst
        # (a WES inside GLOW), "kan da verlengd worden?" asks about the stage, not about GLOW
        if services and kb.label_of(services[0]) == "traject":
            terms |= {"#" + t for t in services if kb.label_of(t) == "traject"}
    words = frozenset(_words(turn.text))
    beginnings = frozenset(w[:n] for w in words for n in range(min(STEM_LENGTH, len(w)), len(w) + 1))
    text = f" {' '.join(_tokens(turn.text))} "
    counted = tuple(
        (number, _own_unit(turn.text, number), frozenset(units)) for number, units in _counted(turn.text).items()
    )
    numbers = frozenset(re.findall(r"\d+", turn.text))
    heads = frozenset(head for word in words for head in _compound_heads(word))
    return Named(words, text, beginnings, numbers, frozenset(terms), turn.asked.age, counted, heads)


def _holds(named: Named, alternative: Alternative) -> bool:
    """Whether the question names the alternative: its glossary term, or each of its words (a word
    of the question that starts like it: "opbouwen" for "opbouw", not "loopbaan" for "loopbaaninformatie")."""
    term, needed = alternative
    if term.startswith("="):
        return f" {term[1:]} " in named.text
    if term.startswith("~"):
        return bool(_in_range(named, term))
    if term:
        return term in named.terms
    return bool(needed) and all(_named_word(named, word) for word in needed)


#: A range of numbers in `asks` or `unless`: "< 20 uur", ">= 9 maand", "> 64 uur maand" (counted in
#: every unit named: "per maand", not "per week").
_RANGE = re.compile(r"^(<=|>=|<|>)\s*(\d+(?:,\d+)?)\s+([a-z%]+(?:\s+[a-z%]+)*)$")
_COMPARED = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


#: How many words from what a ruling asks about a number in its range may stand ("een WES van 10u").
_NUMBER_NEAR = 4


def _about(kb: KnowledgeBase, named: Named, numbers: set[str], held: list[Alternative]) -> bool:
    """Whether each number is said of what the ruling asks about: a word of another of its lines stands
    a few words before it ("een WES van 10u", "een bvs 40 dagen"; not "10 maanden in glow")."""
    tokens = named.text.replace("-", " ").split()  # "vdab-opleiding van 10 maanden": "opleiding" stands before
    anchors = {w for term, words in held if not term.startswith("~") for w in words}
    anchors |= {w for term, _ in held if term.startswith("#") for w in _variant_words(kb, term[1:])}
    # a short word whole ("wes", "werk" is not "werkt"), a longer one by its beginning ("opleiding" in "opleidingen")
    near = [i for i, token in enumerate(tokens) if any(
        token == w if len(w) <= STEM_LENGTH else token.startswith(_beginning(w)) for w in anchors
    )]
    for number in numbers:
        written = re.compile(rf"{re.escape(number)}(?!\d)")
        places = [i for i, token in enumerate(tokens) if written.match(token)]
        if not any(0 < i - j <= _NUMBER_NEAR for i in places for j in near):
            return False
    return True


def range_problem(alternative: str) -> str | None:
    """What is wrong with an alternative of `asks` or `unless` written as a range ("< 20 uur"), if anything."""
    alternative = alternative.strip()
    if not alternative.startswith(("<", ">")):
        return None
    found = _RANGE.match(alternative)
    if not found:
        return (f"'{alternative}' is geen bereik: <, <=, > of >=, een getal en een of meer eenheden "
                f"({', '.join(sorted(set(_UNITS.values())))})")
    unknown = set(found.group(3).split()) - set(_UNITS.values())
    return f"onbekende eenheid {', '.join(sorted(unknown))} in '{alternative}'" if unknown else None


def _in_range(named: Named, term: str) -> set[str]:
    """The question's numbers in the range `term` ("~< 20 uur week"): counted in its first unit (written
    right after the number: "40u per maand" is hours, not months) and in all of its others."""
    found = _RANGE.match(term[1:])
    if not found:
        return set()
    operator, bound, (unit, *others) = found.group(1), _value(found.group(2)), found.group(3).split()
    return {
        number for number, own, counted_in in named.counted
        if own == unit and set(others) <= counted_in and _COMPARED[operator](_value(number), bound)
    }


def _value(number: str) -> float:
    return float(number.replace(",", "."))


def _named_word(named: Named, word: str) -> bool:
    if any(c.isdigit() for c in word):  # "20" in "20u", not in "200"
        return word in named.numbers or word in named.words
    return _beginning(word) in named.beginnings or word in named.compound_heads


#: A word of `asks` this long also names a compound that ends in it ("arbeidscontract" is a contract) …
_COMPOUND_HEAD = 6
#: … after at least this many letters of its own (not "recontract"), with at most a plural ending after it
_COMPOUND_LEFT = 4
_PLURAL_ENDING = 2


@lru_cache(maxsize=1 << 14)
def _compound_heads(word: str) -> frozenset[str]:
    """The last parts a question's compound `word` may end in ("arbeidscontracten": contract, contracten
    …): a Dutch compound is a kind of its last part."""
    return frozenset(
        word[start: len(word) - ending]
        for ending in range(_PLURAL_ENDING + 1)
        for start in range(_COMPOUND_LEFT, len(word) - ending - _COMPOUND_HEAD + 1)
    )


def _beginning(word: str) -> str:
    """What a question word must start with to name `word`: all of it but its last few letters."""
    return word[: max(STEM_LENGTH, len(word) - _ENDING)]


def _tokens(text: str) -> list[str]:
    return re.findall(r"[\w-]+", text.casefold())


def _words(text: str) -> list[str]:
    """Content words, whole (numbers of any length count)."""
    return [w for w in re.findall(r"\w+", text.casefold()) if w not in FILLER_WORDS and (len(w) > 2 or w.isdigit())]


@lru_cache(maxsize=1 << 12)
def _parsed(kb: KnowledgeBase, lines: tuple[str, ...]) -> list[list[Alternative]]:
    """Each line's alternatives ("opbouwen | opbouw"): a glossary id as its term, else its words."""
    parsed = []
    for line in lines:
        alternatives = []
        for alternative in (a.strip() for a in str(line).split("|")):
            if kb.get("glossary", alternative):
                alternatives.append(("#" + alternative, ()))
            elif _RANGE.match(alternative):
                alternatives.append(("~" + alternative, ()))
            elif len(alternative) > 2 and alternative[0] == alternative[-1] == '"':
                phrase = " ".join(_tokens(alternative))
                alternatives.append(("=" + phrase, tuple(_words(phrase))))
            elif alternative:
                alternatives.append(("", tuple(_words(alternative))))
        parsed.append(alternatives)
    return parsed
