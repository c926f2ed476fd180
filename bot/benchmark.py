"""Speed and memory, measured against a stock `rasa init` assistant in the same run.

`python -m bot benchmark` starts our assistant (Rasa server + action server, a temporary SQLite
tracker store) and a stock assistant made by `rasa init`, and prints for both: NLU parse latency,
end-to-end latency over REST at 1, 8 and 32 concurrent conversations with throughput, resident
memory, cold start to first answer and full training time; for ours also the custom action and
knowledge query latency. Numbers, not pass/fail: the README records them.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

from bot import settings

#: Case-worker questions for our assistant (answers, a decline, small talk, a combination).
OUR_QUESTIONS = (
    "fin nr bvs buiten twe?",
    "hallo",
    "mag een losse werkervaringsstage als combinatietraject?",
    "wat is een glow traject",
    "wie contacteer ik bij vragen over het draaiboek lokale partnerschappen",
    "welk fin nr voor bvs binnen twe",
    "kan ne klant met leefloon in glow?",
    "bedankt",
)
#: The stock assistant's own kind of messages.
STOCK_QUESTIONS = ("hello", "I am feeling sad", "yes", "great", "goodbye", "are you a bot?")
CONCURRENCY = (1, 8, 32)
#: Messages per conversation at each concurrency (enough for a stable p95 without taking long).
MESSAGES_PER_CONVERSATION = {1: 60, 8: 20, 32: 8}


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0  # wall-clock time of the whole run

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    @property
    def throughput(self) -> float:
        return len(self.seconds) / self.wall if self.wall else float("nan")

    def summary(self) -> dict[str, float]:
        return {
            "p50_ms": 1000 * self.percentile(50), "p95_ms": 1000 * self.percentile(95),
            "p99_ms": 1000 * self.percentile(99), "per_s": self.throughput, "n": len(self.seconds),
        }


def timed(call: Callable[[], object], repeat: int) -> Latencies:
    result = Latencies()
    started = time.perf_counter()
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        result.seconds.append(time.perf_counter() - t)
    result.wall = time.perf_counter() - started
    return result


def rest_load(url: str, questions: tuple[str, ...], conversations: int, per_conversation: int) -> Latencies:
    """`conversations` senders in parallel, each sending `per_conversation` messages in turn."""
    result = Latencies()

    def converse(index: int) -> list[float]:
        session, sender, spent = requests.Session(), f"bench-{uuid.uuid4()}", []
        for turn in range(per_conversation):
            text = questions[(index + turn) % len(questions)]
            t = time.perf_counter()
            response = session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
            response.raise_for_status()
            spent.append(time.perf_counter() - t)
        return spent

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        for spent in pool.map(converse, range(conversations)):
            result.seconds += spent
    result.wall = time.perf_counter() - started
    return result


def nlu_parse(url: str, token: str, questions: tuple[str, ...], repeat: int = 60) -> Latencies:
    session = requests.Session()
    texts = iter(questions * (repeat // len(questions) + 1))
    return timed(
        lambda: session.post(f"{url}/model/parse", params={"token": token}, json={"text": next(texts)}, timeout=60).raise_for_status(),
        repeat,
    )


def action_calls(actions_url: str, repeat: int = 100) -> Latencies:
    """The custom action alone: action_answer for a topic question, straight to the action server."""
    session = requests.Session()
    payload = {
        "next_action": "action_answer",
        "sender_id": "benchmark",
        "tracker": {
            "sender_id": "benchmark", "slots": {}, "events": [], "paused": False, "followup_action": None,
            "active_loop": {}, "latest_action_name": "action_listen",
            "latest_message": {
                "text": "fin nr bvs buiten twe?", "intent": {"name": "bvs_financieringsnummer", "confidence": 0.9},
                "entities": [{"entity": "instrument", "value": "bvs"}, {"entity": "context", "value": "buiten TWE"}],
            },
        },
        "domain": {},
        "version": "3.6.2",
    }
    return timed(lambda: session.post(f"{actions_url}/webhook", json=payload, timeout=30).raise_for_status(), repeat)


def knowledge_queries(repeat: int = 200) -> Latencies:
    """Choosing and rendering an answer from knowledge.db, in process."""
    from bot import answers
    from bot.knowledge import KnowledgeBase

    kb = KnowledgeBase(settings.db_path())
    intents = sorted(kb.intents())
    items = iter(intents * (repeat // len(intents) + 1))
    return timed(lambda: answers.answer_question(kb, next(items), {}, "vraag"), repeat)


def resident_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (from /proc), in MB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return total / 1024


def first_answer(url: str, text: str, started: float, timeout: float = 300) -> float:
    """Seconds from `started` until `url` answers `text` over REST."""
    deadline = started + timeout
    while time.monotonic() < deadline:
        try:
            response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "cold", "message": text}, timeout=30)
            if response.ok and response.json():
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"geen antwoord van {url} na {timeout:.0f} s")


# --- the two assistants ------------------------------------------------------------------------


@dataclass
class Measured:
    name: str
    train_s: float | None = None
    cold_start_s: float = 0.0
    nlu: Latencies | None = None
    rest: dict[int, Latencies] = field(default_factory=dict)
    rss_rasa_mb: float = 0.0
    rss_actions_mb: float | None = None
    action: Latencies | None = None
    knowledge: Latencies | None = None


def measure_ours(workdir: Path, *, train: bool, report: Callable[[str], None]) -> Measured:
    from bot.runner import Paths, free_port, start_servers

    measured = Measured("Draaiboek-assistent")
    if train:
        report("volledige training (rasa train --force) …")
        started = time.monotonic()
        subprocess.run(
            [str(Path(sys.executable).with_name("rasa")), "train", "--force", "--out", str(workdir / "models")],
            cwd=Paths().project, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        measured.train_s = time.monotonic() - started
    report("Draaiboek-assistent starten …")
    started = time.monotonic()
    servers = start_servers(
        rasa_port=free_port(), actions_port=free_port(), tracker_db=workdir / "conversations.db", log_dir=workdir
    )
    try:
        measured.cold_start_s = first_answer(servers.rasa_url, OUR_QUESTIONS[0], started)
        _measure_running(measured, servers.rasa_url, servers.api_token, OUR_QUESTIONS, report)
        measured.rss_rasa_mb = resident_mb(servers.rasa.pid)
        measured.rss_actions_mb = resident_mb(servers.actions.pid)
        report("actie en kennisbank …")
        measured.action = action_calls(servers.actions_url)
        measured.knowledge = knowledge_queries()
    finally:
        servers.stop()
    return measured


def measure_stock(workdir: Path, *, report: Callable[[str], None]) -> Measured:
    from bot.runner import free_port

    rasa = str(Path(sys.executable).with_name("rasa"))
    project = workdir / "stock"
    measured = Measured("rasa init (referentie)")
    report("stock-assistent maken en trainen (rasa init) …")
    project.mkdir(parents=True)
    started = time.monotonic()
    subprocess.run(
        [rasa, "init", "--no-prompt", "--init-dir", str(project)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir,
    )
    measured.train_s = time.monotonic() - started  # includes writing the few project files
    token, port = secrets.token_urlsafe(16), free_port()
    report("stock-assistent starten …")
    started = time.monotonic()
    process = subprocess.Popen(
        [rasa, "run", "--port", str(port), "--interface", "127.0.0.1", "--enable-api", f"--auth-token={token}"],
        cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        measured.cold_start_s = first_answer(url, STOCK_QUESTIONS[0], started)
        _measure_running(measured, url, token, STOCK_QUESTIONS, report)
        measured.rss_rasa_mb = resident_mb(process.pid)
    finally:
        process.terminate()
        process.wait(30)
    return measured


def _measure_running(measured: Measured, url: str, token: str, questions: tuple[str, ...], report) -> None:
    rest_load(url, questions, 2, 5)  # warm up
    measured.nlu = nlu_parse(url, token, questions)
    for conversations in CONCURRENCY:
        report(f"{measured.name}: {conversations} gelijktijdige gesprekken …")
        measured.rest[conversations] = rest_load(url, questions, conversations, MESSAGES_PER_CONVERSATION[conversations])


def run_benchmark(*, train: bool = True, stock: bool = True, report: Callable[[str], None] = print) -> list[Measured]:
    workdir = Path(tempfile.mkdtemp(prefix="draaiboek-bench-"))
    # rasa's dependencies must not look for a git repository above the temporary folders
    os.environ.setdefault("GIT_CEILING_DIRECTORIES", str(workdir))
    try:
        results = [measure_ours(workdir, train=train, report=report)]
        if stock:
            try:
                results.append(measure_stock(workdir, report=report))
            except (subprocess.CalledProcessError, TimeoutError, requests.RequestException) as e:
                # our numbers still count; say why the reference is missing
                report(f"referentie niet gemeten: {e}")
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- report -----------------------------------------------------------------------------------


def _ms(latencies: Latencies | None, p: float) -> str:
    return f"{1000 * latencies.percentile(p):.0f} ms" if latencies else "—"


def format_benchmark(results: list[Measured]) -> str:
    ours, stock = results[0], results[1] if len(results) > 1 else None
    rows: list[tuple[str, Callable[[Measured], str], Callable[[Measured], float] | None]] = [
        ("NLU parse p50", lambda m: _ms(m.nlu, 50), lambda m: m.nlu.percentile(50)),
        ("NLU parse p95", lambda m: _ms(m.nlu, 95), lambda m: m.nlu.percentile(95)),
    ]
    for c in CONCURRENCY:
        rows += [
            (f"REST {c:>2} gesprekken p50", lambda m, c=c: _ms(m.rest.get(c), 50), lambda m, c=c: m.rest[c].percentile(50)),
            (f"REST {c:>2} gesprekken p95", lambda m, c=c: _ms(m.rest.get(c), 95), lambda m, c=c: m.rest[c].percentile(95)),
            (f"REST {c:>2} gesprekken p99", lambda m, c=c: _ms(m.rest.get(c), 99), lambda m, c=c: m.rest[c].percentile(99)),
            (f"REST {c:>2} gesprekken antwoorden/s", lambda m, c=c: f"{m.rest[c].throughput:.1f}", lambda m, c=c: m.rest[c].throughput),
        ]
    rows += [
        ("eigen actie p50", lambda m: _ms(m.action, 50), None),
        ("eigen actie p95", lambda m: _ms(m.action, 95), None),
        ("kennisbank-antwoord p50", lambda m: f"{1000 * m.knowledge.percentile(50):.2f} ms" if m.knowledge else "—", None),
        ("kennisbank-antwoord p95", lambda m: f"{1000 * m.knowledge.percentile(95):.2f} ms" if m.knowledge else "—", None),
        ("geheugen Rasa-server (RSS)", lambda m: f"{m.rss_rasa_mb:.0f} MB", lambda m: m.rss_rasa_mb),
        ("geheugen actieserver (RSS)", lambda m: f"{m.rss_actions_mb:.0f} MB" if m.rss_actions_mb else "—", None),
        ("koude start tot eerste antwoord", lambda m: f"{m.cold_start_s:.1f} s", lambda m: m.cold_start_s),
        ("volledige training", lambda m: f"{m.train_s:.0f} s" if m.train_s else "—", lambda m: m.train_s or float("nan")),
    ]
    header = f"{'meting':<34} {ours.name:>22}" + (f" {stock.name:>24} {'verhouding':>11}" if stock else "")
    lines = [header, "-" * len(header)]
    for label, show, value in rows:
        line = f"{label:<34} {show(ours):>22}"
        if stock:
            ratio = ""
            if value is not None:
                try:
                    ratio = f"{value(ours) / value(stock):.2f}×"
                except (KeyError, ZeroDivisionError, AttributeError, TypeError):
                    ratio = ""
            line += f" {show(stock) if value is not None else '—':>24} {ratio:>11}"
        lines.append(line)
    lines += ["", "verhouding = Draaiboek-assistent / referentie (lager is beter, behalve antwoorden/s)"]
    return "\n".join(lines)


def to_json(results: list[Measured]) -> str:
    def one(m: Measured) -> dict:
        return {
            "name": m.name, "train_s": m.train_s, "cold_start_s": m.cold_start_s,
            "nlu": m.nlu.summary() if m.nlu else None,
            "rest": {str(c): latencies.summary() for c, latencies in m.rest.items()},
            "rss_rasa_mb": m.rss_rasa_mb, "rss_actions_mb": m.rss_actions_mb,
            "action": m.action.summary() if m.action else None,
            "knowledge": m.knowledge.summary() if m.knowledge else None,
        }

    return json.dumps([one(m) for m in results], indent=2)
