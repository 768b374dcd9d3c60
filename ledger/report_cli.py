"""The command line of the report to the Ministry and of the ledger's key:
``report build|submit|package|receive`` and ``keys show|trust`` (registered by ``ledger.cli``).

The press authority's scripts and the tests use it; every sentence comes from the catalogues.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ledger.domain.errors import ValidationError
from ledger.domain.formatting import parse_date
from ledger.excel.cli import _actor
from ledger.i18n import t
from ledger.store.db import Database

COMMANDS = ("report", "keys")


def add_commands(commands) -> None:
    report = commands.add_parser("report", help="the report to the Ministry (letter 837, item 4)")
    sub = report.add_subparsers(dest="report_command", required=True)
    build = sub.add_parser("build", help="write the report's .docx, .xlsx annex and PDF")
    build.add_argument("--year", type=int, required=True)
    build.add_argument("--unit", help="reporting unit code (default: the user's unit, else the root)")
    build.add_argument("--docx", type=Path)
    build.add_argument("--xlsx", type=Path)
    build.add_argument("--pdf", type=Path)
    build.add_argument("--from", dest="date_from", metavar="DD/MM/YYYY", help="first day of a range inside the year (with --to)")
    build.add_argument("--to", dest="date_to", metavar="DD/MM/YYYY", help="last day of the range (figures as of that day)")
    build.add_argument("--submitted", action="store_true", help="the latest submitted version instead of the live draft")
    build.add_argument("--as", dest="as_user", metavar="USER")
    submit = sub.add_parser("submit", help="freeze the unit's figures as a submitted version (a leader of the unit)")
    submit.add_argument("--year", type=int, required=True)
    submit.add_argument("--unit", required=True)
    submit.add_argument("--as", dest="as_user", metavar="USER", required=True)
    package = sub.add_parser("package", help="write the submitted version's annex and manifest, signed")
    package.add_argument("--year", type=int, required=True)
    package.add_argument("--unit", required=True)
    package.add_argument("file", type=Path)
    package.add_argument("--as", dest="as_user", metavar="USER", required=True)
    receive = sub.add_parser("receive", help="check and record a child's signed package (once)")
    receive.add_argument("file", type=Path)
    receive.add_argument("--as", dest="as_user", metavar="USER", required=True)
    keys = commands.add_parser("keys", help="this ledger's signing key and the keys it trusts")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("show", help="print this ledger's public key (PEM) and its fingerprint")
    trust = keys_sub.add_parser("trust", help="trust a unit's public key for its packages (administrator)")
    trust.add_argument("unit")
    trust.add_argument("public_key_file", type=Path)
    trust.add_argument("--as", dest="as_user", metavar="USER", required=True)


def show_key(lang: str, *, pem: bool = True) -> None:
    """This ledger's key (created when missing): its public half as PEM with ``pem``, its fingerprint."""
    from ledger.reports.ministry import signing

    try:
        path, created = signing.ensure_key()
        key = signing.private_key(path)
    except OSError as error:  # a read-only data folder: the ledger works, packages cannot be signed yet
        print(t("report.cli.key_unwritable", lang, path=signing.key_path(), error=error.strerror or error), file=sys.stderr)
        return
    if created:
        print(t("report.cli.key_created", lang, path=path))
    if pem:
        print(signing.public_pem(key), end="")
    print(t("report.cli.fingerprint", lang, fingerprint=signing.fingerprint(key.public_key())))


def _date(text: str | None, field: str) -> dt.date | None:
    """A --from/--to value (dd/mm/yyyy), None when not given; refused with a sentence when unreadable."""
    if text is None:
        return None
    value, found = parse_date(text, field=field)
    if found is not None:
        raise ValidationError(found)
    return value


def run(args: argparse.Namespace, db: Database, lang: str) -> int:
    if args.command == "keys":
        if args.keys_command == "show":
            show_key(lang)
            return 0
        from ledger.services.report import trust_key

        row = trust_key(db, _actor(db, args.as_user), args.unit, args.public_key_file.read_bytes())
        print(t("report.cli.trusted", lang, unit=args.unit, fingerprint=row.fingerprint))
        return 0
    from ledger.reports.ministry import files
    from ledger.services import report as service

    actor = _actor(db, args.as_user)
    if args.report_command == "build":
        rep = files.load(db, actor, args.unit, args.year, submitted=args.submitted,
                         date_from=_date(args.date_from, "date_from"), date_to=_date(args.date_to, "date_to"))
        wrote = []
        for path, make in ((args.docx, files.docx_bytes), (args.xlsx, files.xlsx_bytes)):
            if path:
                path.write_bytes(make(rep))
                wrote.append(str(path))
        if args.pdf:
            pdf = files.pdf_bytes(rep)
            if pdf is None:
                print(t("report.pdf_unavailable", lang), file=sys.stderr)
            else:
                args.pdf.write_bytes(pdf)
                wrote.append(str(args.pdf))
        print(t("report.cli.built", lang, unit=rep.unit_code, year=rep.year, submitted=rep.submitted,
                children=sum(1 for c in rep.children if not c.own), files=", ".join(wrote) or "—"))
        return 0
    if args.report_command == "submit":
        version = service.submit(db, actor, args.unit, args.year)
        key = "report.cli.submitted_late" if version.late else "report.cli.submitted"
        print(t(key, lang, unit=args.unit, year=args.year, version=version.version, hash=version.content_hash))
        return 0
    if args.report_command == "package":
        made = files.package(db, actor, args.unit, args.year)
        args.file.write_bytes(made.data)
        print(t("report.cli.packaged", lang, unit=args.unit, version=made.version, file=args.file, fingerprint=made.fingerprint))
        return 0
    receipt = service.receive_package(db, actor, args.file.read_bytes())
    key = "report.cli.received" if receipt.new else "report.cli.received_before"
    print(t(key, lang, unit=receipt.unit_code, year=receipt.year, version=receipt.version, hash=receipt.content_hash))
    return 0
