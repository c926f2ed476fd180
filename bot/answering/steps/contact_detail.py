"""Step 2c, contact detail: "wa is het nummer van de servicelijn?" — a contact's number or address as the
knowledge base records it, whatever the NLU made of the question."""
from __future__ import annotations

import re
from functools import lru_cache

from bot import answers
from bot.answering.question import content_words
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase, Record

#: How a question asks for a contact's detail, per channel of the contact.
_ASKS = {
    "telefoon": re.compile(r"\b(nummer|nr|telefoon\w*|tel|bellen|bel|gsm|opbellen)\b"),
    "e-mail": re.compile(r"\b(e-?mail\w*|mailadres\w*|mailen|mail)\b"),
}


def contact_detail(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """The one contact the question names (by the words of its name that no document's title has:
    "Servicelijn", "Contactpersoon") and asks the number or address of, with its source."""
    folded = turn.text.casefold()
    named = [
        contact for contact in kb.all("contacts")
        if not contact.get("history") and contact.get("value") and contact.get("channel") in _ASKS
        and _ASKS[contact["channel"]].search(folded) and _names(kb, contact, turn)
    ]
    if len(named) != 1:
        return None
    contact = named[0]
    citations = answers.current_citations(kb, contact["sources"])
    return Answer(
        text=answers.contact_lines([contact])[0].removeprefix("- "),
        source_line=answers.source_line(kb, citations),
        # the cited passage, so the conversation log and the review show where the number comes from
        passage=citations[0] if citations else None,
    )


def _names(kb: KnowledgeBase, contact: Record, turn: Turn) -> bool:
    """Whether the question names the contact: every word of its name that no document's title has,
    whole ("contactformulier" is not the "Contactpersoon")."""
    own = _naming_words(kb, contact["name"])
    return bool(own) and own <= turn.asked.words


@lru_cache(maxsize=64)
def _naming_words(kb: KnowledgeBase, name: str) -> frozenset[str]:
    """The words of a contact's name that say which contact it is: not the words of the documents'
    titles ("VDAB", "Lokale Partnerschappen"), which name many."""
    titles = frozenset().union(*(content_words(d.get("title") or "") for d in kb.all("documents")))
    return content_words(name) - titles
