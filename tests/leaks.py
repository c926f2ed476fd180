"""Whether a piece of client data stands in a stored text.

Stores hold timestamps and ids made of digits ("1796605829.619870"), so a number typed by a user counts as
leaked only where it is not part of a longer digit run: "1987" is found in "12 maart 1987", not in a timestamp.
"""
from __future__ import annotations

import re


def leaked(value: str, stored: str) -> bool:
    before = r"(?<!\d)" if value[:1].isdigit() else ""
    after = r"(?!\d)" if value[-1:].isdigit() else ""
    return re.search(before + re.escape(value) + after, stored) is not None
