"""`flint-contract diff`: differential conformance of a server against the sandbox as oracle.

sequence.py (steps whose ids are references), generate.py (seeded sequences over the spec's links),
compare.py (ids mapped, allowances from the spec), execute.py (both servers, fresh merchants), shrink.py
(delta debugging), driver.py (one run), report.py (the kit's report), cli.py (the subcommand).
"""

from .driver import DiffOptions, DiffResult, execute_diff

__all__ = ["DiffOptions", "DiffResult", "execute_diff"]
