"""The dashboard's plotly figures (issue 10): long names shorten on the axis, the hover keeps them whole."""

from __future__ import annotations

from ledger.reports import charts
from ledger.reports.dashboard import Bar, CodeFigures

LONG = "Chính sách dân số thích ứng với già hóa dân số và nâng cao chất lượng dân số giai đoạn 2026–2030"


def test_long_policy_names_are_shortened_on_the_axis_and_whole_in_the_hover():
    rows = [
        Bar("CS-1", LONG, 900_000_000, 3),
        Bar("CS-2", LONG + " (bổ sung)", 500_000_000, 2),  # same first 40 characters
        Bar("CS-3", "Truyền thông", 100_000_000, 1),
    ]
    fig = charts.ranked_bars(rows, "policy", "trieu", "vi")
    bar = fig.data[0]
    assert all(len(label) <= charts.LABEL_LIMIT for label in bar.y)
    assert len(set(bar.y)) == 3  # two names alike in their first 40 characters stay two bars
    assert list(bar.hovertext) == [r.name for r in reversed(rows)]
    assert "%{hovertext}" in bar.hovertemplate
    assert [c[1] for c in bar.customdata] == ["CS-3", "CS-2", "CS-1"]  # the drill-down keys are untouched
    assert "Truyền thông" in bar.y and any(label.endswith("…") for label in bar.y)
    assert fig.layout.yaxis.automargin is True


def test_grouped_bars_shorten_long_category_labels_too():
    rows = [CodeFigures(3_000_000, 2_000_000, 0, 1_000_000, 1_000_000, 1, 33.3, code="X", label_vi=LONG, label_en="")]
    fig = charts.plan_vs_actual(rows, "category", "trieu", "vi")
    for bar in fig.data:
        assert all(len(label) <= charts.LABEL_LIMIT for label in bar.x)
        assert list(bar.hovertext) == [LONG]
    assert fig.layout.xaxis.automargin is True


def test_short_labels_keep_short_names_as_they_are():
    assert charts.short_labels(["VTV", "  Báo   Nhân Dân "]) == ["VTV", "Báo Nhân Dân"]
    assert charts.short_labels(["a" * 50], limit=10) == ["a" * 9 + "…"]
