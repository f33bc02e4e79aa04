"""Flint reference sandbox: a stateful server on the generated `flint_api.server` stubs, SQLite by default."""
