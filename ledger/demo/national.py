"""The national demo's reference data: fiscal years, QG with the 17 ministries and the 34 provinces
(from ``data/national/``) and their subordinate units, policies, the demo users and press agencies.

Written through the store's bulk path (``ledger.store.bulk``), which checks each row as the
reference services do and records their events. Ministries and provinces are the real ones (the 14
ministries + 3 ministry-level agencies since early 2025, the 34 provinces and cities since mid-2025);
budget chapter codes are illustrative. Every random choice comes from the caller's ``rng``, in a
fixed order, so the same seed gives the same units.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from argon2 import PasswordHasher

from ledger.demo import scale_team
from ledger.demo.small import DEMO_POLICIES, DEMO_PRESS_AGENCIES, DEMO_UNITS, DEMO_USERS
from ledger.domain.reference_files import columns
from ledger.store.bulk import BulkWriter

YEARS = 5
MINISTRIES = columns("national/ministries.csv", ("code", "name", "chapter_code"))
# code, short name, the place as names say it ("tỉnh Điện Biên", "Thành phố Hồ Chí Minh"), chapter
PROVINCES = columns("national/provinces.csv", ("code", "name", "place", "chapter_code"))
# code, name, media, ministry (the governing body): central press agencies beyond the small demo's
MINISTRY_PRESS = columns("national/press_agencies.csv", ("code", "name", "media_type", "ministry"))
# The demo's policies and the national ones: owned by QG, a ministry (or one of its units) or a province.
POLICIES = [*DEMO_POLICIES, *columns("national/policies.csv", ("code", "name", "owner"))]

MINISTRY_SUBUNITS = [
    ("PC", "Vụ Pháp chế, {parent}"),
    ("KHTC", "Vụ Kế hoạch – Tài chính, {parent}"),
    ("TCCB", "Vụ Tổ chức cán bộ, {parent}"),
    ("TTTT", "Trung tâm Thông tin, {parent}"),
]
FIXED_SUBUNITS = {
    "BYT": [("VP", "Văn phòng Bộ Y tế"), ("TT", "Vụ Truyền thông và Thi đua, khen thưởng"), ("KCB", "Cục Quản lý Khám, chữa bệnh")],
    "VPCP": [("CTTDT", "Cổng Thông tin điện tử Chính phủ"), ("PL", "Vụ Pháp luật, Văn phòng Chính phủ"), ("KSTT", "Cục Kiểm soát thủ tục hành chính")],
}
PROVINCE_SUBUNITS = [
    ("VP", "Văn phòng UBND {place}"),
    ("KHCN", "Sở Khoa học và Công nghệ {place}"),
    ("TP", "Sở Tư pháp {place}"),
    ("YT", "Sở Y tế {place}"),
    ("GDDT", "Sở Giáo dục và Đào tạo {place}"),
]
CENTRAL_PRESS = ["NHANDAN", "VTV", "VOV", "TTXVN", "VIETNAMPLUS", "TCCS", "THANHNIEN", "VNEXPRESS"]
LOCAL_PRESS = {"HNI": ["HANOIMOI", "HANOITV"], "HCM": ["TUOITRE", "HTV"], "DNG": ["BAODANANG"], "BYT": ["SKDS"], "BKHCN": ["VNEXPRESS"]}


@dataclass
class Reference:
    """What the plan of the spending needs to know of the reference data just written."""

    units: dict[str, dict] = field(default_factory=dict)  # code -> unit row
    root_of: dict[str, str] = field(default_factory=dict)  # code -> its ministry or province (or QG)
    policy_names: dict[str, str] = field(default_factory=dict)
    policies_of: dict[str, list[str]] = field(default_factory=dict)  # root -> its policies' codes
    national: list[str] = field(default_factory=list)  # QG's policies
    owner_of: dict[str, str] = field(default_factory=dict)  # policy -> its owner unit
    press_of: dict[str, list[str]] = field(default_factory=dict)  # root -> press agency codes
    settled: list[int] = field(default_factory=list)  # years opened here to be closed once written


def load_reference(writer: BulkWriter, rng: random.Random, password: str, seed: int, today: dt.date) -> Reference:
    """Write the years, units, policies, users and press agencies; returns what the plan needs."""
    ref = Reference()
    for year in range(today.year - YEARS + 1, today.year + 1):
        if year not in writer.years:  # an existing year is kept as it is
            writer.fiscal_year(year)
            if year < today.year - 1:
                ref.settled.append(year)
    _units(writer, rng, ref)
    _policies(writer, ref)
    # The small demo's users (an existing account of the same name is kept), deterministic salts.
    # They share the one demo password, so one hash (argon2 takes ~0.5 s here) serves them all.
    salt = hashlib.sha256(f"scale-demo:{seed}".encode()).digest()[:16]
    password_hash = PasswordHasher().hash(password, salt=salt)
    for username, role, unit_code, full_name in DEMO_USERS:
        if username not in writer.usernames:
            writer.user(username, role, unit_code or None, full_name, password_hash, is_demo=True)
    _press(writer, ref)
    return ref


def _units(writer: BulkWriter, rng: random.Random, ref: Reference) -> None:
    """QG, 17 ministries and 34 provinces, each with 2–4 subordinate units."""

    def add(code: str, name: str, kind: str, parent: str | None, chapter: str | None, control: str = "block", pct: int = 50) -> None:
        ref.units[code] = writer.unit(code, name, kind, parent, chapter, commitment_control=control, advance_limit_pct=pct)
        ref.root_of[code] = code if kind != "subunit" else ref.root_of[parent]

    add("QG", next(name for code, name, *_ in DEMO_UNITS if code == "QG"), "national", None, None)
    warn_units = {"DNG", *rng.sample([code for code, *_ in PROVINCES if code != "DNG"], 3)}
    low_advance = set(rng.sample([code for code, *_ in MINISTRIES] + [code for code, *_ in PROVINCES], 4))
    for code, name, chapter in MINISTRIES:
        pct = 30 if code in low_advance else 50
        add(code, name, "ministry", "QG", chapter, pct=pct)
        subunits = FIXED_SUBUNITS.get(code)
        if subunits is None:
            subunits = [("VP", f"Văn phòng {name}")] + [(s, f.format(parent=name)) for s, f in rng.sample(MINISTRY_SUBUNITS, rng.randrange(1, 4))]
        for suffix, sub_name in subunits:
            add(f"{code}-{suffix}", sub_name, "subunit", code, chapter, pct=pct)
    for code, _short, place, chapter in PROVINCES:
        pct = 30 if code in low_advance else 50
        add(code, f"UBND {place}", "province", "QG", chapter, control="warn" if code in warn_units else "block", pct=pct)
        extra = rng.sample(PROVINCE_SUBUNITS, rng.randrange(1, 4))
        for suffix, template in [("VHTTDL", "Sở Văn hóa, Thể thao và Du lịch {place}"), *extra]:
            add(f"{code}-{suffix}", template.format(place=place), "subunit", code, chapter, pct=pct)


def _policies(writer: BulkWriter, ref: Reference) -> None:
    """National ones, one or two per ministry, two per province (and the demo's of HNI, HCM, DNG)."""

    latest = max(writer.years)

    def add(code: str, name: str, owner: str) -> None:
        # With its timeline (issue 12): the small demo's own, else one made up from its number.
        writer.policy(code, name, owner, scale_team.policy_profile(code, len(ref.owner_of), latest, ref.units[ref.root_of[owner]]["kind"] == "province"))
        ref.owner_of[code] = owner
        ref.policy_names[code] = name
        ref.policies_of.setdefault(ref.root_of[owner], []).append(code)

    for code, name, owner in POLICIES:
        if owner == "QG":
            add(code, name, owner)
            ref.national.append(code)
    for ministry, _name, _chapter in MINISTRIES:
        for code, name, owner in POLICIES:
            if owner != "QG" and ref.root_of.get(owner) == ministry:
                add(code, name, owner)
    for province, _short, place, _chapter in PROVINCES:
        for code, name, owner in POLICIES:
            if owner == province:
                add(code, name, owner)
        add(f"{province}-QH", f"Quy hoạch {place} thời kỳ 2021–2030, tầm nhìn đến năm 2050", province)
        add(f"{province}-CDS", f"Chuyển đổi số, xây dựng chính quyền số {place}", province)


def _press(writer: BulkWriter, ref: Reference) -> None:
    """The small demo's press agencies, one per ministry, one merged paper-and-broadcaster per province."""
    ministry_names = {code: name for code, name, _chapter in MINISTRIES}
    catalogue = list(DEMO_PRESS_AGENCIES)
    catalogue += [(code, name, media, ministry_names[owner], "central") for code, name, media, owner in MINISTRY_PRESS]
    ref.press_of.update({code: list(LOCAL_PRESS.get(code, [])) for code, *_ in MINISTRIES + PROVINCES})
    for code, _name, _media, owner in MINISTRY_PRESS:
        ref.press_of[owner].append(code)
    for code, short, place, _chapter in PROVINCES:
        if code not in LOCAL_PRESS:
            body = "Thành ủy" if place.lower().startswith("thành phố") else "Tỉnh ủy"
            catalogue.append((f"BPTTH-{code}", f"Báo và Phát thanh, Truyền hình {short}", "newspaper", f"{body} {short}", "local"))
            ref.press_of[code].append(f"BPTTH-{code}")
    for code, name, media, governing, level in catalogue:
        if code not in writer.agencies:
            writer.press_agency(code, name, media, governing, level)
    for root, codes in ref.press_of.items():
        codes += ["NHANDAN", "VTV", "VOV", "TTXVN"] if ref.units[root]["kind"] == "province" else CENTRAL_PRESS
