"""The kit as users run it: exit codes (2 when it cannot run), the JUnit file, and the strict
coverage read from schemathesis' NDJSON report of a clean run against the local sandbox."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contract_target import Target, target
from flint_contract import cli, engine
from flint_contract.spec import load_spec


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = cli.main(["run", "--base-url", f"http://127.0.0.1:{_free_port()}", "--api-key", "flint_test_x", "--junit", str(tmp_path / "j.xml")])
    out = capsys.readouterr().out
    assert code == 2 and "unreachable" in out
    assert ET.parse(tmp_path / "j.xml").getroot().find("testcase/error") is not None


def test_invalid_spec_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"swagger": "2.0"}))
    code = cli.main(["run", "--base-url", "http://127.0.0.1:1", "--api-key", "k", "--spec", str(bad)])
    assert code == 2 and "invalid spec" in capsys.readouterr().out


def _live() -> Target:
    t = target()
    if not isinstance(t, Target):
        pytest.skip(t)
    return t


def test_rejected_key_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    t = _live()
    code = cli.main(["run", "--base-url", t.base_url, "--api-key", "flint_test_not_a_key", "--no-fuzz"])
    assert code == 2 and "rejected" in capsys.readouterr().out
    if t.peer_api_key:
        code = cli.main(["run", "--base-url", t.base_url, "--api-key", t.api_key, "--peer-api-key", "flint_test_nope", "--no-fuzz"])
        assert code == 2


def test_quick_run_report_every_operation_2xx_and_every_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Reads schemathesis' own NDJSON report: every operation answered 2xx, every link was followed."""
    t = _live()
    args = ["run", "--base-url", t.base_url, "--api-key", t.api_key, "--quick", "--probes", "none", "--workdir", str(tmp_path), "--junit", str(tmp_path / "kit.xml")]
    code = cli.main(args)
    out = capsys.readouterr().out
    spec = load_spec()
    result = engine.EngineResult(exit_code=0, violations=[])
    reports = sorted(tmp_path.glob("*.ndjson"))
    assert reports, out
    for report in reports:  # one NDJSON per schemathesis pass (engine.run)
        engine.read_ndjson(report, result, spec)
    assert set(spec.operations) - result.operations_2xx == set(), out
    assert engine.spec_links(spec) - result.links_covered == set(), out
    assert code == 0, out
    suite = ET.parse(tmp_path / "kit.xml").getroot()
    assert suite.get("failures") == "0"
