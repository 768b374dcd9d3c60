"""The reference data in data/ (ledger/domain/reference_files.py): the migration seeds exactly the
budget classification the files list, the demos read their units and press agencies from the files,
and a malformed file is refused with its name instead of being half-read."""

from __future__ import annotations

import pytest
from conftest import BACKENDS
from ledger_testkit import rows

from ledger.demo import national, small
from ledger.domain import codes, reference_files
from ledger.store.db import Database


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_seeds_the_budget_codes_of_the_files(templates, backend):
    db = Database(templates.fresh_url(backend, demo=False))
    try:
        seeded = rows(db, "SELECT kind, code, label_vi, valid_from, valid_to FROM budget_codes ORDER BY id")
    finally:
        db.dispose()
    expected = [(r["kind"], r["code"], r["label_vi"], r["valid_from"], r["valid_to"]) for r in reference_files.budget_codes()]
    assert [tuple(r) for r in seeded] == expected
    # Both circulars, each with the three sectors and thirteen sub-items of policy communication.
    assert [(start, end) for _k, _c, _l, start, end in expected[::16]] == [(2017, 2025), (2026, None)]
    assert ("sub_item", "6606", "Tuyên truyền", 2026, None) in expected


def test_the_national_and_demo_lists():
    assert len(national.MINISTRIES) == 17 and len(national.PROVINCES) == 34
    assert len({code for code, *_ in national.MINISTRIES + national.PROVINCES}) == 51
    assert ("DBN", "Điện Biên", "tỉnh Điện Biên", "407") in national.PROVINCES
    assert all(len(chapter) == 3 and chapter.isdigit() for *_, chapter in national.MINISTRIES + national.PROVINCES)
    assert [code for code, *_ in small.DEMO_UNITS] == ["QG", "BYT", "BYT-VP", "BYT-TT", "BYT-KCB", "HNI", "HCM", "DNG"]
    assert {code: control for code, *_, control in small.DEMO_UNITS}["DNG"] == "warn"
    assert all(media in codes.MEDIA_TYPES and level in codes.PRESS_LEVELS for _c, _n, media, _g, level in small.DEMO_PRESS_AGENCIES)
    assert all(kind in codes.UNIT_KINDS for _c, _n, kind, *_ in small.DEMO_UNITS)
    assert [(u, r, unit) for u, r, unit, _n in small.DEMO_USERS] == [("admin", "admin", None), ("officer", "officer", "BYT-TT"), ("leader", "leader", "QG"), ("auditor", "auditor", "QG")]


def test_a_malformed_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reference_files, "DATA_DIR", tmp_path)
    reference_files.read_rows.cache_clear()
    try:
        (tmp_path / "short.csv").write_text("code,name\nA,Một\nB\n", encoding="utf-8")
        with pytest.raises(ValueError, match="short.csv: line 3"):
            reference_files.read_rows("short.csv")
        (tmp_path / "bom.csv").write_text("\ufeffcode,name\n A , Một \n\n", encoding="utf-8")
        assert reference_files.columns("bom.csv", ("code", "name")) == [("A", "Một")]
        with pytest.raises(ValueError, match="missing column"):
            reference_files.columns("bom.csv", ("code", "chapter_code"))
    finally:
        reference_files.read_rows.cache_clear()
