"""Prepare and run the assistant: build what is stale, train when needed, start both servers.

Each step is skipped when its output is current, so re-running setup is cheap:
knowledge.db (fingerprint of knowledge files and sources), the generated glossary training
data, the spaCy pipeline (fingerprint in its meta), and the model (stamp of its inputs).
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from bot import settings
from bot.errors import SettingsError
from bot.files import PRIVATE_UMASK, open_private_log, private_file
from bot.knowledge import KnowledgeBase, build_db, db_is_current, load_knowledge
from bot.nlp import build_pipeline, encoder, pipeline_is_current, write_glossary_training_data

logger = logging.getLogger(__name__)

MODEL_NAME = "draaiboek"
GLOSSARY_TRAINING_DATA = Path("data/nlu/lookups/glossary.yml")
#: What a trained model depends on, relative to the project folder.
# the custom NLU components are part of the model, and LexicalVote learns from the topics'
# answers: a change to their code or to the knowledge retrains
MODEL_INPUTS = (
    "config.yml", "domain.yml", "data", "knowledge",
    "bot/nlp/ranking_component.py", "bot/nlp/lexical_vote.py", "bot/nlp/concept_evidence.py",
    "bot/nlp/sentence_features.py", "bot/nlp/encoder.py",
)


@dataclass
class Paths:
    project: Path = settings.PROJECT_DIR

    @property
    def model(self) -> Path:
        return self.project / "models" / f"{MODEL_NAME}.tar.gz"

    @property
    def model_stamp(self) -> Path:
        return self.project / "models" / f"{MODEL_NAME}.inputs"


def read_config(project: Path = settings.PROJECT_DIR) -> dict:
    return yaml.safe_load((project / "config.yml").read_text(encoding="utf-8"))


def spacy_settings(config: dict) -> tuple[str, Path]:
    """(base model, output path) of the spaCy pipeline from config.yml."""
    base = config.get("spacy_base_model") or "blank"
    for component in config.get("pipeline") or []:
        if component.get("name") == "SpacyNLP":
            return base, settings.PROJECT_DIR / component["model"]
    raise SettingsError("S001", "config.yml: de pipeline heeft geen SpacyNLP-component met een 'model'")


def prepare(*, train: bool = True, report: Callable[[str], None] = logger.info) -> None:
    """Bring knowledge.db, generated data, the spaCy pipeline and the model up to date."""
    knowledge_dir, sources_dir, db_path = settings.knowledge_dir(), settings.sources_dir(), settings.db_path()
    if db_is_current(knowledge_dir, db_path, sources_dir=sources_dir):
        report(f"kennisbank actueel: {db_path}")
    else:
        build_db(knowledge_dir, db_path, sources_dir=sources_dir)
        report(f"kennisbank gebouwd: {db_path}")

    glossary = load_knowledge(knowledge_dir).records["glossary"]
    changed = write_glossary_training_data(glossary, settings.PROJECT_DIR / GLOSSARY_TRAINING_DATA)
    report(f"trainingsdata uit woordenlijst {'bijgewerkt' if changed else 'actueel'}: {GLOSSARY_TRAINING_DATA}")

    base, spacy_dir = spacy_settings(read_config())
    if pipeline_is_current(glossary, base, spacy_dir):
        report(f"spaCy-pipeline actueel: {spacy_dir}")
    else:
        build_pipeline(glossary, base=base, output_dir=spacy_dir)
        report(f"spaCy-pipeline gebouwd ({base}): {spacy_dir}")

    if train:
        train_if_stale(report=report)


def model_inputs_digest(paths: Paths = Paths()) -> str:
    """Hash of everything the model is trained from (incl. the spaCy pipeline's fingerprint)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in MODEL_INPUTS:
        path = paths.project / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    _, spacy_dir = spacy_settings(read_config(paths.project))
    files += sorted(p for p in (spacy_dir / "meta.json",) if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(paths.project)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_is_current(paths: Paths = Paths()) -> bool:
    return (
        paths.model.is_file()
        and paths.model_stamp.is_file()
        and paths.model_stamp.read_text().strip() == model_inputs_digest(paths)
    )


def train_if_stale(*, force: bool = False, report: Callable[[str], None] = logger.info) -> Path:
    """Train `models/draaiboek.tar.gz` unless it was trained from the current inputs."""
    paths = Paths()
    if not force and model_is_current(paths):
        report(f"model actueel: {paths.model}")
        return paths.model
    report("model trainen (enkele minuten) …")
    started = time.monotonic()
    # the inputs as they are when training starts: a file edited meanwhile makes the model stale
    inputs = model_inputs_digest(paths)
    subprocess.run(
        [_rasa(), "train", "--fixed-model-name", MODEL_NAME, "--out", str(paths.model.parent)],
        cwd=paths.project,
        check=True,
    )
    paths.model_stamp.write_text(inputs + "\n")
    report(f"model getraind in {time.monotonic() - started:.0f} s: {paths.model}")
    return paths.model


def _rasa() -> str:
    return str(Path(sys.executable).with_name("rasa"))


@dataclass
class Servers:
    """A running Rasa server and action server."""

    rasa: subprocess.Popen
    actions: subprocess.Popen
    rasa_url: str
    actions_url: str
    workdir: Path
    #: the Rasa HTTP API (/model/parse, /conversations …) answers only with this token
    api_token: str = ""
    start_actions: Callable[[], subprocess.Popen] | None = None

    def restart_actions(self, ready_timeout: float = 60) -> None:
        """Start the action server again (after it died) and wait until it answers."""
        if self.actions.poll() is None:
            self.actions.terminate()
            self.actions.wait(15)
        self.actions = self.start_actions()
        _wait_until_up(self.actions_url + "/health", self.actions, "actieserver", ready_timeout)

    def stop(self, timeout: float = 15) -> None:
        for process in (self.rasa, self.actions):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (self.rasa, self.actions):
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


#: `supervise`: the action server is restarted at most this many times within `RESTART_WINDOW` seconds,
#: after these pauses (seconds; the last one for every further restart)
MAX_ACTION_RESTARTS = 5
RESTART_WINDOW = 600.0
RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)


def supervise(
    servers: Servers,
    *,
    report: Callable[[str], None] = logger.warning,
    keep_running: Callable[[], bool] = lambda: True,
    max_restarts: int = MAX_ACTION_RESTARTS,
    window: float = RESTART_WINDOW,
    backoff: tuple[float, ...] = RESTART_BACKOFF,
    poll: float = 0.5,
) -> str:
    """Watch the running servers until one must stop everything; returns why ("rasa", "actions", "stopped").

    A dead action server is started again (after a short pause, longer after each crash) while the
    Rasa server, and whatever the caller runs beside it, keeps running: meanwhile a message gets the
    channels' Dutch apology, the next one after the restart its answer, in the same conversation.
    Only a dead Rasa server, or more than `max_restarts` action-server crashes within `window` seconds,
    ends the watch. Every step is reported in Dutch.
    """
    crashes: deque[float] = deque()
    while keep_running():
        if servers.rasa.poll() is not None:
            report(f"De Rasa-server is gestopt (exitcode {servers.rasa.returncode}).")
            return "rasa"
        if servers.actions.poll() is not None:
            now = time.monotonic()
            crashes.append(now)
            while crashes and now - crashes[0] > window:
                crashes.popleft()
            if len(crashes) > max_restarts:
                report(
                    f"De actieserver is {len(crashes)} keer gestopt binnen {window / 60:.0f} minuten "
                    f"(laatste exitcode {servers.actions.returncode}); ze wordt niet meer herstart."
                )
                return "actions"
            pause = backoff[min(len(crashes), len(backoff)) - 1]
            report(
                f"De actieserver is gestopt (exitcode {servers.actions.returncode}); herstart {len(crashes)} "
                f"van maximaal {max_restarts} over {pause:g} s. Intussen krijgen vragen een verontschuldiging."
            )
            time.sleep(pause)
            try:
                servers.restart_actions()
            except SettingsError as error:  # counted as the next crash when the loop sees it dead
                report(f"De actieserver startte niet opnieuw: {error}")
                if servers.actions.poll() is None:  # started but not answering
                    servers.actions.kill()
                    servers.actions.wait()
                continue
            report("De actieserver draait weer.")
        time.sleep(poll)
    return "stopped"


def start_servers(
    *,
    rasa_port: int = 5005,
    actions_port: int = 5055,
    host: str = "127.0.0.1",
    tracker_db: Path | None = None,
    tracker_url: str | None = None,
    lock_store_url: str | None = None,
    credentials: Path | None = None,
    log_dir: Path | None = None,
    ready_timeout: float = 180,
) -> Servers:
    """Start the action server and the Rasa server and wait until both answer.

    `credentials` replaces credentials.yml (the channels), e.g. for a test's own Teams settings.
    `tracker_url` (an SQLAlchemy URL: PostgreSQL) and `lock_store_url` (redis://) let several servers
    share conversations; they default to DRAAIBOEK_TRACKER_URL and DRAAIBOEK_LOCK_STORE_URL.
    """
    paths = Paths()
    if not paths.model.is_file():
        raise SettingsError("S002", f"geen model gevonden ({paths.model}); voer eerst `python -m bot prepare` uit")
    # a missing, corrupt or outdated knowledge.db stops here with the fix, before any server starts
    KnowledgeBase(settings.db_path())
    # so does a missing or corrupt sentence encoder (the model's featurizer checks the same when it loads)
    encoder.check()
    for port in (rasa_port, actions_port):
        if port_in_use(host, port):
            raise SettingsError("S005", f"poort {port} is al in gebruik (draait de assistent al?); kies een andere poort")
    workdir = Path(tempfile.mkdtemp(prefix="draaiboek-run-"))
    endpoints = yaml.safe_load((paths.project / "endpoints.yml").read_text(encoding="utf-8"))
    actions_host = settings.actions_host()
    # the action server listens on actions_host (127.0.0.1 by default); 0.0.0.0 is reached on loopback
    actions_address = "127.0.0.1" if actions_host == "0.0.0.0" else actions_host
    endpoints["action_endpoint"]["url"] = f"http://{actions_address}:{actions_port}/webhook"
    tracker_url = tracker_url or settings.tracker_url()
    lock_store_url = lock_store_url or settings.lock_store_url()
    if tracker_url:
        endpoints["tracker_store"] = tracker_store_endpoint(tracker_url)
    elif tracker_db is not None:
        endpoints["tracker_store"]["db"] = str(tracker_db)
        private_file(tracker_db)
    else:
        (paths.project / "build").mkdir(exist_ok=True)
        private_file(paths.project / endpoints["tracker_store"]["db"])
    if lock_store_url:
        endpoints["lock_store"] = lock_store_endpoint(lock_store_url)
    endpoints_file = workdir / "endpoints.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints), encoding="utf-8")

    def output(name: str):
        return open_private_log(log_dir / f"{name}.log") if log_dir else None

    api_token = settings.api_token() or secrets.token_urlsafe(24)
    # the API token goes through the environment (readable by its owner only), never the command line
    actions_env = {k: v for k, v in os.environ.items() if k != "DRAAIBOEK_API_TOKEN"} | {"DRAAIBOEK_DB": str(settings.db_path())}
    env = dict(actions_env, DRAAIBOEK_API_TOKEN=api_token)

    def start_actions() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--actions", "actions", "--host", actions_host, "--port", str(actions_port)],
            cwd=paths.project, env=actions_env, stdout=output("actions"), stderr=subprocess.STDOUT if log_dir else None,
            preexec_fn=_child_setup,
        )

    cors = settings.widget_origins()
    actions = start_actions()
    rasa = subprocess.Popen(
        [
            sys.executable, "-m", "bot.rasa_server", "run", "--model", str(paths.model), "--port", str(rasa_port),
            "--interface", host, "--endpoints", str(endpoints_file),
            "--credentials", str(credentials or paths.project / "credentials.yml"), "--enable-api",
            # CORS only for the configured widget origins (none: the server's own pages only)
            *(["--cors", *cors] if cors else []),
        ],
        cwd=paths.project, env=env, stdout=output("rasa"), stderr=subprocess.STDOUT if log_dir else None,
        preexec_fn=_child_setup,
    )
    servers = Servers(rasa, actions, f"http://{host}:{rasa_port}", f"http://{actions_address}:{actions_port}", workdir, api_token, start_actions)
    try:
        _wait_until_up(servers.actions_url + "/health", actions, "actieserver", ready_timeout)
        _wait_until_up(servers.rasa_url + "/", rasa, "Rasa-server", ready_timeout)
    except BaseException:
        servers.stop()
        raise
    return servers


def tracker_store_endpoint(url: str) -> dict:
    """endpoints.yml's tracker_store for an SQLAlchemy URL (our redacting SQL store, any dialect)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    endpoint = {"type": "bot.tracker_store.RedactingSQLTrackerStore", "dialect": parsed.drivername, "db": parsed.database}
    if not parsed.drivername.startswith("sqlite"):
        endpoint.update(url=parsed.host, port=parsed.port, username=parsed.username, password=parsed.password)
    return {k: v for k, v in endpoint.items() if v is not None}


def lock_store_endpoint(url: str) -> dict:
    """endpoints.yml's lock_store for redis://[:password@]host:port/db."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise SettingsError("S006", f"lock store: verwacht redis://host:poort/db, niet '{url}'")
    endpoint = {
        "type": "redis", "url": parsed.hostname, "port": parsed.port or 6379, "db": int(parsed.path.strip("/") or 0),
        "password": parsed.password, "use_ssl": parsed.scheme == "rediss", "key_prefix": "draaiboek",
    }
    return {k: v for k, v in endpoint.items() if v is not None}


def free_port() -> int:
    """A localhost port nothing listens on, for servers a test or the benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on host:port."""
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


def _child_setup() -> None:
    """In a server's process: files it creates are its owner's only (0600), and it dies with its parent."""
    os.umask(PRIVATE_UMASK)
    _die_with_parent()


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, so no server outlives `bot serve` or a test."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: rely on Servers.stop()
        pass


def _wait_until_up(url: str, process: subprocess.Popen, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SettingsError("S003", f"{name} stopte bij het opstarten (exitcode {process.returncode}); zie de log hierboven")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SettingsError("S004", f"{name} antwoordt niet op {url} na {timeout:.0f} s")
