"""Verdict records for auditors: attestations and DSSE signing."""
