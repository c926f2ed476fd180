"""Tests for bot.quality: scoring, question-set validation, reports, and the REST client (local server)."""
from __future__ import annotations

import json
import socket
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.messages import M002_NO_ANSWER, NO_ANSWER_MARKER
from bot.quality import (
    KINDS,
    Question,
    QuestionSetError,
    Report,
    ask,
    format_report,
    load_question_set,
    normalise,
    run_question_set,
    score,
)

QUALITY_DIR = Path(__file__).parent / "quality"
SOURCE = "Bron: Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025), §3.4.1"


def q(**kwargs) -> Question:
    """A question with sensible defaults for scoring tests."""
    defaults = {"id": "t-1", "kind": "fact", "turns": ("vraag?",)}
    defaults.update(kwargs)
    defaults["turns"] = tuple(defaults["turns"])
    defaults["expect"] = tuple(defaults.get("expect", ()))
    defaults["forbid"] = tuple(defaults.get("forbid", ()))
    return Question(**defaults)


def replies(*texts: str, buttons: list[str] | None = None) -> list[dict]:
    out = [{"recipient_id": "x", "text": t} for t in texts]
    if buttons:
        out.append({"recipient_id": "x", "buttons": [{"title": b, "payload": "/x"} for b in buttons]})
    return out


# --- normalise / score ------------------------------------------------------------------------


def test_quality_normalise_ignores_case_and_spacing():
    assert normalise("  Het  Fin-NR\n is\tC03S350 ") == "het fin-nr is c03s350"
    assert normalise("e\u0301\u00a0x") == "\u00e9 x"  # NFC, non-breaking space collapsed


def test_quality_normalise_keeps_punctuation():
    assert normalise("0800/30 700") != normalise("0800 30 700")
    assert normalise("0800/30 700") != normalise("0800/30.700")


def test_quality_score_expect_found_and_missing():
    question = q(expect=["C03S350", "fase 1"])
    result = score(question, replies("Het fin-nr is C03S350.", SOURCE))
    assert not result.passed
    assert result.missing == ["fase 1"]
    assert score(question, replies("Het fin-nr is C03S350 in fase 1.", SOURCE)).passed


def test_quality_score_alternatives():
    question = q(expect=[["5 kalenderdagen", "vijf kalenderdagen"]])
    assert score(question, replies("Binnen vijf kalenderdagen.", SOURCE)).passed
    assert score(question, replies("Binnen 5  Kalenderdagen.", SOURCE)).passed
    result = score(question, replies("Binnen 7 kalenderdagen.", SOURCE))
    assert result.missing == [["5 kalenderdagen", "vijf kalenderdagen"]]


def test_quality_score_numbers_do_not_match_inside_longer_numbers():
    assert not score(q(expect=["5 kalenderdagen"]), replies("Binnen 15 kalenderdagen.", SOURCE)).passed
    assert not score(q(expect=["C03S350"]), replies("Code C03S3501.", SOURCE)).passed
    assert not score(q(expect=["1.500"]), replies("Max 11.500 euro.", SOURCE)).passed
    assert score(q(expect=["C03S350"]), replies("Code C03S350.", SOURCE)).passed
    assert score(q(expect=["leefloon"]), replies("Een leefloongerechtigde.", SOURCE)).passed


def test_quality_score_case_and_whitespace_insensitive():
    question = q(expect=["Bel 0800/30 700"])
    assert score(question, replies("bel\n0800/30\u00a0700", SOURCE)).passed


def test_quality_score_phone_formats_stay_distinct():
    question = q(expect=["0800/30 700"])
    assert not score(question, replies("Bel 0800 30 700.", SOURCE)).passed
    assert not score(question, replies("Bel 0800/30.700.", SOURCE)).passed
    assert score(question, replies("Bel 0800/30 700.", SOURCE)).passed


def test_quality_score_forbid():
    question = q(expect=["C03S350"], forbid=["binnen TWE"])
    result = score(question, replies("C03S350, ook BINNEN  twe.", SOURCE))
    assert not result.passed
    assert result.forbidden_found == ["binnen TWE"]


def test_quality_score_button_titles_count():
    question = q(expect=["BVS"])
    assert score(question, replies("Welke bedoel je?", SOURCE, buttons=["BVS", "IBO"])).passed


def test_quality_score_declined_needs_marker():
    question = q(kind="out_of_scope", declined=True, forbid=["C03S350"])
    assert score(question, replies(M002_NO_ANSWER)).passed
    result = score(question, replies("Daar kan ik je niet mee helpen."))
    assert not result.passed and not result.declined
    assert "weigert niet" in format_report(Report([result]))


def test_quality_score_declined_may_cite_its_contacts():
    question = q(kind="out_of_scope", declined=True)
    result = score(question, replies(f"Dat {NO_ANSWER_MARKER}. Contacteer de Servicelijn.", SOURCE))
    assert result.passed and result.declined


def test_quality_score_declined_with_forbidden_fact_fails():
    question = q(kind="out_of_scope", declined=True, forbid=["C03S350"])
    assert not score(question, replies(f"Dat {NO_ANSWER_MARKER}, maar probeer C03S350.")).passed


def test_quality_score_answer_needs_source_line():
    question = q(expect=["C03S350"])
    result = score(question, replies("Het is C03S350. Zie §3.4.1."))
    assert not result.passed and not result.source_ok


def test_quality_score_source_section_right_and_wrong():
    question = q(expect=["C03S350"], section="3.4.1")
    assert score(question, replies("C03S350", SOURCE)).passed
    assert score(question, replies("C03S350", "*Bron: Draaiboek LP, § 3.4.1.2*")).passed  # subsection
    for wrong in ("§3.4", "§3.4.10", "§13.4.1", "§3.4.2"):
        result = score(question, replies("C03S350", f"Bron: Draaiboek LP, {wrong}"))
        assert not result.passed and not result.source_ok, wrong
    # the section must be in the source line, not elsewhere in the answer
    assert not score(question, replies("C03S350 (§3.4.1)", "Bron: Draaiboek LP, §2.1")).passed


def test_quality_score_records_reply_and_latency():
    result = score(q(expect=["a"]), replies("a", SOURCE), latency=1.5)
    assert result.reply == "a\n" + SOURCE
    assert result.latency == 1.5


# --- load_question_set ------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "questions.yml"
    path.write_text(text, encoding="utf-8")
    return path


VALID = """\
questions:
  - id: lp-001
    kind: fact
    question: "fin nr bvs buiten twe?"
    expect: ["C03S350"]
    section: "§3.4.1"
    held_out: true
  - id: lp-040
    kind: out_of_scope
    question: "fin nr bvs binnen TWE?"
    declined: true
    forbid: ["C03S350"]
  - id: lp-045
    kind: multi_turn
    turns: ["wat is een bvs?", "en fase 1?"]
    expect: [["5 kalenderdagen", "vijf kalenderdagen"]]
"""


def test_quality_load_valid(tmp_path):
    questions = load_question_set(write(tmp_path, VALID))
    assert [x.id for x in questions] == ["lp-001", "lp-040", "lp-045"]
    first, second, third = questions
    assert first.turns == ("fin nr bvs buiten twe?",) and first.section == "3.4.1" and first.held_out
    assert second.declined and second.forbid == ("C03S350",) and second.expect == ()
    assert third.turns == ("wat is een bvs?", "en fase 1?")
    assert third.expect == (["5 kalenderdagen", "vijf kalenderdagen"],)


@pytest.mark.parametrize(
    "text, code, where",
    [
        (VALID + "  - {id: lp-001, kind: fact, question: x, expect: [y]}\n", "Q006", "#lp-001.id"),
        ("questions:\n  - {id: lp-9, kind: fakt, question: x, expect: [y]}\n", "Q008", "#lp-9.kind"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, turns: [a, b], expect: [y]}\n", "Q009", "#lp-9.question"),
        ("questions:\n  - {id: lp-9, kind: fact, expect: [y]}\n", "Q009", "#lp-9.question"),
        ("questions:\n  - {id: lp-9, kind: out_of_scope, question: x}\n", "Q016", "#lp-9.declined"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x}\n", "Q018", "#lp-9.expect"),
        ("questions:\n  - {id: lp-9, kind: fact, question: '  ', expect: [y]}\n", "Q011", "#lp-9.question"),
        ("questions:\n  - {id: lp-9, kind: multi_turn, turns: [a], expect: [y]}\n", "Q011", "#lp-9.turns"),
        ("questions:\n  - {id: lp-9, kind: multi_turn, question: x, expect: [y]}\n", "Q010", "#lp-9.question"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, expect: [800]}\n", "Q012", "#lp-9.expect"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, expect: [[]]}\n", "Q012", "#lp-9.expect"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, expect: y}\n", "Q012", "#lp-9.expect"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, expect: [y], forbid: [[a]]}\n", "Q013", "#lp-9.forbid"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, expect: [y], held_out: ja}\n", "Q014", "#lp-9.held_out"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, expect: [y], section: 3.4}\n", "Q015", "#lp-9.section"),
        ("questions:\n  - {id: lp-9, kind: fact, question: x, expected: [y]}\n", "Q007", "#lp-9.expected"),
        ("questions:\n  - {id: lp-9, kind: out_of_scope, question: x, declined: true, section: '1'}\n",
         "Q017", "#lp-9.section"),
    ],
)
def test_quality_load_rejects(tmp_path, text, code, where):
    path = write(tmp_path, text)
    with pytest.raises(QuestionSetError) as info:
        load_question_set(path)
    message = str(info.value)
    assert code in [p.code for p in info.value.problems]
    assert f"{path}{where}" in message


def test_quality_load_single_problem_keeps_its_code(tmp_path):
    with pytest.raises(QuestionSetError) as info:
        load_question_set(write(tmp_path, "questions:\n  - {id: lp-9, kind: fakt, question: x, expect: [y]}\n"))
    assert info.value.code == "Q008"
    assert str(info.value).startswith("[Q008] ")
    assert "onbekende soort 'fakt'" in str(info.value)


def test_quality_load_reports_every_problem(tmp_path):
    text = (
        "questions:\n"
        "  - {id: a, kind: fakt, question: x, expect: [y]}\n"
        "  - {id: b, kind: out_of_scope, question: x}\n"
        "  - {id: b, kind: fact, question: x, expect: [y]}\n"
    )
    with pytest.raises(QuestionSetError) as info:
        load_question_set(write(tmp_path, text))
    assert info.value.code == "Q000"
    assert [p.code for p in info.value.problems] == ["Q008", "Q016", "Q006"]
    assert "#a.kind" in str(info.value) and "#b.declined" in str(info.value)


@pytest.mark.parametrize(
    "text, code", [("questions: []\n", "Q003"), ("- a\n", "Q003"), ("questions: [\n", "Q002")]
)
def test_quality_load_rejects_file(tmp_path, text, code):
    with pytest.raises(QuestionSetError) as info:
        load_question_set(write(tmp_path, text))
    assert info.value.code == code


def test_quality_load_missing_file(tmp_path):
    with pytest.raises(QuestionSetError) as info:
        load_question_set(tmp_path / "nope.yml")
    assert info.value.code == "Q001" and "nope.yml" in str(info.value)


# --- Report ---------------------------------------------------------------------------------


def test_quality_report_aggregates_per_kind_and_held_out():
    good = replies("C03S350", SOURCE)
    bad = replies("iets anders")
    results = [
        score(q(id="f1", expect=["C03S350"], held_out=True), good, latency=0.2),
        score(q(id="f2", expect=["C03S350"]), bad, latency=0.4),
        score(q(id="f3", expect=["C03S350"], held_out=True), bad, latency=0.1),
        score(q(id="o1", kind="out_of_scope", declined=True), replies(M002_NO_ANSWER), latency=0.3),
    ]
    report = Report(results)
    assert {k: (t.passed, t.total) for k, t in report.by_kind().items()} == {"fact": (1, 3), "out_of_scope": (1, 1)}
    assert (report.overall.passed, report.overall.total) == (2, 4)
    assert (report.held_out.passed, report.held_out.total) == (1, 2)
    assert [r.id for r in report.failed] == ["f2", "f3"]

    data = report.to_dict()
    assert data["overall"] == {"passed": 2, "total": 4, "rate": 0.5}
    assert data["held_out"]["rate"] == 0.5
    assert data["by_kind"]["fact"]["total"] == 3
    assert data["results"][1]["missing"] == ["C03S350"]
    json.dumps(data)  # JSON-able

    text = format_report(report)
    lines = text.splitlines()
    assert lines[0].split() == ["soort", "geslaagd", "%"]
    assert any(line.split() == ["fact", "1/3", "33%"] for line in lines)
    assert any(line.split() == ["totaal", "2/4", "50%"] for line in lines)
    assert any(line.split() == ["achtergehouden", "1/2", "50%"] for line in lines)
    assert len({len(line) for line in lines[:7] if not line.startswith("-")}) == 1  # fixed width
    assert "- f2 (fact): ontbreekt: 'C03S350'" in text
    assert "- f3 (fact)" in text and "- f1 " not in text


def test_quality_report_per_document():
    good, bad = replies("C03S350", SOURCE), replies("iets anders")
    report = Report([
        score(q(id="a", expect=["C03S350"], document="lp"), good),
        score(q(id="b", expect=["C03S350"], document="glow"), bad),
        score(q(id="c", expect=["C03S350"], document="lp"), bad),
    ])
    assert {d: (t.passed, t.total) for d, t in report.by_document().items()} == {"lp": (1, 2), "glow": (0, 1)}
    assert report.to_dict()["by_document"]["glow"]["rate"] == 0.0
    lines = format_report(report).splitlines()
    assert any(line.split() == ["lp", "1/2", "50%"] for line in lines)
    assert any(line.split() == ["glow", "0/1", "0%"] for line in lines)


def test_quality_report_without_documents_has_no_document_table():
    report = Report([score(q(expect=["a"]), replies("a", SOURCE))])
    assert not any(line.split() == ["document"] for line in format_report(report).splitlines())


def test_quality_report_empty_held_out_shows_dash():
    report = Report([score(q(expect=["a"]), replies("a", SOURCE))])
    assert any(line.split() == ["achtergehouden", "0/0", "-"] for line in format_report(report).splitlines())
    assert report.to_dict()["held_out"]["rate"] is None


# --- ask / run_question_set against a local REST webhook -------------------------------------


class FakeRasa:
    """A tiny REST-channel server: replies via `script(sender, message)`, records messages per sender."""

    def __init__(self, script=None, status=200):
        self.received: dict[str, list[str]] = defaultdict(list)
        self.script = script or (lambda sender, message: [{"text": f"echo: {message}\n{SOURCE}"}])
        self.status = status
        lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/webhooks/rest/webhook":
                    self.send_response(404)
                    self.end_headers()
                    return
                with lock:
                    fake.received[body["sender"]].append(body["message"])
                out = [{"recipient_id": body["sender"], **r} for r in fake.script(body["sender"], body["message"])]
                payload = json.dumps(out).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_quality_ask_posts_sender_and_message():
    with FakeRasa() as rasa:
        out = ask(rasa.url + "/", "s-1", "hallo")
    assert out == [{"recipient_id": "s-1", "text": f"echo: hallo\n{SOURCE}"}]
    assert rasa.received == {"s-1": ["hallo"]}


def test_quality_ask_dead_url_raises():
    url = dead_url()
    with pytest.raises(QuestionSetError) as info:
        ask(url, "s-1", "hallo", timeout=5)
    assert info.value.code == "Q020"
    assert f"is de assistent gestart op {url}?" in str(info.value)


def test_quality_ask_http_error_raises():
    with FakeRasa(status=500) as rasa, pytest.raises(QuestionSetError) as info:
        ask(rasa.url, "s-1", "hallo")
    assert info.value.code == "Q022" and "500" in str(info.value)


def test_quality_run_multi_turn_uses_one_sender_in_order():
    def script(sender, message):
        if message == "en fase 1?":
            return [{"text": "Binnen vijf kalenderdagen."}, {"text": SOURCE}]
        return [{"text": "Een BVS is …"}]

    questions = [
        q(id="m1", kind="multi_turn", turns=["wat is een bvs?", "tussenvraag", "en fase 1?"],
          expect=[["5 kalenderdagen", "vijf kalenderdagen"]]),
        q(id="f1", turns=["wat is een bvs?"], expect=["BVS"]),
        q(id="f2", turns=["wat is een bvs?"], expect=["BVS"]),
    ]
    seen = []
    with FakeRasa(script) as rasa:
        report = run_question_set(rasa.url, questions, concurrency=3,
                                  progress=lambda done, total, result: seen.append((done, total, result.id)))
    sequences = sorted(rasa.received.values(), key=len)
    assert len(rasa.received) == 3  # a fresh sender per question
    assert sequences == [["wat is een bvs?"], ["wat is een bvs?"], ["wat is een bvs?", "tussenvraag", "en fase 1?"]]
    assert [r.id for r in report.results] == ["m1", "f1", "f2"]  # question order, whatever finished first
    assert report.results[0].passed  # scored on the last turn only
    assert not report.results[1].passed and not report.results[1].source_ok
    assert sorted(d for d, _, _ in seen) == [1, 2, 3] and {t for _, t, _ in seen} == {3}
    assert all(r.latency > 0 for r in report.results)


def test_quality_run_dead_url_raises():
    with pytest.raises(QuestionSetError) as info:
        run_question_set(dead_url(), [q(expect=["a"]), q(id="t-2", expect=["a"])], concurrency=2)
    assert info.value.code == "Q020"


def test_quality_run_http_error_fails_only_that_question():
    with FakeRasa(status=500) as rasa:
        report = run_question_set(rasa.url, [q(expect=["a"])])
    (result,) = report.results
    assert not result.passed and "Q022" in result.error
    assert "Q022" in format_report(report)


# --- the real question set ------------------------------------------------------------------


def test_quality_question_set_is_valid():
    path = QUALITY_DIR / "questions.yml"
    if not path.exists():
        pytest.skip(f"{path} bestaat nog niet (de vragenset wordt elders geschreven)")
    questions = load_question_set(path)
    assert len(questions) >= 40, f"{len(questions)} vragen, verwacht minstens 40"
    missing = set(KINDS) - {x.kind for x in questions}
    assert not missing, f"geen vragen van soort: {', '.join(sorted(missing))}"


def test_quality_score_decline_must_be_the_message_not_a_side_remark():
    question = q(kind="out_of_scope", declined=True)
    side_remark = replies(f"Een BVS duurt maximaal 30 kalenderdagen.\nHoeveel uur per dag: dat {NO_ANSWER_MARKER}.", SOURCE)
    assert not score(question, side_remark).passed
    assert score(question, replies(f"Sorry, dat {NO_ANSWER_MARKER}.\nContacteer de Servicelijn.", SOURCE)).passed
