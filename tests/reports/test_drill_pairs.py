"""The drill-down answers only what it can (issue 10, items 3 and 5): "VTV × paid" lists exactly VTV's
payments, a pair it cannot answer is refused with a sentence, and the rows read as a report.

On the code before issue 10 "agency VTV × paid" gave every payment of the scope and "month 3 ×
committed" every commitment; the rows showed raw column names, codes and None.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from ledger_testkit import keys, rows

from ledger.domain.errors import ValidationError
from ledger.reports.dashboard import DashboardFilters
from ledger.reports.drilldown import caption, drill, for_screen, workbook

YEAR = 2026
RAW = {"voucher_no", "press_agency", "reference", "TAM_UNG", "THANH_TOAN", "signed", "closed", "order", "None", "BAO_CHI", "NSNN"}


def test_agency_by_paid_lists_exactly_that_agencys_payments(demo_db, actors):
    leader = actors["leader"]
    result = drill(demo_db, leader, DashboardFilters(year=YEAR), "agency", "VTV", "paid")
    expected = rows(
        demo_db,
        "SELECT p.voucher_no, p.amount FROM payments p JOIN commitments c ON c.id = p.commitment_id"
        " JOIN press_agencies a ON a.id = c.press_agency_id WHERE p.year = :y AND a.code = 'VTV' ORDER BY p.voucher_no",
        y=YEAR,
    )
    assert expected, "the demo has payments on VTV orders"
    everything = drill(demo_db, leader, DashboardFilters(year=YEAR), "all", None, "paid")
    assert result["count"] == len(expected) < everything["count"]
    assert result["total"] == sum(int(r[1]) for r in expected)
    assert sorted(r["voucher_no"] for r in result["rows"]) == [r[0] for r in expected]


@pytest.mark.parametrize(("dimension", "value", "measure"), [("month", 3, "committed"), ("agency", "VTV", "allocated"), ("stage", None, "allocated"), ("month", 3, "allocated")])
def test_a_pair_it_cannot_answer_is_refused_with_a_sentence(demo_db, actors, dimension, value, measure):
    with pytest.raises(ValidationError) as info:
        drill(demo_db, actors["leader"], DashboardFilters(year=YEAR), dimension, value, measure)
    assert keys(info.value) == {f"drill.unanswerable.{measure}"}
    assert "«" in info.value.problems[0].message("vi")


@pytest.mark.parametrize("measure", ["allocated", "committed", "paid"])
def test_the_rows_read_as_a_report(demo_db, actors, measure):
    result = drill(demo_db, actors["leader"], DashboardFilters(year=YEAR), "all", None, measure)
    shown = for_screen(result["rows"], measure, "vi")
    assert shown and len(shown) == len(result["rows"])
    headers = set(shown[0])
    assert not headers & RAW and all(not h.startswith("drill.col") for h in headers)
    cells = {value for row in shown for value in row.values()}
    assert not cells & RAW and "None" not in cells
    assert all(value.endswith(" đ") for value in (row["Số tiền"] for row in shown))
    text = caption(measure, result, "Tất cả", "vi")
    assert text.startswith("Cột đã chọn: Tất cả · ") and text.endswith(".")
    book = openpyxl.load_workbook(io.BytesIO(workbook(result["rows"], measure, "vi")))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header == list(shown[0])
    amounts = [row[header.index("Số tiền")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sum(amounts) == result["total"] and all(isinstance(a, int) for a in amounts)


def test_a_shortened_list_says_how_many_it_shows(demo_db, actors):
    result = drill(demo_db, actors["leader"], DashboardFilters(year=YEAR), "all", None, "paid", limit=5)
    assert "Đang hiển thị 5 trên " in caption("paid", result, "Tất cả", "vi")
