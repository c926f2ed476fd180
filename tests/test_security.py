"""Attacks on the running assistant over loopback (docs/security.md), against the real Rasa server and
action server: bounded input, no client data in any store or log, no crossed conversations, locked doors."""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
import requests
import socketio

from bot import messages
from bot.channels.guard import MAX_MESSAGE_CHARS
from tests.conftest import environment, free_port
from tests.leaks import leaked

pytestmark = pytest.mark.e2e

WIDGET_ORIGIN = "http://intranet.example"
#: One message with every kind of personal data, and the values that must be found nowhere afterwards.
EVERY_KIND = (
    "mijn klant Jan Peeters, rrn 85.07.30-033.61, IBAN BE68 5390 0754 7034, mail jan.peeters@telenet.be, "
    "gsm +32 (0)470 12 34 56, geboren 12 maart 1987, woont in de Kerkstraat 12: kan hij in GLOW?"
)
#: a sender id with a rijksregisternummer and an e-mail address in it
PII_SENDER = "85.07.30-033.61 jan.peeters@gmail.com"
VALUES = ("Peeters", "85.07.30", "033.61", "5390 0754", "0754 7034", "telenet", "470 12 34", "maart 1987", "Kerkstraat")


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory):
    from bot.runner import start_servers

    workdir = tmp_path_factory.mktemp("security")
    with environment(DRAAIBOEK_WIDGET_ORIGINS=WIDGET_ORIGIN):
        running = start_servers(
            rasa_port=free_port(), actions_port=free_port(), tracker_db=workdir / "c.db", log_dir=workdir
        )
    running.workdir_logs = workdir
    yield running
    running.stop()


def post(servers, body, channel: str = "rest", **kwargs) -> requests.Response:
    url = f"{servers.rasa_url}/webhooks/{channel}/webhook"
    if isinstance(body, (bytes, str)):
        return requests.post(url, data=body, timeout=60, **kwargs)
    return requests.post(url, json=body, timeout=60, **kwargs)


def user_texts(servers, sender: str) -> list[str]:
    response = requests.get(
        f"{servers.rasa_url}/conversations/{sender}/tracker", params={"token": servers.api_token}, timeout=30
    )
    response.raise_for_status()
    return [e.get("text") for e in response.json()["events"] if e["event"] == "user"]


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


def wait_for(condition, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- 1. bounded cost per message -------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["rest", "widget"])
def test_a_long_message_is_refused_before_the_nlu_runs(servers, channel):
    sender = f"long-{uuid.uuid4()}"
    started = time.monotonic()
    response = post(servers, {"sender": sender, "message": "waarom " * 6000}, channel)  # 42 KB
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and "te lang" in response.json()[0]["text"]
    assert elapsed < 0.5, f"{elapsed:.2f} s: the NLU ran"
    assert user_texts(servers, sender) == [], "nothing reached the NLU or the conversation log"
    ok = post(servers, {"sender": sender, "message": "x " * (MAX_MESSAGE_CHARS // 2)}, channel)
    assert ok.status_code == 200


def test_a_1_mb_request_is_refused_at_once_and_the_server_does_not_grow(servers):
    body = b'{"sender": "groot", "message": "' + b"waarom " * 150_000 + b'"}'  # 1 MB
    assert len(body) > 1_000_000
    post(servers, body)  # warm up
    before = rss_kib(servers.rasa.pid)
    times = []
    for _ in range(20):
        started = time.monotonic()
        response = post(servers, body, headers={"Content-Type": "application/json"})
        times.append(time.monotonic() - started)
        assert response.status_code == 413
        assert response.json() == {"error": messages.M061_TOO_LARGE.format(limit=64 * 1024)}
    grown = rss_kib(servers.rasa.pid) - before
    assert sorted(times)[len(times) // 2] < 0.05, times
    assert grown < 20 * 1024, f"the Rasa server grew by {grown} KiB"


@pytest.mark.parametrize("sender", [None, "", "   ", 42, ["x"], "x" * 256, "a\nb", "default", PII_SENDER],
                         ids=["missing", "empty", "blank", "number", "list", "256 characters", "control character",
                              "default", "personal data"])
@pytest.mark.parametrize("channel", ["rest", "widget"])
def test_a_request_without_a_usable_sender_is_refused(servers, sender, channel):
    body = {"message": "stop"} if sender is None else {"sender": sender, "message": "stop"}
    response = post(servers, body, channel)
    assert response.status_code == 400 and response.json() == {"error": messages.M060_BAD_SENDER}
    assert user_texts(servers, "default") == [], "no request lands in Rasa's shared default conversation"
    with sqlite3.connect(servers.workdir_logs / "c.db") as conn:
        stored = conn.execute("select 1 from sqlite_master where name = 'events'").fetchone()
        senders = [row[0] for row in conn.execute("select distinct sender_id from events")] if stored else []
    assert not [s for s in senders if "033.61" in s or "peeters" in s], senders


@pytest.mark.parametrize("metadata", [5, "tekst", [1, 2], None])
def test_metadata_of_the_wrong_type_is_ignored(servers, metadata):
    response = post(servers, {"sender": f"meta-{uuid.uuid4()}", "message": "wat is een bvs?", "metadata": metadata})
    assert response.status_code == 200 and "BVS" in response.json()[0]["text"]


# --- 2. no client data in the clear ----------------------------------------------------------------


def test_rasas_payload_warnings_do_not_log_what_was_typed(servers):
    sender = f"slash-{uuid.uuid4()}"
    replies = post(servers, {"sender": sender, "message": "/help mijn klant heeft rrn 85.07.30-033.61 kenmerk-slash"}).json()
    assert replies and "Traceback" not in json.dumps(replies)
    parsed = requests.post(f"{servers.rasa_url}/model/parse", params={"token": servers.api_token}, timeout=30,
                           json={"text": "/help mijn klant heeft rrn 85.07.30-033.61 kenmerk-api"})
    assert parsed.status_code == 200  # the API reaches Rasa's payload parser directly: its warning is filtered
    time.sleep(1)
    log = (servers.workdir_logs / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "Failed to parse arguments" in log
    for value in ("85.07.30", "kenmerk-slash", "kenmerk-api", "mijn klant heeft"):
        assert value not in log, value


def test_every_kind_of_personal_data_through_every_channel_is_found_nowhere(servers, tmp_path, kb_path):
    """One message with every kind of personal data over REST, the widget and socket.io; then the
    conversation log, the review database, the export and every log file hold none of the values."""
    from bot.review.conversations import Catalogue, ConversationLog
    from bot.review.export import export_marks
    from bot.review.marks import MarkStore

    for channel in ("rest", "widget"):
        replies = post(servers, {"sender": f"pii-{channel}-{uuid.uuid4()}", "message": EVERY_KIND}, channel).json()
        assert replies[0]["text"].startswith("Let op"), replies
    client, received, confirmed = socket_client(servers)
    try:
        client.emit("user_uttered", {"message": EVERY_KIND})
        assert wait_for(lambda: any(r.get("text", "").startswith("Let op") for r in received))
    finally:
        client.disconnect()

    catalogue = Catalogue(kb_path)
    log = ConversationLog(f"sqlite:///{servers.workdir_logs / 'c.db'}", catalogue)
    items = [item for item in log.items() if "GLOW" in item.question]
    assert len(items) == 3
    marks = MarkStore(tmp_path / "review.db")
    for item in items:
        marks.save(item, "wrong", comment="zie vraag", expected=["GLOW"])
    export_marks(marks.all(), stories_path=tmp_path / "stories.yml", questions_path=tmp_path / "questions.yml",
                 catalogue=catalogue)
    log.close()
    time.sleep(1)  # the servers' last log lines
    places = [servers.workdir_logs / "c.db", tmp_path / "review.db", *servers.workdir_logs.glob("*.log"),
              *tmp_path.glob("*.yml")]
    assert len([p for p in places if p.suffix == ".yml"]) >= 1
    for place in places:
        content = place.read_bytes().decode("utf-8", "replace")
        found = [value for value in VALUES if leaked(value, content)]
        assert found == [], f"{place.name}: {found}"
    for place in (servers.workdir_logs / "c.db", tmp_path / "review.db", *servers.workdir_logs.glob("*.log")):
        assert oct(place.stat().st_mode & 0o777) == "0o600", place.name


# --- 3. no crossed conversations ---------------------------------------------------------------------


def socket_client(servers, session_id=None, origin: str | None = None):
    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    confirmed: list[str] = []
    client.on("bot_uttered", received.append)
    client.on("session_confirm", confirmed.append)
    headers = {"Origin": origin} if origin else {}
    client.connect(servers.rasa_url, transports=["polling"], wait_timeout=20, headers=headers)
    client.emit("session_request", {"session_id": session_id} if session_id else {})
    assert wait_for(lambda: confirmed, 20)
    return client, received, confirmed


def test_socketio_sessions_are_bound_to_their_own_client(servers):
    victim, victim_received, [signed] = socket_client(servers)
    attacker = None
    try:
        conversation = signed.split(".")[0]
        victim.emit("user_uttered", {"message": "fin nr bvs buiten twe?", "session_id": signed})
        assert wait_for(lambda: any("C03S350" in r.get("text", "") for r in victim_received))
        seen_by_victim = len(victim_received)

        for guess in (conversation, signed[:-1] + ("0" if signed[-1] != "0" else "1"), "default"):
            attacker, attacker_received, attacker_confirmed = socket_client(servers, guess)
            assert attacker_confirmed[0] != signed, "a session id without the server's signature is not resumed"
            attacker.emit("user_uttered", {"message": "stop", "session_id": signed})
            attacker.emit("user_uttered", {"message": "stop", "session_id": conversation})
            assert wait_for(lambda: len(attacker_received) >= 2)
            attacker.disconnect()
        time.sleep(1)
        assert len(victim_received) == seen_by_victim, "the victim got none of the attacker's answers"
        assert user_texts(servers, conversation) == ["fin nr bvs buiten twe?"], "nobody else spoke in it"

        # the victim's own client (a reload) resumes the conversation with its signed id
        again, again_received, again_confirmed = socket_client(servers, signed)
        assert again_confirmed == [signed]
        again.emit("user_uttered", {"message": "wat is een glow traject", "session_id": signed})
        assert wait_for(lambda: again_received)
        again.disconnect()
        assert user_texts(servers, conversation) == ["fin nr bvs buiten twe?", "wat is een glow traject"]
    finally:
        victim.disconnect()


def test_socketio_refuses_a_foreign_origin_and_accepts_the_widgets(servers):
    with pytest.raises(socketio.exceptions.ConnectionError):
        socket_client(servers, origin="http://evil.example")
    client, _, confirmed = socket_client(servers, origin=WIDGET_ORIGIN)
    assert confirmed
    client.disconnect()
    own, _, _ = socket_client(servers, origin=servers.rasa_url)
    own.disconnect()


@pytest.mark.parametrize("data", [42, "tekst", None, {"message": 42}, {"message": ["x"]}, {"message": {"a": 1}},
                                  {"message": "hoi", "session_id": ["x"]}, {"message": "hoi", "metadata": "{geen json"}])
def test_socketio_messages_of_the_wrong_type_get_a_dutch_reply(servers, data):
    client, received, _ = socket_client(servers)
    try:
        client.emit("user_uttered", data)
        assert wait_for(lambda: received, 30)
        text = received[0].get("text") or ""
        assert text and not any(leak in text for leak in ("Traceback", "Error", "Exception"))
    finally:
        client.disconnect()


def test_socketio_without_a_session_gets_told_to_start_one(servers):
    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    client.on("bot_uttered", received.append)
    client.connect(servers.rasa_url, transports=["polling"], wait_timeout=20)
    try:
        client.emit("user_uttered", {"message": "fin nr bvs buiten twe?", "session_id": "default"})
        assert wait_for(lambda: received, 20)
        assert received[0]["text"] == messages.M063_NO_SESSION
    finally:
        client.disconnect()


def test_socketio_long_message_is_refused_before_the_nlu_runs(servers):
    client, received, [signed] = socket_client(servers)
    try:
        client.emit("user_uttered", {"message": "waarom " * 6000})
        assert wait_for(lambda: received, 20)
        assert "te lang" in received[0]["text"]
        assert user_texts(servers, signed.split(".")[0]) == []
    finally:
        client.disconnect()


def test_socketio_two_unanswered_questions_in_a_row_hand_over_to_a_person(servers):
    """Every kind of bot message reaches a socket.io client: the second question without an answer gets
    the contacts (text) and the handover event (`{"custom": …}`), and both questions are in the log."""
    client, received, [signed] = socket_client(servers)
    try:
        for question in ("hoeveel kost een pizza margherita?", "wat is de hoofdstad van peru?"):
            before = len(received)
            client.emit("user_uttered", {"message": question})
            assert wait_for(lambda: len(received) > before, 60)
        assert wait_for(lambda: any("custom" in r for r in received), 30), received
        handover = next(r["custom"] for r in received if "custom" in r)
        assert handover["type"] == "event" and handover["name"] == "handoff.initiate"
        texts = "\n".join(r.get("text") or "" for r in received)
        assert messages.M032_HANDOVER_AFTER_FAILURES.split("\n")[0][:40] in texts, texts
        assert "er ging iets mis" not in texts.lower()
        assert user_texts(servers, signed.split(".")[0]) == [
            "hoeveel kost een pizza margherita?", "wat is de hoofdstad van peru?",
        ]
    finally:
        client.disconnect()


@pytest.mark.parametrize("command", ["/restart", "/session_start"])
def test_rasas_commands_start_a_new_conversation_with_a_dutch_reply(servers, command):
    """"/restart" is no failure: a clear Dutch reply on every channel, and the conversation goes on."""
    for channel in ("rest", "widget"):
        sender = f"command-{uuid.uuid4()}"
        assert "C03S350" in post(servers, {"sender": sender, "message": "fin nr bvs buiten twe?"}, channel).json()[0]["text"]
        replies = post(servers, {"sender": sender, "message": command}, channel).json()
        assert [r["text"] for r in replies] == [messages.M072_NEW_CONVERSATION]
        again = post(servers, {"sender": sender, "message": "wat is een glow traject"}, channel).json()
        assert "Bron:" in again[0]["text"]
    client, received, _ = socket_client(servers)
    try:
        client.emit("user_uttered", {"message": command})
        assert wait_for(lambda: received, 30)
        assert [r.get("text") for r in received] == [messages.M072_NEW_CONVERSATION]
    finally:
        client.disconnect()


def test_a_rating_is_stored_against_the_answer_it_rates(servers, kb_path):
    """👎 under the first of two answers: the helpdesk's 👎 filter shows the first, not the latest."""
    from bot.review.conversations import Catalogue, ConversationLog, Filters

    sender = f"rate-{uuid.uuid4()}"
    first = post(servers, {"sender": sender, "message": "fin nr bvs buiten twe?"}).json()
    post(servers, {"sender": sender, "message": "wat is een glow traject"})
    down = next(b for b in first[0]["buttons"] if b["title"] == "👎")
    assert json.loads(down["payload"].removeprefix("/feedback"))["answer"]
    thanks = post(servers, {"sender": sender, "message": down["payload"]}).json()
    assert thanks[0]["text"].startswith("Bedankt")
    log = ConversationLog(f"sqlite:///{servers.workdir_logs / 'c.db'}", Catalogue(kb_path))
    try:
        rated = [i for i in log.items(Filters(thumbs_down=True)) if i.sender_id == sender]
        assert [i.question for i in rated] == ["fin nr bvs buiten twe?"]
    finally:
        log.close()


def test_the_saved_apology_only_when_the_message_was_stored(servers):
    """Action server down and the conversation log locked: the apology does not say "bewaard"."""
    sender = f"unsaved-{uuid.uuid4()}"
    servers.actions.send_signal(signal.SIGKILL)
    servers.actions.wait()
    lock = sqlite3.connect(servers.workdir_logs / "c.db", timeout=0, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        replies = post(servers, {"sender": sender, "message": "wat is een bvs?"}).json()
        assert [r["text"] for r in replies] == [messages.M062_NOT_PROCESSED]
        lock.execute("ROLLBACK")
        stored = post(servers, {"sender": sender, "message": "wat is een bvs?"}).json()
        assert [r["text"] for r in stored] == [messages.M024_NO_REPLY]
    finally:
        lock.close()
        servers.restart_actions()


# --- 4. doors ----------------------------------------------------------------------------------------


def listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets `pid` listens on (from /proc)."""
    inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
              if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:[")}
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address = fields[1].split(":")[0]
                found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)) if len(address) == 8 else address)
    return found


def test_the_action_server_listens_on_loopback_and_echoes_no_request(servers):
    assert listening_addresses(servers.actions.pid) == {"127.0.0.1"}
    body = {"next_action": "action_answer", "tracker": {"latest_message": 5, "text": "mijn klant 85.07.30-033.61"},
            "domain": {}}
    response = requests.post(f"{servers.actions_url}/webhook", json=body, timeout=30)
    assert response.status_code == 500
    assert "85.07.30" not in response.text and "request_body" not in response.text


def test_cors_only_for_the_configured_widget_origins(servers):
    url = f"{servers.rasa_url}/webhooks/widget/webhook"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    evil = requests.options(url, headers={"Origin": "http://evil.example", **preflight}, timeout=10)
    assert "Access-Control-Allow-Origin" not in evil.headers
    question = {"sender": f"cors-{uuid.uuid4()}", "message": "wat is een bvs?"}
    evil_post = post(servers, question, "widget", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil_post.headers
    allowed = requests.options(url, headers={"Origin": WIDGET_ORIGIN, **preflight}, timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == WIDGET_ORIGIN


def test_no_token_on_a_command_line(servers):
    for process in (servers.rasa, servers.actions):
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert servers.api_token not in command_line
        assert "auth-token" not in command_line
    for log in servers.workdir_logs.glob("*.log"):
        assert servers.api_token not in log.read_text(encoding="utf-8", errors="replace")
