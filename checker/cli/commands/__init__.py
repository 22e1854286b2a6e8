"""One module per command (`chipcheck check` is checker.cli.commands.check), each with
`run(args, config) -> int`; checker.cli.main parses the command line and picks one."""
