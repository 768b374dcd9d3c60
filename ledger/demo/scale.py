"""The national-scale demo ledger: 34 provinces, 17 ministries, five fiscal years, N payments.

For dashboards and benchmarks (``python -m ledger demo --scale 1000000``). Same demo users as the
small demo (admin, officer in BYT-TT, leader and auditor at QG, password "demo"), the real names of
the 34 provinces and cities (since mid-2025) and of the 14 ministries + 3 ministry-level agencies
(since early 2025) with 2–4 subordinate units each; budget chapter codes are illustrative.

The per-row services are far too slow for a million payments, so rows go in by bulk inserts, in
chunks of ``CHUNK`` rows (parents before children), from a writer thread that overlaps with building
the next rows: SQLAlchemy Core on PostgreSQL; on SQLite the driver's executemany through SQLAlchemy's
connection, with values already in SQLAlchemy's storage format. Primary keys are assigned here (and
PostgreSQL's sequences moved past them). Memory stays bounded: only a year's plan of commitments and
a few chunks are held. The ledger's rules hold all the same, by construction:

- a commitment's value is what its items total; acceptances never exceed it; a regular payment
  never takes the paid total past the accepted total; advances stay within the unit's limit;
- a line's allocation (estimate + adjustments) is set from what its commitments and direct payments
  need, so the available balance of a ``block`` unit never goes negative, at any point of the year;
  a few ``warn`` units carry one over-commitment each, recorded as the services would
  (``excess_amount`` and a ``control.warning`` event);
- spending on an XHH line stays within the contributions received for it.

Every audited row gets the events the services would have written (a commitment: create, items,
sign, close or cancel), built here with the audit module's rules: ``after`` is the snapshot of the
row as read back, each hash chains on the previous one (``audit.verify`` passes). Events carry a
synthetic load clock (midnight of ``today``, or just after the existing head; one microsecond per
event), so the load is deterministic: the same ``payments``, ``seed`` and ``today`` into the same
empty ledger give the same rows and the same head hash, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import queue
import random
import threading
import uuid
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Boolean, Date, DateTime, Integer, func, insert, inspect, select, text

from ledger.demo.small import (
    DEMO_POLICIES,
    DEMO_PRESS_AGENCIES,
    DEMO_UNITS,
    DEMO_USERS,
    DONORS,
    LINE_KINDS,
    PRODUCTS,
    VENDORS,
    is_demo_loadable,
)
from ledger.domain.errors import ValidationError, problem
from ledger.services.spending import year_portion
from ledger.store import audit
from ledger.store.access import SYSTEM
from ledger.store.db import Database
from ledger.store.models import (
    AUDITED_MODELS,
    Acceptance,
    Adjustment,
    AuditEvent,
    BudgetLine,
    Commitment,
    CommitmentItem,
    Contribution,
    FiscalYear,
    Payment,
    Policy,
    PressAgency,
    Unit,
    User,
)

CHUNK = 10_000
YEARS = 5

# code, name, illustrative chapter (BYT keeps the small demo's 023)
MINISTRIES = [
    ("BQP", "Bộ Quốc phòng", "011"),
    ("BCA", "Bộ Công an", "012"),
    ("BNG", "Bộ Ngoại giao", "013"),
    ("BNV", "Bộ Nội vụ", "014"),
    ("BTP", "Bộ Tư pháp", "015"),
    ("BTC", "Bộ Tài chính", "016"),
    ("BCT", "Bộ Công Thương", "017"),
    ("BNNMT", "Bộ Nông nghiệp và Môi trường", "018"),
    ("BXD", "Bộ Xây dựng", "019"),
    ("BVHTTDL", "Bộ Văn hóa, Thể thao và Du lịch", "020"),
    ("BKHCN", "Bộ Khoa học và Công nghệ", "021"),
    ("BGDDT", "Bộ Giáo dục và Đào tạo", "022"),
    ("BYT", "Bộ Y tế", "023"),
    ("BDTTG", "Bộ Dân tộc và Tôn giáo", "024"),
    ("NHNN", "Ngân hàng Nhà nước Việt Nam", "025"),
    ("TTCP", "Thanh tra Chính phủ", "026"),
    ("VPCP", "Văn phòng Chính phủ", "027"),
]

# code, name, centrally-run city (the six thành phố trực thuộc trung ương)
PROVINCES = [
    ("HNI", "Hà Nội", True), ("HUE", "Huế", True), ("LCH", "Lai Châu", False), ("DBN", "Điện Biên", False),
    ("SLA", "Sơn La", False), ("LSN", "Lạng Sơn", False), ("QNH", "Quảng Ninh", False), ("THA", "Thanh Hóa", False),
    ("NAN", "Nghệ An", False), ("HTH", "Hà Tĩnh", False), ("CBG", "Cao Bằng", False), ("TQG", "Tuyên Quang", False),
    ("LCI", "Lào Cai", False), ("TNN", "Thái Nguyên", False), ("PTO", "Phú Thọ", False), ("BNH", "Bắc Ninh", False),
    ("HYN", "Hưng Yên", False), ("HPG", "Hải Phòng", True), ("NBH", "Ninh Bình", False), ("QTI", "Quảng Trị", False),
    ("DNG", "Đà Nẵng", True), ("QNI", "Quảng Ngãi", False), ("GLI", "Gia Lai", False), ("KHA", "Khánh Hòa", False),
    ("LDG", "Lâm Đồng", False), ("DLK", "Đắk Lắk", False), ("HCM", "Hồ Chí Minh", True), ("DNI", "Đồng Nai", False),
    ("TNH", "Tây Ninh", False), ("CTO", "Cần Thơ", True), ("VLG", "Vĩnh Long", False), ("DTP", "Đồng Tháp", False),
    ("CMU", "Cà Mau", False), ("AGG", "An Giang", False),
]
PROVINCE_CHAPTERS = {"HNI": "401", "HCM": "402", "DNG": "403"}

MINISTRY_SUBUNITS = [
    ("PC", "Vụ Pháp chế, {parent}"),
    ("KHTC", "Vụ Kế hoạch – Tài chính, {parent}"),
    ("TCCB", "Vụ Tổ chức cán bộ, {parent}"),
    ("TTTT", "Trung tâm Thông tin, {parent}"),
]
FIXED_SUBUNITS = {
    "BYT": [
        ("VP", "Văn phòng Bộ Y tế"),
        ("TT", "Vụ Truyền thông và Thi đua, khen thưởng"),
        ("KCB", "Cục Quản lý Khám, chữa bệnh"),
    ],
    "VPCP": [
        ("CTTDT", "Cổng Thông tin điện tử Chính phủ"),
        ("PL", "Vụ Pháp luật, Văn phòng Chính phủ"),
        ("KSTT", "Cục Kiểm soát thủ tục hành chính"),
    ],
}
PROVINCE_SUBUNITS = [
    ("VP", "Văn phòng UBND {place}"),
    ("KHCN", "Sở Khoa học và Công nghệ {place}"),
    ("TP", "Sở Tư pháp {place}"),
    ("YT", "Sở Y tế {place}"),
    ("GDDT", "Sở Giáo dục và Đào tạo {place}"),
]

NATIONAL_POLICIES = [
    *[(code, name, owner) for code, name, owner in DEMO_POLICIES if owner == "QG"],
    ("NQ66", "Nghị quyết 66-NQ/TW về đổi mới công tác xây dựng và thi hành pháp luật", "QG"),
    ("NQ68", "Nghị quyết 68-NQ/TW về phát triển kinh tế tư nhân", "QG"),
]
MINISTRY_POLICIES = {
    "BQP": [("LUAT-PKND", "Luật Phòng không nhân dân 2024")],
    "BCA": [("LUAT-CANCUOC", "Luật Căn cước 2023"), ("LUAT-TTATGT", "Luật Trật tự, an toàn giao thông đường bộ 2024")],
    "BNG": [("KL12", "Kết luận 12-KL/TW về công tác người Việt Nam ở nước ngoài")],
    "BNV": [("LUAT-CBCC", "Luật Cán bộ, công chức 2025"), ("LUAT-CQDP", "Luật Tổ chức chính quyền địa phương 2025")],
    "BTP": [("LUAT-BHVB", "Luật Ban hành văn bản quy phạm pháp luật 2025")],
    "BTC": [("LUAT-NSNN", "Luật Ngân sách nhà nước 2025"), ("LUAT-TNDN", "Luật Thuế thu nhập doanh nghiệp 2025")],
    "BCT": [("LUAT-DIENLUC", "Luật Điện lực 2024"), ("LUAT-BVNTD", "Luật Bảo vệ quyền lợi người tiêu dùng 2023")],
    "BNNMT": [("LUAT-DATDAI", "Luật Đất đai 2024"), ("LUAT-BVMT", "Luật Bảo vệ môi trường 2020")],
    "BXD": [("LUAT-NHAO", "Luật Nhà ở 2023"), ("LUAT-KDBDS", "Luật Kinh doanh bất động sản 2023")],
    "BVHTTDL": [("LUAT-DISAN", "Luật Di sản văn hóa 2024")],
    "BKHCN": [("LUAT-KHCNDMST", "Luật Khoa học, công nghệ và đổi mới sáng tạo 2025"), ("LUAT-CNCNS", "Luật Công nghiệp công nghệ số 2025")],
    "BGDDT": [("LUAT-NHAGIAO", "Luật Nhà giáo 2025")],
    "BYT": [(code, name) for code, name, owner in DEMO_POLICIES if owner in ("BYT", "BYT-KCB")],
    "BDTTG": [("CTMTQG-DTTS", "Chương trình mục tiêu quốc gia phát triển kinh tế – xã hội vùng đồng bào dân tộc thiểu số và miền núi")],
    "NHNN": [("LUAT-TCTD", "Luật Các tổ chức tín dụng 2024"), ("TT-KDTM", "Thanh toán không dùng tiền mặt")],
    "TTCP": [("LUAT-THANHTRA", "Luật Thanh tra 2022"), ("LUAT-PCTN", "Luật Phòng, chống tham nhũng 2018")],
    "VPCP": [("CCTTHC", "Cải cách thủ tục hành chính và Cổng Dịch vụ công quốc gia")],
}
POLICY_OWNERS = {"KCB-SO": "BYT-KCB"}
PROVINCE_POLICIES = {code: [(c, n) for c, n, owner in DEMO_POLICIES if owner == code] for code in ("HNI", "HCM", "DNG")}

# code, name, media, ministry (the governing body) — central press agencies beyond the small demo's
MINISTRY_PRESS = [
    ("QDND", "Báo Quân đội nhân dân", "newspaper", "BQP"),
    ("CAND", "Báo Công an nhân dân", "newspaper", "BCA"),
    ("TGVN", "Báo Thế giới và Việt Nam", "newspaper", "BNG"),
    ("TCNN", "Tạp chí Tổ chức nhà nước", "magazine", "BNV"),
    ("PLVN", "Báo Pháp luật Việt Nam", "newspaper", "BTP"),
    ("TCDT", "Báo Tài chính – Đầu tư", "newspaper", "BTC"),
    ("CONGTHUONG", "Báo Công Thương", "newspaper", "BCT"),
    ("NNMT", "Báo Nông nghiệp và Môi trường", "newspaper", "BNNMT"),
    ("XAYDUNG", "Báo Xây dựng", "newspaper", "BXD"),
    ("VANHOA", "Báo Văn hóa", "newspaper", "BVHTTDL"),
    ("GDTD", "Báo Giáo dục và Thời đại", "newspaper", "BGDDT"),
    ("DTPT", "Báo Dân tộc và Phát triển", "newspaper", "BDTTG"),
    ("TCNH", "Tạp chí Ngân hàng", "magazine", "NHNN"),
    ("TCTT", "Tạp chí Thanh tra", "magazine", "TTCP"),
    ("BAOCHINHPHU", "Báo Điện tử Chính phủ", "online", "VPCP"),
]
CENTRAL_PRESS = ["NHANDAN", "VTV", "VOV", "TTXVN", "VIETNAMPLUS", "TCCS", "THANHNIEN", "VNEXPRESS"]
LOCAL_PRESS = {"HNI": ["HANOIMOI", "HANOITV"], "HCM": ["TUOITRE", "HTV"], "DNG": ["BAODANANG"], "BYT": ["SKDS"], "BKHCN": ["VNEXPRESS"]}

MORE_VENDORS = ["Tổng công ty Truyền thông VNPT-Media", "Công ty CP Dịch vụ Công nghệ thông tin FPT", "Viện Xã hội học"]
MORE_DONORS = ["Quỹ Dân số Liên hợp quốc (UNFPA)", "Tổng công ty Bưu điện Việt Nam", "Ngân hàng TMCP Công Thương Việt Nam"]
COURSE_TITLES = [
    "Tập huấn kỹ năng phát ngôn và xử lý khủng hoảng truyền thông",
    "Bồi dưỡng nghiệp vụ truyền thông chính sách cho cán bộ đầu mối",
    "Tập huấn kỹ năng truyền thông số, sản xuất video ngắn",
    "Bồi dưỡng phóng viên chuyên trách về chính sách, pháp luật",
]
STAGES = ("HOACH_DINH", "BAN_HANH", "THUC_THI")

# Payment-quota weights by line kind (index into demo.LINE_KINDS); kind 5 is paid directly.
KIND_WEIGHTS = (30, 25, 10, 8, 6, 25, 8, 4)
PAYMENTS_PER = {"order": (1, 1, 2, 2, 2, 3, 3, 4, 5, 6), "course": (1, 1, 2, 2, 3), "it_service": (2, 3, 4, 6, 8, 12)}
KIND_OF_CATEGORY = {"BAO_CHI": "order", "DAO_TAO": "course", "CNTT": "it_service"}

_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))  # = audit.canonical_json
_ACTOR = _ENCODER.encode(SYSTEM.username)
_ENTITY_TYPE = {model: name for name, model in AUDITED_MODELS.items()}
_ID_TABLES = (Unit, Policy, User, PressAgency, BudgetLine, Adjustment, Commitment, CommitmentItem, Acceptance, Contribution, Payment)
# Insert order: parents before children (foreign keys are checked on both backends).
_INSERT_ORDER = (Unit, FiscalYear, Policy, User, PressAgency, BudgetLine, Adjustment, Commitment, CommitmentItem, Acceptance, Contribution, Payment, AuditEvent)


def _fetch(column) -> str:
    """Python source reading ``column`` from a row dict ``r``: a key the loader leaves out takes the
    column's constant default (or NULL when nullable), as an INSERT would give it."""
    default = column.default
    if default is not None and default.is_scalar:
        return f"r.get({column.key!r}, {default.arg!r})"
    if column.nullable and not column.primary_key:
        return f"r.get({column.key!r})"
    return f"r[{column.key!r}]"


def _required(model: type) -> set[str]:
    return {c.key for c in inspect(model).columns if not ((c.default is not None and c.default.is_scalar) or (c.nullable and not c.primary_key))}


def _compile(name: str, body: str) -> Callable[[dict[str, Any]], Any]:
    namespace: dict[str, Any] = {"_string": encode_basestring}
    exec(f"def {name}(r):\n    return {body}\n", namespace)  # source generated from the model's columns
    return namespace[name]


def _sqlite_insert(model: type) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """The INSERT for ``model`` and a function turning a row dict into its parameters as SQLAlchemy
    stores them on SQLite (dates 'YYYY-MM-DD', datetimes 'YYYY-MM-DD HH:MM:SS.ffffff', booleans
    0/1), so that rows read back exactly as the services' rows do. On SQLite the per-row parameter
    processing of a Core executemany costs more than SQLite's own work; PostgreSQL takes Core."""
    table = model.__table__
    values = []
    for column in table.columns:
        fetch = _fetch(column)
        if isinstance(column.type, DateTime):
            fetch = f"(None if (v := {fetch}) is None else v.isoformat(' ', 'microseconds'))"
        elif isinstance(column.type, Date):
            fetch = f"(None if (v := {fetch}) is None else v.isoformat())"
        elif isinstance(column.type, Boolean):
            fetch = f"(None if (v := {fetch}) is None else int(v))"
        values.append(fetch)
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(values))})'
    return sql, _compile("parameters", f"({', '.join(values)},)")


def _json_formatter(model: type) -> Callable[[dict[str, Any]], str]:
    """A function giving ``canonical_json(audit.snapshot(row))`` for a row dict of ``model`` directly,
    without building the snapshot: generated from the table's columns (sorted keys, ``null`` for
    None, ISO dates, integers as written, strings JSON-escaped). Datetimes must be whole seconds.
    ``audit.verify`` re-derives every hash from the stored JSON, so any difference would show."""
    terms = []
    for number, column in enumerate(sorted(inspect(model).columns, key=lambda c: c.key)):
        if isinstance(column.type, Date | DateTime):
            text_ = "'\"' + v.isoformat() + '\"'"
        elif isinstance(column.type, Boolean):
            text_ = "('true' if v else 'false')"
        elif isinstance(column.type, Integer):
            text_ = "str(v)"
        else:
            text_ = "_string(v)"
        lead = ("{" if number == 0 else ",") + _ENCODER.encode(column.key) + ":"
        terms.append(f"{lead!r} + ('null' if (v := {_fetch(column)}) is None else {text_})")
    return _compile("formatted", " + ".join(terms) + " + '}'")


def _round5m(value: int) -> int:
    return max(5_000_000, -(-value // 5_000_000) * 5_000_000)


class _Loader:
    """Buffers rows per table and builds the hash-chained events for them."""

    def __init__(self, session, start_seq: int, prev_hash: str, clock: dt.datetime, progress: Callable[[str], None] | None):
        self.seq = start_seq
        self.prev_hash = prev_hash
        self.clock = clock.replace(microsecond=0)
        self.tick = 0
        self.second = -1
        self.stamp_prefix = ""
        self.moment = self.clock
        self.buffers: dict[type, list[dict[str, Any]]] = {model: [] for model in _INSERT_ORDER}
        self.pending = 0
        self.written = 0
        self.progress = progress
        self.next_progress = 200_000
        self.columns = {model: {c.key for c in inspect(model).columns} for model in _INSERT_ORDER}
        self.required = {model: _required(model) for model in _INSERT_ORDER}
        self.checked: set[type] = set()
        self.formats = {model: _json_formatter(model) for model in _ID_TABLES if model is not User}
        self.writer = _Writer(session.connection())

    def _at(self, tick: int) -> int:
        second, micro = divmod(tick, 1_000_000)
        if second != self.second:
            self.second = second
            self.moment = self.clock + dt.timedelta(seconds=second)
            self.stamp_prefix = self.moment.isoformat(timespec="seconds")
        return micro

    def now(self) -> dt.datetime:
        """The load clock at the next event, whole seconds (the precision rows keep)."""
        self._at(self.tick)
        return self.moment

    def state(self, model: type, row: dict[str, Any]) -> str:
        """``canonical_json(audit.snapshot(row))`` of this row as it will read back from the database."""
        if model is User:
            state = {key: value for key, value in row.items() if key != "password_hash"}
            password_hash = row["password_hash"]
            state["password_fingerprint"] = hashlib.sha256(password_hash.encode()).hexdigest()[:16] if password_hash else None
            return _ENCODER.encode(state)
        return self.formats[model](row)

    def event(self, action: str, entity_type: str, entity_id: str, before: str | None, after: str | None) -> None:
        """Append one event; ``before``/``after`` are canonical JSON. Equivalent to ``audit.record``
        with the load clock: the payload below is ``canonical_json`` of ``audit._event_payload``,
        spelled out in sorted key order (the names and codes in it are plain ASCII)."""
        micro = self._at(self.tick)
        self.tick += 1
        occurred_at = f"{self.stamp_prefix}.{micro:06d}"
        payload = (
            f'{{"action":"{action}","actor":{_ACTOR},"after":{after or "null"},"before":{before or "null"},'
            f'"entity_id":"{entity_id}","entity_type":"{entity_type}","occurred_at":"{occurred_at}","seq":{self.seq}}}'
        )
        digest = hashlib.sha256((self.prev_hash + payload).encode()).hexdigest()
        self.add(
            AuditEvent,
            {
                "seq": self.seq, "occurred_at": occurred_at, "actor": SYSTEM.username, "action": action,
                "entity_type": entity_type, "entity_id": entity_id, "before": before, "after": after,
                "prev_hash": self.prev_hash, "hash": digest,
            },
        )
        self.prev_hash = digest
        self.seq += 1

    def row(self, model: type, row: dict[str, Any], action: str) -> str:
        """Insert a row in its final state, with its creation event; returns its state (JSON)."""
        self.add(model, row)
        after = self.state(model, row)
        self.event(action, _ENTITY_TYPE[model], str(row["id"]), None, after)
        return after

    def add(self, model: type, row: dict[str, Any]) -> None:
        """Buffer a row (it must not change afterwards); full buffers go to the writer thread."""
        if model not in self.checked:  # the first row of each table: the loader and the schema agree
            unknown, missing = set(row) - self.columns[model], self.required[model] - set(row)
            if unknown or missing:
                raise AssertionError(f"{model.__name__} row: unknown columns {sorted(unknown)}, missing {sorted(missing)}")
            self.checked.add(model)
        self.buffers[model].append(row)
        self.pending += 1
        if self.pending >= CHUNK:
            self.flush()

    def flush(self) -> None:
        batch = [(model, rows) for model, rows in self.buffers.items() if rows]
        if not batch:
            return
        self.writer.put(batch)
        self.buffers = {model: [] for model in _INSERT_ORDER}
        self.written += self.pending
        self.pending = 0
        if self.progress and self.written >= self.next_progress:
            self.progress(f"{self.written:,} rows sent to the database ({self.seq - 1:,} audit events)")
            self.next_progress = (self.written // 200_000 + 1) * 200_000


class _Stopped(Exception):
    pass


class _Writer:
    """Inserts batches in a thread of its own, so that the database's work (SQLite releases the GIL
    while it steps) overlaps with building the next rows. Batches keep the insert order of
    ``_INSERT_ORDER``, parents first; the queue is short, so memory stays bounded."""

    def __init__(self, connection):
        self.connection = connection
        self.sqlite = {model: _sqlite_insert(model) for model in _INSERT_ORDER} if connection.dialect.name == "sqlite" else None
        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="scale-demo-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so that the producer never blocks
            try:
                for model, rows in batch:
                    if self.sqlite:
                        sql, convert = self.sqlite[model]
                        self.connection.exec_driver_sql(sql, [convert(row) for row in rows])
                    else:
                        self.connection.execute(insert(model.__table__), rows)
            except BaseException as error:  # re-raised in the loading thread
                self.error = error

    def put(self, batch: list[tuple[type, list[dict[str, Any]]]]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self) -> None:
        """Wait for every batch to be written; raise what the writer met."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Let the writer finish its batch and end (the loading thread failed: nothing is kept)."""
        if self.thread.is_alive():
            self.error = self.error or _Stopped()
            self.queue.put(None)
            self.thread.join()


class _Spec:
    """A commitment planned on a line: its value is fixed first, so the line's estimate can cover it."""

    __slots__ = ("kind", "fate", "payments", "value", "total_value", "items", "participants", "start", "end", "service")

    def __init__(self, kind: str, fate: str, payments: int):
        self.kind = kind
        self.fate = fate  # active, idle (signed, nothing done), cancelled, cancelled_draft
        self.payments = payments
        self.value = 0
        self.total_value = 0
        self.items: list[tuple[int, int, int]] = []
        self.participants = None
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self.service = None


def _price(rng: random.Random, low: int, high: int) -> int:
    if high >= 10_000_000:
        return rng.randrange(low // 1_000_000, high // 1_000_000 + 1) * 1_000_000
    return rng.randrange(low // 100_000, high // 100_000 + 1) * 100_000


def _plan_commitments(rng: random.Random, category: str, description: str, quota: int, year: int, last_year: int, window: tuple[dt.date, dt.date]) -> list[_Spec]:
    kind = KIND_OF_CATEGORY[category]
    counts: list[int] = []
    total = 0
    while total < quota:
        counts.append(rng.choice(PAYMENTS_PER[kind]))
        total += counts[-1]
    if counts:
        counts[-1] -= total - quota
    specs = []
    for count in counts:
        specs.append(_Spec(kind, "active", count))
        draw = rng.random()
        if draw < 0.08:
            specs.append(_Spec(kind, "idle", 0))
        elif draw < 0.11:
            specs.append(_Spec(kind, rng.choice(("cancelled", "cancelled_draft")), 0))
    for spec in specs:
        scale = max(1, spec.payments)
        if kind == "order":
            for index in sorted(rng.sample(range(len(PRODUCTS)), rng.choice((1, 2, 2, 3)))):
                low, high = PRODUCTS[index][2]
                quantity = rng.randrange(1, 6) * scale
                spec.items.append((index, quantity, _price(rng, low, high)))
            spec.value = spec.total_value = sum(q * p for _, q, p in spec.items)
        elif kind == "course":
            spec.participants = rng.randrange(30, 150)
            spec.value = spec.total_value = spec.participants * rng.randrange(15, 50) * 100_000 + rng.randrange(10, 60) * 1_000_000
            spec.start = window[0] + dt.timedelta(days=rng.randrange(max(1, (window[1] - window[0]).days * 2 // 3)))
            spec.end = spec.start + dt.timedelta(days=2)
        else:
            spec.service = "RA_QUET" if "Rà quét" in description else "THAM_DO"
            spec.total_value = rng.randrange(40, 200) * 5_000_000 * (1 + scale // 4)
            spec.start = dt.date(year, rng.choice((1, 2, 3)), 1)
            spec.end = dt.date(year, 12, 31)
            if spec.service == "RA_QUET" and year < last_year and rng.random() < 0.3:
                spec.end = dt.date(year + 1, 2, 28)  # a monitoring contract running into the next year
            spec.value = year_portion(spec.total_value, spec.start, spec.end, year)
    return specs


def _split(rng: random.Random, total: int, parts: int, unit: int = 1000) -> list[int]:
    """``total`` in ``parts`` positive pieces, rounded to ``unit`` đồng where that leaves every piece positive."""
    if parts == 1:
        return [total]
    if total < parts * unit * 4:
        unit = 1
    weights = [rng.randrange(5, 15) for _ in range(parts)]
    whole = sum(weights)
    pieces = [max(unit, total * w // whole // unit * unit) for w in weights[:-1]]
    pieces.append(total - sum(pieces))
    assert all(p > 0 for p in pieces), (total, parts, pieces)
    return pieces


def _split_count(rng: random.Random, total: int, parts: int) -> list[int]:
    counts = [1] * parts
    for _ in range(total - parts):
        counts[rng.randrange(parts)] += 1
    return counts


def _days(rng: random.Random, first: int, last: int, k: int) -> list[int]:
    """``k`` sorted day ordinals in [first, last]."""
    if last <= first:
        return [first] * k
    return sorted(rng.randint(first, last) for _ in range(k))


def _activity(rng: random.Random, value: int, payments: int, pct: int, first: int, last: int, close_chance: float) -> tuple[list[tuple[str, int, int]], int, bool]:
    """Advance, acceptances and payments of a signed commitment with exactly ``payments`` payments.

    Returns the chronological steps (``TAM_UNG``/``NT``/``THANH_TOAN``, day ordinal, amount), the
    accepted total and whether the commitment is then closed out."""
    limit = value * pct // 100
    advance = 0
    if limit >= 1000 and rng.random() < (0.3 if payments == 1 else 0.4):
        advance = max(1000, limit * rng.choice((40, 60, 100)) // 100 // 1000 * 1000)
    regular = payments - (1 if advance else 0)
    advance_day = first + rng.randrange(max(1, (last - first) // 6 + 1))
    if regular == 0:
        return [("TAM_UNG", advance_day, advance)], 0, False
    share = 100 if rng.random() < 0.55 else rng.randrange(50, 96)
    accepted = value * share // 100
    if accepted - advance < regular * 4000:  # a tiny commitment: no advance, accept it whole
        advance, regular, accepted = 0, payments, value
    closed = rng.random() < close_chance
    rounds = min(regular, rng.choice((1, 1, 2, 2, 3, 4)))
    counts = _split_count(rng, regular, rounds)
    parts = _split(rng, accepted - advance, rounds)
    steps: list[tuple[str, int, int]] = []
    start = first
    if advance:
        steps.append(("TAM_UNG", advance_day, advance))
        start = advance_day
    accept_days = _days(rng, start, last, rounds)
    for number, (count, part, day) in enumerate(zip(counts, parts, accept_days, strict=True)):
        steps.append(("NT", day, part + (advance if number == 0 else 0)))
        to_pay = part
        if number == rounds - 1 and not closed and rng.random() < 0.25 and part >= count * 20_000:
            to_pay = part * rng.randrange(60, 96) // 100  # the last acceptance not yet fully paid
        until = accept_days[number + 1] if number + 1 < rounds else last
        for pay_day, amount in zip(_days(rng, day, until, count), _split(rng, to_pay, count), strict=True):
            steps.append(("THANH_TOAN", pay_day, amount))
    return steps, accepted, closed


def load_scale_demo(
    db: Database,
    payments: int,
    password: str = "demo",
    seed: int = 837,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Load the national-scale demo with exactly ``payments`` payments into an empty ledger.

    Fiscal years are the five ending with ``today``'s year (the older three closed); no date lies
    after ``today``. Returns counts of what was written."""
    if payments < 0:
        raise ValueError("payments must be ≥ 0")
    if not is_demo_loadable(db):
        raise ValidationError(problem("demo.not_empty"))
    today = today or dt.date.today()
    rng = random.Random(seed)
    with db.write() as session:
        if db.is_sqlite:
            session.execute(text("PRAGMA cache_size=-262144"))  # 256 MiB: the audit hash index takes random inserts
        try:
            counts = _load(session, rng, payments, password, seed, today, progress)
        finally:
            if db.is_sqlite:
                session.execute(text("PRAGMA cache_size=-2000"))
        if not db.is_sqlite:
            for model in _ID_TABLES:
                table = model.__table__.name
                session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}), true) WHERE EXISTS (SELECT 1 FROM {table})")
                )
    if progress:
        progress("committed")
    return counts


def _load(session, rng: random.Random, n_payments: int, password: str, seed: int, today: dt.date, progress) -> dict[str, int]:
    # Every read comes first: once the writer thread runs, it alone uses the connection.
    last = audit.head(session)
    clock = dt.datetime.combine(today, dt.time())
    if last is not None:
        clock = max(clock, dt.datetime.fromisoformat(last.occurred_at).replace(microsecond=0) + dt.timedelta(seconds=1))
    next_id = {model: (session.scalar(select(func.max(model.id))) or 0) + 1 for model in _ID_TABLES}
    existing = {
        "years": set(session.scalars(select(FiscalYear.year))),
        "users": set(session.scalars(select(User.username))),
        "agencies": dict(session.execute(select(PressAgency.code, PressAgency.id)).all()),
    }
    first_seq = last.seq + 1 if last else 1
    loader = _Loader(session, first_seq, last.hash if last else audit.GENESIS_HASH, clock, progress)
    try:
        counts = _generate(loader, next_id, existing, rng, n_payments, password, seed, today, progress)
        loader.flush()
    except BaseException:
        loader.writer.stop()
        raise
    loader.writer.close()
    counts["audit_events"] = loader.seq - first_seq
    return counts


def _generate(loader: _Loader, next_id: dict[type, int], existing: dict[str, Any], rng: random.Random, n_payments: int, password: str, seed: int, today: dt.date, progress) -> dict[str, int]:
    def new_id(model: type) -> int:
        value = next_id[model]
        next_id[model] = value + 1
        return value

    counts = dict.fromkeys(("units", "fiscal_years", "policies", "users", "press_agencies", "lines", "adjustments", "commitments", "commitment_items", "acceptances", "contributions", "payments"), 0)
    years = list(range(today.year - YEARS + 1, today.year + 1))

    # Fiscal years: the last two open, the older ones settled and closed.
    for year in years:
        if year in existing["years"]:
            continue
        opened = {"year": year, "is_open": True}
        closed = year < today.year - 1
        loader.add(FiscalYear, {"year": year, "is_open": not closed})
        loader.event("fiscal_year.open", "fiscal_year", str(year), None, _ENCODER.encode(opened))
        if closed:
            loader.event("fiscal_year.close", "fiscal_year", str(year), _ENCODER.encode(opened), _ENCODER.encode({"year": year, "is_open": False}))
        counts["fiscal_years"] += 1

    # Units: QG, 17 ministries and 34 provinces, each with 2–4 subordinate units.
    units: dict[str, dict[str, Any]] = {}
    root_of: dict[str, str] = {}

    def add_unit(code: str, name: str, kind: str, parent: str | None, chapter: str | None, control: str = "block", pct: int = 50) -> None:
        row = {
            "id": new_id(Unit), "code": code, "name": name, "kind": kind, "parent_id": units[parent]["id"] if parent else None,
            "chapter_code": chapter, "commitment_control": control, "advance_limit_pct": pct, "xhh_control": "warn",
        }
        units[code] = row
        root_of[code] = code if kind != "subunit" else root_of[parent]
        loader.row(Unit, row, "unit.create")
        counts["units"] += 1

    add_unit("QG", next(name for code, name, *_ in DEMO_UNITS if code == "QG"), "national", None, None)
    warn_units = {"DNG", *rng.sample([code for code, *_ in PROVINCES if code != "DNG"], 3)}
    low_advance = set(rng.sample([code for code, *_ in MINISTRIES] + [code for code, *_ in PROVINCES], 4))
    for code, name, chapter in MINISTRIES:
        pct = 30 if code in low_advance else 50
        add_unit(code, name, "ministry", "QG", chapter, pct=pct)
        subunits = FIXED_SUBUNITS.get(code)
        if subunits is None:
            subunits = [("VP", f"Văn phòng {name}")] + [(s, f.format(parent=name)) for s, f in rng.sample(MINISTRY_SUBUNITS, rng.randrange(1, 4))]
        for suffix, sub_name in subunits:
            add_unit(f"{code}-{suffix}", sub_name, "subunit", code, chapter, pct=pct)
    for number, (code, short, city) in enumerate(PROVINCES):
        place = "Thành phố Hồ Chí Minh" if code == "HCM" else f"{'thành phố' if city else 'tỉnh'} {short}"
        chapter = PROVINCE_CHAPTERS.get(code) or str(404 + number)
        pct = 30 if code in low_advance else 50
        add_unit(code, f"UBND {place}", "province", "QG", chapter, control="warn" if code in warn_units else "block", pct=pct)
        extra = rng.sample(PROVINCE_SUBUNITS, rng.randrange(1, 4))
        for suffix, template in [("VHTTDL", "Sở Văn hóa, Thể thao và Du lịch {place}"), *extra]:
            add_unit(f"{code}-{suffix}", template.format(place=place), "subunit", code, chapter, pct=pct)

    # Policies: national ones, one or two per ministry, two per province.
    policies: dict[str, dict[str, Any]] = {}
    policies_of: dict[str, list[str]] = {}

    def add_policy(code: str, name: str, owner: str) -> None:
        row = {"id": new_id(Policy), "code": code, "name": name, "owner_unit_id": units[owner]["id"]}
        policies[code] = row
        policies_of.setdefault(root_of[owner], []).append(code)
        loader.row(Policy, row, "policy.create")
        counts["policies"] += 1

    for code, name, owner in NATIONAL_POLICIES:
        add_policy(code, name, owner)
    for ministry, _name, _chapter in MINISTRIES:
        for code, name in MINISTRY_POLICIES[ministry]:
            add_policy(code, name, POLICY_OWNERS.get(code, ministry))
    for code, short, city in PROVINCES:
        place = "Thành phố Hồ Chí Minh" if code == "HCM" else f"{'thành phố' if city else 'tỉnh'} {short}"
        for policy_code, name in PROVINCE_POLICIES.get(code, []):
            add_policy(policy_code, name, code)
        add_policy(f"{code}-QH", f"Quy hoạch {place} thời kỳ 2021–2030, tầm nhìn đến năm 2050", code)
        add_policy(f"{code}-CDS", f"Chuyển đổi số, xây dựng chính quyền số {place}", code)
    national = [code for code, _n, _o in NATIONAL_POLICIES]

    # The small demo's users (an existing account of the same name is kept), deterministic salts.
    # They share the one demo password, so one hash (argon2 takes ~0.5 s here) serves them all.
    salt = hashlib.sha256(f"scale-demo:{seed}".encode()).digest()[:16]
    password_hash = PasswordHasher().hash(password, salt=salt)
    for username, role, unit_code, full_name in DEMO_USERS:
        if username in existing["users"]:
            continue
        row = {
            "id": new_id(User), "username": username, "full_name": full_name, "role": role,
            "unit_id": units[unit_code]["id"] if unit_code else None, "password_hash": password_hash,
            "is_active": True, "is_demo": True,
        }
        loader.row(User, row, "user.create")
        counts["users"] += 1

    # Press agencies: the small demo's, one per ministry, one merged paper-and-broadcaster per province.
    agency_ids = dict(existing["agencies"])
    catalogue = [(code, name, media, governing, level) for code, name, media, governing, level in DEMO_PRESS_AGENCIES]
    catalogue += [(code, name, media, dict((m, n) for m, n, _ in MINISTRIES)[owner], "central") for code, name, media, owner in MINISTRY_PRESS]
    press_of: dict[str, list[str]] = {code: list(LOCAL_PRESS.get(code, [])) for code, *_ in MINISTRIES + PROVINCES}
    for code, _name, _media, owner in MINISTRY_PRESS:
        press_of[owner].append(code)
    for code, short, city in PROVINCES:
        if code not in LOCAL_PRESS:
            catalogue.append((f"BPTTH-{code}", f"Báo và Phát thanh, Truyền hình {short}", "newspaper", f"{'Thành ủy' if city else 'Tỉnh ủy'} {short}", "local"))
            press_of[code].append(f"BPTTH-{code}")
    for code, name, media, governing, level in catalogue:
        if code in agency_ids:
            continue
        row = {"id": new_id(PressAgency), "code": code, "name": name, "media_type": media, "governing_body": governing, "level": level}
        agency_ids[code] = row["id"]
        loader.row(PressAgency, row, "press_agency.create")
        counts["press_agencies"] += 1
    for root, codes in press_of.items():
        codes += ["NHANDAN", "VTV", "VOV", "TTXVN"] if units[root]["kind"] == "province" else CENTRAL_PRESS
    loader.flush()

    # Lines: every unit below QG, every year; top-level units hold every kind, subunits 3–5 of them.
    kinds_of: dict[str, tuple[int, ...]] = {}
    for code, unit in units.items():
        if unit["kind"] in ("ministry", "province"):
            kinds_of[code] = tuple(range(len(LINE_KINDS)))
        elif code == "BYT-TT":
            kinds_of[code] = (0, 2, 4, 7)
        elif unit["kind"] == "subunit":
            kinds_of[code] = tuple(sorted(rng.sample(range(len(LINE_KINDS)), rng.randrange(3, 6))))
    plan: list[tuple[int, str, int]] = []  # (year, unit code, kind index)
    weights: list[int] = []
    for year_number, year in enumerate(years):
        for code, kinds in kinds_of.items():
            unit_weight = 3 if units[code]["kind"] != "subunit" else 1
            for kind_index in kinds:
                plan.append((year, code, kind_index))
                weights.append(unit_weight * KIND_WEIGHTS[kind_index] * (80 + 8 * year_number) * rng.randrange(50, 151))
    whole = sum(weights)
    quotas = [n_payments * w // whole for w in weights]
    for index in sorted(range(len(weights)), key=lambda i: (-(n_payments * weights[i] % whole), i))[: n_payments - sum(quotas)]:
        quotas[index] += 1

    payment_number = 0
    position = 0
    over_committed: set[str] = set()
    for year in years:
        window = (dt.date(year, 1, 5), min(dt.date(year, 12, 31), today))
        if window[1] < window[0]:
            window = (window[1], window[1])
        first_day, last_day = window[0].toordinal(), window[1].toordinal()
        close_chance = 0.6 if year < today.year else 0.25
        voucher = 0
        year_lines: list[dict[str, Any]] = []
        line_plans: list[tuple[list[_Spec], list[int]]] = []
        numbers: dict[str, int] = {}
        while position < len(plan) and plan[position][0] == year:
            _year, unit_code, kind_index = plan[position]
            quota = quotas[position]
            position += 1
            template, category, source, sector, sub_item, (low, high) = LINE_KINDS[kind_index]
            policy_code = rng.choice(policies_of.get(root_of[unit_code], []) + national[:2])
            numbers[unit_code] = numbers.get(unit_code, 0) + 1
            description = template.format(policy=policies[policy_code]["name"])
            line = {
                "id": new_id(BudgetLine), "year": year, "code": f"{unit_code}-{year % 100:02d}-{numbers[unit_code]:02d}",
                "unit_id": units[unit_code]["id"], "description": description[:500], "category_code": category,
                "source_code": source, "sector_code": sector, "sub_item": sub_item, "policy_id": policies[policy_code]["id"],
                "original_estimate": 0, "created_at": None, "created_by": SYSTEM.username,
            }
            if category == "KHAC":
                specs, direct = [], [rng.randrange(50, 1200) * 100_000 for _ in range(quota)]
            else:
                specs, direct = _plan_commitments(rng, category, description, quota, year, years[-1], window), []
            need = sum(s.value for s in specs) + sum(direct)
            allocation = _round5m(need * 100 // rng.randrange(80, 98)) if need else _round5m(rng.randrange(low, high + 1))
            line["_unit"], line["_need"], line["_allocation"], line["_adjustments"] = unit_code, need, allocation, []
            year_lines.append(line)
            line_plans.append((specs, direct))

        # Adjustments: a supplement from the slack or a reduction on some lines; transfers between two
        # NSNN lines of a unit. The original estimate is what keeps every step at or above the need.
        decision = 100
        for line in year_lines:
            draw = rng.random()
            when = min(dt.date(year, 6, 1) + dt.timedelta(days=rng.randrange(120)), window[1])
            slack = line["_allocation"] - line["_need"]
            if draw < 0.15 and slack >= 10_000_000:
                line["_adjustments"].append((rng.randrange(1, slack // 5_000_000 + 1) * 5_000_000, when, None))
            elif draw < 0.25:
                line["_adjustments"].append((-_round5m(line["_allocation"] * rng.randrange(5, 20) // 100), when, None))
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for line in year_lines:
            if line["source_code"] == "NSNN":
                by_unit.setdefault(line["_unit"], []).append(line)
        transfers = []
        for unit_code, unit_lines in by_unit.items():
            if len(unit_lines) >= 2 and rng.random() < 0.15:
                source_line, target_line = rng.sample(unit_lines, 2)
                amount = _round5m(source_line["_allocation"] * rng.randrange(5, 15) // 100)
                when = min(dt.date(year, 9, 1) + dt.timedelta(days=rng.randrange(60)), window[1])
                key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                source_line["_adjustments"].append((-amount, when, key))
                target_line["_adjustments"].append((amount, when, key))
                target_line["_allocation"] += amount
                transfers.append((unit_code, key, source_line, target_line, amount, when))
        for line in year_lines:
            line["original_estimate"] = line["_allocation"] - sum(a for a, _w, _k in line["_adjustments"])
            line["created_at"] = loader.now()
            loader.row(BudgetLine, {k: v for k, v in line.items() if not k.startswith("_")}, "budget_line.create")
            counts["lines"] += 1

        def adjustment(line: dict[str, Any], amount: int, when: dt.date, decision_no: str, reason: str, key: str | None, action: str) -> None:
            row = {
                "id": new_id(Adjustment), "line_id": line["id"], "date": when, "amount": amount, "decision_no": decision_no,
                "reason": reason, "transfer_key": key, "reverses_id": None, "created_at": loader.now(), "created_by": SYSTEM.username,
            }
            loader.row(Adjustment, row, action)
            counts["adjustments"] += 1

        for line in year_lines:
            for amount, when, key in line["_adjustments"]:
                if key is None:
                    decision += 1
                    reason = "Bổ sung dự toán theo tiến độ thực hiện" if amount > 0 else "Giảm dự toán do điều chỉnh kế hoạch truyền thông"
                    adjustment(line, amount, when, f"{decision}/QĐ-{root_of[line['_unit']]}", reason, None, "adjustment.post")
        for unit_code, key, source_line, target_line, amount, when in transfers:
            decision += 1
            decision_no = f"{decision}/QĐ-{root_of[unit_code]}"
            reason = "Điều chuyển kinh phí giữa các nhiệm vụ truyền thông"
            adjustment(source_line, -amount, when, decision_no, reason, key, "transfer.out")
            adjustment(target_line, amount, when, decision_no, reason, key, "transfer.in")

        # Spending, line by line: contributions (XHH), commitments with their activity, direct payments.
        for line, (specs, direct) in zip(year_lines, line_plans, strict=True):
            unit_code = line["_unit"]
            root = root_of[unit_code]
            unit = units[unit_code]
            line_code = line["code"]
            held = 0
            paid = 0
            paid_total_planned = 0
            if line["source_code"] == "XHH":
                paid_total_planned = line["_need"]  # an upper bound of what will be paid on the line
                received = max(-(-paid_total_planned // 1_000_000) * 1_000_000, line["_allocation"] * rng.choice((70, 80, 100)) // 100 // 1_000_000 * 1_000_000)
                donors = DONORS + MORE_DONORS
                pieces = _split(rng, received, rng.choice((1, 2, 3)), 1_000_000) if received else []
                for piece_number, piece in enumerate(pieces):
                    when = min(dt.date(year, 1 + 3 * piece_number, 10) + dt.timedelta(days=rng.randrange(40)), window[1])
                    if piece_number == 0:
                        when = window[0]
                    voucher += 1
                    row = {
                        "id": new_id(Contribution), "year": year, "voucher_no": f"XHH-{year}-{voucher:07d}", "line_id": line["id"],
                        "date": when, "donor": rng.choice(donors), "amount": piece, "reverses_id": None,
                        "created_at": loader.now(), "created_by": SYSTEM.username,
                    }
                    loader.row(Contribution, row, "contribution.post")
                    counts["contributions"] += 1
            for number, spec in enumerate(specs, start=1):
                commitment_id = new_id(Commitment)
                prefix = {"order": "DH", "course": "KH", "it_service": "CNTT"}[spec.kind]
                reference = f"{prefix}-{line_code}-{number:03d}"
                sign_day = first_day + rng.randrange(max(1, (last_day - first_day) * 3 // 4 + 1))
                if spec.kind == "course":
                    sign_day = max(first_day, min(sign_day, spec.start.toordinal() - rng.randrange(3, 20)))
                    activity_start = max(sign_day, spec.end.toordinal())
                else:
                    activity_start = sign_day
                if activity_start > last_day:
                    activity_start = last_day
                agency = None
                vendor = None
                if spec.kind == "order":
                    agency = agency_ids[rng.choice(press_of[root])]
                    description = f"{line['description']} (đợt {number})"
                elif spec.kind == "course":
                    description = rng.choice(COURSE_TITLES)
                else:
                    vendor = rng.choice(VENDORS + MORE_VENDORS)
                    description = f"{'Rà quét thông tin' if spec.service == 'RA_QUET' else 'Thăm dò dư luận'} – {vendor}"
                row = {
                    "id": commitment_id, "kind": spec.kind, "year": year, "reference": reference, "line_id": line["id"],
                    "description": description[:500], "policy_id": line["policy_id"], "stage_code": rng.choice(STAGES),
                    "press_agency_id": agency, "vendor": vendor, "service_type": spec.service, "signed_on": None,
                    "start_date": spec.start, "end_date": spec.end, "participants": spec.participants,
                    "total_value": spec.total_value, "value": spec.value, "final_value": None, "status": "draft",
                    "excess_amount": 0, "version": 1, "created_at": loader.now(), "created_by": SYSTEM.username,
                }
                entity = str(commitment_id)
                draft = loader.state(Commitment, row)
                final = dict(row)
                signed = None
                if spec.fate != "cancelled_draft":
                    final.update(status="signed", signed_on=dt.date.fromordinal(sign_day), version=2)
                    signed = loader.state(Commitment, final)
                    held += spec.value
                steps: list[tuple[str, int, int]] = []
                ending = None
                if spec.fate == "active":
                    steps, accepted, closed = _activity(rng, spec.value, spec.payments, unit["advance_limit_pct"], activity_start, last_day, close_chance)
                    if closed:
                        final.update(status="closed", final_value=accepted, version=3)
                        held -= spec.value - accepted
                        ending = "close"
                elif spec.fate in ("cancelled", "cancelled_draft"):
                    final.update(status="cancelled", version=final["version"] + 1)
                    held -= spec.value if signed else 0
                    ending = "cancel"
                # The row goes in once, in its final state, before the rows that reference it; its
                # events tell its history as the services would have written it.
                loader.add(Commitment, final)
                counts["commitments"] += 1
                loader.event(f"{spec.kind}.create", "commitment", entity, None, draft)
                for product_index, quantity, price in spec.items:
                    product, unit_name, _range = PRODUCTS[product_index]
                    item = {
                        "id": new_id(CommitmentItem), "commitment_id": commitment_id, "product": product, "quantity": quantity,
                        "unit_of_measure": unit_name, "unit_price": price, "amount": quantity * price,
                    }
                    loader.row(CommitmentItem, item, "order_item.create")
                    counts["commitment_items"] += 1
                previous = draft
                if signed is not None:
                    loader.event(f"{spec.kind}.sign", "commitment", entity, previous, signed)
                    previous = signed
                accept_number = 0
                for what, day, amount in steps:
                    when = dt.date.fromordinal(day)
                    if what == "NT":
                        accept_number += 1
                        acceptance = {
                            "id": new_id(Acceptance), "commitment_id": commitment_id, "record_no": f"NT-{reference}-{accept_number}",
                            "date": when, "accepted_value": amount,
                            "evidence": "Biên bản nghiệm thu kèm đường dẫn bài viết, lịch phát sóng" if spec.kind == "order" else "Biên bản nghiệm thu",
                            "reverses_id": None, "created_at": loader.now(), "created_by": SYSTEM.username,
                        }
                        loader.row(Acceptance, acceptance, "acceptance.post")
                        counts["acceptances"] += 1
                        continue
                    voucher += 1
                    payment_number += 1
                    paid += amount
                    payment = {
                        "id": new_id(Payment), "year": year, "voucher_no": f"{'TU' if what == 'TAM_UNG' else 'TT'}-{year}-{voucher:07d}",
                        "date": when, "kind": what, "commitment_id": commitment_id, "line_id": line["id"], "amount": amount,
                        "excess_amount": 0, "reverses_id": None, "created_at": loader.now(), "created_by": SYSTEM.username,
                    }
                    loader.row(Payment, payment, "payment.advance" if what == "TAM_UNG" else "payment.post")
                    counts["payments"] += 1
                if ending:
                    loader.event(f"{spec.kind}.{ending}", "commitment", entity, previous, loader.state(Commitment, final))
            for amount in direct:
                voucher += 1
                payment_number += 1
                paid += amount
                held_day = first_day + rng.randrange(max(1, last_day - first_day + 1))
                payment = {
                    "id": new_id(Payment), "year": year, "voucher_no": f"C-{year}-{voucher:07d}", "date": dt.date.fromordinal(held_day),
                    "kind": "THANH_TOAN", "commitment_id": None, "line_id": line["id"], "amount": amount,
                    "excess_amount": 0, "reverses_id": None, "created_at": loader.now(), "created_by": SYSTEM.username,
                }
                loader.row(Payment, payment, "payment.post")
                counts["payments"] += 1
            if line["source_code"] == "XHH":
                assert paid <= paid_total_planned
            available = line["_allocation"] - held - sum(direct)
            assert available >= 0, (line_code, available)
            # A warn-mode province over-commits its first press line of the latest year (recorded, not refused).
            if year == years[-1] and unit["commitment_control"] == "warn" and line["category_code"] == "BAO_CHI" and line["source_code"] == "NSNN" and unit_code not in over_committed:
                over_committed.add(unit_code)
                excess = rng.randrange(2, 10) * 5_000_000
                value = available + excess
                commitment_id = new_id(Commitment)
                reference = f"DH-{line_code}-VUOT"
                sign_day = max(first_day, last_day - rng.randrange(30))
                row = {
                    "id": commitment_id, "kind": "order", "year": year, "reference": reference, "line_id": line["id"],
                    "description": f"{line['description']} (đợt cao điểm, vượt dự toán, chờ bổ sung)"[:500], "policy_id": line["policy_id"],
                    "stage_code": "THUC_THI", "press_agency_id": agency_ids[press_of[root][0]], "vendor": None, "service_type": None,
                    "signed_on": None, "start_date": None, "end_date": None, "participants": None, "total_value": value, "value": value,
                    "final_value": None, "status": "draft", "excess_amount": 0, "version": 1, "created_at": loader.now(),
                    "created_by": SYSTEM.username,
                }
                draft = loader.state(Commitment, row)
                final = {**row, "status": "signed", "signed_on": dt.date.fromordinal(sign_day), "excess_amount": excess, "version": 2}
                loader.add(Commitment, final)
                loader.event("order.create", "commitment", str(commitment_id), None, draft)
                loader.event(
                    "control.warning", "control_warning", str(line["id"]), None,
                    _ENCODER.encode({"line": line_code, "available": available, "amount": value, "excess": excess, "action": "sign", "reference": reference}),
                )
                loader.event("order.sign", "commitment", str(commitment_id), draft, loader.state(Commitment, final))
                counts["commitments"] += 1
        if progress:
            progress(f"fiscal year {year} done: {payment_number:,} payments so far")
    assert payment_number == n_payments == counts["payments"], (payment_number, n_payments)
    return counts

