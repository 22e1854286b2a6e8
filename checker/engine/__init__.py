"""The rules compiled into durable_rules rulesets: the only importer of its C engine."""
