"""The command line: one module per command, and one way to print and to fail."""
