"""``python -m ledger close-year Y --preview [--unit CODE] [--xlsx F]`` and
``close-year Y --apply [--unit CODE] --decision NO [--as USER]``: the year-end run at the command line.

The preview prints, per line, what carries over and what is cancelled with its legal basis, and the
advances to be refunded by 15/02; ``--xlsx`` also writes the settlement statement. ``--as`` names the
acting user (an officer for their subtree, an administrator for all); without it the operator acts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import select

from ledger.domain import year_end as rules
from ledger.domain.errors import NotFound, problem
from ledger.domain.formatting import format_amount, format_date
from ledger.i18n import t
from ledger.store.access import SYSTEM, Actor
from ledger.store.db import Database
from ledger.store.models import User

COMMANDS = ("close-year",)


def add_commands(commands) -> None:
    close = commands.add_parser("close-year", help="preview or apply the year-end run of a fiscal year")
    close.add_argument("year", type=int)
    mode = close.add_mutually_exclusive_group(required=True)
    mode.add_argument("--preview", action="store_true", help="show what carries over and what is cancelled")
    mode.add_argument("--apply", action="store_true", help="apply the run (one transaction)")
    close.add_argument("--unit", help="a unit code: its subtree only (default: every unit)")
    close.add_argument("--xlsx", help="with --preview: write the settlement statement to this .xlsx")
    close.add_argument("--decision", help="with --apply: the decision number (required)")
    close.add_argument("--as", dest="as_user", help="the acting user (default: the operator)")


def _actor(db: Database, username: str | None) -> Actor:
    if not username:
        return SYSTEM
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(problem("user.unknown", value=username))
        return Actor.of(user)


def run(args: argparse.Namespace, db: Database, lang: str) -> int:
    from ledger.reports.settlement import settlement, settlement_xlsx
    from ledger.services import year_end

    actor = _actor(db, args.as_user)
    if args.apply:
        if not args.decision:
            print("error: --apply needs --decision NO", flush=True)
            return 2
        done = year_end.apply_year_end(db, actor, args.year, args.unit, args.decision)
        if done is None:
            print(t("year_end.nothing_left", lang, year=args.year))
        else:
            print(t("year_end.applied", lang, year=args.year, carried=format_amount(done.carried), cancelled=format_amount(done.cancelled)))
        return 0
    shown = year_end.preview(db, actor, args.year, args.unit)
    law = shown.rule_set.law_en if lang == "en" else shown.rule_set.law_vi
    print(t("year_end.preview_head", lang, year=args.year, law=law, lines=len(shown.lines)))
    for line in shown.lines:
        print(f"{line.code}\t{line.unit_code}\t{format_amount(line.allocated)}\t{format_amount(line.paid)}\t{format_amount(line.carried)}\t{format_amount(line.cancelled)}")
        for part in line.parts:
            print(f"\t{t('year_end.' + part.kind, lang)}\t{format_amount(part.amount)}\t{rules.basis_text(part.basis, shown.rule_set, lang)}")
        for _, reference, amount in line.refunds:
            print(f"\t{t('year_end.refund', lang, reference=reference, amount=format_amount(amount), date=format_date(shown.refund_deadline))}")
    print(t("year_end.preview_total", lang, carried=format_amount(shown.carried), cancelled=format_amount(shown.cancelled), refunds=format_amount(shown.refunds)))
    for blocker in shown.blockers:
        print(t(blocker.key, lang, **blocker.params))
    if args.xlsx:
        Path(args.xlsx).write_bytes(settlement_xlsx(settlement(db, actor, args.year, args.unit), lang))
        print(args.xlsx)
    return 0
