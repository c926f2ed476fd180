"""Bad input, a dead action server, a broken knowledge base and many conversations at once,
against the real Rasa server and action server."""
from __future__ import annotations

import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from bot import messages
from bot.errors import DatabaseError
from bot.messages import NO_ANSWER_MARKER
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

#: Every reply to bad input is one of the assistant's own Dutch messages.
DUTCH_REPLIES = (
    NO_ANSWER_MARKER, messages.M013_EMPTY_MESSAGE, messages.M015_MARKUP, messages.M026_NOT_DUTCH, "te lang",
    messages.M011_COMBINATION_WHICH, "Dag!",
)
BAD_INPUT = {
    "empty": "",
    "whitespace": " \t\n ",
    "huge": "waarom " * 1700,  # about 10,000 characters
    "emoji only": "😀🙈🔥",
    "control characters": "\x00\x07\x1b[31m\x7f",
    "markup": "<b>vet</b> <img src=x onerror=alert(1)>",
    "script": "<script>document.cookie</script>",
    "sql": "'; DROP TABLE events; -- ",
    "unknown entities": "kan een xyz-traject samen met een qwerty-stage?",
    "french": "Bonjour, comment est-ce que je peux inscrire un client chez VDAB?",
    "english": "how can I register my client with VDAB please?",
}
LEAKS = ("Traceback", "Exception", "Error", "NoneType", "rasa.", "sqlite")


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory):
    from bot.runner import start_servers

    workdir = tmp_path_factory.mktemp("robustness")
    running = start_servers(rasa_port=free_port(), actions_port=free_port(), tracker_db=workdir / "c.db", log_dir=workdir)
    yield running
    running.stop()


def post(servers, sender: str, text: str, channel: str = "rest") -> list[dict]:
    response = requests.post(
        f"{servers.rasa_url}/webhooks/{channel}/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def user_texts(servers, sender: str) -> list[str]:
    response = requests.get(
        f"{servers.rasa_url}/conversations/{sender}/tracker", params={"token": servers.api_token}, timeout=30
    )
    response.raise_for_status()
    return [e.get("text") for e in response.json()["events"] if e["event"] == "user"]


def assert_dutch_reply(replies: list[dict]) -> None:
    text = "\n".join(r.get("text") or "" for r in replies)
    assert replies and any(reply in text for reply in DUTCH_REPLIES), text
    assert not any(leak in text for leak in LEAKS), text


@pytest.mark.parametrize("text", BAD_INPUT.values(), ids=BAD_INPUT.keys())
@pytest.mark.parametrize("channel", ["rest", "widget"])
def test_bad_input_over_rest_and_the_widget_gets_a_clear_dutch_reply(servers, channel, text):
    assert_dutch_reply(post(servers, f"bad-{uuid.uuid4()}", text, channel))


@pytest.mark.parametrize("body", [b"geen json", b"[1, 2]", b'{"sender": "x", "message": 42}'], ids=["text", "list", "number"])
def test_a_malformed_request_gets_a_dutch_400(servers, body):
    response = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 400
    assert response.json() == {"error": messages.M025_BAD_REQUEST}


def test_bad_input_over_socketio_gets_a_clear_dutch_reply(servers):
    client = socketio.Client()
    replies: list[dict] = []
    confirmed: list[str] = []
    client.on("bot_uttered", replies.append)
    client.on("session_confirm", confirmed.append)
    client.connect(servers.rasa_url, transports=["polling"], wait_timeout=20)
    try:
        session = str(uuid.uuid4())
        client.emit("session_request", {"session_id": session})
        deadline = time.monotonic() + 20
        while not confirmed and time.monotonic() < deadline:  # replies go to the session's room
            time.sleep(0.05)
        for text in ("", BAD_INPUT["script"], BAD_INPUT["sql"], BAD_INPUT["french"]):
            before = len(replies)
            client.emit("user_uttered", {"message": text, "session_id": session})
            deadline = time.monotonic() + 30
            while len(replies) == before and time.monotonic() < deadline:
                time.sleep(0.1)
            assert_dutch_reply(replies[before:])
    finally:
        client.disconnect()


def test_the_api_needs_the_token(servers):
    url = f"{servers.rasa_url}/conversations/someone/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "fout"}, timeout=10).status_code == 401
    assert requests.post(f"{servers.rasa_url}/model/parse", json={"text": "hallo"}, timeout=10).status_code == 401


def test_many_conversations_in_parallel_each_get_their_own_replies(servers):
    """50 conversations, 1,000 messages: every reply goes to its sender, every tracker holds only its own."""
    questions = ("hallo", "fin nr bvs buiten twe?", "wat is een glow traject", "bedankt", "kan ne klant met leefloon in glow?")
    per_conversation = 20

    def converse(index: int) -> tuple[str, list[str]]:
        sender, sent = f"load-{index}-{uuid.uuid4()}", []
        for turn in range(per_conversation):
            text = f"{questions[(index + turn) % len(questions)]} ({index}.{turn})"
            replies = post(servers, sender, text)
            assert replies and all(r["recipient_id"] == sender for r in replies)
            sent.append(text)
        return sender, sent

    with ThreadPoolExecutor(max_workers=50) as pool:
        conversations = list(pool.map(converse, range(50)))
    assert sum(len(sent) for _, sent in conversations) == 1000
    for sender, sent in conversations:
        assert user_texts(servers, sender) == sent


def test_a_dead_action_server_gets_an_apology_and_the_conversation_recovers(servers):
    sender = f"dead-{uuid.uuid4()}"
    assert "C03S350" in post(servers, sender, "fin nr bvs buiten twe?")[0]["text"]
    servers.actions.send_signal(signal.SIGKILL)
    servers.actions.wait()
    try:
        replies = post(servers, sender, "en wat is een glow traject?")
        assert [r["text"] for r in replies] == [messages.M024_NO_REPLY]
    finally:
        servers.restart_actions()
    assert "C03S350" in post(servers, sender, "welk fin nr voor ne bvs buiten twe")[0]["text"]
    assert user_texts(servers, sender) == [
        "fin nr bvs buiten twe?", "en wat is een glow traject?", "welk fin nr voor ne bvs buiten twe",
    ]


def test_the_supervisor_restarts_a_dead_action_server_and_the_conversation_goes_on(servers):
    """What `bot serve` runs: a killed action server gets one apology, is back within seconds and answers
    in the same conversation; the Rasa server keeps running throughout."""
    import threading

    from bot.runner import supervise

    sender, reports, watching = f"supervised-{uuid.uuid4()}", [], threading.Event()
    watching.set()
    watcher = threading.Thread(
        target=lambda: reports.append(supervise(servers, report=reports.append, keep_running=watching.is_set, poll=0.1)),
        daemon=True,
    )
    watcher.start()
    try:
        assert "C03S350" in post(servers, sender, "fin nr bvs buiten twe?")[0]["text"]
        killed = servers.actions
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        replies = post(servers, sender, "en wat is een glow traject?")
        assert [r["text"] for r in replies] == [messages.M024_NO_REPLY]
        deadline = time.monotonic() + 30
        while not (servers.actions is not killed and "De actieserver draait weer." in reports):
            assert time.monotonic() < deadline, reports
            time.sleep(0.2)
        assert "C03S350" in post(servers, sender, "welk fin nr voor ne bvs buiten twe")[0]["text"]
        assert servers.rasa.poll() is None
        assert reports[0].startswith("De actieserver is gestopt (exitcode -9); herstart 1 van maximaal 5"), reports
    finally:
        watching.clear()
        watcher.join(30)
        # a child gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG): start it from this one
        servers.restart_actions()
    assert reports[-1] == "stopped"
    assert user_texts(servers, sender) == [
        "fin nr bvs buiten twe?", "en wat is een glow traject?", "welk fin nr voor ne bvs buiten twe",
    ]


def test_the_supervisor_stops_on_a_dead_rasa_server_or_an_action_server_that_keeps_dying(tmp_path):
    """Real processes standing in for the servers: one that exits at once is a crash every time."""
    import subprocess
    import sys

    from bot.runner import Servers, supervise

    def process(seconds: float) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])

    reports: list[str] = []
    crashing = Servers(process(60), process(0), "http://127.0.0.1:1", "http://127.0.0.1:1", tmp_path / "a",
                       start_actions=lambda: process(0))
    try:
        assert supervise(crashing, report=reports.append, max_restarts=2, backoff=(0.0,), poll=0.05) == "actions"
    finally:
        crashing.stop()
    assert "niet meer herstart" in reports[-1] and len([r for r in reports if "herstart" in r]) == 3, reports

    reports.clear()
    rasa_gone = Servers(process(0), process(60), "http://127.0.0.1:1", "http://127.0.0.1:1", tmp_path / "b",
                        start_actions=lambda: process(60))
    try:
        assert supervise(rasa_gone, report=reports.append, poll=0.05) == "rasa"
    finally:
        rasa_gone.stop()
    assert reports == ["De Rasa-server is gestopt (exitcode 0)."]


# --- a broken knowledge base stops startup with the fix -------------------------------------------


@pytest.mark.parametrize(
    "make, code",
    [
        (lambda path: None, "D001"),
        (lambda path: path.write_bytes(b"geen sqlite-bestand"), "D002"),
        (lambda path: __import__("sqlite3").connect(path).executescript(
            "create table meta(key text, value text); insert into meta values ('schema_version', '0');"
        ), "D003"),
    ],
    ids=["missing", "corrupt", "other schema version"],
)
def test_a_broken_knowledge_base_stops_startup_with_the_fix(trained_model, tmp_path, monkeypatch, make, code):
    from bot.runner import start_servers

    path = tmp_path / "knowledge.db"
    make(path)
    monkeypatch.setenv("DRAAIBOEK_DB", str(path))
    with pytest.raises(DatabaseError) as error:
        start_servers(rasa_port=free_port(), actions_port=free_port(), tracker_db=tmp_path / "c.db")
    assert error.value.code == code
    assert "python -m bot kb build" in str(error.value)


def test_a_channel_token_closes_the_rest_and_widget_webhooks(trained_model, tmp_path, monkeypatch):
    from bot.runner import start_servers

    monkeypatch.setenv("DRAAIBOEK_CHANNEL_TOKEN", "geheim-kanaal")
    running = start_servers(rasa_port=free_port(), actions_port=free_port(), tracker_db=tmp_path / "c.db")
    try:
        for channel in ("rest", "widget"):
            url = f"{running.rasa_url}/webhooks/{channel}/webhook"
            question = {"sender": f"token-{uuid.uuid4()}", "message": "fin nr bvs buiten twe?"}
            refused = requests.post(url, json=question, timeout=30)
            assert refused.status_code == 401 and refused.json() == {"error": messages.M028_CHANNEL_TOKEN}
            wrong = requests.post(url, json=question, headers={"Authorization": "Bearer fout"}, timeout=30)
            assert wrong.status_code == 401
            answered = requests.post(url, json=question, headers={"Authorization": "Bearer geheim-kanaal"}, timeout=30)
            assert "C03S350" in answered.json()[0]["text"]
        passage = f"{running.rasa_url}/webhooks/widget/passage?doc=lp&section=3.4.1"  # the widget's cited passages too
        refused = requests.get(passage, timeout=30)
        assert refused.status_code == 401 and refused.json() == {"error": messages.M028_CHANNEL_TOKEN}
        assert requests.get(passage, headers={"Authorization": "Bearer fout"}, timeout=30).status_code == 401
        answered = requests.get(passage, headers={"Authorization": "Bearer geheim-kanaal"}, timeout=30)
        assert answered.status_code == 200 and answered.json()["section"] == "3.4.1"

        # socket.io too: a script without an Origin header connects only with the token
        for refused_auth in ({}, {"auth": {"token": "fout"}}, {"headers": {"Authorization": "Bearer fout"}}):
            client = socketio.Client(reconnection=False)
            with pytest.raises(socketio.exceptions.ConnectionError):
                client.connect(running.rasa_url, transports=["polling"], wait_timeout=20, **refused_auth)
        for given in ({"auth": {"token": "geheim-kanaal"}}, {"headers": {"Authorization": "Bearer geheim-kanaal"}}):
            assert "C03S350" in socketio_answer(running.rasa_url, "fin nr bvs buiten twe?", **given)
    finally:
        running.stop()


def socketio_answer(url: str, text: str, **connect) -> str:
    """The text of the replies to one question over socket.io (a new session)."""
    client = socketio.Client(reconnection=False)
    replies: list[dict] = []
    confirmed: list[str] = []
    client.on("bot_uttered", replies.append)
    client.on("session_confirm", confirmed.append)
    client.connect(url, transports=["polling"], wait_timeout=20, **connect)
    try:
        client.emit("session_request", {})
        deadline = time.monotonic() + 20
        while not confirmed and time.monotonic() < deadline:
            time.sleep(0.05)
        client.emit("user_uttered", {"message": text})
        deadline = time.monotonic() + 60
        while not replies and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the rest of the turn's messages
        return "\n".join(r.get("text") or "" for r in replies)
    finally:
        client.disconnect()
