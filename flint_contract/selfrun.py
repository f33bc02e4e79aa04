"""`python -m flint_contract.selfrun` (= `make contract`): start a fresh sandbox on a free loopback
port with two merchants' keys, run `flint-contract run` against it with the default settings, stop
the server, and exit with the kit's code."""

from __future__ import annotations

import sys
import time
from typing import Sequence

from . import cli
from .localserver import Sandbox, SandboxError


def main(argv: Sequence[str] | None = None) -> int:
    extra = list(argv if argv is not None else sys.argv[1:])
    started = time.monotonic()
    try:
        sandbox = Sandbox().start()
    except SandboxError as exc:
        sys.stderr.write(f"flint-contract selfrun: {exc}\n")
        return 2
    try:
        print(f"selfrun: sandbox at {sandbox.base_url}", flush=True)
        code = cli.main(
            ["run", "--base-url", sandbox.base_url, "--api-key", sandbox.api_key, "--peer-api-key", sandbox.peer_api_key,
             "--destructive"]  # a throwaway sandbox: deletePayoutDestination is fuzzed too
            + extra
        )
        if code != 0:
            problems = [line for line in sandbox.log.splitlines() if line.strip() and not line.startswith("INFO")]
            if len(problems) > 3:
                print("selfrun: sandbox log (non-INFO lines, last 40):\n  " + "\n  ".join(problems[-40:]), flush=True)
    finally:
        sandbox.stop()
    print(f"selfrun: exit {code} after {time.monotonic() - started:.1f}s", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
