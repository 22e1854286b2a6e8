"""Files to documents: discovering order files, reading YAML and JSON with each
value's line:column."""
