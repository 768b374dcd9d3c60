"""The report to the Ministry (issue 13), on SQLite and PostgreSQL: the annex's figures against SQL
written here, the ``Tổng cộng`` rows, the .docx (read back, converted to PDF by LibreOffice), a
submitted version frozen against later postings, consolidation states, and signed packages
(tampered, untrusted, out of scope: refused with nothing written; received twice: recorded once).

The demo holds BYT (three subunits) and three provinces under QG; BYT, HNI and HCM (late) submitted
their 2025 reports in the demo, DNG did not; a leader of BYT is added here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from types import SimpleNamespace

import pytest
from conftest import DEMO_PASSWORD, actor_for, missing
from docx import Document
from ledger_testkit import count, keys, refused, rows, scalar
from openpyxl import load_workbook

from ledger.cli import main
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError
from ledger.reports.ministry import files, signing
from ledger.reports.ministry.annex import SUMMARY_HEADERS, TOTAL, period_label
from ledger.reports.ministry.document import MOTTO, NATIONAL_TITLE, SECTIONS, heading, soffice, to_pdf
from ledger.reports.ministry.figures import CHILD_FIELDS
from ledger.reports.plans import coverage_407
from ledger.services import report as service
from ledger.services import team
from ledger.services.budget import adjust_line
from ledger.services.users import create_user
from ledger.store.access import SYSTEM
from ledger.store.db import Database
from ledger.store.verify import verify

YEAR = 2025


@pytest.fixture(autouse=True)
def key_file(tmp_path, monkeypatch):
    monkeypatch.setenv(signing.KEY_VARIABLE, str(tmp_path / "ledger.key"))
    return tmp_path / "ledger.key"


def leader_of(db: Database, unit: str):
    name = f"ld-{unit.lower()}"
    if not scalar(db, "SELECT COUNT(*) FROM users WHERE username = :u", u=name):
        create_user(db, SYSTEM, name, "leader", DEMO_PASSWORD, unit_code=unit)
    return actor_for(db, name)


def staff(db: Database) -> None:
    """A small team: two people in BYT-TT (one dedicated spokesperson), one part-time in HNI."""
    team.add_member(db, SYSTEM, "R-001", "Nguyễn Văn A", "BYT-TT")
    team.add_member(db, SYSTEM, "R-002", "Trần Thị B", "BYT-TT")
    team.add_member(db, SYSTEM, "R-003", "Lê Văn C", "HNI")
    team.add_assignment(db, SYSTEM, "R-001", "BYT-TT", "PHAT_NGON", "CHUYEN_TRACH", dt.date(2024, 1, 1))
    team.add_assignment(db, SYSTEM, "R-002", "BYT-TT", "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2025, 2, 1))
    team.add_assignment(db, SYSTEM, "R-003", "HNI", "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2023, 5, 1), dt.date(2025, 6, 30))


def subtree_ids(db: Database, code: str) -> list[int]:
    """The unit and everything below it, walked here from the units table."""
    units = rows(db, "SELECT id, parent_id, code FROM units")
    root = next(u for u, _, c in units if c == code)
    found, todo = [], [root]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(u for u, parent, _ in units if parent == current)
    return found


def sql_money(db: Database, ids: list[int], where: str = "1=1") -> dict[str, int]:
    """Independent SQL: the year's estimate, allocation, commitments held and payments on the lines of ``ids``."""
    inside = ",".join(str(i) for i in ids)
    lines = f"SELECT id FROM budget_lines WHERE year = {YEAR} AND unit_id IN ({inside}) AND {where}"
    return {
        "estimate": int(scalar(db, f"SELECT COALESCE(SUM(original_estimate), 0) FROM budget_lines WHERE id IN ({lines})")),
        "allocated": int(scalar(db, f"SELECT COALESCE(SUM(original_estimate), 0) FROM budget_lines WHERE id IN ({lines})"))
        + int(scalar(db, f"SELECT COALESCE(SUM(amount), 0) FROM adjustments WHERE line_id IN ({lines})")),
        "committed": int(scalar(db, f"SELECT COALESCE(SUM(CASE WHEN status = 'signed' THEN value WHEN status = 'closed' THEN COALESCE(final_value, 0) ELSE 0 END), 0)"
                                    f" FROM commitments WHERE year = {YEAR} AND line_id IN ({lines})")),
        "paid": int(scalar(db, f"SELECT COALESCE(SUM(amount), 0) FROM payments WHERE year = {YEAR} AND line_id IN ({lines})")),
    }


def sheet(data: bytes, name: str) -> list[tuple]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(r) for r in book[name].iter_rows(values_only=True)]


def test_every_figure_of_the_annex_equals_sql(demo_db):
    staff(demo_db)
    for unit in ("QG", "BYT"):
        rep = files.load(demo_db, SYSTEM, unit, YEAR)
        data = files.xlsx_bytes(rep)
        ids = subtree_ids(demo_db, unit)
        # Kinh phí: one row per category × source, then Tổng cộng.
        money = sheet(data, "Kinh phí")
        codes_ = rows(demo_db, "SELECT c.code, s.code FROM categories c CROSS JOIN sources s ORDER BY c.sort_order, s.sort_order")
        assert len(money) == 1 + len(codes_) + 1
        for (category, source), row in zip(codes_, money[1:-1], strict=True):
            expected = sql_money(demo_db, ids, f"category_code = '{category}' AND source_code = '{source}'")
            assert row[2:6] == (expected["estimate"], expected["allocated"], expected["committed"], expected["paid"]), (unit, category, source)
            ended = rows(demo_db, "SELECT e.kind, SUM(e.amount) FROM year_end_entries e JOIN year_end_runs r ON r.id = e.run_id JOIN budget_lines l ON l.id = e.line_id"
                         f" WHERE r.status = 'applied' AND l.year = {YEAR} AND l.category_code = :c AND l.source_code = :s AND l.unit_id IN ({','.join(map(str, ids))})"
                         " GROUP BY e.kind", c=category, s=source)
            assert row[7:9] == (int(dict(ended).get("carry", 0)), int(dict(ended).get("cancel", 0)))
            assert row[6] == expected["allocated"] - expected["committed"] - int(scalar(
                demo_db, f"SELECT COALESCE(SUM(p.amount), 0) FROM payments p JOIN budget_lines l ON l.id = p.line_id WHERE p.year = {YEAR}"
                f" AND p.commitment_id IS NULL AND l.category_code = '{category}' AND l.source_code = '{source}' AND l.unit_id IN ({','.join(map(str, ids))})"))
        assert money[-1][0] == TOTAL
        assert list(money[-1][2:]) == [sum(r[c] for r in money[1:-1]) for c in range(2, len(money[0]))]
        whole = sql_money(demo_db, ids)
        assert money[-1][2:6] == (whole["estimate"], whole["allocated"], whole["committed"], whole["paid"])
        # Tổng hợp đơn vị: each child's subtree, the unit's own entries, Tổng cộng the exact sum.
        summary = sheet(data, "Tổng hợp đơn vị")
        assert summary[0] == SUMMARY_HEADERS
        col = {h: i for i, h in enumerate(SUMMARY_HEADERS)}
        children = rows(demo_db, "SELECT c.code FROM units c JOIN units p ON p.id = c.parent_id WHERE p.code = :u ORDER BY c.code", u=unit)
        body = summary[1:-1]
        assert [r[0] for r in body][: len(children)] == [c for c, in children]
        # A child that submitted shows its submitted figures (marked X where its live ones changed
        # since: here the team added after the demo's submissions); the live ones equal SQL.
        frozen = {code: json.loads(figures)["row"] for code, figures in rows(
            demo_db, "SELECT u.code, v.figures FROM report_versions v JOIN units u ON u.id = v.unit_id WHERE v.year = :y ORDER BY v.version", y=YEAR)}
        live = {c["code"]: c for c in rep.figures["children"]}
        fields = dict(zip(SUMMARY_HEADERS[4:-1], CHILD_FIELDS, strict=True))
        for r in body:
            own = r[0] == unit
            scope = [scalar(demo_db, "SELECT id FROM units WHERE code = :c", c=r[0])] if own else subtree_ids(demo_db, r[0])
            now = live[r[0]]
            shown = frozen[r[0]] if r[0] in frozen and not own else now
            assert {h: r[col[h]] for h in fields} == {h: shown[f] for h, f in fields.items()}, r[0]
            assert (r[col["Số liệu thay đổi sau khi nộp"]] == "X") == any(shown[f] != now[f] for f in CHILD_FIELDS)
            expected = sql_money(demo_db, scope)
            assert (now["committed"], now["paid"]) == (expected["committed"], expected["paid"]), r[0]
            assert now["estimate_nsnn"] + now["estimate_xhh"] == expected["allocated"]
            assert now["paid_press"] == sql_money(demo_db, scope, "category_code = 'BAO_CHI'")["paid"]
            people = scalar(demo_db, f"SELECT COUNT(DISTINCT member_id) FROM staff_assignments WHERE unit_id IN ({','.join(map(str, scope))})"
                            " AND start_date <= :d AND (end_date IS NULL OR end_date >= :d)", d=dt.date(YEAR, 12, 31))
            assert now["people"] == people
            assert now["policies"] == scalar(demo_db, f"SELECT COUNT(*) FROM policies WHERE owner_unit_id IN ({','.join(map(str, scope))})")
        total = summary[-1]
        assert total[1] == TOTAL
        for name in SUMMARY_HEADERS[4:-1]:
            assert total[col[name]] == sum(r[col[name]] for r in body), name
        assert total[col["Đã chi"]] == whole["paid"]  # no money moved since the demo's submissions
        # Nhân sự: the people assigned on 31/12; Kế hoạch: its Tổng cộng the sum.
        people_rows = sheet(data, "Nhân sự")[1:]
        assert sorted(r[0] for r in people_rows) == sorted(c for c, in rows(
            demo_db, f"SELECT m.code FROM staff_assignments a JOIN staff_members m ON m.id = a.member_id WHERE a.unit_id IN ({','.join(map(str, ids))})"
            " AND a.start_date <= :d AND (a.end_date IS NULL OR a.end_date >= :d)", d=dt.date(YEAR, 12, 31)))
        plan = sheet(data, "Kế hoạch")
        assert plan[-1][1] == TOTAL and list(plan[-1][7:]) == [sum(r[c] or 0 for r in plan[1:-1]) for c in (7, 8, 9)]
    # Decision 407 figure: the same rule as the plans screen's.
    national = files.load(demo_db, SYSTEM, "QG", YEAR)
    assert national.figures["process"]["from_proposal"] == coverage_407(demo_db, SYSTEM).covered
    assert national.figures["staff"]["people"] == 2  # HNI's assignment ended in June


def test_docx_holds_the_layout_and_converts_to_pdf(demo_db):
    service.save_settings(demo_db, actor_for(demo_db, "officer"), "BYT-TT", YEAR, {"number": "12", "difficulties": "Thiếu cán bộ chuyên trách.", "proposals": "Bổ sung kinh phí."})
    rep = files.load(demo_db, SYSTEM, "BYT-TT", YEAR)
    data = files.docx_bytes(rep)
    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    for needed in (NATIONAL_TITLE, MOTTO, "Kính gửi: Cục Báo chí – Bộ Văn hóa, Thể thao và Du lịch", *SECTIONS, "Nơi nhận:", "Số: 12/BC-BYT-TT",
                   "Thiếu cán bộ chuyên trách.", "Bổ sung kinh phí.", "BỘ Y TẾ"):
        assert needed in text, needed
    assert abs(document.sections[0].page_width.mm - 210) < 1 and abs(document.sections[0].page_height.mm - 297) < 1
    assert document.styles["Normal"].font.name == "Times New Roman"
    if soffice() is None:
        missing("LibreOffice")
    pdf = to_pdf(data)
    assert pdf.startswith(b"%PDF")


def test_submission_roles_late_flag_and_frozen_version(demo_db):
    officer, byt = actor_for(demo_db, "officer"), leader_of(demo_db, "BYT")
    refused(demo_db, PermissionDenied, service.submit, demo_db, officer, "BYT-TT", YEAR)
    refused(demo_db, NotFound, service.submit, demo_db, byt, "HNI", YEAR)
    refused(demo_db, PermissionDenied, service.submit, demo_db, byt, "BYT-TT", YEAR)  # a leader of the unit itself
    service.save_settings(demo_db, SYSTEM, "BYT", YEAR, {"deadline": "31/12/2099"})
    before = count(demo_db, "report_versions")  # the demo's: BYT, HNI, HCM submitted their 2025 reports
    demo_version = scalar(demo_db, "SELECT MAX(version) FROM report_versions v JOIN units u ON u.id = v.unit_id WHERE u.code = 'BYT'")
    first = service.submit(demo_db, byt, "BYT", YEAR)
    assert (first.version, first.late, first.state) == (demo_version + 1, False, "DA_NOP")
    frozen = scalar(demo_db, "SELECT figures FROM report_versions WHERE id = :i", i=first.id)
    digest = scalar(demo_db, "SELECT content_hash FROM report_versions WHERE id = :i", i=first.id)
    line = scalar(demo_db, "SELECT l.id FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE u.code = 'BYT-TT' AND l.year = :y ORDER BY l.id", y=YEAR)
    adjust_line(demo_db, officer, line, 7_000_000, dt.date(2025, 6, 1), "QĐ-RPT-1", "bổ sung")
    assert scalar(demo_db, "SELECT figures FROM report_versions WHERE id = :i", i=first.id) == frozen
    national = files.load(demo_db, leader_of(demo_db, "QG"), "QG", YEAR)
    row = next(c for c in national.children if c.code == "BYT")
    assert (row.state, row.changed, row.version) == ("DA_NOP", True, first.version)
    assert row.figures == json.loads(frozen)["row"]  # the submitted figures, not the live ones
    submitted = files.load(demo_db, byt, "BYT", YEAR, submitted=True)
    assert submitted.frozen and submitted.versions[-1].content_hash == digest
    assert [(c.code, c.state) for c in national.children if not c.own] == [("BYT", "DA_NOP"), ("DNG", "CHUA_NOP"), ("HCM", "NOP_MUON"), ("HNI", "DA_NOP")]
    service.save_settings(demo_db, SYSTEM, "BYT", YEAR, {"deadline": "31/03/2026"})
    second = service.submit(demo_db, byt, "BYT", YEAR)  # the correction: a new version, late
    assert (second.version, second.late) == (first.version + 1, True)
    assert count(demo_db, "report_versions") == before + 2
    refused(demo_db, PermissionDenied, service.receive, demo_db, byt, "BYT", YEAR)
    received = service.receive(demo_db, leader_of(demo_db, "QG"), "BYT", YEAR)
    assert received.state == "DA_TIEP_NHAN"
    assert next(c for c in files.load(demo_db, SYSTEM, "QG", YEAR).children if c.code == "BYT").state == "DA_TIEP_NHAN"
    assert verify_ok(demo_db)


def verify_ok(db: Database) -> bool:
    with db.read() as session:
        return verify(session).ok


def child_package(db: Database) -> bytes:
    byt = leader_of(db, "BYT")
    service.submit(db, byt, "BYT", YEAR)
    return files.package(db, byt, "BYT", YEAR).data


def rezip(data: bytes, **replace: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, replace.get(name.replace(".", "_"), source.read(name)))
    return out.getvalue()


def test_signed_packages(demo_db, templates, backend, key_file, tmp_path):
    package = child_package(demo_db)  # the child's ledger, with its key
    parent = Database(templates.fresh_url(backend, demo=True))  # the parent's ledger
    try:
        national = actor_for(parent, "leader")
        pem = signing.public_pem(signing.private_key(key_file))
        # Unknown key: nothing trusted for BYT yet.
        assert keys(refused(parent, ValidationError, service.receive_package, parent, national, package)) == {"report.package_untrusted"}
        refused(parent, PermissionDenied, service.trust_key, parent, national, "BYT", pem)
        service.trust_key(parent, SYSTEM, "BYT", pem)
        service.trust_key(parent, SYSTEM, "BYT", pem)  # once: the same key again changes nothing
        assert count(parent, "trusted_keys") == 1
        other = signing.public_pem(signing.private_key(tmp_path / "other.key"))
        assert keys(refused(parent, ValidationError, service.trust_key, parent, SYSTEM, "BYT", other)) == {"report.key_already_trusted"}
        # Altered: the manifest's figures (the signature no longer holds) or the annex (its hash differs).
        manifest = json.loads(zipfile.ZipFile(io.BytesIO(package)).read("manifest.json"))
        manifest["figures"]["row"]["paid"] += 1
        forged = rezip(package, manifest_json=json.dumps(manifest).encode())
        assert keys(refused(parent, ValidationError, service.receive_package, parent, national, forged)) == {"report.package_untrusted"}
        assert keys(refused(parent, ValidationError, service.receive_package, parent, national, rezip(package, annex_xlsx=b"not the annex"))) == {"report.package_altered"}
        # Signed by another key than the one trusted for BYT.
        resigned = signing.write_package({k: v for k, v in manifest.items() if k not in ("annex_sha256", "public_key")}, b"annex", signing.private_key(tmp_path / "other.key"))
        assert keys(refused(parent, ValidationError, service.receive_package, parent, national, resigned)) == {"report.package_untrusted"}
        # Outside the receiver's scope: a leader of HNI, and BYT's own leader (a unit does not receive itself).
        for outsider in (leader_of(parent, "HNI"), leader_of(parent, "BYT")):
            assert keys(refused(parent, ValidationError, service.receive_package, parent, outsider, package)) == {"report.package_outside"}
        assert keys(refused(parent, ValidationError, service.receive_package, parent, national, b"garbage")) == {"report.package_invalid"}
        versions = count(parent, "report_versions")
        first = service.receive_package(parent, national, package)
        events = count(parent, "audit_events")
        again = service.receive_package(parent, national, package)
        assert first.new and not again.new and again.version == first.version
        assert (count(parent, "report_versions"), count(parent, "received_packages"), count(parent, "audit_events")) == (versions + 1, 1, events)
        row = next(c for c in files.load(parent, national, "QG", YEAR).children if c.code == "BYT")
        assert row.state == "DA_TIEP_NHAN" and row.figures == manifest["figures"]["row"] | {"paid": manifest["figures"]["row"]["paid"] - 1}
        assert verify_ok(parent)
    finally:
        parent.dispose()


def test_command_line(demo_db, tmp_path, key_file, capsys):
    url = demo_db.url
    leader_of(demo_db, "BYT")
    assert main(["--db", url, "init"]) == 0
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
    assert main(["--db", url, "keys", "show"]) == 0
    out = capsys.readouterr().out
    assert "BEGIN PUBLIC KEY" in out and "fingerprint" in out
    assert main(["--db", url, "report", "submit", "--year", str(YEAR), "--unit", "BYT", "--as", "officer"]) == 1
    assert main(["--db", url, "report", "submit", "--year", str(YEAR), "--unit", "BYT", "--as", "ld-byt"]) == 0
    paths = {k: tmp_path / f"r.{k}" for k in ("docx", "xlsx", "pdf")}
    argv = ["--db", url, "report", "build", "--year", str(YEAR), "--as", "leader"]
    assert main(argv + [part for kind, path in paths.items() for part in (f"--{kind}", str(path))]) == 0
    assert "3/4" in capsys.readouterr().out  # BYT, and the demo's HNI and HCM
    assert paths["docx"].stat().st_size > 0 and paths["xlsx"].stat().st_size > 0
    assert paths["pdf"].exists() == (soffice() is not None)
    assert main(["--db", url, "report", "package", "--year", str(YEAR), "--unit", "BYT", str(tmp_path / "p.zip"), "--as", "ld-byt"]) == 0
    assert signing.read_package((tmp_path / "p.zip").read_bytes()) is not None


# --- a range of dates inside the year -------------------------------------------------------------

START, END = dt.date(YEAR, 3, 1), dt.date(YEAR, 6, 30)


def sql_range(db: Database, ids: list[int], where: str = "1=1") -> dict[str, int]:
    """Independent SQL for a range: payments dated in it, commitments held and signed by its end."""
    inside = ",".join(str(i) for i in ids)
    lines = f"SELECT id FROM budget_lines WHERE year = {YEAR} AND unit_id IN ({inside}) AND {where}"
    return {
        "paid": int(scalar(db, f"SELECT COALESCE(SUM(amount), 0) FROM payments WHERE year = {YEAR} AND line_id IN ({lines}) AND date >= :a AND date <= :b", a=START, b=END)),
        "committed": int(scalar(db, "SELECT COALESCE(SUM(CASE WHEN status = 'signed' THEN value WHEN status = 'closed' THEN COALESCE(final_value, 0) ELSE 0 END), 0)"
                                f" FROM commitments WHERE year = {YEAR} AND line_id IN ({lines}) AND (signed_on IS NULL OR signed_on <= :b)", b=END)),
    }


def test_a_range_report_counts_the_payments_in_the_range(demo_db):
    staff(demo_db)
    for unit in ("QG", "BYT"):
        ids = subtree_ids(demo_db, unit)
        whole = sql_money(demo_db, ids)
        expected = sql_range(demo_db, ids)
        assert 0 < expected["paid"] < whole["paid"]  # the range holds some of the year's payments, not all
        rep = files.load(demo_db, SYSTEM, unit, YEAR, date_from=START, date_to=END)
        assert (rep.period, rep.figures["as_of"], rep.figures["period"]) == ((START, END), END.isoformat(), {"from": START.isoformat(), "to": END.isoformat()})
        data = files.xlsx_bytes(rep)
        money = sheet(data, "Kinh phí")
        codes_ = rows(demo_db, "SELECT c.code, s.code FROM categories c CROSS JOIN sources s ORDER BY c.sort_order, s.sort_order")
        for (category, source), row in zip(codes_, money[1:-1], strict=True):
            cell = sql_range(demo_db, ids, f"category_code = '{category}' AND source_code = '{source}'")
            assert (row[4], row[5]) == (cell["committed"], cell["paid"]), (unit, category, source)
            assert row[7:9] == (0, 0)  # the year end is not inside a range ending on 30/06
        assert (money[-1][4], money[-1][5]) == (expected["committed"], expected["paid"])
        summary = sheet(data, "Tổng hợp đơn vị")
        col = {h: i for i, h in enumerate(SUMMARY_HEADERS)}
        assert summary[-1][col["Đã chi"]] == sum(r[col["Đã chi"]] for r in summary[1:-1])
        for child in rep.figures["children"]:
            scope = [scalar(demo_db, "SELECT id FROM units WHERE code = :c", c=child["code"])] if child["own"] else subtree_ids(demo_db, child["code"])
            assert (child["paid"], child["committed"]) == (sql_range(demo_db, scope)["paid"], sql_range(demo_db, scope)["committed"]), child["code"]
            assert child["people"] == scalar(demo_db, f"SELECT COUNT(DISTINCT member_id) FROM staff_assignments WHERE unit_id IN ({','.join(map(str, scope))})"
                                             " AND start_date <= :d AND (end_date IS NULL OR end_date >= :d)", d=END)
        plan = sheet(data, "Kế hoạch")
        assert plan[-1][9] == sum(r[9] or 0 for r in plan[1:-1]) == rep.figures["process"]["paid"] <= expected["paid"]
        info = dict(sheet(data, "Thông tin"))
        assert info["Kỳ báo cáo"] == "Từ ngày 01/03/2025 đến ngày 30/06/2025 (năm 2025; số liệu đến ngày 30/06/2025)"
    national = files.load(demo_db, SYSTEM, "QG", YEAR, date_from=START, date_to=END)
    assert national.figures["staff"]["people"] == 3  # HNI's assignment still held on 30/06
    document = Document(io.BytesIO(files.docx_bytes(rep)))
    assert "Công tác truyền thông chính sách từ ngày 01/03/2025 đến ngày 30/06/2025 (năm 2025)" in [p.text for p in document.paragraphs]


def test_the_document_and_the_annex_word_the_period_alike():
    whole = SimpleNamespace(year=2025, figures={"as_of": "2025-12-31"})
    part = SimpleNamespace(year=2025, figures={"as_of": "2025-06-30", "period": {"from": "2025-03-01", "to": "2025-06-30"}})
    assert heading(whole) == "Công tác truyền thông chính sách năm 2025"
    assert period_label(whole) == "Năm 2025 (số liệu đến ngày 31/12/2025)"
    assert heading(part) == "Công tác truyền thông chính sách từ ngày 01/03/2025 đến ngày 30/06/2025 (năm 2025)"
    assert period_label(part) == "Từ ngày 01/03/2025 đến ngày 30/06/2025 (năm 2025; số liệu đến ngày 30/06/2025)"


def test_a_range_outside_the_year_is_refused(demo_db, capsys):
    for start, end, key in ((dt.date(2024, 12, 1), END, "report.period_outside_year"), (START, dt.date(2026, 1, 31), "report.period_outside_year"),
                            (END, START, "report.period_reversed"), (START, None, "report.period_incomplete")):
        error = refused(demo_db, ValidationError, files.load, demo_db, SYSTEM, "BYT", YEAR, date_from=start, date_to=end)
        assert error.problems[0].key == key and error.messages("en")[0]
    assert refused(demo_db, ValidationError, files.load, demo_db, SYSTEM, "BYT", YEAR, submitted=True, date_from=START, date_to=END).problems[0].key == "report.period_not_submitted"
    argv = ["--db", demo_db.url, "report", "build", "--year", str(YEAR), "--unit", "BYT"]
    assert main(argv + ["--from", "01/12/2024", "--to", "30/06/2025"]) == 1
    out = capsys.readouterr()
    assert "2025" in out.err + out.out and "Traceback" not in out.err
    assert main(argv + ["--from", "01/03/2025", "--to", "30/06/2025"]) == 0


def test_the_whole_year_report_is_unchanged_by_the_range(demo_db):
    whole = files.load(demo_db, SYSTEM, "QG", YEAR)
    assert whole.period is None and "period" not in whole.figures
    assert dict(sheet(files.xlsx_bytes(whole), "Thông tin"))["Kỳ báo cáo"].startswith(f"Năm {YEAR} (số liệu đến ngày 31/12/{YEAR})")
    ids = subtree_ids(demo_db, "QG")
    assert whole.figures["money"]["total"]["paid"] == sql_money(demo_db, ids)["paid"]
    full = files.load(demo_db, SYSTEM, "QG", YEAR, date_from=dt.date(YEAR, 1, 1), date_to=dt.date(YEAR, 12, 31))
    assert {k: v for k, v in full.figures.items() if k != "period"} == whole.figures  # a closed year: 01/01–31/12 is the whole year


# --- the screen, through AppTest ------------------------------------------------------------------


def test_screen_officer_prepares_leader_submits_national_consolidates(app_ledger):
    from conftest import app_errors, app_metric, app_successes, start_app, submit

    from ledger.i18n import t

    at = start_app(app_ledger, "officer", "pages/report.py")
    assert not app_errors(at)
    at.text_area(key=f"rp_difficulties_BYT-TT_{at.selectbox(key='rp_year').value}").input("Thiếu kinh phí đặt hàng.")
    submit(at, t("ui.rp_save", "vi"))
    assert app_successes(at) == [t("ui.rp_saved", "vi")]
    assert rows(app_ledger, "SELECT u.code, s.year, s.difficulties, s.updated_by FROM report_settings s JOIN units u ON u.id = s.unit_id") == [
        ("BYT-TT", at.selectbox(key="rp_year").value, "Thiếu kinh phí đặt hàng.", "officer")
    ]
    leader_of(app_ledger, "BYT-TT")
    at = start_app(app_ledger, "ld-byt-tt", "pages/report.py")
    at.selectbox(key="rp_year").select(YEAR).run()
    submit(at, t("ui.rp_submit", "vi"))
    assert not app_errors(at)
    assert scalar(app_ledger, "SELECT COUNT(*) FROM report_versions v JOIN units u ON u.id = v.unit_id WHERE u.code = 'BYT-TT' AND v.year = :y", y=YEAR) == 1
    at = start_app(app_ledger, "leader", "pages/report.py")
    at.selectbox(key="rp_year").select(YEAR).run()
    assert not app_errors(at)
    assert app_metric(at, t("ui.rp_submitted_count", "vi")) == "3/4"  # the demo's; BYT-TT is below BYT, not QG
    at.selectbox(key="rp_unit").select("BYT").run()
    assert app_metric(at, t("ui.rp_submitted_count", "vi")) == "1/3"


def test_screen_shows_the_administrator_the_key_fingerprint(app_ledger, key_file):
    from conftest import app_errors, start_app

    from ledger.i18n import t

    auditor = start_app(app_ledger, "auditor", "pages/report.py")  # reads the national report, submits nothing
    assert not app_errors(auditor) and not [b for b in auditor.button if b.label == t("ui.rp_submit", "vi")]

    at = start_app(app_ledger, "admin", "pages/report.py")
    assert not app_errors(at)
    key = signing.private_key(key_file)
    assert [m.value for m in at.metric if m.label == t("ui.rp_fingerprint", "vi")] == [signing.fingerprint(key.public_key())]


def test_screen_previews_a_range_without_submitting(app_ledger):
    from conftest import app_errors, start_app

    from ledger.i18n import t

    leader_of(app_ledger, "BYT-TT")
    at = start_app(app_ledger, "ld-byt-tt", "pages/report.py")
    at.selectbox(key="rp_year").select(YEAR).run()
    assert at.date_input(key=f"rp_from_{YEAR}").value == dt.date(YEAR, 1, 1) and at.date_input(key=f"rp_to_{YEAR}").value == dt.date(YEAR, 12, 31)
    assert [b for b in at.button if b.label == t("ui.rp_submit", "vi")]  # the whole year: submitted from here
    at.date_input(key=f"rp_from_{YEAR}").set_value(START).run()
    at.date_input(key=f"rp_to_{YEAR}").set_value(END).run()
    assert not app_errors(at)
    assert [i.value for i in at.info] == [t("ui.rp_range_preview", "vi", start="01/03/2025", end="30/06/2025", year=YEAR)]
    assert not [b for b in at.button if b.label == t("ui.rp_submit", "vi")]  # a range is a preview only
