"""The steps of the answering pipeline, one module each, each with one entry point `<step>(kb, turn)`
that returns an answer or None (their order: `bot.answering.pipeline.STEPS`)."""
from __future__ import annotations

from bot.answering.steps import (
    abbreviation, clarifying, contact_detail, decline, described_client, elsewhere, follow_up, in_context, passage, restated,
    rule, ruling, topic, unusable,
)

__all__ = [
    "abbreviation", "clarifying", "contact_detail", "decline", "described_client", "elsewhere", "follow_up", "in_context",
    "passage", "restated",
    "rule", "ruling", "topic", "unusable",
]
