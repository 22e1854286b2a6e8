"""For rule authors: rule self-tests, hypothesis strategies, pack revisions, diff-rules (the only importer of hypothesis)."""
