"""The rules side, in the order a pack goes through it: declarations (`declared`,
`vocabulary`), the condition and message languages (`expressions`, `templates`), what
a pack must not do (`soundness`), loading a pack directory (`rulepack`), compiling its
conditions into rulesets (`compiling`) and the durable_rules engine that decides them
(`engine`)."""
