"""Shared value types at the bottom: problems (user errors as values), exact numbers, results, text escaping."""
