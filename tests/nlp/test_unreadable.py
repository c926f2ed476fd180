"""The component that sends unreadable messages to the fallback."""
from __future__ import annotations

import pytest

from bot.nlp.unreadable import unreadable


@pytest.mark.parametrize("text", ["\x00\x07\x1b[31m\x7f", "x" * 10_000, "waarom " * 1700, "😀🙈🔥", "?!", "17 18"])
def test_messages_without_a_word_or_too_long_are_unreadable(text):
    assert unreadable(text)


@pytest.mark.parametrize("text", ["ja", "nee", "fin nr bvs?", "wat is GLOW", "stop", "ze is 17"])
def test_short_questions_and_answers_are_readable(text):
    assert not unreadable(text)
