"""Client personal data in what case workers type: find it, and redact it before it is stored or logged.

Case workers sometimes paste a client's rijksregisternummer, IBAN, e-mail address, phone number,
date of birth, name or street address into a question. The assistant reminds them not to (M021), and
every store and log keeps only the redacted text: the conversation log (`bot.tracker_store`), the
review marks and their export (`bot.review`), and the servers' logs (`install_log_redaction`).

Every pattern runs in time linear in the text: no pattern has a nested or unbounded quantifier that
can backtrack over the same characters, and every repetition is bounded. Numbers and addresses that
are the draaiboeken's own (the contact records of the knowledge base, e.g. the Servicelijn
0800 30 700) are no personal data, in whatever spelling.
"""
from __future__ import annotations

import functools
import logging
import re
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
# capitalised words of a name, with Dutch particles between them ("Jan van den Broeck")
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’\-]{1,30}"
_PARTICLE = r"(?:van|de|der|den|het|ter|ten|te|d'|vanden|vander|le|la|du|el|al)"
_NAME = rf"{_NAME_WORD}(?:\s{{1,3}}(?:{_PARTICLE}\s{{1,3}}){{0,3}}{_NAME_WORD}){{0,3}}"
_STREET_SUFFIX = (
    r"(?:straat|laan|lei|plein|weg|steenweg|dreef|kaai|markt|singel|vest|baan|dijk|pad|hof|park|kouter"
    r"|gracht|berg|veld|wijk|dries|heide|plaats|strand|boulevard|square)"
)
_HOUSE_NUMBER = r"\d{1,4}(?:\s{0,2}[a-zA-Z](?![a-zA-Z]))?(?:\s{0,2}(?:bus|b\.|/)\s{0,2}\d{1,4})?"


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


def _phone_ok(match: re.Match[str]) -> bool:
    return _digits(match.group(0)) not in public_contacts().numbers


def _email_ok(match: re.Match[str]) -> bool:
    return match.group(0).casefold() not in public_contacts().emails


#: What each kind of personal data looks like, and what replaces it in the stored text (in this order:
#: a rijksregisternummer is not also a phone number).
PATTERNS: dict[str, Kind] = {
    "rijksregisternummer": Kind(
        # YY.MM.DD-XXX.CC in any spelling: dots, slashes, spaces, dashes of any kind, or none
        re.compile(rf"(?<![\d+])\d{{2}}{_SEP}{{0,3}}\d{{2}}{_SEP}{{0,3}}\d{{2}}{_SEP}{{0,3}}\d{{3}}{_SEP}{{0,3}}\d{{2}}(?![\d])"),
        "[rijksregisternummer]",
    ),
    "IBAN": Kind(
        # BE68 5390 0754 7034, NL91ABNA0417164300: letters after the check digits only in capitals
        re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ \u00a0.\-]?[0-9A-Z]{4}){2,7}(?:[ \u00a0.\-]?[0-9A-Z]{1,3})?(?![\w])"),
        "[IBAN]",
        _iban_ok,
    ),
    "e-mail": Kind(
        re.compile(r"(?<![\w.+\-])[\w+\-][\w.+\-]{0,63}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}"),
        "[e-mail]",
        _email_ok,
        hint=("@",),
    ),
    "telefoon": Kind(
        re.compile(
            r"(?<![\w/+.])(?:"
            # international: +32 / 0032 / +31 / 0049 …, optionally "(0)", then 6 to 12 digits
            rf"(?:\+|00)[1-9]\d{{0,2}}{_DASH_OR_SPACE}{{0,2}}(?:\(0\){_DASH_OR_SPACE}{{0,2}})?\d(?:{_SEP}{{0,2}}\d){{5,11}}"
            # national with the area code in brackets: (0470) 12 34 56, (09) 123 45 67
            rf"|\(0\d{{1,3}}\){_SEP}{{0,2}}\d(?:{_SEP}{{0,2}}\d){{4,7}}"
            # national: 0470 12 34 56, 09/123.45.67, 0470-123456
            rf"|0[1-9](?:{_SEP}{{0,2}}\d){{7,8}}"
            r")(?![\d])"
        ),
        "[telefoon]",
        _phone_ok,
    ),
    "geboortedatum": Kind(
        # a full date said to be a birth date: "geboren op 12/03/1987", "geboren 12 maart 1987",
        # "geb. op 1987-03-12", "geboortedatum: 12.03.87", "° 12-3-1987"
        re.compile(
            rf"(?:\bgeboren(?:\s{{1,3}}(?:op|in|te\s{{1,3}}\w{{1,30}}\s{{1,3}}op))?|\bgeb\.?(?:\s{{0,3}}op)?|\bgeboortedatum\s{{0,2}}:?|°)"
            rf"\s{{0,3}}{_DATE}",
            re.IGNORECASE,
        ),
        "[geboortedatum]",
        hint=("geb", "°"),
    ),
    "adres": Kind(
        # a street with a house number ("Kerkstraat 12 bus 3"), or a place someone lives ("woont in de Dorp 5")
        re.compile(
            rf"(?:\b[A-Za-zÀ-ÿ'\-]{{1,40}}{_STREET_SUFFIX}|\b(?:woont|wonend|verblijft|adres\s{{0,2}}:?)\s{{1,3}}(?:in|op|aan|te)?\s{{0,3}}(?:de\s{{1,3}})?{_NAME})"
            rf"\s{{1,3}}{_HOUSE_NUMBER}(?![\d])"
            r"(?:\s{0,2},?\s{0,2}[1-9]\d{3}\s{1,3}[A-Z][\w\-]{1,40})?",
        ),
        "[adres]",
        hint=("woon", "wonend", "verblijf", "adres", *_STREET_SUFFIX.strip("(?:)").split("|")),
    ),
    "naam": Kind(
        # a capitalised name after words that introduce a client: "mijn klant Jan Peeters", "mevrouw Janssens"
        re.compile(
            r"(?P<cue>\b(?:[Mm]ijn\s{1,3})?(?:[Kk]lant|[Cc]li[eë]nte?|[Ll]eefloner|[Mm]evrouw|[Mm]eneer|[Mm]evr\.|[Dd]hr\.|[Mm]w\.|[Hh]eer"
            r"|[Nn]aam\s{0,2}:|[Hh]eet|[Gg]enaamd)\s{1,3})"
            rf"(?P<name>{_NAME})"
        ),
        "[naam]",
        group="name",
    ),
}

#: Kinds that are found by a cue and a capital letter: found where that is reliable, never all.
UNRELIABLE_KINDS = ("adres", "naam")


# --- the draaiboeken's own numbers and addresses -----------------------------------------------------


@dataclass(frozen=True)
class PublicContacts:
    numbers: frozenset[str]  # digits only
    emails: frozenset[str]  # casefolded


#: Used when the knowledge base cannot be read (a test without one): the Servicelijn, as in the draaiboeken.
_FALLBACK_NUMBERS = frozenset({"080030700"})


@functools.lru_cache(maxsize=1)
def public_contacts() -> PublicContacts:
    """The phone numbers and e-mail addresses of the knowledge base's contact records."""
    numbers, emails = set(_FALLBACK_NUMBERS), set()
    try:
        from bot import settings
        from bot.knowledge import KnowledgeBase

        for contact in KnowledgeBase(settings.db_path()).all("contacts"):
            value = str(contact.get("value") or "")
            for found in re.findall(r"[\w.+\-]{1,64}@[\w.\-]{1,255}", value):
                emails.add(found.casefold())
            digits = _digits(value)
            if str(contact.get("channel") or "") == "telefoon" and digits:
                numbers.add(digits)
    except Exception:  # noqa: BLE001 - no knowledge base: only the fallback, never a failure to redact
        logging.getLogger(__name__).debug("contact records not readable; public numbers: the Servicelijn only")
    return PublicContacts(frozenset(numbers), frozenset(emails))


# --- find and redact ---------------------------------------------------------------------------------


def _substitute(kind: Kind, text: str) -> tuple[str, bool]:
    found = False
    if kind.hint:
        lower = text.lower()
        if not any(word in lower for word in kind.hint):
            return text, False

    def replace(match: re.Match[str]) -> str:
        nonlocal found
        if kind.accept is not None and not kind.accept(match):
            return match.group(0)
        found = True
        if kind.group:
            start, end = match.span(kind.group)
            return match.group(0)[: start - match.start()] + kind.label + match.group(0)[end - match.start():]
        return kind.label

    return kind.pattern.sub(replace, text), found


def personal_data_kinds(text: str) -> list[str]:
    """The kinds of personal data in `text`, in PATTERNS order (empty when none)."""
    text = text or ""
    kinds = []
    for name, kind in PATTERNS.items():
        text, found = _substitute(kind, text)
        if found:
            kinds.append(name)
    return kinds


def redact(text: str) -> str:
    """`text` with every piece of personal data replaced by its label."""
    if not text:
        return text
    for kind in PATTERNS.values():
        text, _ = _substitute(kind, text)
    return text


def redact_value(value: Any, redact_text: Callable[[str], str] | None = None) -> Any:
    """`value` with every string in it redacted (dicts, lists and tuples walked; other values as they are).

    `redact_text` redacts one string (default `redact`; e.g. a cached version of it).
    """
    redact_text = redact_text or redact
    if isinstance(value, str):
        return redact_text(value)
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
