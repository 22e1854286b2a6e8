"""Shared values at the bottom: problems (user errors as values), exact numbers, dates,
the value types, results, text escaping and 'did you mean' hints."""
