"""Progress a person sees (issue 15): on a terminal a live bar of steps done out of steps planned, with
the running step, above the progress lines; anywhere else (a pipe, a file, CI) plain lines only."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

from flint_contract.localserver import Sandbox

ARGS = ["--no-fuzz", "--probes", "idempotency,page_size_bounds"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1", TERM="xterm")
    for var in ("FLINT_BASE_URL", "FLINT_API_KEY", "FLINT_PEER_API_KEY", "NO_COLOR"):
        env.pop(var, None)
    return env


def _in_a_terminal(cmd: list[str]) -> tuple[int, str]:
    """Run `cmd` with stdout and stderr on a pseudo-terminal (120 x 40) and read all it draws."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=_env())
    os.close(slave)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                break
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
        code = proc.wait(timeout=60)
    return code, out.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_plain_lines_otherwise() -> None:
    with Sandbox() as sb:
        cmd = [sys.executable, "-m", "flint_contract", "run", "--base-url", sb.base_url, "--api-key", sb.api_key, *ARGS]
        code, screen = _in_a_terminal(cmd)
        piped = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=300)
    assert code == 0 and piped.returncode == 0, screen[-3000:] + piped.stdout + piped.stderr

    # a terminal: the bar is redrawn in place (carriage return, erase line), counts steps and names the running one
    assert "\r\x1b[2K" in screen
    text = ANSI.sub("", screen)
    frames = re.findall(r"flint-contract [━╸╺ ]+(\d+)/(\d+) steps +(.+?) +\d:\d\d:\d\d", text)
    assert frames, text[-2000:]
    seen = [(d, t, s.strip()) for d, t, s in frames]
    assert ("1", "3", "probe 1/2 idempotency") in seen and ("2", "3", "probe 2/2 page_size_bounds") in seen, seen
    assert frames[-1][:2] == ("3", "3") and frames[-1][2].strip() == "done"  # preflight + 2 probes, all done
    # the progress lines still scroll above it, and the verdict follows
    assert "probe 1/2 idempotency: done in" in text and "flint-contract: CONFORMS (exit 0)" in text
    assert "still running" not in text  # the bar's clock replaces the heartbeat lines

    # not a terminal: the same lines, plain, no bar, no escape codes, no carriage returns
    for stream in (piped.stdout, piped.stderr):
        assert "\x1b[" not in stream and "\r" not in stream and "steps" not in stream
    assert re.search(r"^\[ +\d+\.\ds\] probe 2/2 page_size_bounds: done in", piped.stderr, re.M), piped.stderr
    assert "flint-contract: CONFORMS (exit 0)" in piped.stdout
