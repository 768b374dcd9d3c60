"""Typed rows → commands in dependency order, computed up front from the rows (never by retrying a
refused step): units, press agencies, years, policies, budget lines, adjustments (transfers and
reversals after what they need), comments on drafts, the staff register, plans with their versions
and activities (plan_plans.py, plan_team.py), commitments as drafts with their items, topic, activity
and attendance list and their cancellations, then the
dated money steps in date order and, on one day, by kind (see plan_spending.py), and the closing of
years last.

Rows already in the ledger are found by natural key with batched look-ups (match.py) and become
"already there": counted, compared column by column (another content is a problem: posted records
are never edited), and given no command, so that a second import of the same file writes nothing.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

from sqlalchemy.orm import Session

from ledger.domain.errors import Problem
from ledger.excel.commands import Command, Context
from ledger.excel.plan_spending import CLOSE, CONTRIBUTION, PAY, SIGN
from ledger.excel.plan_team import TeamPlanning
from ledger.excel.reader import Book
from ledger.excel.result import Tally
from ledger.store.access import Actor

REFERENCE_SHEETS = ("units", "press", "years", "policies", "lines", "adjustments")
MONEY_SHEETS = (("contributions", "contribution"), ("acceptances", "acceptance"), ("payments", "payment"))


def make_plan(session: Session, actor: Actor, book: Book, tally: Tally, problems: list[Problem]) -> tuple[Context, list[Command]]:
    """The commands that post ``book``, in the order they must run; the problems found on the way
    (rows that differ from the ledger's, unknown references…) go to ``problems``."""
    context = Context(session, actor)
    planner = TeamPlanning(context, book, tally, problems)
    sheets = book.sheets
    for key in (*REFERENCE_SHEETS, "comments", "staff"):
        if key in sheets:
            getattr(planner, key)(sheets[key])
    planner.plans()  # plans and their activities, after the lines they expect to use
    planner.load_commitments()
    items = planner.item_groups()
    for key in ("orders", "courses", "it"):
        if key in sheets:
            planner.commitments(sheets[key], items)
    planner.orphan_items(items)
    planner.participants()  # attendance lists of courses already in the ledger
    for key, kind in MONEY_SHEETS:
        if key in sheets:
            planner.money(sheets[key], kind)
    planner.close_ops()
    phases = planner.phases
    money = order_money(phases["money"], planner.activity)
    return context, [*phases["reference"], *phases["budget"], *phases["drafts"], *phases["early"], *money, *phases["last"]]


def order_money(commands: list[Command], activity: dict[tuple, list[Command]]) -> list[Command]:
    """The money steps in date order (then by kind), under two constraints: a step comes after the
    steps it needs (its signing, the row it reverses, for a payment the acceptances of its
    commitment dated before it, for a close-out all of its commitment's activity), and the rows of a
    sheet are posted in the sheet's order (an extract lists them in the order they were recorded, so
    the ledger made from it numbers them the same way and extracts the same workbook)."""
    givers = {key: command for command in commands for key in command.gives}
    after: dict[int, set[int]] = {id(c): set() for c in commands}
    for command in commands:
        after[id(command)].update(id(givers[key]) for key in command.needs if key in givers and givers[key] is not command)
    for rows in activity.values():
        accepted: list[Command] = []
        for command in rows:  # rows of one commitment, acceptances before payments (the sheets' order)
            if command.sheet.spec.key == "acceptances":
                accepted.append(command)
            elif command.order[1] == PAY:
                before = [a for a in accepted if a.order < command.order]
                if before:
                    after[id(command)].add(id(before[-1]))
    _line_edges(commands, after)
    previous: dict[str, Command] = {}
    for command in commands:
        if command.counts:  # a step that makes a row: keep its sheet's order
            stream = command.sheet.spec.key
            if stream in previous:
                after[id(command)].add(id(previous[stream]))
            previous[stream] = command
    return _topological(commands, after)


def _line_edges(commands: list[Command], after: dict[int, set[int]]) -> None:
    """Money a line receives before it is spent: a signing after the close-outs of its line dated
    before it (they release what it commits), a signing or payment after the contributions to its
    line dated before it (socialised money is spent only once received)."""
    closes: dict[tuple, list[Command]] = defaultdict(list)
    contributions: dict[tuple, list[Command]] = defaultdict(list)
    for command in commands:
        if command.line is None:
            continue
        if command.order[1] == CLOSE:
            closes[command.line].append(command)
        elif command.order[1] == CONTRIBUTION and command.counts:
            contributions[command.line].append(command)
    for command in commands:
        rank = command.order[1]
        if command.line is None or rank in (CLOSE, CONTRIBUTION):
            continue
        if rank == SIGN:
            after[id(command)].update(id(c) for c in closes.get(command.line, ()) if c.order < command.order)
        received = [c for c in contributions.get(command.line, ()) if c.order < command.order]
        if received:
            after[id(command)].add(id(received[-1]))


def _topological(commands: list[Command], after: dict[int, set[int]]) -> list[Command]:
    by_id = {id(c): c for c in commands}
    waiting = {key: set(before) for key, before in after.items()}
    followers: dict[int, list[int]] = {key: [] for key in by_id}
    for key, before in waiting.items():
        for other in before:
            followers[other].append(key)
    ready = [(by_id[key].order, key) for key, before in waiting.items() if not before]
    heapq.heapify(ready)
    ordered: list[Command] = []
    while ready:
        _order, key = heapq.heappop(ready)
        ordered.append(by_id[key])
        for follower in followers[key]:
            waiting[follower].discard(key)
            if not waiting[follower]:
                heapq.heappush(ready, (by_id[follower].order, follower))
    if len(ordered) < len(commands):  # a circle (a reversal listed above what it reverses): the rest by date
        placed = {id(c) for c in ordered}
        ordered.extend(sorted((c for c in commands if id(c) not in placed), key=lambda c: c.order))
    return ordered
