"""The eligibility guide: which trajectories the draaiboeken allow or exclude for one client.

Two halves:

- **Client facts** (`QUESTIONS`): what the form asks a case worker about the client, and how
  an answer in their own words ("ne leefloner van 23", "weet ik niet", "nee, ze is 17") is read.
- **Rules** stay in the knowledge base: an eligibility record's `for_client` field says for which
  client facts its criterion applies, with what outcome (`in`, `out`, `conditional`). `evaluate`
  only matches facts against those records, so every reason it gives is a cited criterion.

The guide does not choose: it lists what the rules say per trajectory, and the choice (for a
leefloner: GLOW or TWE-OCMW) stays with the case worker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from bot import messages
from bot.answers import Answer, source_line, with_status
from bot.knowledge.query import KnowledgeBase, Record
from bot.knowledge.sources import normalise

#: The value of a fact the case worker does not know ("weet ik niet").
UNKNOWN = "onbekend"

_DONT_KNOW = re.compile(r"\b(weet (ik )?(het |da |dat )?(niet|nie)|geen idee|onbekend|geen flauw idee|weet ni|kweet (het )?(niet|nie))\b")
_YES = re.compile(r"^\s*(ja+|jep|jawel|klopt|inderdaad|yes|zeker|correct)\b")
_NO = re.compile(r"^\s*(nee+n?|neen|nope|nee hoor|niet|nie|geen)\b")
_STOP = re.compile(r"^\s*(stop|stoppen|laat (maar|het maar)|annuleer|annuleren|afbreken|vergeet (het|da|dat))\b")


@dataclass(frozen=True)
class Question:
    """One fact about the client that some eligibility rule depends on."""

    key: str
    #: how an answer names the fact ("Hangt nog af van: leeftijd")
    name: str
    #: what the form asks
    text: str
    #: value -> label on its button (and how answers name the value)
    options: dict[str, str]
    #: value -> pattern that finds the value in free text
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    #: a reader for facts that are no fixed value (age)
    reader: Callable[[str], str | None] | None = None
    #: value -> (entity label, glossary term) it stands for, so topic answers can use the fact too
    terms: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: a number compared with ranges in the rules (`when: {age: {from: 16, below: 18}}`)
    ranged: bool = False
    #: whether a bare "ja"/"nee" answers it (only when it is the question just asked)
    yes_no: tuple[str, str] | None = None
    #: how a message speaks of the fact in words no pattern reads ("kan max 15u per week werken"):
    #: a verdict that depends on it then says the criterion instead of "ja"
    mentioned: re.Pattern[str] | None = None

    @property
    def slot(self) -> str:
        return f"client_{self.key}"

    def read(self, text: str, *, asked: bool) -> str | None:
        """The value this text gives for the fact, or None. "weet ik niet" counts only when asked."""
        lowered = text.casefold()
        if asked:
            for value, label in self.options.items():  # a button clicked, or its label typed
                if lowered.strip(" .!?") in (label.casefold(), value):
                    return value
            if _DONT_KNOW.search(lowered):
                return UNKNOWN
        if asked and self.ranged and re.fullmatch(r"\s*\d{1,2}\s*", lowered):
            return lowered.strip()  # a bare number answers the age question
        if self.reader:
            value = self.reader(lowered)
            if value:
                return value
        found = [value for value, pattern in self.patterns.items() if pattern.search(lowered)]
        if len(found) == 1:
            return found[0]
        if asked and self.yes_no and not found:
            if _YES.search(lowered):
                return self.yes_no[0]
            if _NO.search(lowered):
                return self.yes_no[1]
        return None


def _p(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


_AGE_RANGE = re.compile(r"\b(jonger|minder|ouder|meer) dan (\d{1,2})\b(?!\s*(?:uur|uren|u\b|maand|dag|week|weken|%|euro|km|keer))|(?:^|\s)(min|plus|-|\+)\s?(\d{1,2})\b")
_AGE_EXACT = re.compile(
    # not a duration: "15 jaar werkervaring", "al 3 jaar werkloos", "sinds 2 jaar in glow"
    r"(?<!\bal )(?<!\bsinds )(?<!\bgedurende )\b(\d{1,2})[ -]?(?:jarige?|j\b|jr\b|lentes|jaar(?!\s+(?:werk\w*|ervaring|"
    r"lang|geleden|in|bij|aan|uitkering|leefloon|ziek\w*|actief|gewerkt|zonder|begeleiding|op)\b))"
    r"|\b(?:is|van|zijn|ben|wordt|werd) (\d{1,2})\b(?! ?(?:uur|maand|maanden|dagen|weken|%|euro|u\b))"
    r"|\b(?:ze|zij|hij|die|klant|cliënt|client|cliënte) (\d{1,2}) (?:is|wordt|was)\b"
)


def read_age(text: str) -> str | None:
    """An age as "17", or a range as "<25" / ">=25"; None when the text names no age."""
    match = _AGE_RANGE.search(text)
    if match:
        if match.group(2):
            word, number = match.group(1), int(match.group(2))
            return f"<{number}" if word in ("jonger", "minder") else f">{number}"
        sign, number = match.group(3), int(match.group(4))
        if re.search(r"jaar|jarig|jong", text):
            return f"<{number}" if sign in ("min", "-") else f">={number}"
    match = _AGE_EXACT.search(text)
    if match:
        number = int(next(g for g in match.groups() if g))
        if 10 <= number <= 99:
            return str(number)
    return None


def age_range(value: str) -> tuple[float, float]:
    """[low, high) of an age answer: "17" -> (17, 18), "<25" -> (0, 25), ">25" -> (26, inf)."""
    if value.startswith(">="):
        return float(value[2:]), float("inf")
    if value.startswith(">"):
        return float(value[1:]) + 1, float("inf")
    if value.startswith("<"):
        return 0.0, float(value[1:])
    number = float(value)
    return number, number + 1


QUESTIONS: tuple[Question, ...] = (
    Question(
        key="status",
        name="inkomen of statuut",
        text="Wat is het inkomen of statuut van je cliënt?",
        options={
            "leefloon": "Leefloon",
            "werkloosheidsuitkering": "Werkloosheidsuitkering",
            "riziv": "RIZIV-uitkering",
            "it-ivt": "IT/IVT",
            "vrije-werkzoekende": "Geen uitkering (vrije werkzoekende)",
        },
        patterns={
            "leefloon": _p(r"leef ?loon|leefloner|\bll\b|equivalent leefloon|\bleefl"),
            "werkloosheidsuitkering": _p(
                r"werkloosheidsuitkering|(?<!tijdelijke )werkloosheid|wkl uitkering|\brva\b|\bdop\b|stempel|wachtuitkering|"
                # not "tijdelijk werkloos": GLOW §1.3 leaves temporary unemployment (cat. 92) out
                r"inschakelingsuitkering|uitkeringsgerechtigd|(?<!tijdelijk )(?<!tijdelijke )werkloos"
            ),
            # not "in beroep tegen (een beslissing van) de mutualiteit": another group, that GLOW §1.3 leaves out
            "riziv": _p(r"riziv|(?<!tegen )(?<!tegen de )(?<!tegen het )(?<!tegen zijn )(?<!tegen haar )(?<!beslissing van de )(?<!beslissing van het )(?<!beslissing van zijn )(?<!beslissing van haar )(ziekenkas|ziekenfonds|mutualiteit|mutua)|ziekte ?uitkering|invaliditeit|ziekte-uitkering"),
            "it-ivt": _p(r"\bivt\b|\bit\b|integratietegemoetkoming|inkomensvervangende|tegemoetkoming.*handicap"),
            "vrije-werkzoekende": _p(r"vrije werkzoekende|vrij werkzoekend|geen uitkering|zonder uitkering|geen inkomen|zonder inkomen"),
        },
    ),
    Question(key="age", name="leeftijd", text="Hoe oud is je cliënt? (bv. \"17\" of \"jonger dan 25\")", options={}, reader=read_age, ranged=True),
    Question(
        key="vdab",
        terms={"niet-ingeschreven": ("status", "niet-ingeschreven"), "ingeschreven": ("status", "ingeschreven"),
               "regulier": ("status", "ingeschreven")},
        name="inschrijving en begeleiding bij VDAB",
        text="Is je cliënt ingeschreven bij VDAB, en krijgt hij of zij daar al begeleiding?",
        options={
            "niet-ingeschreven": "Niet ingeschreven bij VDAB",
            "ingeschreven": "Ingeschreven, geen lopende begeleiding",
            "regulier": "Al in begeleiding (bv. GLOW, IBB, GTB)",
        },
        patterns={
            "niet-ingeschreven": _p(
                r"\b(?:niet|nie|ni|nooit|nog geen|geen)(?:\s+\w+){0,3}\s+(?:ingeschreven|ingeschreve|gekend)|"
                r"geen klantendossier|niet geregistreerd|geen (?:vdab-?\s?)?bemiddelaar"
            ),
            # guidance "bij ons" (the case worker's own organisation, the LP) is no regular VDAB service;
            # guidance that is over ("afgesloten", "vroeger") is no current one
            # … nor guidance that goes well: LP §2.2 then asks whether the LP is needed, it does not exclude it
            "regulier": _p(
                r"^(?!.*\b(afgesloten|afgerond|beëindigd|stopgezet|vroeger|voorheen|gehad|was|vorig\w*)\b)"
                r"(?!.*\b(succesvol\w*|loopt (eigenlijk |echt |heel )?goed|goed loopt|gaat (eigenlijk |echt |heel )?goed|goed gaat)\b).*?"
                r"(?:\b(zit|loopt|volgt|heeft|al|krijgt)\b(?!\s+(nood|behoefte)\b)(?!.{0,25}\b(bij (ons|mij|jullie|het ocmw|het lp)|in (het|ons) (lp|lokaal))\b)"
                r".{0,25}\b(begeleiding|ibb|zibb|gtb|gespecialiseerde bemiddeling|"
                r"traject bij vdab|glow-traject|in glow)|reguliere (dienstverlening|begeleiding)|(?<!geen )lopende (dienstverlening|begeleiding)"
                # "klant in gespecialiseerde bemiddeling, kan die …"
                r"|\b(klant|cliënt|client|iemand|die)\s+(al\s+)?in\s+(gespecialiseerde bemiddeling|ibb|zibb|gtb)\b)"
            ),
            # registered, unless a negation comes shortly before ("nooit bij vdab ingeschreven")
            # "geen bemiddelaar" is niet-ingeschreven (the glossary's reading), not registered without service
            "ingeschreven": _p(
                r"^(?!.*\b(?:niet|nie|ni|nooit|nog geen)(?:\s+\w+){0,3}\s+ingeschrev).*\bingeschreven\b(?!.{0,30}\b(begeleiding|ibb|gtb))|"
                r"geen (lopende )?begeleiding"
            ),
        },
    ),
    Question(
        key="werkvermogen",
        # hours a week are not read: no document says how many hours make half-time, so a client's
        # "een tiental uur" leaves the criterion open and the guide asks it in the document's words
        name="hoeveel je cliënt kan werken",
        text="Hoeveel kan je cliënt op een werkvloer aan de slag?",
        options={"halftijds": "Minstens halftijds", "minder-dan-halftijds": "Minder dan halftijds"},
        patterns={
            "minder-dan-halftijds": _p(r"minder dan (halftijds|halvetijds|de helft|50 ?%)|niet halftijds|enkele uren|paar uur"),
            "halftijds": _p(r"(?<!minder dan )(?<!niet )\b(halftijds|voltijds|fulltime|full-time|halvetijds|4/5|50 ?%)"),
        },
        mentioned=_p(r"\b\d+\s*(u|uur|uren)\b|\b(uur|uren|dagen) per (week|dag)\b|\b(kan|mag)\b.{0,25}\bwerken\b"),
    ),
    Question(
        key="niet_toeleidbaar",
        name="label niet-toeleidbaar",
        text="Heeft je cliënt het label \"niet-toeleidbaar\"?",
        options={"ja": "Ja, label niet-toeleidbaar", "nee": "Nee"},
        patterns={
            "nee": _p(r"(geen|niet het|zonder) (label )?niet[- ]toeleidbaar|is toeleidbaar"),
            # not a label that is over ("was vroeger niet-toeleidbaar maar dat label is vervallen")
            "ja": _p(r"^(?!.*\b(vervallen|opgeheven|ingetrokken|vroeger|voorheen|niet meer|nie meer)\b)"
                     r".*?(?<!geen )(?<!geen label )(?<!zonder )(?<!zonder label )niet[- ]toeleidbaar"),
        },
        yes_no=("ja", "nee"),
    ),
    Question(
        key="nood",
        name="nood van je cliënt",
        text="Waar heeft je cliënt vooral nood aan?",
        options={
            "werkervaring": "Werkervaring, generieke competenties",
            "technische-opleiding": "Een technische opleiding",
            "sociale-economie": "Sociale economie is het hoogst haalbare",
            "andere": "Andere dienstverlening (bv. ondernemerschap)",
        },
        patterns={
            # not "werkervaringsstage": the instrument, no need of the client
            "werkervaring": _p(r"werkervaring(?!s?stage)|werkplekleren|generieke competenties|attitudes"),
            "technische-opleiding": _p(r"technische? (opleiding|competenties)|beroepsopleiding|vakopleiding|omscholing|scholing"),
            # only social economy as the highest achievable ("SE is het hoogst haalbare"), or the word alone
            # as the answer to the guide's question; not rights CMW (they leave the NEC open, TWE-OCMW
            # screening), a job in a maatwerkbedrijf as a step ("eerst via art 60 … als opstap"), nor "een
            # korte tewerkstelling in de sociale economie" (a step inside GLOW, §1.4.3)
            "sociale-economie": _p(
                r"^(?!.*\bkorte\s+(tewerkstelling|job|tewerkstellingsperiode)\w*\b)"
                r".*?(sociale economie|\bsec?\b|maatwerk\w*|collectief maatwerk|\bcmw\b).{0,40}\b(hoogst|hoogste|meest)\s+haalba"
                r"|\b(hoogst|hoogste|meest)\s+haalba\w*.{0,30}(sociale economie|\bsec?\b|maatwerk\w*)"
                r"|\b(enkel|alleen)\s+(nog\s+)?(in\s+)?(de\s+)?(sociale economie|se|sec|maatwerk\w*)\b"
                r"|^\W*(sociale economie|se|sec|maatwerk|collectief maatwerk|cmw)\W*$"),
            # a need of gespecialiseerde bemiddeling, not the guidance the client is in ("klant in gespecialiseerde bemiddeling")
            "andere": _p(r"ondernemerschap|zelfstandig|eigen zaak|(nood|behoefte) aan gespecialiseerde bemiddeling|"
                         r"gespecialiseerde bemiddeling\s+(nodig|noodzakelijk)"),
        },
    ),
)
QUESTION_BY_KEY = {q.key: q for q in QUESTIONS}
SLOTS = tuple(q.slot for q in QUESTIONS)


def describe(facts: dict[str, str]) -> str:
    """The known facts in words ("leefloon, 17 jaar, niet ingeschreven bij VDAB"), in question order."""
    parts = []
    for question in QUESTIONS:
        value = facts.get(question.key)
        if value is None or value == UNKNOWN:
            continue
        if question.key == "age":
            low, high = age_range(value)
            parts.append(
                f"jonger dan {int(high)} jaar" if value.startswith("<")
                else f"{int(low)} jaar of ouder" if value.startswith(">") else f"{value} jaar"
            )
        elif question.key == "niet_toeleidbaar":
            parts.append("label niet-toeleidbaar" if value == "ja" else "geen label niet-toeleidbaar")
        elif question.key == "nood":
            parts.append(f"nood: {question.options[value].casefold()}")
        else:
            parts.append(question.options[value].casefold().replace("vdab", "VDAB").replace("riziv", "RIZIV"))
    return ", ".join(parts)


def concepts_in(text: str) -> dict[str, list[str]]:
    """Glossary concepts the guide's readers find in a question ("klant is ingeschreven maar …" ->
    status: ingeschreven), for topic variants and clarifying questions that depend on them."""
    concepts: dict[str, list[str]] = {}
    for key, value in read_facts(text).items():
        term = QUESTION_BY_KEY[key].terms.get(value)
        if term:
            concepts.setdefault(term[0], []).append(term[1])
    return concepts


def wants_to_stop(text: str) -> bool:
    return bool(_STOP.search(text.casefold()))


def read_facts(text: str, asked: str | None = None) -> dict[str, str]:
    """Every client fact this message gives: the one just asked, and any other it names."""
    facts = {}
    for question in QUESTIONS:
        value = question.read(text, asked=question.key == asked)
        if value is not None:
            facts[question.key] = value
    return facts


# --- rules ---------------------------------------------------------------------------------
@dataclass
class Finding:
    """One eligibility record that applies to the client (or would, for an unknown fact)."""

    record: Record
    outcome: str
    #: the facts the rule needs that the case worker did not know
    unknown: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    """What the rules say about one trajectory for this client."""

    target: str
    status: str  # "excluded" | "possible" | "conditional"
    findings: list[Finding]
    #: rules that would exclude it if an unknown fact turned out a certain way
    open: list[Finding]


def _matches(condition: Any, value: str | None) -> bool | None:
    """True/False when the fact meets the condition; None when the fact is unknown."""
    if value is None or value == UNKNOWN:
        return None
    if isinstance(condition, dict):  # an age range: {from: 16, below: 18}
        low, high = age_range(value)
        lower, upper = float(condition.get("from", 0)), float(condition.get("below", float("inf")))
        if low >= lower and high <= upper:
            return True
        if high <= lower or low >= upper:
            return False
        return None  # "<25" against "below 16": the rule may or may not apply
    return value in condition


def client_rules(kb: KnowledgeBase) -> list[tuple[Record, dict[str, Any]]]:
    """(eligibility record, one of its `for_client` entries) for every record in force that has them."""
    return [
        (record, entry)
        for record in kb.all("eligibility")
        if not record.get("history")
        for entry in record.get("for_client") or []
    ]


def targets(kb: KnowledgeBase) -> list[str]:
    """The trajectories the guide speaks about, in the order of the knowledge files."""
    return _targets_of(client_rules(kb))


def _targets_of(rules: list[tuple[Record, dict[str, Any]]]) -> list[str]:
    return list(dict.fromkeys(record["target"] for record, _ in rules))


def named_targets(kb: KnowledgeBase, text: str) -> list[str]:
    """The trajectories a question names by any of their glossary variants ("kan die in TWE?")."""
    words = " " + " ".join(re.findall(r"[\w§/-]+", normalise(text))) + " "
    return [t for t in targets(kb) if any(f" {v} " in words for v in kb.variants_of(t))]


def evaluate(kb: KnowledgeBase, facts: dict[str, str]) -> list[Verdict]:
    """Per trajectory: the rules that apply to these facts, and the verdict they give."""
    rules = client_rules(kb)
    verdicts = []
    for target in _targets_of(rules):
        findings: list[Finding] = []
        open_rules: list[Finding] = []
        for record, entry in rules:
            if record["target"] != target:
                continue
            results = {key: _matches(condition, facts.get(key)) for key, condition in entry.get("when", {}).items()}
            if any(result is False for result in results.values()):
                continue
            unknown = [key for key, result in results.items() if result is None]
            finding = Finding(record, entry["outcome"], unknown)
            if any(f.record["id"] == record["id"] for f in findings + open_rules):
                continue  # a record's first applying entry decides
            if not unknown:
                findings.append(finding)
            elif entry["outcome"] == "out":
                open_rules.append(finding)
        outcomes = {f.outcome for f in findings}
        status = "excluded" if "out" in outcomes else "possible" if "in" in outcomes else "conditional"
        if status == "excluded":  # the reasons it cannot, not the conditions it would need
            findings = [f for f in findings if f.outcome == "out"]
            open_rules = []
        verdicts.append(Verdict(target, status, findings, open_rules))
    return verdicts


def facts_that_matter(kb: KnowledgeBase, facts: dict[str, str], only: list[str] | None = None) -> list[str]:
    """The facts some rule of a trajectory not yet excluded (of those asked about) depends on, in the
    order the guide asks them."""
    excluded = {v.target for v in evaluate(kb, facts) if v.status == "excluded"}
    needed = {
        key
        for record, entry in client_rules(kb)
        if record["target"] not in excluded and (not only or record["target"] in only)
        for key in entry.get("when", {})
    }
    return [q.key for q in QUESTIONS if q.key in needed]


def validate_for_client(entries: Any) -> list[str]:
    """What is wrong with a record's `for_client` field (for the knowledge validation)."""
    if not isinstance(entries, list):
        return ["for_client moet een lijst zijn van {when: {feit: waarden}, outcome: in|out|conditional}"]
    problems = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("outcome") not in ("in", "out", "conditional"):
            problems.append(f"[{i}]: outcome moet in, out of conditional zijn")
            continue
        for key, condition in (entry.get("when") or {}).items():
            question = QUESTION_BY_KEY.get(key)
            if question is None:
                problems.append(f"[{i}].when.{key}: onbekend feit (bekend: {', '.join(QUESTION_BY_KEY)})")
            elif question.ranged:
                if not isinstance(condition, dict) or not set(condition) <= {"from", "below"} or not condition:
                    problems.append(f"[{i}].when.{key}: verwacht {{from: N, below: M}}")
            elif not isinstance(condition, list) or not set(condition) <= set(question.options):
                problems.append(f"[{i}].when.{key}: waarden moeten uit {', '.join(question.options)} komen")
    return problems


# --- the answer ------------------------------------------------------------------------------
def answer_eligibility(
    kb: KnowledgeBase, facts: dict[str, str], only: list[str] | None = None, unread: list[str] | None = None
) -> Answer:
    """Per trajectory (or only those named): the verdict, the criteria behind it and their source.
    One trajectory asked about a described client: its verdict first ("Nee: GLOW kan niet …"), or
    what it depends on when the message spoke of a fact it depends on in words not read (`unread`)."""
    verdicts = [v for v in evaluate(kb, facts) if not only or v.target in only]
    described = describe(facts)
    # kept for follow-ups: "en als ze 17 is?", "waarom niet?"
    slots = {"client_facts": facts, "client_targets": only or []}
    if len(verdicts) == 1 and described:
        verdict = verdicts[0]
        undecided = [f for f in verdict.open if set(f.unknown) & set(unread or [])]
        if verdict.status == "possible" and undecided:
            # the criterion in the document's words, not our reading of the client's ("15u per week")
            verdict = Verdict(verdict.target, "conditional", verdict.findings + undecided, [])
        template = {
            "excluded": messages.M053_ONE_TARGET_EXCLUDED,
            "possible": messages.M054_ONE_TARGET_POSSIBLE,
            "conditional": messages.M055_ONE_TARGET_CONDITIONAL,
        }[verdict.status]
        sources = [c for f in verdict.findings for c in f.record["sources"]]
        return Answer(
            text="\n".join([template.format(name=_name(kb, verdict), facts=described)] + _reasons(verdict)),
            source_line=source_line(kb, sources) if sources else None,
            record_ids=[f.record["id"] for f in verdict.findings],
            slots=slots,
            verdict={"excluded": "nee", "possible": "ja", "conditional": "hangt af"}[verdict.status],
        )
    lines = [messages.M033_ELIGIBILITY_INTRO.format(facts=described) if described else messages.M034_ELIGIBILITY_INTRO_NO_FACTS]
    record_ids: list[str] = []
    for verdict in verdicts:
        template = {
            "excluded": messages.M035_VERDICT_EXCLUDED,
            "possible": messages.M036_VERDICT_POSSIBLE,
            "conditional": messages.M037_VERDICT_CONDITIONAL,
        }[verdict.status]
        lines += [template.format(name=_name(kb, verdict))] + _reasons(verdict)
        sources = [c for f in verdict.findings for c in f.record["sources"]]
        if sources:
            lines.append(source_line(kb, sources))
        record_ids += [f.record["id"] for f in verdict.findings]
    lines.append(messages.M039_NOT_A_DECISION)
    return Answer(text="\n".join(lines), record_ids=record_ids, slots=slots)


def _name(kb: KnowledgeBase, verdict: Verdict) -> str:
    return (kb.get("glossary", verdict.target) or {"name": verdict.target})["name"]


def _reasons(verdict: Verdict) -> list[str]:
    """The criteria behind a verdict, and the facts it still depends on."""
    lines = [f"- {with_status(f.record['criterion'].strip(), f.record)}" for f in verdict.findings]
    unknown = list(dict.fromkeys(key for f in verdict.open for key in f.unknown))
    if unknown:
        lines.append(messages.M038_VERDICT_OPEN.format(facts=", ".join(QUESTION_BY_KEY[k].name for k in unknown)))
    return lines


def answer_described_client(kb: KnowledgeBase, text: str) -> Answer | None:
    """"kan een leefloner in GLOW?": a question that names a trajectory and a client fact is
    answered from the eligibility rules for that trajectory; None when it names no both."""
    facts, named = read_facts(text), named_targets(kb, text)
    if not facts or not named:
        return None
    folded = text.casefold()
    unread = [q.key for q in QUESTIONS if q.key not in facts and q.mentioned is not None and q.mentioned.search(folded)]
    return answer_eligibility(kb, facts, only=named, unread=unread)


def answer_named_targets(kb: KnowledgeBase, facts: dict[str, str], named: list[str]) -> Answer:
    """"en voor GLOW?" after the guide's answer: that trajectory only, or say it is not one the guide checks."""
    known = targets(kb)
    asked = [t for t in named if t in known]
    if asked:
        return answer_eligibility(kb, facts, only=asked)
    def names(ids: list[str]) -> str:
        return ", ".join((kb.get("glossary", t) or {"name": t})["name"] for t in ids)
    return Answer(text=messages.M044_ELIGIBILITY_NOT_NAMED.format(names=names(named), targets=names(known)), declined=True)
