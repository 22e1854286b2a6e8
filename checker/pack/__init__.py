"""A rule pack: its vocabulary of facts, loading it, and proving what it may hold (soundness)."""
