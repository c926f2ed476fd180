"""Client personal data in what case workers type: find it, and redact it before it is stored or logged.

Case workers sometimes paste a client's rijksregisternummer, IBAN, e-mail address, phone number,
date of birth, name or street address into a question. The assistant reminds them not to (M021), and
every store and log keeps only the redacted text: the conversation log (`bot.tracker_store`), the
review marks and their export (`bot.review`), and the servers' logs (`install_log_redaction`).

Every pattern runs in time linear in the text: no pattern has a nested or unbounded quantifier that
can backtrack over the same characters, and every repetition is bounded. Numbers and addresses that
are the draaiboeken's own (the contact records of the knowledge base, e.g. the Servicelijn
0800 30 700) are no personal data, in whatever spelling; nor is an abbreviation of the glossary in
capitals after "mijn klant" ("GLOW").

A text is read in its composed form (NFC: "cliënt" typed as e + ¨ is "cliënt"), and matched in its
compatibility form (NFKC per character: a full-width ＠ or ０ is an @ or 0); the stored text keeps its
own characters except where personal data was replaced.
"""
from __future__ import annotations

import functools
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any, Callable

# separators people put inside numbers: space, no-break and thin space, dot, slash, dashes of any kind
_SEP = r"[ \t\u00a0\u202f\u2009.,/\-\u2010\u2011\u2012\u2013\u2014\u2212]"
_DASH_OR_SPACE = r"[ \t\u00a0\u202f\u2009.\-\u2010\u2011\u2012\u2013\u2014\u2212]"
_MONTHS = (
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    r"|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?"
)
_DAY, _MONTH = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
_DATE = (
    rf"(?:{_DAY}\s{{0,2}}[/.\-\u2011\u2013]\s{{0,2}}{_MONTH}\s{{0,2}}[/.\-\u2011\u2013]\s{{0,2}}(?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|{_DAY}\s{{1,3}}{_MONTHS}\s{{1,3}}\d{{4}}(?!\d)"
    rf"|(?:19|20)\d{{2}}-{_MONTH}-{_DAY}(?!\d))"
)
#: after a birth cue a date may also be written with spaces only: "geboren op 12 03 1987"
_BIRTH_DATE = rf"(?:{_DATE}|{_DAY}[ \t\u00a0]{{1,2}}{_MONTH}[ \t\u00a0]{{1,2}}(?:\d{{4}}|\d{{2}})(?!\d))"


def _letters(test: Callable[[str], bool]) -> str:
    """A character class body of the letters of the Latin, Greek and Cyrillic blocks that pass `test`."""
    codes = [c for first, last in ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x370, 0x4FF), (0x1E00, 0x1EFF))
             for c in range(first, last + 1) if chr(c).isalpha() and test(chr(c))]
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_UPPER = _letters(str.isupper)  # A-Z, À-Þ, Ł, Ş, Ö, Ø …
_LOWER = _letters(lambda c: not c.isupper())  # a-z, ß, ı, ł, ş … (and the few letters without case)
# capitalised words of a name, with Dutch particles between them ("Jan van den Broeck")
#: "Jan", "Łukasz", "Yıldız", "O'Neill", or in capitals "PEETERS"
_NAME_WORD = rf"[{_UPPER}](?:[{_LOWER}'’\-]{{1,30}}|[{_UPPER}'’\-]{{1,30}}(?![{_LOWER}]))"
_PARTICLE = r"(?:van|de|der|den|het|ter|ten|te|d'|vanden|vander|le|la|du|el|al)"
_NAME = rf"{_NAME_WORD}(?:\s{{1,3}}(?:{_PARTICLE}\s{{1,3}}){{0,3}}{_NAME_WORD}){{0,3}}"
_STREET_SUFFIXES = (
    "straat", "laan", "lei", "plein", "weg", "steenweg", "dreef", "kaai", "markt", "singel", "vest", "baan", "dijk",
    "pad", "hof", "park", "kouter", "gracht", "berg", "veld", "wijk", "dries", "heide", "plaats", "strand",
    "boulevard", "square",
)
#: the suffix, or its abbreviation ("Kerkstr. 12", "Gentsestwg 5")
_STREET_SUFFIX = rf"(?:{'|'.join(_STREET_SUFFIXES)}|str\.?|stwg\.?|stw\.)"
#: "12", "12A", "12 bus 3", "nr. 12", "n° 12"
_HOUSE_NUMBER = (
    r"(?:(?:nr|no|n°|nummer)\.?\s{0,2})?"
    r"\d{1,4}(?:\s{0,2}[a-zA-Z](?![a-zA-Z]))?(?:\s{0,2}(?:bus|b\.|/)\s{0,2}\d{1,4})?"
)
#: words right before a phone number with nothing in between: "tel.0470 …", "gsm0470 …", "tel.+32 …"
_PHONE_CUES = "".join(
    f"|(?<={cue}{mark})" for cue in ("tel", "gsm", "nr", "fax", "mobiel", "telefoon") for mark in ("", r"\.", ":", r"\.:")
)
#: Belgian and Dutch numbers written without + or 00: "32 470 12 34 56", "31 6 12345678", "32 9 123 45 67"
_PHONE_WITHOUT_PLUS = (
    rf"(?:32{_DASH_OR_SPACE}{{0,2}}4|31{_DASH_OR_SPACE}{{0,2}}6)(?:{_DASH_OR_SPACE}{{0,2}}\d){{8}}"
    rf"|32{_DASH_OR_SPACE}{{0,2}}[1-35-9](?:{_DASH_OR_SPACE}{{0,2}}\d){{7}}"
)


@dataclass(frozen=True)
class Kind:
    """One kind of personal data: its pattern, label, and (optionally) a check of each match."""

    pattern: re.Pattern[str]
    label: str
    #: True when a match really is personal data (a checksum, a count of digits …)
    accept: Callable[[re.Match[str]], bool] | None = None
    #: the named group that is personal data (the rest of the match, e.g. "mijn klant", stays)
    group: str | None = None
    #: a cheap test that a text may hold this kind at all (most texts are skipped without the pattern)
    hint: tuple[str, ...] = ()  # lowercase; the text must contain one of them


def _iban_ok(match: re.Match[str]) -> bool:
    """A valid IBAN checksum, or a Belgian account number a digit off (typos are personal data too)."""
    iban = re.sub(r"[^0-9A-Za-z]", "", match.group(0)).upper()
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1 or (iban.startswith("BE") and len(iban) == 16 and iban[2:].isdigit())


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _national(digits: str) -> str:
    """A Belgian number as dialled at home: 0032 470 …, +32 (0)470 …, 32 470 … → 0470 …"""
    for prefix in ("0032", "32"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and 8 <= len(rest) <= 10:
            return rest if rest.startswith("0") else "0" + rest
    return digits


def _phone_ok(match: re.Match[str]) -> bool:
    digits = _digits(match.group(0))
    numbers = public_contacts().numbers
    return digits not in numbers and _national(digits) not in numbers


def _email_ok(match: re.Match[str]) -> bool:
    """Not a contact record's address, and a domain with a letter in it (not a button payload "/groet@0.9")."""
    address = match.group(0)
    return address.casefold() not in public_contacts().emails and re.search(r"[^\W\d_]", address.rsplit("@", 1)[1]) is not None


def _loose_rrn_ok(match: re.Match[str]) -> bool:
    """Eleven digits grouped otherwise ("8507 3003 361") are a rijksregisternummer when they start with a date.

    The month may be raised by 20 or 40 (bisnummers); "32 4…" is a Belgian mobile number without its "+".
    """
    digits = _digits(match.group(0))
    month, day = int(digits[2:4]), int(digits[4:6])
    return month % 20 <= 12 and month <= 52 and day <= 31 and not digits.startswith("324")


#: words that start a sentence after "mijn klant:" ("Mijn klant: Kan die …"), never a name
_NOT_NAMES = frozenset(
    "wat wie waar wanneer welke welk waarom hoe kan kunnen mag moet moeten is zijn heeft hebben had wil wilt "
    "wordt krijgt komt gaat ik hij zij ze we wij jij je u die dat dit deze het een en maar ook geen niet er als "
    "om in op voor met bij na sinds vanaf nog al dan toch zo".split()
)
#: a language the client speaks ("moet ne klant Nederlands spreken?"), standing alone after the cue: no name.
#: Not the languages that are names as well ("mijn klant Frans", "klant Engels"): a name is never let through.
_LANGUAGES = frozenset(
    "nederlands duits spaans italiaans portugees pools roemeens bulgaars russisch oekraïens turks arabisch berbers "
    "perzisch pasjtoe koerdisch tigrinya somalisch".split()
)


def _name_ok(match: re.Match[str]) -> bool:
    """Not a question's next word, nor an abbreviation of the draaiboeken in capitals ("mijn klant: Wat …", "klant GLOW")."""
    words = re.findall(r"[^\W\d_][\w'’\-]*", match.group("name"))
    if not words or words[0].casefold() in _NOT_NAMES or len(words) == 1 and words[0].casefold() in _LANGUAGES:
        return False
    terms = public_contacts().terms
    return not any(word.isupper() and word.casefold() in terms for word in words)


#: What each kind of personal data looks like, and what replaces it in the stored text (in this order:
#: a rijksregisternummer is not also a phone number).
PATTERNS: dict[str, Kind] = {
    "rijksregisternummer": Kind(
        # YY.MM.DD-XXX.CC in any spelling: dots, slashes, spaces, dashes of any kind, or none
        re.compile(rf"(?<![\d+])\d{{2}}{_SEP}{{0,3}}\d{{2}}{_SEP}{{0,3}}\d{{2}}{_SEP}{{0,3}}\d{{3}}{_SEP}{{0,3}}\d{{2}}(?![\d])"),
        "[rijksregisternummer]",
    ),
    "rijksregisternummer (anders gegroepeerd)": Kind(
        # the same eleven digits in other groups: "8507 3003 361", "850 730 033 61"
        re.compile(rf"(?<![\d+])(?<!\d{_SEP})\d(?:{_SEP}{{0,3}}\d){{10}}(?!{_SEP}{{0,3}}\d)"),
        "[rijksregisternummer]",
        _loose_rrn_ok,
    ),
    "IBAN": Kind(
        # BE68 5390 0754 7034, BE 68 5390 …, NL91ABNA0417164300: letters after the check digits only in capitals
        re.compile(
            r"(?<![\w])[A-Za-z]{2}[ \u00a0.\-]?\d{2}(?:[ \u00a0.\-]?[0-9A-Z]{4}){2,7}(?:[ \u00a0.\-]?[0-9A-Z]{1,3})?(?![\w])"
        ),
        "[IBAN]",
        _iban_ok,
    ),
    "e-mail": Kind(
        # jan.peeters@telenet.be, .jan@…, and an address without its ending: jan.peeters@telenet
        re.compile(
            r"(?<![\w.+\-])[\w.+\-]{1,64}@"
            r"(?:[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}|[^\W\d_][\w\-]{1,62}(?![\w\-]))"
        ),
        "[e-mail]",
        _email_ok,
        hint=("@",),
    ),
    "telefoon": Kind(
        re.compile(
            # where a number can start (checked first: most places fail here), then what may stand before it
            rf"(?=[+(03])(?:(?<![\w/+.]){_PHONE_CUES})(?:"
            # international: +32 / 0032 / +31 / 0049 …, optionally "(0)", then 6 to 12 digits
            rf"(?:\+|00)[1-9]\d{{0,2}}{_DASH_OR_SPACE}{{0,2}}(?:\(0\){_DASH_OR_SPACE}{{0,2}})?\d(?:{_SEP}{{0,2}}\d){{5,11}}"
            # national with the area code in brackets: (0470) 12 34 56, (09) 123 45 67
            rf"|\(0\d{{1,3}}\){_SEP}{{0,2}}\d(?:{_SEP}{{0,2}}\d){{4,7}}"
            # national: 0470 12 34 56, 09/123.45.67, 0470-123456
            rf"|0[1-9](?:{_SEP}{{0,2}}\d){{7,8}}"
            # the country code without + or 00: 32 470 12 34 56
            rf"|{_PHONE_WITHOUT_PLUS}"
            r")(?![\d])",
            re.IGNORECASE,
        ),
        "[telefoon]",
        _phone_ok,
    ),
    "geboortedatum": Kind(
        # a full date said to be a birth date: "geboren op 12/03/1987", "geboren 12 maart 1987",
        # "geb. op 1987-03-12", "geboortedatum: 12.03.87", "° 12-3-1987", "geboren: 12/03/1987", "geboren op 12 03 1987"
        re.compile(
            rf"(?:\bgeboren(?:\s{{1,3}}(?:op|in|te\s{{1,3}}\w{{1,30}}\s{{1,3}}op))?|\bgeb\.?(?:\s{{0,3}}op)?|\bgeboortedatum|°)"
            rf"\s{{0,2}}[:\-\u2013]?\s{{0,3}}{_BIRTH_DATE}",
            re.IGNORECASE,
        ),
        "[geboortedatum]",
        hint=("geb", "°"),
    ),
    "adres": Kind(
        # a street with a house number ("Kerkstraat 12 bus 3", "Kerkstr. 12", "Kerkstraat nr. 12"),
        # or a place someone lives ("woont in de Dorp 5")
        re.compile(
            rf"(?:\b[A-Za-zÀ-ÿ'\-]{{1,40}}{_STREET_SUFFIX}|\b(?:woont|wonend|verblijft|adres\s{{0,2}}:?)\s{{1,3}}(?:in|op|aan|te)?\s{{0,3}}(?:de\s{{1,3}})?{_NAME})"
            rf"\s{{0,3}}(?<=[\s.]){_HOUSE_NUMBER}(?![\d])"
            r"(?:\s{0,2},?\s{0,2}[1-9]\d{3}\s{1,3}[A-Z][\w\-]{1,40})?",
        ),
        "[adres]",
        hint=("woon", "wonend", "verblijf", "adres", "str", "stw", *_STREET_SUFFIXES),
    ),
    "naam": Kind(
        # a capitalised name after words that introduce a client: "mijn klant Jan Peeters", "mevrouw Janssens",
        # "mijn cliënt, Jan Peeters, …", "mijn cliënt: Jan Peeters", "mijn klant JAN PEETERS"
        re.compile(
            r"(?P<cue>\b(?:[Mm]ijn\s{1,3})?(?:[Kk]lant|[Cc]li[eë]nte?|[Ll]eefloner|[Mm]evrouw|[Mm]eneer|[Mm]evr\.|[Dd]hr\.|[Mm]w\.|[Hh]eer"
            r"|[Nn]aam\s{0,2}:|[Hh]eet|[Gg]enaamd)(?:\s{0,2}[,:;]\s{0,3}|\s{1,3}))"
            rf"(?P<name>{_NAME})"
        ),
        "[naam]",
        _name_ok,
        group="name",
    ),
}

#: the kind each pattern finds (two patterns find a rijksregisternummer)
KIND_OF = {name: name.split(" (")[0] for name in PATTERNS}

#: Kinds that are found by a cue and a capital letter: found where that is reliable, never all.
UNRELIABLE_KINDS = ("adres", "naam")


# --- the draaiboeken's own numbers and addresses -----------------------------------------------------


@dataclass(frozen=True)
class PublicContacts:
    numbers: frozenset[str]  # digits only
    emails: frozenset[str]  # casefolded
    terms: frozenset[str] = frozenset()  # casefolded abbreviations of the glossary ("glow", "ocmw")


#: Used when the knowledge base cannot be read (a test without one): the Servicelijn, as in the draaiboeken.
_FALLBACK_NUMBERS = frozenset({"080030700"})
_FALLBACK_TERMS = frozenset({"glow", "bvs", "ocmw", "cpas", "vdab", "riziv", "twe", "ibo", "lp", "mlp", "wse", "rva", "fod"})


@functools.lru_cache(maxsize=1)
def public_contacts() -> PublicContacts:
    """The phone numbers and e-mail addresses of the knowledge base's contact records, and the abbreviations
    of its glossary (a word in capitals after "mijn klant" that is one of them is no name)."""
    numbers, emails, terms = set(_FALLBACK_NUMBERS), set(), set(_FALLBACK_TERMS)
    try:
        from bot import settings
        from bot.knowledge import KnowledgeBase

        knowledge = KnowledgeBase(settings.db_path())
        for contact in knowledge.all("contacts"):
            value = str(contact.get("value") or "")
            for found in re.findall(r"[\w.+\-]{1,64}@[\w.\-]{1,255}", value):
                emails.add(found.casefold())
            digits = _digits(value)
            if str(contact.get("channel") or "") == "telefoon" and digits:
                numbers.add(digits)
        for term in knowledge.all("glossary"):
            for variant in [term.get("name"), *(term.get("variants") or [])]:
                terms.update(word.casefold() for word in re.findall(r"\w+", str(variant or "")) if word.isupper())
    except Exception:  # noqa: BLE001 - no knowledge base: only the fallback, never a failure to redact
        logging.getLogger(__name__).debug("contact records not readable; public numbers: the Servicelijn only")
    return PublicContacts(frozenset(numbers), frozenset(emails), frozenset(terms))


# --- find and redact ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def _matching_form(text: str) -> str:
    """`text` with every character in its compatibility form (＠ → @, full-width digits, no-break space → space).

    Character by character and only where the form is one character, so that every offset in it is an
    offset in `text`: a match is found in this form and replaced in the text.
    """
    return text if text.isascii() else "".join(map(_fold, text))


def _substitute(kind: Kind, text: str, form: str) -> tuple[str, str, bool]:
    """`text` and its matching form with every match of `kind` replaced by its label, and whether there was one."""
    if kind.hint:
        lower = form.lower()
        if not any(word in lower for word in kind.hint):
            return text, form, False
    pieces, forms, last = [], [], 0
    for match in kind.pattern.finditer(form):
        if kind.accept is not None and not kind.accept(match):
            continue
        start, end = match.span(kind.group) if kind.group else match.span()
        pieces += [text[last:start], kind.label]
        forms += [form[last:start], kind.label]
        last = end
    if not pieces:
        return text, form, False
    return "".join(pieces) + text[last:], "".join(forms) + form[last:], True


def _redacted(text: str) -> tuple[str, list[str]]:
    """(`text` redacted, the kinds found in it). The text is read in its composed form (NFC: "cliënt" typed
    as e + ¨ is "cliënt"); a text without personal data is returned as it was."""
    composed = unicodedata.normalize("NFC", text)
    clean, form, kinds = composed, _matching_form(composed), []
    for name, kind in PATTERNS.items():
        clean, form, found = _substitute(kind, clean, form)
        if found and KIND_OF[name] not in kinds:
            kinds.append(KIND_OF[name])
    return (clean if kinds else text), kinds


def personal_data_kinds(text: str) -> list[str]:
    """The kinds of personal data in `text`, in PATTERNS order (empty when none)."""
    return _redacted(text)[1] if text else []


def redact(text: str) -> str:
    """`text` with every piece of personal data replaced by its label."""
    return _redacted(text)[0] if text else text


_MESSAGE_ID = re.compile(r"[0-9a-f]{32}")


def redact_value(value: Any, redact_text: Callable[[str], str] | None = None) -> Any:
    """`value` with every string in it redacted (dicts, lists and tuples walked; other values as they are).

    `redact_text` redacts one string (default `redact`; e.g. a cached version of it).
    """
    redact_text = redact_text or redact
    if isinstance(value, str):
        # a message id (uuid4 hex, which a rating names its answer by) is no client data, though its
        # digits can look like a phone number
        return value if _MESSAGE_ID.fullmatch(value) else redact_text(value)
    if isinstance(value, dict):
        return {key: redact_value(item, redact_text) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(item, redact_text) for item in value)
    return value


# --- logs and warnings -------------------------------------------------------------------------------

#: Rasa's warnings about a message starting with "/" quote the whole message: "… in line '<text>'. …"
_QUOTED_LINE = re.compile(r"(in line|message|text) '.*?'(?=[.:,]?(?:\s|$))", re.DOTALL)


#: … and its "but found <the message without the slash>." when the intent is unknown
_FOUND_TEXT = re.compile(r"(but found) (?![{\[]).*?(?=\.\s?Continuing)", re.DOTALL)


def redact_log_text(text: str) -> str:
    """A log line without what a user typed: quoted messages left out, personal data redacted."""
    text = _QUOTED_LINE.sub(r"\1 '[bericht weggelaten]'", text)
    if "Failed to parse" in text:
        text = _FOUND_TEXT.sub(r"\1 [bericht weggelaten]", text)
    return redact(text)


_installed = False


def install_log_redaction() -> None:
    """Make every log record and warning of this process pass through `redact_log_text`.

    Rasa writes some user messages into its warnings (a message starting with "/"); this process-wide
    hook keeps them out of every log handler, whatever the logging configuration. Idempotent.
    """
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call: leave it to the handler
            return record
        record.msg, record.args = redact_log_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_log_text(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    show = warnings.showwarning

    def showwarning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        show(redact_log_text(str(message)), category, filename, lineno, file, line)

    warnings.showwarning = showwarning
