"""The answering pipeline: one message in, one answer out, through steps tried in order.

    1 unusable        markup, a pasted text: a plain reply
    2 follow-up       "vertel meer", "waarom?", "welke bron?", "en met IBO?" … on the previous answer
    3 clarifying      "het traject" that can be GLOW or TWE-OCMW: ask which
    4 described client  "kan mijn leefloner van 23 in GLOW?": the eligibility rules, verdict first
    5 rule            a combination of two services: verdict first, from the rule table
    6 topic           the recognised topic, cut to the sentences that answer (fact extraction)
    7 passage         the sentence of a source text that answers, quoted, when no topic does
    8 decline         "dat staat niet in de draaiboeken", with the contact of the document asked about

The first step that returns an answer wins. Actions only read the tracker into a `Turn` and
dispatch what `answer` returns. Layout:

    pipeline.py   the order (STEPS) and `answer`
    turn.py       what the pipeline reads of one message
    steps/        one module per step, each with one entry point `<step>(kb, turn)`
    question.py   what a question asks (its kind, content words, negation)
    focus.py      fact extraction: the sentences of a record that answer, and the verdict they carry
    passage.py    the passage index: the sentence of a source text that answers
    config.py     every threshold, weight and word limit, declared once
"""
from __future__ import annotations

from bot.answering import steps
from bot.answering.pipeline import STEPS, answer
from bot.answering.turn import Turn

__all__ = ["STEPS", "Turn", "answer", "steps"]
