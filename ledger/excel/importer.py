"""Where callers have always imported bulk entry from: ``import_workbook`` (apply.py) and its result.

The work is in reader.py (file → typed rows), plan.py (rows → commands) and apply.py (commands →
the services, one transaction)."""

from ledger.excel.apply import import_workbook
from ledger.excel.layout import CODE_LISTS
from ledger.excel.reader import _text, _whole
from ledger.excel.result import ImportResult, SheetReport

__all__ = ["CODE_LISTS", "ImportResult", "SheetReport", "_text", "_whole", "import_workbook"]
