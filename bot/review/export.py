"""Marked answers → Rasa test stories and question-set items, in one call.

Stories (default tests/reviewed/stories.yml): a mark "juist" pins what happened — the recognised
intent and the action that ran; a mark "fout" with a corrected intent pins the intent it should have
been and the action the rules in data/rules.yml give that intent. A "fout" without a corrected
intent cannot become a story; the report lists it as needing completion.

Questions (default tests/reviewed/questions.yml, the format of bot/quality.py): an answer that must
be declined (a right decline, or a wrong answer corrected to out_of_scope) becomes an `out_of_scope`
item with `declined: true`; any other needs the reviewer's expected phrases, because the question
set refuses an answerable question without `expect` (bot.quality `_validate`, Q018). The kind comes
from the topic of the (corrected) intent, the document and section from what the answer cited
(a right answer) or from the corrected intent's topic.

Each item's id is derived from its mark ("review-" + hash of the answer's key), so exporting again
replaces the items of the same marks, drops the items of marks that can no longer be exported, and
keeps every other item in the files. Both files are checked before they replace the old ones:
the questions with `bot.quality.load_question_set`, the stories against domain.yml.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import settings
from bot.privacy import PATTERNS as PERSONAL_DATA
from bot.quality import KINDS, QuestionSetError, load_question_set
from bot.review import ReviewError
from bot.review.conversations import FALLBACK_INTENT, OUT_OF_SCOPE_INTENT, Catalogue, parse_source_lines
from bot.review.marks import Mark

ID_PREFIX = "review-"
STORIES_VERSION = "3.1"
#: Intents whose answer is a decline: a wrong answer corrected to one of these must be declined.
DECLINE_INTENTS = (OUT_OF_SCOPE_INTENT, FALLBACK_INTENT)
#: Intents Rasa knows without the domain listing them.
RASA_DEFAULT_INTENTS = (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)
COMBINATION_INTENT = "combinatie_check"
#: Actions Rasa runs without the domain listing them.
RASA_DEFAULT_ACTIONS = (
    "action_listen", "action_restart", "action_session_start", "action_default_fallback", "action_deactivate_loop",
    "action_revert_fallback_events", "action_default_ask_affirmation", "action_default_ask_rephrase",
    "action_two_stage_fallback", "action_back",
)
_REDACTION_LABELS = tuple(kind.label for kind in PERSONAL_DATA.values())

STORIES_HEADER = (
    "# Rasa test stories from reviewed answers (python -m bot review export).\n"
    "# Stories whose name starts with \"review-\" are rewritten by every export; add others by hand if you like.\n"
)
QUESTIONS_HEADER = (
    "# Question-set items from reviewed answers (python -m bot review export); format: bot/quality.py.\n"
    "# Items whose id starts with \"review-\" are rewritten by every export; add others by hand if you like.\n"
)


def default_stories_path() -> Path:
    return settings.PROJECT_DIR / "tests" / "reviewed" / "stories.yml"


def default_questions_path() -> Path:
    return settings.PROJECT_DIR / "tests" / "reviewed" / "questions.yml"


def export_id(mark: Mark) -> str:
    return ID_PREFIX + hashlib.sha256(mark.key.encode()).hexdigest()[:10]


@dataclass
class Skipped:
    """A mark that could not be exported to one of the files, and what the reviewer should add."""

    id: str
    question: str
    reason: str

    def __str__(self) -> str:
        question = self.question if len(self.question) <= 70 else self.question[:67] + "…"
        return f"{self.id} \"{question}\": {self.reason}"


@dataclass
class ExportReport:
    stories_path: Path
    questions_path: Path
    stories: list[str] = field(default_factory=list)  # ids written
    questions: list[str] = field(default_factory=list)
    skipped_stories: list[Skipped] = field(default_factory=list)
    skipped_questions: list[Skipped] = field(default_factory=list)

    def format(self) -> str:
        lines = [
            f"{len(self.stories)} teststory/teststories naar {self.stories_path}",
            f"{len(self.questions)} vraag/vragen naar {self.questions_path}",
        ]
        if self.skipped_stories:
            lines.append(f"Niet als story ({len(self.skipped_stories)}):")
            lines += [f"  - {s}" for s in self.skipped_stories]
        if self.skipped_questions:
            lines.append(f"Niet als vraag ({len(self.skipped_questions)}):")
            lines += [f"  - {s}" for s in self.skipped_questions]
        return "\n".join(lines)


# --- project files: intents, actions, rules ----------------------------------------------------


@dataclass
class DialogueModel:
    """What a story may name (domain.yml) and which action a one-turn rule gives each intent."""

    intents: set[str]
    actions: set[str]
    rule_action: dict[str, str]

    @classmethod
    def read(cls, project: Path = settings.PROJECT_DIR) -> DialogueModel:
        try:
            domain = yaml.safe_load((project / "domain.yml").read_text(encoding="utf-8")) or {}
            rules = yaml.safe_load((project / "data" / "rules.yml").read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ReviewError("B040", f"domain.yml of data/rules.yml niet leesbaar: {e}") from e
        intents = {next(iter(i)) if isinstance(i, dict) else str(i) for i in domain.get("intents") or []}
        actions = set(domain.get("actions") or []) | set((domain.get("responses") or {}).keys())
        rule_action: dict[str, str] = {}
        for rule in rules.get("rules") or []:
            steps = rule.get("steps") or []
            if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1] and not rule.get("condition"):
                rule_action.setdefault(steps[0]["intent"], steps[1]["action"])
        return cls(intents | set(RASA_DEFAULT_INTENTS), actions, rule_action)


# --- stories -----------------------------------------------------------------------------------


def annotate(text: str, entities: list[dict[str, Any]], catalogue: Catalogue | None = None) -> str:
    """The question with its entities annotated as in the test stories: [text]{"entity": …, "value": …}.

    The log stores a message with personal data redacted but keeps the entity offsets of the
    original text; in such a message the entities are looked up again by their glossary variants.
    """
    redacted = any(label in text for label in _REDACTION_LABELS)
    spans: list[tuple[int, int, str, str]] = []
    for entity in sorted(entities, key=lambda e: e.get("start") or 0):
        name, value = str(entity.get("entity") or ""), str(entity.get("value") or "")
        if not name or not value:
            continue
        start, end = entity.get("start"), entity.get("end")
        span: tuple[int, int] | None = None
        if not redacted and isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            span = (start, end)
        elif catalogue is not None or redacted:
            variants = (catalogue.variants.get(value, []) if catalogue else []) + [value]
            span = _locate(text, variants, start if isinstance(start, int) else 0)
        if span and all(span[1] <= s or span[0] >= e for s, e, _, _ in spans):
            spans.append((span[0], span[1], name, value))
    out, position = [], 0
    for start, end, name, value in sorted(spans):
        annotation = json.dumps({"entity": name, "value": value}, ensure_ascii=False)
        out += [text[position:start], f"[{text[start:end]}]{annotation}"]
        position = end
    out.append(text[position:])
    return "".join(out)


def _locate(text: str, variants: list[str], near: int) -> tuple[int, int] | None:
    plain = unicodedata.normalize("NFC", text)
    found = []
    for variant in {v for v in variants if v}:
        pattern = re.compile(r"(?<!\w)" + re.escape(variant).replace(r"\ ", r"\s+") + r"(?!\w)", re.IGNORECASE)
        found += [(abs(m.start() - near), -(m.end() - m.start()), m.start(), m.end()) for m in pattern.finditer(plain)]
    if not found or len(plain) != len(text):
        return None
    _, _, start, end = min(found)
    return start, end


def story_for(mark: Mark, model: DialogueModel, catalogue: Catalogue | None) -> dict[str, Any] | str:
    """The test story of a mark, or why there is none (Dutch)."""
    question = mark.question.strip()
    if mark.button or not question:
        return "een aangeklikte knop of een leeg bericht, geen getypte vraag"
    if mark.verdict == "right":
        intent, action = mark.intent, mark.action
        if not action:
            return "er liep geen actie na deze vraag"
    elif mark.corrected_intent:
        intent = mark.corrected_intent
        action = model.rule_action.get(intent)
        if not action:
            return f"geen regel in data/rules.yml voor het onderwerp {intent}"
    else:
        return "fout zonder het juiste onderwerp: vul 'juist onderwerp' aan"
    if intent not in model.intents:
        return f"onderwerp {intent} staat niet in domain.yml"
    if action not in model.actions and action not in RASA_DEFAULT_ACTIONS:
        return f"actie {action} staat niet in domain.yml"
    qid = export_id(mark)
    short = " ".join(question.split())
    short = short if len(short) <= 60 else short[:57] + "…"
    return {
        "story": f"{qid} ({mark.verdict_label}): {short}",
        "steps": [
            {"user": _Literal(annotate(question, mark.entities, catalogue) + "\n"), "intent": intent},
            {"action": action},
        ],
    }


# --- questions ---------------------------------------------------------------------------------


def question_for(mark: Mark, catalogue: Catalogue | None) -> dict[str, Any] | str:
    """The question-set item of a mark, or why there is none (Dutch)."""
    question = mark.question.strip()
    if mark.button or not question:
        return "een aangeklikte knop of een leeg bericht, geen getypte vraag"
    if mark.verdict == "wrong" and not mark.corrected_intent and not mark.expected:
        return "fout zonder verwachte zinnen of juist onderwerp: vul ze aan"
    qid = export_id(mark)
    must_decline = (mark.verdict == "right" and mark.declined) or (
        mark.verdict == "wrong" and mark.corrected_intent in DECLINE_INTENTS
    )
    item: dict[str, Any] = {"id": qid}
    if must_decline:
        item.update(kind="out_of_scope", question=question)
        if mark.expected:
            item["expect"] = mark.expected
        item["declined"] = True
        return item
    if not mark.expected:
        return "verwachte zinnen ontbreken (een vraag die beantwoord moet worden heeft er minstens een nodig)"
    document = section = None
    if mark.verdict == "right":
        intent = _answered_intent(mark, catalogue)
        if mark.sources and not mark.declined:
            document, section = _cited_section(mark)
    else:
        intent = mark.corrected_intent
        topics = catalogue.topic_ids(intent) if catalogue and intent else []
        citations = catalogue.citations.get(topics[0], []) if topics else []
        if citations:
            document, section = citations[0][0], citations[0][2]
    item.update(kind=_kind(intent, catalogue))
    if document:
        item["document"] = str(document)
    item["question"] = question
    item["expect"] = mark.expected
    if section:
        item["section"] = str(section)
    return item


def _cited_section(mark: Mark) -> tuple[str | None, str | None]:
    """(document, section) of the first source the answer's source line names; else the first source."""
    named = {section for _, _, sections in parse_source_lines(mark.answer) for section in sections}
    source = next((s for s in mark.sources if str(s.get("section")) in named), mark.sources[0])
    return source.get("document"), source.get("section")


def _answered_intent(mark: Mark, catalogue: Catalogue | None) -> str | None:
    if catalogue:
        for record in mark.records:
            intent = catalogue.intent_of_record(record)
            if intent:
                return intent
    return mark.intent


def _kind(intent: str | None, catalogue: Catalogue | None) -> str:
    if intent == COMBINATION_INTENT:
        return "yes_no"
    kind = catalogue.topic_kind(intent) if catalogue and intent else None
    return kind if kind in KINDS else "fact"


# --- writing -----------------------------------------------------------------------------------


class _Literal(str):
    """A text written as a YAML block (`user: |`), as in the test stories."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|"))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)


def _read_list(path: Path, key: str) -> list[Any]:
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ReviewError("B041", f"{path} niet leesbaar ({e}); herstel of verwijder het bestand") from e
    items = data.get(key) if isinstance(data, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise ReviewError("B042", f"{path}: '{key}' moet een lijst zijn")
    return items


def _merge(existing: list[Any], new: dict[str, Any], owned: set[str], id_of) -> list[Any]:
    """Existing entries with new ones replacing theirs; entries of `owned` ids without a new one dropped."""
    merged, placed = [], set()
    for entry in existing:
        entry_id = id_of(entry)
        if entry_id in new:
            merged.append(new[entry_id])
            placed.add(entry_id)
        elif entry_id not in owned:
            merged.append(entry)
    merged += [entry for entry_id, entry in new.items() if entry_id not in placed]
    return merged


def _story_id(story: Any) -> str | None:
    name = story.get("story") if isinstance(story, dict) else None
    return name.split(" ", 1)[0] if isinstance(name, str) and name.startswith(ID_PREFIX) else name


def _write_atomically(path: Path, text: str, check=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        if check:
            check(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _check_questions(path: Path) -> None:
    try:
        load_question_set(path)
    except QuestionSetError as e:
        raise ReviewError("B043", f"de geëxporteerde vragen zijn ongeldig, niets geschreven: {e}") from e


def _check_stories(model: DialogueModel):
    def check(path: Path) -> None:
        for story in _read_list(path, "stories"):
            for step in story.get("steps") or []:
                if "intent" in step and step["intent"] not in model.intents:
                    raise ReviewError("B044", f"story {story.get('story')}: onbekend intent {step['intent']}")
    return check


def export_marks(
    marks: list[Mark],
    *,
    stories_path: Path | None = None,
    questions_path: Path | None = None,
    catalogue: Catalogue | None = None,
    project: Path = settings.PROJECT_DIR,
) -> ExportReport:
    """Write the test stories and question-set items of `marks`; see the module docstring."""
    stories_path = Path(stories_path or default_stories_path())
    questions_path = Path(questions_path or default_questions_path())
    model = DialogueModel.read(project)
    report = ExportReport(stories_path, questions_path)
    marks = [mark.redacted() for mark in marks]  # marks made before a pattern existed: no client data in the repository
    owned = {export_id(mark) for mark in marks}
    new_stories: dict[str, dict[str, Any]] = {}
    new_questions: dict[str, dict[str, Any]] = {}
    for mark in marks:
        qid = export_id(mark)
        story = story_for(mark, model, catalogue)
        if isinstance(story, str):
            report.skipped_stories.append(Skipped(qid, mark.question, story))
        else:
            new_stories[qid] = story
        question = question_for(mark, catalogue)
        if isinstance(question, str):
            report.skipped_questions.append(Skipped(qid, mark.question, question))
        else:
            new_questions[qid] = question

    stories = _merge(_read_list(stories_path, "stories"), new_stories, owned, _story_id)
    for story in stories:  # keep hand-written stories' user texts as blocks too
        for step in story.get("steps") or [] if isinstance(story, dict) else []:
            if isinstance(step, dict) and isinstance(step.get("user"), str):
                step["user"] = _Literal(step["user"] if step["user"].endswith("\n") else step["user"] + "\n")
    if stories or stories_path.is_file():
        text = STORIES_HEADER + _dump({"version": STORIES_VERSION, "stories": stories})
        _write_atomically(stories_path, text, _check_stories(model))
    report.stories = list(new_stories)

    questions = _merge(
        _read_list(questions_path, "questions"), new_questions, owned,
        lambda q: q.get("id") if isinstance(q, dict) else None,
    )
    if questions:
        _write_atomically(questions_path, QUESTIONS_HEADER + _dump({"questions": questions}), _check_questions)
    elif questions_path.is_file():
        questions_path.unlink()  # the question set refuses an empty list, and only our items were in it
    report.questions = list(new_questions)
    return report
