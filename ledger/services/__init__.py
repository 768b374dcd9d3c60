"""Services, one module per area: every write is a function taking the acting user and its input,
validating, writing and appending its audit event in one transaction; it returns the record or
raises every problem found.

``reference`` (units, years, policies), ``budget`` (lines and adjustments), ``press`` (press
agencies), ``commitments`` (orders, courses, IT contracts and their acceptances), ``payments``
(advances, payments, contributions, reversals), ``users``, ``phasing`` and the areas added since;
``shared`` holds what the commitment and payment services share (``@writer``, their targets'
checks, the line's controls). The rules they check are ``ledger.domain.rules``."""
