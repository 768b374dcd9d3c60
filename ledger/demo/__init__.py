"""Demo data: the small demo ledger (``small``, written through the services) and the deterministic
national-scale generator (``scale``: its reference data in ``national``, its random plan in ``plan``),
written through the store's bulk path with the same rules and audit events; the lists they use are
the files of ``data/``."""
