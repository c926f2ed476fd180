"""Rasa's SQL tracker store, storing user messages with client personal data redacted.

The conversation log must not hold a client's rijksregisternummer, e-mail address, phone number or
birth date in the clear (`bot.privacy`). Rasa's own store is kept as it is; only the events it
is about to write are copied with the user's text redacted, so the NLU and the actions still see
the message as typed during the turn itself. Configured in `endpoints.yml`:

    tracker_store:
      type: bot.tracker_store.RedactingSQLTrackerStore
      dialect: sqlite            # or postgresql, as for Rasa's SQL store
      db: build/conversations.db
"""
from __future__ import annotations

import copy
from typing import Any, Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, UserUttered

from bot.privacy import redact


def redacted(event: Event) -> Event:
    """A copy of a user event with its text redacted; other events as they are."""
    if not isinstance(event, UserUttered) or not event.text or redact(event.text) == event.text:
        return event
    clean = copy.deepcopy(event)
    clean.text = redact(event.text)
    if isinstance(clean.parse_data, dict) and "text" in clean.parse_data:
        clean.parse_data["text"] = clean.text
    return clean


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored user messages carry no client personal data."""

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        return (redacted(event) for event in super()._additional_events(session, tracker))
