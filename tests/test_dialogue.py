"""Rasa test stories (tests/test_stories.yml): the dialogue policies must predict every action.

The stories' user texts are also an NLU test set: tests/test_nlu.py scores them.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot import settings


def test_dialogue_test_stories_predict_every_action(trained_model, tmp_path):
    rasa = str(Path(sys.executable).with_name("rasa"))
    result = subprocess.run(
        [
            rasa, "test", "core", "--model", str(trained_model), "--stories", "tests/test_stories.yml",
            "--fail-on-prediction-errors", "--out", str(tmp_path / "results"), "--no-plot",
        ],
        cwd=settings.PROJECT_DIR, capture_output=True, text=True, timeout=900,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.is_file() else ""
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{details}"
