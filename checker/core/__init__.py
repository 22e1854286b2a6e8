"""Shared values at the bottom: problems (user errors as values), exact numbers, dates,
results, text escaping."""
