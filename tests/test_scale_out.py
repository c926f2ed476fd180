"""Scale-out on Rasa's own path: two Rasa servers and two action servers sharing a PostgreSQL
tracker store and a Redis lock store (Debian's servers, started here). A conversation whose
messages alternate between the servers keeps its state and its order."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy

from bot.messages import M018_FEEDBACK_THANKS, NO_ANSWER_MARKER
from tests import services
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shared_stores():
    with services.postgres() as tracker_url, services.redis() as lock_store_url:
        yield tracker_url, lock_store_url


@pytest.fixture(scope="module")
def two_servers(trained_model, shared_stores, tmp_path_factory):
    from bot.runner import start_servers

    tracker_url, lock_store_url = shared_stores
    started = []
    try:
        for name in ("a", "b"):
            log_dir = tmp_path_factory.mktemp(f"server-{name}")
            started.append(start_servers(
                rasa_port=free_port(), actions_port=free_port(), tracker_url=tracker_url,
                lock_store_url=lock_store_url, log_dir=log_dir,
            ))
        yield started
    finally:
        for servers in started:
            servers.stop()


def say(servers, sender: str, text: str) -> str:
    response = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


def user_texts(tracker_url: str, sender: str) -> list[str]:
    engine = sqlalchemy.create_engine(tracker_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text("select data from events where sender_id = :s and type_name = 'user' order by id"),
                {"s": sender},
            )
            import json

            return [json.loads(row[0])["text"] for row in rows]
    finally:
        engine.dispose()


def test_a_conversation_alternating_between_servers_keeps_state_and_order(two_servers, shared_stores):
    a, b = two_servers
    sender = f"scale-{uuid.uuid4()}"
    assert "C03S350" in say(a, sender, "fin nr bvs buiten twe?")
    # the rating needs the previous answer's records: server b only has them from PostgreSQL
    assert M018_FEEDBACK_THANKS in say(b, sender, '/feedback{"rating": "goed"}')
    assert NO_ANSWER_MARKER in say(a, sender, "en het fin nr voor een bvs binnen twe?")
    assert "C03S350" in say(b, sender, "welk financieringsnummer gebruik ik voor een bvs buiten twe-ocmw")
    assert user_texts(shared_stores[0], sender) == [
        "fin nr bvs buiten twe?",
        '/feedback{"rating": "goed"}',
        "en het fin nr voor een bvs binnen twe?",
        "welk financieringsnummer gebruik ik voor een bvs buiten twe-ocmw",
    ]


def test_parallel_conversations_on_both_servers_each_keep_their_own_events(two_servers, shared_stores):
    senders = [f"parallel-{i}-{uuid.uuid4()}" for i in range(6)]
    messages = ["hallo", "fin nr bvs buiten twe?", "bedankt"]

    def converse(index_sender):
        index, sender = index_sender
        for turn, text in enumerate(messages):
            say(two_servers[(index + turn) % 2], sender, f"{text}")
        return sender

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(converse, enumerate(senders)))
    for sender in senders:
        assert user_texts(shared_stores[0], sender) == messages


def test_client_personal_data_is_redacted_in_postgresql(two_servers, shared_stores):
    sender = f"pii-{uuid.uuid4()}"
    say(two_servers[1], sender, "mijn klant 85.07.30-033.61 wil een bvs, welk fin nr buiten twe?")
    stored = user_texts(shared_stores[0], sender)
    assert stored and "85.07.30-033.61" not in stored[0] and "[rijksregisternummer]" in stored[0]
