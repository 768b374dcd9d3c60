"""The commands an import is made of, and what planning and applying them share.

A ``Command`` is one call of a service for one row (or a few rows that are one record: a transfer's
two legs, an order and its items). It names the keys it ``needs`` (made by earlier commands of the
same import: a line, a signed commitment…) and the keys it ``gives``; when a command is refused, the
keys it gives are marked failed and every later command needing one of them is skipped and counted
in a note, instead of piling up consequential problems. Keys are tuples such as ("line", (2026,
"BYT-TT-26-01")), ("signed", (2026, "HD-01")), ("row", "payments", 12).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ledger.domain.errors import LedgerError, Problem
from ledger.excel.reader import Book, Row, SheetRows
from ledger.excel.result import Tally
from ledger.excel.texts import located, xproblem
from ledger.store.access import SYSTEM, Actor, require_writer, scope_unit_ids

Key = tuple


@dataclass(eq=False)
class Command:
    sheet: SheetRows
    row: Row
    run: Callable[[Context], Any]
    fields: dict[str, str]  # the service's field name -> the sheet's column key (to locate its problems)
    needs: tuple[Key, ...] = ()
    gives: tuple[Key, ...] = ()
    counts: list[tuple[SheetRows, Row, dict[str, Any], str]] = field(default_factory=list)  # counted new on success
    done: Callable[[Context, Any], None] | None = None
    # A command that can be refused after it wrote (two legs, or a check of what the service made) runs
    # in a SAVEPOINT of its own; every other one is refused before it writes anything.
    savepoint: bool = False
    order: tuple = ()  # the money phase's sort key: (date, kind rank, sequence)
    quiet: bool = False  # skipped silently: the row it follows already has its problem or its note
    line: tuple | None = None  # the budget line whose money a money step moves (year, code)
    locate: Callable[[Problem], Problem] | None = None


class Context:
    """What commands read at run time: the session, the actor, ids of what is known or made, the
    keys refused so far."""

    def __init__(self, session: Session, actor: Actor):
        self.session = session
        self.actor = actor
        self.ids: dict[Key, Any] = {}
        self.failed: set[Key] = set()


class Planning:
    """Helpers shared by the sheet planners: problems located to their cell, the duplicate and
    difference checks, and the one permission question the services cannot answer for rows that
    are already there (may this actor write that unit's records?)."""

    def __init__(self, context: Context, book: Book, tally: Tally, problems: list[Problem]):
        self.context = context
        self.session = context.session
        self.actor = context.actor
        self.book = book
        self.tally = tally
        self.problems = problems
        self.failed = context.failed
        self.is_admin = context.actor == SYSTEM or context.actor.role == "admin"
        self.scope = scope_unit_ids(context.session, context.actor)
        self._writable: dict[int, list[Problem]] = {}
        self.phases: dict[str, list[Command]] = {"reference": [], "budget": [], "drafts": [], "early": [], "money": [], "last": []}
        self._sequence = 0

    # --- commands ----------------------------------------------------------------------------
    def emit(self, phase: str, command: Command) -> Command | None:
        """Queue ``command``, or skip it now when a key it needs has already failed."""
        if any(key in self.failed for key in command.needs):
            self.skip(command)
            return None
        self._sequence += 1
        if phase == "money":
            command.order = (*command.order, self._sequence)
        self.phases[phase].append(command)
        return command

    def skip(self, command: Command) -> None:
        self.failed.update(command.gives)
        if not command.quiet:
            self.tally.skip(command.sheet, command.row)

    # --- problems ------------------------------------------------------------------------------
    def add(self, sheet: SheetRows, row: Row | None, message_key: str, column: str | None = None, value: Any = None, /, **params: Any) -> None:
        self.problems.append(xproblem(message_key, **sheet.where(row, column, value), **params))

    def at_row(self, sheet: SheetRows, row: Row, found: list[Problem]) -> None:
        self.problems.extend(located(p, sheet=sheet.title, row=row.number) for p in found)

    def duplicate(self, sheet: SheetRows, row: Row, seen: dict, key: Any, shown: str) -> bool:
        if key in seen:
            self.add(sheet, row, "xl.duplicate_row", item=shown, first=seen[key])
            return True
        seen[key] = row.number
        return False

    def differs(self, sheet: SheetRows, row: Row, shown: str, pairs: list[tuple[str, Any, Any]]) -> bool:
        """Compare file values with the ledger's; a problem per column that differs. Blank file cells
        are not compared (a template may leave optional columns empty)."""
        found = False
        for column, in_file, in_ledger in pairs:
            if column not in sheet.headers or in_file is None:
                continue
            if in_file != in_ledger:
                self.add(sheet, row, "xl.differs", column, row.values.get(column), item=shown)
                found = True
        return found

    def denied(self, sheet: SheetRows, row: Row, unit_id: int) -> bool:
        """A row already in the ledger is this actor's to confirm only if they may write its unit
        (the store's own check, asked once per unit)."""
        if unit_id not in self._writable:
            try:
                require_writer(self.session, self.actor, unit_id)
                self._writable[unit_id] = []
            except LedgerError as error:
                self._writable[unit_id] = list(error.problems)
        if self._writable[unit_id]:
            self.at_row(sheet, row, self._writable[unit_id])
            return True
        return False

    def readable(self, unit_id: int | None) -> bool:
        return self.is_admin or (unit_id is not None and self.scope is not None and unit_id in self.scope)


def locate(sheet: SheetRows, row: Row, found: Problem, fields: dict[str, str]) -> Problem:
    """A service's problem placed on the row, at the column its field came from when the sheet has it."""
    column = fields.get(found.field or "")
    if column is not None and column in sheet.headers:
        return located(found, **sheet.where(row, column, row.values.get(column)))
    return located(found, sheet=sheet.title, row=row.number)
