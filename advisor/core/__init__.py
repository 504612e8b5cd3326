"""Shared foundations every stage imports: errors, config, paths, file I/O, the log schema, tokens."""
