"""Exact reasoning over rule packs with an SMT solver (z3): which orders two packs judge
differently. Imported only by the commands that prove (`diff-rules`)."""
