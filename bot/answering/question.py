"""Read what a question asks: the kind of answer it wants, its content words, what it excludes.

The intent says which topic a question is about; this says what *of* the topic it wants
("hoeveel", "wie", ja/nee …), so the answer can be the sentence that gives it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.eligibility import read_facts

#: A question that opens with a verb ("mag ik …", "kan die …", "bouwt hij …") asks ja or nee, whatever
#: follows ("mag ik rechtstreeks mailen over hoe het gaat?").
_JA_NEE_VERBS = (
    r"mag|mogen|kan|kunnen|kunt|moet|moeten|hoef|hoeft|hoeven|is|zijn|heeft|hebben|krijgt|krijgen|valt|vallen|"
    r"telt|tellen|komt|komen|geldt|gelden|blijft|blijven|wordt|worden|word|zit|zitten|past|passen|gaat|bestaat|"
    r"klopt|staat|behoort|hoort|verliest|verliezen|behoudt|houdt|volstaat|zou|zouden|bouwt|bouwen|geeft|geven|"
    r"ziet|zien|was|waren|kreeg|kregen|mocht|mochten|kon|konden|werd|werden|hangt|hangen|beslist|beslissen|"
    r"vindt|vinden|raadt|raden|loopt|lopen|stopt|stoppen|start|starten|volgt|volgen|neemt|nemen|betaalt|"
    r"vervalt|verandert|speelt|dient|leidt|steunt|pleit|pleiten|sluit|sluiten")
_OPENS_WITH_VERB = re.compile(
    rf"^\W*(en\s+)?({_JA_NEE_VERBS})\b"
    # … or as the last sentence after the client's situation: "klant heeft geen dossier. moet die …"
    rf"|[.!?]\s+(en\s+)?({_JA_NEE_VERBS})\s+(ik|je|we|wij|die|hij|ze|zij|het|dat|da|mijn|mijne|zijn|zijne|haar|de|een|"
    r"ne|er|twe|glow|vdab|lp)\b[^.!?]*\W*$"
    # … or after a first clause: "tijdens een combinatietraject, mag ik …", "als er geen rechten komen, loopt twe dan …"
    rf"|^[^?,]{{0,80}},\s*(en\s+)?({_JA_NEE_VERBS})\s+(ik|je|we|wij|die|hij|ze|zij|het|dat|da|mijn|mijne|zijn|zijne|"
    r"haar|de|een|ne|er|twe|glow|vdab|lp)\b")
#: A trajectory's name alone as the question after a client's description ("… kan halftijds werken. twe?").
BARE_TRAJECTORY = r"[.,;!]\s*(glow|twe|twe-ocmw|lp|het lp|lokaal partnerschap)\s*(of\s+(niet|nie))?\s*\?+\s*$"
#: The kinds of answer a question can ask for, checked in this order (the first that matches wins).
ASKED_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("verschil", re.compile(
        r"\b(verschil\w*|verschilt|verschillen|versus|vs\.?|t\.?o\.?v\.?|tegenover|vergelijk\w*)(?!\w)"
        r"|\bwat\s+is\s+(er\s+)?anders\b|\banders\s+(dan|bij|in)\b")),
    # what two things share ("wat hebben glow en twe gemeen?"); a question about both is a "verschil"
    ("gemeen", re.compile(r"\b(gemeen|gemeenschappelijk\w*|gelijkenis\w*|overeenkomst\w*|gelijkaardig\w*)\b")),
    ("waarom", re.compile(r"^\W*(en\s+)?(waarom|hoezo|om welke reden)\b")),
    ("ja_nee", _OPENS_WITH_VERB),
    # a duration before "hoeveel": "binnen hoeveel dagen" asks a term, "hoeveel uur per week" a number
    ("hoelang", re.compile(
        r"\bhoe ?lang\b|\bbinnen (welke|hoeveel)\b|\b(welke|wat is de) (termijn|duur|looptijd)\b|\bmaximale duur\b|"
        r"\bhoeveel (tijd|dagen|kalenderdagen|werkdagen|weken|maanden|jaar|jaren)\b")),
    ("hoeveel", re.compile(
        r"\b(hoeveel|welke leeftijd|hoe oud|hoe groot|hoe hoog|vanaf welke|"
        r"(wat is|wat zijn) (het|de) (maximum|minimum|maximaal|minimaal|aantal)|"
        r"welk(e)? (bedrag|percentage|aandeel|nummer|code|getal)|fin\w*\s*(nr|nummer)|"
        r"financieringsnummer|nummer|code|percentage|procent|bedrag)\b|\b(welk|hoeveel)\s*%")),
    ("wanneer", re.compile(r"\b(wanneer|tot wanneer|vanaf wanneer|termijn|deadline)\b")),
    # a question that opens with "hoe" asks how, whatever else it adds ("hoe start ik …? wie moet wat doen")
    ("hoe", re.compile(r"^\W*(en\s+)?hoe\b(?!\s*(lang|veel|oud|laat|groot|hoog)\b)")),
    ("wie", re.compile(r"^\W*(en\s+)?(wie|bij wie|naar wie|met wie|voor wie|welke (dienst|organisatie|partner|instantie|persoon))\b|\bwie\s+(moet|mag|kan|doet|beslist|is|registreert|start|betaalt|contacteer)\b")),
    # "wat moet ik als begeleider doen?", "wat moeten we dan doen?": the steps are asked
    ("hoe", re.compile(
        r"\b(hoe|welke stappen|wat doe ik|procedure|stappen)\b"
        r"|\bwat\s+(moet|moeten|doe|doen)\s+(ik|we|wij|je|jij|hij|zij|ze)\b(\s+[\w-]+){0,4}?\s+doen\b")),
    # a verb after any comma, or a ja/nee tag at the end ("…, kan dat?"); an opening verb matched above
    ("ja_nee", re.compile(
        r"[,;]\s*(en\s+)?(mag|mogen|kan|kunnen|moet|moeten|komt|past|valt)\s+(die|dat|da|hij|ze|zij|het|hem|haar|mijn|ik|je|we)\b"
        r"|\b(of niet|of nie|mag dat|kan dat|is dat|mag da|kan da|is da|ok|oké|oke|mogelijk\?|toegelaten\?)\W*$"
        # … or a trajectory's name alone after the client's description: "… nie inzetbaar. glow?"
        rf"|{BARE_TRAJECTORY}")),
    # "welke lessen trekt de SERV …", "wat zijn de conclusies …": a list is asked, and given whole
    # (also after a preposition: "voor welke soorten noden …")
    ("welke", re.compile(
        r"^\W*(en\s+)?((voor|in|bij|met|op|van|aan|naar|uit|rond|over|onder|tot|tegen)\s+)?"
        r"(welke\s+[\w-]+('s|en|s)(?!\w)|wat\s+(zijn|waren)\s+(de|die|hun|zijn|haar)\b)")),
    ("wat", re.compile(r"\b(wat is|wat zijn|wat betekent|wat houdt|wat wil zeggen|wat bedoelt|wat doet|wat moet|wat)\b")),
)

#: Words that carry no content: function words, question words, what every question says, and the words
#: for the client himself ("ne man", "die vrouw") or how much ("heel veel problemen").
FILLER_WORDS = frozenset(
    """aan al als bij dan dat da daar daarvoor daarmee daarbij daarvan daarop de deze die dit doen doet door een en er
    gebeurt gebeuren gaat gaan had hadden heb hebben heeft hem het hier hij hoe hun ik in is je kan kunnen
    krijgt krijgen maar me met mij mijn mijne moet moeten mag mogen na naar niet nie nog nu of om ons ook op
    over te tot uit van voor waar wanneer wat welk welke wie worden wordt ze zelf zijn zich zo zoals
    zou zouden klant klanten cliënt cliënte cliënten client mensen iemand persoon personen eigenlijk toch dus
    even precies juist ne nen ene den wel al eens hoeveel waarom welk wij we jullie u uw hen zij die
    binnen buiten kunt ben bent was waren ons onze wordt word geen iets alles elke elk ieder andere ander
    volgens plaats stelt zegt zeggen staat vind vindt lang tussen verschil verschillen verschilt
    terwijl gewoon momenteel zit zitten zijne haar tijdens gedurende toegelaten toegestaan ok oké oke
    waarvoor waarbij waarin waarop waarmee waaruit toont heel veel man vrouw gast kerel madam daarnaast ernaast bovendien
    deed deden zoal allemaal""".split()
)
#: A negation word and the words it excludes ("voor iemand die géén leefloon heeft").
_NEGATED = re.compile(r"(?<!\bal dan )\b(?:geen|géén|niet|nie|zonder)\s+((?:[\w-]+\s+){0,1}[\w-]+)")  # not "al dan niet"
STEM_LENGTH = 5


#: Forms that a five-letter stem does not bring together: a verb's irregular forms, the short
#: forms case workers type ("max 30 dagen" and "maximaal 30 kalenderdagen").
SAME_WORD = {
    "duurt": "duren", "duur": "duren", "duurde": "duren", "looptijd": "duren", "duurtijd": "duren",
    "max": "maximaal", "maximum": "maximaal", "maximale": "maximaal", "min": "minimaal", "minimum": "minimaal",
    "minimale": "minimaal", "art": "artikel", "valt": "vallen",
}


@lru_cache(maxsize=1 << 16)  # the same record sentences and passages are read for question after question
def stems(text: str) -> frozenset[str]:
    """Content-word stems ("toeleiden" and "toeleider" share theirs); numbers count whole ("fase 2")."""
    found = set()
    for word in _words(text):
        if any(c.isdigit() for c in word):
            found.add(word.strip("-"))
        elif len(word) > 2 and word not in FILLER_WORDS:
            found.add(SAME_WORD.get(word, word)[:STEM_LENGTH])
    return frozenset(found)


@dataclass(frozen=True)
class Asked:
    """What a question asks for."""

    #: verschil | gemeen | waarom | hoelang | hoeveel | wanneer | wie | hoe | ja_nee | welke | wat | other
    kind: str
    #: content-word stems of the question
    content: frozenset[str]
    #: stems the question puts after "geen"/"niet"/"zonder": a sentence about those without the same
    #: negation answers another question
    excluded: frozenset[str]
    #: the question itself says "niet"/"geen" (not only its situation or condition, see `asks_negatively`):
    #: a ja/nee to it is easily misread, so none is given
    negative: bool
    #: the question describes a client (an age, hours a week, a status …)
    client_facts: bool = False
    #: the client's age, as the eligibility guide reads it ("" when none)
    age: str = ""
    #: it asks the other way round ("valt X buiten …?", "is X uitgesloten?", "is X te lang?"): a verdict
    #: written for "mag X?" would read as its opposite, so none is given
    inverted: bool = False
    #: its content words, whole (a compound "richtvragen" holds "vragen")
    words: frozenset[str] = frozenset()
    #: stems of what the whole answer is about (its topic's title): they weigh less in telling its sentences apart
    topical: frozenset[str] = frozenset()
    #: the glossary terms it names ("#bvs"), set where the knowledge base is at hand
    concepts: frozenset[str] = frozenset()
    #: the stem of what a "hoeveel" question counts ("met hoeveel knipperlichten …": knipp), "" when it names none
    counted: str = ""
    #: it negates its own verb ("mag ne leefloner nie in glow?"): "ja" and "nee" each read two ways
    denies: bool = False
    #: it describes someone besides the client ("de vrouw van mijne klant is langdurig ziek"): a rule
    #: about that person's situation says nothing about the client's
    someone_else: bool = False

    @property
    def no_verdict(self) -> bool:
        """A ja/nee to this question would be easily misread: it is asked the other way round, or it
        describes another person than the client."""
        return self.inverted or self.someone_else


@lru_cache(maxsize=1 << 16)
def negated(text: str) -> frozenset[str]:
    """The stems a text puts after "geen", "niet" or "zonder"."""
    return frozenset(stem for phrase in negated_phrases(text) for stem in stems(phrase))


def negated_phrases(text: str) -> list[str]:
    """What a negation in the text puts aside, word for word ("geen rechten SE worden toegekend": "rechten se")."""
    return [match.group(1) for match in _NEGATED.finditer(text.casefold())]


#: Short forms typed in a chat for the words that turn a question around ("er worden gn rechten toegekend",
#: "zit nie in twe").
_CHAT_FORMS = {"gn": "geen", "nt": "niet", "nie": "niet", "ni": "niet", "wrm": "waarom",
               "kunnek": "kan ik", "kanek": "kan ik", "magek": "mag ik", "moetek": "moet ik", "moek": "moet ik"}
_CHAT_FORM = re.compile(rf"\b({'|'.join(_CHAT_FORMS)})\b", re.IGNORECASE)


def written_out(text: str) -> str:
    """The text with the chat's short forms written out (see _CHAT_FORMS)."""
    return _CHAT_FORM.sub(lambda m: _CHAT_FORMS[m.group(1).casefold()], text)


def read_question(text: str) -> Asked:
    folded = written_out(text.casefold().replace("’", "'"))
    kind = next((name for name, pattern in ASKED_KINDS if pattern.search(folded)), "other")
    excluded = negated(folded)
    facts = read_facts(text)
    return Asked(
        kind=kind,
        content=frozenset(stems(folded)),
        excluded=frozenset(excluded),
        negative=asks_negatively(folded),
        client_facts=bool(re.search(r"\d", folded)) or bool(facts),
        age=facts.get("age", ""),
        inverted=bool(_INVERTED.search(_SITUATION.sub("", folded.strip()))),  # not the situation: "… te hoog gegrepen. kan die …"
        words=frozenset(content_words(folded)),
        counted=_counted_noun(folded),
        someone_else=bool(_SOMEONE_ELSE.search(folded)),
        denies=denies_its_verb(folded),
    )


_RELATIVE = r"(partner|vrouw|man|echtgeno\w+|zoon|zoontje|dochter|moeder|mama|vader|papa|kind|kinderen|broer|zus)"
#: Another person than the client: "de vrouw van mijne klant", "zoon van 17 van ne leefloner", "zijn partner".
_SOMEONE_ELSE = re.compile(
    rf"\b{_RELATIVE}\s+van\s+(\d+\s+(jaar\s+)?van\s+)?(mijn|mijne|m'n|de|ne|een|die|onze|zijn|haar)\s+"
    r"(klant|cliënt|cliënte|client|leefloner|deelnemer|jongere|werkzoekende)"
    rf"|\b(zijn|zijne|haar|z'n|hun)\s+{_RELATIVE}\b")


_HOW_MANY = re.compile(r"\bhoeveel\s+([\w-]+)")


def _counted_noun(folded: str) -> str:
    """The stem of the word a "hoeveel" question counts ("hoeveel doorverwijzingen"), not a verb or a
    function word ("hoeveel zou iemand krijgen")."""
    found = _HOW_MANY.search(folded)
    word = found.group(1) if found else ""
    return next(iter(stems(word)), "") if word not in FILLER_WORDS and len(word) > 2 else ""


#: A question whether something is excluded, falls outside, is too much or too little, or is forbidden.
_INVERTED = re.compile(
    r"\b(uitgesloten|uitsluiten|sluit\w*\b[^?]{0,60}\buit\b|in\s+tegenstelling\s+tot|"
    r"te\s+(eng|enge|streng|strenge|ruim|ruime|breed|brede)\b|"
    r"buiten\s+(de\s+)?(scope|doelgroep|boot)|(valt|vallen)\b[^?]{0,60}\bbuiten\b|"
    r"te\s+(lang|kort|weinig|veel|hoog|laag|oud|jong|zwaar|licht)\b|verboden|niet\s+toegelaten|geweigerd|onmogelijk|"
    # "is het een probleem als …?": a ja would say it is one; so would "optioneel", "overbodig" …
    r"\b(probleem|bezwaar)\b|\b(is|zou)\s+(dat|da|het)\s+(erg|fout)\b|"
    r"vermijden|af\s+te\s+raden|afgeraden|afraden|uitsluitingsgrond\w*|optioneel|facultatief|onvoldoende|"
    r"overbodig|overlaten|(maar|slechts)\s+(één|een|1)\s+keer|"
    # "is glow enkel voor uitkeringsgerechtigden?": a ja would say only they may
    r"\b(enkel|alleen|uitsluitend|slechts)\s+(voor|bij|in|als|met|door)\b)")


def inverts(text: str) -> bool:
    """Whether the text asks the other way round ("probleem", "uitgesloten", "valt buiten", see _INVERTED)."""
    return bool(_INVERTED.search(text.casefold()))


#: What a question may say before what it asks without asking it negatively: the client's situation
#: in sentences of its own ("klant heeft nog geen dossier. moet die …"), a condition ("als ik nie
#: attesteer, heeft da …"); and "niet-toeleidbaar" (a label, no negation), "… of nie?" (a tag).
_SITUATION = re.compile(r"^.*[.!?]\s+(?=\S)|^\W*(als|indien|wanneer|stel dat)\b[^,?]*,\s*")
_NO_NEGATION = re.compile(r"\bniet-\w+|\b(of|ja)\s+(nie|niet|nee)\W*$|\bal\s+dan\s+(niet|nie)\b")


#: A situation put between brackets ("voor een lp-klant (nie in twe)").
_BRACKETED = re.compile(r"\([^()]*\)")


def _asked_part(folded: str) -> str:
    """What the question asks, without its situation (before it, or between brackets), a label like
    "niet-toeleidbaar" or a tag "… of nie?"."""
    return _NO_NEGATION.sub(" ", _BRACKETED.sub(" ", _SITUATION.sub("", folded.strip())))


def asks_negatively(folded: str) -> bool:
    """Whether what the question asks is negated ("mag ik dat niet doen?"), not its situation."""
    return bool(re.search(r"\b(niet|nie|geen|géén|zonder|nooit)\b", _asked_part(folded)))


#: A condition after what is asked ("mag X, als de werkgever nie akkoord is?"): its "niet" is the situation's.
_TRAILING_CONDITION = re.compile(r"\b(als|indien|wanneer|zolang)\b[^?]*\??\s*$")


def denies_its_verb(folded: str) -> bool:
    """Whether what the question asks is put with "niet" ("mag die nie in glow?"), not its situation or a
    condition after it ("…, als de werkgever nie akkoord is?") or a label ("niet-toeleidbaar")."""
    return bool(re.search(r"\b(niet|nie)\b(?!-)", _TRAILING_CONDITION.sub("", _asked_part(folded))))


@lru_cache(maxsize=1 << 16)
def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _words(text) if len(w) > 2 and w not in FILLER_WORDS)


def _words(text: str) -> list[str]:
    """Words, with a hyphenated one also in its parts ("vdab-bemiddelaar": vdab, bemiddelaar)."""
    found = []
    for word in re.findall(r"[\w-]+", text.casefold()):
        parts = [p for p in word.split("-") if p]
        found += parts if len(parts) > 1 and not any(c.isdigit() for c in word) else [word]
    return found


#: A word this long is matched inside a compound ("richtvragen" and "vragen").
COMPOUND_PART = 6


def held(asked: Asked, text: str) -> set[str]:
    """The question's stems that `text` holds, also as part of a compound word."""
    found = set(asked.content & stems(text))
    long_words = [w for w in content_words(text) if len(w) >= COMPOUND_PART]
    for word in asked.words:
        stem = word[:STEM_LENGTH]
        if stem in found or len(word) < COMPOUND_PART:
            continue
        if any(word in other or other in word for other in long_words):
            found.add(stem)
    return found
