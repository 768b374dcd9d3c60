"""The one error family of the ledger: problems as data, turned into sentences at the edge.

A service that refuses raises a ``LedgerError`` carrying every ``Problem`` it found; a page shows
each with ``st.error(problem.message(lang))``; the importer adds sheet, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ledger.i18n import t


@dataclass(frozen=True)
class Problem:
    """What is wrong (a message key with parameters) and where (field, or sheet/row/column)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    field: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None

    def message(self, lang: str = "vi") -> str:
        return t(self.key, lang, **self.params)

    def located(self, **where: Any) -> Problem:
        return replace(self, **where)

    def __str__(self) -> str:
        return self.message("en")


class LedgerError(Exception):
    """Base of everything the ledger refuses; carries one or more problems."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    def messages(self, lang: str = "vi") -> list[str]:
        return [p.message(lang) for p in self.problems]


class ValidationError(LedgerError):
    """The input is wrong; nothing was written."""


class PermissionDenied(LedgerError):
    """The acting user may not do this (role or scope); nothing was written."""


class NotFound(LedgerError):
    """The object does not exist, or is outside the acting user's scope (indistinguishable on purpose)."""


class AuthenticationFailed(LedgerError):
    """Sign-in refused; deliberately says nothing about whether the user exists."""


class StorageError(LedgerError):
    """The database could not be used (unreachable, connection lost, disk full, busy): nothing was
    written. Carries a sentence for the screens; the driver's error is kept as ``__cause__``."""


def problem(key: str, field: str | None = None, **params: Any) -> Problem:
    return Problem(key=key, params=params, field=field)
