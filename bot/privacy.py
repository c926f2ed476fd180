"""Client personal data in what case workers type: find it, and redact it before it is stored.

Case workers sometimes paste a client's rijksregisternummer, e-mail address, phone number or
date of birth into a question. The assistant reminds them not to (M021), and the conversation log
(`bot.tracker_store`) keeps only the redacted text.
"""
from __future__ import annotations

import re

#: What each kind of personal data looks like, and what replaces it in the stored text.
PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    # YY.MM.DD-XXX.CC and its spellings without dots or dash, or 11 digits in a row
    "rijksregisternummer": (
        re.compile(r"\b\d{2}[.\s]?\d{2}[.\s]?\d{2}[-\s]?\d{3}[.\s]?\d{2}\b"),
        "[rijksregisternummer]",
    ),
    "e-mail": (re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b"), "[e-mail]"),
    # Belgian mobile and landline numbers, national or with +32 / 0032
    "telefoon": (
        re.compile(r"(?<![\w/])(\+32|0032|0)\s?[1-9](?:[\s./-]?\d){7,8}\b"),
        "[telefoon]",
    ),
    # a full date said to be a birth date ("geboren op 12/03/1987", "° 12.03.1987", "geb. 12-3-87")
    "geboortedatum": (
        re.compile(
            r"(geboren(\s+op)?|geb\.?|geboortedatum:?|°)\s*(0?[1-9]|[12]\d|3[01])[/.-](0?[1-9]|1[0-2])[/.-](\d{4}|\d{2})\b",
            re.IGNORECASE,
        ),
        "[geboortedatum]",
    ),
}

#: Numbers a case worker may type that look like personal data but are the draaiboeken's own
#: (the VDAB Servicelijn): never redacted, never a reason for the reminder.
PUBLIC_NUMBERS = ("0800 30 700", "0800/30 700", "0800 30700", "080030700")


def _without_public_numbers(text: str) -> str:
    for number in PUBLIC_NUMBERS:
        text = text.replace(number, " ")
    return text


def personal_data_kinds(text: str) -> list[str]:
    """The kinds of personal data in `text`, in PATTERNS order (empty when none)."""
    text = _without_public_numbers(text or "")
    kinds = []
    for kind, (pattern, label) in PATTERNS.items():
        if pattern.search(text):
            kinds.append(kind)
            text = pattern.sub(label, text)  # a rijksregisternummer is not a phone number too
    return kinds


def redact(text: str) -> str:
    """`text` with every piece of personal data replaced by its label."""
    if not text:
        return text
    kept: dict[str, str] = {}
    for i, number in enumerate(PUBLIC_NUMBERS):  # shield the public numbers from the phone pattern
        if number in text:
            key = f"\x00{i}\x00"
            kept[key] = number
            text = text.replace(number, key)
    for pattern, label in PATTERNS.values():
        text = pattern.sub(label, text)
    for key, number in kept.items():
        text = text.replace(key, number)
    return text
