"""For rule authors: self-tests, hypothesis strategies, pack revisions, diff-rules.

The only package that imports hypothesis.
"""
