"""Workbook problems and two-language names: a problem that says where it is in the file (sheet,
row, column, value), and the sheet and column names known in Vietnamese and English. Their
sentences are ``xl.*`` keys of the message catalogue (``ledger/locale``, read by ``ledger.i18n``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledger.domain.errors import Problem
from ledger.i18n import t


class Localized(str):
    """A text known in both languages (a column's or a sheet's name): Vietnamese unless asked."""

    en: str

    def __new__(cls, vi: str, en: str) -> Localized:
        obj = super().__new__(cls, vi)
        obj.en = en
        return obj

    def in_lang(self, lang: str) -> str:
        return self.en if lang == "en" else str(self)


def localize(value: Any, lang: str) -> Any:
    return value.in_lang(lang) if isinstance(value, Localized) else value


class ExcelProblem(Problem):
    """A problem of the workbook itself; its parameters may be ``Localized`` and its message may
    name where it is (``{sheet}``, ``{row}``, ``{column}``, ``{value}``)."""

    def message(self, lang: str = "vi") -> str:
        params = {"sheet": self.sheet, "row": self.row, "column": localize(self.column, lang), "value": self.value}
        params.update({k: localize(v, lang) for k, v in self.params.items()})
        return t(self.key, lang, **params)


def xproblem(
    message_key: str, /, *, sheet: str | None = None, row: int | None = None, column: Any = None, value: Any = None,
    field: str | None = None, **params: Any,
) -> ExcelProblem:
    return ExcelProblem(key=message_key, params=params, field=field, sheet=sheet, row=row, column=column, value=value)


def located(problem: Problem, **where: Any) -> Problem:
    """A service's problem with the workbook position added (keeping what it already says)."""
    return replace(problem, **{k: v for k, v in where.items() if v is not None or k in ("column", "value")})
