"""Reports beyond the verdict (issue 15): schemathesis' own HAR and VCR recordings passed through
(--har, --vcr: every pass merged, credentials masked), and the checks a run did not make said out loud
in the console and the JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from flint_contract.cassettes import merge_har, merge_vcr
from flint_contract.localserver import Sandbox


def _kit(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for var in ("FLINT_BASE_URL", "FLINT_API_KEY", "FLINT_PEER_API_KEY"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "flint_contract", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def test_har_and_vcr_passthrough(tmp_path: Path) -> None:
    with Sandbox() as sb:
        run = _kit(["run", "--base-url", sb.base_url, "--api-key", sb.api_key, "--quick", "--probes", "none",
                    "--operations", "createOrder,getOrder", "--har", "out/run.har", "--vcr", "out/run.yaml",
                    "--workdir", "work"], tmp_path)
    assert run.returncode == 0, f"{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    har = json.loads((tmp_path / "out" / "run.har").read_text(encoding="utf-8"))
    entries = har["log"]["entries"]
    assert entries and har["log"]["version"] and har["log"]["creator"]["name"]
    assert {e["request"]["method"] for e in entries} >= {"POST", "GET"}  # createOrder, getOrder (and coverage probes of others)
    assert all(e["request"]["url"].startswith(sb.base_url + "/v1/orders") for e in entries)
    assert {e["response"]["status"] for e in entries} & {200, 201}
    cassette = yaml.safe_load((tmp_path / "out" / "run.yaml").read_text(encoding="utf-8"))
    assert cassette["seed"] == 1 and len(cassette["http_interactions"]) == len(entries)
    assert f"HAR {tmp_path / 'out' / 'run.har'} ({len(entries)} schemathesis requests)" in run.stdout
    for name in ("run.har", "run.yaml"):
        assert sb.api_key not in (tmp_path / "out" / name).read_text(encoding="utf-8")  # masked, never recorded
    # a full run has a file per schemathesis pass: the run's file is all of them, in order
    passes = sorted((tmp_path / "work").glob("*.har"))
    assert passes and merge_har(passes + passes, tmp_path / "twice.har") == 2 * len(entries)
    vcrs = sorted((tmp_path / "work").glob("*-vcr.yaml"))
    assert merge_vcr(vcrs + vcrs, tmp_path / "twice.yaml") == 2 * len(entries)
    assert len(yaml.safe_load((tmp_path / "twice.yaml").read_text(encoding="utf-8"))["http_interactions"]) == 2 * len(entries)


def _skipped(sandbox: Sandbox, tmp_path: Path) -> tuple[str, dict[str, object]]:
    run = _kit(["run", "--base-url", sandbox.base_url, "--api-key", sandbox.api_key, "--no-fuzz",
                "--probes", "idempotency,page_size_bounds,tenant_isolation", "--json", "out.json"], tmp_path)
    assert run.returncode in (0, 1), run.stdout + run.stderr
    return run.stdout, json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))


def test_what_was_not_checked_is_said(tmp_path: Path) -> None:
    """Float amounts made order_arithmetic pass over every order silently (the new-user walk's masked tip
    bug); a run without a peer key, with some probes and no fuzzing, says what it left out."""
    with Sandbox(faults=("float_amounts",)) as sb:
        out, report = _skipped(sb, tmp_path)
    lines = [line for line in out.splitlines() if line.startswith("not checked: ")]
    arithmetic = [line for line in lines if line.startswith("not checked: order_arithmetic not checked on ")]
    assert arithmetic and "createOrder x" in arithmetic[0] and "non-integer" in arithmetic[0], out
    assert "not checked: tenant_isolation not checked: no --peer-api-key (a second merchant's key)" in lines
    assert any(line.endswith("not checked: probes not selected (--probes)") and "pagination_walk" in line for line in lines)
    assert any("--no-fuzz" in line for line in lines)
    records = {r["check"]: r for r in report["skipped"]}  # type: ignore[attr-defined]
    assert records["order_arithmetic"]["count"] >= 1 and "createOrder" in records["order_arithmetic"]["operations"]
    assert records["tenant_isolation"]["reason"].startswith("no --peer-api-key")


def test_integer_amounts_leave_nothing_unjudged(tmp_path: Path) -> None:
    with Sandbox() as sb:
        out, report = _skipped(sb, tmp_path)
    assert "order_arithmetic not checked" not in out
    assert "order_arithmetic" not in {r["check"] for r in report["skipped"]}  # type: ignore[attr-defined]
