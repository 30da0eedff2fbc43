"""The team command's words, one module per family of subcommands."""
