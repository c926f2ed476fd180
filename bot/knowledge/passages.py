"""The passage index: every sentence of the source texts, with its document and section.

Records answer the questions the knowledge base was written for; the passage index reaches the
rest (one finding of the HIVA report, one term of the SERV advice). A passage answer quotes the
document word for word, so a passage keeps the document's own case and punctuation: only what
PDF extraction broke (line breaks, hyphenated words, odd quotes) is evened out.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Iterator

from bot.knowledge.sources import Section, even_out, normalise, read_source

#: A sentence ends at . ! ? before a capital, a digit or a list mark; a list item is a passage too.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9\"'(•▪●-])|\s+(?=[•▪●]\s)")
#: A word broken over a line ("her- vorming"), not an elided compound ("werkloosheids- en bijstand").
_BROKEN_WORD = re.compile(r"(?<=[a-zà-ÿ])- (?!(?:en|of|tot|als|zowel)\b)(?=[a-zà-ÿ])")
#: Shorter is a heading or a page footer, not a passage that answers anything.
MIN_WORDS = 4
#: Longer is split at semicolons and list dashes, so a quote stays readable.
MAX_WORDS = 70


#: Abbreviations after which a full stop does not end the sentence ("bv. GLOW").
_ABBREVIATIONS = frozenset(
    "bv. bijv. vb. o.a. nl. m.a.w. d.w.z. i.p.v. e.a. enz. art. nr. t.o.v. m.b.t. cf. resp. min. max. incl. "
    "excl. ca. evt. o.m. zgn. p. pag. vgl. m.i.v. t.e.m. t.o.t.".split()
)


def split_sentences(text: str) -> list[str]:
    """The sentences of a text; a full stop after an abbreviation does not end one."""
    sentences: list[str] = []
    for piece in _SENTENCE_BREAK.split(text):
        last = sentences[-1].rsplit(None, 1)[-1].casefold() if sentences else ""
        if last in _ABBREVIATIONS or last.lstrip("(") in _ABBREVIATIONS:
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def split_passages(text: str) -> list[str]:
    """Sentences (and list items) of a section's text, long ones cut at ';' or ' - '."""
    passages: list[str] = []
    for sentence in split_sentences(_BROKEN_WORD.sub("", text)):
        sentence = sentence.strip(" •▪●")
        pieces = [sentence]
        if len(sentence.split()) > MAX_WORDS:
            pieces = [p.strip() for p in re.split(r"(?<=;)\s+|\s+-\s+", sentence) if p.strip()]
        passages += [p for p in pieces if len(p.split()) >= MIN_WORDS]
    return passages


def passage_rows(
    documents: Iterable[dict[str, Any]], sections: dict[tuple[str, str], Section], sources_dir: Path
) -> Iterator[dict[str, Any]]:
    """One row per passage: document, section and its title, position in the section, and the text."""
    for document in documents:
        text = read_source(sources_dir, document)
        if text is None:
            continue
        # the sections' offsets are into the normalised text; the evened-out text has the same length
        display = even_out(text)
        if len(display) != len(normalise(text)):  # casefolding changed a length: keep the normalised text
            display = normalise(text)
        for section in sorted((s for s in sections.values() if s.document == document["id"]), key=lambda s: s.start):
            for position, passage in enumerate(split_passages(display[section.start:section.end])):
                yield {
                    "document": document["id"], "section": section.id, "section_title": section.title,
                    "position": position, "text": without_heading(without_note_number(passage), section.title),
                }


#: How the passages are cut; part of the knowledge base's fingerprint, so a change rebuilds it.
PASSAGES_VERSION = 4

#: A footnote's number before its text ("31 Het concept gemeenschapsdienst werd …"): a number before a
#: capital, where a sentence's own number is followed by a word in lower case ("24 hiervan werden …").
_NOTE_NUMBER = re.compile(r"^\d{1,3}\s+(?=[A-ZÀ-Ý])")


def without_note_number(passage: str) -> str:
    """A footnote's text without its number: a quote reads as the document's sentence."""
    return _NOTE_NUMBER.sub("", passage)


def without_heading(passage: str, title: str) -> str:
    """A section's first sentence without the heading the text runs into it ("De VDAB-bemiddelaar in
    de reguliere werking De VDAB-bemiddelaar … kan"): a quoted passage reads as a sentence."""
    body = re.sub(r"^\s*[\d.]+\s+", "", passage)
    if title and body.casefold().startswith(title.casefold() + " ") and len(body[len(title):].split()) >= MIN_WORDS:
        return body[len(title):].strip()
    return passage
