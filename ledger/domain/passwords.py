"""What a password must be (OWASP ASVS 2.1.1 and 2.1.7): at least ``MIN_LENGTH`` characters, and
not a common password — one in the list shipped with the ledger (``common_passwords.txt``, extended
by a file named in ``LEDGER_COMMON_PASSWORDS``), a single repeated character, or the user's name.
Demo accounts (password "demo", ``ledger demo``) are exempt: they exist only in a demo ledger."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ledger.domain.errors import Problem, problem

MIN_LENGTH = 12
SHIPPED = Path(__file__).with_name("common_passwords.txt")


@functools.cache
def common_passwords(extra: str | None = None) -> frozenset[str]:
    """The common passwords, lower-cased: the shipped list and the one named by the setting."""
    found: set[str] = set()
    for path in (SHIPPED, Path(extra) if extra else None):
        if path is not None and path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.strip() and not line.startswith("#"):
                    found.add(line.strip().lower())
    return frozenset(found)


def password_problem(password: str | None, field: str = "password", username: str | None = None) -> Problem | None:
    """Why ``password`` may not be used, or None."""
    value = password or ""
    if len(value) < MIN_LENGTH:
        return problem("user.password_short", field, limit=MIN_LENGTH)
    lowered = value.lower()
    if lowered in common_passwords(os.environ.get("LEDGER_COMMON_PASSWORDS")) or len(set(lowered)) == 1 or (username and username.strip().lower() in lowered):
        return problem("user.password_common", field)
    return None
