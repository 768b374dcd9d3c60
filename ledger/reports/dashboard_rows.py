"""What the leaders' dashboard returns (``ledger.reports.dashboard.dashboard``): frozen rows with money
in int đồng, one type per view: the headline, the category, source, unit and month views, the press
orders by agency, training and IT services. Screens, charts, the drill-down and the report to the
Ministry read these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardFilters:
    """What a reader asks of the dashboard: a year, and optionally a unit, a source, a category, a policy."""

    year: int
    unit_code: str | None = None
    source: str | None = None
    category: str | None = None
    policy_code: str | None = None


@dataclass(frozen=True)
class Figures:
    """A selection's money: allocated = committed + direct + available (the rulebook's available)."""

    allocated: int
    committed: int
    # Paid directly on lines, outside any commitment: with committed it is what available leaves out.
    direct: int
    paid: int
    available: int
    lines: int
    execution: float | None  # paid as a percentage of allocated (a display ratio, not money)


@dataclass(frozen=True)
class Headline:
    """The headline's three rows: the state budget (NSNN), social contributions (XHH) and both."""

    nsnn: Figures
    xhh: Figures
    total: Figures

    def of(self, source: str) -> Figures:
        """The row of a source code, or of ``ALL`` for both together."""
        return {"NSNN": self.nsnn, "XHH": self.xhh, "ALL": self.total}[source]


@dataclass(frozen=True)
class CodeFigures(Figures):
    """One bar of the category or source chart: a code list's entry and its money."""

    code: str
    label_vi: str
    label_en: str

    def label(self, lang: str) -> str:
        return (self.label_en if lang == "en" else self.label_vi) or self.code


@dataclass(frozen=True)
class UnitFigures(Figures):
    """One bar of the unit chart: a unit directly under the selected one with its subordinates
    rolled in, or (``own``) the selected unit's own lines."""

    unit_id: int
    code: str
    name: str
    own: bool

    def label(self, lang: str) -> str:
        return self.code  # unit codes read the same in both languages and stay short on an axis


@dataclass(frozen=True)
class MonthFigures:
    """One month of the fiscal year: paid in it, and the cumulative curves at its end."""

    month: int
    paid: int
    cumulative_paid: int
    cumulative_plan: int
    cumulative_previous: int


@dataclass(frozen=True)
class Bar:
    """One bar of a ranked chart (agency, media type, policy, stage, IT service type): what the
    commitments behind it hold. The agencies' last bar may be the rest (``code`` None, ``others``
    agencies in it)."""

    code: str | None
    name: str | None
    amount: int
    orders: int
    others: int = 0


@dataclass(frozen=True)
class PressOrders:
    """Press orders signed or closed: by agency (the largest ``TOP_AGENCIES``, then the rest in one
    bar), by media type and by policy (largest first), and by stage (in the stages' order)."""

    agencies: tuple[Bar, ...]
    media: tuple[Bar, ...]
    policy: tuple[Bar, ...]
    stage: tuple[Bar, ...]
    total: int
    top_five_share: float | None  # the five largest agencies' share of the total, in percent


@dataclass(frozen=True)
class Training:
    """Courses signed or closed; a course with an attendance list counts its list, else its declared number."""

    courses: int
    participants: int
    cost: int  # what the courses hold
    cost_per_participant: int | None  # whole đồng, rounded down; None without participants


@dataclass(frozen=True)
class ItServices:
    """IT service contracts of one service type at one stage."""

    service_type: str
    stage: str | None  # a contract without a stage counts under None
    contracts: int
    amount: int  # what the contracts hold


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the dashboard for ``filters``: the headline, the bars of each chart, the
    monthly curves, press orders, training and IT services."""

    filters: DashboardFilters
    headline: Headline
    category: tuple[CodeFigures, ...]
    source: tuple[CodeFigures, ...]
    unit: tuple[UnitFigures, ...]
    monthly: tuple[MonthFigures, ...]
    press: PressOrders
    training: Training
    it: tuple[ItServices, ...]
