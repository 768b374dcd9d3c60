"""The texts: every key the code uses exists in Vietnamese and English, the two catalogues agree on
placeholders, and a process that imports only ``ledger.i18n`` sees every text.

The keys are found statically in ``ledger/`` and ``pages/`` (see ``used_keys``), so a key typed in
a new screen or a new problem fails here before anyone sees it raw on a screen.
"""

from __future__ import annotations

import ast
import importlib
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import i18n
from ledger.domain import codes
from ledger.domain.errors import problem

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "ledger").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "streamlit_app.py"])
KEY = re.compile(r"[a-z][a-z_]*\.[A-Za-z0-9_]+")
KEY_PREFIX = re.compile(r"[a-z][a-z_]*\.[A-Za-z0-9_]*")
# Calls whose arguments are message keys: the lookup itself, the problems (services, workbook),
# the workbook reader's ``self.add(sheet, row, key, ...)``.
KEY_CALLS = {"t", "_t", "translate", "problem", "xproblem", "Problem", "ExcelProblem", "add"}
KEY_KEYWORDS = {"key", "message_key"}
# Namespaces that hold nothing but texts: any literal in them is a key, wherever it sits (tuples of
# column labels, sets of workbook messages, a ``"a" if x else "b"`` passed on later).
TEXT_NAMESPACES = ("ui.", "xl.", "chart.")
# Keys built with an f-string: the values the placeholder takes, listed or named as "module:LIST".
# A new prefix fails the test until it is listed here (or, for a code list, the screen uses
# ``codes.label`` instead of a key per code).
DYNAMIC: dict[str, tuple[str, ...] | str] = {
    # the commitment screen's tabs: one per action the rulebook allows, both reversals in one tab
    "ui.c_act_": ("sign", "edit", "cancel", "advance", "accept", "pay", "close", "reverse"),
    "chart.": ("allocated", "committed", "paid"),  # the measures of plan_vs_actual
    "plan.not_allowed_": "ledger.domain.plan_rules:PLAN_ACTIONS",  # the refusal of each plan action
    "settlement.": "ledger.reports.settlement:COLUMN_KEYS",  # the settlement statement's columns
    "year_end.": "ledger.domain.year_end:PART_KINDS",  # carried over / cancelled
    # the dashboard's headline figures and their help (issue 10: direct spending shown, each explained)
    "ui.d_": ("allocated", "committed", "direct", "available", "paid"),
    "ui.d_help_": ("allocated", "committed", "direct", "available", "paid"),
}


def dynamic_values(prefix: str) -> tuple[str, ...]:
    values = DYNAMIC[prefix]
    if isinstance(values, str):
        module, name = values.split(":")
        values = getattr(importlib.import_module(module), name)
    return tuple(values)


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _literals(node: ast.AST):
    """String literals and f-string heads in ``node``: (text, is_prefix); the constant parts of an
    f-string are not literals of their own."""
    if isinstance(node, ast.JoinedStr):
        if node.values and isinstance(node.values[0], ast.Constant):
            yield node.values[0].value, True
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value, False
    for child in ast.iter_child_nodes(node):
        yield from _literals(child)


def scan(source: str) -> tuple[set[str], set[str]]:
    """The keys (and f-string key prefixes) ``source`` uses."""
    found: set[str] = set()
    prefixes: set[str] = set()

    def take(node: ast.AST, *, anywhere: bool) -> None:
        for text, is_prefix in _literals(node):
            if anywhere and not text.startswith(TEXT_NAMESPACES):
                continue
            if is_prefix and KEY_PREFIX.fullmatch(text):
                prefixes.add(text)
            elif not is_prefix and KEY.fullmatch(text):
                found.add(text)

    tree = ast.parse(source)
    take(tree, anywhere=True)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in KEY_CALLS:
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg in KEY_KEYWORDS)]:
                take(arg, anywhere=False)
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and (target.id == "key" or target.id.endswith("_key")) for target in node.targets
        ):
            take(node.value, anywhere=False)  # key = "db.full" ... problem(key)
    return found, prefixes


def used_keys() -> tuple[set[str], set[str]]:
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in SOURCES:
        found, starts = scan(path.read_text(encoding="utf-8"))
        keys |= found
        prefixes |= starts
    return keys, prefixes


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the scanner ----------------------------------------------------------------------------------


def test_the_scanner_finds_the_keys_of_every_call_shape():
    keys, prefixes = used_keys()
    assert len(keys) > 300
    # one of each shape: t(), problem(), xproblem(), self.add(sheet, row, key), key = "…",
    # a tuple of labels, a chart text, an f-string prefix
    for key in ("ui.app_title", "amount.required", "xl.formula", "xl.merged", "db.full", "backup.memory",
                "phasing.zero", "ui.c_value", "chart.others"):
        assert key in keys, key
    assert "ui.c_act_" in prefixes
    # audit actions and other dotted strings are not keys
    assert not {"unit.create", "payment.post", "transfer.out"} & keys


def test_the_scanner_would_catch_a_missing_key():
    found, prefixes = scan(
        'from x import t\n'
        'def f(lang):\n'
        '    LABELS = ("ui.no_such_label", "not a key")\n'
        '    return t("ui.also_missing", lang), problem("nothing.here", "field"), t(f"ui.tab_{lang}")\n'
    )
    assert found == {"ui.no_such_label", "ui.also_missing", "nothing.here"}
    assert prefixes == {"ui.tab_"}
    assert not any(i18n.has_key(key) for key in found)


# --- the catalogues -------------------------------------------------------------------------------


def expanded_keys() -> set[str]:
    keys, prefixes = used_keys()
    unknown = prefixes - set(DYNAMIC)
    assert not unknown, f"keys built with an f-string whose values are not listed in DYNAMIC: {sorted(unknown)}"
    return keys | {prefix + value for prefix in prefixes for value in dynamic_values(prefix)}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_key_the_code_uses_exists(lang):
    missing = sorted(key for key in expanded_keys() if not i18n.has_key(key, lang))
    assert missing == []


def test_both_catalogues_hold_the_same_keys_and_placeholders():
    assert i18n.keys("vi") == i18n.keys("en")
    differ = {
        key: (sorted(_fields(i18n.template(key, "vi"))), sorted(_fields(i18n.template(key, "en"))))
        for key in i18n.keys("vi")
        if _fields(i18n.template(key, "vi")) != _fields(i18n.template(key, "en"))
    }
    assert differ == {}
    assert i18n.catalogue("vi").fields.keys() == i18n.catalogue("en").fields.keys()


def test_code_list_labels_stay_in_codes_not_in_the_catalogue():
    # "ui.status_signed", "ui.media_online"…: the screens call codes.label, one place for labels.
    for name in ("status_signed", "media_online", "unit_kind_ministry", "control_block", "pay_TAM_UNG",
                 "stage_BAN_HANH", "service_KHAC", "c_kind_order"):
        assert not i18n.has_key(f"ui.{name}"), name
    assert codes.label(codes.COMMITMENT_STATUSES, "signed", "en") == "Signed"


def test_lookup_falls_back_and_fills_placeholders():
    assert i18n.t("amount.too_large", "en", value="5", limit="9") == "The amount 5 exceeds the limit of 9 đ."
    assert i18n.t("amount.too_large", value="5", limit="9") == "Số tiền 5 vượt quá giới hạn 9 đ."
    assert i18n.t("amount.too_large", "fr", value="5", limit="9") == "Số tiền 5 vượt quá giới hạn 9 đ."
    assert i18n.t("no.such_key", "en") == "no.such_key"
    assert i18n.t("amount.too_large", "en") == "The amount {value} exceeds the limit of {limit} đ."  # never a crash
    # field names are written in Vietnamese by the services and named in the reader's language
    assert i18n.t("text.required", "en", what="mã dòng") == "The line code is missing."
    assert i18n.t("text.required", "vi", what="mã dòng") == "Chưa nhập mã dòng."
    assert problem("text.required", what="mã đơn vị").message("en") == "The unit code is missing."


def test_english_missing_falls_back_to_vietnamese(tmp_path, monkeypatch):
    for lang, text in (("vi", 'msgid "ui.only_vi"\nmsgstr "Chỉ tiếng Việt"\n'), ("en", 'msgid "ui.only_vi"\nmsgstr ""\n')):
        path = tmp_path / lang / "LC_MESSAGES" / "ledger.po"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._load.cache_clear()
    try:
        assert not i18n.has_key("ui.only_vi", "en")
        assert i18n.t("ui.only_vi", "en") == "Chỉ tiếng Việt"
    finally:
        monkeypatch.undo()
        i18n._load.cache_clear()


def test_texts_need_no_import_but_ledger_i18n():
    code = (
        "import sys\n"
        "from ledger.i18n import t\n"
        "print(t('ui.app_title', 'en')); print(t('xl.formula', 'vi')); print(t('backup.memory', 'en'))\n"
        "print(t('phasing.zero', 'en')); print(t('chart.paid', 'vi'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('ledger.', 'pages'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "Policy-communication budget ledger",
        "Ô chứa công thức; sổ chỉ nhận giá trị. Hãy dán giá trị (Paste Special → Values).",
        "An in-memory SQLite database cannot be backed up or restored.",
        "A phasing needs at least one month above zero.",
        "Đã chi",
        "['ledger.i18n']",
    ]
