"""The condition language: parsing, types, evaluation, message templates."""
