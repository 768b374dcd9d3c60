"""Pure domain code, no database: code lists and their labels, money and date parsing and
formatting, ``Problems`` (bad input as data), and the rules as functions (balance arithmetic, the
actions each status allows)."""
