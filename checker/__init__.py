"""chipcheck: check AI-chip purchase orders against a declarative rule pack."""

__version__ = "0.1.0"
