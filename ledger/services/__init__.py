"""Services, one module per area: every write is a function taking the acting user and its input,
validating, writing and appending its audit event in one transaction; it returns the record or
raises every problem found."""
