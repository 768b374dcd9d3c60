"""Reports: validate filters, aggregate in SQL, shape, chart (overview, dashboard, drill-down,
the scoped audit trail)."""
