"""Fact extraction: the one to three sentences of a record's answer that carry what is asked.

A topic's answer covers a question area; a case worker asks one thing of it. The sentences are
ranked by the question's content words (rarer words count more) and by whether they carry the
kind of information asked (a number for "hoeveel", an actor for "wie" …). The rest of the topic
stays one click away ("Meer uitleg").

A verdict is put in front only when a chosen sentence explicitly excludes or denies what a ja/nee
question names ("Nee: …"); otherwise the sentences answer on their own (see `verdict`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from bot.answering.config import CONFIG
from bot.answering.question import Asked, held, negated, stems
from bot.answers import NUMBER_WORDS, SERVICE_LABELS
from bot.knowledge.passages import split_sentences
from bot.knowledge.query import KnowledgeBase
from bot.knowledge.sources import normalise

#: What a sentence holds when it gives the kind of information asked.
CARRIERS = {
    "hoeveel": re.compile(
        rf"\d|€|\beuro\b|%|\bprocent\b|\b({NUMBER_WORDS}|helft|meerderheid|minderheid)\b"),
    # a duration: a number with its unit of time, or an explicit "no maximum"
    "hoelang": re.compile(
        # not an age: "-25 jaar", "jonger dan 16 jaar"
        rf"((?<![-+\d])(?<!- )(?<!jonger dan )(?<!ouder dan )\d+|\b({NUMBER_WORDS}))\s*(-\s*\d+\s*)?"
        r"(kalender|werk|arbeids)?(dag|dagen|week|weken|maand|maanden|jaar|jaren|uur|uren)\b|"
        r"\bgeen\s+(maximum|minimum|limiet|termijn)\w*|\bonbeperkt\b"),
    "wanneer": re.compile(
        r"\d+\s*(kalender|werk)?(dag|dagen|week|weken|maand|maanden|jaar|jaren|uur|uren)\b|\b\d{1,2}/\d{1,2}\b|"
        r"\b(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\b|"
        r"\b(dag|dagen|week|weken|maand|maanden|jaar|jaren|uur|uren|wanneer|zodra|vanaf|"
        r"einde|start|begin|onmiddellijk|meteen|periode|termijn|duur|duurt|nadat|voordat|vooraleer|na afloop)\b"),
    "wie": re.compile(
        r"\b(vdab|ocmw|partner\w*|bemiddelaar\w*|adviseur\w*|consulent\w*|begeleider\w*|trajectbegeleider\w*|"
        r"maatschappelijk\w* werker\w*|jij|je|helpdesk|contactpersoon\w*|projectbeheerder\w*|rva|riziv|lokale? bestu\w*|"
        r"werkgever\w*|coach\w*|dienst\w*|organisatie\w*)\b"),
    # a step, or a list of them
    "hoe": re.compile(
        r"\n[-•]\s|\b(via|neem|stuur|vul|meld|registreer|contacteer|vraag|maak|open|klik|kies|log|eerst|daarna|vervolgens|"
        r"stap\w*|moet|moeten|aanvraag|formulier)\b"),
    "ja_nee": re.compile(
        r"\b(kan|kunnen|mag|mogen|moet|moeten|hoeft|niet|geen|wel|enkel|alleen|uitgesloten|mogelijk|toegelaten|"
        r"verplicht|nodig|aanmerking)\b"),
    # a difference: what one has and the other not
    "verschil": re.compile(r"\b(anders|verschil\w*|in tegenstelling|terwijl|daarentegen|enkel|alleen|niet|geen)\b"),
    # what two things share
    "gemeen": re.compile(r"\b(dezelfde|hetzelfde|beide|allebei|zowel|gelijk\w*|gelijkenis\w*|gemeen\w*)\b"),
    "waarom": re.compile(r"\b(omdat|want|zodat|daardoor|reden|doel|bedoeling|om\s+\w+\s+te)\b"),
}

#: A footnote's number that PDF extraction glued to the word before it ("'Advies Welzijn16", "personen15"):
#: no figure of the text. Not "art60" or "cat90", which are written that way.
_NOTE_MARK = re.compile(r"(?<=[a-zà-ÿ'’\"])(?<!\bart)(?<!\bcat)\d{1,2}(?=[\s.,;:)'’\"]|$)"
                        # … a footnote's own number before its capitalised text ("16 Voorheen de groep …"),
                        # the number of a list item ("(1) de groep …")
                        r"|(?:^|(?<=\s))\d{1,3}\s+(?=[A-Z][a-z])|\(\d{1,2}\)\s")


def without_note_marks(text: str) -> str:
    return _NOTE_MARK.sub("", text)


@lru_cache(maxsize=1 << 15)  # the same record sentences and passages are read for question after question
def carries_kind(kind: str, text: str) -> bool:
    """Whether `text` holds the kind of information a question of this kind asks (see CARRIERS): a
    footnote's number is none."""
    carrier = CARRIERS.get(kind)
    return carrier is not None and bool(carrier.search(without_note_marks(text).casefold()))


#: Kinds whose carrier (a number, a duration, a date) tells a sentence apart by itself.
_TELLS_BY_ITSELF = ("hoeveel", "hoelang", "wanneer")
#: Kinds an answer must carry: a "hoeveel" or "hoelang" question answered without a number or a
#: duration is answered with a neighbouring fact, so the carrying sentence is chosen or none is.
STRICT = ("hoeveel", "hoelang")
#: Kinds that compare two things: a list item's heading ("Gelijkenissen:", "Wat is anders:") says which side it is on.
_COMPARING = ("verschil", "gemeen")

# --- verdicts: stated only where the sentence says it ----------------------------------------
# A verdict is read from the one clause of a sentence that says most about what a ja/nee question asks
# (a list item, a part between ";"): "nee" where it excludes or denies it, "ja" where it permits it
# with the question's own kind of verb (permission, obligation, or the very verb asked: "blijft …
# opvolgen"), "hangt af" where it permits it only under a condition the question does not state.
# Anything weaker ("beide trajectvormen zijn beschikbaar") gives no verdict: the sentence answers alone.
PERMISSION_QUESTION = re.compile(
    r"^\W*(en\s+)?(mag|mogen|kan|kunnen|kunt|is het mogelijk|komt|komen|past|passen|valt|vallen|hoort|behoort|zit|zitten)\b"
    # … or after the situation: "ik registreer ne bvs buiten twe, mag ik dan …"
    r"|^[^?,]{0,120},\s*(en\s+)?(mag|mogen|kan|kunnen|zit|past|valt|hoort)\s+(ik|je|we|wij|die|hij|ze|zij|mijn|mijne|de|een|ne)\b"
    # … or a tag at the end: "driegesprek via teams, kan da?"
    r"|\b(mag|kan|gaat|lukt)\s+(dat|da|het)\W*$|\b(mogelijk|toegelaten)\W*$")
_OBLIGATION_QUESTION = re.compile(r"^\W*(en\s+)?(moet|moeten|hoef|hoeft|hoeven|is het verplicht|is het nodig)\b")
#: The verb a question opens with ("blijft vdab … opvolgen?"): a clause with the same verb and no
#: negation says "ja". Not the modal and copular verbs: "is" or "heeft" in a clause says little.
_OPENING_VERB = re.compile(
    r"^\W*(en\s+)?(blijft|blijven|bouwt|bouwen|krijgt|krijgen|kreeg|kregen|telt|tellen|geldt|gelden|behoudt|"
    r"behouden|verliest|verliezen|loopt|lopen|stopt|stoppen|start|starten|volstaat|bestaat|geeft|geven|gaat|gaan)\b")
_DENIES = re.compile(
    r"\b(kan|kunnen|mag|mogen)\b[^.;:]{0,40}\b(niet|geen rol)\b|\bniet (mogelijk|toegelaten|toegestaan|combineerbaar|"
    r"in aanmerking|rechtstreeks)\b|\buitgesloten\b|\bvall?en buiten\b|\bbuiten de (scope|doelgroep)\b|\bnooit\b"
    # "dan hoort hij niet tot de GLOW-doelgroep"
    r"|\b(hoort|horen|behoort|behoren)\b[^.;:]{0,20}\bniet\s+(tot|bij)\b")
#: "is er een vrijstelling voor …?", "bestaat er een formulier …?": asks whether something exists, so
#: "er bestaat geen X" denies it even where X is the topic's own word
_EXISTENCE_QUESTION = re.compile(r"^\W*(en\s+)?(is|zijn|bestaat|bestaan)\s+er\b")
#: … X being the first words after "er"
_EXISTENCE_WORDS = 3
#: "hoeft geen X te zijn": X is not required, not denied — the verb stands at most this many characters before
_NOT_REQUIRED = re.compile(r"\b(hoef|hoeft|hoeven|moet|moeten)\b[^.;:]*$")
_NOT_REQUIRED_BEFORE = 25
#: "mag/kan … niet <doen>": a denial of what follows it, or (nothing follows) of what stands this many characters before
_MODAL_DENIAL = re.compile(r"(kan|kunnen|mag|mogen)\b")
_DENIED_BEFORE = 60
_NO_SUCH = re.compile(r"\bgeen\s+['‘\"]?((?:[\w-]+\s+){0,1}[\w-]+)")
_NOT_NEEDED = re.compile(r"\b(hoef|hoeft|hoeven)\b[^.;:]{0,40}\bniet\b|\bniet (verplicht|nodig)\b|\bgeen verplichting\b")
_NEGATION = re.compile(r"\b(niet|nie|geen|nooit|uitgesloten|zonder|enkel|alleen)\b")
_PERMITS = re.compile(r"\b(kan|kunnen|mag|mogen)\b|\b(mogelijk|toegelaten|toegestaan)\b")
_OBLIGES = re.compile(r"\b(moet|moeten|verplicht)\b")
#: "als" in "gebruikt worden als 'voortraject'" names a role ("as"), not a condition ("if")
_AS_A_ROLE = re.compile(
    r"\b(?:gebruikt|beschouwd|ingezet|gezien|erkend|bedoeld|geregistreerd|fungeren|fungeert|dienen|dient)"
    r"\s+(?:(?:te\s+)?worden\s+|wordt\s+|zijn\s+|is\s+)?als"
    # … followed by what it is used as, not by a clause of its own ("als de klant al in TWE zit")
    r"(?=\s+(?:een\s+|de\s+|het\s+)?['‘\"]?[\w-]+['’\"]?\s*(?:$|[.;:,]|\s(?:voor|in|bij|binnen|naar)\b))")
_CONDITION = re.compile(
    r"\b(als|indien|op voorwaarde|tenzij|behalve|enkel|alleen|uitzonderlijk|afhankelijk|hangt af|dan|wanneer|zolang|"
    r"mits|pas|bij voorkeur|in principe|meestal|soms)\b")
#: A permission only under a condition ("kan enkel als …", "is instroom mogelijk wanneer …").
_ONLY_IF = re.compile(
    r"\b(kan|kunnen|mag|mogen|mogelijk)\b[^.;:]{0,60}\b(als|indien|wanneer|mits|op voorwaarde)\b"
    r"|\b(enkel|alleen|pas)\s+(als|indien|wanneer|vanaf|mits|na|met|op voorwaarde)\b")
#: Where a sentence splits into clauses that each say one thing.
_CLAUSE_BREAK = re.compile(r"\s*;\s*|\s*\n\s*(?:[-•]\s*)?|(?<=[.!?])\s+(?=[A-Z'(\"])")


@dataclass
class Focus:
    """The chosen sentences (in the answer's order) and the verdict they carry, if any."""

    sentences: list[str]
    verdict: str | None = None
    #: False when the whole answer was short enough to give as it is
    shortened: bool = False
    #: the sentences quoted word for word from the cited sections (not from the record)
    quoted: list[str] = field(default_factory=list)


_ITEM = ("- ", "• ")


def units(text: str, *, steps: bool = False) -> list[str]:
    """The answer's sentences; a line ending in ':' keeps its list items with it, and with `steps`
    (a "hoe" or "welke" question) a list stays whole: its steps or items are the answer."""
    found: list[str] = []
    list_open = False
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if line.startswith(_ITEM) and found and list_open:
            found[-1] += "\n" + line
            continue
        # a step's explanation stays whole with its list; elsewhere each sentence stands alone
        sentences = [line] if line.startswith(_ITEM) or steps else split_sentences(line)
        found += [s.strip() for s in sentences if s.strip()]
        list_open = found[-1].endswith(":") or steps
    return found


def words(text: str) -> int:
    return len(text.split())


@lru_cache(maxsize=4)
def _document_frequency(kb: KnowledgeBase) -> tuple[dict[str, int], int]:
    """How many passages of the source texts hold each stem (rare words decide a match)."""
    frequency: dict[str, int] = {}
    rows = kb.db.execute("select text from passages").fetchall()
    for (text,) in rows:
        for stem in stems(text):
            frequency[stem] = frequency.get(stem, 0) + 1
    return frequency, max(1, len(rows))


def weight(kb: KnowledgeBase, stem: str) -> float:
    """1 for a word no passage holds, less the more passages hold it."""
    frequency, total = _document_frequency(kb)
    return (math.log((total + 1) / (frequency.get(stem, 0) + 1)) + 1.0) / (math.log(total + 1) + 1.0)


@lru_cache(maxsize=4)
def _variants(kb: KnowledgeBase) -> tuple[dict[str, str], int]:
    """Every glossary variant (normalised) and its term ("bvs", "beroepsverkennende stage" -> bvs), and
    the longest variant in words ("in beroep tegen zijn mutualiteit": 5)."""
    variants = dict(kb.db.execute("select variant, term from term_variants").fetchall())
    return variants, max((len(v.split()) for v in variants), default=1)


def is_variant(kb: KnowledgeBase, phrase: str) -> bool:
    """Whether the phrase is written as one of the glossary's variants ("niet in twe")."""
    return " ".join(re.findall(r"[\w'-]+", normalise(phrase))) in _variants(kb)[0]


@lru_cache(maxsize=1 << 14)
def concepts(kb: KnowledgeBase, text: str) -> frozenset[str]:
    """The glossary terms a text names by any variant, so "LP" in a question meets "lokaal
    partnerschap" in a sentence ("#lp" in both)."""
    variants, longest = _variants(kb)
    tokens = re.findall(r"[\w'-]+", normalise(text))
    found = set()
    taken: dict[int, set[str]] = {}  # token -> the labels of the longer variants that hold it
    # longest first: the words of a longer variant name no shorter one of the same kind ("nie in twe" is
    # not "in twe"); one of another kind they do ("in twe" is TWE-OCMW too)
    for size in range(longest, 0, -1):
        for start in range(len(tokens) - size + 1):
            term = variants.get(" ".join(tokens[start:start + size]))
            if not term:
                continue
            label = kb.label_of(term)
            if any(label in taken.get(i, ()) for i in range(start, start + size)):
                continue
            found.add("#" + term)
            for i in range(start, start + size):
                taken.setdefault(i, set()).add(label)
    return frozenset(found)


def overlap(kb: KnowledgeBase, asked: Asked, text: str) -> float:
    """The weight of the question's content words and concepts that `text` holds (the topic's own
    words count less)."""
    # fsum: a set's order changes with the hash seed; an exact sum does not (ties stay ties in every process)
    words_held = math.fsum(weight(kb, s) * (CONFIG.topical_weight if s in asked.topical else 1.0) for s in held(asked, text))
    named = asked.concepts - asked.topical
    return words_held + CONFIG.concept_weight * len(named & concepts(kb, text))


def score(kb: KnowledgeBase, asked: Asked, unit: str, position: int, heading: str = "", section: str = "") -> float:
    """How well `unit` answers; `heading` is the line its list item stood under ("Wat is anders:"),
    `section` the title of the section a quoted passage stands in."""
    if unit.rstrip().endswith(":"):
        return 0.0  # a lead that only introduces what follows ("… beschrijft:") answers nothing by itself
    if any(_about_a_sibling(kb, asked, above) for above in (heading, section) if above):
        # "hoeveel verdient een wijk-werker?": not an item under "Gemeenschapsdienst:", nor a passage of
        # "Bijlage 2: Gemeenschapsdienst voorgesteld" — it answers about another service
        return 0.0
    value = overlap(kb, asked, unit)
    carrier = CARRIERS.get(asked.kind)
    # the kind of information asked: a number for "hoeveel" / "hoelang" tells by itself, an actor or a
    # "niet" only in a sentence about what is asked; a difference or a likeness also by its heading
    carries = carries_kind(asked.kind, unit)
    # an item under "Gelijkenissen:" is about both sides, whether it names them or not
    headed = asked.kind in _COMPARING and carrier is not None and bool(carrier.search(heading.casefold()))
    if headed or carries and (value > 0 or asked.kind in _TELLS_BY_ITSELF):
        value += CONFIG.carrier_bonus
    carries = carries or headed
    if asked.counted and counts_asked(asked, unit):
        value += CONFIG.carrier_bonus  # "hoeveel knipperlichten": "zes knipperlichten", not any number
    if position == 0 and (asked.kind in ("wat", "other") or asked.kind in _COMPARING and carries):
        value += CONFIG.lead_bonus  # a definition comes first
    if asked.excluded & (stems(unit) - negated(unit)):
        value -= CONFIG.excluded_penalty  # "voor iemand die géén leefloon heeft": not the leefloon rule
    return value


def _about_a_sibling(kb: KnowledgeBase, asked: Asked, heading: str) -> bool:
    """Whether a list's heading names something of the same kind as the question asks about, but not what
    it asks about ("Gemeenschapsdienst (…):" for a question about wijk-werken; both instruments)."""
    named = concepts(kb, heading)
    if not named or named & asked.concepts:
        return False
    # services side by side (wijk-werken and gemeenschapsdienst), not organisations or roles, which one
    # sentence often names together ("bij het OCMW …, bij VDAB …")
    kinds = {kb.label_of(t) for t in named} & set(SERVICE_LABELS)
    return any(kb.label_of(t) in kinds for t in asked.concepts)


def focus(
    kb: KnowledgeBase, asked: Asked, question: str, text: str, title: str = "", passages: list[str] | None = None,
    sections: dict[str, str] | None = None,
) -> Focus:
    """The sentences that answer `question`: of the record's `text`, or word for word of the `passages`
    of the sections the record cites (the record paraphrases; the document may say the asked thing
    itself). At most CONFIG.max_words where possible.

    Words of the topic's `title` say what the whole text is about, so they tell its sentences
    apart less ("bvs" in every sentence about the BVS) than the other words of the question do.
    """
    asked = replace(
        asked, concepts=frozenset(concepts(kb, question)),
        # "Wat doet de GLOW-partner?" is about GLOW as well
        topical=frozenset((asked.content & stems(title)) | concepts(kb, title) | concepts(kb, title.replace("-", " "))),
    )
    steps = asked.kind in ("hoe", "welke")  # the steps or items are the answer: a list stays whole
    # a difference has two sides: room for a sentence about each
    limit = CONFIG.comparison_max_words if asked.kind in _COMPARING else CONFIG.max_words
    pieces = [piece for unit in units(text, steps=steps) for piece in ([(unit, "")] if steps else _fitting(unit))]
    found = [piece for piece, _ in pieces]
    headings = dict(pieces)
    if words(text) <= limit or len(found) <= 1:
        best_unit = _best(kb, asked, found)
        said = verdict(kb, asked, question, best_unit)
        # a verdict's sentence comes right after it
        return Focus(sentences=[best_unit] + [u for u in found if u != best_unit] if said else found, verdict=said)
    quoted = list(_not_restated(tuple(passages or ()), tuple(found)))
    candidates = found + quoted
    # a record's sentence is written to be read on its own; a quoted passage leans on its section
    scores = [
        score(kb, asked, unit, i, headings.get(unit, ""), (sections or {}).get(unit, ""))
        * (1.0 if i < len(found) else CONFIG.quoted_passage_weight)
        for i, unit in enumerate(candidates)
    ]
    ranked = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    best = scores[ranked[0]]
    if best <= 0 or ranked[0] == 0 and best - CONFIG.lead_bonus <= 0 and asked.kind in ("wat", "other", *_COMPARING):
        # nothing in the question tells the sentences apart: the record's opening lines
        picked = [0] + [i for i in range(1, len(found)) if sum(map(words, found[: i + 1])) <= limit]
    else:  # the best sentences, as many as fit
        picked = [ranked[0]]
        for index in ranked[1:]:
            if len(picked) == CONFIG.max_sentences or scores[index] < CONFIG.second_sentence_share * best:
                break
            if asked.kind in STRICT and not carries_kind(asked.kind, candidates[index]):
                continue  # "hoeveel …": a further sentence without a number or duration says something else
            same = next((i for i in picked if _same_thing(candidates[index], candidates[i])), None)
            if same is not None:
                # the record's sentence and the passage it paraphrases say one thing: the record's
                # sentence says it (it is written to be read on its own, without the section's heading)
                if index < len(found) <= same and words(candidates[index]) <= limit:
                    picked[picked.index(same)] = index
                continue
            if sum(words(candidates[i]) for i in picked) + words(candidates[index]) <= limit:
                picked.append(index)
        if asked.kind in _WHOLE_IDEA:
            picked = _with_next(candidates, len(found), picked, limit)
        if asked.kind == "verschil":
            picked = _both_sides(kb, asked, candidates, ranked, picked, limit)
        picked = _whole_list(asked, candidates, headings, picked, limit)
    if asked.kind in STRICT and not any(_answers_number(asked, candidates[i]) for i in picked):
        carrying = [i for i in ranked if _answers_number(asked, candidates[i])]
        if not carrying:
            return Focus(sentences=[], shortened=True)  # the topic does not give the number asked
        picked = carrying[:1]
    if asked.kind == "hoeveel" and _counts_things(asked.words) and all(
            _only_measures(candidates[i]) or asked.counted and not counts_asked(asked, candidates[i])
            and not _counts_people(candidates[i]) for i in picked):
        # "hoeveel lokale besturen …": "32 tot 64 uur" counts none; "hoeveel GLOW-trajecten …": "vanaf 1/1/23"
        # counts no trajectories
        return Focus(sentences=[], shortened=True)
    # the best-scoring sentence that states a verdict (only an explicit exclusion does) comes first:
    # "Nee: <that sentence>", the others after it in the answer's order
    # (a "ja" or "hangt af" only from the best sentence: a permission in a lesser one is about something else)
    carrying = next(
        ((i, v) for i in picked if (v := verdict(kb, asked, question, candidates[i])) and (v == "nee" or i == picked[0])),
        None,
    )
    order = sorted(picked, key=lambda i: (carrying is None or i != carrying[0], i))
    chosen = [candidates[i] for i in order]
    return Focus(
        sentences=chosen,
        verdict=carrying[1] if carrying else None,
        shortened=True,
        quoted=[c for c in chosen if c in quoted],
    )


#: Kinds that ask for an idea rather than one fact: the record sentence that follows the best one
#: often finishes it ("Bijkomende voorwaarde: …"), so it comes along when it fits.
_WHOLE_IDEA = ("wat", "welke", "other")


def _with_next(candidates: list[str], records: int, picked: list[int], limit: int) -> list[int]:
    """The chosen sentences and, when it fits, the record sentence right after the best one (the first
    `records` candidates are the record's sentences, in order)."""
    following = picked[0] + 1
    if picked[0] >= records or following >= records or following in picked:
        return picked
    if sum(words(candidates[i]) for i in picked) + words(candidates[following]) <= limit:
        return picked + [following]
    return picked


def _both_sides(
    kb: KnowledgeBase, asked: Asked, candidates: list[str], ranked: list[int], picked: list[int], limit: int
) -> list[int]:
    """For a difference between two things the question names (glossary terms), the best sentence
    about a side that no chosen sentence names yet, replacing the weakest when there is no room."""
    sides = sorted(asked.concepts)
    for side in sides if len(sides) >= 2 else []:
        if any(side in concepts(kb, candidates[i]) for i in picked):
            continue
        about = next((i for i in ranked if side in concepts(kb, candidates[i]) and i not in picked), None)
        if about is None:
            continue
        while picked and sum(words(candidates[i]) for i in picked) + words(candidates[about]) > limit and len(picked) > 1:
            picked = picked[:-1]  # ranked order: the last is the weakest
        if sum(words(candidates[i]) for i in picked) + words(candidates[about]) <= limit:
            picked.append(about)
    return picked


def _whole_list(asked: Asked, candidates: list[str], headings: dict[str, str], picked: list[int], limit: int) -> list[int]:
    """For a comparison whose best sentence is an item under a heading that says which side it is on
    ("Gelijkenissen:"), that heading's items in their order, as many as fit: the list is what is asked."""
    carrier = CARRIERS.get(asked.kind)
    heading = headings.get(candidates[picked[0]], "") if picked else ""
    if asked.kind not in _COMPARING or carrier is None or not carrier.search(heading.casefold()):
        return picked
    listed = [i for i, unit in enumerate(candidates) if headings.get(unit) == heading]
    chosen = [picked[0]]
    for index in listed:
        if index not in chosen and sum(words(candidates[i]) for i in chosen) + words(candidates[index]) <= limit:
            chosen.append(index)
    return chosen


#: A number, in digits or in words, and the few words after it ("zes knipperlichten", "63 cliënten").
_NUMBER_AND_NOUN = re.compile(rf"(?:\d+(?:[.,]\d+)*|\b(?:{NUMBER_WORDS}))\s+((?:[\w'-]+\s+){{0,2}}[\w'-]+)")


def counts_asked(asked: Asked, unit: str) -> bool:
    """Whether the sentence counts what a "hoeveel" question counts: a number with that word right
    after it, or a word or two further ("63 cliënten", "dertig doorverwijzingen", "64 uur per maand")."""
    return any(asked.counted in stems(match.group(1)) for match in _NUMBER_AND_NOUN.finditer(unit.casefold()))


#: Words for people that a count of a group of them is written in ("1666 personen" for "hoeveel ex-PWA'ers").
_PEOPLE = frozenset({"personen", "mensen", "deelnemers", "cliënten", "werkzoekenden", "klanten"})


def _counts_people(unit: str) -> bool:
    return any(match.group(1).split()[0] in _PEOPLE for match in _NUMBER_AND_NOUN.finditer(unit.casefold()))


#: A number and the word after it ("64 uur", "15%", "4,5 euro", "zes knipperlichten").
_NUMBER_AND_WORD = re.compile(rf"(?:\d+(?:[.,]\d+)*|\b(?:{NUMBER_WORDS})\b)\s*([%\w'-]*)")
#: The units of a measure: a number with one of these counts no things.
_MEASURES = frozenset({"%", "procent", "euro", "u", "uur", "uren", "dag", "dagen", "kalenderdagen", "werkdagen", "week",
                       "weken", "maand", "maanden", "jaar", "jaren", "km", "keer"})


#: Words of a question for a share, an amount or an age ("welk percentage van de wijk-werkers …", "jongeren onder
#: welke leeftijd?"): a measure is its answer.
_SHARE = frozenset({"percentage", "procent", "aandeel", "deel", "bedrag", "bedragen", "verhouding", "leeftijd", "oud"})


def _counts_things(asked_words: frozenset[str]) -> bool:
    """Whether a "hoeveel" question counts things (a plural noun: "lokale besturen", "ibo-contracten"), not a
    measure ("hoeveel uur", "hoeveel euro") or an amount ("hoeveel verdient …")."""
    return any(w.endswith(("en", "s")) and w not in _MEASURES and len(w) > 3 for w in asked_words) and not (
        asked_words & (_MEASURES | _SHARE))


#: The words between the numbers of a range ("32 en maximaal 64 uur"), or none after a number.
_RANGE_WORDS = frozenset({"en", "tot", "of", "à", "a", "-", ""})


def _only_measures(sentence: str) -> bool:
    """Whether every number in the sentence is a measure ("32 en maximaal 64 uur per maand", "15%")."""
    found = [m.group(1).casefold().rstrip(".") for m in _NUMBER_AND_WORD.finditer(without_note_marks(sentence))]
    # "32 en maximaal 64 uur": the first number has the unit of the next
    found = [w for w in found if w not in _RANGE_WORDS]
    return bool(found) and all(w in _MEASURES for w in found)



def _answers_number(asked: Asked, unit: str) -> bool:
    """Whether a sentence gives the number or duration asked about what is asked: it holds a word of
    the question besides the topic's own (not "16 jaar" for "hoe lang duurt een begeleiding in het LP")."""
    if not carries_kind(asked.kind, unit):
        return False
    # a question that names nothing besides the topic and the client ("bvs voor klant < 25 jaar, hoe
    # lang?") asks the topic's own number
    about = {s for s in asked.content - asked.topical if not any(c.isdigit() for c in s) and s not in _UNITS}
    # … and the unit or the verb of "hoelang duurt" says what is asked, not about what ("duurtijd" of
    # another training than the one asked)
    return not about or bool(held(asked, unit) - asked.topical - _ASKING)


#: Stems of the units a number is asked in ("hoeveel weken", "onder welke leeftijd") and of the verbs of
#: "hoelang duurt / geldt / loopt": they say what is asked, not about what …
_ASKING = frozenset(stems(" ".join(sorted(_MEASURES)) + " duren hoelang leeftijd oud geldt gelden loopt lopen"))
#: … and so does the bound asked ("max", "onder"), though a sentence that holds it says more of the question
_UNITS = _ASKING | frozenset(stems("maximaal minimaal onder boven"))


def _fitting(unit: str) -> list[tuple[str, str]]:
    """A list too long for a short answer, as its lead and its items, each an answer of its own, with
    the lead each item stood under."""
    if words(unit) <= CONFIG.max_words or "\n" not in unit:
        return [(unit, "")]
    lead, *items = unit.split("\n")
    # a lead that ends in ':' ("Wat is anders:") only introduces; a step's explanation answers
    return ([] if lead.endswith(":") else [(lead, "")]) + [
        (item.removeprefix("- ").removeprefix("• ").strip(), lead) for item in items
    ]


def _best(kb: KnowledgeBase, asked: Asked, chosen: list[str]) -> str:
    return max(chosen, key=lambda u: overlap(kb, asked, u)) if chosen else ""


def _same_thing(one: str, other: str) -> bool:
    """Whether two sentences say the same: most words of the shorter are in the longer."""
    a, b = stems(one), stems(other)
    return bool(a and b) and len(a & b) >= CONFIG.same_thing_share * min(len(a), len(b))


@lru_cache(maxsize=1024)  # the same record's sentences and cited passages, question after question
def _not_restated(passages: tuple[str, ...], units: tuple[str, ...]) -> tuple[str, ...]:
    """The passages that answer on their own and that no sentence of the record already says."""
    return tuple(
        p for p in passages
        if not p.rstrip().endswith(":") and not stray(p) and not any(_restates(p, unit) for unit in units)
    )  # a list's lead without its items ("… inzetten:") says nothing by itself


#: A web address or a reference ("1 SERV, Advies …", "Zie: …") is a footnote or a page footer that PDF
#: extraction ran into the text; a numbered line without a full stop ("1.6.2 Wat is anders?") a heading.
_STRAY = re.compile(
    r"\bhttps?://|\bwww\.|^\d+\s+[A-Z]{3,},\s|^(\d+\s+)?[Zz]ie( ook)?:|^\d+(\.\d+)+\.?\s[^.]*$"
    # a reference: "SERV, Advies BVR Wijk-Werken, Brussel, 19 juli 2017"
    r"|,\s*Brussel,\s*\d")


#: A table or a figure flattened into one line: its caption, then its cells ("Tabel 4.1 … 3 4 1 4 4 4 …")
_TABLE = re.compile(r"^(Tabel|Figuur)\s+\w*\d")
_TABLE_MIN_NUMBERS = 10


def stray(passage: str) -> bool:
    """Whether a passage is a footnote, a page footer, a heading or a flattened table rather than the
    document's text."""
    if _TABLE.match(passage) and len(re.findall(r"\b\d+\b", passage)) >= _TABLE_MIN_NUMBERS:
        return True
    letters = [c for c in passage if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > CONFIG.heading_upper_share * len(letters):
        return True  # a title page or a running header in capitals ("DEEL II OPSTART VAN EEN TRAJECT")
    return bool(_STRAY.search(passage))


def _restates(passage: str, unit: str) -> bool:
    """Whether a record sentence already says what the passage says (most of its words)."""
    said = stems(passage)
    return bool(said) and len(said & stems(unit)) >= CONFIG.restated_share * len(said)


#: "Registreer je … buiten TWE-OCMW, dan mag je … niet": a rule with its condition before ", dan".
#: "als X, dan Y", "wil je X, dan Y", with what Y comes down to after a colon ("…: je draagt je cliënt over")
_IF_THEN = re.compile(r"^(?:als|indien|wanneer)?\s*(?P<condition>[^,;:]+),\s*dan\b(?P<rule>[^;:]*(?::[^;:]*)?)$")


def _condition_stated(asked: Asked, question: str, sentence: str) -> bool:
    """Whether the sentence is one rule "if X, then Y" whose condition X the question itself states
    (and no other condition is in Y): then its "niet" answers the question as asked."""
    found = _IF_THEN.match(sentence.strip().rstrip("."))
    if not found or _CONDITION.search(found.group("rule")):
        return False
    condition = stems(found.group("condition"))
    if not condition or len(condition & asked.content) < CONFIG.condition_stated_share * len(condition):
        return False
    # the small words that turn a condition around ("buiten" or "binnen TWE") must be the question's too
    turning = set(_TURNING.findall(found.group("condition")))
    return turning <= set(_TURNING.findall(question))


_TURNING = re.compile(r"\b(buiten|binnen|geen|niet|nie|zonder|voor|na|tijdens|jonger|ouder|minder|meer|enkel|alleen)\b")


def clauses(sentence: str) -> list[str]:
    """A sentence's parts that each say one thing: its list items, its parts between ";"."""
    return [c for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]


def verdict(kb: KnowledgeBase, asked: Asked, question: str, sentence: str) -> str | None:
    """The verdict (ja / nee / hangt af) that `sentence` carries on a ja/nee question, if any (see above)."""
    if asked.kind != "ja_nee" or asked.negative or asked.no_verdict or not sentence:
        return None
    asked_text = question.casefold().strip()
    said = [(held(asked, c), c) for c in clauses(sentence)]
    best = max(len(shared - asked.topical) for shared, _ in said)
    # the clauses that say most about what is asked; one verdict only when those that carry one agree
    found = {
        v for shared, clause in said
        if len(shared - asked.topical) == best and (v := _clause_verdict(asked, asked_text, clause.casefold(), shared))
    }
    return found.pop() if len(found) == 1 else None


def _clause_verdict(asked: Asked, asked_text: str, clause: str, shared: set[str]) -> str | None:
    """The verdict of one clause that holds the question's words `shared` (see the comment above)."""
    own = shared - asked.topical  # what the question asks besides the topic itself
    stated = _condition_stated(asked, asked_text, clause)
    conditional = bool(_CONDITION.search(_AS_A_ROLE.sub(" ", clause))) and not stated
    # "geen X" denies X — not in "hoeft geen Nederlands te zijn" (X is not required), nor where the
    # question itself says "geen X" ("spreekt geen nederlands maar wel engels, kan die in glow?")
    denied = {
        stem for match in _NO_SUCH.finditer(clause)
        if not _NOT_REQUIRED.search(clause[max(0, match.start() - _NOT_REQUIRED_BEFORE): match.start()])
        for stem in stems(match.group(1))
    } - asked.excluded
    permission = bool(PERMISSION_QUESTION.search(asked_text))
    obligation = bool(_OBLIGATION_QUESTION.search(asked_text))
    # an explicit "kan niet" or "hoeft niet" about what is asked denies it, whoever the client is; a
    # "geen X" only where X is a word of the question besides the topic
    denial = permission and _DENIES.search(clause) or obligation and _NOT_NEEDED.search(clause) or None
    # … about what is asked: a word of the question besides the topic stands close to the denial, and
    # for "mag/kan … niet <doen>" in what is denied ("de begeleiding mag niet afhangen van een uitkering"
    # denies nothing about "sociale economie voor begeleiding")
    explicit = denial is not None and bool(own & stems(clause[max(0, denial.start() - 40): denial.end() + 40]))
    if explicit and _MODAL_DENIAL.match(denial.group(0)):
        denied_part = re.split(r"[.;:,(]|\s(?:en|maar|of)\s", clause[denial.end():], maxsplit=1)[0]
        if not stems(denied_part):  # "rechtstreeks communiceren … kan niet": what is denied stands before
            denied_part = clause[max(0, denial.start() - _DENIED_BEFORE): denial.start()]
        explicit = bool(own & stems(clause[denial.start(): denial.end()] + " " + denied_part))
    # (a question that asks one thing besides its topic's words needs that one thing)
    needed = min(CONFIG.verdict_min_shared_words, max(1, len(asked.content - asked.topical)))
    # "geen drempel" to "zijn VOP-rechten een drempel voor twe?": a word the question asks, denied outright
    explicit = explicit or bool(denied & own)
    existence = _EXISTENCE_QUESTION.search(asked_text)
    if existence and denied and len(own) >= needed:
        # "is er 1 vrijstelling … voor het hele traject?": "er bestaat geen overkoepelende vrijstelling voor
        # het hele traject" denies what is asked for, where the clause says the rest of what is asked too
        explicit = explicit or bool(denied & stems(" ".join(asked_text[existence.end():].split()[:_EXISTENCE_WORDS])))
    if len(own) < needed and not (explicit and len(shared) >= CONFIG.verdict_min_shared_words) \
            or len(shared) < CONFIG.verdict_min_shared_words:
        return None
    if explicit or denied & own:
        # a denial under a condition or with an exception ("…, tenzij …") is no plain nee
        return None if conditional else "nee"
    if asked.client_facts and not stated:
        return None  # whether a described client may: the eligibility rules say, not one sentence
    if _NEGATION.search(clause) and not _ONLY_IF.search(clause):
        return None  # a "niet" about something else of what is asked: too easily misread
    opening = _OPENING_VERB.match(asked_text)
    says_yes = (
        permission and _PERMITS.search(clause)
        or obligation and _OBLIGES.search(clause)
        or opening is not None and opening.group(2)[:4] in {w[:4] for w in re.findall(r"\w+", clause)}
    )
    # a permission must say most of what is asked ("mag de bemiddelaar zeggen wanneer de uitkering
    # stopt?" is not answered by "een wijziging kan … pas vanaf de uitkering stopt")
    if not says_yes or len(own) <= CONFIG.verdict_min_coverage * len(asked.content - asked.topical):
        return None
    if _ONLY_IF.search(clause) and not stated:
        return _from_the_moment(asked, asked_text, clause) or "hangt af"
    return None if conditional else "ja"


#: "… kan, maar pas vanaf er duidelijkheid is": a permission from a moment on
_ONLY_FROM = re.compile(r"\bpas\s+(?:vanaf|als|na|nadat|wanneer|zodra)\b(?P<condition>[^.;:,]+)")
#: the question asks about the time before that moment ("mag dat al voor er duidelijkheid is?") …
_BEFORE = re.compile(r"\b(voor|voordat|vooraleer|zonder|nog\s+niet|nog\s+geen)\b")
#: … or from it on ("mag dat als er duidelijkheid is?")
_FROM = re.compile(r"\b(vanaf|als|na|nadat|zodra|eens|wanneer|indien)\b")
_CONDITION_WINDOW = 40


def _from_the_moment(asked: Asked, question: str, clause: str) -> str | None:
    """For a clause that permits only from a moment on ("pas vanaf X"): "nee" when the question asks
    about before it ("al voor X"), "ja" when it states it ("als X"), else None."""
    found = _ONLY_FROM.search(clause)
    condition = stems(found.group("condition")) if found else frozenset()
    if not condition or len(condition & asked.content) < CONFIG.condition_stated_share * len(condition):
        return None
    if _precedes(_BEFORE, question, condition):
        return "nee"
    return "ja" if _precedes(_FROM, question, condition) else None


def _precedes(pattern: re.Pattern[str], question: str, condition: frozenset[str]) -> bool:
    """Whether a word of `pattern` in the question stands shortly before a word of the condition."""
    return any(stems(question[m.end(): m.end() + _CONDITION_WINDOW]) & condition for m in pattern.finditer(question))
