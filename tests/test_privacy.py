"""Client personal data: found in what case workers type, and never stored in the clear."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import personal_data_kinds, redact, redact_value
from bot.tracker_store import RedactingSQLTrackerStore
from tests.leaks import leaked


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


# --- every spelling, linear time, every string of an event ------------------------------------------

SPELLINGS = [
    ("IBAN BE68 5390 0754 7034 graag", ["IBAN"], "IBAN [IBAN] graag"),
    ("rekening be68539007547034", ["IBAN"], "rekening [IBAN]"),
    ("rrn 85/07/30/033/61", ["rijksregisternummer"], "rrn [rijksregisternummer]"),
    ("rrn 85 07 30  033 61", ["rijksregisternummer"], "rrn [rijksregisternummer]"),
    ("rrn 85.07.30 – 033.61", ["rijksregisternummer"], "rrn [rijksregisternummer]"),
    ("rrn 85.07.30\u2011033.61", ["rijksregisternummer"], "rrn [rijksregisternummer]"),
    ("gsm +32 (0)470 12 34 56", ["telefoon"], "gsm [telefoon]"),
    ("tel (0470) 12 34 56", ["telefoon"], "tel [telefoon]"),
    ("tel +32-470-12-34-56", ["telefoon"], "tel [telefoon]"),
    ("tel +31 6 12345678", ["telefoon"], "tel [telefoon]"),
    ("tel 0049 30 1234567", ["telefoon"], "tel [telefoon]"),
    ("ze is geboren 12 maart 1987", ["geboortedatum"], "ze is [geboortedatum]"),
    ("geboren op 1987-03-12", ["geboortedatum"], "[geboortedatum]"),
    ("geb. op 12/03/1987", ["geboortedatum"], "[geboortedatum]"),
    ("mijn klant Jan Peeters wil in GLOW", ["naam"], "mijn klant [naam] wil in GLOW"),
    # a first name that is also a language, and a language followed by a surname, are names
    ("mijn klant Frans Peeters heeft leefloon", ["naam"], "mijn klant [naam] heeft leefloon"),
    ("mijn klant Frans heeft leefloon", ["naam"], "mijn klant [naam] heeft leefloon"),
    ("klant Turks Yilmaz wil in GLOW", ["naam"], "klant [naam] wil in GLOW"),
    ("mevrouw Janssens heeft leefloon", ["naam"], "mevrouw [naam] heeft leefloon"),
    ("mijn cliënt Jan van den Broeck", ["naam"], "mijn cliënt [naam]"),
    ("ze woont in de Kerkstraat 12 bus 3, 9000 Gent", ["adres"], "ze [adres]"),
    ("woont op Dorp 5", ["adres"], "[adres]"),
    # a name after a comma or colon, in capitals, with a combining accent in the cue, beyond Latin-1
    ("mijn cliënt, Jan Peeters, wil in GLOW", ["naam"], "mijn cliënt, [naam], wil in GLOW"),
    ("mijn cliënt: Jan Peeters", ["naam"], "mijn cliënt: [naam]"),
    ("mijn klant JAN PEETERS wil in GLOW", ["naam"], "mijn klant [naam] wil in GLOW"),
    ("mijn clie\u0308nt Jan Peeters wil in GLOW", ["naam"], "mijn cliënt [naam] wil in GLOW"),
    ("mijn klant Łukasz Nowak heeft leefloon", ["naam"], "mijn klant [naam] heeft leefloon"),
    ("mijn klant Şükrü Kaya heeft leefloon", ["naam"], "mijn klant [naam] heeft leefloon"),
    ("mijn klant Özlem Yıldız heeft leefloon", ["naam"], "mijn klant [naam] heeft leefloon"),
    # a phone number glued to its cue, or with the country code but no + or 00
    ("tel.0470123456", ["telefoon"], "tel.[telefoon]"),
    ("gsm0470123456", ["telefoon"], "gsm[telefoon]"),
    ("tel.+32470123456", ["telefoon"], "tel.[telefoon]"),
    ("bel 32 470 12 34 56", ["telefoon"], "bel [telefoon]"),
    # eleven digits grouped otherwise, an IBAN with a space after the country
    ("rrn 8507 3003 361", ["rijksregisternummer"], "rrn [rijksregisternummer]"),
    ("IBAN BE 68 5390 0754 7034", ["IBAN"], "IBAN [IBAN]"),
    # an address after a dot, with a full-width @ (compatibility form), without its ending
    ("mail .jan.peeters@gmail.com", ["e-mail"], "mail [e-mail]"),
    ("mail jan.peeters\uff20gmail.com", ["e-mail"], "mail [e-mail]"),
    ("mail jan.peeters@telenet", ["e-mail"], "mail [e-mail]"),
    ("mail jan.peeters@telenet.", ["e-mail"], "mail [e-mail]."),
    ("geboren: 12/03/1987", ["geboortedatum"], "[geboortedatum]"),
    ("ze is geboren op 12 03 1987", ["geboortedatum"], "ze is [geboortedatum]"),
    ("woont in de Kerkstraat nr. 12", ["adres"], "[adres]"),
    ("ze woont Kerkstr. 12", ["adres"], "ze woont [adres]"),
]


@pytest.mark.parametrize("text, kinds, stored", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_every_spelling_of_personal_data_is_found_and_redacted(text, kinds, stored):
    assert personal_data_kinds(text) == kinds
    assert redact(text) == stored


@pytest.mark.parametrize("text", [
    "Neem contact op met de Servicelijn (0800/30.700)",  # the knowledge base's own spelling
    "servicelijn 0800/ 30 700 of 0800 30700",
    "mail anneloes.degen@vdab.be voor de combinatietrajecten",  # a contact record's address
    "kan mijn klant met leefloon in GLOW?",
    "Mijn klant heeft een leefloon, wat nu?",
    "programmawet van 18 juli 2025",
    # questions of case workers as they type them
    "kan ne leefloner van 17 in glow?",
    "fin nr bvs buiten twe?",
    "wat is art. 60 §7",
    "bvs van 30 kalenderdagen",
    "0800 30 700",
    "+32 800 30 700",  # the Servicelijn with the country code
    "sinds de regel van 1/1/23 geldt dat",  # a date, but no birth date
    "van 31/12/2024 10:00 tot 31 12 2024 12 00",
    "mijn klant GLOW, kan dat?",  # the glossary's abbreviation in capitals is no name
    "vraag van mijn klant: Wat moet ik doen?",  # a question after the colon is no name
    "moet ne klant Nederlands spreken om in GLOW te starten?",  # a language after the cue is no name
    "een Word-file per cliënt (Tielt)",  # a place in brackets after the cue, as the draaiboeken write it
    "Neem contact op met de Servicelijn (０８００ ３０ ７００)",  # full-width digits
    "/feedback@0.9",  # a button payload with a confidence
])
def test_the_knowledge_base_contacts_and_plain_questions_are_no_personal_data(text):
    assert personal_data_kinds(text) == []
    assert redact(text) == text


def test_public_numbers_come_from_the_contact_records(monkeypatch, tmp_path):
    from bot import privacy

    privacy.public_contacts.cache_clear()
    monkeypatch.setenv("DRAAIBOEK_DB", str(tmp_path / "geen.db"))  # no knowledge base: only the Servicelijn
    try:
        assert redact("mail anneloes.degen@vdab.be") == "mail [e-mail]"
        assert redact("0800 30 700") == "0800 30 700"
    finally:
        monkeypatch.undo()
        privacy.public_contacts.cache_clear()
    assert redact("mail anneloes.degen@vdab.be") == "mail anneloes.degen@vdab.be"


ADVERSARIAL = [
    "x.", "a@", "1", "1 ", "waarom ", "Aa ", "mijn klant ", "Kerkstraat ", "geboren ", "+3 ", "BE68 ", "0",
    ".a", "a\uff20", "a@b", "aa@b ", "tel.", "gsm0", "tel.+3", "32 4", "1 1", "BE 6", "85 07 ", "geboren: ",
    "12 03 ", "Kerkstr. ", "nr. 1", "mijn cliënt, ", "klant: Aa ", "AA ", "JAN ", "Łukasz ", "e\u0308", "０",
]


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_every_pattern_is_linear(unit):
    """Twice the text takes about twice the time: no pattern backtracks quadratically ("x." × 4,000 took 0.6 s)."""
    import time

    def seconds(n: int) -> float:
        text = unit * n
        best = float("inf")
        for _ in range(7):  # the best of several runs: a busy machine slows single runs, not the best one
            started = time.perf_counter()
            redact(text)
            personal_data_kinds(text)
            best = min(best, time.perf_counter() - started)
        return best

    small, large = seconds(4000), seconds(16000)
    assert large < 0.5, f"{large:.3f} s for {len(unit) * 16000} characters"
    assert large < 8 * small + 0.01, (small, large)  # quadratic would be 16×


def test_entity_values_slots_and_bot_texts_are_stored_redacted(tmp_path):
    from rasa.shared.core.events import SlotSet

    db = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    typed = "klant Jan Peeters, IBAN BE68 5390 0754 7034"
    entity = {"entity": "persoon", "value": "BE68 5390 0754 7034", "start": 24, "end": 43}
    tracker = DialogueStateTracker.from_events("case-worker-2", [
        ActionExecuted("action_listen"),
        UserUttered(typed, {"name": "glow_doelgroep", "confidence": 0.9}, [entity]),
        SlotSet("client_note", {"iban": "BE68 5390 0754 7034", "naam": "mijn klant Jan Peeters"}),
        BotUttered("Je schreef BE68 5390 0754 7034", {"buttons": [{"title": "BE68 5390 0754 7034", "payload": "/x"}]}),
    ])
    asyncio.run(store.save(tracker))
    with sqlite3.connect(db) as conn:
        dump = " ".join(r[0] for r in conn.execute("select data from events"))
    assert not leaked("7034", dump) and "Peeters" not in dump
    assert "[IBAN]" in dump and "[naam]" in dump
    assert oct(db.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("sender, usable", [
    ("case-worker", True),
    ("widget-0470123456abcdef85073003361abc", True),  # the widget's random id: its digits spell nothing
    ("meta-04701234-5678-4abc-8def-850730033612", True),
    ("default", False),  # Rasa's conversation for messages without a sender, shared by all
    (" Default ", False),
    ("85.07.30-033.61 jan.peeters@gmail.com", False),
    ("jan.peeters@gmail.com", False),
    ("gsm 0470 12 34 56", False),
    ("mijn klant Jan Peeters", False),
])
def test_a_sender_id_is_neither_the_shared_conversation_nor_personal_data(sender, usable):
    from bot.channels.guard import valid_sender

    assert (valid_sender(sender) == sender) is usable


def test_the_new_spellings_are_stored_redacted_in_every_string_of_the_event(tmp_path):
    db = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    typed = ("mijn clie\u0308nt: Łukasz Nowak, tel.0470123456, rrn 8507 3003 361, BE 68 5390 0754 7034, "
             "jan.peeters\uff20gmail.com, geboren op 12 03 1987, Kerkstr. 12")
    tracker = DialogueStateTracker.from_events("case-worker-3", [
        ActionExecuted("action_listen"),
        UserUttered(typed, {"name": "glow_doelgroep", "confidence": 0.9}),
    ])
    asyncio.run(store.save(tracker))
    with sqlite3.connect(db) as conn:
        dump = " ".join(r[0] for r in conn.execute("select data from events"))
        user = next(json.loads(r[0]) for r in conn.execute("select data from events where type_name = 'user'"))
    for value in ("Nowak", "0470123456", "3003", "0754", "gmail", "1987", "Kerkstr"):
        assert not leaked(value, dump), value
    assert user["text"] == ("mijn cliënt: [naam], tel.[telefoon], rrn [rijksregisternummer], [IBAN], [e-mail], "
                            "[geboortedatum], [adres]")
    assert user["parse_data"]["text"] == user["text"]


def test_a_rating_keeps_the_id_of_the_answer_it_rates():
    # a uuid4 hex whose digits look like a phone number: still the answer's id, so the rating finds its answer
    answer_id = "0470123456abcdef0470123456abcdef"
    assert redact(answer_id) != answer_id
    assert redact_value({"rated_answer": answer_id, "text": "bel 0470123456"}) == {
        "rated_answer": answer_id, "text": "bel [telefoon]"}


def test_a_typed_number_counts_as_leaked_in_text_but_not_inside_a_timestamp():
    # the stores' timestamps and ids are digit runs; a redaction check must not fail on the clock
    assert not leaked("1987", "0fd37be4192430f3-1796605829.619870")
    assert leaked("1987", "geboren 12 maart 1987, klant")
    assert leaked("0470", "gsm 0470 12 34 56") and not leaked("0470", "id 104701")
    assert leaked("Peeters", "Jan Peeters")
