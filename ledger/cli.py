"""Command line: ``python -m ledger [--db URL] init|demo|verify|backup|restore|user add|user unlock …``.

Tests and benchmarks use it too. Exit status 0 on success, 1 when the ledger refuses or
``verify`` finds a broken chain, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from ledger.domain.errors import LedgerError
from ledger.store import schema
from ledger.store.access import SYSTEM
from ledger.store.db import Database, is_storage_failure, storage_error
from ledger.store.verify import verify


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ledger", description="Policy-communication budget ledger")
    parser.add_argument("--db", help="database URL (default: LEDGER_DATABASE_URL or data/ledger.db)")
    parser.add_argument("--lang", choices=("vi", "en"), default="en", help="language of messages")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create or upgrade the schema")
    demo = commands.add_parser("demo", help="load the demo ledger into an empty database")
    demo.add_argument("--password", default="demo", help="password of the demo users (default: demo)")
    demo.add_argument(
        "--scale", type=int, metavar="N",
        help="load the national-scale demo with N payments instead (34 provinces, 17 ministries, five years)",
    )
    commands.add_parser("verify", help="verify the audit chain and the audited rows")
    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("admin", "officer", "leader", "auditor"))
    add.add_argument("--unit", help="unit code (required except for admin)")
    add.add_argument("--name", default="", help="full name")
    add.add_argument("--sso", default=None, help="single sign-on account (email) linked to the user")
    unlock = user_commands.add_parser("unlock", help="lift a sign-in lock (after repeated wrong passwords)")
    unlock.add_argument("username")
    backup = commands.add_parser("backup", help="write a consistent copy of the whole ledger to FILE")
    backup.add_argument("file")
    restore = commands.add_parser("restore", help="replace the ledger with the backup in FILE, then verify it")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds a ledger")
    from ledger.excel.cli import add_commands as add_workbook_commands

    add_workbook_commands(commands)  # export, import, template
    from ledger.report_cli import add_commands as add_report_commands

    add_report_commands(commands)  # report build|submit|package|receive, keys show|trust
    from ledger.year_end_cli import add_commands as add_year_end_commands

    add_year_end_commands(commands)  # close-year Y --preview|--apply
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = Database(args.db)
    try:
        if args.command == "init":
            schema.upgrade(db)
            print(f"schema up to date: {db.engine.url.render_as_string(hide_password=True)}")
            from ledger.report_cli import show_key

            show_key(args.lang, pem=False)  # the ledger's signing key, created when missing; its fingerprint for the administrator
            from ledger.i18n import t
            from ledger.services.setup import issue

            code = issue(db)  # only while no one can sign in: the set-up screen asks for it
            if code:
                print(t("ui.setup_code_printed", args.lang, code=code))
            return 0
        if args.command in ("backup", "restore"):
            from ledger.store import backup

            shown = db.engine.url.render_as_string(hide_password=True)
            if args.command == "backup":
                info = backup.backup(db, args.file)
                print(f"backup of {shown} written to {info.path}: {info.events} events, head {info.head_hash}")
                return 0
            result = backup.restore(db, args.file, force=args.force)
            print(f"restored {args.file} into {shown}")
            print(result.summary())
            return 0 if result.ok else 1
        if not schema.has_schema(db):
            schema.upgrade(db)
        if args.command == "demo":
            if args.scale is not None:
                from ledger.demo.scale import load_scale_demo

                if args.scale < 0:
                    print("error: --scale must be 0 or more", file=sys.stderr)
                    return 2
                counts = load_scale_demo(
                    db, payments=args.scale, password=args.password, progress=lambda m: print(m, file=sys.stderr, flush=True)
                )
                from ledger.demo.reports import submit_scale

                counts["reports"] = submit_scale(db)  # after the deterministic load: its reports to the Ministry
                print("scale demo loaded: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
                return 0
            from ledger.demo.small import load_full_demo

            counts = load_full_demo(db, password=args.password)
            print("demo loaded: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
            return 0
        from ledger.report_cli import COMMANDS as REPORT_COMMANDS

        if args.command in REPORT_COMMANDS:
            from ledger.report_cli import run as run_report_command

            return run_report_command(args, db, args.lang)
        from ledger.excel.cli import COMMANDS as WORKBOOK_COMMANDS

        if args.command in WORKBOOK_COMMANDS:
            from ledger.excel.cli import run as run_workbook_command

            return run_workbook_command(args, db, args.lang)
        if args.command == "close-year":
            from ledger.year_end_cli import run as run_year_end

            return run_year_end(args, db, args.lang)
        if args.command == "verify":
            with db.read() as session:
                result = verify(session)
            print(result.summary())
            return 0 if result.ok else 1
        if args.command == "user" and args.user_command == "add":
            from ledger.services.users import create_user

            password = sys.stdin.readline().rstrip("\r\n")
            create_user(db, SYSTEM, args.username, args.role, password, unit_code=args.unit, full_name=args.name, sso_subject=args.sso, typed=True)
            print(f"user {args.username} added ({args.role})")
            return 0
        if args.command == "user" and args.user_command == "unlock":
            from ledger.services.users import unlock_user

            unlock_user(db, SYSTEM, args.username)
            print(f"user {args.username} unlocked")
            return 0
    except LedgerError as error:
        for message in error.messages(args.lang):
            print(f"error: {message}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:  # outside a ledger transaction (the schema check): same sentences
        if not is_storage_failure(error):
            raise
        for message in storage_error(error).messages(args.lang):
            print(f"error: {message}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 2
