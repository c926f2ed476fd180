"""The checks an editor runs before proposing a change (`python -m bot check`).

One place for every rule that ties the project's files together; the test suite runs the same
functions. Each finding names the file to fix and, where it can, the record or intent:

    [C003] data/nlu: intent glow_taal heeft 12 voorbeelden; minstens 15 nodig

Checks: knowledge validation (K…), section coverage, consistency of knowledge, domain, rules and
training data (C…), the generated glossary training data and schema doc, and Rasa's own
`rasa data validate` (R001).
"""
from __future__ import annotations

import difflib
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from bot import answers, settings

#: Dialogue intents answered by responses or the fallback, not by a knowledge topic.
DIALOGUE_INTENTS = frozenset({"greet", "goodbye", "thank", "bot_challenge", "handover", "out_of_scope", "meer_uitleg"})
#: Intents answered from the eligibility records by the guide's form (bot/eligibility.py), not by a topic.
GUIDE_INTENTS = frozenset({answers.ELIGIBILITY_INTENT})
#: Intents that only arrive as button payloads; they need no training examples.
PAYLOAD_INTENTS = frozenset({"feedback"})
#: Entities that only arrive in button payloads, besides the glossary labels.
PAYLOAD_ENTITIES = frozenset({"rating"})
MIN_EXAMPLES = 15
#: A training example this similar to a held-out text (difflib ratio) is a copy with a typo.
NEAR_COPY_RATIO = 0.9
#: The held-out texts: the scored question set, then the Rasa test stories.
HELD_OUT_FILES = (
    "tests/quality/questions.yml", "tests/quality/dev.yml", "tests/quality/blind.yml",
    "tests/test_stories.yml", "tests/test_conversations.yml",
)
#: An entity annotation in a test story, "[tekst]{...}" or "[tekst](...)".
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")
#: Actions that answer a topic intent.
TOPIC_ACTIONS = ("action_answer", "action_check_combination")


@dataclass(frozen=True)
class Finding:
    code: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.file}: {self.message}"


@dataclass
class Project:
    """The files the checks read, loaded once."""

    root: Path

    def yaml(self, relative: str) -> Any:
        return yaml.safe_load((self.root / relative).read_text(encoding="utf-8"))

    @property
    def domain(self) -> dict[str, Any]:
        return self.yaml("domain.yml")

    def rules(self) -> dict[str, str]:
        """intent -> action of every one-turn rule in data/rules.yml."""
        rules = self.yaml("data/rules.yml")["rules"]
        return {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules if "intent" in r["steps"][0]}

    def topic_intents(self) -> set[str]:
        from bot.knowledge import load_knowledge

        return {t["intent"] for t in load_knowledge(settings.knowledge_dir()).records["topics"]}

    def training_examples(self) -> list[tuple[str, str]]:
        """(text, intent) of every NLU training example under data/nlu."""
        from rasa.shared.nlu.training_data.loading import load_data

        return [(e.get("text"), e.get("intent")) for e in load_data(str(self.root / "data" / "nlu")).intent_examples]

    def locate(self, relative: str, pattern: str) -> str:
        """'file:line' of the first line matching `pattern` in a file (or the files of a folder), so that
        a finding says where to look; the bare path when nothing matches."""
        path = self.root / relative
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        regex = re.compile(pattern)
        for file in files:
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
                if regex.search(line):
                    return f"{file.relative_to(self.root).as_posix()}:{number}"
        return relative

    def scored_questions(self) -> list[str]:
        questions = self.yaml("tests/quality/questions.yml")["questions"]
        return [t for q in questions for t in ([q["question"]] if "question" in q else q["turns"])]

    def held_out_texts(self) -> list[tuple[str, str]]:
        """(text, file) of every text the tests ask and training must not see: the scored questions and
        the user texts of the Rasa test stories (entity annotations removed). Texts of one or two words
        ("hallo", "merci") are left out: small talk has no other wording to train on."""
        texts = [(question, HELD_OUT_FILES[0]) for question in self.scored_questions()]
        for relative in HELD_OUT_FILES[1:]:
            stories = self.yaml(relative).get("stories", []) if (self.root / relative).exists() else []
            for story in stories:
                for step in story.get("steps", []):
                    if "user" in step:
                        texts.append((ANNOTATION.sub(r"\1", step["user"]).strip(), relative))
        return [(text, relative) for text, relative in texts if len(text.split()) > 2]


# --- consistency of knowledge, domain, rules and training data -----------------------------------


def topic_intents_have_domain_entry_and_rule(project: Project) -> Iterator[Finding]:
    domain_intents, rules = set(project.domain["intents"]), project.rules()
    for intent in sorted(project.topic_intents()):
        if intent not in domain_intents:
            yield Finding(
                "C001", project.locate("domain.yml", r"^intents:"), f"intent {intent} (een topic in knowledge/) ontbreekt onder intents"
            )
        if rules.get(intent) not in TOPIC_ACTIONS:
            yield Finding(
                "C002", project.locate("data/rules.yml", r"^rules:"), f"geen regel `{intent}` -> action_answer voor het topic-intent {intent}"
            )


def domain_intents_are_answered(project: Project) -> Iterator[Finding]:
    answered = project.topic_intents() | DIALOGUE_INTENTS | GUIDE_INTENTS | PAYLOAD_INTENTS
    for intent in project.domain["intents"]:
        if intent not in answered:
            yield Finding(
                "C004", project.locate("domain.yml", rf"^\s*-\s*{re.escape(intent)}\s*$"),
                f"intent {intent} heeft geen topic in knowledge/ en is geen dialoog-intent",
            )


def intents_have_enough_examples(project: Project) -> Iterator[Finding]:
    counts = Counter(intent for _, intent in project.training_examples())
    for intent in project.domain["intents"]:
        if intent not in PAYLOAD_INTENTS and counts[intent] < MIN_EXAMPLES:
            yield Finding(
                "C003", project.locate("data/nlu", rf"-\s*intent:\s*{re.escape(intent)}\s*$"),
                f"intent {intent} heeft {counts[intent]} voorbeelden; minstens {MIN_EXAMPLES} nodig",
            )


def domain_entities_are_glossary_labels(project: Project) -> Iterator[Finding]:
    from bot.knowledge.schema import TERM_LABELS

    expected, found = set(TERM_LABELS) | PAYLOAD_ENTITIES, set(project.domain["entities"])
    for label in sorted(expected - found):
        yield Finding("C005", "domain.yml", f"entiteit {label} ontbreekt onder entities")
    for label in sorted(found - expected):
        yield Finding("C005", "domain.yml", f"entiteit {label} is geen label van de woordenlijst")


def held_out_texts_are_not_training_data(project: Project) -> Iterator[Finding]:
    training = {text.casefold().strip(" ?!.") for text, _ in project.training_examples()}
    for held_out, relative in project.held_out_texts():
        asked = held_out.casefold().strip(" ?!.")
        for example in training:
            matcher = difflib.SequenceMatcher(None, asked, example)
            if (
                matcher.real_quick_ratio() >= NEAR_COPY_RATIO
                and matcher.quick_ratio() >= NEAR_COPY_RATIO
                and matcher.ratio() >= NEAR_COPY_RATIO
            ):
                yield Finding(
                    "C006", project.locate("data/nlu", "(?i)" + re.escape(example[:40])),
                    f"{example!r} is (bijna) de testtekst {held_out!r} uit {relative}",
                )


def generated_files_are_current(project: Project) -> Iterator[Finding]:
    from bot.knowledge import load_knowledge
    from bot.knowledge.schema import render_schema_markdown
    from bot.nlp.training_data import glossary_training_data_is_current

    glossary = load_knowledge(settings.knowledge_dir()).records["glossary"]
    if not glossary_training_data_is_current(glossary, project.root / "data" / "nlu" / "lookups" / "glossary.yml"):
        yield Finding("C007", "data/nlu/lookups/glossary.yml", "verouderd: python -m bot kb generate")
    schema_doc = project.root / "docs" / "knowledge-schema.md"
    if not schema_doc.is_file() or schema_doc.read_text(encoding="utf-8") != render_schema_markdown():
        yield Finding("C008", "docs/knowledge-schema.md", "verouderd: python -m bot kb schema > docs/knowledge-schema.md")


def scaffolded_stubs_are_filled_in(project: Project) -> Iterator[Finding]:
    """Nothing that `python -m bot scaffold` left to write still says TODO."""
    from bot.scaffold import unfinished_stubs

    for stub in unfinished_stubs(project.root):
        yield Finding("C009", f"{stub.file}:{stub.line}", stub.message)


#: The code that composes answers: a rule, number or contact in it would bypass the cited records.
ANSWERING_CODE = ("bot/answering", "bot/answers.py", "bot/follow_ups.py", "bot/eligibility.py", "actions")
#: What a fact in a string of that code looks like: a phone number, an e-mail address, a code such
#: as C03S350, an amount or a number with a unit of time or age.
_FACT_IN_CODE = re.compile(
    r"\b0\d{2,3}[ /.]?\d{2}[ /.]?\d{2,3}\b|[\w.+-]+@[\w-]+\.[\w.]+|\b[A-Z]\d{2}[A-Z]\d{3}\b|€\s*\d|\d+\s*euro\b"
    r"|\b\d+\s*(?:jaar|jarige?n?|uur|uren|dagen|weken|maanden|kalenderdagen|werkdagen|%)\b",
    re.IGNORECASE,
)


def no_facts_in_answering_code(project: Project) -> Iterator[Finding]:
    """Grounded or silent: the answering code states no phone number, e-mail, code, amount or duration
    of its own (the numbered messages in bot/messages.py hold no rules either)."""
    import ast

    for relative in ANSWERING_CODE:
        path = project.root / relative
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.is_file() else []:
            tree = ast.parse(file.read_text(encoding="utf-8"))
            docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
            for node in ast.walk(tree):
                if id(node) in docstrings:
                    continue  # documentation, not something the assistant says
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and not _is_pattern(node.value):
                    match = _FACT_IN_CODE.search(node.value)
                    if match:
                        yield Finding(
                            "C011", f"{file.relative_to(project.root)}:{node.lineno}",
                            f"'{match.group(0)}' in de code: een regel, getal of contact komt uit een geciteerd record",
                        )


def _is_pattern(text: str) -> bool:
    """A regular expression (its digits are repetition counts, not facts)."""
    return bool(re.search(r"\\[bdsw]|\(\?[:!<=]|\[\^?[\w\\]", text))


CONSISTENCY_CHECKS: tuple[Callable[[Project], Iterator[Finding]], ...] = (
    scaffolded_stubs_are_filled_in,
    topic_intents_have_domain_entry_and_rule,
    domain_intents_are_answered,
    intents_have_enough_examples,
    domain_entities_are_glossary_labels,
    held_out_texts_are_not_training_data,
    generated_files_are_current,
    no_facts_in_answering_code,
)


# --- everything -----------------------------------------------------------------------------------


def knowledge_findings() -> list[Finding]:
    """Knowledge validation problems, then sections with neither records nor a reason."""
    from bot.knowledge import load_knowledge, validate
    from bot.knowledge.coverage import uncovered_sections

    knowledge = load_knowledge(settings.knowledge_dir())
    findings = [Finding(p.code, f"knowledge/{p.location}", p.message) for p in validate(knowledge, settings.sources_dir())]
    findings += [
        Finding("C010", "knowledge/documents.yml", f"{row.document} §{row.section}: geen records en geen not_covered-reden")
        for row in uncovered_sections(knowledge)
    ]
    return findings


def rasa_findings(project: Project) -> list[Finding]:
    """Errors of `rasa data validate` (domain, stories and rules agree; no conflicts)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("rasa")), "data", "validate", "--data", "data", "--domain", "domain.yml"],
        cwd=project.root, capture_output=True, text=True,
    )
    if result.returncode == 0:
        return []
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "ERROR" in line or "Error" in line]
    return [Finding("R001", "data/, domain.yml", line.strip()) for line in errors or ["rasa data validate faalde"]]


def run_checks(*, with_rasa: bool = True) -> list[Finding]:
    project = Project(settings.PROJECT_DIR)
    findings = knowledge_findings()
    for check in CONSISTENCY_CHECKS:
        findings += list(check(project))
    if with_rasa:
        findings += rasa_findings(project)
    return findings
