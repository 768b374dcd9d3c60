"""What a communication plan's status allows, computed here once: the services refuse exactly the
actions this does not list (each with its sentence), and the plans screen offers exactly these.

- A draft (DU_THAO) is edited, gets activities, is approved (by a leader, with a decision number)
  or cancelled.
- An approved plan (DA_DUYET) is never edited: it gets a new version (a draft copy that keeps the
  old one), its activities are marked done, it is completed or cancelled. Once a later version is
  approved, the old one is superseded and allows nothing.
"""

from __future__ import annotations

PLAN_ACTIONS = ("edit", "add_activity", "approve", "new_version", "mark_done", "complete", "cancel")
IN_FORCE_STATUSES = ("DA_DUYET", "HOAN_THANH")


def plan_actions(status: str, *, superseded: bool = False, has_successor: bool = False) -> tuple[str, ...]:
    """The actions allowed on one version of a plan. ``superseded``: a later version is approved;
    ``has_successor``: a later version exists (a draft, say: only one new version at a time)."""
    if superseded:
        return ()
    if status == "DU_THAO":
        return ("edit", "add_activity", "approve", "cancel")
    if status == "DA_DUYET":
        allowed = [] if has_successor else ["new_version"]
        return (*allowed, "mark_done", "complete", "cancel")
    return ()


def shortfall(remaining_need: int, available: int) -> int:
    """How far what a plan still expects to spend on a line exceeds what the line can still hold
    (0 when it fits). A plan is not a commitment: this flags, it never refuses."""
    return max(0, remaining_need - available)
