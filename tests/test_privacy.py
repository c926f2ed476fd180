"""Client personal data: found in what case workers type, and never stored in the clear."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import personal_data_kinds, redact
from bot.tracker_store import RedactingSQLTrackerStore


@pytest.mark.parametrize(
    "text, kinds, stored",
    [
        ("mijn cliënt 85.07.30-033.61 wil in glow", ["rijksregisternummer"], "mijn cliënt [rijksregisternummer] wil in glow"),
        ("rrn 85073003361, leefloon", ["rijksregisternummer"], "rrn [rijksregisternummer], leefloon"),
        ("mail hem op jan.peeters@telenet.be", ["e-mail"], "mail hem op [e-mail]"),
        ("zijn gsm is 0470 12 34 56", ["telefoon"], "zijn gsm is [telefoon]"),
        ("bel +32 9 123 45 67", ["telefoon"], "bel [telefoon]"),
        ("An Peeters, geboren op 12/03/1987, heeft leefloon", ["geboortedatum"], "An Peeters, [geboortedatum], heeft leefloon"),
    ],
)
def test_personal_data_is_found_and_redacted(text, kinds, stored):
    assert personal_data_kinds(text) == kinds
    assert redact(text) == stored


@pytest.mark.parametrize(
    "text",
    [
        "klant moet de servicelijn bellen op 0800 30 700",  # the draaiboeken's own number
        "fin nr C03S350 voor een bvs buiten twe",
        "art60§7 en het regeerakkoord 2024-2029",
        "de programmawet van 18/07/2025",  # a date that is not a birth date
        "bvs van maximaal 30 kalenderdagen, fase 1 maximum 5",
    ],
)
def test_the_draaiboeken_own_numbers_and_dates_are_no_personal_data(text):
    assert personal_data_kinds(text) == []
    assert redact(text) == text


def test_the_conversation_log_stores_user_messages_redacted(tmp_path):
    db = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    typed = "klant 85.07.30-033.61, mail jan@telenet.be: kan die in glow?"
    tracker = DialogueStateTracker.from_events("case-worker", [
        ActionExecuted("action_listen"),
        UserUttered(typed, {"name": "glow_doelgroep", "confidence": 0.9}),
        BotUttered("GLOW is er voor …"),
    ])
    asyncio.run(store.save(tracker))
    with sqlite3.connect(db) as conn:
        rows = [json.loads(r[0]) for r in conn.execute("select data from events where sender_id = 'case-worker'")]
    dump = json.dumps(rows)
    assert "85.07.30-033.61" not in dump and "jan@telenet.be" not in dump
    user = next(r for r in rows if r["event"] == "user")
    assert user["text"] == "klant [rijksregisternummer], mail [e-mail]: kan die in glow?"
    assert user["parse_data"]["text"] == user["text"] and user["parse_data"]["intent"]["name"] == "glow_doelgroep"
    # the turn itself was answered from what was typed
    assert tracker.latest_message.text == typed
