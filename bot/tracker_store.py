"""Rasa's SQL tracker store, storing every event with client personal data redacted.

The conversation log must not hold a client's rijksregisternummer, IBAN, e-mail address, phone number,
birth date, name or address in the clear (`bot.privacy`). Rasa's own store is kept as it is; only the
events it is about to write are copied with every string in them redacted — the user's text, the
parse data with its entity values, slot values, the bot's texts — so the NLU and the actions still see
the message as typed during the turn itself. A SQLite file is created readable by its owner only (0600).

Rasa wraps every tracker store in a fail-safe one that swallows a failed save; `was_stored` tells the
channels whether a user message really reached the log (they promise "je vraag is bewaard" only then).
Configured in `endpoints.yml`:

    tracker_store:
      type: bot.tracker_store.RedactingSQLTrackerStore
      dialect: sqlite            # or postgresql, as for Rasa's SQL store
      db: build/conversations.db
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered

from bot.files import private_file
from bot.privacy import redact, redact_value


#: Ids of the latest user messages this process wrote to the log (bounded: the oldest are forgotten).
_STORED: OrderedDict[str, None] = OrderedDict()
_STORED_MAX = 10_000


def was_stored(message_id: str | None) -> bool:
    """Whether the user message with this id was written to the conversation log by this process."""
    return bool(message_id) and message_id in _STORED


def _remember(message_id: str) -> None:
    _STORED[message_id] = None
    while len(_STORED) > _STORED_MAX:
        _STORED.popitem(last=False)


def redacted(event: Event) -> Event:
    """A copy of an event with every string it carries redacted; the event itself when nothing changes."""
    if isinstance(event, UserUttered):
        fields = {"text": event.text, "parse_data": event.parse_data, "metadata": getattr(event, "metadata", None)}
    elif isinstance(event, BotUttered):
        fields = {"text": event.text, "data": event.data}
    elif isinstance(event, SlotSet):
        fields = {"value": event.value}
    else:
        return event
    clean_fields = {name: redact_value(value) for name, value in fields.items()}
    if clean_fields == fields:
        return event
    clean = copy.deepcopy(event)
    for name, value in clean_fields.items():
        setattr(clean, name, value)
    if isinstance(clean, UserUttered):
        clean.parse_data = clean.parse_data or {}
        # the parse data's own copy of the text, and of the entities (UserUttered keeps both)
        if isinstance(clean.parse_data, dict) and "text" in clean.parse_data:
            clean.parse_data["text"] = clean.text
        clean.entities = redact_value(event.entities)
    return clean


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored events carry no client personal data."""

    def __init__(self, domain: Any = None, dialect: str = "sqlite", *args: Any, db: str = "rasa.db", **kwargs: Any) -> None:
        if dialect == "sqlite" and db and db != ":memory:":
            private_file(db)
        super().__init__(domain, dialect, *args, db=db, **kwargs)

    async def save(self, tracker: Any) -> None:
        await super().save(tracker)  # raises when the log cannot be written
        latest = next((e for e in reversed(tracker.events) if isinstance(e, UserUttered)), None)
        if latest is not None and latest.message_id:
            _remember(latest.message_id)

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        return (redacted(event) for event in super()._additional_events(session, tracker))


__all__ = ["RedactingSQLTrackerStore", "redacted", "redact", "was_stored"]
