"""Custom actions with rasa_sdk's CollectingDispatcher and Tracker, on a knowledge.db built for the test."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa.shared.core.domain import Domain

from bot import settings
from bot.messages import NO_ANSWER_MARKER


@pytest.fixture(scope="session")
def domain():
    return Domain.load(settings.PROJECT_DIR / "domain.yml").as_dict()


@pytest.fixture
def dispatcher():
    return CollectingDispatcher()


def tracker(text: str, intent: str, *entities: tuple[str, str], confidence: float = 0.95) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent` with (label, value) entities."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": label, "value": value} for label, value in entities],
    }
    return Tracker("test-user", {}, latest, [], False, None, {}, "action_listen")


def run(action, dispatcher, tracker, domain):
    events = action.run(dispatcher, tracker, domain)
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0], events


def test_action_answer_financing_number_outside_twe(actions, dispatcher, domain):
    message, events = run(
        actions.ActionAnswer(), dispatcher,
        tracker("fin nr bvs buiten twe?", "bvs_financieringsnummer", ("instrument", "bvs"), ("context", "buiten TWE")), domain,
    )
    assert "C03S350" in message["text"]
    assert message["text"].rstrip().endswith(
        "Bron: Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025), §3.4.1 Heeft de klant nood aan een stage?"
    )
    assert SlotSet("answer_records", ["lp-bvs-financieringsnummer"]) in events
    sources = next(e["value"] for e in events if e["name"] == "answer_sources")
    assert {"record": "lp-bvs-financieringsnummer", "document": "lp", "version": "6", "section": "3.4.1"} in sources


def test_action_answer_financing_number_inside_twe_declines(actions, dispatcher, domain):
    message, _ = run(
        actions.ActionAnswer(), dispatcher,
        tracker("welk fin nr voor bvs binnen TWE", "bvs_financieringsnummer", ("instrument", "bvs"), ("context", "binnen-twe")), domain,
    )
    assert "C03S350" not in message["text"]
    assert NO_ANSWER_MARKER in message["text"]
    assert "coaches Klantendossier" in message["text"]


def test_action_answer_variant_for_client_not_registered(actions, dispatcher, domain):
    message, _ = run(
        actions.ActionAnswer(), dispatcher,
        tracker("hoe start ik een combinatietraject als mijn klant nog niet ingeschreven is bij VDAB?",
                "combinatietraject_opstarten", ("traject", "combinatietraject"), ("status", "nog niet ingeschreven")),
        domain,
    )
    text = message["text"]
    assert "eerst inschrijven" in text and "0800/30 700" in text
    assert "combinatietraject in het kader van een lokaal partnerschap" in text
    assert "§3.2" in text


def test_action_answer_general_answer_without_status(actions, dispatcher, domain):
    message, _ = run(actions.ActionAnswer(), dispatcher, tracker("hoe start ik een combitraject", "combinatietraject_opstarten"), domain)
    assert "nog niet ingeschreven" in message["text"] and "al ingeschreven" in message["text"]


@pytest.mark.parametrize(
    "question, intent, fact, section",
    [
        ("lopen die twee na elkaar of tegelijk bij een combitraject?", "combinatietraject_wat", "tegelijk", "§3.1"),
        ("is die lijst van uitgesloten combinaties limitatief?", "combinaties_uitgesloten", "niet limitatief", "§3.3"),
        ("welke combinaties zijn wel mogelijk, ook loopbaanoriëntatie?", "combinaties_mogelijk", "maatgerichte loopbaanoriëntatie", "§3.4"),
        ("hoeveel dagen mag een bvs maximum duren?", "bvs_wat", "maximum 5 kalenderdagen", "§3.4.1"),
        ("moet een leefloner eerst een opleiding klantendossier volgen voor de bvs?", "bvs_leefloon", "Klantendossier-opleiding", "§3.4.1"),
        ("wie doet de indicering, ook AMA SEC?", "indicering_adviesbepaling", "AMA SEC", "§3.4.2"),
        ("in welke talen bestaat de icf vragenlijst?", "icf_vragenlijst", "Engels en het Frans", "§3.4.2"),
    ],
)
def test_action_answer_every_topic_cites_its_section(actions, dispatcher, domain, question, intent, fact, section):
    message, _ = run(actions.ActionAnswer(), dispatcher, tracker(question, intent), domain)
    assert fact in message["text"]
    source = message["text"].strip().splitlines()[-1]
    assert source.startswith("Bron: Draaiboek Lokale Partnerschappen, versie 6") and section in source


def test_action_answer_unknown_intent_declines(actions, dispatcher, domain):
    message, events = run(actions.ActionAnswer(), dispatcher, tracker("iets", "intent_zonder_topic"), domain)
    assert NO_ANSWER_MARKER in message["text"]
    assert SlotSet("answer_declined", True) in events


def test_action_check_combination_loose_wes_is_excluded(actions, dispatcher, domain):
    message, events = run(
        actions.ActionCheckCombination(), dispatcher,
        tracker("mag een losse werkervaringsstage als combinatietraject?", "combinatie_check",
                ("instrument", "losse werkervaringsstage"), ("traject", "combinatietraject")),
        domain,
    )
    assert message["text"].startswith("Nee")
    assert "ingebed in bredere reguliere trajecten" in message["text"]
    assert "§3.3" in message["text"]
    assert SlotSet("answer_records", ["lp-wes-los"]) in events


def test_action_check_combination_allowed(actions, dispatcher, domain):
    message, _ = run(actions.ActionCheckCombination(), dispatcher, tracker("kan een bvs in het LP?", "combinatie_check",
                     ("instrument", "bvs"), ("traject", "LP")), domain)
    assert message["text"].startswith("Ja") and "§3.4" in message["text"]


def test_action_check_combination_conditional_glow(actions, dispatcher, domain):
    message, _ = run(actions.ActionCheckCombination(), dispatcher, tracker("glow en lp samen?", "combinatie_check",
                     ("traject", "glow"), ("traject", "lp")), domain)
    assert message["text"].startswith("Dat hangt ervan af") and "niet in aanmerking" in message["text"]


def test_action_check_combination_unsettled_pair_names_who_decides(actions, dispatcher, domain):
    message, _ = run(actions.ActionCheckCombination(), dispatcher, tracker("bvs en vouchers samen?", "combinatie_check",
                     ("instrument", "bvs"), ("instrument", "vouchers")), domain)
    text = message["text"]
    assert "zeggen niet uitdrukkelijk" in text and "niet limitatief" in text and "VDAB-adviseur" in text
    assert "Bron: Draaiboek Lokale Partnerschappen" in text


def test_action_check_combination_unsettled_glow_pair_answers_from_the_glow_draaiboek(actions, dispatcher, domain):
    message, _ = run(actions.ActionCheckCombination(), dispatcher, tracker("glow en vouchers samen?", "combinatie_check",
                     ("traject", "glow"), ("instrument", "vouchers")), domain)
    text = message["text"]
    assert "zeggen niet uitdrukkelijk" in text and "Over andere combinaties zegt het draaiboek GLOW niets" in text
    assert "Bron: Draaiboek GLOW" in text


def test_action_check_combination_without_services_asks_which(actions, dispatcher, domain):
    message, _ = run(actions.ActionCheckCombination(), dispatcher, tracker("kan da samen?", "combinatie_check"), domain)
    assert "Welke combinatie" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/combinaties_uitgesloten", "/combinaties_mogelijk"]


def test_action_no_answer_names_contacts_from_knowledge(actions, dispatcher, domain):
    message, events = run(actions.ActionNoAnswer(), dispatcher, tracker(
        "wat is het gsm-nummer van de vdab-adviseur in ons lokaal partnerschap?", "out_of_scope", ("rol", "vdab-adviseur")
    ), domain)
    text = message["text"]
    assert NO_ANSWER_MARKER in text.splitlines()[0]
    assert "anneloes.degen@vdab.be" in text  # the draaiboek's contact, from contacts records
    assert "§8.2" in text
    assert SlotSet("answer_declined", True) in events


def test_action_no_answer_about_no_document_names_no_unrelated_contact(actions, dispatcher, domain):
    message, _ = run(actions.ActionNoAnswer(), dispatcher, tracker("hoeveel bedraagt het leefloon?", "out_of_scope", ("status", "leefloon")), domain)
    assert NO_ANSWER_MARKER in message["text"].splitlines()[0]
    assert "anneloes.degen@vdab.be" not in message["text"] and "§8.2" not in message["text"]


def test_action_no_answer_to_an_off_topic_question_is_a_short_redirect(actions, dispatcher, domain):
    message, events = run(actions.ActionNoAnswer(), dispatcher, tracker("wat wordt het weer morgen?", "out_of_scope"), domain)
    assert message["text"].startswith("Sorry, dat " + NO_ANSWER_MARKER) and "Bron:" not in message["text"]
    assert "welke trajecten kan mijn cliënt volgen?" in message["text"] and not message.get("buttons")
    assert SlotSet("answer_declined", True) in events


def test_action_no_answer_offers_close_topics(actions, dispatcher, domain):
    message, _ = run(actions.ActionNoAnswer(), dispatcher, tracker("iets over de klantenvragenlijst misschien", "nlu_fallback"), domain)
    assert "/icf_vragenlijst" in [b["payload"] for b in message["buttons"]]


def test_action_reports_unavailable_knowledge_base(actions, dispatcher, domain, tmp_path, monkeypatch):
    monkeypatch.setenv("DRAAIBOEK_DB", str(tmp_path / "weg.db"))
    actions.knowledge_base.cache_clear()
    events = actions.ActionAnswer().run(dispatcher, tracker("bvs?", "bvs_wat"), domain)
    assert events == []
    assert "kennisbank is nu niet bereikbaar" in dispatcher.messages[0]["text"]


def test_action_answer_twe_named_without_buiten_declines(actions, dispatcher, domain):
    # "in TWE-OCMW" is not "buiten TWE": the draaiboek gives no number for that case
    message, _ = run(
        actions.ActionAnswer(), dispatcher,
        tracker("fin nr bvs twe-ocmw?", "bvs_financieringsnummer", ("instrument", "bvs"), ("traject", "TWE-OCMW")), domain,
    )
    assert NO_ANSWER_MARKER in message["text"] and "C03S350" not in message["text"]


def test_answers_status_note_is_stated_with_the_answer(kb):
    from bot.answers import answer_topic

    topic = dict(kb.get("topics", "lp-bvs-wat"), status_note="Deze regel wijzigt binnenkort.")
    answer = answer_topic(kb, topic, {})
    assert answer.text.endswith("Let op: Deze regel wijzigt binnenkort.")
    assert answer.source_line.startswith("Bron:")


def test_action_answer_question_about_another_service_is_not_answered_with_this_one(actions, dispatcher, domain):
    # classified as the BVS financing-number topic, but it asks about a WES: never state the BVS number for it
    message, _ = run(
        actions.ActionAnswer(), dispatcher,
        tracker("fin nr wes buiten twe?", "bvs_financieringsnummer", ("instrument", "WES"), ("context", "buiten twe")), domain,
    )
    assert NO_ANSWER_MARKER in message["text"] and "C03S350" not in message["text"]


def test_action_no_answer_on_empty_message(actions, dispatcher, domain):
    message, _ = run(actions.ActionNoAnswer(), dispatcher, tracker("   ", "nlu_fallback"), domain)
    assert message["text"] == "Ik kreeg een leeg bericht. Wat wil je weten over de draaiboeken?"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("hoeveel uren per dag mag mijn klant op zijn bvs-plek meedraaien?", "bvs_wat"),
        ("hoeveel krijgt het stagebedrijf betaald voor een bvs?", "bvs_wat"),
        ("heeft de klant recht op een onkostenvergoeding tijdens de bvs?", "bvs_opstarten"),
        ("wat is het gsm-nummer van de vdab-adviseur?", "combinatietraject_keuze"),
        ("is mijn klant verzekerd tijdens zijn beroepsverkennende stage?", "bvs_wat"),
        # when a planned instrument starts: the advice gives no date
        ("wanneer gaan de samenlevingsjobs concreet van start?", "serv_samenlevingsjobs_wat"),
    ],
)
def test_action_answer_declines_when_the_topic_lacks_the_asked_fact(actions, dispatcher, domain, text, intent):
    message, events = run(actions.ActionAnswer(), dispatcher, tracker(text, intent), domain)
    assert message["text"].startswith("Sorry, dat " + NO_ANSWER_MARKER)
    assert SlotSet("answer_declined", True) in events


@pytest.mark.parametrize(
    "text, intent, fact",
    [
        ("hoe lang duurt een bvs maximaal?", "bvs_wat", "30 kalenderdagen"),
        ("welk nummer moet de klant bellen om zich in te schrijven?", "combinatietraject_opstarten", "0800/30 700"),
        ("fin nr bvs buiten twe", "bvs_financieringsnummer", "C03S350"),
        ("Sinds wanneer is GLOW gestart?", "glow_wat", "1/1/23"),
    ],
)
def test_action_answer_keeps_answers_that_give_the_asked_fact(actions, dispatcher, domain, text, intent, fact):
    entities = [("context", "buiten-twe")] if "buiten twe" in text else []  # as the entity ruler finds it
    message, _ = run(actions.ActionAnswer(), dispatcher, tracker(text, intent, *entities), domain)
    assert fact in message["text"]


@pytest.mark.parametrize("action", ["ActionAnswer", "ActionCheckCombination", "ActionNoAnswer"])
def test_action_markup_gets_a_plain_reply_not_an_answer(actions, dispatcher, domain, action):
    message, events = run(getattr(actions, action)(), dispatcher, tracker("<script>alert(1)</script>", "bvs_wat"), domain)
    assert "gewone tekst" in message["text"] and "Bron:" not in message["text"]
    assert "<script" not in message["text"]
    assert SlotSet("answer_declined", True) in events


def test_action_text_with_a_smaller_than_sign_is_no_markup(actions, dispatcher, domain):
    message, _ = run(actions.ActionAnswer(), dispatcher, tracker("bvs voor klant < 25 jaar, hoe lang?", "bvs_wat"), domain)
    assert "30 kalenderdagen" in message["text"]


def test_a_substantive_answer_offers_feedback_buttons(actions, dispatcher, domain):
    message, _ = run(actions.ActionAnswer(), dispatcher, tracker("wat is een bvs?", "bvs_wat"), domain)
    assert [b["title"] for b in message["buttons"]] == ["Meer uitleg", "👍", "👎"]  # a shortened answer
    assert message["buttons"][0]["payload"] == "/meer_uitleg"
    assert message["buttons"][2]["payload"] == '/feedback{"rating": "fout"}'


def test_a_decline_offers_no_feedback_buttons(actions, dispatcher, domain):
    message, _ = run(actions.ActionNoAnswer(), dispatcher, tracker("recept stoofvlees", "out_of_scope"), domain)
    assert "👍" not in [b["title"] for b in message.get("buttons") or []]


def feedback_tracker(rating: str, records: list[str] | None) -> Tracker:
    latest = {"text": f'/feedback{{"rating": "{rating}"}}', "intent": {"name": "feedback", "confidence": 1.0},
              "entities": [{"entity": "rating", "value": rating}]}
    return Tracker("u", {"answer_records": records}, latest, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("rating", ["goed", "fout"])
def test_feedback_is_stored_with_the_rated_answers_records(actions, dispatcher, domain, rating):
    message, events = run(actions.ActionStoreFeedback(), dispatcher, feedback_tracker(rating, ["lp-bvs-wat"]), domain)
    assert message["text"].startswith("Bedankt")
    assert SlotSet("feedback", {"rating": rating, "records": ["lp-bvs-wat"]}) in events


@pytest.mark.parametrize("rating, records", [("goed", None), ("goed", []), ("misschien", ["lp-bvs-wat"])])
def test_feedback_without_an_answer_or_with_an_unknown_rating_stores_nothing(actions, dispatcher, domain, rating, records):
    message, events = run(actions.ActionStoreFeedback(), dispatcher, feedback_tracker(rating, records), domain)
    assert events == [] and "nog geen antwoord" in message["text"]


def test_personal_data_in_a_question_gets_a_reminder_before_the_answer(actions, dispatcher, domain):
    actions.ActionAnswer().run(dispatcher, tracker("mijn klant 85.07.30-033.61, wat is een bvs?", "bvs_wat"), domain)
    reminder, answer = dispatcher.messages
    assert reminder["text"].startswith("Let op") and "rijksregisternummer" in reminder["text"]
    assert "85.07.30" not in reminder["text"]
    assert "Bron:" in answer["text"]


def test_action_quotes_the_source_of_the_previous_answer(actions, dispatcher, domain):
    latest = {"text": "welke bron?", "intent": {"name": "nlu_fallback", "confidence": 0.2}, "entities": []}
    tracker = Tracker("test-user", {"answer_records": ["lp-bvs-financieringsnummer"]}, latest, [], False, None, {}, "action_listen")
    message, events = run(actions.ActionNoAnswer(), dispatcher, tracker, domain)
    assert "C03S350" in message["text"] and "§3.4.1" in message["text"]
    assert NO_ANSWER_MARKER not in message["text"]
    assert SlotSet("answer_records", ["lp-bvs-financieringsnummer"]) in events


def test_action_handover_gives_contacts_and_a_handover_event(actions, dispatcher, domain):
    latest = {"text": "ik wil iemand spreken", "intent": {"name": "handover", "confidence": 0.9}, "entities": []}
    tracker = Tracker("test-user", {"answer_records": ["lp-bvs-financieringsnummer"]}, latest, [], False, None, {}, "action_listen")
    actions.ActionHandover().run(dispatcher, tracker, domain)
    text, event = dispatcher.messages
    assert "anneloes.degen@vdab.be" in text["text"] and "Bron:" in text["text"] and not text["buttons"]
    assert event["custom"]["name"] == "handoff.initiate" and "lp-draaiboek-vragen" in event["custom"]["value"]["contacts"]


def test_a_second_decline_in_a_row_offers_handover(actions, dispatcher, domain):
    latest = {"text": "hoeveel verdient een vdab-bemiddelaar?", "intent": {"name": "out_of_scope", "confidence": 0.9}, "entities": []}
    once = Tracker("test-user", {"answer_declined": False}, latest, [], False, None, {}, "action_listen")
    actions.ActionNoAnswer().run(dispatcher, once, domain)
    assert len(dispatcher.messages) == 1
    twice = Tracker("test-user", {"answer_declined": True}, latest, [], False, None, {}, "action_listen")
    again = CollectingDispatcher()
    actions.ActionNoAnswer().run(again, twice, domain)
    text, event = again.messages
    assert NO_ANSWER_MARKER in text["text"] and "twee keer na elkaar" in text["text"]
    assert event["custom"]["value"]["reason"] == "herhaald geen antwoord"


# --- the eligibility guide: form validation and result -----------------------------------------
def form_tracker(text: str, slots: dict, *entities: tuple[str, str], requested: str | None = None) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": "nlu_fallback", "confidence": 0.35},
        "entities": [{"entity": label, "value": value} for label, value in entities],
    }
    return Tracker(
        "test-user", {**slots, "requested_slot": requested}, latest, [], False, None,
        {"name": "eligibility_form"}, "action_listen",
    )


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def run_form(actions, tracker_, domain):
    import asyncio

    return slot_events(asyncio.run(actions.ValidateEligibilityForm().run(CollectingDispatcher(), tracker_, domain)))


def test_guide_reads_the_facts_in_the_first_question_and_asks_the_next_that_matters(actions, domain):
    slots = run_form(actions, form_tracker("ik heb ne leefloner van 23, welke trajecten zijn er mogelijk?", {}), domain)
    assert slots["client_status"] == "leefloon" and slots["client_age"] == "23"
    assert slots["requested_slot"] == "client_vdab"
    assert slots["client_targets"] == []


def test_guide_takes_a_correction_and_weet_ik_niet_for_the_question_asked(actions, domain):
    known = {"client_status": "leefloon", "client_age": "23", "client_vdab": "niet-ingeschreven"}
    slots = run_form(actions, form_tracker("weet ik niet, en ze is 17 trouwens", known, requested="client_werkvermogen"), domain)
    assert slots["client_werkvermogen"] == "onbekend" and slots["client_age"] == "17"
    assert slots["requested_slot"] == "client_niet_toeleidbaar"


def test_guide_answers_a_question_about_one_trajectory_with_a_fact_at_once(actions, domain):
    slots = run_form(
        actions, form_tracker("mijn leefloner kan minder dan halftijds werken, kan die in TWE?", {}, ("traject", "twe-ocmw")), domain,
    )
    assert slots["client_targets"] == ["twe-ocmw"] and slots["client_werkvermogen"] == "minder-dan-halftijds"
    assert slots["requested_slot"] is None


def test_guide_does_not_take_another_persons_facts_for_the_clients(actions, domain):
    # "de vrouw van mijne klant is tijdelijk werkloos": her status is not his; the guide asks his
    slots = run_form(
        actions, form_tracker("de vrouw van mijne klant is tijdelijk werkloos, kan hij in glow?", {}, ("traject", "glow")), domain,
    )
    assert "client_status" not in slots and slots["requested_slot"] is not None


def test_guide_asks_only_what_matters_for_the_named_trajectory(actions, domain):
    slots = run_form(actions, form_tracker("kan mijn cliënt in een lokaal partnerschap?", {}, ("traject", "lp")), domain)
    assert slots["requested_slot"] == "client_age"  # LP rules depend on age and VDAB registration, not on status


def test_guide_stops_on_stop(actions, domain):
    slots = run_form(actions, form_tracker("stop", {"client_status": "leefloon"}, requested="client_age"), domain)
    assert slots["eligibility_stopped"] is True and slots["requested_slot"] is None


def test_a_message_without_facts_sets_nothing_so_the_form_lets_it_go(actions, domain):
    slots = run_form(actions, form_tracker("wat is glow eigenlijk?", {}, ("traject", "glow"), requested="client_status"), domain)
    assert set(slots) == {"requested_slot"}


def test_ask_actions_offer_the_answers_and_weet_ik_niet_as_buttons(actions, dispatcher, domain):
    ask = actions.ASK_ACTIONS["werkvermogen"]()
    assert ask.name() == "action_ask_client_werkvermogen"
    ask.run(dispatcher, tracker("", "nlu_fallback"), domain)
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Minstens halftijds", "Minder dan halftijds", "Weet ik niet"]


def test_guide_result_names_each_trajectory_and_keeps_the_facts_for_follow_ups(actions, dispatcher, domain):
    slots = {"client_status": "leefloon", "client_age": "15", "client_targets": []}
    message, events = run(actions.ActionEligibilityResult(), dispatcher, form_tracker("", slots), domain)
    assert "lokaal partnerschap: kan niet." in message["text"] and "GLOW:" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["👍", "👎"]
    values = slot_events(events)
    assert values["client_facts"] == {"status": "leefloon", "age": "15"}
    assert values["client_status"] is None and values["client_age"] is None


def test_guide_result_after_stop_without_facts_just_stops(actions, dispatcher, domain):
    message, _ = run(actions.ActionEligibilityResult(), dispatcher, form_tracker("stop", {"eligibility_stopped": True}), domain)
    assert message["text"].startswith("Oké, ik stel geen vragen meer")


def test_a_question_for_a_number_about_a_client_is_answered_not_guided(actions, dispatcher, domain):
    # the NLU reads "een gast van 20" as a question for the guide; it asks an amount the draaiboeken do not give
    question = "hoeveel groeipakket krijgt een gast van 20 nog als hij nie ingeschreven is bij vdab?"
    slots = run_form(actions, form_tracker(question, {}), domain)
    assert slots["eligibility_stopped"] is True and "client_age" not in slots
    result = form_tracker(question, {"eligibility_stopped": True})
    result.latest_message["intent"] = {"name": "eligibility_check", "confidence": 0.6}
    result.latest_message["intent_ranking"] = [{"name": "eligibility_check", "confidence": 0.6},
                                               {"name": "out_of_scope", "confidence": 0.3}]
    message, _ = run(actions.ActionEligibilityResult(), dispatcher, result, domain)
    assert NO_ANSWER_MARKER in message["text"].split("\n")[0] and "Oké" not in message["text"]
    # "kan ne gast van 20 in glow?" still starts the guide
    slots = run_form(actions, form_tracker("kan ne gast van 20 in glow?", {}, ("traject", "glow")), domain)
    assert slots["client_age"] == "20" and not slots.get("eligibility_stopped")


def test_a_what_if_follow_up_reaches_the_guide_through_any_answering_action(actions, dispatcher, domain):
    slots = {"answer_records": ["lp-doelgroep-multiproblematiek"], "client_facts": {"status": "leefloon", "age": "30"}}
    latest = {"text": "en als hij 15 is?", "intent": {"name": "nlu_fallback", "confidence": 0.35}, "entities": []}
    message, events = run(actions.ActionNoAnswer(), dispatcher, Tracker("u", slots, latest, [], False, None, {}, "action_listen"), domain)
    assert "lokaal partnerschap: kan niet." in message["text"]
    assert slot_events(events)["client_facts"]["age"] == "15"


def test_a_clarifying_question_is_remembered_and_a_typed_reply_answers_it(actions, dispatcher, domain):
    message, events = run(actions.ActionAnswer(), dispatcher, tracker("welk fin nr voor een bvs?", "bvs_financieringsnummer", ("instrument", "bvs")), domain)
    readings = slot_events(events)["clarification"]
    assert "binnen of buiten" in message["text"] and len(readings) == 2
    latest = {"text": "Buiten TWE-OCMW", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    second = CollectingDispatcher()
    actions.ActionNoAnswer().run(second, Tracker("u", {"clarification": readings}, latest, [], False, None, {}, "action_listen"), domain)
    assert "C03S350" in second.messages[0]["text"]


def test_guide_reminds_not_to_share_client_data_given_as_an_answer(actions, domain):
    import asyncio

    dispatcher_ = CollectingDispatcher()
    tracker_ = form_tracker("ze heet Jan Peeters, geboren op 12/03/1990", {}, requested="client_age")
    asyncio.run(actions.ValidateEligibilityForm().run(dispatcher_, tracker_, domain))
    assert "persoonsgegevens" in dispatcher_.messages[0]["text"]


def test_a_declined_topic_question_about_a_described_client_is_answered_from_the_eligibility_rules(actions, dispatcher, domain):
    text = "mijn leefloner kan maar minder dan halftijds werken, kan die in TWE?"
    message, events = run(actions.ActionAnswer(), dispatcher, tracker(text, "twe_doelgroep", ("traject", "twe-ocmw")), domain)
    assert message["text"].startswith("Nee: TWE-OCMW kan niet") and "minimaal halftijds" in message["text"]
    assert slot_events(events)["client_targets"] == ["twe-ocmw"]


def test_a_quoted_passage_is_logged_with_its_source(actions, dispatcher, domain):
    # no record answers: the conversation log still says which document and section the answer quotes
    first = "wat was gemeenschapsdienst juist volgens het serv advies?"
    latest = {"text": first, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    message, events = run(actions.ActionNoAnswer(), dispatcher, Tracker("u", {}, latest, [{"event": "user", "text": first}],
                                                                       False, None, {}, "action_listen"), domain)
    sources = slot_events(events)["answer_sources"]
    assert message["text"].startswith("Letterlijk uit SERV-advies")
    assert [(s["record"], s["document"]) for s in sources] == [(None, "serv-samenlevingsjobs")]
    assert f"§{sources[0]['section']}" in message["text"]


def test_a_follow_up_after_a_quoted_passage_is_read_in_its_section(actions, dispatcher, domain):
    # the previous answer quoted the HIVA report's §4.2 (no record): the slot the action set holds its citation
    quoted = [{"record": None, "document": "proeftuinen", "version": "2013", "section": "4.2"}]
    latest = {"text": "en omgekeerd, van vdab naar ocmw?", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    tracker = Tracker("test-user", {"answer_records": [], "answer_sources": quoted}, latest, [], False, None, {}, "action_listen")
    message, _ = run(actions.ActionNoAnswer(), dispatcher, tracker, domain)
    assert "negen" in message["text"] and "§4.2" in message["text"], message["text"]


def test_the_nlus_nearest_passages_reach_the_answering_pipeline_and_malformed_ones_are_skipped():
    from actions.actions import neighbours_of

    message = {"passage_neighbours": [
        {"document": "proeftuinen", "section": "2.2.3", "position": 1, "similarity": 0.67},
        {"document": "glow", "section": "1.3"},  # a parse result of another model version
        "kapot",
        {"document": "lp", "section": 3.1, "position": "4", "similarity": "0.5"},
    ]}
    assert neighbours_of(message) == {("proeftuinen", "2.2.3", 1): 0.67, ("lp", "3.1", 4): 0.5}
    assert neighbours_of({}) == {}
