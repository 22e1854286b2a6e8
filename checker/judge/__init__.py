"""Orders judged: reading them into facts, ledgers, the engine's verdicts, wording, waivers."""
