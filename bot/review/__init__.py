"""Helpdesk review of the assistant's answers: read the conversation log, mark answers, export test cases.

- `conversations`: the answers in Rasa's SQL tracker store as `ReviewItem`s, with filters.
- `marks`: the reviewers' verdicts with their history, and the reviewers' tokens (hashed), in a separate
  SQLite file (the tracker store is only read).
- `export`: marked answers → Rasa test stories and question-set items.
- `app`: the review web page (Sanic, local, behind a token per reviewer).
- `bench`: a large generated log in Rasa's format, and the page's response times on it.
- `cli`: `python -m bot review serve|list|export|add-reviewer|remove-reviewer|reviewers|bench`.

Error codes: B001–B019 reading the log and the knowledge, B020–B039 marks, B040–B059 export,
B060–B079 the web page.
"""
from __future__ import annotations

from bot.errors import DraaiboekError


class ReviewError(DraaiboekError):
    """The conversation log, the marks file or an export target cannot be used."""
