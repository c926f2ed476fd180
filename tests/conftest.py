"""Shared fixtures: the real knowledge base built into a temporary file, dispatcher, domain, trackers."""
from __future__ import annotations

import contextlib
import importlib
import os
import shutil
from pathlib import Path

import pytest
import yaml

from bot import settings
from bot.knowledge import KnowledgeBase, build_db
from bot.runner import free_port  # noqa: F401  (tests import it from here)

PROJECT = settings.PROJECT_DIR
# A dependency of Rasa (webexteamssdk) runs `git describe --dirty` at import; keep it out of this repo.
os.environ.setdefault("GIT_CEILING_DIRECTORIES", str(PROJECT))


@pytest.fixture(scope="session")
def kb_path(tmp_path_factory) -> Path:
    """knowledge.db built from the real knowledge files (never the working copy's db)."""
    path = tmp_path_factory.mktemp("kb") / "knowledge.db"
    return build_db(settings.knowledge_dir(), path, sources_dir=settings.sources_dir())


@pytest.fixture(scope="session")
def kb(kb_path) -> KnowledgeBase:
    return KnowledgeBase(kb_path)


@pytest.fixture
def actions(kb_path, monkeypatch):
    """The actions module, reading the test's knowledge.db."""
    monkeypatch.setenv("DRAAIBOEK_DB", str(kb_path))
    module = importlib.import_module("actions.actions")
    module.knowledge_base.cache_clear()
    yield module
    module.knowledge_base.cache_clear()


@pytest.fixture
def knowledge_copy(tmp_path) -> Path:
    """A writable copy of knowledge/ (without the sources) for tests that break it on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(settings.knowledge_dir(), target, ignore=shutil.ignore_patterns("sources"))
    return target


def edit_yaml(path: Path, change) -> None:
    """Load a knowledge file, let `change(data)` modify it, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def record(data: dict, kind: str, record_id: str) -> dict:
    return next(r for r in data[kind] if r["id"] == record_id)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current training data: reused when fresh, trained when stale."""
    from bot.runner import prepare, train_if_stale

    prepare(train=False)
    return train_if_stale()


@contextlib.contextmanager
def environment(**values: str):
    """Environment variables set for a block (module-scoped fixtures cannot use monkeypatch)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
