"""The helpdesk review: answers from the conversation log, filters, marks, export, the review page.

The conversation log is written the way the Rasa server writes it: Rasa events (user message with
its NLU parse, the action, the bot's answer composed by bot.answers from the real knowledge base,
the slots the actions set) saved through bot.tracker_store.RedactingSQLTrackerStore into a SQLite
file. Two tests start more: one runs the real Rasa and action servers, one a headless Chromium.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner

from bot import answers, messages, settings
from bot.quality import load_question_set
from bot.review import ReviewError
from bot.review.app import COOKIE, ReviewApp, anchor, start_in_thread
from bot.review.cli import review
from bot.review.conversations import (
    Catalogue, ConversationLog, Filters, default_tracker_url, display_url, items_from_events,
)
from bot.review.export import annotate, export_id, export_marks
from bot.review.marks import MarkStore, parse_expected
from tests.axe import axe_violations
from tests.conftest import free_port
from tests.leaks import leaked

TOKEN = "test-token-3f9a1c77"
DAY1 = datetime(2025, 10, 1, 9, 0).timestamp()
DAY2 = datetime(2025, 10, 3, 14, 30).timestamp()
DAY3 = datetime(2025, 10, 6, 11, 15).timestamp()
SENDER_1 = "an.peeters@ocmw-gent.be"
RRN = "85.07.30-033.61"
SCRIPT_QUESTION = "<script>alert(1)</script> wat is een bvs?"
FEEDBACK_DOWN = '/feedback{"rating": "fout"}'


# --- a conversation log as the servers write it -------------------------------------------------


def _entities(*found: tuple[str, str, str]) -> list[dict]:
    """Entities as the entity ruler reports them, located in the text: (text, label, value)."""
    return [{"entity": label, "value": value, "start": None, "end": None, "_text": text} for text, label, value in found]


def _locate(text: str, entities: list[dict]) -> list[dict]:
    located = []
    for entity in entities:
        start = text.index(entity["_text"])
        located.append({"entity": entity["entity"], "value": entity["value"], "start": start,
                        "end": start + len(entity["_text"]), "extractor": "SpacyEntityExtractor"})
    return located


class Conversation:
    """Events of one sender, in the order Rasa and the actions produce them."""

    def __init__(self, kb, sender: str, start: float):
        from rasa.shared.core.events import ActionExecuted, SessionStarted

        self.kb, self.sender, self.t = kb, sender, start
        self.events = [ActionExecuted("action_session_start", timestamp=self._tick()),
                       SessionStarted(timestamp=self._tick()), ActionExecuted("action_listen", timestamp=self._tick())]

    def _tick(self, seconds: float = 0.01) -> float:
        self.t += seconds
        return self.t

    def user(self, text: str, intent: str, confidence: float, entities=(), ranking=None) -> dict:
        from rasa.shared.core.events import UserUttered

        located = _locate(text, list(entities))
        ranking = ranking or [{"name": intent, "confidence": confidence}]
        self.events.append(UserUttered(
            text, intent={"name": intent, "confidence": confidence}, entities=located,
            parse_data={"intent_ranking": ranking}, timestamp=self._tick(20), input_channel="rest",
            message_id=uuid.uuid4().hex,
        ))
        return {"text": text, "entities": located, "ranking": ranking}

    def answer(self, action: str, answer: answers.Answer, *, personal_data: str | None = None, sources=None) -> None:
        """What actions/actions.py returns: the answer, its records, whether it declined."""
        from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet

        self.events.append(ActionExecuted(action, policy="RulePolicy", confidence=1.0, timestamp=self._tick()))
        if personal_data:
            self.events.append(BotUttered(messages.M021_PERSONAL_DATA.format(kinds=personal_data), timestamp=self._tick()))
        buttons = answer.buttons or (answers.feedback_buttons() if answer.substantive else [])
        self.events.append(BotUttered(answer.full_text, data={"buttons": buttons or None}, timestamp=self._tick()))
        self.events += [SlotSet("answer_records", answer.record_ids, timestamp=self._tick()),
                        SlotSet("answer_declined", answer.declined, timestamp=self._tick())]
        if sources is not None:
            self.events.append(SlotSet("answer_sources", sources, timestamp=self._tick()))
        self.events.append(ActionExecuted("action_listen", timestamp=self._tick()))

    def ask(self, text: str, intent: str, confidence: float, entities=(), *, ranking=None, sources=None) -> None:
        parsed = self.user(text, intent, confidence, entities, ranking)
        concepts = answers.concepts_from_entities(self.kb, parsed["entities"])
        if intent == "combinatie_check":
            action, answer = "action_check_combination", answers.answer_combination(self.kb, concepts, parsed["ranking"], text)
        elif intent in ("out_of_scope", "nlu_fallback"):
            action, answer = "action_no_answer", answers.no_answer(self.kb, concepts, text)
        else:
            action, answer = "action_answer", answers.answer_question(self.kb, intent, concepts, text)
        from bot import privacy

        kinds = privacy.personal_data_kinds(text)
        self.answer(action, answer, personal_data=", ".join(kinds) if kinds else None, sources=sources)

    def feedback(self, rating: str) -> None:
        from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet

        self.user(f'/feedback{{"rating": "{rating}"}}', "feedback", 1.0)
        records = next(e.value for e in reversed(self.events) if isinstance(e, SlotSet) and e.key == "answer_records")
        self.events += [
            ActionExecuted("action_store_feedback", policy="RulePolicy", confidence=1.0, timestamp=self._tick()),
            BotUttered(messages.M019_FEEDBACK_THANKS_DOWN if rating == "fout" else messages.M018_FEEDBACK_THANKS,
                       timestamp=self._tick()),
            SlotSet("feedback", {"rating": rating, "records": records}, timestamp=self._tick()),
            ActionExecuted("action_listen", timestamp=self._tick()),
        ]

    def new_session(self) -> None:
        """A new session carries the slots over: Rasa sets them again, no question was asked."""
        from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

        last = {e.key: e.value for e in self.events if isinstance(e, SlotSet)}
        self.events += [ActionExecuted("action_session_start", timestamp=self._tick(3600)), SessionStarted(timestamp=self._tick())]
        self.events += [SlotSet(k, v, timestamp=self._tick()) for k, v in last.items()]
        self.events.append(ActionExecuted("action_listen", timestamp=self._tick()))


def write_log(path: Path, conversations: list[Conversation]) -> str:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.slots import AnySlot
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import RedactingSQLTrackerStore

    domain = Domain.load(str(settings.PROJECT_DIR / "domain.yml"))
    slots = list(domain.slots)
    if "answer_sources" not in {s.name for s in slots}:
        slots.append(AnySlot("answer_sources", mappings=[{"type": "custom"}], influence_conversation=False))
    store = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    for conversation in conversations:
        tracker = DialogueStateTracker.from_events(conversation.sender, conversation.events, slots=slots)
        asyncio.run(store.save(tracker))
    store.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def tracker(tmp_path_factory, kb) -> tuple[str, Path]:
    """A conversation log of three case workers on three days (URL, file)."""
    one = Conversation(kb, SENDER_1, DAY1)
    one.ask("fin nr bvs buiten twe?", "bvs_financieringsnummer", 0.93,
            _entities(("bvs", "instrument", "bvs"), ("buiten twe", "context", "buiten-twe")))
    one.feedback("fout")
    one.ask("welke combinaties zijn er verboden als de klant op vakantie gaat", "out_of_scope", 0.88,
            _entities(("combinaties", "traject", "combinatietraject")))
    one.user("/combinaties_uitgesloten", "combinaties_uitgesloten", 1.0)  # a topic button under the decline
    one.answer("action_answer", answers.answer_question(kb, "combinaties_uitgesloten", {}, "/combinaties_uitgesloten"))
    one.new_session()

    two = Conversation(kb, "medewerker-2", DAY2)
    two.ask(f"mijn cliënt {RRN} heeft leefloon, kan die in glow?", "glow_doelgroep", 0.41,
            _entities(("glow", "traject", "glow")),
            ranking=[{"name": "glow_doelgroep", "confidence": 0.41}, {"name": "glow_klantprofiel", "confidence": 0.33}])
    two.ask(SCRIPT_QUESTION, "bvs_wat", 0.95, _entities(("bvs", "instrument", "bvs")))
    two.ask("qsdkfj qlskdjf", "nlu_fallback", 0.45, ranking=[
        {"name": "nlu_fallback", "confidence": 0.45}, {"name": "combinatietraject_keuze", "confidence": 0.21},
        {"name": "stage_nood", "confidence": 0.12},
    ])

    three = Conversation(kb, "medewerker-3", DAY3)
    three.ask("mag een losse werkervaringsstage als combinatietraject?", "combinatie_check", 0.97,
              _entities(("losse werkervaringsstage", "instrument", "wes-los"), ("combinatietraject", "traject", "combinatietraject")),
              sources=[{"record": "lp-wes-los", "document": "lp", "version": "6", "section": "3.3"}])

    path = tmp_path_factory.mktemp("review") / "conversations.db"
    return write_log(path, [one, two, three]), path


@pytest.fixture(scope="module")
def catalogue(kb_path) -> Catalogue:
    return Catalogue(kb_path)


@pytest.fixture(scope="module")
def log(tracker, catalogue) -> ConversationLog:
    conversation_log = ConversationLog(tracker[0], catalogue)
    yield conversation_log
    conversation_log.close()


def by_question(items, start: str):
    return next(i for i in items if i.question.startswith(start))


def questions(items) -> list[str]:
    return [i.question for i in items]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- reading the log ---------------------------------------------------------------------------


def test_review_one_item_per_question_with_answer_records_and_feedback(log):
    items = log.items()
    assert questions(items) == [
        "fin nr bvs buiten twe?", "welke combinaties zijn er verboden als de klant op vakantie gaat", "Welke combinaties kunnen niet?",
        "mijn cliënt [rijksregisternummer] heeft leefloon, kan die in glow?", SCRIPT_QUESTION, "qsdkfj qlskdjf",
        "mag een losse werkervaringsstage als combinatietraject?",
    ], "a feedback click and the slots carried over into a new session are no questions"
    bvs = items[0]
    assert (bvs.turn, bvs.intent, bvs.confidence, bvs.action) == (1, "bvs_financieringsnummer", 0.93, "action_answer")
    assert "C03S350" in bvs.answer and bvs.answer.splitlines()[-1].startswith("Bron: Draaiboek Lokale Partnerschappen")
    assert bvs.records == ["lp-bvs-financieringsnummer"]
    assert [(s.document, s.version, s.section, s.record) for s in bvs.sources] == [("lp", "6", "3.4.1", "lp-bvs-financieringsnummer")]
    assert bvs.feedback == "fout" and not bvs.declined
    assert items[1].feedback is None, "the 👎 rates the answer before it, not the next one"
    button = items[2]
    assert button.button and button.turn == 3 and button.previous_question == "welke combinaties zijn er verboden als de klant op vakantie gaat"


def test_review_keys_are_stable_and_do_not_show_the_sender(log, tracker, catalogue):
    again = ConversationLog(tracker[0], catalogue)
    assert [i.key for i in again.items()] == [i.key for i in log.items()]
    again.close()
    item = log.items()[0]
    assert SENDER_1 not in item.key and SENDER_1 not in item.sender and len(item.sender) == 8


def test_review_decline_fallback_and_personal_data(log):
    items = log.items()
    recipe = by_question(items, "welke combinaties zijn er verboden")
    assert recipe.out_of_scope and recipe.declined and recipe.action == "action_no_answer"
    assert messages.NO_ANSWER_MARKER in recipe.answer
    fallback = by_question(items, "qsdkfj")
    assert fallback.fallback and fallback.declined
    assert (fallback.best_intent, fallback.confidence) == ("combinatietraject_keuze", 0.21), \
        "a fallback shows the confidence of the intent it fell back from"
    glow = by_question(items, "mijn cliënt")
    assert RRN not in glow.question and "[rijksregisternummer]" in glow.question
    assert glow.answer.startswith("Let op: je bericht lijkt persoonsgegevens")
    assert glow.documents == ["glow"] and [s.section for s in glow.sources] == ["1.3", "1.4.2", "1.6.3", "1.6.2", "1.1"]


def test_review_answer_sources_slot_is_used_when_present(log, catalogue):
    combination = by_question(log.items(), "mag een losse")
    assert [(s.record, s.section) for s in combination.sources] == [("lp-wes-los", "3.3")]
    [passage] = catalogue.passages(combination)
    assert passage.from_citation and "Werkervaringsstage als losstaande stage" in passage.text
    assert (passage.document_title, passage.section_title) == ("Draaiboek Lokale Partnerschappen", "Welke combinaties kunnen niet?")


def test_review_answer_from_an_earlier_document_version_is_shown_as_such(catalogue):
    user = {"event": "user", "timestamp": DAY1, "text": "fin nr bvs buiten twe?",
            "parse_data": {"intent": {"name": "bvs_financieringsnummer", "confidence": 0.9}, "entities": []}}
    slot = {"event": "slot", "name": "answer_sources", "value": [
        {"record": "lp-bvs-financieringsnummer", "document": "lp", "version": "5", "section": "3.4.1"}]}
    rows = [(1, "s", "user", DAY1, None, json.dumps(user)), (2, "s", "action", DAY1, "action_answer", None),
            (3, "s", "slot", DAY1, "answer_sources", json.dumps(slot))]
    [item] = items_from_events(rows, catalogue)
    [passage] = catalogue.passages(item)
    assert passage.outdated and passage.current_version == "6" and "C03S350" in passage.text


def test_review_passage_is_the_cited_text_of_the_source_document(log, catalogue):
    [passage] = catalogue.passages(log.items()[0])
    assert passage.document_title == "Draaiboek Lokale Partnerschappen" and passage.source.section == "3.4.1"
    assert passage.from_citation and "C03S350 - OCMW - registratie BVS" in passage.text
    assert passage.section_title


def test_review_filters(log, catalogue):
    def shown(**criteria) -> list[str]:
        return questions(log.items(Filters(**criteria)))

    assert shown(max_confidence=0.5) == ["mijn cliënt [rijksregisternummer] heeft leefloon, kan die in glow?", "qsdkfj qlskdjf"]
    assert shown(fallback=True) == ["welke combinaties zijn er verboden als de klant op vakantie gaat", "qsdkfj qlskdjf"]
    assert shown(thumbs_down=True) == ["fin nr bvs buiten twe?"]
    assert shown(topic="bvs_wat") == [SCRIPT_QUESTION]
    assert shown(topic="combinatietraject_keuze") == ["qsdkfj qlskdjf"], "a fallback counts for the intent behind it"
    assert shown(document="glow") == ["mijn cliënt [rijksregisternummer] heeft leefloon, kan die in glow?"]
    # a decline cites the contacts of the documents it names (combinaties: the LP's), an off-topic one none
    assert "welke combinaties zijn er verboden als de klant op vakantie gaat" in shown(document="lp")
    assert "qsdkfj qlskdjf" not in shown(document="lp") + shown(document="glow")
    assert shown(date_from=date(2025, 10, 3), date_to=date(2025, 10, 3)) == [
        "mijn cliënt [rijksregisternummer] heeft leefloon, kan die in glow?", SCRIPT_QUESTION, "qsdkfj qlskdjf"]
    assert shown(date_from=date(2025, 10, 4)) == ["mag een losse werkervaringsstage als combinatietraject?"]
    assert shown(thumbs_down=True, document="glow") == []


def test_review_log_location_from_setting_or_endpoints(tmp_path, monkeypatch):
    monkeypatch.delenv("DRAAIBOEK_TRACKER_URL", raising=False)
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump({"tracker_store": {
        "type": "bot.tracker_store.RedactingSQLTrackerStore", "dialect": "sqlite", "db": "build/conversations.db"}}))
    assert default_tracker_url(tmp_path) == f"sqlite:///{tmp_path / 'build' / 'conversations.db'}", \
        "a relative SQLite file is in the project folder, where the Rasa server runs"
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump({"tracker_store": {
        "type": "bot.tracker_store.RedactingSQLTrackerStore", "dialect": "postgresql", "url": "db.intern",
        "port": 5432, "db": "rasa", "username": "rasa", "password": "${REVIEW_TEST_PASSWORD}"}}), encoding="utf-8")
    monkeypatch.setenv("REVIEW_TEST_PASSWORD", "geheim")
    url = default_tracker_url(tmp_path)
    assert url == "postgresql://rasa:geheim@db.intern:5432/rasa"
    assert "geheim" not in display_url(url)
    monkeypatch.setenv("DRAAIBOEK_TRACKER_URL", "sqlite:////elders/log.db")
    assert default_tracker_url(tmp_path) == "sqlite:////elders/log.db"


def test_review_missing_log_is_named():
    with pytest.raises(ReviewError, match=r"B002.*gesprekslog niet gevonden"):
        ConversationLog("sqlite:////nergens/conversations.db")


def test_review_reads_10k_events_quickly(tmp_path, catalogue):
    import time

    import sqlalchemy as sa

    path = tmp_path / "big.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as c:
        c.execute(sa.text("create table events (id integer primary key, sender_id varchar(255), type_name varchar(255), "
                          "timestamp float, intent_name varchar(255), action_name varchar(255), data text)"))
        rows = []
        for n in range(2000):
            t = DAY1 + n
            user = {"event": "user", "timestamp": t, "text": f"vraag {n}", "parse_data": {
                "intent": {"name": "bvs_wat", "confidence": 0.8}, "entities": [], "intent_ranking": []}}
            bot = {"event": "bot", "text": "Een BVS …\nBron: Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025), §3.4.1"}
            slot = {"event": "slot", "name": "answer_records", "value": ["lp-bvs-wat"]}
            sender = f"s{n % 300}"
            rows += [(sender, "user", t, None, json.dumps(user)), (sender, "action", t, "action_answer", "{}"),
                     (sender, "bot", t, None, json.dumps(bot)), (sender, "slot", t, "answer_records", json.dumps(slot)),
                     (sender, "action", t, "action_listen", "{}")]
        c.execute(sa.text("insert into events (sender_id, type_name, timestamp, action_name, data) values (:s, :t, :ts, :a, :d)"),
                  [dict(s=s, t=ty, ts=ts, a=a, d=d) for s, ty, ts, a, d in rows])
    engine.dispose()
    started = time.monotonic()
    items = ConversationLog(f"sqlite:///{path}", catalogue).items(Filters(document="lp"))
    assert len(items) == 2000 and time.monotonic() - started < 3


# --- marks and export ---------------------------------------------------------------------------


def test_review_marks_are_stored_apart_and_replace_each_other(log, tracker, tmp_path):
    before = digest(tracker[1])
    store = MarkStore(tmp_path / "review.db")
    item = log.items()[0]
    store.save(item, "wrong", comment="eerste indruk", corrected_intent="bvs_wat", reviewer="Sam")
    store.save(item, "right", comment="toch juist", expected=parse_expected("C03S350\nbuiten TWE | buiten TWE-OCMW"),
               reviewer="Lien")
    [mark] = store.all()
    assert (mark.verdict, mark.comment, mark.question) == ("right", "toch juist", "fin nr bvs buiten twe?")
    assert mark.expected == ["C03S350", ["buiten TWE", "buiten TWE-OCMW"]]
    assert MarkStore(tmp_path / "review.db").get(item.key).verdict == "right"
    history = MarkStore(tmp_path / "review.db").history(item.key)
    assert [(m.verdict, m.reviewer, m.corrected_intent) for m in history] == [
        ("right", "Lien", None), ("wrong", "Sam", "bvs_wat")], "every mark is kept, newest first"
    assert all(m.marked_at for m in history)
    with pytest.raises(ReviewError, match="B021"):
        store.save(item, "misschien")
    with pytest.raises(ReviewError, match="B022"):
        store.save(item, "wrong", corrected_intent="bestaat_niet", known_intents={"bvs_wat"})
    with pytest.raises(ReviewError, match=r"B024.*juiste onderwerp of de verwachte zinnen"):
        store.save(item, "wrong", comment="zomaar fout")
    assert len(store.history(item.key)) == 2 and store.get(item.key).verdict == "right", "a refused mark changes nothing"
    assert digest(tracker[1]) == before, "the review never writes the conversation log"


def legacy_wrong_mark(store: MarkStore, item, comment: str) -> None:
    """A "fout" without topic or phrases, as marks were stored before the page required one of them."""
    import sqlite3

    store.save(item, "right", comment=comment)
    with sqlite3.connect(store.path) as db:
        db.execute("update marks set verdict = 'wrong', expected = '[]' where key = ?", [item.key])
    db.close()


@pytest.fixture
def marked(log, tmp_path) -> MarkStore:
    items = log.items()
    store = MarkStore(tmp_path / "review.db")
    store.save(items[0], "right", expected=["C03S350"], reviewer="Sam")  # fin nr bvs
    store.save(items[1], "right")  # the recipe, rightly declined
    store.save(by_question(items, "mijn cliënt"), "wrong", comment="klantprofiel bedoeld",
               corrected_intent="glow_klantprofiel", expected=[["realistische joboriëntatie", "joboriëntatie"]])
    store.save(by_question(items, "qsdkfj"), "wrong", comment="onzin, moet weigeren", corrected_intent="out_of_scope")
    legacy_wrong_mark(store, by_question(items, SCRIPT_QUESTION), comment="vraag is vreemd")  # no correction
    store.save(by_question(items, "mag een losse"), "right")  # right but no expected phrases
    return store


def test_review_export_writes_loadable_stories_and_questions(marked, log, catalogue, tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    stories, qs = tmp_path / "out" / "stories.yml", tmp_path / "out" / "questions.yml"
    report = export_marks(marked.all(), stories_path=stories, questions_path=qs, catalogue=catalogue)

    steps = YAMLStoryReader(Domain.load(str(settings.PROJECT_DIR / "domain.yml"))).read_from_file(stories)
    assert len(steps) == 5 == len(report.stories)
    data = yaml.safe_load(stories.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    by_id = {s["story"].split(" ")[0]: s["steps"] for s in data["stories"]}
    items = log.items()
    key = lambda start: export_id(marked.get(by_question(items, start).key))  # noqa: E731
    assert by_id[key("fin nr")] == [
        {"user": 'fin nr [bvs]{"entity": "instrument", "value": "bvs"} '
                 '[buiten twe]{"entity": "context", "value": "buiten-twe"}?\n', "intent": "bvs_financieringsnummer"},
        {"action": "action_answer"}]
    assert by_id[key("mijn cliënt")] == [
        {"user": 'mijn cliënt [rijksregisternummer] heeft leefloon, kan die in [glow]{"entity": "traject", "value": "glow"}?\n',
         "intent": "glow_klantprofiel"}, {"action": "action_answer"}], "wrong: the corrected intent and its rule's action"
    assert by_id[key("qsdkfj")][0]["intent"] == "out_of_scope" and by_id[key("qsdkfj")][1] == {"action": "action_no_answer"}
    assert by_id[key("mag een losse")][1] == {"action": "action_check_combination"}
    assert [s.id for s in report.skipped_stories] == [key(SCRIPT_QUESTION)]
    assert "juiste onderwerp" in report.skipped_stories[0].reason

    loaded = {q.id: q for q in load_question_set(qs)}
    assert set(loaded) == {key("fin nr"), key("welke combinaties zijn er"), key("mijn cliënt"), key("qsdkfj")}
    fin = loaded[key("fin nr")]
    assert (fin.kind, fin.document, fin.section, fin.expect, fin.text) == ("fact", "lp", "3.4.1", ("C03S350",), "fin nr bvs buiten twe?")
    recipe = loaded[key("welke combinaties zijn er")]
    assert (recipe.kind, recipe.declined, recipe.section) == ("out_of_scope", True, None)
    glow = loaded[key("mijn cliënt")]
    assert (glow.kind, glow.document, glow.expect) == ("eligibility", "glow", (["realistische joboriëntatie", "joboriëntatie"],))
    assert loaded[key("qsdkfj")].declined
    skipped = {s.id: s.reason for s in report.skipped_questions}
    assert "verwachte zinnen ontbreken" in skipped[key("mag een losse")]
    assert "vul ze aan" in skipped[key(SCRIPT_QUESTION)]
    assert "teststory" in report.format() and "Niet als vraag (2)" in report.format()


def test_review_export_again_replaces_its_items_and_keeps_others(marked, log, catalogue, tmp_path):
    stories, qs = tmp_path / "stories.yml", tmp_path / "questions.yml"
    qs.write_text(yaml.safe_dump({"questions": [
        {"id": "eigen-1", "kind": "fact", "question": "wat is een bvs?", "expect": ["beroepsverkennende stage"]}]}),
        encoding="utf-8")
    export_marks(marked.all(), stories_path=stories, questions_path=qs, catalogue=catalogue)
    first = (stories.read_text(encoding="utf-8"), qs.read_text(encoding="utf-8"))
    export_marks(marked.all(), stories_path=stories, questions_path=qs, catalogue=catalogue)
    assert (stories.read_text(encoding="utf-8"), qs.read_text(encoding="utf-8")) == first, "exporting twice changes nothing"

    item = log.items()[0]
    marked.save(item, "right", expected=["C03S350", "registratie BVS"])
    legacy_wrong_mark(marked, by_question(log.items(), "welke combinaties zijn er"), comment="had moeten antwoorden")
    export_marks(marked.all(), stories_path=stories, questions_path=qs, catalogue=catalogue)
    loaded = {q.id: q for q in load_question_set(qs)}
    assert loaded[export_id(marked.get(item.key))].expect == ("C03S350", "registratie BVS")
    assert export_id(marked.get(by_question(log.items(), "welke combinaties zijn er").key)) not in loaded, \
        "an item whose mark can no longer be exported is removed"
    assert "eigen-1" in loaded and list(loaded)[0] == "eigen-1"
    names = [s["story"] for s in yaml.safe_load(stories.read_text(encoding="utf-8"))["stories"]]
    assert len(names) == 4 and all(name.startswith("review-") for name in names)


def test_review_annotation_finds_entities_again_in_a_redacted_message(catalogue):
    # the entity offsets are those of the text before redaction (longer than the label)
    text = "mijn cliënt [rijksregisternummer] wil een bvs buiten twe"
    entities = [{"entity": "instrument", "value": "bvs", "start": 44, "end": 47},
                {"entity": "context", "value": "buiten-twe", "start": 48, "end": 58}]
    assert annotate(text, entities, catalogue) == (
        'mijn cliënt [rijksregisternummer] wil een [bvs]{"entity": "instrument", "value": "bvs"} '
        '[buiten twe]{"entity": "context", "value": "buiten-twe"}')


def test_review_cli_list_and_export(tracker, marked, tmp_path, kb_path):
    runner = CliRunner()
    result = runner.invoke(review, ["list", "--tracker", tracker[0], "--db", str(kb_path), "--thumbs-down"])
    assert result.exit_code == 0, result.output
    assert "fin nr bvs buiten twe?" in result.output and "vakantie" not in result.output
    assert "1 van 1 antwoord(en)" in result.output

    result = runner.invoke(review, ["list", "--tracker", tracker[0], "--db", str(kb_path), "--from", "2025-10-06"])
    assert "mag een losse werkervaringsstage" in result.output and "1 van 1" in result.output

    out = tmp_path / "cli"
    result = runner.invoke(review, ["export", "--marks", str(marked.path), "--db", str(kb_path),
                                    "--stories", str(out / "stories.yml"), "--questions", str(out / "questions.yml")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"5 teststory/teststories naar {out / 'stories.yml'}\n4 vraag/vragen naar")
    assert len(load_question_set(out / "questions.yml")) == 4

    result = runner.invoke(review, ["list", "--tracker", "sqlite:////nergens/x.db", "--db", str(kb_path)])
    assert result.exit_code == 1 and "Error: [B002]" in result.output


# --- the review page over HTTP ------------------------------------------------------------------


@pytest.fixture
def page_server(log, catalogue, tmp_path):
    """The review page on a free port (URL, marks, export folder)."""
    marks = MarkStore(tmp_path / "review.db")
    app = ReviewApp(log, marks, catalogue, token=TOKEN, stories_path=tmp_path / "export" / "stories.yml",
                    questions_path=tmp_path / "export" / "questions.yml")
    _, url, stop = start_in_thread(app)
    yield url, marks, tmp_path / "export"
    stop()


def login(url: str, token: str = TOKEN, client: type[requests.Session] = requests.Session) -> requests.Session:
    session = client()
    form = session.get(f"{url}/login").text
    response = session.post(f"{url}/login", data={"token": token, "naam": "Sam", "csrf": csrf(form)}, allow_redirects=False)
    assert response.status_code == 303, response.text
    return session


def csrf(html_text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html_text).group(1)


def test_review_page_needs_the_token(page_server):
    url, marks, _ = page_server
    response = requests.get(f"{url}/")
    assert response.status_code == 401 and "Reviewtoken" in response.text and "fin nr bvs" not in response.text
    assert requests.post(f"{url}/beoordeel", data={"key": "x", "oordeel": "right"}).status_code == 401
    assert requests.get(f"{url}/", cookies={COOKIE: "verzonnen"}).status_code == 401

    browser = requests.Session()
    wrong = browser.post(f"{url}/login", data={"token": "fout-token", "csrf": csrf(browser.get(f"{url}/").text)},
                         allow_redirects=False)
    assert wrong.status_code == 401 and "Onjuist token" in wrong.text and COOKIE + "=" not in wrong.headers["Set-Cookie"]
    forged = requests.post(f"{url}/login", data={"token": TOKEN, "csrf": "geraden"}, allow_redirects=False)
    assert forged.status_code == 403, "a login form posted from elsewhere lacks the login cookie"

    right = browser.post(f"{url}/login", data={"token": TOKEN, "csrf": csrf(wrong.text)}, allow_redirects=False)
    cookie = right.headers["Set-Cookie"]
    assert right.status_code == 303 and cookie.startswith(COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    session = login(url)
    page = session.get(f"{url}/")
    assert page.status_code == 200 and "fin nr bvs buiten twe?" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert SENDER_1 not in page.text, "the page shows a code for the conversation, not the sender"
    assert marks.all() == []


def test_review_page_posts_need_the_csrf_token_and_same_origin(page_server, log):
    url, marks, _ = page_server
    session = login(url)
    key = log.items()[0].key
    token = csrf(session.get(f"{url}/").text)
    assert session.post(f"{url}/beoordeel", data={"key": key, "oordeel": "wrong"}).status_code == 403
    assert session.post(f"{url}/beoordeel", data={"key": key, "oordeel": "wrong", "csrf": "nee"}).status_code == 403
    foreign = session.post(f"{url}/beoordeel", data={"key": key, "oordeel": "wrong", "csrf": token},
                           headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and marks.all() == []

    done = session.post(f"{url}/beoordeel", allow_redirects=False, data={
        "key": key, "oordeel": "wrong", "csrf": token, "opmerking": "te kort", "onderwerp": "",
        "verwacht": "C03S350", "terug": "duim=1&evil=\r\nSet-Cookie: x"})
    assert done.status_code == 303 and done.headers["Location"].startswith("/?duim=1&evil=")
    assert "\n" not in done.headers["Location"]
    [mark] = marks.all()
    assert (mark.verdict, mark.comment, mark.reviewer, mark.expected) == ("wrong", "te kort", "Sam", ["C03S350"])


def test_review_page_escapes_what_it_shows(page_server):
    url, _, _ = page_server
    page = login(url).get(f"{url}/", params={"onderwerp": "bvs_wat"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt; wat is een bvs?" in page.text
    assert "<script>" not in page.text


def test_review_page_filters_and_refuses_bad_input(page_server):
    url, _, _ = page_server
    session = login(url)
    low = session.get(f"{url}/", params={"laag": "1", "max": "0.5"}).text
    assert "2 antwoord(en)" in low and "qsdkfj" in low and "fin nr bvs" not in low
    bad = session.get(f"{url}/", params={"van": "gisteren", "max": "veel"}).text
    assert "Ongeldige datum" in bad and "7 antwoord(en)" in bad
    unknown = session.post(f"{url}/beoordeel", data={"key": "bestaat-niet", "oordeel": "right", "csrf": csrf(bad)})
    assert unknown.status_code == 400 and "staat niet (meer) in het gesprekslog" in unknown.text


def test_review_serve_prints_a_generated_token_and_stops_on_ctrl_c(tracker, kb_path, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DRAAIBOEK_REVIEW_TOKEN"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.review.cli import review; review(prog_name='review')", "serve", "--port", str(port),
         "--tracker", tracker[0], "--db", str(kb_path), "--marks", str(tmp_path / "review.db")],
        cwd=settings.PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0].startswith(f"Reviewpagina: http://127.0.0.1:{port}/"), lines
        token = lines[1].rsplit(": ", 1)[1].strip()
        assert lines[1].startswith("Reviewtoken (nieuw bij elke start") and len(token) >= 20
        page = login(f"http://127.0.0.1:{port}", token).get(f"http://127.0.0.1:{port}/").text
        assert "fin nr bvs buiten twe?" in page
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0 and "Gestopt." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_review_page_starts_next_to_the_assistant(tracker, kb_path, tmp_path, monkeypatch):
    from bot.review.app import start_review_server

    monkeypatch.setenv("DRAAIBOEK_REVIEW_TOKEN", TOKEN)
    monkeypatch.setenv("DRAAIBOEK_TRACKER_URL", tracker[0])
    monkeypatch.setenv("DRAAIBOEK_DB", str(kb_path))
    running = start_review_server(free_port(), marks_path=tmp_path / "review.db")
    try:
        assert (running.token, running.token_generated) == (TOKEN, False)
        assert "qsdkfj qlskdjf" in login(running.url).get(f"{running.url}/").text
    finally:
        running.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{running.url}/", timeout=2)


# --- end to end: headless Chromium, and the real servers ---------------------------------------


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def logged_in_browser(url: str, name: str = "Sam"):
    """A page in headless Chromium, logged in to the review page at `url` with the administrator token."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="nl-BE")
            assert page.goto(f"{url}/").status == 401
            page.get_by_label("Reviewtoken").fill(TOKEN)
            page.get_by_label("Je naam").fill(name)
            page.get_by_role("button", name="Aanmelden").click()
            yield page
        finally:
            browser.close()


@pytest.mark.e2e
def test_review_in_the_browser_mark_and_export(page_server, log):
    from playwright.sync_api import expect

    url, marks, export_dir = page_server
    with logged_in_browser(url) as page:
        expect(page.get_by_role("heading", name="Beoordeling van antwoorden")).to_be_visible()

        page.get_by_label("👎 duim omlaag gekregen").check()
        page.get_by_role("button", name="Toon").click()
        articles = page.locator("article")
        expect(articles).to_have_count(1)
        article = articles.first
        question, answer, passage = (article.locator("section").nth(i) for i in range(3))
        expect(question).to_contain_text("fin nr bvs buiten twe?")
        expect(answer).to_contain_text("C03S350")
        expect(passage).to_contain_text("Draaiboek Lokale Partnerschappen")
        expect(passage).to_contain_text("C03S350 - OCMW - registratie BVS")
        boxes = [s.bounding_box() for s in (question, answer, passage)]
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"] and abs(boxes[0]["y"] - boxes[2]["y"]) < 2, \
            "question, answer and passage side by side"

        article.get_by_role("radio", name="fout").check()
        article.get_by_label("Opmerking").fill("Klopt voor buiten TWE, maar zegt niet waar de handleiding staat.")
        article.get_by_label("Juist onderwerp").fill("bvs_financieringsnummer")
        article.get_by_label("Verwachte zinnen").fill("C03S350\nRichtlijn | registratiehandleiding")
        article.get_by_role("button", name="Bewaar beoordeling").click()
        expect(page.locator("article")).to_have_count(1)
        expect(page.get_by_label("👎 duim omlaag gekregen")).to_be_checked()
        expect(page.locator("article").first).to_contain_text("beoordeeld: fout")

        page.get_by_label("Onderwerp", exact=True).select_option("bvs_wat")
        page.get_by_label("👎 duim omlaag gekregen").uncheck()
        page.get_by_role("button", name="Toon").click()
        expect(page.locator("article").first.locator("section").first).to_contain_text(SCRIPT_QUESTION)

        page.get_by_role("button", name="Exporteer beoordeelde antwoorden").click()
        expect(page.locator("#rapport")).to_contain_text("1 teststory/teststories")

    [mark] = marks.all()
    assert (mark.verdict, mark.reviewer, mark.corrected_intent) == ("wrong", "Sam", "bvs_financieringsnummer")
    [question] = load_question_set(export_dir / "questions.yml")
    assert question.text == "fin nr bvs buiten twe?" and question.expect == ("C03S350", ["Richtlijn", "registratiehandleiding"])
    story = yaml.safe_load((export_dir / "stories.yml").read_text(encoding="utf-8"))["stories"][0]
    assert story["steps"][0]["intent"] == "bvs_financieringsnummer" and story["steps"][1] == {"action": "action_answer"}


@pytest.mark.e2e
def test_review_in_the_browser_search_long_message_and_conversation(busy_server):
    """Search, paging above the list, a long pasted message collapsed and opened, the conversation one click away."""
    from playwright.sync_api import expect

    url, _, _ = busy_server
    screenshot = settings.PROJECT_DIR / "results" / "review" / "review.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with logged_in_browser(url) as page:
        top = page.get_by_role("navigation", name="Pagina's (boven)")
        expect(top).to_contain_text("pagina 1 van 3")
        assert top.bounding_box()["y"] < page.locator("article").first.bounding_box()["y"], "paging above the list"
        top.get_by_role("link", name="Volgende ›").click()
        expect(page.locator("#aantal")).to_contain_text("pagina 2 van 3")

        page.get_by_label("Aantal").select_option("25")
        page.get_by_label("Zoek in vraag en antwoord").fill("blabla")
        page.get_by_role("button", name="Toon").click()
        expect(page.locator("article")).to_have_count(1)
        article = page.locator("article").first
        question = article.locator("section").first
        expect(question.get_by_text("EINDE")).to_be_hidden()
        assert question.bounding_box()["height"] < 400, "a long message does not fill the screen"
        page.screenshot(path=str(screenshot))
        question.get_by_text("toon alles").click()
        expect(question.get_by_text("EINDE")).to_be_visible()
        assert axe_violations(page) == []  # the list, searched, with a long message opened

        article.get_by_role("link", name="Hele gesprek (3 vragen)").click()
        expect(page.get_by_role("heading", name=re.compile(r"Gesprek [0-9a-f]{8}: 3 vragen"))).to_be_visible()
        expect(page.locator("article")).to_have_count(3)
        expect(page.locator("article").nth(2)).to_contain_text("fin nr bvs buiten twe?")
        assert "#i-" in page.url, "the conversation opens at the answer it came from"
        assert axe_violations(page) == []
        page.goto(f"{url}/pagina-die-niet-bestaat")
        assert axe_violations(page) == []
    with logged_in_browser(url) as page:
        assert axe_violations(page) == []  # the first page after login
    assert 10_000 < screenshot.stat().st_size < 400_000


@pytest.mark.e2e
def test_review_lists_questions_asked_to_the_real_servers(trained_model, tmp_path, catalogue):
    from bot.runner import start_servers

    db = tmp_path / "conversations.db"
    servers = start_servers(rasa_port=free_port(), actions_port=free_port(), tracker_db=db, log_dir=tmp_path)
    try:
        sender = f"e2e-review-{uuid.uuid4()}"

        def say(text: str) -> list[dict]:
            response = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                                     json={"sender": sender, "message": text}, timeout=30)
            response.raise_for_status()
            return response.json()

        reply = say("fin nr bvs buiten twe?")
        assert "C03S350" in reply[0]["text"]
        say(FEEDBACK_DOWN)
        assert messages.NO_ANSWER_MARKER in say("wat is het beste recept voor stoofvlees")[0]["text"]
    finally:
        servers.stop()

    log = ConversationLog(f"sqlite:///{db}", catalogue)
    items = log.items()
    assert questions(items) == ["fin nr bvs buiten twe?", "wat is het beste recept voor stoofvlees"]
    assert items[0].records == ["lp-bvs-financieringsnummer"] and items[0].feedback == "fout"
    assert any(s.section == "3.4.1" for s in items[0].sources) and items[1].declined

    app = ReviewApp(log, MarkStore(tmp_path / "review.db"), catalogue, token=TOKEN)
    _, url, stop = start_in_thread(app)
    try:
        page = login(url).get(f"{url}/", params={"duim": "1"}).text
        assert "fin nr bvs buiten twe?" in page and "stoofvlees" not in page and "C03S350" in page
    finally:
        stop()
        log.close()


# --- hardening: request sizes, idle connections, login attempts, origin, client data ---------------


def _raw(url: str, request: bytes, *, timeout: float = 10) -> bytes:
    """Send raw bytes to the review server and read its answer (bounded in time)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as connection:
        connection.sendall(request)
        received = b""
        while len(received) < 1_000_000:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


@pytest.mark.parametrize("length", [b"-1", b"abc", b"1e3", b" "], ids=["negative", "text", "float", "blank"])
def test_review_page_refuses_a_bad_content_length(page_server, length):
    url, _, _ = page_server
    answer = _raw(url, b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert messages.M066_BAD_LENGTH.split(":")[0].encode() in answer


def test_review_page_refuses_a_body_over_the_limit_without_reading_it(page_server):
    import time

    from bot.review.app import MAX_BODY

    url, _, _ = page_server
    started = time.monotonic()
    answer = _raw(url, b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
    assert b" 413 " in answer.split(b"\r\n")[0] and time.monotonic() - started < 2
    assert MAX_BODY <= 64 * 1024


def test_review_page_closes_an_idle_connection(page_server, monkeypatch):
    import socket
    import time
    from urllib.parse import urlsplit

    from bot.review import app as review_app

    url, _, _ = page_server
    parts = urlsplit(url)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=review_app.IDLE_SECONDS + 10) as connection:
        connection.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")  # and then nothing
        received = b""
        while chunk := connection.recv(65536):  # until the server closes the connection
            received += chunk
    assert review_app.IDLE_SECONDS - 1 <= time.monotonic() - started <= review_app.IDLE_SECONDS + 5
    assert received == b"" or received.split(b"\r\n")[0] in (b"HTTP/1.1 408 Request Timeout", b"HTTP/1.1 503 Service Unavailable"), \
        received[:80]
    assert b"Set-Cookie: draaiboek_review=" not in received, "the half request logged nobody in"


def test_review_page_limits_failed_logins_per_client_not_per_connection(page_server):
    from bot.review.app import LOGIN_FAILURES

    url, _, _ = page_server
    for attempt in range(LOGIN_FAILURES):
        browser = requests.Session()  # a new connection and a new login cookie each time
        form = browser.get(f"{url}/login").text
        assert browser.post(f"{url}/login", data={"token": f"fout-{attempt}", "csrf": csrf(form)}).status_code == 401
    browser = requests.Session()
    form = browser.get(f"{url}/login").text
    blocked = browser.post(f"{url}/login", data={"token": TOKEN, "csrf": csrf(form)}, allow_redirects=False)
    assert blocked.status_code == 429 and "Te veel mislukte aanmeldpogingen" in blocked.text, "even the right token waits"


def test_review_page_checks_the_origin_against_the_base_url(log, catalogue, tmp_path, monkeypatch):
    monkeypatch.setenv("DRAAIBOEK_REVIEW_BASE_URL", "https://review.intranet.example")
    app = ReviewApp(log, MarkStore(tmp_path / "review.db"), catalogue, token=TOKEN)
    _, url, stop = start_in_thread(app)
    try:
        session = login(url, client=_BehindTLS)  # no Origin header: a script, not a browser form
        key, token = log.items()[0].key, csrf(session.get(f"{url}/").text)
        form = {"key": key, "oordeel": "right", "csrf": token}
        for origin in (url, "http://evil.example", "null"):  # the proxy's users come from https://review.intranet
            assert session.post(f"{url}/beoordeel", data=form, headers={"Origin": origin}).status_code == 403
        ok = session.post(f"{url}/beoordeel", data=form, headers={"Origin": "https://review.intranet.example"},
                          allow_redirects=False)
        assert ok.status_code == 303
    finally:
        stop()


def test_review_marks_and_export_hold_no_client_data(tmp_path, kb, catalogue):
    """A log written before a pattern existed (raw text) still reaches review.db and the export redacted."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    typed = "mijn klant Jan Peeters, IBAN BE68 5390 0754 7034, geboren 12 maart 1987: glow?"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "old.db"))  # not redacting
    tracker = DialogueStateTracker.from_events("old-log", [
        ActionExecuted("action_listen"),
        UserUttered(typed, {"name": "glow_doelgroep", "confidence": 0.9},
                    [{"entity": "x", "value": "BE68 5390 0754 7034", "start": 30, "end": 49}]),
        ActionExecuted("action_answer"), BotUttered("GLOW is er voor …"), ActionExecuted("action_listen"),
    ])
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    old_log = ConversationLog(f"sqlite:///{tmp_path / 'old.db'}", catalogue)
    [item] = old_log.items()
    marks = MarkStore(tmp_path / "review.db")
    marks.save(item, "wrong", comment="klant Jan Peeters belt op 0470 12 34 56", expected=["BE68 5390 0754 7034"])
    export_marks(marks.all(), stories_path=tmp_path / "s.yml", questions_path=tmp_path / "q.yml", catalogue=catalogue)
    stored = (tmp_path / "review.db").read_bytes().decode("utf-8", "replace")
    written = [path for path in (tmp_path / "s.yml", tmp_path / "q.yml") if path.is_file()]
    assert written
    exported = "".join(path.read_text() for path in written)
    for value in ("Peeters", "7034", "1987", "0470"):
        assert not leaked(value, stored) and not leaked(value, exported), value
    assert oct((tmp_path / "review.db").stat().st_mode & 0o777) == "0o600"
    old_log.close()


def test_review_a_rating_goes_to_the_answer_it_names(tmp_path, kb, catalogue):
    """👎 under the first of two answers: the first gets it, not the latest (the 👎 filter stays right)."""
    conversation = Conversation(kb, "rater", 1_700_000_000.0)
    conversation.ask("fin nr bvs buiten twe?", "bvs_financieringsnummer", 0.9)
    first_id = next(e for e in reversed(conversation.events) if getattr(e, "message_id", None)).message_id
    conversation.ask("wat is een glow traject", "glow_wat", 0.9)
    conversation.feedback("fout")
    from rasa.shared.core.events import UserUttered

    rating = next(e for e in reversed(conversation.events) if isinstance(e, UserUttered))
    rating.metadata = {"rated_answer": first_id}
    url = write_log(tmp_path / "rated.db", [conversation])
    rated_log = ConversationLog(url, catalogue)
    first, second = rated_log.items()
    assert (first.feedback, second.feedback) == ("fout", None)
    rated_log.close()


# --- reading the log incrementally, a large log ---------------------------------------------------


def _relevant_events(path: Path, after: int = 0) -> int:
    """Events after id `after` of the kinds the review reads."""
    import sqlite3

    with sqlite3.connect(path) as db:
        count = db.execute("select count(*) from events where id > ? and type_name in "
                           "('user', 'bot', 'action', 'slot', 'session_started')", [after]).fetchone()[0]
    db.close()
    return count


def _max_id(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        value = db.execute("select max(id) from events").fetchone()[0]
    db.close()
    return value


def test_review_log_is_read_incrementally(tmp_path, kb, kb_path, catalogue):
    """A second read asks only for the events written since the first; a conversation goes on where it stopped."""
    from bot.review.bench import generate_log

    path = tmp_path / "conversations.db"
    generate_log(path, 300, db_path=kb_path)
    log = ConversationLog(f"sqlite:///{path}", catalogue)
    assert len(log.items()) == 300 and log.rows_read == _relevant_events(path)
    first_read = log.rows_read
    log.items()
    log.item(log.items()[0].key)
    assert log.rows_read == first_read, "nothing new: nothing read"

    # one case worker asks on (a sender already read), and rates an answer read in the first batch
    last = log.items()[-1]
    earlier = _max_id(path)
    going_on = Conversation(kb, last.sender_id, last.timestamp + 600)
    going_on.events = going_on.events[3:]  # the same session: no new session start
    going_on.ask("wat is een glow traject", "glow_wat", 0.9)
    going_on.feedback("fout")
    from rasa.shared.core.events import UserUttered

    rating = next(e for e in reversed(going_on.events) if isinstance(e, UserUttered))
    rating.metadata = {"rated_answer": last.message_id}
    _append(path, going_on)
    generate_log(path, 20, seed=99, start=last.timestamp + 7200, db_path=kb_path, sender_prefix="nieuw")
    new_events = _relevant_events(path, earlier)

    items = log.items()
    assert log.rows_read - first_read == new_events, "only the new events are read"
    assert len(items) == 321
    asked_on = log.item(next(i.key for i in items if i.question == "wat is een glow traject"))
    assert asked_on.sender_id == last.sender_id and asked_on.turn == last.turn + 1
    assert asked_on.previous_question == last.question and "GLOW" in asked_on.answer
    assert last.feedback == "fout" and log.item(last.key).feedback == "fout", "a rating in a later batch reaches its answer"
    assert [i.key for i in log.conversation(last.conversation)][-2:] == [last.key, asked_on.key]

    fresh = ConversationLog(f"sqlite:///{path}", catalogue)
    assert [(i.key, i.answer, i.feedback, i.turn) for i in fresh.items()] == [(i.key, i.answer, i.feedback, i.turn) for i in items], \
        "read in two batches or at once: the same answers"
    fresh.close()
    log.close()


def _append(path: Path, conversation: Conversation, first_id: int | None = None) -> None:
    """Append a conversation's events the way Rasa's tracker store does (new rows after the existing ones;
    from `first_id` on: ids a concurrent writer had taken before)."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.executemany(
            "insert into events (id, sender_id, type_name, timestamp, intent_name, action_name, data) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [(first_id + n if first_id else None, conversation.sender, (d := event.as_dict())["event"], d["timestamp"],
              (d.get("parse_data") or {}).get("intent", {}).get("name"),
              d.get("name") if d["event"] in ("action", "slot") else None, json.dumps(d))
             for n, event in enumerate(conversation.events)])
    db.close()


def test_review_log_with_concurrent_writers_reads_a_late_commit_once(tmp_path, kb, kb_path, catalogue):
    """With concurrent writers an event can be committed after one with a higher id: it is read, once."""
    from bot.review.bench import generate_log

    path = tmp_path / "conversations.db"
    generate_log(path, 30, db_path=kb_path)
    log = ConversationLog(f"sqlite:///{path}", catalogue)
    log.overlap = 100  # as for PostgreSQL
    assert len(log.items()) == 30
    gap = _max_id(path) + 1
    later = Conversation(kb, "schrijver-2", 1_800_000_100.0)
    later.ask("wat is een glow traject", "glow_wat", 0.9)
    _append(path, later, first_id=gap + 20)  # committed first, with the higher ids
    assert len(log.items()) == 31
    slow = Conversation(kb, "schrijver-1", 1_800_000_000.0)
    slow.ask("fin nr bvs buiten twe?", "bvs_financieringsnummer", 0.9)
    assert len(slow.events) < 20
    _append(path, slow, first_id=gap)  # its transaction took the lower ids, and commits now
    _append(path, Conversation(kb, "schrijver-3", 1_800_000_200.0))  # and the log goes on
    read = log.rows_read
    items = log.items()
    assert [i.question for i in items[-2:]] == ["fin nr bvs buiten twe?", "wat is een glow traject"]
    assert len(items) == 32 and len({i.key for i in items}) == 32, "each answer once"
    assert log.rows_read - read == _relevant_events(path, gap - 1) - _relevant_events(path, gap + 19) + 3
    log.close()


def test_review_log_read_again_when_it_was_replaced(tmp_path, kb_path, catalogue):
    from bot.review.bench import generate_log

    path = tmp_path / "conversations.db"
    generate_log(path, 40, db_path=kb_path)
    log = ConversationLog(f"sqlite:///{path}", catalogue)
    assert len(log.items()) == 40
    path.unlink()
    generate_log(path, 25, seed=3, db_path=kb_path)
    assert len(log.items()) == 25, "a cleaned-up or new log is read from the start"
    log.close()


# --- the page: search, paging, long messages, conversations, reviewers, history, download -------------


@pytest.fixture(scope="module")
def busy_log(tmp_path_factory, kb, kb_path, catalogue):
    """120 generated answers and one conversation with a 1,500-character pasted message (URL, file)."""
    from bot.review.bench import generate_log

    path = tmp_path_factory.mktemp("busy") / "conversations.db"
    pasted = Conversation(kb, "plakker", 1_700_000_000.0)
    pasted.ask("wat is een bvs?", "bvs_wat", 0.9)
    pasted.ask("JUNK " + "blabla " * 214 + "EINDE", "nlu_fallback", 0.3)
    pasted.ask("fin nr bvs buiten twe?", "bvs_financieringsnummer", 0.93)
    write_log(path, [pasted])
    generate_log(path, 120, start=1_760_000_000.0, db_path=kb_path)
    return f"sqlite:///{path}", path


@pytest.fixture
def busy_server(busy_log, catalogue, tmp_path):
    log = ConversationLog(busy_log[0], catalogue)
    marks = MarkStore(tmp_path / "review.db")
    app = ReviewApp(log, marks, catalogue, token=TOKEN, stories_path=tmp_path / "export" / "stories.yml",
                    questions_path=tmp_path / "export" / "questions.yml")
    _, url, stop = start_in_thread(app)
    yield url, marks, log
    stop()
    log.close()


def articles(page: str) -> list[str]:
    return re.findall(r"<article .*?</article>", page, re.DOTALL)


def test_review_page_search_paging_and_page_size(busy_server):
    url, _, log = busy_server
    session = login(url)
    first = session.get(f"{url}/").text
    assert "123 antwoord(en), pagina 1 van 3" in first and len(articles(first)) == 50
    navs = re.findall(r'<nav class="pages" aria-label="([^"]+)">(.*?)</nav>', first, re.DOTALL)
    assert [label for label, _ in navs] == ["Pagina's (boven)", "Pagina's (onder)"], "paging above and below the list"
    assert first.index("Pagina's (boven)") < first.index("<article") and first.rindex("</article>") < first.index("Pagina's (onder)")
    assert "pagina=3" in navs[0][1] and "Laatste" in navs[0][1]

    newest = [i.key for i in reversed(log.items())]
    last = session.get(f"{url}/", params={"pagina": "3"}).text
    assert len(articles(last)) == 23 and "pagina 3 van 3" in last
    assert anchor(newest[-1]) in last and anchor(newest[0]) not in last

    big = session.get(f"{url}/", params={"per": "100"}).text
    assert len(articles(big)) == 100 and "pagina 1 van 2" in big and '<option value="100" selected>' in big
    odd = session.get(f"{url}/", params={"per": "100000"}).text
    assert len(articles(odd)) == 50, "only the offered page sizes"

    def matching(*words: str) -> int:
        return sum(all(w in f"{i.question}\n{i.answer}".casefold() for w in words) for i in log.items())

    found = session.get(f"{url}/", params={"zoek": "FIN nr  BVS buiten"}).text  # every word, in any case
    assert "fin nr bvs buiten twe?" in found
    assert f"<p id=\"aantal\">{matching('fin', 'nr', 'bvs', 'buiten')} antwoord(en)" in found and matching("fin", "nr") < 123
    in_answers = session.get(f"{url}/", params={"zoek": "Verschillend"}).text  # only in the answer's text
    assert "fin nr bvs buiten twe?" in in_answers
    assert f"<p id=\"aantal\">{matching('verschillend')} antwoord(en)" in in_answers
    one = session.get(f"{url}/", params={"zoek": "wat is een bvs"}).text
    assert articles(one) and all("wat is een bvs" in a.casefold() or "bvs" in a.casefold() for a in articles(one))
    none = session.get(f"{url}/", params={"zoek": "<script>nergens</script>"}).text
    assert "0 antwoord(en)" in none and "&lt;script&gt;nergens&lt;/script&gt;" in none and "<script>" not in none


def test_review_page_collapses_a_long_message_and_shows_the_conversation(busy_server):
    url, _, log = busy_server
    session = login(url)
    page = session.get(f"{url}/", params={"zoek": "blabla"}).text
    [article] = articles(page)
    assert article.count("EINDE") == 1, "the end of a long message only behind 'toon alles'"
    assert re.search(r"<details><summary>toon alles \(1\d{3} tekens\)</summary><p class=\"text\">JUNK", article)
    preview = re.search(r'<p class="text preview">(.*?)</p>', article).group(1)
    assert len(preview) < 300

    junk = next(i for i in log.items() if i.question.startswith("JUNK"))
    link = f"/gesprek/{junk.conversation}#{anchor(junk.key)}"
    assert f'href="{link}"' in article and "Hele gesprek (3 vragen)" in article
    conversation = session.get(f"{url}{link.split('#')[0]}")
    assert conversation.status_code == 200
    assert [q in conversation.text for q in ("wat is een bvs?", "fin nr bvs buiten twe?")] == [True, True]
    assert conversation.text.index("wat is een bvs?") < conversation.text.index("JUNK") < conversation.text.index("fin nr bvs")
    assert "plakker" not in conversation.text, "the sender id is not shown"
    assert session.get(f"{url}/gesprek/{'0' * 16}").status_code == 404
    assert session.get(f"{url}/gesprek/..%2f..%2fetc").status_code == 404
    assert requests.get(f"{url}{link.split('#')[0]}").status_code == 401, "only logged in"


def test_review_reviewers_log_in_with_their_own_token(busy_server, tmp_path):
    url, marks, log = busy_server
    runner = CliRunner()
    result = runner.invoke(review, ["add-reviewer", "An Peeters", "--marks", str(marks.path)])
    assert result.exit_code == 0, result.output
    token = result.output.strip().rsplit(": ", 1)[1]
    assert len(token) >= 30 and token not in marks.path.read_bytes().decode("utf-8", "replace"), "stored hashed"
    assert "An Peeters" in runner.invoke(review, ["reviewers", "--marks", str(marks.path)]).output

    an = requests.Session()
    form = an.get(f"{url}/login").text
    done = an.post(f"{url}/login", data={"token": token, "naam": "Iemand Anders", "csrf": csrf(form)}, allow_redirects=False)
    assert done.status_code == 303
    page = an.get(f"{url}/").text
    assert "aangemeld als An Peeters" in page
    item = log.items()[-1]
    an.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "right", "csrf": csrf(page)})
    assert marks.get(item.key).reviewer == "An Peeters", "the token names the reviewer, not the form"

    admin = login(url)  # the administrator token, with a name
    admin.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "wrong", "onderwerp": "bvs_wat",
                                         "csrf": csrf(admin.get(f"{url}/").text)})
    page = admin.get(f"{url}/", params={"zoek": item.question[:40]}).text
    assert "Beoordeeld als fout door Sam" in page and "Geschiedenis (2 beoordelingen)" in page
    history = re.search(r'<details class="history">.*?</details>', page, re.DOTALL).group(0)
    assert history.index("Sam: fout") < history.index("An Peeters: juist"), "newest first"

    assert runner.invoke(review, ["remove-reviewer", "An Peeters", "--marks", str(marks.path)]).exit_code == 0
    again = requests.Session()
    form = again.get(f"{url}/login").text
    assert again.post(f"{url}/login", data={"token": token, "csrf": csrf(form)}).status_code == 401
    assert runner.invoke(review, ["remove-reviewer", "Niemand", "--marks", str(marks.path)]).exit_code == 1


def _reviewer_login(url: str, token: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{url}/login").text
    assert browser.post(f"{url}/login", data={"token": token, "csrf": csrf(form)}, allow_redirects=False).status_code == 303
    return browser


def test_review_a_removed_or_replaced_token_ends_its_open_sessions(busy_server):
    """`remove-reviewer` run as its own process ends the reviewer's open sessions at their next request (GET
    and POST), and no mark is saved under the name; `add-reviewer` again (a new token) ends the old token's."""
    import subprocess
    import sys

    url, marks, log = busy_server

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", "review", *args, "--marks", str(marks.path)],
                              cwd=settings.PROJECT_DIR, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    victim_token = cli("add-reviewer", "Victim").strip().rsplit(": ", 1)[1]
    other_token = cli("add-reviewer", "Ander").strip().rsplit(": ", 1)[1]
    first, second = _reviewer_login(url, victim_token), _reviewer_login(url, victim_token)
    other, admin = _reviewer_login(url, other_token), login(url)
    page = first.get(f"{url}/")
    assert page.status_code == 200 and "aangemeld als Victim" in page.text
    token_second = csrf(second.get(f"{url}/").text)
    old_cookie = first.cookies.get(COOKIE)
    item = log.items()[-2]

    cli("remove-reviewer", "Victim")
    refused = second.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "right", "csrf": token_second},
                          allow_redirects=False)
    assert refused.status_code == 401 and messages.M071_SESSION_ENDED in refused.text
    assert marks.get(item.key) is None and not marks.history(item.key), "nothing saved after the removal"
    gone = first.get(f"{url}/", allow_redirects=False)
    assert gone.status_code == 401 and messages.M071_SESSION_ENDED in gone.text and "Reviewtoken" in gone.text
    assert f"{COOKIE}=;" in gone.headers["Set-Cookie"] and "Max-Age=0" in gone.headers["Set-Cookie"]
    again = requests.get(f"{url}/", cookies={COOKIE: old_cookie}, allow_redirects=False)
    assert again.status_code == 401 and "fin nr bvs" not in again.text, "the old cookie opens nothing any more"
    assert requests.post(f"{url}/beoordeel", cookies={COOKIE: old_cookie},
                         data={"key": item.key, "oordeel": "right", "csrf": token_second}).status_code == 401
    assert marks.get(item.key) is None

    # the other reviewer and the administrator are not affected
    assert other.get(f"{url}/").status_code == 200 and admin.get(f"{url}/").status_code == 200

    # a new token for the same name: the session of the old one ends, the new one works
    new_token = cli("add-reviewer", "Ander").strip().rsplit(": ", 1)[1]
    token_other = csrf(admin.get(f"{url}/").text)
    ended = other.get(f"{url}/")
    assert ended.status_code == 401 and messages.M071_SESSION_ENDED in ended.text
    renewed = _reviewer_login(url, new_token)
    page = renewed.get(f"{url}/")
    assert page.status_code == 200 and "aangemeld als Ander" in page.text
    saved = renewed.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "right", "csrf": csrf(page.text)},
                         allow_redirects=False)
    assert saved.status_code == 303 and marks.get(item.key).reviewer == "Ander"
    assert admin.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "right", "csrf": token_other},
                      allow_redirects=False).status_code == 303


class _BehindTLS(requests.Session):
    """A client that stands in for the TLS proxy, which hands the browser's (Secure) cookies on over http."""

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


@pytest.mark.parametrize("base_url, secure", [("https://review.intranet.example", True),
                                              ("http://127.0.0.1:7450", False), (None, False)])
def test_review_cookies_are_secure_behind_tls_only(log, catalogue, tmp_path, monkeypatch, base_url, secure):
    if base_url:
        monkeypatch.setenv("DRAAIBOEK_REVIEW_BASE_URL", base_url)
    else:
        monkeypatch.delenv("DRAAIBOEK_REVIEW_BASE_URL", raising=False)
    app = ReviewApp(log, MarkStore(tmp_path / "review.db"), catalogue, token=TOKEN)
    _, url, stop = start_in_thread(app)
    try:
        browser = _BehindTLS()
        form = browser.get(f"{url}/login")
        done = browser.post(f"{url}/login", data={"token": TOKEN, "naam": "Sam", "csrf": csrf(form.text)},
                            allow_redirects=False)
        assert done.status_code == 303
        page = browser.get(f"{url}/")
        assert page.status_code == 200 and "aangemeld als Sam" in page.text
        origin = {"Origin": base_url} if base_url else {}
        out = browser.post(f"{url}/logout", data={"csrf": csrf(page.text)}, headers=origin, allow_redirects=False)
        assert out.status_code == 303
        for response in (form, done, out):
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            assert ("; Secure" in cookie) is secure, cookie
    finally:
        stop()


def test_review_page_refuses_a_wrong_mark_without_topic_or_phrases(busy_server):
    url, marks, log = busy_server
    session = login(url)
    item = log.items()[0]
    token = csrf(session.get(f"{url}/").text)
    refused = session.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "wrong", "csrf": token,
                                                     "opmerking": "klopt niet <b>echt</b>"})
    assert refused.status_code == 400 and "juiste onderwerp of de verwachte zinnen" in refused.text
    assert marks.get(item.key) is None
    [form] = articles(refused.text)
    assert '>klopt niet &lt;b&gt;echt&lt;/b&gt;</textarea>' in form, "what was typed is still there, escaped"
    assert 'value="wrong" checked' in form and '<datalist id="onderwerpen">' in refused.text
    unknown = session.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "wrong", "onderwerp": "verzonnen", "csrf": token})
    assert unknown.status_code == 400 and "onbekend onderwerp" in unknown.text and marks.get(item.key) is None
    saved = session.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "wrong", "verwacht": "C03S350", "csrf": token},
                         allow_redirects=False)
    assert saved.status_code == 303 and marks.get(item.key).expected == ["C03S350"]


def test_review_export_is_also_a_download(busy_server, tmp_path):
    import io
    import zipfile

    url, marks, log = busy_server
    session = login(url)
    token = csrf(session.get(f"{url}/").text)
    for item in log.items()[-3:]:
        session.post(f"{url}/beoordeel", data={"key": item.key, "oordeel": "right", "verwacht": "Bron", "csrf": token})
    download = session.get(f"{url}/export.zip")
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    assert re.fullmatch(r'attachment; filename="beoordelingen-\d{8}-\d{4}\.zip"', download.headers["Content-Disposition"])
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert sorted(archive.namelist()) == ["questions.yml", "rapport.txt", "stories.yml"]
    (tmp_path / "dl").mkdir()
    archive.extractall(tmp_path / "dl")
    assert len(load_question_set(tmp_path / "dl" / "questions.yml")) == 3
    assert not (tmp_path / "export").exists(), "the download writes nothing on the server"
    assert requests.get(f"{url}/export.zip").status_code == 401

    report = session.post(f"{url}/export", data={"csrf": token})
    assert report.status_code == 200 and 'href="/export.zip"' in report.text
    assert len(load_question_set(tmp_path / "export" / "questions.yml")) == 3, "and the export into the test files"


def test_review_bench_command_times_the_pages_over_http():
    """`review bench` on a small log: every page answers, and after new answers only the new events are read."""
    result = CliRunner().invoke(review, ["bench", "--answers", "200", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    assert "gesprekslog: 200 antwoorden" in result.output and ", 200 antwoorden)" in result.output
    for label in ("eerste pagina", "zoeken (vraag en antwoord)", "filter: onderwerp + 👎", "late pagina (4 van 4)", "een gesprek"):
        assert re.search(rf"^{re.escape(label)}\s+\d+\s+\d+\s+\d+$", result.output, re.MULTILINE), label
    read, written = re.search(r"\((\d+) van (\d+) nieuwe events gelezen\)", result.output).groups()
    assert read == written and int(written) > 100
