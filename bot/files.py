"""Files that may hold conversations, review marks or logs: readable by their owner only (0600)."""
from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600
#: The umask of the servers this project starts: every file they create is 0600, every folder 0700.
PRIVATE_UMASK = 0o077


def private_file(path: str | Path) -> Path:
    """`path` created empty if missing, and made 0600 (also when it existed with looser rights)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, PRIVATE_MODE))
    os.chmod(path, PRIVATE_MODE)
    return path


def open_private_log(path: str | Path):
    """A log file opened for appending, 0600."""
    return open(private_file(path), "ab")
