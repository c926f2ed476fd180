"""Helpdesk review of the assistant's answers: read the conversation log, mark answers, export test cases.

- `conversations`: the answers in Rasa's SQL tracker store as `ReviewItem`s, with filters.
- `marks`: the reviewers' verdicts, in a separate SQLite file (the tracker store is only read).
- `export`: marked answers → Rasa test stories and question-set items.
- `app`: the review web page (local, behind a token).
- `cli`: `python -m bot review serve|list|export`.

Error codes: B001–B019 reading the log and the knowledge, B020–B039 marks, B040–B059 export,
B060–B079 the web page.
"""
from __future__ import annotations

from bot.errors import DraaiboekError


class ReviewError(DraaiboekError):
    """The conversation log, the marks file or an export target cannot be used."""
