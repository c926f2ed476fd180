"""Answer composition in bot/answers.py on the real knowledge base: asked facts, follow-ups, combinations."""
from __future__ import annotations

import pytest

from bot import answers
from bot.messages import M011_COMBINATION_WHICH, NO_ANSWER_MARKER


def ranking(*entries: tuple[str, float]) -> list[dict]:
    return [{"name": name, "confidence": confidence} for name, confidence in entries]


def topic_id(kb, intent: str) -> str:
    return kb.topics_for_intent(intent)[0]["id"]


# --- the kind of fact a question asks for --------------------------------------------------------


@pytest.mark.parametrize(
    "question, answer_text",
    [
        ("tot wanneer kan een lokaal bestuur intekenen op de ESF-oproep?", "het regeerakkoord 2024-2029"),
        ("vanaf welke datum kunnen we toeleiden naar een samenlevingsjob?", "SERV-advies 2025"),
        ("hoe lang duurt het voor DABP een aanvraag behandelt?", "tijdens de tewerkstelling in art60§7"),
        ("hoeveel maanden uitkering houdt mijn klant nog over?", "goedgekeurd op 18 juli 2025"),
        ("hoeveel combinatietrajecten mag één klant tegelijk volgen?", "bijna alles is mogelijk"),
        ("hoeveel bedraagt de kilometervergoeding in een samenlevingsjob?", "aangevuld met 4,5 euro per uur"),
        ("hoeveel krijgt een stagebedrijf betaald voor een bvs?", "maximaal 30 kalenderdagen"),
        ("wie ondertekent de stageovereenkomst?", "een WES bij een lokaal bestuur"),
        ("hoe reset ik het paswoord van mijn vdab-account", "de handleiding voor de klant"),
        ("welke sanctie krijgt ne jongere als hij zijn gesprek evaluatie bit mist?", "twee positieve evaluaties door VDAB"),
        # a numbered part the answer does not name
        ("wat waren de resultaten van fase 3?", "de resultaten van fase 2 van de proeftuinen"),
        ("wat gebeurde er in Mortsel na fase 2?", "De eerste fase van de proeftuin resulteerde in een overeenkomst."),
        ("waar download ik het aanmeldingsformulier?", "De klant vraagt het formulier aan zijn bemiddelaar."),
        ("wat is de link naar de logo's?", "De te gebruiken logo's zijn te vinden op het Extranet."),  # a link is an address
    ],
)
def test_a_question_for_a_fact_the_answer_lacks_is_not_answered(question, answer_text):
    assert answers.asks_for_missing_fact(question, answer_text)


@pytest.mark.parametrize(
    "question, answer_text",
    [
        ("sinds wanneer werken we zo samen in lokale partnerschappen?", "sinds januari 2024"),
        ("hoe lang duurt fase 1 van een bvs?", "Fase 1 (maximum 5 kalenderdagen): oriëntatie"),
        ("glow duurt hoelang?", "maximaal 24 maanden"),
        ("hoeveel cliënten werden opgenomen in de proeftuinen?", "39 van de 63"),
        # not money: a paid job, groups that deserve attention
        ("betaald werk is niet haalbaar voor mijn cliënt, start ik toch TWE?", "geen start TWE"),
        ("welke groepen verdienen extra aandacht volgens de SERV?", "de uiterst kwetsbaren"),
        ("krijgt mijne klant een sanctie als hij de samenlevingsjob weigert?", "een weigering kan gesanctioneerd worden"),
        # an hourly allowance is named by its amount per hour
        ("verschil in uurvergoeding tussen samenlevingsjob en gemeenschapsdienst?", "4,5 euro per uur (t.o.v. 1,3 euro per uur)"),
        # a numbered part named by its ordinal
        ("wat gebeurde er in Mortsel na fase 1?", "De eerste fase van de proeftuin resulteerde in een overeenkomst."),
        # where to download: the site that has it
        ("waar kan ik die logo's downloaden?", "De te gebruiken logo's zijn te vinden en downloaden op het Extranet."),
    ],
)
def test_a_question_the_answer_gives_the_fact_for_is_answered(question, answer_text):
    assert not answers.asks_for_missing_fact(question, answer_text)


# --- follow-ups ----------------------------------------------------------------------------------


def test_a_follow_up_about_what_the_previous_answer_says_continues_its_topic(kb):
    previous = [topic_id(kb, "combinaties_uitgesloten")]
    # the NLU alone prefers the list of possible combinations
    nlu = ranking(("combinaties_mogelijk", 0.7), ("combinaties_uitgesloten", 0.1))
    assert answers.intent_in_context(kb, "is die lijst limitatief?", nlu, previous) == "combinaties_uitgesloten"


def test_a_follow_up_on_another_subject_goes_by_the_ranking_weighed_by_the_previous_document(kb):
    previous = [topic_id(kb, "lp_vdab_adviseur")]
    nlu = ranking(("glow_wat", 0.3), ("lp_publiciteit", 0.25), ("out_of_scope", 0.2))
    # the VDAB-adviseur answer says nothing about publicity; the LP's own topics weigh double
    assert answers.intent_in_context(kb, "en wat met de publiciteit dan?", nlu, previous) == "lp_publiciteit"


def test_a_follow_up_prefers_a_topic_the_previous_one_lists_as_related(kb):
    previous = [topic_id(kb, "combinatietraject_wat")]  # related: the start of a combinatietraject
    # what the NLU gives "wie moet dat bij vdab opstarten?": below the fallback threshold, two "opstarten" topics
    nlu = ranking(("combinatietraject_opstarten", 0.28), ("bvs_opstarten", 0.23), ("lp_aanmelding_vdab_check", 0.14))
    # "VDAB", in the previous answer too, does not make it a question about what that answer says
    assert answers.intent_in_context(kb, "wie moet dat bij vdab opstarten?", nlu, previous) == "combinatietraject_opstarten"


def test_a_follow_up_that_is_unclear_even_in_context_gets_no_intent(kb):
    previous = [topic_id(kb, "lp_vdab_adviseur")]
    nlu = ranking(("glow_wat", 0.2), ("twe_doelgroep", 0.2), ("serv_principes", 0.2), ("out_of_scope", 0.2))
    assert answers.intent_in_context(kb, "en dat andere dan?", nlu, previous) is None


@pytest.mark.parametrize(
    "text, previous",
    [
        ("is die lijst limitatief?", None),  # nothing was answered before
        ("is die lijst limitatief?", []),  # the previous message was declined
        # a long question of its own is no follow-up, even if it says "dat"
        ("mijn cliënt van 52 zit al drie jaar in de werkloosheid en heeft een leefloon, kan hij naar glow of is dat twe?",
         ["lp-combinaties-uitgesloten"]),
    ],
)
def test_no_context_without_a_previous_answer_or_a_follow_up(kb, text, previous):
    nlu = ranking(("combinaties_mogelijk", 0.7))
    assert answers.intent_in_context(kb, text, nlu, previous) is None


def test_action_no_answer_answers_a_follow_up_from_the_previous_topic(actions, kb):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    latest = {
        "text": "en begeleidt die mijn klant dan ook 1-op-1?",
        "intent": {"name": "nlu_fallback", "confidence": 0.35},
        "intent_ranking": ranking(("nlu_fallback", 0.35), ("lp_doelstelling", 0.13), ("glow_werkplekleren", 0.1)),
        "entities": [],
    }
    tracker = Tracker("u", {"answer_records": [topic_id(kb, "lp_vdab_adviseur")]}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    actions.ActionNoAnswer().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"]
    assert NO_ANSWER_MARKER not in text
    assert "1-op-1" in text and "Bron: Draaiboek Lokale Partnerschappen" in text


# --- combinations without a pair ------------------------------------------------------------------


def test_a_combination_question_without_a_pair_takes_the_next_ranked_topic(kb):
    concepts = answers.concepts_from_entities(kb, [{"entity": "traject", "value": "lp"}])
    nlu = ranking(("combinatie_check", 0.68), ("combinaties_uitgesloten", 0.22))
    answer = answers.answer_combination(kb, concepts, nlu, "wat mag je nie combineren met begeleiding in een LP?")
    assert "niet limitatief" in answer.text and "§3.3" in answer.source_line


def test_a_combination_question_without_a_pair_or_a_likely_topic_asks_which(kb):
    concepts = answers.concepts_from_entities(kb, [{"entity": "traject", "value": "lp"}])
    nlu = ranking(("combinatie_check", 0.9), ("bvs_wat", 0.04), ("glow_wat", 0.03), ("twe_doelgroep", 0.03))
    answer = answers.answer_combination(kb, concepts, nlu, "mag dat?")
    assert answer.text == M011_COMBINATION_WHICH and answer.buttons


@pytest.mark.parametrize(
    "entities, pair",
    [
        ([("instrument", "bvs"), ("traject", "glow")], ("glow", "bvs")),  # trajectories first
        ([("instrument", "wes"), ("traject", "combinatietraject")], ("lp", "wes")),  # "als combinatietraject"
        ([("traject", "glow"), ("status", "leefloon")], None),  # "kan een leefloner in glow?"
        ([("traject", "lp")], None),
    ],
)
def test_combination_pair_pairs_one_service_with_the_lp_only_in_a_combinatietraject_question(kb, entities, pair):
    concepts = answers.concepts_from_entities(kb, [{"entity": label, "value": value} for label, value in entities])
    assert answers.combination_pair(concepts) == pair


def test_a_combination_question_for_a_count_the_rules_do_not_give_is_declined(kb):
    concepts = answers.concepts_from_entities(kb, [{"entity": "traject", "value": "combinatietraject"}])
    nlu = ranking(("combinatie_check", 0.77), ("combinaties_mogelijk", 0.09), ("combinatietraject_wat", 0.06))
    answer = answers.answer_combination(kb, concepts, nlu, "hoeveel combinatietrajecten mag één klant tegelijk volgen?")
    assert answer.declined and NO_ANSWER_MARKER in answer.text


@pytest.mark.parametrize(
    "question, intent, declined",
    [
        ("kan ons ocmw zich nu nog kandidaat stellen als proeftuin vdab-ocmw?", "proeftuin_wat", True),
        ("lopen er momenteel nog proeftuinen vdab-ocmw?", "proeftuin_wat", True),
        ("wat waren de proeftuinen vdab-ocmw?", "proeftuin_wat", False),
        # a question about today from a draaiboek in force is answered
        ("kan een bvs momenteel nog in het lokaal partnerschap?", "bvs_wat", False),
    ],
)
def test_a_question_about_today_is_not_answered_from_a_background_document(kb, question, intent, declined):
    answer = answers.answer_question(kb, intent, {}, question)
    assert answer.declined is declined


def test_a_pasted_text_is_not_answered_as_a_question():
    from bot.answers import MAX_QUESTION_CHARS, unusable_message

    assert unusable_message("waarom " * 1700).declined
    assert unusable_message("<b>vet</b> wat is glow").declined
    assert unusable_message("kan mijn klant (leefloon, 32 jaar, 2 jaar ingeschreven) " * 5) is None
    assert unusable_message("x" * MAX_QUESTION_CHARS) is None


@pytest.mark.parametrize(
    "question, foreign",
    [
        ("Bonjour, comment inscrire un client chez VDAB?", True),
        ("how can I register my client with VDAB please?", True),
        ("kan ne klant met leefloon in glow?", False),
        ("what is GLOW?", False),  # one English word: the NLU gets its chance
    ],
)
def test_french_and_english_questions_are_recognised(question, foreign):
    from bot.answers import not_dutch

    assert not_dutch(question) is foreign


@pytest.mark.parametrize(
    "question, asks",
    [
        ("welke bron?", True), ("waar staat dat?", True), ("bron?", True), ("en welke bron is dat", True),
        ("welke bron van inkomen telt mee?", False),  # about the client's income
        ("hoe start ik een combinatietraject", False),
    ],
)
def test_a_question_for_the_source_is_recognised(question, asks):
    from bot.answers import asks_for_source

    assert asks_for_source(question) is asks


def test_the_source_of_the_previous_answer_is_quoted_word_for_word(kb):
    from bot.answers import answer_source_request

    answer = answer_source_request(kb, "welke bron?", ["lp-bvs-financieringsnummer"])
    passages = [c["passage"] for c in kb.citations(["lp-bvs-financieringsnummer"])]
    assert all(" ".join(p.split()) in answer.text for p in passages)
    assert "§3.4.1" in answer.text and answer.source_line.startswith("Bron: Draaiboek Lokale Partnerschappen, versie 6")
    assert answer_source_request(kb, "welke bron?", []) is None  # nothing answered yet


def test_handover_names_the_topics_own_contacts_first_then_its_documents(kb):
    from bot.answers import handover

    topic = next(t for t in kb.all("topics") if t.get("contacts") and not t.get("history"))
    answer = handover(kb, [topic["id"]], "gevraagd")
    first_contact = kb.get("contacts", topic["contacts"][0])
    assert answer.text.splitlines()[1].startswith(f"- {first_contact['name']}")
    assert answer.handover["name"] == "handoff.initiate"
    assert answer.handover["value"]["contacts"][0] == topic["contacts"][0]
    assert answer.handover["value"]["records"] == [topic["id"]]
    assert answer.source_line and not answer.substantive  # contacts are cited; nothing to rate


def test_handover_without_a_previous_answer_names_every_documents_contacts(kb):
    from bot.answers import handover

    answer = handover(kb, [], "gevraagd")
    documents_with_contacts = [d for d in kb.all("documents") if d.get("contacts")]
    assert len(answer.handover["value"]["contacts"]) >= len(documents_with_contacts)
