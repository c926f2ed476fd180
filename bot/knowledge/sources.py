"""The source documents as text, cut into the sections that records cite.

PDF extraction leaves odd spacing, curly quotes and hyphenated line breaks; `normalise`
evens those out so a passage copied from the document can be found again.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "\u00a0": " "})
_SPACE = re.compile(r"\s+")
_LINE_HYPHEN = re.compile(r"(?<=[a-zà-ÿ])- (?=[a-zà-ÿ])")


def even_out(text: str) -> str:
    """NFC, straight quotes, single spaces; the case is kept (for quoting the document)."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


def normalise(text: str) -> str:
    """Casefolded, NFC, straight quotes, single spaces."""
    return even_out(text).casefold()


def normalise_with_offsets(text: str) -> tuple[str, str, list[int]]:
    """(NFC text, its `normalise` form, offset in the NFC text of every normalised character)."""
    raw = unicodedata.normalize("NFC", text)
    chars: list[str] = []
    offsets: list[int] = []
    space_at = -1
    for i, ch in enumerate(raw):
        ch = ch.translate(_QUOTES)
        if ch.isspace():
            if chars and space_at < 0:
                space_at = i
            continue
        if space_at >= 0:
            chars.append(" ")
            offsets.append(space_at)
            space_at = -1
        for folded in ch.casefold():
            chars.append(folded)
            offsets.append(i)
    return raw, "".join(chars), offsets


def dehyphenate(normalised: str) -> str:
    """Join words split across lines ("her- vorming" -> "hervorming")."""
    return _LINE_HYPHEN.sub("", normalised)


def contains_passage(haystack: str, passage: str) -> bool:
    """Whether normalised `haystack` holds `passage`, also after undoing line hyphenation."""
    needle = normalise(passage)
    return needle in haystack or dehyphenate(needle) in dehyphenate(haystack)


@dataclass
class Section:
    document: str
    id: str
    title: str
    start: int
    end: int
    text: str  # normalised


def cut_sections(document: dict[str, Any], text: str) -> tuple[list[Section], list[str]]:
    """Locate each section's anchor in order; returns the sections found and the anchors not found."""
    body = normalise(text)
    found: list[tuple[dict[str, Any], int]] = []
    missing: list[str] = []
    position = 0
    for section in document.get("sections") or []:
        anchor = normalise(section.get("anchor") or section.get("title") or "")
        index = body.find(anchor, position) if anchor else -1
        if index < 0:
            missing.append(section.get("anchor") or section.get("title") or str(section.get("id")))
            continue
        found.append((section, index))
        position = index + len(anchor)
    sections = []
    for i, (section, start) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(body)
        sections.append(
            Section(document["id"], str(section["id"]), section.get("title", ""), start, end, body[start:end])
        )
    return sections, missing


def read_source(sources_dir: Path, document: dict[str, Any]) -> str | None:
    path = Path(sources_dir) / str(document.get("file", ""))
    return path.read_text(encoding="utf-8") if path.is_file() else None
