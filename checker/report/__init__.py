"""Reports: one writer per format, the terminal, the ledger view, HTML pages."""
