"""Demo data: the small demo ledger and the deterministic national-scale generator, both written
through the services."""
