"""A policy's timeline through its fine stages: which stage it is in on a day, and the checks on its dates.

Pure code on dates (no database): each fine stage of ``codes.POLICY_STAGES`` starts on a date kept on
the policy, or has no date (not reached, or skipped); a policy is in the last stage started by the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from ledger.domain import codes

STAGE_ORDER: tuple[str, ...] = tuple(codes.POLICY_STAGES)
# The policy column holding the start of each fine stage (models.Policy, migration 0008).
STAGE_COLUMNS: Mapping[str, str] = {
    "DE_XUAT": "proposed_on",
    "LAY_Y_KIEN_CS": "policy_consulted_on",
    "SOAN_THAO": "drafting_on",
    "LAY_Y_KIEN_DT": "draft_consulted_on",
    "TRINH": "submitted_on",
    "BAN_HANH": "issued_on",
    "THUC_THI": "effective_on",
}


@dataclass(frozen=True)
class StageSpan:
    """One fine stage of a policy's timeline: from its start to the next started stage's start
    (``end`` None: the stage still runs)."""

    stage: str
    start: dt.date
    end: dt.date | None

    @property
    def coarse(self) -> str:
        return codes.POLICY_STAGE_COARSE[self.stage]


def current_stage(starts: Mapping[str, dt.date | None], today: dt.date) -> str | None:
    """The fine stage a policy is in on ``today``: the latest stage (in stage order) started by then,
    or None before its first date."""
    found = None
    for stage in STAGE_ORDER:
        start = starts.get(stage)
        if start is not None and start <= today:
            found = stage
    return found


def spans(starts: Mapping[str, dt.date | None]) -> list[StageSpan]:
    """The stages that have a start, in order, each ending where the next one starts."""
    dated = [(stage, starts[stage]) for stage in STAGE_ORDER if starts.get(stage) is not None]
    return [
        StageSpan(stage, start, dated[index + 1][1] if index + 1 < len(dated) else None)
        for index, (stage, start) in enumerate(dated)
    ]


def out_of_order(starts: Mapping[str, dt.date | None]) -> list[tuple[str, str]]:
    """Pairs (earlier stage, later stage) whose dates run backwards: a later stage may not start
    before an earlier one (equal days are allowed; a stage without a date is skipped)."""
    wrong = []
    last: tuple[str, dt.date] | None = None
    for stage in STAGE_ORDER:
        start = starts.get(stage)
        if start is None:
            continue
        if last is not None and start < last[1]:
            wrong.append((last[0], stage))
        else:
            last = (stage, start)
    return wrong
