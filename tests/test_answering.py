"""The answering pipeline: what a question asks, the sentences that answer it, verdicts only where a
sentence or rule carries them, passages of the source texts, and declines that name the right place."""
from __future__ import annotations

import pytest

from bot import answering, answers, messages
from bot.answering.focus import _counts_people, _counts_things, _only_measures, carries_kind, concepts, units, verdict
from bot.answering.question import read_question
from bot.follow_ups import Context
from bot.knowledge.passages import split_passages, split_sentences, without_note_number
from bot.messages import NO_ANSWER_MARKER


def settled_by(kb, text):
    """The id of the ruling that settles a ja/nee question, or None."""
    from bot.answering.steps.ruling import settling_ruling

    turn = answering.Turn(text=text, intent="nlu_fallback")
    turn.kb = kb
    found = settling_ruling(kb, turn)
    return found["id"] if found else None


def ask(kb, text, intent="nlu_fallback", action="answer", entities=None, previous=None):
    turn = answering.Turn(
        text=text, intent=intent, ranking=[{"name": intent, "confidence": 0.9}], entities=entities or [],
        action=action, previous=previous or Context(),
    )
    return answering.answer(kb, turn)


def entity(label, value):
    return {"entity": label, "value": value}


# --- reading the question ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, kind",
    [
        ("fin nr bvs buiten twe?", "hoeveel"),
        ("welk % van de wijk-werkers stroomde door naar werk", "hoeveel"),
        ("hoeveel uur per week mag een bvs duren", "hoeveel"),
        ("mag een losse wes als combitraject?", "ja_nee"),
        ("kan ne leefloner in glow", "ja_nee"),
        ("wie moet de overdracht naar vdab doen?", "wie"),
        ("tot wanneer loopt de esf oproep", "wanneer"),
        ("bvs als combitraject, hoe lang mag die max duren?", "hoelang"),
        ("binnen hoeveel werkdagen moet de bemiddelaar reageren?", "hoelang"),
        ("hoe draag ik mijne klant over aan vdab", "hoe"),
        ("hoe start ik een combitraject op? wie moet wat doen", "hoe"),
        ("welke lessen trekt de SERV uit wijk-werken?", "welke"),
        ("welke werkplek-leerinstrumenten kan de glow partner inzetten?", "welke"),
        ("voor welke soorten noden kan ik een combinatietraject inzetten?", "welke"),
        ("wat zijn de conclusies van het onderzoek?", "welke"),
        ("wat is een combinatietraject", "wat"),
        ("verschil tussen glow en twe?", "verschil"),
        ("wat is er anders in glow tov twe?", "verschil"),
        ("waarom kan dat niet?", "waarom"),
        # a ja/nee question that opens with the verb of what it asks, or puts it after the situation
        ("hangt het groeipakket af van de bit evaluatie?", "ja_nee"),
        ("vindt de serv de voorgestelde 2 jaar een goeie duur?", "ja_nee"),
        ("als er uit de indicering geen rechten SE komen, loopt twe dan gewoon verder?", "ja_nee"),
        ("bij de inschatting blijkt SE het hoogst haalbare, kan twe dan toch starten?", "ja_nee"),
        ("klant is ingeschreven en zit nu bij ons. blijft zijne bemiddelaar hem opvolgen?", "ja_nee"),
        ("leefloner, kan halftijds werken en nec lukt binnen de 2 jaar. twe?", "ja_nee"),
        ("glow?", "other"),
    ],
)
def test_the_kind_of_answer_a_question_asks_is_read(text, kind):
    assert read_question(text).kind == kind


def test_a_list_question_after_a_preposition_with_a_plural_in_s_is_read():
    assert read_question("rond welke thema's werkte fase 2 van de proeftuinen?").kind == "welke"


def test_a_how_long_answer_adds_no_sentence_without_a_duration(kb):
    reply = ask(kb, "label niet-toeleidbaar, hoelang is de cliënt dan vrijgesteld van stappen naar werk?",
                intent="twe_niet_toeleidbaar", entities=[entity("status", "niet-toeleidbaar")])
    said = reply.text.split("\nBron:")[0]
    assert "2 jaar" in said and all(any(c.isdigit() for c in sentence) for sentence in split_sentences(said)), said


def test_a_passage_that_points_back_is_quoted_with_what_it_points_to(kb):
    from bot.answering.passage import context_of

    row = next(r for r in kb.search_passages(["2.530"], limit=5) if "2.530" in r["text"])
    context = context_of(kb, row)
    assert row["text"].startswith("Het gaat om 2.530") and any("aanbod uitgeput" in c for c in context), context


def test_a_footnotes_number_glued_to_a_word_is_no_figure():
    from bot.answering.focus import without_note_marks

    assert without_note_marks("Er is de groep met 'Advies Welzijn16.") == "Er is de groep met 'Advies Welzijn."
    assert without_note_marks("Het gaat om 2.530 personen15 (zeer langdurig") == "Het gaat om 2.530 personen (zeer langdurig"
    assert without_note_marks("in art60§7, cat90, 32u") == "in art60§7, cat90, 32u"


@pytest.mark.parametrize(
    "text, own, other",
    [
        ("hoeveel verdient een wijk-werker per uur?", "4.1 euro", "1.3 euro"),
        ("wat is het maximum aantal uren per maand voor gemeenschapsdienst?", "64u", "630u"),
    ],
)
def test_a_list_of_two_services_answers_about_the_one_asked(kb, text, own, other):
    # the SERV annexes list wijk-werken and gemeenschapsdienst under their own headings
    reply = ask(kb, text, intent="serv_wijkwerken_gemeenschapsdienst_verschil")
    said = reply.text.split("\nBron:")[0]
    assert own in said and other not in said, said


def test_a_lead_that_only_introduces_is_never_the_answer(kb):
    # "Het onderzoeksrapport … beschrijft:" says nothing by itself; the themes are asked, the report
    # names "fase 2" in its topic's title
    reply = ask(kb, "rond welke thema's werkte fase 2 van de proeftuinen?", intent="proeftuin_wat")
    assert not reply.declined and "opleidingsagenda" in reply.text, reply.text
    assert not reply.text.split("\n")[0].rstrip().endswith(":"), reply.text


@pytest.mark.parametrize(
    "text, counted",
    [
        ("met hoeveel knipperlichten screende vdab op drempels?", "knipp"),
        ("hoeveel doorverwijzingen werden er geregistreerd?", "doorv"),
        ("hoeveel zou iemand per uur krijgen?", ""),  # a verb, not what is counted
        ("wat is een bvs?", ""),
    ],
)
def test_what_a_how_many_question_counts_is_read(text, counted):
    assert read_question(text).counted == counted


def test_a_how_many_answer_is_the_sentence_that_counts_what_is_asked(kb):
    # the report names "knipperlichten" in several sentences; only one says how many
    reply = ask(kb, "met hoeveel knipperlichten screende vdab op drempels?", intent="proeftuin_doelgroepinstrument")
    assert "zes knipperlichten" in reply.text, reply.text


def test_an_age_asked_is_answered_by_the_age_even_when_the_topic_names_who_it_is_about(kb):
    # "jongeren" is in the topic's title; "onder welke leeftijd" asks the age, which is a measure, not a count
    reply = ask(kb, "bit evaluatie is voor jongeren onder welke leeftijd?", intent="lp_bit_evaluatie")
    assert "-25 jaar" in reply.text and not reply.declined, reply.full_text


def test_the_documents_duurtijd_is_the_duration_a_question_asks_with_duurt(kb):
    from bot.answering.question import stems

    assert stems("duurtijd") == stems("duurt") == stems("hoelang duren") - stems("hoelang")
    reply = ask(kb, "hoelang duurt een gemeenschapsdienst volgens de serv?", intent="glow_gemeenschapsdienst")
    assert "6 maanden" in reply.text and "SERV" in reply.source_line, reply.full_text


def test_a_duration_of_something_else_than_what_is_asked_is_no_answer(kb):
    # the GLOW training topic gives "een duurtijd van 24 maanden" for the GLOW trajectory, not for this training
    question = "hoelang duurt die verplichte klantendossier-opleiding en wanneer is de volgende sessie?"
    reply = ask(kb, question, intent="glow_opleiding")
    assert reply.declined and "24 maanden" not in reply.text, reply.full_text


def test_short_chat_forms_that_turn_a_question_around_are_read():
    assert "recht" in read_question("klant heeft gn rechten SE gekregen, wat nu?").excluded
    assert read_question("mag da nt?").negative


def test_what_a_question_excludes_and_a_described_client_are_read():
    asked = read_question("welk traject voor iemand die géén leefloon heeft?")
    assert "leefl" in asked.excluded and asked.negative
    assert read_question("kan ne 17-jarige in een LP?").client_facts
    assert not read_question("mag een bvs in een combinatietraject?").client_facts


# --- sentences ----------------------------------------------------------------------------------
def test_an_abbreviation_does_not_end_a_sentence():
    text = "Zit je klant al in reguliere dienstverlening (bv. GLOW, IBB), dan niet. Volgende zin hier."
    assert split_sentences(text) == ["Zit je klant al in reguliere dienstverlening (bv. GLOW, IBB), dan niet.", "Volgende zin hier."]


def test_a_list_stays_with_the_sentence_that_introduces_it():
    found = units("Eerste zin. Buiten de scope vallen:\n- personen A;\n- personen B.\nLaatste zin.")
    assert found == ["Eerste zin.", "Buiten de scope vallen:\n- personen A;\n- personen B.", "Laatste zin."]


def test_an_elided_compound_keeps_its_hyphen_and_a_broken_word_is_joined():
    passages = split_passages("De werkloosheids- en arbeidsbemiddelingsdiensten doen dit. De her- vorming van het stelsel volgt.")
    assert passages == ["De werkloosheids- en arbeidsbemiddelingsdiensten doen dit.", "De hervorming van het stelsel volgt."]


# --- fact extraction ------------------------------------------------------------------------------
def test_the_fact_asked_comes_first_in_a_short_answer_citing_the_section_with_its_title(kb):
    answer = ask(kb, "fin nr bvs buiten twe?", intent="bvs_financieringsnummer",
                 entities=[entity("instrument", "bvs"), entity("context", "buiten-twe")])
    assert answer.text.split("\n")[0].count("C03S350") == 1
    assert len(answer.text.split()) <= 60
    assert "§3.4.1 Heeft de klant nood aan een stage?" in answer.source_line


def test_a_long_topic_is_cut_to_the_sentences_that_answer_and_offers_the_rest(kb):
    full = kb.topics_for_intent("lp_doelgroep")[0]["answer"]
    answer = ask(kb, "valt iemand zonder verblijfsstatuut buiten de doelgroep van het LP?", intent="lp_doelgroep")
    assert answer.shortened and len(answer.text.split()) < len(full.split())
    assert "verblijfsstatuut" in answer.text


def test_meer_uitleg_gives_the_whole_topic_of_the_previous_answer(kb):
    short = ask(kb, "valt iemand zonder verblijfsstatuut buiten de doelgroep van het LP?", intent="lp_doelgroep")
    more = ask(kb, "/meer_uitleg", intent="meer_uitleg", previous=Context(short.record_ids))
    topic = kb.get("topics", short.record_ids[0])
    assert more.text.startswith(topic["answer"].strip()[:80]) and not more.shortened
    assert ask(kb, "vertel meer", intent="greet", previous=Context(short.record_ids)).text == more.text


# --- verdicts -------------------------------------------------------------------------------------
def test_a_combination_rule_gives_its_verdict_first(kb):
    answer = ask(kb, "mag een losse wes als combinatietraject?", action="combination", intent="combinatie_check",
                 entities=[entity("instrument", "wes-los"), entity("traject", "combinatietraject")])
    assert answer.text.startswith("Nee") and "§3.3" in answer.source_line


def test_a_client_described_in_a_ja_nee_question_gets_the_eligibility_verdict_first(kb):
    answer = ask(kb, "kan ne 15-jarige in een lokaal partnerschap?", intent="lp_doelgroep")
    assert answer.text.startswith("Nee: lokaal partnerschap kan niet")
    assert "jonger zijn dan 16 jaar" in answer.text and "§1.2" in answer.source_line


def test_no_verdict_from_a_sentence_when_the_question_itself_is_negative(kb):
    answer = ask(kb, "mag een klant zonder verblijfsstatuut niet in het LP?", intent="lp_doelgroep")
    assert not answer.text.startswith(("Ja", "Nee", "Dat hangt"))


# --- passages ---------------------------------------------------------------------------------------
def test_every_document_is_in_the_passage_index(kb):
    counts = dict(kb.db.execute("select document, count(*) from passages group by document").fetchall())
    assert set(counts) == {d["id"] for d in kb.all("documents")} and min(counts.values()) >= 20


def test_a_passage_answer_quotes_a_background_document_word_for_word_and_says_what_it_is(kb):
    answer = ask(kb, "wat stelt de SERV voor als naam in plaats van samenlevingsjobs?", action="no_answer")
    if answer.declined:
        pytest.fail(answer.text)
    quoted = answer.text.split("\n", 1)[1].strip('"')
    row = kb.db.execute("select text from passages where text = ?", [quoted]).fetchone()
    assert row is not None
    assert answer.text.startswith("Letterlijk uit SERV-advies Samenlevingsjobs (Advies van de sociale partners")
    assert answer.source_line.startswith("Bron: SERV-advies Samenlevingsjobs")


def test_a_passage_must_carry_the_kind_of_information_asked(kb):
    answer = ask(kb, "hoeveel euro krijgt een samenlevingsjobber volgens de SERV?", action="no_answer")
    assert "4,5 euro per uur" in answer.text  # an amount for "hoeveel euro"
    # "60u. per maand" is a number, but no amount: never the answer to "hoeveel euro"
    for question in ("hoeveel euro per maand presteert een wijk-werker volgens de SERV?",
                     "hoeveel euro per maand bedraagt het leefloon van een samenwonende?"):
        answer = ask(kb, question, action="no_answer")
        assert answer.declined or "euro" in answer.text, answer.text


# --- declines -------------------------------------------------------------------------------------------
def test_a_decline_about_no_document_names_no_unrelated_contact(kb):
    answer = ask(kb, "hoeveel bedraagt het leefloon voor een samenwonende?", action="no_answer",
                 entities=[entity("status", "leefloon")])
    assert answer.text.startswith("Sorry, dat " + NO_ANSWER_MARKER)
    assert "anneloes" not in answer.text.casefold() and "§8.2" not in (answer.source_line or "")


def test_a_decline_says_so_first_and_stays_short(kb):
    answer = ask(kb, "wat is het gsm-nummer van de vdab-adviseur in ons lokaal partnerschap?", action="no_answer",
                 entities=[entity("rol", "vdab-adviseur")])
    assert NO_ANSWER_MARKER in answer.text.split("\n")[0]
    assert len(answer.text.split()) <= 60  # the decline and the contacts fit the first screen


def test_a_decline_about_the_lp_names_the_lp_contacts(kb):
    answer = ask(kb, "wat is het gsm-nummer van de vdab-adviseur in ons lokaal partnerschap?", action="no_answer",
                 entities=[entity("rol", "vdab-adviseur")])
    assert answer.text.startswith("Sorry, dat " + NO_ANSWER_MARKER)
    assert messages.M003_CONTACTS_INTRO in answer.text



def test_a_decline_about_glow_names_the_glow_contacts_not_those_of_the_document_that_cites_glow_first(kb):
    # the glossary term GLOW cites the LP draaiboek (§3.1 names GLOW); the draaiboek GLOW is its own
    answer = ask(kb, "voor welke extra ondersteuning kan ne klant bij glow terecht buiten de stages?", action="no_answer",
                 entities=[entity("traject", "glow")])
    assert answer.declined and "GLOW" in answer.text and "anneloes" not in answer.text.casefold()
    assert "Draaiboek GLOW" in (answer.source_line or "")

def test_a_question_that_opens_with_a_verb_asks_ja_or_nee_whatever_follows():
    assert read_question("tijdens een combinatietraject, mag ik rechtstreeks mailen over hoe het gaat?").kind == "ja_nee"
    assert read_question("bouwt mijne leefloner sociale rechten op in glow?").kind == "ja_nee"


def test_a_sentence_that_denies_what_is_asked_gives_nee_first(kb):
    answer = ask(kb, "is een samenlevingsjob voor de SERV een invulling van het ultiem jobaanbod?",
                 intent="serv_beperking_werkloosheidsuitkering")
    assert answer.text.startswith("Nee: ") and "geen invulling" in answer.text, answer.text
    # a denial with a condition ("…, tenzij …") is no plain nee read from the sentence alone (a ruling
    # that cites it may still say nee and name the exception, see the rulings below)
    question = "bouwt mijne cliënt sociale rechten op tijdens de stages in glow?"
    sentence = ("In een GLOW-traject bouwt de klant geen sociale rechten op (als die nog niet verworven zijn), "
                "tenzij hij tijdens het GLOW-traject aan de slag kan.")
    assert verdict(kb, read_question(question), question, sentence) is None


def test_a_question_about_something_else_than_getting_in_gets_no_eligibility_verdict(kb):
    # a leefloner and GLOW are named, but the question is about social rights, not about access
    answer = ask(kb, "bouwt mijne leefloner sociale rechten op tijdens de stages in glow?", intent="glow_sociale_rechten")
    assert "GLOW kan voor je cliënt" not in answer.text and not answer.text.startswith("Ja")


def test_a_question_about_today_is_not_answered_from_a_background_document(kb):
    answer = ask(kb, "kan ons ocmw zich nu nog kandidaat stellen als proeftuin vdab-ocmw?", action="no_answer")
    assert NO_ANSWER_MARKER in answer.text.splitlines()[0]


def test_meer_uitleg_without_an_earlier_answer_says_so(kb):
    answer = ask(kb, "vertel meer", intent="meer_uitleg")
    assert answer.text == messages.M052_NOTHING_TO_EXPLAIN and not answer.substantive


def test_a_duration_question_gets_the_sentence_with_the_duration(kb):
    answer = ask(kb, "bvs als combitraject, hoe lang mag die max duren?", intent="bvs_wat")
    assert answer.text.startswith("Ze duurt maximaal 30 kalenderdagen")


def test_a_duration_the_topic_does_not_give_about_what_is_asked_is_declined_not_answered_with_an_age(kb):
    # the target group's "jonger dan 16 jaar" is no duration of a begeleiding
    answer = ask(kb, "hoe lang mag een begeleiding in een lokaal partnerschap maximaal duren?", intent="lp_doelgroep")
    assert answer.declined and "16 jaar" not in answer.text


def test_a_follow_up_the_nlu_cannot_place_gets_the_topic_of_the_same_document_its_title_names(kb):
    first = ask(kb, "wat is glow eigenlijk", intent="glow_wat")
    follow_up = ask(kb, "en voor wie is da bedoeld?", intent="nlu_fallback", action="no_answer",
                    previous=Context(first.record_ids))
    assert follow_up.record_ids == ["glow-doelgroep"] and not follow_up.declined


def test_a_rule_whose_condition_the_question_states_gives_its_nee_first(kb):
    answer = ask(kb, "ik registreer ne bvs voor een leefloner buiten twe, mag ik dan gewoon het twe financieringsnummer gebruiken?",
                 intent="bvs_financieringsnummer", entities=[entity("context", "buiten-twe")])
    assert answer.text.startswith("Nee")
    # the opposite condition ("binnen" for "buiten") meets no rule: no verdict
    other = ask(kb, "ik registreer ne bvs binnen twe, mag ik het twe financieringsnummer gebruiken?",
                intent="bvs_financieringsnummer", entities=[entity("context", "binnen-twe")])
    assert not other.text.startswith(("Nee", "Ja"))


def test_an_abbreviation_is_written_out_as_a_source_text_writes_it(kb):
    answer = ask(kb, "MEA, waar staat da voor?", action="no_answer")
    assert answer.text.startswith("MEA staat voor Multi-Elementen-Advies.")
    assert "Onderzoeksrapport proeftuinen" in answer.source_line
    # what no text writes out is not guessed
    assert not ask(kb, "waar staat XYZQ voor?", action="no_answer").text.startswith("XYZQ staat voor")


@pytest.mark.parametrize(
    "question, expected",
    [
        # "wat is …" about capitals the glossary does not know
        ("wat betekent TAZ eigenlijk?", "taz staat voor tender activeringszorg"),  # the "z" of the compound "-zorg"
        ("UKW, wa is da?", "ukw staat voor uiterst kwetsbare werkzoekenden"),
        ("MPSA staat voor?", "mpsa staat voor meetinstrument voor professionele en sociale activering"),  # between quotes
    ],
)
def test_what_an_unknown_abbreviation_is_gets_it_written_out(kb, question, expected):
    answer = ask(kb, question, intent="glow_wat")
    assert answer.text.casefold().startswith(expected), answer.text


def test_an_abbreviation_is_quoted_from_the_section_about_it(kb):
    answer = ask(kb, "waar staat MPSA voor?", action="no_answer")
    # not the introduction that lists the two instruments, but the section that presents the MPSA
    assert "Daarna gaan we in op twee instrumenten" not in answer.text
    assert "ontwikkeld door OCMW Antwerpen" in answer.text, answer.text


def test_a_known_abbreviation_asked_what_it_is_gets_its_topic(kb):
    answer = ask(kb, "wat is een BVS?", intent="bvs_wat")
    assert not answer.text.startswith("BVS staat voor") and "beroepsverkennende stage" in answer.text.casefold()


def test_a_passage_that_says_the_same_negation_as_the_question_answers_it(kb):
    answer = ask(kb, "kortgeschorsten: tot hoeveel weken kregen die geen begeleiding door het ocmw in de proeftuinen?",
                 intent="proeftuin_wat")
    assert "dertien weken" in answer.text


def test_a_difference_gets_what_one_side_has_and_the_other_not(kb):
    answer = ask(kb, "wat is het verschil tussen glow en twe ocmw?", intent="glow_twe_ocmw")
    assert "art. 60" in answer.text and answer.shortened


def test_a_question_about_a_numbered_part_the_topic_does_not_have_is_declined(kb):
    # the report is about fase 2 of the proeftuinen; fase 3 is in no text
    assert ask(kb, "wat waren de resultaten van fase 3 van de proeftuinen vdab-ocmw?", intent="proeftuin_wat").declined
    assert not ask(kb, "wat waren de resultaten van fase 2 van de proeftuinen?", intent="proeftuin_wat").declined


def test_the_sentence_that_carries_the_verdict_comes_right_after_it(kb):
    answer = ask(kb, "mag ik als lp-begeleider rechtstreeks mailen met de vdab-partner tijdens een combinatietraject?",
                 intent="combinatietraject_opvolging")
    # not "Nee: Bijkomend is het belangrijk om … bij te houden" (the record's first sentence)
    assert answer.text.startswith("Nee: Rechtstreeks communiceren tussen de VDAB-partner")


# --- verdicts read from one clause ---------------------------------------------------------------
def test_a_sentence_that_permits_what_is_asked_gives_ja_first(kb):
    answer = ask(kb, "mogen het ocmw of het lokaal bestuur zelf ook aanbod geven voor een combinatietraject?",
                 intent="combinatietraject_wat")
    assert answer.text.startswith("Ja: ") and "lokale besturen" in answer.text.split("\n")[0], answer.text
    assert "§3 Complementariteit" in answer.source_line


def test_a_permission_about_something_else_of_the_question_gives_no_ja(kb):
    # "een wijziging in het traject kan … pas vanaf de uitkering stopt" shares words, not what is asked
    answer = ask(kb, "mag de bemiddelaar van vdab mijn klant vertellen op welke datum zijn uitkering stopt?",
                 intent="lp_werkloosheidsuitkering_beperking")
    assert not answer.text.startswith(("Ja", "Dat hangt")), answer.text


def test_an_explicit_denial_gives_nee_also_when_the_question_names_the_client(kb):
    answer = ask(kb, "moet ik zelf de glow partner bellen voor mijne leefloner?", intent="glow_overdracht")
    assert answer.text.startswith("Nee: Je hoeft de GLOW-partners zelf niet te contacteren"), answer.text


def test_client_words_the_rules_cannot_read_give_the_criterion_not_a_ja(kb):
    # no document says how many hours are half-time: the criterion, in the document's words
    answer = ask(kb, "leefloner van 40, kan ongeveer 12 uur per week werken, nood aan werkervaring. kan die in twe?",
                 intent="twe_doelgroep")
    assert answer.text.startswith("Dat hangt af van de voorwaarden van TWE-OCMW"), answer.text
    assert "minimaal halftijds" in answer.text


@pytest.mark.parametrize(
    "text, negative",
    [
        ("klant heeft nog geen dossier bij vdab. moet die eerst ingeschreven zijn?", False),
        ("als ik de deelname nie attesteer, heeft da gevolgen voor hem?", False),
        ("leefloner met label niet-toeleidbaar, kan die in twe?", False),
        ("technische opleiding van een half jaar nodig, twe of nie?", False),
        ("mag ik da nie doen?", True),
        ("kan een klant zonder verblijfsstatuut in het LP?", True),
    ],
)
def test_a_question_is_negative_only_where_it_asks_negatively(text, negative):
    asked = read_question(text)
    assert asked.kind == "ja_nee" and asked.negative is negative


# --- comparisons --------------------------------------------------------------------------------
def test_what_two_things_share_gets_the_items_listed_as_their_likenesses(kb):
    answer = ask(kb, "wat hebben glow en twe-ocmw gemeen", intent="glow_twe_ocmw")
    assert read_question("wat hebben glow en twe-ocmw gemeen").kind == "gemeen"
    assert "dezelfde doelgroep" in answer.text and "24 maanden" in answer.text, answer.text
    assert "art. 60" not in answer.text  # a difference, under "Wat is anders:"
    assert "§1.6.1" in answer.source_line


def test_a_difference_gets_the_items_listed_as_differences_not_the_likenesses(kb):
    answer = ask(kb, "wa is het verschil tussen glow en twe ocmw?", intent="glow_twe_ocmw")
    assert "art. 60" in answer.text and "sociale rechten" in answer.text, answer.text
    assert "dezelfde doelgroep" not in answer.text


def test_a_passage_worded_otherwise_than_the_question_is_found_by_its_meaning(kb, kb_path, tmp_path):
    from bot.nlp import encoder
    from actions.actions import neighbours_of
    from bot.nlp.passage_neighbours import PassageVectors

    question = "werd er in de proeftuin van Mortsel na de eerste fase een akkoord gesloten tussen vdab en ocmw?"
    nearest = PassageVectors.of(kb_path, tmp_path).nearest(encoder.encode([question])[0], 10)
    neighbours = neighbours_of({"passage_neighbours": nearest})
    by_words = ask(kb, question, action="no_answer")
    by_meaning = answering.answer(kb, answering.Turn(
        text=question, intent="nlu_fallback", action="no_answer", previous=Context(), neighbours=neighbours))
    # the words alone find "akkoorden gesloten met de lokale autoriteiten"; the report's sentence on
    # Mortsel says "samenwerkingsovereenkomst" for "akkoord"
    assert "samenwerkingsovereenkomst tussen de VDAB en OCMW Mortsel" not in by_words.text
    assert "samenwerkingsovereenkomst tussen de VDAB en OCMW Mortsel" in by_meaning.text, by_meaning.text
    assert "§2.2.3" in by_meaning.source_line


def test_a_passage_about_the_service_asked_beats_one_about_another(kb):
    # the annex on gemeenschapsdienst shares more words ("per uur bovenop de uitkering") but is not
    # about the samenlevingsjob the question names
    answer = ask(kb, "hoeveel krijgt iemand per uur bovenop zijn uitkering in een samenlevingsjob volgens de SERV?",
                 action="no_answer")
    assert "4,5 euro" in answer.text, answer.text


def test_a_question_for_a_share_is_answered_with_a_percentage_or_not_at_all(kb):
    answer = ask(kb, "hoeveel procent van de wijk-werkers stroomde door naar duurzaam werk volgens de serv?",
                 action="no_answer")
    assert answer.declined or "%" in answer.text, answer.text


def test_a_follow_up_no_topic_answers_is_read_in_the_documents_of_the_answer_it_follows(kb):
    first = ask(kb, "mijne jongere zit bij ons in het LP en moet naar de evaluatie BIT", intent="lp_bit_evaluatie")
    answer = ask(kb, "heeft da iets te maken met zijn groeipakket?", action="no_answer",
                 previous=Context(first.record_ids, None, [], []))
    assert "groeipakket staat los van" in answer.text, answer.text
    assert "§4" in answer.source_line


def test_one_fact_of_a_background_document_is_found_beyond_the_topic_that_sums_it_up(kb, monkeypatch):
    question = "kan ne samenlevingsjob ook ingezet worden bij particulieren?"
    # the advice's ruling settles it, verdict first …
    answer = ask(kb, question, intent="serv_samenlevingsjobs_wat")
    assert answer.text.startswith("Nee: Volgens het SERV-advies") and "niet bij particulieren" in answer.text, answer.text
    # … and without a ruling the sentence is still found beyond the topic that sums the advice up
    every = kb.all
    monkeypatch.setattr(kb, "all", lambda kind: [] if kind == "rulings" else every(kind))
    answer = ask(kb, question, intent="serv_samenlevingsjobs_wat")
    assert answer.text.startswith("Letterlijk uit SERV-advies") and "niet bij particulieren" in answer.text, answer.text


# --- rulings: a cited rule settles a ja/nee question --------------------------------------------
def test_a_question_that_names_a_ruling_gets_its_verdict_first_with_its_source(kb):
    reply = ask(kb, "bouwt mijne leefloner sociale rechten op tijdens de stages in glow?")
    assert reply.verdict == "nee" and reply.text.startswith("Nee: De klant bouwt geen sociale rechten op")
    assert "tenzij" in reply.text  # the exception the document states comes with it
    assert "§1.6.2" in reply.source_line and reply.shortened  # the whole topic on "Meer uitleg"
    assert reply.record_ids[0] == "glow-sociale-rechten"


@pytest.mark.parametrize(
    "text",
    [
        "bouwt ne klant in glow geen sociale rechten op?",  # asked negatively: a verdict is easily misread
        "bouwt mijne leefloner sociale rechten op?",  # does not name GLOW
        "wat zijn sociale rechten in glow?",  # no ja/nee question
    ],
)
def test_a_ruling_gives_no_verdict_where_the_question_is_not_its_question(kb, text):
    assert ask(kb, text).verdict is None


@pytest.mark.parametrize(
    "text",
    [
        # a rule about another person's situation says nothing about the client's
        "vrouw van mijne cliënt is langdurig ziek met arbeidscontract. kan mijne cliënt zelf in het LP?",
        "partner van mijne klant heeft label niet-toeleidbaar. kan mijne klant zelf nog in twe?",
        "de vrouw van mijne klant is tijdelijk werkloos (cat 92). kan mijne klant in glow?",
        "zoon van 17 van ne leefloner, onderwijs lukt nie meer. LP mogelijk?",
        # "only for …?": a ja would say only they may
        "is glow enkel voor uitkeringsgerechtigde werkzoekenden?",
        "is glow alleen voor mensen met een werkloosheidsuitkering?",
        # a contrast or a comparison: a ja or nee says which side?
        "heeft de vdab bemiddelaar wel zicht op het volledige traject van de klant, in tegenstelling tot de adviseur?",
        "blijft het recht op bemiddeling volgens de serv beperkt in de tijd zoals de uitkering?",
        # the instrument is asked about, not whether the client gets in
        "kan een leefloner die in glow zit via glow art 60 rechten opbouwen?",
    ],
)
def test_no_verdict_for_another_person_an_only_question_a_contrast_or_an_instrument(kb, text):
    assert ask(kb, text).verdict is None


def test_the_client_described_by_age_and_sex_is_the_client():
    assert not read_question("vrouw van 40, niet-beroepsactief, geen uitkering. is da doelgroep LP?").someone_else
    assert read_question("zijn partner is langdurig ziek, kan hij in het LP?").someone_else


@pytest.mark.parametrize(
    "text, verdict",
    [
        # the order the question states settles what the rule table leaves open ("hangt af")
        ("klant zit in glow, kan die ook in het LP?", "nee"),
        ("klant zit in het LP, kan die ook in glow?", "hangt af"),
    ],
)
def test_a_ruling_settles_a_combination_the_question_puts_in_order(kb, text, verdict):
    answer = ask(kb, text, intent="combinatie_check", action="combination",
                 entities=[entity("traject", "glow"), entity("traject", "lp")])
    assert answer.verdict == verdict, answer.text


@pytest.mark.parametrize(
    "text, verdict",
    [
        # the question states the exception or the condition the rule names
        ("mag de glow partner nazorg op de werkvloer doen als de werkgever daar nie mee akkoord is?", "nee"),
        # … a ruling that names the negation itself ("zonder akkoord": then only naast de werkvloer)
        ("mag de GLOW-partner nazorg doen naast de werkvloer zonder akkoord van de werkgever?", "ja"),
        ("mag de GLOW-partner nazorg doen op de werkvloer zonder akkoord van de werkgever?", "nee"),
        ("klant heeft rechten LDE en uit de evaluatie blijkt NEC haalbaar, kan twe starten?", "ja"),
        ("klant heeft rechten BW maar NEC is nie haalbaar. kan twe starten?", "nee"),
        ("klant heeft AMA SEC advies, kan die in glow?", "nee"),
        ("kan een combinatietraject direct bij de start van het LP?", "nee"),
        ("vindt de SERV het goed dat gemeenschapsdienst afgeschaft wordt?", "ja"),
        ("vindt de SERV het slecht dat gemeenschapsdienst afgeschaft wordt?", None),
        # it will stop, but not yet: "zolang er geen nieuw concept is, blijft het oude nog van kracht"
        ("is gemeenschapsdienst al afgeschaft?", "nee"),
        ("is gemeenschapsdienst afgeschaft?", "nee"),
        # a 16-year-old: "onderwijs" is no "onder 16" (the other LP criteria still decide)
        ("Klant is 16. Het onderwijs is geen optie meer. Kan die in het LP?", "hangt af"),
        ("klant is 16 en onderwijs is nog wel een optie, kan die in het LP?", "hangt af"),
        # the client is "een vrouw": no other person; her being not yet employable excludes her
        ("ik begeleid een vrouw met 3 kinderen, leefloon, psychische problemen en ze is momenteel echt nog niet "
         "inzetbaar. is zij doelgroep glow?", "nee"),
        # a tax on the allowance is no private company
        ("wordt er bij gemeenschapsdienst bedrijfsvoorheffing afgehouden?", None),
        # wijk-werken's rule is no rule of gemeenschapsdienst
        ("kan gemeenschapsdienst bij particulieren zoals wijk-werken?", None),
        ("wordt gemeenschapsdienst afgeschaft?", "hangt af"),
        # halftijds is a condition besides others: required ("moet"), not enough to start ("mag")
        ("moet de klant minstens halftijds kunnen werken voor twe?", "ja"),
        ("mag twe starten als de klant minstens halftijds op de werkvloer kan?", None),
        # the request for SE rights is made during art60§7; after it the text says nothing
        ("moet het ocmw de rechten SE aanvragen na de periode art 60?", None),
        # an appeal against a decision of the mutualiteit is no RIZIV benefit (GLOW §1.3 leaves that group out)
        ("vrouw 39, werknemer, ligt in beroep tegen een beslissing van de mutualiteit. komt ze in aanmerking voor glow?", None),
    ],
)
def test_a_ruling_reads_the_condition_the_question_states(kb, text, verdict):
    assert ask(kb, text).verdict == verdict


@pytest.mark.parametrize(
    "text",
    [
        # a short job in social economy is a step inside GLOW, not the client's highest achievable
        "glow klant heeft in maand 5 een korte tewerkstelling in de sociale economie. kan da binnen glow?",
        # guidance that is over is no current guidance
        "klant heeft zijn gespecialiseerde bemiddeling afgesloten en nu complexe multiproblematiek. kan die in het LP?",
    ],
)
def test_the_eligibility_reader_does_not_exclude_on_a_misread_fact(kb, text):
    assert ask(kb, text).verdict != "nee"


@pytest.mark.parametrize(
    "text, ruling_id",
    [
        ("man van 41, ontslagen na ziekte en nu in beroep tegen de mutualiteit. kan die in glow?",
         "glow-doelgroep-beroep-mutualiteit"),
        ("cliënt van 28 zonder verblijfspapieren, zit al een tijd bij ons in begeleiding. kan die in het LP?",
         "lp-zonder-verblijfsstatuut"),
    ],
)
def test_an_exclusion_stands_amid_the_rest_of_a_clients_description(kb, text, ruling_id):
    # one fact of the description is what the ruling excludes; the others say who the client is
    reply = ask(kb, text)
    assert reply.verdict == "nee" and ruling_id in reply.record_ids, reply.text


@pytest.mark.parametrize(
    "text, verdict",
    [
        # a trajectory's name alone after the description asks whether the client can get in
        ("klant zit in een zware psychische crisis, hij is nu echt nie inzetbaar. glow?", "nee"),
        ("klant heeft nood aan werkervaring maar NEC is pas haalbaar na 4 jaar begeleiding. twe?", "nee"),
        # the rest of the description names the ruling's exception, or the fact is past
        ("mama van 3 kinderen (12, 14 en 15 jaar), kan zij in het LP?", None),
        ("Klant heeft net zijn verblijfsstatuut gekregen, was vroeger zonder papieren. Kan die in het LP?", None),
    ],
)
def test_a_described_clients_exclusion_is_read_in_the_present_client_only(kb, text, verdict):
    assert ask(kb, text).verdict == verdict


@pytest.mark.parametrize(
    "text, intent, entities",
    [
        # a topic text written for "kan X?" opens with "Ja,"; asked the other way round it must not
        ("valt ne leefloongerechtigde buiten de glow doelgroep?", "glow_doelgroep", [entity("status", "leefloon")]),
        ("sluit glow tijdelijke werklozen uit?", "glow_doelgroep", [entity("status", "tijdelijk-werkloos")]),
        ("vrouw van mijne klant werkt deeltijds cat 80. mag hij zelf naar glow?", "glow_doelgroep",
         [entity("status", "deeltijds-werkzoekend")]),
    ],
)
def test_a_topic_texts_opening_verdict_is_left_out_when_the_question_is_asked_otherwise(kb, text, intent, entities):
    reply = ask(kb, text, intent=intent, entities=entities)
    assert reply.verdict is None and not reply.text.casefold().startswith(("ja", "nee")), reply.text


def test_a_combination_the_table_allows_is_no_ja_to_starting_it_right_away(kb):
    reply = ask(kb, "klant zit sinds 2 weken in ons LP en we willen direct een vdab opleiding erbij starten als combinatie. "
                    "kan dat meteen?", intent="combinatie_check", action="combination",
                entities=[entity("traject", "lp"), entity("instrument", "vdab-opleiding")])
    assert reply.verdict != "ja" and not reply.text.startswith("Ja"), reply.text


def test_a_label_that_is_over_is_not_the_clients():
    from bot.eligibility import read_facts

    assert "niet_toeleidbaar" not in read_facts("klant was vroeger niet-toeleidbaar maar dat label is vervallen. kan die nu in twe?")
    assert read_facts("klant heeft het label niet-toeleidbaar, kan die in twe?")["niet_toeleidbaar"] == "ja"


def test_a_combinations_verdict_is_left_out_when_the_question_is_asked_the_other_way_round(kb):
    reply = ask(kb, "klant heeft ne VOP kaart. sluit da twe uit?", intent="combinatie_check", action="combination",
                entities=[entity("traject", "twe-ocmw"), entity("instrument", "vop")])
    assert reply.verdict is None and not reply.text.startswith(("Ja", "Nee")), reply.text


@pytest.mark.parametrize(
    "text",
    [
        # "mag X nie in glow?": "ja" and "nee" each read two ways
        "mag ne leefloner nie in glow?",
        "kan ne klant met werkloosheidsuitkering nie in glow?",
        # the partner is asked about, not the client's access ("SEC is het hoogst haalbare" is no exclusion of that)
        "als tijdens glow SEC het hoogst haalbare blijkt, kan de glow partner verder begeleiden naar SEC?",
    ],
)
def test_no_eligibility_verdict_for_a_denied_verb_or_an_actors_question(kb, text):
    reply = ask(kb, text)
    assert "voor je cliënt" not in reply.text, reply.text  # "Ja, GLOW kan voor je cliënt …"


def test_a_denial_is_about_what_it_denies(kb):
    # "de begeleiding mag niet afhangen van een uitkering" says nothing about social economy for guidance
    asked = read_question("kan de vdab volgens de SERV ook gebruik maken van sociale economie voor begeleiding?")
    sentence = ("De begeleiding mag niet afhangen van het krijgen van een uitkering en gaat verder binnen VDAB "
                "of bij een OCMW, welzijn of sociale economie.")
    assert verdict(kb, asked, "kan de vdab volgens de SERV ook gebruik maken van sociale economie voor begeleiding?",
                   sentence) is None
    # … while "rechtstreeks communiceren … kan niet" denies what stands before it
    question = "mag de LP partner rechtstreeks communiceren met de vdab partner?"
    assert verdict(kb, read_question(question), question,
                   "Rechtstreeks communiceren tussen de VDAB-partner en de partners van het lokaal partnerschap kan niet.") == "nee"


def test_what_is_not_required_is_not_denied(kb):
    # "dat hoeft geen Nederlands te zijn" says Dutch is not required, not that the client cannot
    question = "mijne cliënt spreekt geen nederlands maar wel vlot engels en kan zeggen welke job hij wil. kan die in glow?"
    sentence = ("Taalkennis om in te stappen: je klant heeft voldoende taalkennis om aan te geven welke job hij wil "
                "uitvoeren. Dat hoeft geen Nederlands te zijn: een vlotte beheersing van een contacttaal (Frans, Engels) kan ook.")
    assert verdict(kb, read_question(question), question, sentence) != "nee"


_BVS_IN_A_COMBINATION = [entity("instrument", "bvs"), entity("traject", "combinatietraject")]
_GLOW_AND_LP = [entity("traject", "glow"), entity("traject", "lp")]


@pytest.mark.parametrize(
    "text, entities, fact",
    [
        # a limit the question names settles more than the pair table's "kunnen samen"
        ("is een bvs van 35 kalenderdagen toegelaten als combinatietraject?", _BVS_IN_A_COMBINATION, "30 kalenderdagen"),
        ("bvs van 2 maand als combinatietraject, ok?", _BVS_IN_A_COMBINATION, "30 kalenderdagen"),
        # the order the question states settles the pair table's "hangt af" (also said of one fact of a description)
        ("mijne cliënt zit in een GLOW traject, kan die daarnaast ook begeleiding krijgen in het lokaal partnerschap?",
         _GLOW_AND_LP, "komen niet in aanmerking"),
        ("ik heb ne klant die nu in GLOW zit maar ook zware multiproblematiek heeft, kan die daarnaast in een lokaal "
         "partnerschap?", _GLOW_AND_LP, "komen niet in aanmerking"),
    ],
)
def test_a_ruling_overrides_the_pair_tables_verdict(kb, text, entities, fact):
    answer = ask(kb, text, intent="combinatie_check", action="combination", entities=entities)
    assert answer.verdict == "nee" and fact in answer.text, answer.text


def test_an_appeal_against_the_mutuality_is_read_in_a_longer_wording(kb):
    reply = ask(kb, "klant met riziv-uitkering die in beroep is tegen zijn mutualiteit, kan die glow?")
    assert reply.verdict == "nee" and "mutualiteit" in reply.text, reply.text


def test_an_exclusion_needs_its_words_in_one_fact_of_the_description(kb):
    # "meer dan halftijds" and "minder dan voltijds" are two facts: not "minder dan halftijds"
    assert ask(kb, "klant kan meer dan halftijds maar minder dan voltijds werken, kan die in TWE?").verdict != "nee"


def test_a_ruling_word_names_the_compounds_it_ends_in(kb):
    # "arbeidscontract" is a contract: the rule about the long-term sick with a contract settles it
    reply = ask(kb, "klant is al jaren ziek maar heeft nog een arbeidscontract, past die in het LP?")
    assert reply.verdict == "nee" and reply.record_ids[1] == "lp-langdurig-ziek-met-contract", reply.text
    # … and a word does not name a longer word that merely starts like it
    assert ask(kb, "gemeenschapsdienst bij een maatwerkbedrijf dat een vzw is, kan da?").verdict != "nee"


def test_a_question_that_states_a_rulings_exception_gets_the_exceptions_ruling(kb):
    # "tenzij de klant aan de slag kan": the "nee" ruling lists it under `unless`, its own ruling says ja
    reply = ask(kb, "klant in glow vindt werk, bouwt die dan sociale rechten op?")
    assert reply.verdict == "ja" and reply.record_ids[1] == "glow-sociale-rechten-aan-de-slag", reply.text


def test_a_follow_up_reads_a_ruling_with_the_previous_answers_topic(kb):
    reply = ask(kb, "en bouwt die dan sociale rechten op?", previous=Context(record_ids=["glow-wat"]))
    assert reply.verdict == "nee" and "GLOW" in reply.text
    assert ask(kb, "en bouwt die dan sociale rechten op?").verdict is None  # no GLOW answer before it


def test_a_topic_whose_answering_sentences_lack_the_fact_asked_is_declined(kb):
    # the topic names a year (its start, januari 2024), but no sentence says until when it runs
    answer = ask(kb, "tot welk jaar lopen de lokale partnerschappen nog?", intent="lp_doelstelling")
    assert answer.declined and "2024" not in answer.text


@pytest.mark.parametrize(
    "text, verdict",
    [
        # a ruling that says "je hoeft niet" answers whether one must, not whether one may
        ("moet ik zelf de glow-partner contacteren om een traject te starten?", "nee"),
        ("mag ik zelf de glow-partner contacteren om een traject te starten?", None),
        # "kan direct starten" says nothing to "moet … ingeschreven zijn?"; the rule that does says nee
        ("mijne cliënt is nog niet gekend bij vdab. moet die zich eerst inschrijven om in het LP te starten?", "nee"),
        # the question asks something else about the same thing: "daarna recht op een uitkering"
        ("leefloner in glow, heeft hij daarna recht op een uitkering?", None),
        ("moet de vdab-adviseur of de bemiddelaar het combinatietraject starten?", None),  # a choice
        ("is glow enkel voor mensen met een werkloosheidsuitkering?", None),  # only …?
        # a number of the question must stand in the rule, in the same units
        ("wordt ne klant met het label niet-toeleidbaar 2 jaar vrijgesteld van stappen naar werk?", "ja"),
        ("wordt ne klant met het label niet-toeleidbaar 2 maanden vrijgesteld van stappen naar werk?", None),
        ("mag gemeenschapsdienst minder dan 32u per maand zijn?", "nee"),
        ("mag gemeenschapsdienst minder dan 32u per week zijn?", None),
        # `unless` as a phrase in quotes, so that "niet" counts: certified may, not certified is not said
        ("ons ocmw is icf gecertificeerd, mogen we zelf het advies indicering doen?", "ja"),
        ("mag een niet-gecertificeerd ocmw zelf het advies indicering doen?", None),
        # a number in a ruling's range ("< N uur week", ">= N maand"), said of what the ruling is about
        ("WES van 12u per week in glow, kan da?", "ja"),
        ("wes van 25u per week in glow mogelijk?", None),  # outside the range: the rule does not say
        ("krijgt mijne klant een vrijstelling met ne wes van 10 uur per week?", "nee"),
        ("mijne klant in glow wil een vdab-opleiding van 10 maanden volgen, mag da?", "nee"),
        ("mag een bvs 40 dagen duren?", "nee"),
        ("mag een bvs 20 dagen duren?", "ja"),
        ("mag een bvs 25 werkdagen duren?", None),  # working days are not calendar days
        # another way a line of `asks` is written explains the question's word ("teams" for "online") …
        ("mag da driegesprek met de bemiddelaar ook via teams doorgaan?", "ja"),
        # … but not a number or unit of it: "meer dan 2 jaar" does not explain "een jaar"
        ("mag GLOW langer duren dan een jaar?", None),
    ],
)
def test_a_ruling_answers_only_the_question_it_settles(kb, text, verdict):
    assert ask(kb, text).verdict == verdict



def test_a_combination_the_rule_table_does_not_hold_is_settled_by_a_ruling(kb):
    answer = ask(kb, "mag ne leefloner glow en twe-ocmw gelijktijdig doen?", intent="combinatie_check",
                 action="combination", entities=[entity("traject", "glow"), entity("traject", "twe-ocmw")])
    assert answer.text.startswith("Nee: Een combinatie van GLOW en TWE OCMW is niet mogelijk"), answer.text


def test_a_glossary_term_written_in_several_words_is_what_a_ruling_asks(kb):
    # "art 60" is one term: its words are not left unexplained
    answer = ask(kb, "is een art 60 buiten twe toegelaten bij een label niet-toeleidbaar?")
    assert answer.verdict == "nee" and "art60§7" in answer.text, answer.text


def test_a_described_client_that_a_ruling_excludes_gets_its_nee_not_the_status_rules_ja(kb):
    # the eligibility rules read "mutualiteit" as RIZIV (in GLOW's target group); GLOW §1.3 excludes an appeal
    answer = ask(kb, "kan ne klant in beroep tegen zijn mutualiteit in GLOW?")
    assert answer.text.startswith("Nee: Een werknemer in beroep tegen de mutualiteit"), answer.text
    assert ask(kb, "kan ne leefloner in glow?").text.startswith("Ja, GLOW kan voor je cliënt")


# --- what a short answer is made of ----------------------------------------------------------------
def test_a_footnote_or_page_footer_run_into_a_section_is_never_quoted(kb):
    # §8.1 holds a page footer with web addresses; the contact asked for is in the record
    answer = ask(kb, "naar wie mail ik een vraag over iets wat in het draaiboek LP staat", intent="lp_contactpersonen")
    assert "anneloes.degen@vdab.be" in answer.text
    assert "https://" not in answer.text and "versie 6 13" not in answer.text


def test_a_list_asked_for_comes_with_its_items_not_its_lead_alone(kb):
    answer = ask(kb, "welke werkplek-leerinstrumenten kan de glow partner inzetten?", intent="glow_werkplekleren")
    assert all(item in answer.text for item in ("BVS", "WES", "IBO"))
    assert not any(line.rstrip().endswith(":") for line in answer.text.splitlines()[-1:])


def test_a_short_answer_says_briefly_what_kind_of_rule_it_is_and_meer_uitleg_gives_the_whole_note(kb):
    # a rule that is changing: the note's label ("Regelwijziging in uitvoering: de programmawet …")
    record = kb.get("topics", "lp-werkloosheidsuitkering-beperking")
    label, _, explained = record["status_note"].partition(": ")
    short = ask(kb, "wanneer kan het traject van ne klant wijzigen als zijn werkloosheidsuitkering stopt?",
                intent="lp_werkloosheidsuitkering_beperking")
    assert short.shortened and messages.M014_STATUS.format(note=label + ".") in short.text
    assert explained.strip() not in short.text
    more = ask(kb, "/meer_uitleg", intent="meer_uitleg", previous=Context(short.record_ids))
    assert record["status_note"].split(".")[0] in more.text
    # a background document: what it is, as the knowledge base notes it
    report = kb.document("proeftuinen")
    answer = ask(kb, "hoeveel cliënten werden er opgenomen in de proeftuin?", intent="proeftuin_bevindingen")
    assert answer.shortened and messages.M014_STATUS.format(note=report["note"].strip()) in answer.text


def test_an_unsure_intent_gives_way_to_a_next_one_whose_topic_holds_clearly_more_of_the_question(kb):
    question = "van de geregistreerde cliënten, hoeveel werden er effectief opgenomen in ne proeftuin?"

    def asked_with(confidence):
        turn = answering.Turn(
            text=question, intent="proeftuin_doelgroepinstrument", entities=[], action="answer", previous=Context(),
            ranking=[{"name": "proeftuin_doelgroepinstrument", "confidence": confidence},
                     {"name": "proeftuin_bevindingen", "confidence": 0.1}],
        )
        return answering.answer(kb, turn)

    assert "63" in asked_with(0.6).text and "39" in asked_with(0.6).text
    assert "63" not in asked_with(0.95).text  # a sure NLU keeps its topic


def test_a_range_in_a_ruling_is_checked_when_the_knowledge_base_is_built():
    from bot.answering.steps.ruling import range_problem

    assert range_problem("< 20 uur week") is None and range_problem(">= 9 maand") is None
    assert range_problem("langer dan 9") is None  # words, not a range
    assert "geen bereik" in range_problem("< twintig uur")
    assert "onbekende eenheid" in range_problem("> 30 kalenderdagen")


@pytest.mark.parametrize(
    "text, ruling_id",
    [
        ("klant wil een vdab-opleiding van 10 maanden volgen in glow, mag da?", "glow-opleiding-lang"),
        ("mag een glow traject 30 maanden duren?", "glow-duur-langer-dan-24-maanden"),
        # the months are the client's unemployment or time in GLOW, not the training's length
        ("ik heb een klant die 10 maanden werkloos is, mag die een opleiding volgen in glow", None),
        ("klant is 10 maanden in glow, mag die een opleiding volgen?", None),
        # hours per month are no months; a client's age or years of work are no trajectory's length
        ("mag een wes van 40u per maand in glow?", None),
        ("kan een klant van 30 jaar in glow?", None),
        ("mag een klant met 5 jaar werkervaring in glow?", None),
        # the client's own job hours are no WES's hours ("werk" is not "werkt")
        ("klant werkt 10u per week, mag die een WES doen in glow?", None),
        # what the rule does not cover: after GLOW, on the company's request, a second BVS
        ("mag een opleiding van 10 maanden starten na een glow traject?", None),
        ("mag een bvs van 10 dagen op vraag van het stagebedrijf?", None),
        ("mag een bvs van 20 dagen tweemaal?", None),
        # someone else's number or situation: a daughter's age, a partner's illness, the employer's exemption
        ("klant heeft een dochter van 15, kan de klant in het LP?", None),
        ("partner van mijn klant is langdurig ziek met contract, mag mijn klant in lp?", None),
        ("krijgt de werkgever een vrijstelling bij een wes van 15u per week?", None),
        ("mag klant na 24 maanden glow nog in twe?", None),
        # another actor or another question about the same thing: the client passing on information himself,
        # the SERV's position on a plan, a label the target-group rule does not read
        ("mag de klant zelf info over zijn LP traject doorgeven aan zijn vdab-bemiddelaar?", None),
        ("is de serv akkoord dat weigeren van een samenlevingsjob gesanctioneerd wordt?", None),
        ("mag ne leefloner met label niet-toeleidbaar in glow?", None),
    ],
)
def test_a_number_in_a_rulings_range_must_be_said_of_what_the_ruling_asks_about(kb, text, ruling_id):
    assert settled_by(kb, text) == ruling_id


@pytest.mark.parametrize("text", [
    "mag een wes van 10u per week in glow, en krijgt die daarvoor vrijstelling?",
    "mag ne klant in glow een opleiding van 2 maand en krijgt die dan een vrijstelling?",
])
def test_two_questions_in_one_get_no_verdict_from_a_ruling(kb, text):
    from bot.answering.steps.ruling import ruling

    turn = answering.Turn(text=text, intent="nlu_fallback")
    turn.kb = kb
    assert ruling(kb, turn) is None
    # a follow-up that opens with "en" is one question
    follow_up = answering.Turn(text="en bouwt die dan sociale rechten op?", intent="nlu_fallback",
                               previous=Context(record_ids=["glow-wat"]))
    follow_up.kb = kb
    assert ruling(kb, follow_up) is not None


def test_a_follow_up_nothing_answers_is_declined_with_the_contacts_of_the_conversations_document(kb):
    first = ask(kb, "wat is de doelgroep van het lokaal partnerschap?", intent="lp_doelgroep")
    answer = ask(kb, "en hoeveel kost da?", previous=Context(first.record_ids), action="no_answer")
    assert answer.declined and answer.text.startswith("Sorry, dat " + NO_ANSWER_MARKER)
    assert messages.M047_OFF_TOPIC not in answer.text  # not "I only answer questions about the draaiboeken"
    assert "anneloes.degen@vdab.be" in answer.text


def test_a_heading_left_in_a_section_is_never_quoted(kb):
    from bot.answering.focus import stray

    assert stray("1.6.2 Wat is anders?") and stray("Zie: https://www.serv.be/node/11643 SERV, Advies")
    assert not stray("2.2.2 Leuven In Leuven bestaat er reeds een lange traditie van samenwerking.")
    answer = ask(kb, "wat is er anders in glow tov twe?", intent="glow_twe_ocmw")
    assert "1.6.2 Wat is anders" not in answer.text and "art. 60" in answer.text


@pytest.mark.parametrize(
    "text, ruling_id",
    [
        # the client's age is context, not a number the rule must state
        ("mijne klant is 34, al maanden ziek maar heeft nog een contract. kan die in het lokaal partnerschap?",
         "lp-langdurig-ziek-met-contract"),
        ("kan ne gast van 15 in het LP?", "lp-jonger-dan-16"),
        # … and a rule about another age is not about this client
        ("klant van 35 met een dochter van 17, kan die in het LP?", None),
        # … nor is a rule that holds for some ages only (the BIT-attest: -25) settled for a client of 40
        ("klant van 40 in het LP, moet ik het BIT-attest voor hem invullen?", None),
    ],
)
def test_the_clients_age_is_context_for_a_ruling_unless_the_ruling_is_about_an_age(kb, text, ruling_id):
    assert settled_by(kb, text) == ruling_id


def test_a_list_kept_whole_cites_the_section_of_each_of_its_items():
    from bot.answering.steps.topic import cited_for

    record = {"sources": [
        {"document": "lp", "section": "7.1", "passage": "Is de klant niet ingeschreven, dan contacteert hij de Servicelijn voor een inschrijving."},
        {"document": "lp", "section": "7.2", "passage": "Is de klant ingeschreven, dan contacteert hij rechtstreeks zijn VDAB-bemiddelaar."},
        {"document": "lp", "section": "8", "passage": "Voor vragen over dit draaiboek mail je de contactpersoon."},
    ]}
    steps = ("Wat moet je doen?\n- Niet ingeschreven: de klant contacteert de Servicelijn voor een inschrijving.\n"
             "- Ingeschreven: de klant contacteert rechtstreeks zijn VDAB-bemiddelaar.")
    assert [c["section"] for c in cited_for(record, [steps])] == ["7.1", "7.2"]


def test_a_ja_nee_question_that_names_a_date_is_not_declined_for_want_of_that_date(kb):
    # "moet … zeggen vanaf wanneer …" asks whether, not when: the sentences about who tells the client answer it
    answer = ask(kb, "moet de vdab-bemiddelaar aan de klant zeggen vanaf wanneer zijn werkloosheidsuitkering gaat stoppen?",
                 intent="lp_werkloosheidsuitkering_beperking")
    assert not answer.declined and "zonder uitspraken te doen over individuele cases" in answer.text


@pytest.mark.parametrize("text, verdict", [
    # the client described by a negation the rule is about: its verdict
    ("kan iemand zonder papieren in het LP?", "nee"),
    # the question itself negated: none (a ja or nee to "mag die niet …?" is easily misread)
    ("iemand zonder verblijfsstatuut, mag die niet in het LP?", None),
    # a negation the rule is not about: none
    ("kan een klant zonder inschrijving in glow?", None),
])
def test_a_ruling_answers_a_question_with_a_negation_only_when_the_rule_is_about_that_negation(kb, text, verdict):
    from bot.answering.steps.ruling import ruling

    turn = answering.Turn(text=text, intent="nlu_fallback")
    turn.kb = kb
    found = ruling(kb, turn)
    assert (found.verdict if found else None) == verdict


def test_a_follow_up_the_nlu_reads_in_another_document_is_answered_from_the_conversations_document(kb):
    turn = answering.Turn(
        text="en welke duurtijd vinden ze gepast?", intent="bvs_wat", entities=[], action="answer",
        ranking=[{"name": "bvs_wat", "confidence": 0.48}, {"name": "eligibility_check", "confidence": 0.14}],
        previous=Context(record_ids=["serv-gemeenschapsdienst-wijkwerken"]),
    )
    answer = answering.answer(kb, turn)
    assert "beroepsverkennende stage" not in answer.text.casefold()  # the LP's BVS is not what the SERV advises
    assert answer.declined or "SERV" in (answer.source_line or "")


@pytest.mark.parametrize("text", [
    "valt een leefloner buiten de doelgroep van glow?",
    "is een klant zonder verblijfsstatuut uitgesloten van het LP?",
    "is een opleiding van 10 maanden te lang voor glow?",
    "is een wes van 15u per week te weinig in glow?",
    "is Frans als contacttaal onvoldoende voor GLOW?",
    "is het een probleem als ne klant 2 maanden opleiding volgt in glow?",
])
def test_a_question_asked_the_other_way_round_gets_no_verdict_written_for_the_plain_one(kb, text):
    # "Nee" to "valt X buiten …?" would read as its opposite
    assert read_question(text).inverted
    assert ask(kb, text, intent="glow_doelgroep").verdict is None


def test_the_clients_situation_does_not_turn_a_question_around():
    assert not read_question("werkplekleren in het nec is nog te hoog gegrepen. kan die in twe?").inverted


def test_a_word_the_question_asks_denied_outright_gives_nee_first(kb):
    # "zijn geen drempel voor TWE": the question's own word, with "geen" before it
    answer = ask(kb, "zijn VOP of APA rechten een drempel om te starten in twe?", intent="twe_rechten_vop_bw",
                 entities=[entity("traject", "twe-ocmw")])
    assert answer.text.startswith("Nee"), answer.text
    # … also when the text quotes it ("geen 'oplossing' voor wie wacht op indicering")
    answer = ask(kb, "is een samenlevingsjob volgens de serv een oplossing voor wie wacht op indicering sociale economie?",
                 intent="serv_samenlevingsjobs_voorwaarden")
    assert answer.text.startswith("Nee"), answer.text


def test_a_figure_in_the_sentence_after_the_one_that_names_what_is_asked_is_quoted_with_it(kb):
    # "Er is de groep 'aanbod uitgeput' …. Het gaat om een grote en diverse groep …. Het gaat om 2.530 personen"
    answer = ask(kb, "hoeveel mensen zitten er in de groep aanbod uitgeput volgens de serv?", action="no_answer")
    assert "2.530 personen" in answer.text and "aanbod uitgeput" in answer.text, answer.text
    assert "§5.1" in answer.source_line
    # a footnote's own number ("16 Voorheen de groep …") or a list item's "(1)" is no figure
    assert not carries_kind("hoeveel", "16 Voorheen de groep 'niet-toeleidbaar'.")
    assert not carries_kind("hoeveel", "aandacht voor volgende groepen: (1) de groep 'aanbod uitgeput'")
    assert carries_kind("hoeveel", "in het totaal werden 63 cliënten geregistreerd")


def test_a_rule_is_no_answer_to_a_question_that_negates_what_it_is_about(kb):
    # "als rechten SE toegekend worden, dan wordt TWE stopgezet" says nothing of "geen rechten SE"
    answer = ask(kb, "als er geen rechten SE worden toegekend tijdens twe, stopt twe dan?", intent="twe_nec_niet_haalbaar")
    assert not answer.text.startswith("Ja"), answer.text
    answer = ask(kb, "als rechten SE worden toegekend tijdens twe, stopt twe dan?", intent="twe_nec_niet_haalbaar")
    assert answer.text.startswith("Ja"), answer.text


def test_who_or_which_one_in_a_region_is_declined_with_the_documents_contacts(kb):
    # the draaiboeken name no regional partners; the GLOW topic about what partners do is no answer
    answer = ask(kb, "wie is de glow partner in de regio gent?", intent="glow_partner_taken", entities=[entity("traject", "glow")])
    assert answer.declined and "Contactpersonen VDAB voor GLOW" in answer.text, answer.text


def test_a_question_in_a_background_documents_own_words_is_answered_from_it(kb):
    # "knipperlichten" names no document, but only the HIVA report uses the word (documents.yml own_terms)
    answer = ask(kb, "hoeveel knipperlichten worden bij vdab beoordeeld?", intent="out_of_scope", action="no_answer")
    assert "zes knipperlichten" in answer.text and answer.source_line.startswith("Bron: Onderzoeksrapport proeftuinen")
    # a question naming neither the report nor its own words is not answered from a stray sentence of it
    answer = ask(kb, "hoeveel lampjes worden bij vdab beoordeeld?", intent="out_of_scope", action="no_answer")
    assert answer.declined


def test_a_permission_from_a_moment_on_is_nee_before_it_and_ja_once_the_question_states_it(kb):
    # "een wijziging in het traject kan, … maar pas vanaf er duidelijkheid is dat de uitkering stopt"
    before = ask(kb, "mag het traject van de klant al gewijzigd worden voor er duidelijkheid is dat de uitkering stopt?",
                 intent="lp_werkloosheidsuitkering_beperking")
    assert before.text.startswith("Nee"), before.text
    once = ask(kb, "mag het traject van de klant gewijzigd worden als er duidelijkheid is dat de uitkering stopt?",
               intent="lp_werkloosheidsuitkering_beperking")
    assert once.text.startswith("Ja"), once.text


def test_a_fact_of_a_year_no_source_text_mentions_is_declined(kb):
    # the texts mention no 2026: a start date, a count or a person of that year is not in them
    answer = ask(kb, "wanneer loopt de huidige glow-tender af en komt er ne nieuwe tender in 2026?", intent="glow_wat",
                 entities=[entity("traject", "glow")])
    assert answer.declined, answer.text
    # a year the texts do mention is asked like any other
    answer = ask(kb, "wanneer is glow van start gegaan?", intent="glow_wat", entities=[entity("traject", "glow")])
    assert not answer.declined and "1/1/23" in answer.text, answer.text


def test_a_question_for_a_link_is_not_answered_without_one(kb):
    answer = ask(kb, "heeft iemand de link naar die deeldatabank se waar de vacatures sociale economie in staan?",
                 intent="twe_vacatures_se")
    assert answer.declined, answer.text
    answer = ask(kb, "waar worden de vacatures sociale economie bijgehouden?", intent="twe_vacatures_se")
    assert "deeldatabank" in answer.text and not answer.declined


def test_a_count_of_things_is_not_answered_by_a_measure(kb):
    # "hoeveel ibo-contracten …": "24 maanden" counts no contracts
    answer = ask(kb, "hoeveel ibo-contracten mogen er maximaal ingezet worden binnen een glow-traject?", intent="glow_wat",
                 entities=[entity("traject", "glow"), entity("instrument", "ibo")])
    assert answer.declined, answer.text
    # … but a question for a share is answered by one
    assert not _counts_things(frozenset({"percentage", "wijk-werkers"}))
    assert _only_measures("Uit cijfers van 2022 blijkt dat 15% van de wijk-werkers doorstroomde") is False
    assert _only_measures("minimaal 32 en maximaal 64 uur per maand")


# --- the LP target group's exclusions, as case workers describe the client -------------------------
@pytest.mark.parametrize("text", [
    "ik heb ne man zonder papieren met heel veel problemen, kan die in een LP?",
    "mijne klant is 38, uitgeprocedeerd en heeft geen verblijfsstatuut meer, wel zware multiproblematiek "
    "(schulden, psychisch). kan die in een lp terecht?",
])
def test_a_client_without_residence_status_gets_the_exclusion_first(kb, text):
    answer = ask(kb, text, intent="lp_doelgroep")
    assert answer.verdict == "nee" and answer.text.startswith("Nee: Personen zonder verblijfsstatuut"), answer.text
    assert "§1.2" in answer.source_line


def test_a_client_with_residence_status_gets_no_exclusion(kb):
    answer = ask(kb, "mijn klant heeft een verblijfsstatuut maar geen werk, kan die in het lp?", intent="lp_doelgroep")
    assert answer.verdict != "nee", answer.text


def test_who_falls_outside_the_target_group_gets_the_list_of_exclusions(kb):
    answer = ask(kb, "wie valt er eigenlijk buiten de doelgroep van de lokale partnerschappen?", intent="lp_doelgroep")
    assert answer.text.startswith("Buiten de scope van de doelgroep vallen:"), answer.text
    assert "verblijfsstatuut" in answer.text and "arbeidscontract" in answer.text


def test_how_to_start_a_bvs_gets_the_steps_not_a_passage_about_leefloners(kb):
    answer = ask(kb, "hoe start ik ne BVS op voor ne klant die bij ons in het LP zit? wie doet wat?", intent="bvs_opstarten")
    assert "stagebedrijf" in answer.text and "registreert de BVS" in answer.text, answer.text
    assert not answer.text.startswith("Let op"), answer.text


# --- a contact's number or address ------------------------------------------------------------
@pytest.mark.parametrize("text, intent", [
    ("wa is het nummer van de servicelijn van vdab? mijne klant wil zich inschrijven", "nlu_fallback"),
    ("servicelijn vdab nummer?", "out_of_scope"),
])
def test_the_servicelijn_number_is_answered_whatever_the_nlu_made_of_it(kb, text, intent):
    answer = ask(kb, text, intent=intent, action="no_answer")
    assert not answer.declined and answer.text.startswith("VDAB Servicelijn (0800 30 700)"), answer.text
    assert "§2.2" in answer.source_line and answer.passage is not None


def test_a_word_that_starts_like_a_contact_names_no_contact(kb):
    answer = ask(kb, "heeft iemand de link of het mailadres van het contactformulier van de coaches klantendossier - partner?",
                 intent="out_of_scope", action="no_answer")
    assert answer.declined, answer.text


def test_a_question_for_an_address_gets_the_line_that_gives_it(kb):
    answer = ask(kb, "bij wie kan ik terecht met vragen over het draaiboek LP zelf? heb je een mailadres?",
                 intent="lp_contactpersonen")
    assert not answer.declined and "anneloes.degen@vdab.be" in answer.text.split("\n")[0], answer.text


# --- no confident intent ------------------------------------------------------------------------
def _unsure(kb, text, ranking):
    turn = answering.Turn(text=text, intent=ranking[0]["name"], ranking=ranking, action="no_answer", previous=Context())
    return answering.answer(kb, turn)


def test_a_question_the_nlu_is_unsure_of_is_answered_by_the_candidate_topic_that_holds_it(kb):
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "bvs_opstarten", "confidence": 0.25}]
    answer = _unsure(kb, "wie registreert ne BVS voor ne klant die in het LP zit?", ranking)
    assert not answer.declined and answer.text.startswith("de VDAB-bemiddelaar in de reguliere werking registreert"), answer.text


@pytest.mark.parametrize("text, ranking", [
    # a ja/nee from a topic the NLU was not sure of would be a guess
    ("mag een LP partner aanwezig zijn op het gesprek met de vdab bemiddelaar?",
     [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "lp_tijdens_traject", "confidence": 0.25}]),
    # what the NLU is sure is out of scope stays declined
    ("wie registreert ne BVS voor ne klant die in het LP zit?",
     [{"name": "out_of_scope", "confidence": 0.6}, {"name": "bvs_opstarten", "confidence": 0.25}]),
])
def test_no_topic_is_guessed_for_a_verdict_or_against_a_confident_out_of_scope(kb, text, ranking):
    assert _unsure(kb, text, ranking).declined


# --- background documents ---------------------------------------------------------------------------
def test_a_date_the_topic_lacks_comes_from_the_background_document_of_a_related_topic(kb):
    answer = ask(kb, "wanneer heeft de vlaamse regering het concept gemeenschapsdienst goedgekeurd?",
                 intent="glow_gemeenschapsdienst")
    assert "10 december 2021" in answer.text and answer.passage is not None, answer.text
    assert '"Het concept gemeenschapsdienst werd op 10 december 2021' in answer.text  # no footnote number before it
    assert "SERV-advies" in answer.source_line and "§bijlage-2" in answer.source_line, answer.source_line


def test_a_footnote_keeps_its_text_without_its_number(kb):
    texts = [row["text"] for row in kb.passages_in("serv-samenlevingsjobs", "bijlage-2")]
    assert "Het concept gemeenschapsdienst werd op 10 december 2021 door de Vlaamse regering goedgekeurd." in texts
    assert without_note_number("24 hiervan werden niet opgenomen.") == "24 hiervan werden niet opgenomen."


def test_a_short_follow_up_after_a_quote_is_not_read_as_a_question_of_its_own(kb):
    previous = Context([], None, [], [], [{"document": "proeftuinen", "section": "4.2"}])
    answer = ask(kb, "en omgekeerd, van vdab naar ocmw?", intent="nlu_fallback", action="no_answer", previous=previous)
    assert "negen" in answer.text and answer.passage["section"] == "4.2", answer.text


def test_a_question_naming_no_document_gets_a_background_sentence_only_when_it_holds_all_of_it(kb):
    answer = ask(kb, "op welke treden van de participatieladder kunnen werk-welzijnstrajecten relevant zijn volgens de w²-nota?",
                 action="no_answer")
    assert "trede 3 tot trede 6" in answer.text and answer.passage["document"] == "proeftuinen", answer.text
    # a near-domain question whose figures the report does not give finds a sentence with most of its words
    stray = ask(kb, "wat waren de resultaten van da esf-project warme overdracht art 60 in kortrijk en leuven, hoeveel "
                    "mensen zijn er aan het werk geraakt?", action="no_answer")
    assert stray.declined, stray.text


# --- a regular guidance that goes well, a client already in GLOW ----------------------------------------
@pytest.mark.parametrize("text", [
    "klant volgt een reguliere begeleiding naar werk bij vdab en da loopt eigenlijk goed. kan die er nog het LP bijnemen?",
    "klant volgt al een reguliere VDAB-begeleiding naar werk die goed loopt, kan die ook in het LP?",
])
def test_a_regular_guidance_that_goes_well_asks_whether_the_lp_is_needed_it_does_not_exclude_it(kb, text):
    answer = ask(kb, text, intent="lp_doelgroep")
    assert answer.verdict == "hangt af" and "noodzakelijk/aangewezen" in answer.text, answer.text


def test_the_regular_guidance_a_client_is_in_still_excludes_the_lp(kb):
    answer = ask(kb, "mijn klant (44, werkloosheidsuitkering) zit momenteel in een ibb-traject bij vdab. kan hij daarnaast "
                     "instappen in een lp?", intent="lp_doelgroep")
    assert answer.verdict == "nee", answer.text



def test_which_pages_of_the_account_guide_to_print_is_answered_with_the_pages(kb):
    answer = ask(kb, "welke paginas van de handleiding VDAB-account mag ik afdrukken om met de klant te overlopen?",
                 intent="lp_vdab_account")
    assert answer.text.startswith("De pagina's van de handleiding (enkel pag.14 t.e.m. 19)"), answer.text
    assert "§2.2" in answer.source_line
    # "t.e.m." ends no sentence
    assert len(split_sentences("Deze pagina's (enkel pag.14 t.e.m. 19) kan je afdrukken. Bespreek ze.")) == 2


@pytest.mark.parametrize("text, named, not_named", [
    # the words of a longer variant name no shorter one of the same kind …
    ("bvs voor een klant die nie in twe zit", {"#buiten-twe"}, {"#binnen-twe"}),
    # … but one of another kind they do: "in twe" is TWE-OCMW too
    ("kan die nog in twe?", {"#binnen-twe", "#twe-ocmw"}, set()),
])
def test_a_question_names_the_concepts_of_its_longest_variants(kb, text, named, not_named):
    found = concepts(kb, text)
    assert named <= found and not not_named & found, found


def test_a_situation_between_brackets_is_no_negation_of_what_is_asked(kb):
    answer = ask(kb, "mag ik voor een bvs van een lp-klant (nie in twe) gewoon het twe financieringsnummer gebruiken?",
                 intent="bvs_financieringsnummer")
    assert answer.verdict == "nee" and "C03S350" in answer.text, answer.text


# --- another region, a place no source text mentions ------------------------------------------------
@pytest.mark.parametrize("text, intent", [
    ("kan ik ne Brusselse werkzoekende via Actiris naar een GLOW-traject sturen?", "glow_wat"),
    ("mijne klant in het LP verhuist naar Namen, neemt Forem zijn begeleiding dan over?", "lp_beeindigen"),
    ("wie is de VDAB-adviseur in het lokaal partnerschap van Mechelen?", "lp_vdab_adviseur"),
])
def test_another_regions_service_or_a_local_fact_is_declined(kb, text, intent):
    assert ask(kb, text, intent=intent).declined


def test_a_place_named_as_context_does_not_stop_the_answer(kb):
    answer = ask(kb, "ik werk in het ocmw van mechelen, mag ik voor een bvs buiten twe het twe financieringsnummer gebruiken?",
                 intent="bvs_financieringsnummer", entities=[entity("context", "buiten-twe")])
    assert not answer.declined and "C03S350" in answer.text, answer.text


def test_a_count_of_things_is_not_answered_by_a_number_of_something_else(kb):
    assert ask(kb, "hoeveel GLOW-trajecten zijn er al opgestart sinds 2023?", intent="glow_wat").declined
    # a group of people is counted in "personen" as well
    assert _counts_people("In het uitdoofscenario gaat het nog om 1666 personen.")


@pytest.mark.parametrize("text, intent, fact", [
    # asked the other way round: only a ruling written for that way of asking gives its verdict
    ("mijne cliënt heeft rechten VOP, is da een probleem om TWE te starten?", "twe_rechten_vop_bw", "geen drempel"),
    # a comparison with another service the question names is no question about that service
    ("mogen samenlevingsjobs bij particulieren ingezet worden zoals bij wijk-werken?", "serv_samenlevingsjobs_wat",
     "niet bij particulieren"),
])
def test_a_ruling_answers_the_question_as_it_is_asked(kb, text, intent, fact):
    answer = ask(kb, text, intent=intent)
    assert answer.verdict == "nee" and fact in answer.text, answer.text


def test_a_narrower_service_named_with_its_broader_one_is_the_pair_asked(kb):
    answer = ask(kb, "kan een WES als losstaande stage als combinatietraject met het LP?", intent="combinatie_check",
                 action="combination", entities=[entity("instrument", "wes"), entity("instrument", "wes-los"),
                                                  entity("traject", "lp")])
    assert answer.verdict == "nee" and "losstaande" in answer.text, answer.text


def test_a_question_that_states_never_gets_no_verdict_that_would_read_the_other_way(kb):
    answer = ask(kb, "klopt het dat een BVS nooit op vraag van een stagebedrijf georganiseerd wordt?", intent="bvs_wat")
    assert answer.verdict is None and "nooit georganiseerd op vraag van een stagebedrijf" in answer.text, answer.text


@pytest.mark.parametrize("text, intent, verdict", [
    ("mag een korte interimjob in de eerste 9 maanden van het GLOW traject?", "glow_werkplekleren", "ja"),
    ("ik zit niet in TWE en heb nog geen rechten in het Klantendossier. moet ik eerst een opleiding volgen om een BVS te "
     "organiseren?", "bvs_leefloon", "ja"),
    ("klant heeft vooral nood aan een technische opleiding van 6 maand voltijds, is twe da?", "twe_andere_dienstverlening", "nee"),
])
def test_a_question_that_states_the_condition_gets_the_verdict_not_hangt_af(kb, text, intent, verdict):
    assert ask(kb, text, intent=intent).verdict == verdict


def test_a_question_that_does_not_state_the_condition_still_depends_on_it(kb):
    assert ask(kb, "mag een korte interimjob in een GLOW traject?", intent="glow_werkplekleren").verdict == "hangt af"


def test_a_follow_up_keeps_the_context_its_question_named_and_is_not_asked_it_again(kb):
    previous = Context(["lp-bvs-financieringsnummer"], None, [], [], [], [entity("context", "buiten-twe")])
    answer = ask(kb, "wie registreert da dan?", intent="bvs_registratie_vraag", previous=previous)
    assert not answer.buttons and "buiten TWE-OCMW" in answer.text, answer.text
    # without that context the question still has two readings
    assert ask(kb, "wie registreert da dan?", intent="bvs_registratie_vraag",
               previous=Context(["lp-bvs-financieringsnummer"])).buttons


@pytest.mark.parametrize("text, intent, fact", [
    ("rechten se worden nie toegekend na de aanvraag. loopt twe dan gewoon verder?", "twe_nec_niet_haalbaar", "blijft TWE doorlopen"),
    ("klant heeft nog geen klantendossier bij vdab, kunnen we toch al starten in het partnerschap?", "lp_aanmelding_vdab_check",
     "direct aan de slag"),
    ("blijft gemeenschapsdienst bestaan met het nieuwe regeerakkoord?", "glow_gemeenschapsdienst", "nog van kracht"),
])
def test_a_ruling_about_a_negation_or_a_term_that_is_one_answers_it(kb, text, intent, fact):
    answer = ask(kb, text, intent=intent)
    assert answer.verdict == "ja" and fact in answer.text, answer.text


@pytest.mark.parametrize("text", [
    "mag de vdab-bemiddelaar mijne klant zeggen wanneer zijn uitkering precies stopt?",
    # an indirect question's "of" offers no choice
    "kan vdab zeggen of mijne klant recht heeft op leefloon als zijn werkloosheidsuitkering stopt",
])
def test_vdab_gives_no_ruling_on_a_clients_own_benefit(kb, text):
    assert ask(kb, text, intent="lp_werkloosheidsuitkering_beperking").verdict == "nee"


def test_al_dan_niet_is_no_negation(kb):
    answer = ask(kb, "heeft het al dan nie attesteren van de deelname aan het LP negatieve gevolgen voor de jongere bij vdab?",
                 intent="lp_bit_evaluatie")
    assert answer.verdict == "nee" and "geen negatieve gevolgen" in answer.text, answer.text


def test_more_info_about_something_is_a_question_of_its_own_not_more_of_the_last_answer(kb):
    previous = Context(["lp-bvs-financieringsnummer"])
    asked = ask(kb, "waar vind ik meer info over het groeipakket", intent="meer_uitleg", previous=previous)
    assert "C03S350" not in asked.text, asked.text
    more = ask(kb, "kan je wat meer info geven?", intent="meer_uitleg", previous=previous)
    assert "C03S350" in more.text, more.text


# --- a follow-up read in the sections the answer before it cited --------------------------------------
def test_a_follow_up_the_previous_topic_lacks_is_answered_from_the_sections_that_answer_cited(kb):
    first = ask(kb, "mijne klant heeft het label niet-toeleidbaar, kan die in twe?", intent="twe_niet_toeleidbaar")
    previous = Context(first.record_ids, cited=answers.cited_sources(kb, first.record_ids))
    answer = ask(kb, "en hoelang geldt dat label?", intent="twe_niet_toeleidbaar", previous=previous)
    assert "2 jaar" in answer.text and "§B" in answer.source_line and not answer.declined, answer.full_text


def test_a_follow_up_after_a_quote_is_read_in_the_quoted_section_and_a_decline_gives_no_section(kb):
    follow_up = "en hoeveel daarvan hadden de belgische nationaliteit?"
    quoted_before = Context(cited=[{"document": "proeftuinen", "section": "4.1"}])
    answer = ask(kb, follow_up, intent="out_of_scope", action="no_answer", previous=quoted_before)
    assert "51%" in answer.text and "§4.1" in answer.source_line, answer.full_text
    # after a decline there is no section to read it in: still declined
    declined_before = ask(kb, follow_up, intent="out_of_scope", action="no_answer", previous=Context())
    assert declined_before.declined and NO_ANSWER_MARKER in declined_before.text


def test_how_long_something_holds_after_its_topic_is_the_duration_the_topic_gives(kb):
    first = ask(kb, "wat houdt dat label niet-toeleidbaar eigenlijk in?", intent="twe_niet_toeleidbaar")
    # "geldt" asks for the duration, like "duurt": not a word the sentence with "2 jaar" must hold
    answer = ask(kb, "hoelang geldt da?", action="no_answer", previous=Context(first.record_ids))
    assert "2 jaar" in answer.text and not answer.declined, answer.full_text


def test_a_follow_up_on_a_quote_is_answered_from_its_section_whatever_its_filler_words(kb):
    quoted_before = Context(quoted=[{"document": "proeftuinen", "section": "2.5.2.1"}])
    answer = ask(kb, "en waarvoor gebruikt de vdab dat allemaal?", action="no_answer", previous=quoted_before)
    assert "BTOM" in answer.text and "§2.5.2.1" in answer.source_line, answer.full_text


# --- "en bij X?": the question before, asked again about what the follow-up names ----------------------------
def test_a_follow_up_naming_another_instrument_asks_the_previous_question_about_it(kb):
    first = ask(kb, "hoeveel krijgt ne wijk-werker per uur?", intent="serv_wijkwerken_gemeenschapsdienst_verschil")
    assert "4.1 euro" in first.text, first.full_text
    previous = Context(first.record_ids, cited=answers.cited_sources(kb, first.record_ids),
                       question="hoeveel krijgt ne wijk-werker per uur?")
    answer = ask(kb, "en bij ne samenlevingsjob?", intent="serv_samenlevingsjobs_voorwaarden", previous=previous)
    assert "4,5 euro per uur" in answer.text and not answer.declined, answer.full_text
    # without the question before it, the same words get the topic the NLU read, not the amount
    alone = ask(kb, "en bij ne samenlevingsjob?", intent="serv_samenlevingsjobs_voorwaarden")
    assert "4,5 euro per uur" not in alone.text, alone.full_text


def test_a_restated_question_drops_every_mention_of_what_the_follow_up_replaces(kb):
    from bot.answering.steps.restated import restatement

    turn = answering.Turn(
        text="en iemand die in beroep is tegen zijn mutualiteit?", intent="glow_doelgroep",
        previous=Context(["glow-doelgroep"], cited=[{"document": "glow", "section": "1.3"}],
                         question="mag ik ne tijdelijk werkloze (cat 92) naar glow sturen?"),
    )
    turn.kb = kb
    restated = restatement(kb, turn)
    assert restated is not None and "mutualiteit" in restated.text and "glow" in restated.text
    assert "tijdelijk" not in restated.text and "92" not in restated.text and "()" not in restated.text


@pytest.mark.parametrize("follow_up", [
    "en als er geen passende vacature in SE is?",  # a condition narrows the question, it replaces nothing in it
    "en voor wie is da bedoeld?",  # a question of its own
])
def test_a_follow_up_with_a_condition_or_a_question_of_its_own_is_first_read_as_it_stands(kb, follow_up):
    from bot.answering.steps.restated import restatement

    turn = answering.Turn(text=follow_up, previous=Context(
        ["twe-nec-niet-haalbaar"], cited=[{"document": "twe-screening", "section": "A.2.1"}],
        question="rechten SE zijn toegekend en de art 60 is gedaan, wat nu?"))
    turn.kb = kb
    assert restatement(kb, turn) is None
    assert restatement(kb, turn, own_question=True) is not None  # … and asked again only when nothing else answers


def test_a_question_of_its_own_that_nothing_answers_is_the_previous_question_asked_again(kb):
    question = "tijdens twe blijkt se het hoogst haalbare, waar vraag ik de rechten aan?"
    first = ask(kb, question, intent="twe_nec_niet_haalbaar")
    previous = Context(first.record_ids, cited=answers.cited_sources(kb, first.record_ids), question=question)
    answer = ask(kb, "en op welk moment moet da gebeuren?", action="no_answer", previous=previous)
    assert "periode tewerkstelling in art60§7" in answer.text and not answer.declined, answer.full_text


def test_als_naming_what_something_is_used_as_is_no_condition_of_a_denial(kb):
    question = "kan ik glow gebruiken als een soort voortraject en daarna twe starten?"
    role = "een GLOW-traject kan niet gebruikt worden als 'voortraject' voor TWE-OCMW"
    assert verdict(kb, read_question(question), question, role) == "nee"
    condition = "een GLOW-traject kan niet gebruikt worden als de klant al in een ander traject zit"
    assert verdict(kb, read_question(question), question, condition) is None


def test_a_title_page_or_running_header_in_capitals_is_never_quoted():
    from bot.answering.focus import stray

    assert stray("Brussel Februari 2023 Carine Doucet Manager Samenwerking EXTRA INFO OVER HET GLOW-TRAJECT, "
                 "DE DOELGROEP, PARTNERS & VERGELIJK TWE OCMW")
    assert stray("DEEL II OPSTART VAN EEN TRAJECT 2.")
    assert not stray("Het OCMW vraagt bij de DABP een recht aan of een ICF-screening (via de inschattingslijst).")


def test_a_rule_whose_condition_the_question_states_denies_what_is_not_needed_before_its_colon(kb):
    # "Wil je X, dan hoef je Y niet: …" answers "moet ik Y als ik X?" with nee; without X stated, no verdict
    sentence = next(
        s for t in kb.all("topics") for s in t["answer"].split("\n") if "dan hoef je de GLOW-partners zelf niet" in s
    )
    question = "moet ik zelf de glow-partner contacteren als ik nen client wil laten starten?"
    assert verdict(kb, read_question(question), question, sentence) == "nee"
    other = "moet ik zelf de glow-partner contacteren als hij wil stoppen?"
    assert verdict(kb, read_question(other), other, sentence) is None


def test_the_label_niet_toeleidbaar_excludes_glow_citing_where_it_is_named_advies_welzijn(kb):
    answer = ask(kb, "mag ne klant met label niet-toeleidbaar in glow?")
    assert answer.text.startswith("Nee") and "§1.3" in answer.source_line and "§5.1" in answer.source_line


def test_whether_something_exists_is_denied_by_there_being_none(kb):
    # the topic's own word ("vrijstelling") is what the question asks for: "er bestaat geen …" denies it
    answer = ask(kb, "is er één vrijstelling van beschikbaarheid voor het hele glow-traject?", intent="glow_sociale_rechten")
    assert answer.text.startswith("Nee"), answer.text
    assert "geen overkoepelende vrijstelling" in answer.text
    # … but not a question about a vrijstelling of one instrument, which that sentence does not deny
    other = ask(kb, "is er een vrijstelling van beschikbaarheid voor een wes tijdens glow?", intent="glow_sociale_rechten")
    assert not other.text.startswith("Nee"), other.text


def test_not_belonging_to_a_target_group_denies_being_in_it(kb):
    sentence = ("Burgers die een label niet-toeleidbaar kregen voor de inschatting door de bemiddelaar, behoren niet "
                "tot de doelgroep die kan instromen in TWE, zij voldoen immers niet aan de instroomcriteria.")
    for question in ("zit iemand met het label niet-toeleidbaar in de doelgroep van twe?",
                     "mijn cliënt kreeg het label niet-toeleidbaar, zit die dan in de twe doelgroep?"):
        assert verdict(kb, read_question(question), question, sentence) == "nee", question
