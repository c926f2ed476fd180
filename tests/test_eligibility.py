"""The rule reasoning itself: every combination rule, every eligibility criterion of the guide,
how client facts are read from case-worker Dutch, and the follow-ups that reuse them.

Expected outcomes are written out here from the draaiboeken, not read back from the knowledge
base, so a changed rule makes a test fail until someone checks it against the document.
"""
from __future__ import annotations

import pytest

from bot import answers, eligibility, follow_ups
from bot.eligibility import UNKNOWN, read_facts

# --- combinations: every pair in the rule table ----------------------------------------------
#: (service, service, status, words of the reason). LP = Draaiboek Lokale Partnerschappen §3.3,
#: GLOW = Draaiboek GLOW §1.4-1.6, TWE = Extranet TWE-OCMW screening.
COMBINATIONS = [
    ("glow", "twe-ocmw", "excluded", "hetzelfde doel"),
    ("glow", "art60", "excluded", "TWE OCMW traject"),
    ("glow", "gemeenschapsdienst", "conditional", "bestaat niet op zich"),
    ("glow", "bvs", "allowed", "werkplek-leerinstr"),
    ("glow", "wes", "allowed", "werkervaringsstage"),
    ("glow", "ibo", "allowed", "IBO"),
    ("glow", "opleidingsstage", "allowed", "opleidingsstage"),
    ("glow", "vdab-opleiding", "conditional", "24 maanden"),
    ("lp", "wes-los", "excluded", "losstaande stage"),
    ("lp", "wes", "conditional", "losstaande stage"),
    ("lp", "activeringstraject", "excluded", "momenteel uitgesloten"),
    ("lp", "vouchers", "allowed", "bemiddeling naar werk"),
    ("lp", "gespecialiseerde-bemiddeling", "conditional", "Gespecialiseerde bemiddeling"),
    ("lp", "mlo", "allowed", "loopbaanoriëntatie"),
    ("lp", "vdab-opleiding", "allowed", "opleiding"),
    ("lp", "bvs", "allowed", "beroepsverkennende stage"),
    ("lp", "opleidingsstage", "allowed", "opleidingsstage"),
    ("lp", "adviesbepaling", "allowed", "adviesbepaling"),
    ("lp", "indicering", "allowed", "Indicering"),
    ("lp", "screening", "allowed", "Screening"),
    ("lp", "glow", "conditional", "GLOW-traject"),
    ("lp", "ibb", "conditional", "reguliere dienstverlening"),
    ("twe-ocmw", "se-tewerkstelling", "conditional", "hoogst haalbare"),
    ("twe-ocmw", "vop", "allowed", "geen drempel"),
    ("twe-ocmw", "apa", "allowed", "geen drempel"),
    ("twe-ocmw", "bw", "conditional", "evaluatie"),
    ("twe-ocmw", "lde", "conditional", "evaluatie"),
    ("twe-ocmw", "cmw", "conditional", "evaluatie"),
]
VERDICT_OPENING = {"allowed": "Ja,", "excluded": "Nee,", "conditional": "Dat hangt ervan af"}


def test_every_rule_in_the_table_has_an_expected_outcome_here(kb):
    in_force = {(r["a"], r["b"]) for r in kb.all("combinations") if not r["history"]}
    assert in_force == {(a, b) for a, b, _, _ in COMBINATIONS}


@pytest.mark.parametrize("a, b, status, reason", COMBINATIONS, ids=[f"{a}+{b}" for a, b, _, _ in COMBINATIONS])
def test_combination_verdict_reason_and_source_in_both_orders(kb, a, b, status, reason):
    for first, second in ((a, b), (b, a)):
        answer = answers.answer_combination(kb, {"traject": [first, second]})
        assert answer.text.startswith(VERDICT_OPENING[status]), answer.text
        assert reason in answer.text
        assert answer.source_line.startswith("Bron: ")
        assert not answer.declined


@pytest.mark.parametrize("pair", [("twe-ocmw", "ibo"), ("glow", "mlo"), ("twe-ocmw", "bvs")])
def test_a_pair_the_rules_do_not_settle_says_so_and_who_decides(kb, pair):
    answer = answers.answer_combination(kb, {"traject": list(pair)})
    assert answer.text.startswith("De draaiboeken zeggen niet uitdrukkelijk of"), answer.text
    # who decides comes from a cited record; "niet limitatief" only where that record says it (LP §3.3)
    said = "niet limitatief" in answer.text
    assert said == ("§3.3" in answer.source_line and "Lokale Partnerschappen" in answer.source_line), answer.full_text
    assert answer.source_line


# --- eligibility: every criterion the guide uses ------------------------------------------------
#: (facts, trajectory, expected verdict, record that gives the reason). From GLOW §1.3 (doelgroep),
#: Lokale Partnerschappen §1.2, §2.2 and §3.1, TWE-OCMW screening (doelgroep, A, B, C, D).
CRITERIA = [
    ({"status": "leefloon"}, "glow", "possible", "glow-leefloon"),
    ({"status": "werkloosheidsuitkering"}, "glow", "possible", "glow-uitkeringsgerechtigd"),
    ({"status": "riziv"}, "glow", "possible", "glow-riziv"),
    ({"status": "it-ivt"}, "glow", "possible", "glow-it-ivt"),
    ({"status": "vrije-werkzoekende"}, "glow", "possible", "glow-vrije-werkzoekende"),
    ({"nood": "werkervaring"}, "glow", "possible", "glow-profiel-nood-werkplekleren"),
    ({"niet_toeleidbaar": "ja"}, "glow", "excluded", "glow-niet-ernstige-problemen"),
    ({"nood": "sociale-economie"}, "glow", "excluded", "glow-niet-sociale-economie"),
    ({"nood": "technische-opleiding"}, "glow", "excluded", "glow-niet-scholing"),
    ({}, "glow", "conditional", "glow-nood-intensieve-begeleiding"),
    ({"age": "15"}, "lp", "excluded", "lp-doelgroep-jonger-dan-16"),
    ({"age": "16"}, "lp", "conditional", "lp-doelgroep-16-17-jaar"),
    ({"age": "17"}, "lp", "conditional", "lp-doelgroep-16-17-jaar"),
    ({"vdab": "regulier"}, "lp", "excluded", "lp-regulier-niet"),
    ({"vdab": "niet-ingeschreven"}, "lp", "possible", "lp-geen-klantendossier"),
    ({}, "lp", "conditional", "lp-doelgroep-multiproblematiek"),
    ({"nood": "werkervaring"}, "twe-ocmw", "possible", "twe-doelgroep-werkervaring"),
    ({"werkvermogen": "halftijds"}, "twe-ocmw", "possible", "twe-doelgroep-halftijds"),
    ({"werkvermogen": "minder-dan-halftijds"}, "twe-ocmw", "excluded", "twe-doelgroep-halftijds"),
    ({"niet_toeleidbaar": "ja"}, "twe-ocmw", "excluded", "twe-label-niet-toeleidbaar"),
    ({"nood": "sociale-economie"}, "twe-ocmw", "excluded", "twe-se-hoogst-haalbaar-voor-start"),
    ({"nood": "technische-opleiding"}, "twe-ocmw", "excluded", "twe-technische-opleiding"),
    ({"nood": "andere"}, "twe-ocmw", "excluded", "twe-andere-dienstverlening"),
    ({}, "twe-ocmw", "conditional", "twe-doelgroep-werkervaring"),
]


def _verdict(kb, facts, target):
    return next(v for v in eligibility.evaluate(kb, facts) if v.target == target)


def test_every_criterion_of_the_guide_has_an_expected_outcome_here(kb):
    used = {record["id"] for record, _ in eligibility.client_rules(kb)}
    assert used == {record for _, _, _, record in CRITERIA}


@pytest.mark.parametrize("facts, target, status, record", CRITERIA, ids=[f"{t}:{r}:{f}" for f, t, _, r in CRITERIA])
def test_criterion_gives_its_verdict_with_its_reason(kb, facts, target, status, record):
    verdict = _verdict(kb, facts, target)
    assert verdict.status == status
    assert record in [f.record["id"] for f in verdict.findings]


@pytest.mark.parametrize(
    "facts, target, record",
    [
        ({"age": "16"}, "lp", "lp-doelgroep-jonger-dan-16"),
        ({"age": "18"}, "lp", "lp-doelgroep-16-17-jaar"),
        ({"vdab": "ingeschreven"}, "lp", "lp-regulier-niet"),
        ({"status": "leefloon"}, "glow", "glow-riziv"),
        ({"werkvermogen": "halftijds"}, "twe-ocmw", "twe-label-niet-toeleidbaar"),
    ],
)
def test_a_criterion_does_not_apply_to_other_facts(kb, facts, target, record):
    assert record not in [f.record["id"] for f in _verdict(kb, facts, target).findings]


def test_an_age_range_that_may_or_may_not_meet_a_criterion_leaves_it_open(kb):
    verdict = _verdict(kb, {"age": "<25"}, "lp")
    assert verdict.status == "conditional"
    assert "lp-doelgroep-jonger-dan-16" in [f.record["id"] for f in verdict.open]


def test_unknown_facts_leave_the_excluding_criteria_open_not_applied(kb):
    verdict = _verdict(kb, {"niet_toeleidbaar": UNKNOWN, "nood": UNKNOWN}, "twe-ocmw")
    assert verdict.status == "conditional"
    assert {"twe-label-niet-toeleidbaar", "twe-technische-opleiding"} <= {f.record["id"] for f in verdict.open}


def test_the_guide_asks_only_what_still_matters(kb):
    assert eligibility.facts_that_matter(kb, {}) == ["status", "age", "vdab", "werkvermogen", "niet_toeleidbaar", "nood"]
    # excluded everywhere: nothing left that matters
    assert eligibility.facts_that_matter(kb, {"age": "15", "niet_toeleidbaar": "ja"}) == []
    # LP excluded (too young): only GLOW and TWE-OCMW questions remain, and no VDAB registration
    assert "vdab" not in eligibility.facts_that_matter(kb, {"age": "15"})


def test_the_answer_lists_each_trajectory_with_reason_source_and_leaves_the_choice(kb):
    answer = eligibility.answer_eligibility(kb, {"status": "leefloon", "age": "23", "werkvermogen": "minder-dan-halftijds"})
    text = answer.text
    assert "leefloon, 23 jaar, minder dan halftijds" in text
    assert "GLOW: mogelijk" in text and "kiest autonoom" in text
    assert "TWE-OCMW: kan niet." in text and "minimaal halftijds" in text
    assert "Bron: Draaiboek GLOW (februari 2023), §1.3 Doelgroep GLOW; §1.6.3 " in text
    assert "Bron: Extranet TWE-OCMW screening (ongedateerd), §doelgroep Doelgroep TWE" in text
    assert "De keuze maak jij" in text
    assert answer.substantive and "twe-doelgroep-halftijds" in answer.record_ids


# --- reading client facts --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, asked, facts",
    [
        ("ik heb ne leefloner van 23 jaar", None, {"status": "leefloon", "age": "23"}),
        ("nee, ze is 17", "vdab", {"age": "17"}),
        ("hij is jonger dan 25", None, {"age": "<25"}),
        ("een min 25 jarige", None, {"age": "<25"}),
        ("ze stempelt al 3 jaar", None, {"status": "werkloosheidsuitkering"}),
        ("zit op de ziekenkas", None, {"status": "riziv"}),
        ("heeft een IVT", None, {"status": "it-ivt"}),
        ("geen uitkering", None, {"status": "vrije-werkzoekende"}),
        ("nog nie ingeschreven bij vdab", None, {"vdab": "niet-ingeschreven"}),
        ("hij zit al in een ibb traject", None, {"vdab": "regulier"}),
        # the guidance a client is in, not a need; and the need, not the guidance
        ("klant in gespecialiseerde bemiddeling, kan die in het lp?", None, {"vdab": "regulier"}),
        ("heeft nood aan gespecialiseerde bemiddeling", None, {"nood": "andere"}),
        # "taal" ends in "al": no "al in glow"
        ("spreekt vlot frans, kan die qua taal in glow", None, {}),
        ("ingeschreven maar geen begeleiding", None, {"vdab": "ingeschreven"}),
        ("Ingeschreven, geen lopende begeleiding", "vdab", {"vdab": "ingeschreven"}),
        ("ze kan minder dan halftijds werken", None, {"werkvermogen": "minder-dan-halftijds"}),
        ("voltijds geen probleem", None, {"werkvermogen": "halftijds"}),
        ("heeft het label niet toeleidbaar", None, {"niet_toeleidbaar": "ja"}),
        ("geen label niet-toeleidbaar", None, {"niet_toeleidbaar": "nee"}),
        ("nee", "niet_toeleidbaar", {"niet_toeleidbaar": "nee"}),
        ("ja", "niet_toeleidbaar", {"niet_toeleidbaar": "ja"}),
        ("vooral nood aan werkervaring", None, {"nood": "werkervaring"}),
        ("sociale economie is het hoogst haalbare", None, {"nood": "sociale-economie"}),
        # rights to collectief maatwerk leave the NEC open: no need stated
        ("klant heeft al rechten CMW", None, {}),
        # an appeal against the mutualiteit is no RIZIV benefit (GLOW §1.3 names it apart)
        ("werknemer in beroep tegen de mutualiteit", None, {}),
        ("zit op de mutualiteit", None, {"status": "riziv"}),
        # temporary unemployment is no werkloosheidsuitkering status (GLOW §1.3: cat. 92 is out)
        ("mijn cliënt is tijdelijk werkloos", None, {}),
        ("rechten op collectief maatwerk", None, {}),
        # hours are no age, and a werkervaringsstage is an instrument, not a need
        ("een werkervaringsstage van minder dan 20 uur per week", None, {}),
        ("weet ik niet", "age", {"age": UNKNOWN}),
        ("geen idee eigenlijk", "nood", {"nood": UNKNOWN}),
        ("Weet ik niet", "status", {"status": UNKNOWN}),
        ("hij werkt 20 uur", None, {}),
        ("wat is glow eigenlijk?", "status", {}),
    ],
)
def test_client_facts_are_read_from_case_worker_dutch(text, asked, facts):
    assert eligibility.read_facts(text, asked=asked) == facts


def test_dont_know_and_yes_no_only_answer_the_question_just_asked():
    assert eligibility.read_facts("weet ik niet") == {}
    assert eligibility.read_facts("nee", asked="status") == {}


@pytest.mark.parametrize("text", ["stop", "laat maar", "annuleer", "Stop maar"])
def test_stop_words_end_the_guide(text):
    assert eligibility.wants_to_stop(text)


def test_for_client_problems_are_named():
    problems = eligibility.validate_for_client([{"when": {"leeftijd": [1]}, "outcome": "in"}, {"when": {}, "outcome": "x"}])
    assert any("onbekend feit" in p for p in problems) and any("outcome" in p for p in problems)
    assert eligibility.validate_for_client([{"when": {"status": ["pensioen"]}, "outcome": "in"}])
    assert eligibility.validate_for_client([{"when": {"age": {"below": 16}}, "outcome": "out"}]) == []


# --- follow-ups ------------------------------------------------------------------------------
def test_what_if_after_the_guide_reevaluates_with_the_new_fact(kb):
    context = follow_ups.Context(["lp-doelgroep-multiproblematiek"], {"status": "leefloon", "age": "30"})
    result = follow_ups.answer(kb, "en als ze 15 is?", {}, context)
    assert result.slots["client_facts"] == {"status": "leefloon", "age": "15"}
    assert "lokaal partnerschap: kan niet." in result.text and "jonger zijn dan 16" in result.text


def test_and_for_glow_after_the_guide_answers_that_trajectory_only(kb):
    context = follow_ups.Context(["twe-doelgroep-werkervaring"], {"niet_toeleidbaar": "ja"})
    result = follow_ups.answer(kb, "en voor GLOW?", {"traject": ["glow"]}, context)
    # GLOW's exclusion and where the label is named advies welzijn; nothing of TWE's answer
    assert "TWE" not in result.source_line and result.text.startswith("Nee: GLOW kan niet")


def test_why_after_the_guide_quotes_what_excluded(kb):
    facts = {"werkvermogen": "minder-dan-halftijds"}
    guide = eligibility.answer_eligibility(kb, facts)
    result = follow_ups.answer(kb, "waarom niet?", {}, follow_ups.Context(guide.record_ids, facts))
    assert "minimaal halftijds op een werkvloer" in result.text
    assert "intensieve begeleiding en bemiddeling" not in result.text


def test_why_after_a_combination_quotes_its_passage(kb):
    rule = kb.combination("glow", "twe-ocmw")
    result = follow_ups.answer(kb, "waarom niet?", {}, follow_ups.Context([rule["id"]]))
    assert "dubbelfinanciering" in result.text.casefold() or "hetzelfde doel" in result.text


def test_other_service_after_a_combination_keeps_the_first(kb):
    rule = kb.combination("lp", "bvs")
    result = follow_ups.answer(kb, "en met IBB?", {"traject": ["ibb"]}, follow_ups.Context([rule["id"]]))
    assert result.text.startswith("Dat hangt ervan af: lokaal partnerschap en IBB")


def test_who_to_contact_names_the_topics_own_contacts_first(kb):
    result = follow_ups.answer(kb, "wie contacteer ik daarvoor?", {}, follow_ups.Context(["lp-bvs-financieringsnummer"]))
    assert result.text.splitlines()[1].startswith("- coaches Klantendossier") or "Klantendossier" in result.text.splitlines()[1]
    assert result.handover is None


def test_a_new_question_is_no_follow_up(kb):
    context = follow_ups.Context(["lp-bvs-financieringsnummer"], None)
    assert follow_ups.answer(kb, "wat is het verschil tussen GLOW en TWE-OCMW voor een leefloner?", {}, context) is None
    assert follow_ups.answer(kb, "waarom niet?", {}, follow_ups.Context([])) is None


# --- clarifying questions --------------------------------------------------------------------
def test_bvs_financing_number_asks_inside_or_outside_twe(kb):
    answer = answers.answer_intent(kb, "bvs_financieringsnummer", {"instrument": ["bvs"]})
    assert "binnen of buiten TWE-OCMW" in answer.text and not answer.substantive
    buiten = next(b for b in answer.buttons if b["title"] == "Buiten TWE-OCMW")
    assert buiten["payload"] == '/bvs_financieringsnummer{"context": "buiten-twe"}'
    assert "C03S350" in answers.answer_intent(kb, "bvs_financieringsnummer", {"context": ["buiten-twe"]}).text
    assert "C03S350" not in answers.answer_intent(kb, "bvs_financieringsnummer", {"context": ["binnen-twe"]}).text


def test_handing_a_client_over_to_vdab_asks_whether_the_client_is_registered(kb):
    answer = answers.answer_intent(kb, "lp_beeindigen", {}, "hoe draag ik mijn klant over aan vdab?")
    assert answer.text == "Is je klant al ingeschreven bij VDAB?" and len(answer.buttons) == 2
    # a question about something the registration does not change gets the answer
    decides = answers.answer_intent(kb, "lp_beeindigen", {}, "wie beslist wanneer de begeleiding stopt")
    assert "beslist wanneer de begeleiding" in decides.text
    named = answers.answer_intent(kb, "lp_beeindigen", {"status": ["niet-ingeschreven"]})
    assert "om zich in te schrijven" in named.text
    registered = answers.answer_intent(kb, "lp_beeindigen", {"status": ["ingeschreven"]})
    assert "VDAB-bemiddelaar gekend" in registered.text


def test_traject_without_saying_which_asks_glow_or_twe_when_both_are_close(kb):
    glow, twe = kb.topics_for_intent("glow_doelgroep")[0], kb.topics_for_intent("twe_doelgroep")[0]
    ranking = [{"name": glow["intent"], "confidence": 0.4}, {"name": twe["intent"], "confidence": 0.35}]
    targets = eligibility.targets(kb)
    answer = answers.clarify_trajectory(kb, "voor wie is het traject bedoeld?", {}, ranking, targets)
    assert answer.text == "Over welk traject gaat je vraag?"
    assert [b["title"] for b in answer.buttons] == ["GLOW", "TWE-OCMW"]
    assert answers.clarify_trajectory(kb, "voor wie is het GLOW-traject?", {"traject": ["glow"]}, ranking, targets) is None
    lopsided = [{"name": glow["intent"], "confidence": 0.8}, {"name": twe["intent"], "confidence": 0.1}]
    assert answers.clarify_trajectory(kb, "voor wie is het traject bedoeld?", {}, lopsided, targets) is None


def test_a_typed_reply_to_a_clarifying_question_picks_its_reading(kb):
    question = answers.answer_intent(kb, "bvs_financieringsnummer", {})
    context = follow_ups.Context([], None, question.readings)
    typed = follow_ups.answer(kb, "buiten TWE-OCMW", {}, context)
    assert "C03S350" in typed.text
    named = follow_ups.answer(kb, "binnen twe", {"context": ["binnen-twe"]}, context)
    assert "C03S350" not in named.text and "staat niet in de draaiboeken" in named.text
    # a new question that happens to name a concept is not a reply
    assert follow_ups.answer(kb, "wie hoort bij de doelgroep van TWE-OCMW?", {"traject": ["twe-ocmw"]}, context) is None


@pytest.mark.parametrize(
    "text, value",
    [("minder dan halftijds", "minder-dan-halftijds"), ("hij kan voltijds werken", "halftijds"), ("enkele uren per week", "minder-dan-halftijds")],
)
def test_working_capacity_is_read_in_the_documents_terms(text, value):
    assert eligibility.read_facts(text)["werkvermogen"] == value


@pytest.mark.parametrize("text", ["een tiental uur per week", "hij kan 25 uur per week", "ze werkt deeltijds"])
def test_hours_a_week_decide_nothing_the_documents_do_not_say(text):
    # no document says how many hours make half-time: the criterion stays open and is asked
    assert "werkvermogen" not in eligibility.read_facts(text)


def test_the_guides_readers_give_concepts_for_topic_answers():
    assert eligibility.concepts_in("klant is ingeschreven maar we weten niet wie zijn bemiddelaar is") == {"status": ["ingeschreven"]}
    assert eligibility.concepts_in("nog niet ingeschreven bij vdab") == {"status": ["niet-ingeschreven"]}
    assert eligibility.concepts_in("wat is een bvs?") == {}


@pytest.mark.parametrize(
    "text, named",
    [
        ("mijn leefloner kan maar een tiental uur per week werken, kan die in TWE?", ["twe-ocmw"]),
        ("mag hij in glow of in het LP.", ["glow", "lp"]),
        ("welke trajecten zijn mogelijk voor mijn cliënt?", []),
    ],
)
def test_the_trajectories_a_guide_question_names(kb, text, named):
    assert eligibility.named_targets(kb, text) == named


@pytest.mark.parametrize(
    "text, value",
    [
        ("mijn cliënt heeft nooit bij vdab ingeschreven gestaan", "niet-ingeschreven"),
        ("klant is ingeschreven maar we weten niet wie zijn bemiddelaar is", "ingeschreven"),
        ("ze is nog niet bij de VDAB ingeschreven", "niet-ingeschreven"),
        ("hij staat ingeschreven als werkzoekende", "ingeschreven"),
    ],
)
def test_registration_reads_negations_a_few_words_before(text, value):
    assert eligibility.read_facts(text)["vdab"] == value


@pytest.mark.parametrize(
    "text, age",
    [
        ("klant van 35 jaar, kan die in glow?", "35"),
        ("ne 17-jarige in het LP?", "17"),
        ("hij is 58 jaar oud", "58"),
        # a duration is no age: "15 jaar werkervaring" must not exclude an adult from the LP as a minor
        ("klant met 15 jaar werkervaring, LP?", None),
        ("al 3 jaar werkloos, glow?", None),
    ],
)
def test_an_age_is_read_but_not_a_duration_in_years(text, age):
    from bot.eligibility import read_age

    assert read_age(text) == age


def test_guidance_at_the_case_workers_own_organisation_is_no_regular_vdab_service():
    assert read_facts("klant van 28, zit al een tijd bij ons in begeleiding. kan die in het LP?").get("vdab") is None
    assert read_facts("klant zit al in begeleiding bij vdab, kan die in het LP?")["vdab"] == "regulier"
