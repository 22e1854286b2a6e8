"""The command line: argv to exit code, configuration, one module per command."""
