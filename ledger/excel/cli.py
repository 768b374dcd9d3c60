"""The workbook commands of ``python -m ledger``: export, import, template (wired in ledger/cli.py)."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from ledger.domain.errors import NotFound, problem
from ledger.excel.texts import localize
from ledger.store.access import SYSTEM, Actor
from ledger.store.db import Database
from ledger.store.models import User

COMMANDS = ("export", "import", "template")


def add_commands(commands) -> None:
    export = commands.add_parser("export", help="write the Excel extract of a fiscal year")
    export.add_argument("file", help="the .xlsx file to write")
    export.add_argument("--year", type=int, required=True, help="fiscal year")
    export.add_argument("--unit", help="unit code: that unit and its subordinate units (default: the user's whole scope)")
    export.add_argument("--as", dest="as_user", metavar="USER", help="export as this user (default: the operator, everything)")
    imported = commands.add_parser("import", help="post a ledger workbook (all or nothing)")
    imported.add_argument("file", help="the .xlsx file to read")
    imported.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imported.add_argument("--as", dest="as_user", metavar="USER", help="import as this user (default: the operator)")
    template = commands.add_parser("template", help="write the empty workbook for bulk entry")
    template.add_argument("file", help="the .xlsx file to write")


def _actor(db: Database, username: str | None) -> Actor:
    if not username:
        return SYSTEM
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
        if user is None or not user.is_active:
            raise NotFound(problem("user.unknown", value=username))
        return Actor.of(user)


def _amount(value: int | None) -> str:
    from ledger.domain.formatting import format_amount

    return "" if value is None else format_amount(value)


def run(args: argparse.Namespace, db: Database, lang: str) -> int:
    if args.command == "template":
        from ledger.excel.template import write_template

        write_template(args.file)
        print(f"template written: {args.file}")
        return 0
    actor = _actor(db, args.as_user)
    if args.command == "export":
        from ledger.excel.export import export_workbook

        result = export_workbook(db, actor, args.file, args.year, args.unit)
        for stat in result.sheets:
            total = f", {_amount(stat.amount)} đ ({stat.amount_column})" if stat.amount is not None else ""
            print(f"{stat.title}: {stat.rows} rows{total}")
        print(f"extract written: {args.file} (audit head {result.head_seq} {result.head_hash})")
        return 0
    from ledger.excel.importer import import_workbook

    result = import_workbook(db, actor, args.file, dry_run=args.dry_run)
    for sheet in result.sheets:
        total = f", new {_amount(sheet.new_amount)} đ" if sheet.new_amount is not None else ""
        print(f"{sheet.title}: {sheet.rows} rows, {sheet.new} new, {sheet.unchanged} unchanged{total}")
    for note in result.notes:
        print(f"note: {note.message(lang)}", file=sys.stderr)
    for found in result.problems:
        where = " · ".join(str(part) for part in (found.sheet, found.row, localize(found.column, lang)) if part not in (None, ""))
        value = f" [{found.value}]" if found.value not in (None, "") else ""
        print(f"error: {where + ': ' if where else ''}{found.message(lang)}{value}", file=sys.stderr)
    print(result.summary(lang))
    return 0 if result.ok else 1
