"""Run history: SQLite store with numbered migrations, run comparison, reconciliation with invoices."""
