"""Rasa test stories: the dialogue policies must predict every action.

data/stories/ (the multi-turn flows: the guide, clarifying questions, follow-ups), tests/test_stories.yml,
written with the training data, tests/test_conversations.yml (real messages over several turns of
those flows), plus tests/reviewed/stories.yml, exported from
answers helpdesk staff marked (python -m bot review export). Only the first is also an NLU test set
(tests/test_nlu.py): a reviewed story pins what the NLU predicted when it was marked right.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot import settings


def test_dialogue_test_stories_predict_every_action(trained_model, tmp_path):
    rasa = str(Path(sys.executable).with_name("rasa"))
    stories = tmp_path / "stories"
    stories.mkdir()
    shutil.copy(settings.PROJECT_DIR / "tests" / "test_stories.yml", stories)
    shutil.copy(settings.PROJECT_DIR / "tests" / "test_conversations.yml", stories)
    flows = sorted((settings.PROJECT_DIR / "data" / "stories").glob("*.yml"))
    assert flows, "data/stories/ holds the multi-turn flows"
    for flow in flows:
        shutil.copy(flow, stories / f"flow_{flow.name}")
    reviewed = settings.PROJECT_DIR / "tests" / "reviewed" / "stories.yml"
    if reviewed.is_file():
        shutil.copy(reviewed, stories / "test_reviewed_stories.yml")
    result = subprocess.run(
        [
            rasa, "test", "core", "--model", str(trained_model), "--stories", str(stories),
            "--fail-on-prediction-errors", "--out", str(tmp_path / "results"), "--no-plot",
        ],
        cwd=settings.PROJECT_DIR, capture_output=True, text=True, timeout=900,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.is_file() else ""
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{details}"
