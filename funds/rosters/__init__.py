"""Monthly payment rosters (发放花名册): runs, lines, export to the bank, result import,
reconciliation, one-off payments and recovery orders handed to the roster."""
