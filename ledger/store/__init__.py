"""The store: models, engines and transactions, the audit chain (the only place that hashes), the
scope and access checks (the unit tree read once per transaction), balances in SQL, backups."""
