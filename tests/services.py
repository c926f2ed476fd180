"""Debian's PostgreSQL and Redis, started by the tests in temporary folders on free ports.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that
Debian's package creates. Both are stopped (and their data removed) when the test is done.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.runner import port_in_use
from tests.conftest import free_port


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL niet gevonden ({name}); `make install` installeert het Debian-pakket postgresql")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres() -> Iterator[str]:
    """A fresh PostgreSQL cluster; yields its SQLAlchemy URL (database `draaiboek`)."""
    workdir = Path(tempfile.mkdtemp(prefix="draaiboek-pg-"))
    data = workdir / "data"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    run = lambda *args: subprocess.run(_as_postgres(list(args)), check=True, capture_output=True)  # noqa: E731
    run(_postgres_bin("initdb"), "-D", str(data), "-U", "draaiboek", "--auth=trust", "-E", "UTF8")
    run(
        _postgres_bin("pg_ctl"), "-D", str(data), "-l", str(workdir / "log"), "-w",
        "-o", f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
    )
    try:
        run(_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "draaiboek", "draaiboek")
        yield f"postgresql://draaiboek@127.0.0.1:{port}/draaiboek"
    finally:
        subprocess.run(_as_postgres([_postgres_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def redis() -> Iterator[str]:
    """A Redis server without persistence; yields its redis:// URL."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not port_in_use("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server startte niet")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
