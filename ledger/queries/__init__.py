"""Typed reads for the screens and the workbook: each function opens its own read transaction,
applies the actor's scope, and returns frozen dataclasses with real dates and int đồng (never ORM
rows, dicts of column values or audit snapshots). The figures on them come from ``ledger.domain.rules``."""
