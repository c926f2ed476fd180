"""Answer-quality runner: ask the running assistant a question set and score every reply.

A question set is a YAML file (``tests/quality/questions.yml``)::

    questions:
      - id: lp-001
        kind: fact              # see KINDS
        document: lp            # optional: the document the question is about (report per document)
        question: "fin nr bvs buiten twe?"
        expect: ["C03S350"]     # every item must appear; a list item = any one alternative
        forbid: []              # none may appear
        section: "3.4.1"        # a source line must cite §3.4.1 (or a subsection of it)
        held_out: true          # optional, reported separately
      - id: lp-002
        kind: yes_no
        question: "mag een losse WES als combinatietraject?"
        verdict: nee            # ja | nee | hangt af: the verdict the documents carry
      - id: lp-045
        kind: multi_turn
        turns: ["wat is een bvs?", "en fase 1?"]   # one sender, the last reply is scored
        expect: [["5 kalenderdagen", "vijf kalenderdagen"]]

Scoring rules (see `score`):

- Texts are compared after `normalise` (case, Unicode form and whitespace do not matter;
  punctuation does, so "0800/30 700" and "0800 30 700" stay different facts).
- A number at the edge of an expected or forbidden item must not continue in the reply:
  "5 kalenderdagen" is not found in "15 kalenderdagen", "C03S350" not in "C03S3501".
  Letters may continue, so "leefloon" is found in "leefloongerechtigde".
- A source line is a reply line starting with `SOURCE_PREFIX` ("Bron:").
- An answer needs a source line; with `section`, a source line must cite "§<section>"
  or a subsection of it (§3.4.1 accepts §3.4.1 and §3.4.1.2, not §3.4.10). A hyphen in a section
  counts as a space: "Bijlage 1" (the document's label) is "§bijlage-1" (the knowledge base's).
- With `verdict`, the reply must not open with the opposite verdict (ja for nee or the reverse fails
  the question); whether it opens with the expected one is reported as the verdict-first rate.
- The answer's length is the number of words before its source line (buttons not counted).
- A declined reply has `NO_ANSWER_MARKER` in its first line (an answer that mentions at its
  end what the draaiboeken do not say is still an answer) and none of the forbidden facts. It
  may have a source line: the contacts it names come from the knowledge base and are cited.

Error codes: Q001–Q019 and Q030 the question-set file, Q020–Q029 talking to the assistant.
"""
from __future__ import annotations

import re
import statistics
import time
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Union

import requests
import yaml

from bot.errors import DraaiboekError, Problem
from bot.messages import NO_ANSWER_MARKER, SOURCE_PREFIX

__all__ = [
    "KINDS",
    "Question",
    "QuestionSetError",
    "Report",
    "Result",
    "Tally",
    "ask",
    "format_report",
    "load_question_set",
    "normalise",
    "reply_text",
    "run_question_set",
    "score",
    "source_lines",
]

#: Question kinds, in report order.
KINDS = ("fact", "yes_no", "procedure", "eligibility", "comparison", "out_of_scope", "multi_turn")

#: Keys a question may carry.
FIELDS = ("id", "kind", "document", "question", "turns", "expect", "forbid", "section", "held_out", "declined", "verdict")

#: The verdicts a ja/nee question can expect, and how a reply's first sentence states each.
VERDICTS = {
    "ja": re.compile(r"^ja\b"),
    "nee": re.compile(r"^(nee|neen)\b"),
    "hangt af": re.compile(r"^(dat\s+)?hangt\s+(er\s*)?(van\s+)?af\b|^(dat\s+)?hangt\s+ervan\s+af\b"),
}
#: An answer this long or shorter fits the first screen of a Teams chat or the widget.
SHORT_ANSWER_WORDS = 60

#: One expected item: a text, or a list of alternatives of which one must appear.
Expectation = Union[str, list[str]]


class QuestionSetError(DraaiboekError):
    """The question set is invalid, or the assistant cannot be asked; `problems` lists every one."""

    def __init__(self, code: str, message: str, problems: list[Problem] | None = None):
        self.problems = problems or []
        super().__init__(code, message)


@dataclass(frozen=True)
class Question:
    """One question of the set, validated."""

    id: str
    kind: str
    turns: tuple[str, ...]
    expect: tuple[Expectation, ...] = ()
    forbid: tuple[str, ...] = ()
    section: str | None = None
    held_out: bool = False
    declined: bool = False
    document: str | None = None
    verdict: str | None = None

    @property
    def text(self) -> str:
        """The (last) message sent to the assistant."""
        return self.turns[-1]


@dataclass
class Result:
    """The score of one question: `passed` and why not."""

    id: str
    kind: str
    held_out: bool
    passed: bool
    document: str | None = None
    missing: list[Expectation] = field(default_factory=list)
    forbidden_found: list[str] = field(default_factory=list)
    source_ok: bool = False  # answer: the (right) source line is there; always true for a decline
    must_decline: bool = False  # the question expects the assistant to decline
    declined: bool = False  # the reply's first line contains NO_ANSWER_MARKER
    reply: str = ""
    latency: float = 0.0  # seconds for all turns of the question
    error: str | None = None  # the assistant could not answer this question (timeout, HTTP error)
    passed_with_more: bool = False  # passed, or passed once "Meer uitleg" under the answer was clicked
    verdict: str | None = None  # the verdict the question expects
    verdict_given: str | None = None  # the verdict the reply's first sentence states, if any
    words: int = 0  # words of the reply before its source line


# --- loading --------------------------------------------------------------------------------


def load_question_set(path: str | Path) -> list[Question]:
    """Read and validate a question set; raise QuestionSetError listing every problem.

    Besides the format in the module docstring: ids are unique, unknown keys are refused,
    `multi_turn` needs at least two `turns` and every other kind one `question`,
    `out_of_scope` needs `declined: true`, a question that is not declined needs `expect`,
    and a declined question has no `section`.
    """
    path = Path(path)
    name = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise QuestionSetError("Q001", f"{name}: vragenset niet leesbaar: {e}") from e
    except yaml.YAMLError as e:
        raise QuestionSetError("Q002", f"{name}: geen geldige YAML: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise QuestionSetError("Q003", f"{name}: verwacht een niet-lege lijst onder 'questions'")

    problems: list[Problem] = []
    questions: list[Question] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["questions"], start=1):
        question = _validate(raw, index, name, seen, problems)
        if question is not None:
            questions.append(question)
    if len(problems) == 1:
        p = problems[0]
        raise QuestionSetError(p.code, str(p).removeprefix(f"[{p.code}] "), problems)
    if problems:
        lines = "\n".join(str(p) for p in problems)
        raise QuestionSetError("Q000", f"{len(problems)} problemen in de vragenset:\n{lines}", problems)
    return questions


def _validate(raw: Any, index: int, name: str, seen: set[str], problems: list[Problem]) -> Question | None:
    """Check one raw question; append problems and return None when it is invalid."""
    start = len(problems)

    def problem(code: str, record: str | None, fld: str | None, message: str) -> None:
        problems.append(Problem(code, name, record, fld, message))

    if not isinstance(raw, dict):
        problem("Q004", f"vraag {index}", None, "elke vraag moet een mapping zijn")
        return None
    qid = raw.get("id")
    if not _is_text(qid):
        problem("Q005", f"vraag {index}", "id", "ontbreekt of is geen tekst")
        qid = f"vraag {index}"
    elif qid in seen:
        problem("Q006", qid, "id", "komt meer dan eens voor")
    else:
        seen.add(qid)

    for key in raw:
        if key not in FIELDS:
            problem("Q007", qid, str(key), f"onbekend veld (bekend: {', '.join(FIELDS)})")

    kind = raw.get("kind")
    if kind not in KINDS:
        problem("Q008", qid, "kind", f"onbekende soort {kind!r} (bekend: {', '.join(KINDS)})")

    has_question, has_turns = "question" in raw, "turns" in raw
    turns: list[str] = []
    if has_question == has_turns:
        problem("Q009", qid, "question", "geef precies een van 'question' of 'turns'")
    elif has_question:
        if kind == "multi_turn":
            problem("Q010", qid, "question", "een multi_turn-vraag gebruikt 'turns'")
        elif not _is_text(raw["question"]):
            problem("Q011", qid, "question", "moet een niet-lege tekst zijn")
        else:
            turns = [raw["question"]]
    else:
        value = raw["turns"]
        if kind != "multi_turn":
            problem("Q010", qid, "turns", "alleen een multi_turn-vraag gebruikt 'turns'; gebruik 'question'")
        elif not isinstance(value, list) or len(value) < 2 or not all(_is_text(t) for t in value):
            problem("Q011", qid, "turns", "moet een lijst van minstens twee niet-lege teksten zijn")
        else:
            turns = list(value)

    expect: list[Expectation] = []
    value = raw.get("expect", [])
    if not isinstance(value, list):
        problem("Q012", qid, "expect", "moet een lijst zijn")
    else:
        for item in value:
            if _is_text(item):
                expect.append(item)
            elif isinstance(item, list) and item and all(_is_text(alt) for alt in item):
                expect.append(list(item))
            else:
                problem("Q012", qid, "expect", f"{item!r}: elk item is een niet-lege tekst of een lijst "
                        "van alternatieven (zet getallen tussen aanhalingstekens)")

    forbid: list[str] = []
    value = raw.get("forbid", [])
    if not isinstance(value, list) or not all(_is_text(item) for item in value):
        problem("Q013", qid, "forbid", "moet een lijst van niet-lege teksten zijn")
    else:
        forbid = list(value)

    flags = {}
    for key in ("held_out", "declined"):
        flags[key] = raw.get(key, False)
        if not isinstance(flags[key], bool):
            problem("Q014", qid, key, "moet true of false zijn")

    document = raw.get("document")
    if document is not None and not _is_text(document):
        problem("Q019", qid, "document", "moet de id van een document zijn, bv. lp")
        document = None

    section = raw.get("section")
    if section is not None:
        if not _is_text(section):
            problem("Q015", qid, "section", "moet een tekst zijn, bv. \"3.4.1\" (tussen aanhalingstekens)")
            section = None
        else:
            section = section.strip().lstrip("§").strip()

    verdict = raw.get("verdict")
    if verdict is not None and verdict not in VERDICTS:
        problem("Q030", qid, "verdict", f"onbekend oordeel {verdict!r} (bekend: {', '.join(VERDICTS)})")
        verdict = None

    if kind == "out_of_scope" and flags["declined"] is not True:
        problem("Q016", qid, "declined", "een out_of_scope-vraag moet 'declined: true' hebben")
    if flags["declined"] is True and section is not None:
        problem("Q017", qid, "section", "een geweigerd antwoord citeert geen paragraaf")
    needs_expect = kind != "out_of_scope" and flags["declined"] is not True
    if needs_expect and not expect and "expect" not in [p.field for p in problems[start:]]:
        problem("Q018", qid, "expect", "een vraag die beantwoord moet worden heeft minstens een 'expect'-item")

    if len(problems) > start:
        return None
    return Question(
        id=qid, kind=kind, turns=tuple(turns), expect=tuple(expect), forbid=tuple(forbid),
        section=section, held_out=flags["held_out"], declined=flags["declined"], document=document,
        verdict=verdict,
    )


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


# --- scoring --------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Casefold, Unicode NFC and collapse whitespace; punctuation is kept (facts stay exact)."""
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return re.sub(r"\s+", " ", text).strip()


def _section_label(text: str) -> str:
    """A section as the document labels it and as the knowledge base names it are one: "Bijlage 1"
    and "bijlage-1"."""
    return normalise(text).replace("-", " ")


def _item_pattern(item: str) -> re.Pattern[str]:
    """Match a normalised item, not as part of a longer number (see module docstring)."""
    item = normalise(item)
    pattern = re.escape(item)
    if item[:1].isdigit():
        pattern = r"(?<!\d)(?<!\d[.,])" + pattern
    if item[-1:].isdigit():
        pattern += r"(?![.,]?\d)"
    return re.compile(pattern)


def _contains(text: str, item: str) -> bool:
    return _item_pattern(item).search(text) is not None


def reply_text(replies: list[dict[str, Any]]) -> str:
    """Join the texts and button titles of Rasa REST replies, one per line."""
    lines: list[str] = []
    for message in replies:
        if isinstance(message.get("text"), str):
            lines.append(message["text"])
        for button in message.get("buttons") or []:
            if isinstance(button, dict) and isinstance(button.get("title"), str):
                lines.append(button["title"])
    return "\n".join(lines)


def source_lines(text: str) -> list[str]:
    """The normalised lines of `text` that start with SOURCE_PREFIX (markdown emphasis ignored)."""
    prefix = normalise(SOURCE_PREFIX)
    found = []
    for line in text.splitlines():
        line = normalise(line).lstrip("*_> ")
        if line.startswith(prefix):
            found.append(line)
    return found


def stated_verdict(text: str) -> str | None:
    """The verdict (ja / nee / hangt af) the reply's first sentence opens with, if any."""
    first = normalise(text.strip().split("\n", 1)[0]).lstrip("*_> ") if text.strip() else ""
    return next((verdict for verdict, pattern in VERDICTS.items() if pattern.search(first)), None)


def is_opposite(expected: str | None, given: str | None) -> bool:
    """Ja where the documents say nee, or the reverse ("hangt af" is no opposite of either)."""
    return {expected, given} == {"ja", "nee"}


def answer_words(replies: list[dict[str, Any]]) -> int:
    """Words of the reply's texts before the source line (button titles are not read first)."""
    prefix = normalise(SOURCE_PREFIX)
    words = 0
    for message in replies:
        for line in (message.get("text") or "").splitlines() if isinstance(message.get("text"), str) else []:
            if normalise(line).lstrip("*_> ").startswith(prefix):
                return words
            words += len(line.split())
    return words


def score(question: Question, replies: list[dict[str, Any]], *, latency: float = 0.0) -> Result:
    """Score the assistant's replies to the last turn of `question` (rules: module docstring)."""
    text = reply_text(replies)
    flat = normalise(text)
    missing = [
        item for item in question.expect
        if not any(_contains(flat, alt) for alt in (item if isinstance(item, list) else [item]))
    ]
    forbidden = [item for item in question.forbid if _contains(flat, item)]
    sources = source_lines(text)
    # a decline is the message itself, not a side remark at the end of an answer
    first_line = normalise(text.strip().split("\n", 1)[0]) if text.strip() else ""
    declined = _contains(first_line, NO_ANSWER_MARKER)
    if question.declined:
        source_ok = True  # a decline may cite where its contacts come from
        answer_ok = declined
    else:
        if question.section:
            cite = re.compile(r"§\s*" + re.escape(_section_label(question.section)) + r"(?!\d)")
            source_ok = any(cite.search(_section_label(line)) for line in sources)
        else:
            source_ok = bool(sources)
        answer_ok = source_ok
    given = stated_verdict(text)
    opposite = is_opposite(question.verdict, given)
    return Result(
        id=question.id, kind=question.kind, held_out=question.held_out, document=question.document,
        passed=not missing and not forbidden and answer_ok and not opposite,
        missing=missing, forbidden_found=forbidden, source_ok=source_ok,
        must_decline=question.declined, declined=declined,
        reply=text, latency=latency, verdict=question.verdict, verdict_given=given,
        words=answer_words(replies),
    )


# --- asking ---------------------------------------------------------------------------------


def ask(base_url: str, sender: str, text: str, *, timeout: float = 30) -> list[dict[str, Any]]:
    """Send one message to the assistant's REST channel and return its replies.

    Raises QuestionSetError: Q020 unreachable, Q021 timeout, Q022 HTTP error, Q023 not JSON.
    """
    url = base_url.rstrip("/") + "/webhooks/rest/webhook"
    try:
        response = requests.post(url, json={"sender": sender, "message": text}, timeout=timeout)
    except requests.Timeout as e:
        raise QuestionSetError("Q021", f"geen antwoord van {url} binnen {timeout} s op {text!r}") from e
    except requests.RequestException as e:
        raise QuestionSetError(
            "Q020", f"kan {url} niet bereiken: is de assistent gestart op {base_url}? ({e})"
        ) from e
    if response.status_code != 200:
        raise QuestionSetError(
            "Q022", f"{url} antwoordde HTTP {response.status_code} op {text!r}: {response.text[:200]}"
        )
    try:
        replies = response.json()
    except ValueError as e:
        raise QuestionSetError("Q023", f"{url} gaf geen JSON terug op {text!r}") from e
    if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
        raise QuestionSetError("Q023", f"{url} gaf geen lijst van berichten terug op {text!r}")
    return replies


def _run_one(base_url: str, question: Question, timeout: float) -> Result:
    """Ask every turn of one question on a fresh sender; score the last reply."""
    sender = f"quality-{uuid.uuid4()}"
    started = time.perf_counter()
    try:
        for turn in question.turns:
            replies = ask(base_url, sender, turn, timeout=timeout)
    except QuestionSetError as e:
        if e.code == "Q020":
            raise
        result = score(question, [], latency=time.perf_counter() - started)
        result.passed, result.error = False, str(e)
        return result
    result = score(question, replies, latency=time.perf_counter() - started)
    result.passed_with_more = result.passed
    if not result.passed and any(b.get("payload") == MORE_PAYLOAD for r in replies for b in r.get("buttons") or []):
        try:  # one click on "Meer uitleg": the whole topic
            more = score(question, ask(base_url, sender, MORE_PAYLOAD, timeout=timeout))
            result.passed_with_more = more.passed
        except QuestionSetError:
            pass
    return result


#: The payload of the "Meer uitleg" button under a shortened answer.
MORE_PAYLOAD = "/meer_uitleg"


def run_question_set(
    base_url: str,
    questions: list[Question],
    *,
    concurrency: int = 4,
    timeout: float = 30,
    progress: Callable[[int, int, Result], None] | None = None,
) -> Report:
    """Ask every question (each on its own sender, `concurrency` at a time) and score it.

    `progress(done, total, result)` is called as each question finishes. An unreachable
    assistant (Q020) stops the run; a timeout or HTTP error fails only that question.
    """
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(_run_one, base_url, q, timeout) for q in questions]
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                if progress is not None:
                    progress(done, len(questions), future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return Report(results=[future.result() for future in futures])


# --- reporting ------------------------------------------------------------------------------


@dataclass
class Tally:
    """Passed out of total; `rate` is None when there is nothing to count."""

    passed: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "total": self.total, "rate": self.rate}


def _tally(results: list[Result]) -> Tally:
    return Tally(passed=sum(r.passed for r in results), total=len(results))


@dataclass
class Report:
    """The results of a run, in question order, with pass rates."""

    results: list[Result]

    def by_kind(self) -> dict[str, Tally]:
        """Pass rate per kind, for the kinds present, in KINDS order."""
        return {
            kind: _tally([r for r in self.results if r.kind == kind])
            for kind in KINDS if any(r.kind == kind for r in self.results)
        }

    def by_document(self) -> dict[str, Tally]:
        """Pass rate per document, in order of first appearance ("-" for questions without one)."""
        documents = list(dict.fromkeys(r.document or "-" for r in self.results))
        return {d: _tally([r for r in self.results if (r.document or "-") == d]) for d in documents}

    @property
    def overall(self) -> Tally:
        return _tally(self.results)

    @property
    def held_out(self) -> Tally:
        return _tally([r for r in self.results if r.held_out])

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if not r.passed]

    @property
    def with_more(self) -> Tally:
        """Passed, counting a question whose fact came one click ("Meer uitleg") later."""
        return Tally(passed=sum(r.passed_with_more for r in self.results), total=len(self.results))

    @property
    def verdict_first(self) -> Tally:
        """Questions with an expected verdict whose reply opens with it."""
        expecting = [r for r in self.results if r.verdict]
        return Tally(passed=sum(r.verdict_given == r.verdict for r in expecting), total=len(expecting))

    @property
    def opposite_verdicts(self) -> list[Result]:
        """Replies that open with the opposite of the expected verdict: the worst answers there are."""
        return [r for r in self.results if is_opposite(r.verdict, r.verdict_given)]

    @property
    def answered(self) -> list[Result]:
        """Replies that answer (not declined, no error): the ones whose length counts."""
        return [r for r in self.results if not r.declined and not r.error]

    def words(self) -> dict[str, Any]:
        """Median and 90th percentile of answer words, and the share within SHORT_ANSWER_WORDS."""
        counts = sorted(r.words for r in self.answered)
        if not counts:
            return {"median": None, "p90": None, "short_share": None}
        return {
            "median": statistics.median(counts),
            "p90": counts[min(len(counts) - 1, int(0.9 * len(counts)))],
            "short_share": sum(c <= SHORT_ANSWER_WORDS for c in counts) / len(counts),
        }

    @property
    def answerable_declined(self) -> Tally:
        """Questions that should be answered, and were declined."""
        answerable = [r for r in self.results if not r.must_decline]
        return Tally(passed=sum(r.declined for r in answerable), total=len(answerable))

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-able data."""
        return {
            "overall": self.overall.to_dict(),
            "held_out": self.held_out.to_dict(),
            "by_kind": {kind: tally.to_dict() for kind, tally in self.by_kind().items()},
            "by_document": {document: tally.to_dict() for document, tally in self.by_document().items()},
            "with_more": self.with_more.to_dict(),
            "verdict_first": self.verdict_first.to_dict(),
            "opposite_verdicts": [r.id for r in self.opposite_verdicts],
            "words": self.words(),
            "answerable_declined": self.answerable_declined.to_dict(),
            "results": [asdict(r) for r in self.results],
        }


def _percent(tally: Tally) -> str:
    return "-" if tally.rate is None else f"{100 * tally.rate:.0f}%"


def format_report(report: Report) -> str:
    """Fixed-width tables per kind and per document, overall and held-out lines, then every failure."""
    by_document = report.by_document()
    width = max([len("achtergehouden")] + [len(k) for k in report.by_kind()] + [len(d) for d in by_document])
    row = f"{{:<{width}}}  {{:>9}}  {{:>5}}"
    lines = [row.format("soort", "geslaagd", "%"), "-" * (width + 18)]
    for kind, tally in report.by_kind().items():
        lines.append(row.format(kind, f"{tally.passed}/{tally.total}", _percent(tally)))
    lines.append("-" * (width + 18))
    if set(by_document) != {"-"}:
        lines.append(row.format("document", "", ""))
        for document, tally in by_document.items():
            lines.append(row.format(document, f"{tally.passed}/{tally.total}", _percent(tally)))
        lines.append("-" * (width + 18))
    for label, tally in (("totaal", report.overall), ("achtergehouden", report.held_out)):
        lines.append(row.format(label, f"{tally.passed}/{tally.total}", _percent(tally)))
    lines.append(row.format("na Meer uitleg", f"{report.with_more.passed}/{report.with_more.total}", _percent(report.with_more)))
    lines.append(row.format("oordeel eerst", f"{report.verdict_first.passed}/{report.verdict_first.total}",
                            _percent(report.verdict_first)))
    declined = report.answerable_declined
    lines.append(row.format("ten onrechte geweigerd", f"{declined.passed}/{declined.total}", _percent(declined)))
    lines.append(f"tegengesteld oordeel: {len(report.opposite_verdicts)}"
                 + (f" ({', '.join(r.id for r in report.opposite_verdicts)})" if report.opposite_verdicts else ""))
    words = report.words()
    if words["median"] is not None:
        lines.append(f"woorden per antwoord: mediaan {words['median']:.0f}, p90 {words['p90']}, "
                     f"≤ {SHORT_ANSWER_WORDS} woorden: {100 * words['short_share']:.0f}%")
    latencies = [r.latency for r in report.results]
    if latencies:
        lines.append(f"antwoordtijd: mediaan {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s")
    failed = report.failed
    if failed:
        lines += ["", f"Mislukt ({len(failed)}):"]
        for r in failed:
            lines.append(f"- {r.id} ({r.kind}): {'; '.join(_reasons(r))}")
    return "\n".join(lines)


def _reasons(result: Result) -> list[str]:
    """Why one question failed, in Dutch, for the report."""
    if result.error:
        return [result.error]
    reasons = []
    if result.must_decline and not result.declined:
        reasons.append(f"weigert niet ('{NO_ANSWER_MARKER}' ontbreekt)")
    if result.missing:
        shown = [" of ".join(repr(a) for a in m) if isinstance(m, list) else repr(m) for m in result.missing]
        reasons.append("ontbreekt: " + ", ".join(shown))
    if result.forbidden_found:
        reasons.append("verboden: " + ", ".join(repr(f) for f in result.forbidden_found))
    if not result.source_ok:
        reasons.append("bronregel ontbreekt of citeert een andere paragraaf")
    if is_opposite(result.verdict, result.verdict_given):
        reasons.append(f"tegengesteld oordeel: '{result.verdict_given}' i.p.v. '{result.verdict}'")
    return reasons
