"""Flint contract kit: fuzz any Flint server against the spec (schemathesis) and Flint's domain
rules (money, envelopes, errors, order arithmetic, sequences, idempotency, pagination, tenancy).

Entry points: `flint-contract run ...` (flint_contract.cli), `python -m flint_contract.selfrun`
(against a fresh local sandbox), and the pytest suite in tests/contract.
"""

from __future__ import annotations

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("flint-toolkit")
except _metadata.PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"

from .runner import EXIT_CANNOT_RUN, EXIT_OK, EXIT_VIOLATIONS, RunOptions, RunResult, execute
from .violations import Violation

__all__ = ["EXIT_CANNOT_RUN", "EXIT_OK", "EXIT_VIOLATIONS", "RunOptions", "RunResult", "Violation", "__version__", "execute"]
