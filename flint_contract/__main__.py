"""`python -m flint_contract run ...` = `flint-contract run ...`."""

from .cli import main

raise SystemExit(main())
