"""One module per command (`chipcheck check` is checker.commands.check), each with
`run(args, config) -> int`; checker.cli parses the command line and picks one."""
