"""Every error the library raises, with a code that is never reused.

Codes: K… knowledge files and validation (editor-facing, Dutch, naming file and record),
D… the built database, N… the Dutch NLP pipeline, S… settings and startup (S040–S047: the Teams
channel; S048–S055: its app package), G… scaffolding a new topic (bot/scaffold.py), B… the helpdesk review (bot/review).
`python -m bot check` reports C… (consistency) and R001 (rasa data validate).
"""
from __future__ import annotations


class DraaiboekError(Exception):
    """Base class: `str(error)` is a message fit to show an editor or operator."""

    code = "E000"

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(f"[{code}] {message}")


class KnowledgeError(DraaiboekError):
    """A knowledge file cannot be read or a record is invalid."""


class ValidationFailed(DraaiboekError):
    """One or more records failed validation; `problems` holds every message."""

    def __init__(self, problems: list["Problem"]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__("K000", f"{len(problems)} probleem/problemen in de kennisbank:\n{lines}")


class DatabaseError(DraaiboekError):
    """`knowledge.db` is missing, corrupt or of another schema version."""


class PipelineError(DraaiboekError):
    """The configured spaCy pipeline cannot be built or loaded."""


class SettingsError(DraaiboekError):
    """A setting is missing or wrong."""


class Problem:
    """One validation problem, located as precisely as possible (file, record, field)."""

    def __init__(self, code: str, file: str, record_id: str | None, field: str | None, message: str):
        self.code, self.file, self.record_id, self.field, self.message = code, file, record_id, field, message
        self.line: int | None = None  # the record's line in its file, when known

    @property
    def location(self) -> str:
        """file:line#record.field, as far as known."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.record_id:
            where += f"#{self.record_id}"
        if self.field:
            where += f".{self.field}"
        return where

    def __str__(self) -> str:
        return f"[{self.code}] {self.location}: {self.message}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"
