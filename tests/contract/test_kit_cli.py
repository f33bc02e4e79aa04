"""The kit as users run it: exit codes (2 when it cannot run), the JUnit file, and the strict
coverage read from schemathesis' NDJSON report of a clean run against the local sandbox."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contract_target import Target, target
from flint_contract import cli, engine, engine_report
from flint_contract.localserver import Sandbox
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


@pytest.fixture(scope="module")
def stateful_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    """One kit run with the default stateful settings (what gives 100% links with the default seed) but
    only examples and 5 fuzzing cases per operation besides it (the coverage phase adds half a minute and no links)."""
    t = _live()
    workdir = tmp_path_factory.mktemp("stateful-run")
    # Every operation and link includes deletePayoutDestination, which deletes the merchant's payout destination:
    # only fuzzed with --destructive, so locally the run gets a throwaway sandbox of its own.
    own = Sandbox().start() if t.local else None
    base_url, api_key = (own.base_url, own.api_key) if own else (t.base_url, t.api_key)
    args = ["run", "--base-url", base_url, "--api-key", api_key, "--phases", "examples,fuzzing,stateful", "--max-examples", "5", "--probes", "none",
            "--workdir", str(workdir), "--junit", str(workdir / "kit.xml"), "--quiet"] + (["--destructive"] if own else [])
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            code = cli.main(args)
    finally:
        if own is not None:
            own.stop()
    return code, buf.getvalue(), workdir


def test_report_every_operation_2xx_and_every_link(stateful_run: tuple[int, str, Path]) -> None:
    """Reads schemathesis' own NDJSON reports: every operation answered 2xx, every declared link was followed."""
    code, out, workdir = stateful_run
    spec = load_spec()
    result = engine.EngineResult(exit_code=0, violations=[])
    reports = sorted(workdir.glob("*.ndjson"))
    assert reports, out
    for report in reports:  # one NDJSON per schemathesis pass (engine.run)
        engine.read_ndjson(report, result, spec)
    assert set(spec.operations) - result.operations_2xx == set(), out
    assert engine.spec_links(spec) - result.links_covered == set(), out
    assert len(engine.spec_links(spec)) == 47


def test_stateful_run_conforms(stateful_run: tuple[int, str, Path]) -> None:
    code, out, workdir = stateful_run
    assert code == 0, out
    suite = ET.parse(workdir / "kit.xml").getroot()
    assert suite.get("failures") == "0"


def _sequence(path: Path) -> list[tuple[tuple[str, int | None], ...]]:
    """(operation, status) per schemathesis scenario, in the order they ran (single worker)."""
    scenarios = []
    for name, payload in engine.iter_events(path):
        if name != "ScenarioFinished":
            continue
        recorder = (payload or {}).get("recorder") or {}
        steps = []
        for case_id, node in (recorder.get("cases") or {}).items():
            response = ((recorder.get("interactions") or {}).get(case_id) or {}).get("response") or {}
            steps.append((str(engine_report._case_label(node)), response.get("status_code")))
        scenarios.append(tuple(steps))
    return scenarios


def test_same_seed_same_run(tmp_path: Path) -> None:
    t = _live()
    runs = []
    for i in range(2):
        workdir = tmp_path / f"run{i}"
        args = ["run", "--base-url", t.base_url, "--api-key", t.api_key, "--seed", "7", "--workers", "1", "--max-examples", "5", "--probes", "none",
                "--operations", "createOrder,getOrder,listOrders,listPayouts", "--phases", "examples,fuzzing",
                "--workdir", str(workdir)]
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(args)
        runs.append(_sequence(workdir / "schemathesis.ndjson"))
    assert sum(len(s) for s in runs[0]) > 20
    assert runs[0] == runs[1]


def test_known_stub_bugs_fixed() -> None:
    """Regression for two generated-stub bugs the kit found (fixed in a3eba4e): (a) a 405 names the
    allowed methods in Allow; (b) an idempotent replay's body request_id is the new X-Request-Id."""
    import uuid

    import httpx

    t = _live()
    headers = {"Authorization": f"Bearer {t.api_key}"}
    with httpx.Client(base_url=t.base_url, headers=headers) as http:
        r405 = http.put("/v1/orders")
        assert r405.status_code == 405 and r405.headers.get("allow") == "GET, POST"
        body = {"line_items": [{"name": "Replay", "quantity": 1, "unit_price_money": {"amount": 100, "currency": "USD"}}]}
        key = {"Idempotency-Key": f"replay-{uuid.uuid4()}"}
        first = http.post("/v1/orders", json=body, headers=key)
        replay = http.post("/v1/orders", json=body, headers=key)
        assert replay.json()["request_id"] == replay.headers["x-request-id"] != first.headers["x-request-id"]
        assert replay.json()["data"] == first.json()["data"]
