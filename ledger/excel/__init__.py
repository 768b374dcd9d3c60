"""The ledger workbook (.xlsx) both ways: the auditors' extract, bulk entry from workbooks, and the
empty template (shared/spec/ledger-workbook.md)."""

from ledger.excel.export import AboutInfo, ExportResult, export_workbook, read_about

__all__ = ["AboutInfo", "ExportResult", "export_workbook", "read_about"]
