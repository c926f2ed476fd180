"""Fixtures of the NLP tests.

Importing Rasa's NLU components imports `webexteamssdk`, whose versioneer runs `git describe
--dirty` (which may rewrite the index) from site-packages at import time; as the venv lives inside
the project, that git finds the project's repository. Keep git from climbing into it.
"""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

os.environ.setdefault("GIT_CEILING_DIRECTORIES", str(ROOT))


@pytest.fixture(scope="session")
def glossary():
    from bot.knowledge.load import load_knowledge

    return load_knowledge(ROOT / "knowledge").records["glossary"]
