"""Bulk entry from a workbook: read (reader.py), plan (plan.py), then every command through the
ledger's own services (their validation, their rights, their audit events) in ONE write transaction.
A refused command's problems are located to its sheet, row and column and the run goes on, so that
every problem is listed at once; at the end, if anything was wrong (or on a dry run), everything is
rolled back: a workbook is applied whole or not at all.

The services refuse before they write, so a command runs bare; only a command that can be refused
after writing (see ``Command.savepoint``) gets a SAVEPOINT. A database error leaves the session
unusable: the run stops there, says so, and writes nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from ledger.domain.errors import LedgerError, Problem
from ledger.excel import layout as L
from ledger.excel.commands import Command, Context, locate
from ledger.excel.match import catalogue_labels
from ledger.excel.plan import make_plan
from ledger.excel.reader import Book, WorkbookRefused, read_workbook
from ledger.excel.reader import Source as FileSource
from ledger.excel.result import ImportResult, Tally
from ledger.excel.texts import located, xproblem
from ledger.services.budget import require_writer_any
from ledger.store import batch
from ledger.store.access import SYSTEM, Actor
from ledger.store.db import Database

log = logging.getLogger(__name__)


class _Rollback(Exception):
    """Raised inside the write transaction to undo everything (a dry run, or problems found)."""


class _Broken(Exception):
    """The database refused a statement: the transaction cannot go on."""


def _code_lists(db: Database) -> dict:
    with db.read() as session:
        labels = catalogue_labels(session)
    return {key: codes if key in L.OWN_LISTS else labels.get(key[1], codes) for key, codes in L.CODE_LISTS.items()}


def _refusal(context: Context, command: Command, error: LedgerError) -> list[Problem]:
    where = command.locate or (lambda found: locate(command.sheet, command.row, found, command.fields))
    return [where(p) for p in error.problems]


def run_command(context: Context, command: Command) -> tuple[bool, object, list[Problem]]:
    """One command through its service; refused: its problems, placed on its row."""
    try:
        if command.savepoint:
            with context.session.begin_nested():
                return True, command.run(context), []
        return True, command.run(context), []
    except LedgerError as error:
        return False, None, _refusal(context, command, error)
    except SQLAlchemyError as error:
        if command.savepoint:
            detail = type(getattr(error, "orig", None) or error).__name__
            return False, None, [located(xproblem("xl.db_error", detail=detail), sheet=command.sheet.title, row=command.row.number)]
        raise _Broken(located(xproblem("xl.db_error", detail=type(getattr(error, "orig", None) or error).__name__),
                              sheet=command.sheet.title, row=command.row.number)) from error


def apply(context: Context, commands: list[Command], tally: Tally, problems: list[Problem]) -> None:
    failed = context.failed
    for command in commands:
        if any(key in failed for key in command.needs):
            failed.update(command.gives)
            if not command.quiet:
                tally.skip(command.sheet, command.row)
            continue
        ok, made, found = run_command(context, command)
        if not ok:
            failed.update(command.gives)
            problems.extend(found)
            continue
        if command.done is not None:
            command.done(context, made)
        for sheet, row, values, shown in command.counts:
            tally.count(sheet, row, values, True, shown)


def _post(db: Database, actor: Actor, book: Book, result: ImportResult, dry_run: bool) -> None:
    tally = Tally()
    try:
        with db.write() as session:
            batch.start(session)  # rows are flushed many at a time, not one by one (``ledger.store.batch``)
            context, commands = make_plan(session, actor, book, tally, result.problems)
            try:
                apply(context, commands, tally, result.problems)
            except _Broken as broken:
                result.problems.append(broken.args[0])
                raise _Rollback from None
            if result.problems or dry_run:
                raise _Rollback
            result.written = True
    except _Rollback:
        result.written = False
    finally:
        tally.finish(book.sheets, L.DATA_SHEETS, result)


def import_workbook(db: Database, actor: Actor, source: FileSource, dry_run: bool = False) -> ImportResult:
    """Check a workbook and, unless ``dry_run`` or anything is wrong, post it whole."""
    result = ImportResult(dry_run=dry_run)
    try:
        book = read_workbook(source, code_lists=_code_lists(db))
    except WorkbookRefused as refused:
        result.problems.extend(refused.problems)
        return result
    result.notes.extend(book.notes)
    if actor != SYSTEM:
        with db.read() as session:
            try:  # a read-only role is told once, not once per row
                require_writer_any(session, actor)
            except LedgerError as error:
                if not any(p.key == "perm.admin_no_ledger" for p in error.problems):  # an admin may post units and policies
                    result.problems.extend(error.problems)
                    return result
    result.problems.extend(book.problems)
    try:
        _post(db, actor, book, result, dry_run)
    except LedgerError as error:  # e.g. the database cannot be written at all: sentences, nothing written
        result.written = False
        result.problems.extend(error.problems)
    except Exception as error:  # a bug must not reach the screen as a traceback; nothing was written
        log.exception("workbook import failed")
        result.written = False
        result.problems.append(xproblem("xl.db_error", detail=type(error).__name__))
    return result


__all__ = ["ImportResult", "import_workbook"]
