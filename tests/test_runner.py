"""Setup skips finished steps; `bot serve` stops both servers on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from bot import messages, settings
from bot.runner import Paths, model_is_current, port_in_use, prepare
from tests.conftest import free_port


def test_runner_second_prepare_skips_every_step(trained_model):
    reports: list[str] = []
    prepare(train=True, report=reports.append)
    assert len(reports) == 4, reports
    assert all("actueel" in line for line in reports), reports
    assert model_is_current(Paths())


@pytest.mark.e2e
def test_runner_serve_stops_all_servers_on_ctrl_c(trained_model, tmp_path):
    """`make run` serves the assistant, the widget and the (token-protected) review page, and Ctrl-C stops them."""
    rasa_port, actions_port, review_port = free_port(), free_port(), free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(rasa_port), "--actions-port", str(actions_port),
         "--review-port", str(review_port)],
        cwd=settings.PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, DRAAIBOEK_DB=str(settings.db_path())),
    )
    try:
        # `serve` says how to stop it once everything answers
        for line in serve.stdout:
            if line.startswith("Stoppen: Ctrl-C"):
                break
        # keep reading the servers' output, so that a full pipe never blocks them
        threading.Thread(target=serve.stdout.read, daemon=True).start()
        assert serve.poll() is None, "bot serve stopped while starting"
        assert port_in_use("127.0.0.1", rasa_port) and port_in_use("127.0.0.1", actions_port)
        reply = requests.post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", json={"sender": "ctrl-c", "message": "wat is een bvs"}, timeout=30
        ).json()
        assert "Bron:" in reply[0]["text"]
        assert requests.get(f"http://127.0.0.1:{rasa_port}/webhooks/widget/demo", timeout=10).ok
        assert requests.get(f"http://127.0.0.1:{review_port}/", timeout=10, allow_redirects=False).status_code == 401

        # a killed action server: one apology, then `serve` has it back, and the rest kept running
        os.kill(action_server_pid(actions_port), signal.SIGKILL)
        rest = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        apology = requests.post(rest, json={"sender": "ctrl-c", "message": "wat is een glow traject"}, timeout=30).json()
        assert [r["text"] for r in apology] == [messages.M024_NO_REPLY]
        deadline = time.monotonic() + 60
        while True:
            reply = requests.post(rest, json={"sender": "ctrl-c", "message": "wat is een bvs"}, timeout=30).json()
            if "Bron:" in reply[0]["text"]:
                break
            assert time.monotonic() < deadline, "the action server did not come back"
            time.sleep(1)
        assert serve.poll() is None
        assert requests.get(f"http://127.0.0.1:{review_port}/", timeout=10, allow_redirects=False).status_code == 401
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        ports = (rasa_port, actions_port, review_port)
        while any(port_in_use("127.0.0.1", port) for port in ports):
            assert time.monotonic() < deadline, "a server still listens after Ctrl-C"
            time.sleep(0.5)
    finally:
        if serve.poll() is None:
            serve.kill()


def action_server_pid(port: int) -> int:
    """The process of the action server on `port` (as `kill -9` on its port finds it)."""
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"bot.action_server" in command and str(port).encode() in command:
            return int(entry.name)
    raise AssertionError(f"no action server on port {port}")


def test_tracker_url_becomes_the_redacting_sql_store_endpoint():
    from bot.runner import tracker_store_endpoint

    assert tracker_store_endpoint("postgresql://draaiboek:geheim@db:5433/gesprekken") == {
        "type": "bot.tracker_store.RedactingSQLTrackerStore", "dialect": "postgresql", "db": "gesprekken",
        "url": "db", "port": 5433, "username": "draaiboek", "password": "geheim",
    }
    assert tracker_store_endpoint("sqlite:////tmp/c.db")["db"] == "/tmp/c.db"


def test_lock_store_url_becomes_the_redis_endpoint_and_other_schemes_are_refused():
    from bot.errors import SettingsError
    from bot.runner import lock_store_endpoint

    endpoint = lock_store_endpoint("redis://:pw@redis:6380/2")
    assert (endpoint["type"], endpoint["url"], endpoint["port"], endpoint["db"], endpoint["password"]) == ("redis", "redis", 6380, 2, "pw")
    with pytest.raises(SettingsError, match="redis://"):
        lock_store_endpoint("http://redis:6379")


@pytest.mark.e2e
def test_an_api_token_starting_with_a_dash_still_starts_the_server(trained_model, tmp_path, monkeypatch):
    """Random tokens (token_urlsafe) start with "-" one time in 64."""
    from bot.runner import start_servers

    monkeypatch.setenv("DRAAIBOEK_API_TOKEN", "-begint-met-streepje")
    running = start_servers(rasa_port=free_port(), actions_port=free_port(), tracker_db=tmp_path / "c.db")
    try:
        url = f"{running.rasa_url}/model/parse"
        assert requests.post(url, params={"token": "-begint-met-streepje"}, json={"text": "hallo"}, timeout=30).ok
    finally:
        running.stop()
