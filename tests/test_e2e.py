"""End to end: the real Rasa server and action server on free localhost ports, asked over REST."""
from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
import requests

from bot import settings
from bot.messages import M011_COMBINATION_WHICH, NO_ANSWER_MARKER
from bot.quality import load_question_set, run_question_set, source_lines
from tests.conftest import free_port
from tests.leaks import leaked

pytestmark = pytest.mark.e2e

#: Share of the question set that must pass (measured 75 % and 96 %, README "Short answers").
#: Floors for regressions, not the targets: the short answer itself, and the answer with one click on
#: "Meer uitleg" (the fact may stand in the rest of the topic)
MIN_QUESTION_SET_RATE = 0.72
MIN_QUESTION_SET_RATE_WITH_MORE = 0.92
SOURCE_LP = "Bron: Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025)"
REVIEWED_QUESTIONS = settings.PROJECT_DIR / "tests" / "reviewed" / "questions.yml"


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory):
    from bot.runner import start_servers

    workdir = tmp_path_factory.mktemp("e2e")
    running = start_servers(
        rasa_port=free_port(), actions_port=free_port(), tracker_db=workdir / "conversations.db", log_dir=workdir
    )
    running.tracker_db = workdir / "conversations.db"
    yield running
    running.stop()


def ask(servers, text: str, sender: str | None = None) -> str:
    response = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender or f"e2e-{uuid.uuid4()}", "message": text}, timeout=30,
    )
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


def test_e2e_financing_number_outside_twe(servers):
    messages = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": f"e2e-{uuid.uuid4()}", "message": "fin nr bvs buiten twe?"},
        timeout=30,
    ).json()
    assert len(messages) == 1, "answer and source line arrive as one message"
    reply = messages[0]["text"]
    assert "C03S350" in reply
    assert reply.strip().splitlines()[-1].startswith(f"{SOURCE_LP}, §3.4.1 ")


def test_e2e_loose_work_experience_internship_is_excluded(servers):
    reply = ask(servers, "mag een losse werkervaringsstage als combinatietraject?")
    assert reply.startswith("Nee")
    assert "ingebed in bredere reguliere trajecten" in reply
    assert f"{SOURCE_LP}, §3.3 " in reply


def test_e2e_start_combination_for_unregistered_client(servers):
    reply = ask(servers, "hoe start ik een combinatietraject als mijn klant nog niet ingeschreven is bij VDAB?")
    assert "eerst inschrijven" in reply and "0800/30 700" in reply
    assert "VDAB-bemiddelaar" in reply
    assert f"{SOURCE_LP}, §3.2 " in reply


def test_e2e_financing_number_inside_twe_is_not_invented(servers):
    reply = ask(servers, "welk financieringsnummer gebruik ik voor een bvs binnen TWE-OCMW?")
    assert NO_ANSWER_MARKER in reply
    assert "C03S350" not in reply


@pytest.mark.parametrize("text", ["wat is het beste recept voor stoofvlees", "qsdkfj qlskdjf qlskdfj"])
def test_e2e_off_topic_gets_a_short_redirect(servers, text):
    reply = ask(servers, text)
    assert NO_ANSWER_MARKER in reply and "alleen vragen over de VDAB-draaiboeken" in reply
    assert "Bron:" not in reply and len(reply) < 300


def test_e2e_a_near_domain_question_declines_with_the_contacts_of_its_document(servers):
    reply = ask(servers, "wat is het gsm-nummer van de vdab-adviseur in ons lokaal partnerschap?")
    assert NO_ANSWER_MARKER in reply.splitlines()[0]
    assert "anneloes.degen@vdab.be" in reply  # the LP draaiboek's contact
    # about none of the documents: declined without another document's contact person
    reply = ask(servers, "hoeveel bedraagt het leefloon voor een alleenstaande?")
    assert NO_ANSWER_MARKER in reply.splitlines()[0] and "anneloes.degen@vdab.be" not in reply


def test_e2e_greeting_and_conversation_is_logged(servers):
    sender = f"e2e-{uuid.uuid4()}"
    assert "Draaiboek-assistent" in ask(servers, "dag!", sender)
    assert "C03S350" in ask(servers, "fin nr bvs buiten twe?", sender)
    with sqlite3.connect(servers.tracker_db) as conn:
        events = conn.execute("select type_name from events where sender_id = ?", [sender]).fetchall()
    types = [e[0] for e in events]
    assert types.count("user") == 2 and "bot" in types


def test_e2e_feedback_is_stored_with_the_answer_it_rates(servers):
    sender = f"e2e-{uuid.uuid4()}"
    answer = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                           json={"sender": sender, "message": "fin nr bvs buiten twe?"}, timeout=30).json()
    down = next(b for b in answer[0]["buttons"] if b["title"] == "👎")
    reply = ask(servers, down["payload"], sender)
    assert reply.startswith("Bedankt")
    with sqlite3.connect(servers.tracker_db) as conn:
        rows = conn.execute("select data from events where sender_id = ? and type_name = 'slot'", [sender]).fetchall()
    feedback = [json.loads(r[0]) for r in rows if json.loads(r[0]).get("name") == "feedback"]
    assert feedback and feedback[-1]["value"] == {"rating": "fout", "records": ["lp-bvs-financieringsnummer"]}


def test_e2e_client_personal_data_gets_a_reminder_and_is_not_logged(servers):
    sender = f"e2e-{uuid.uuid4()}"
    reply = ask(servers, "mijn cliënt 85.07.30-033.61 (gsm 0470 12 34 56) heeft leefloon, kan die in glow?", sender)
    assert reply.startswith("Let op") and "niet leesbaar bewaard" in reply
    with sqlite3.connect(servers.tracker_db) as conn:
        stored = " ".join(r[0] for r in conn.execute("select data from events where sender_id = ?", [sender]))
    assert "[rijksregisternummer]" in stored and "[telefoon]" in stored
    assert not leaked("033.61", stored) and not leaked("0470", stored)


def test_e2e_socketio_channel_is_served(servers):
    response = requests.get(f"{servers.rasa_url}/socket.io/?EIO=4&transport=polling", timeout=10)
    assert response.status_code == 200 and response.text.startswith("0")


def test_e2e_question_set_quality(servers):
    """The scored question set over the real servers: a floor for regressions, not the target itself."""
    questions = load_question_set(settings.PROJECT_DIR / "tests" / "quality" / "questions.yml")
    report = run_question_set(servers.rasa_url, questions, concurrency=4)
    declines = [r for r in report.results if r.must_decline]
    # never an invented rule, number or code where the documents are silent: every one declined
    assert all(not r.forbidden_found for r in declines), [r.id for r in declines if r.forbidden_found]
    assert all(r.declined for r in declines), [f"{r.id}: {r.reply[:120]!r}" for r in declines if not r.declined]
    # every answer carries its source line (a question back — clarifying, or the guide's — is no answer)
    answers = [
        r for r in report.results
        if not r.declined and not r.reply.startswith(M011_COMBINATION_WHICH) and not r.reply.splitlines()[0].rstrip().endswith("?")
    ]
    assert all(source_lines(r.reply) for r in answers), [r.id for r in answers if not source_lines(r.reply)]
    assert not report.opposite_verdicts, [r.id for r in report.opposite_verdicts]
    assert report.words()["median"] <= 60  # short by default; the rest behind "Meer uitleg"
    assert report.overall.rate >= MIN_QUESTION_SET_RATE, "\n".join(
        f"{r.id}: {r.missing} {r.reply[:120]!r}" for r in report.failed
    )
    assert report.with_more.rate >= MIN_QUESTION_SET_RATE_WITH_MORE


def test_e2e_markup_is_not_answered_as_a_question(servers):
    reply = ask(servers, "<script>alert(1)</script>")
    assert "gewone tekst" in reply and "Bron:" not in reply


def test_e2e_reviewed_questions(servers):
    """Answers staff reviewed (python -m bot review export), held to the question set's floor."""
    if not REVIEWED_QUESTIONS.is_file():
        pytest.skip("nog geen beoordeelde antwoorden geëxporteerd (python -m bot review export)")
    report = run_question_set(servers.rasa_url, load_question_set(REVIEWED_QUESTIONS), concurrency=4)
    assert report.overall.rate >= MIN_QUESTION_SET_RATE, "\n".join(
        f"{r.id}: {r.missing} {r.reply[:120]!r}" for r in report.failed
    )


def test_e2e_which_source_quotes_the_previous_answer(servers):
    sender = f"e2e-bron-{uuid.uuid4()}"
    ask(servers, "fin nr bvs buiten twe?", sender)
    reply = ask(servers, "welke bron?", sender)
    assert "letterlijk" in reply and "§3.4.1" in reply and "C03S350" in reply


def test_e2e_asking_for_a_person_gives_the_topics_contacts_and_a_handover_event(servers):
    sender = f"e2e-handover-{uuid.uuid4()}"
    ask(servers, "fin nr bvs buiten twe?", sender)
    response = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "ik wil iemand spreken"}, timeout=30
    )
    replies = response.json()
    assert "anneloes.degen@vdab.be" in replies[0]["text"]
    assert replies[1]["custom"]["name"] == "handoff.initiate"
    assert replies[1]["custom"]["value"]["records"] == ["lp-bvs-financieringsnummer"]


def test_e2e_the_eligibility_guide_asks_what_matters_reads_corrections_and_answers_per_trajectory(servers):
    sender = f"e2e-guide-{uuid.uuid4()}"
    first = ask(servers, "ik heb ne leefloner van 23, welke trajecten zijn er mogelijk?", sender)
    assert "ingeschreven bij VDAB" in first  # status and age were in the question: not asked again
    assert "Hoeveel kan je cliënt" in ask(servers, "nog nie ingeschreven", sender)
    # a question in between is answered, then the guide asks again
    between = ask(servers, "wat is een beroepsverkennende stage eigenlijk?", sender)
    assert "Bron:" in between and "Hoeveel kan je cliënt" in between
    assert "niet-toeleidbaar" in ask(servers, "weet ik niet", sender)
    assert "nood aan" in ask(servers, "nee, en ze is 17 trouwens", sender)
    result = ask(servers, "vooral werkervaring", sender)
    assert "leefloon, 17 jaar, niet ingeschreven bij VDAB" in result
    assert "GLOW: mogelijk" in result and "kiest autonoom" in result
    assert "Voor 16- en 17-jarigen" in result and "Bron: Draaiboek Lokale Partnerschappen" in result
    assert "Hangt nog af van: hoeveel je cliënt kan werken" in result
    assert "De keuze maak jij" in result
    what_if = ask(servers, "en als ze 15 is?", sender)
    assert "lokaal partnerschap: kan niet." in what_if and "jonger zijn dan 16" in what_if
    why = ask(servers, "waarom niet?", sender)
    assert why.startswith("Zo staat het in de draaiboeken") and "jonger zijn dan 16 jaar" in why


def test_e2e_the_guide_stops_on_request_and_answers_with_what_it_knows(servers):
    sender = f"e2e-guide-stop-{uuid.uuid4()}"
    ask(servers, "kan je eens kijken welke trajecten voor mijne cliënt van 15 mogelijk zijn", sender)
    reply = ask(servers, "stop", sender)
    assert reply.startswith("Oké, geen vragen meer") and "lokaal partnerschap: kan niet." in reply
    assert "Bron:" in ask(servers, "wat is een BVS?", sender)  # the form is closed: a normal answer


def test_e2e_a_typed_reply_to_a_clarifying_question_answers_the_chosen_reading(servers):
    sender = f"e2e-clarify-{uuid.uuid4()}"
    assert "binnen of buiten TWE-OCMW" in ask(servers, "welk financieringsnr moet ik gebruiken voor ne bvs?", sender)
    assert "C03S350" in ask(servers, "buiten TWE-OCMW", sender)
    assert "coaches klantendossier" in ask(servers, "wie contacteer ik daarvoor?", sender).casefold()
