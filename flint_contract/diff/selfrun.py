"""`python -m flint_contract.diff.selfrun` (= `make diff`): start a fresh sandbox on a free loopback port as the
server under test and run `flint-contract diff --oracle embedded` against it (the clean sandbox against itself:
nothing should differ). Extra arguments go to `diff` (`--quick`, `--seed N`, ...)."""

from __future__ import annotations

import sys
from typing import Sequence

from .. import cli
from ..localserver import Sandbox, SandboxError


def main(argv: Sequence[str] | None = None) -> int:
    extra = list(argv if argv is not None else sys.argv[1:])
    try:
        sandbox = Sandbox().start()
    except SandboxError as exc:
        sys.stderr.write(f"flint-contract diff selfrun: {exc}\n")
        return 2
    try:
        print(f"selfrun: target sandbox at {sandbox.base_url}", flush=True)
        return cli.main(["diff", "--oracle", "embedded", "--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
                        + extra)
    finally:
        sandbox.stop()


if __name__ == "__main__":
    raise SystemExit(main())
