"""The team command's answers, one module per family of subcommands."""
