"""The kit as a product (issue 15): back-to-back runs against one server and key all conform, --quick
conforms on a clean sandbox, the start banner and progress, temp workdirs removed, a relative
--workdir, --version, grouped and capped reports, and the pytest plugin in a user's own suite."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flint_contract import __version__
from flint_contract.localserver import Sandbox
from flint_contract.report import print_result, render_html, write_junit
from flint_contract.runner import RunOptions, RunResult
from flint_contract.violations import Violation

pytest_plugins = ["pytester"]


def _kit(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for var in ("FLINT_BASE_URL", "FLINT_API_KEY", "FLINT_PEER_API_KEY"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "flint_contract", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1800)


def test_version() -> None:
    out = _kit(["--version"], Path.cwd())
    assert out.returncode == 0 and out.stdout.strip() == f"flint-contract {__version__}"


def test_back_to_back_default_runs_against_one_sandbox_and_key_conform(tmp_path: Path) -> None:
    """The regression of issue 15: a default run used to delete the merchant's only payout destination,
    so the second run against the same key reported 7 violations (409 DESTINATION_NOT_ACTIVE)."""
    with Sandbox() as sb:
        for i in range(2):
            run = _kit(["run", "--base-url", sb.base_url, "--api-key", sb.api_key, "--peer-api-key", sb.peer_api_key],
                       tmp_path)
            assert run.returncode == 0, f"run {i + 1}:\n{run.stdout[-6000:]}\n{run.stderr[-3000:]}"
            assert "CONFORMS" in run.stdout and "seed 1" in run.stdout
            # the start banner: version, URL, seed, workdir, plan; then progress lines per step
            assert f"flint-contract {__version__}: {sb.base_url} seed=1" in run.stderr, run.stderr
            assert "plan: default:" in run.stderr and "non-destructive" in run.stderr
            assert re.search(r"probe \d+/\d+ \w+: done in", run.stderr), run.stderr
            assert "schemathesis stateful group 1/" in run.stderr
            removed = re.search(r"workdir (\S+) removed", run.stdout)
            assert removed, run.stdout
            assert not Path(removed.group(1)).exists()
            assert "deletePayoutDestination not fuzzed" in run.stdout


def test_quick_run_on_a_clean_sandbox_conforms_relative_workdir_kept(tmp_path: Path) -> None:
    with Sandbox() as sb:
        run = _kit(["run", "--base-url", sb.base_url, "--api-key", sb.api_key, "--peer-api-key", sb.peer_api_key,
                    "--quick", "--workdir", "rel/work", "--html", "out/report.html", "--junit", "out/kit.xml",
                    "--json", "out/findings.json"], tmp_path)
    assert run.returncode == 0, f"{run.stdout[-6000:]}\n{run.stderr[-3000:]}"
    assert "plan: quick:" in run.stderr and "link coverage >= 85%" in run.stderr
    workdir = tmp_path / "rel" / "work"
    assert f"workdir kept (--workdir): {workdir}" in run.stdout
    assert list(workdir.glob("*.ndjson"))
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "flint-contract: CONFORMS" in page and 'id="operations"' in page
    assert ET.parse(tmp_path / "out" / "kit.xml").getroot().get("failures") == "0"
    assert json.loads((tmp_path / "out" / "findings.json").read_text())["verdict"] == "CONFORMS"


def _flood() -> RunResult:
    """What the 3-route buggy server of the new-user walk produced: thousands of findings over a few
    (check, operation) pairs, most of them the same message on many cases."""
    out = []
    for i in range(2400):
        out.append(Violation("money_amount_is_integer", f"data[{i % 25}].total_money.amount is 2500.0, not an integer",
                             "an integer literal", curl=f"curl -X GET 'http://x/v1/orders?page_size={i % 100 + 1}'",
                             operation="listOrders"))
    for i in range(900):
        out.append(Violation("envelope_request_id", f"request_id missing (case {i})", "equals X-Request-Id",
                             curl="curl -X POST http://x/v1/orders", operation=["createOrder", "getOrder", "listOrders"][i % 3]))
    out.append(Violation("status_code_conformance", "Received: 200 Documented: 201", "a documented status",
                         curl="curl -X POST http://x/v1/orders", operation="createOrder"))
    out.append(Violation("link_coverage", "3 of 47 links covered", "every link"))
    return RunResult(1, violations=out, options=RunOptions("http://x", "k"), timings={"total": 1.0})


def test_findings_grouped_capped_and_ordered(tmp_path: Path) -> None:
    import io

    result = _flood()
    buf = io.StringIO()
    print_result(result, buf)
    text = buf.getvalue()
    lines = text.splitlines()
    assert len(lines) < 80, text  # one screen, not 20,000 lines
    assert "3302 finding(s) in 6 group(s)" in text
    # most severe first: the 201 -> 200 bug is on screen, not at line 16,159
    headers = [line for line in lines if line.startswith("== ")]
    assert headers[0].startswith("== HIGH") and headers[-1].startswith("== LOW [link_coverage]")
    assert any("[status_code_conformance] createOrder: 1 finding(s)" in h for h in headers)
    assert "== HIGH [money_amount_is_integer] listOrders: 2400 finding(s), 25 distinct" in text
    junit = tmp_path / "kit.xml"
    write_junit(result, junit)
    assert junit.stat().st_size < 20_000, junit.stat().st_size
    suite = ET.parse(junit).getroot()
    names = {(c.get("classname"), c.get("name")) for c in suite.iter("testcase")}
    assert ("flint_contract.envelope_request_id", "getOrder") in names and suite.get("failures") == "6"
    page = render_html(result)
    assert len(page) < 60_000 and 'href="#g0"' in page and 'id="g0"' in page


USER_SUITE = '''
from flint_api import FlintClient


def test_my_integration(flint_client: FlintClient, flint_sandbox) -> None:
    page = flint_client.orders.list(page_size=1)
    assert flint_sandbox.base_url.startswith("http://127.0.0.1:")
    assert page is not None


def test_my_server_conforms(flint_contract) -> None:
    result = flint_contract(quick=True, fuzz=False, probes=["page_size_bounds", "idempotency"])
    assert result.exit_code == 0


def test_a_broken_server_fails_with_grouped_findings(flint_contract) -> None:
    from flint_contract.localserver import Sandbox

    with Sandbox(faults=("clamp_page_size",)) as broken:
        flint_contract(broken.base_url, broken.api_key, fuzz=False, probes=["page_size_bounds"])
'''


def test_pytest_plugin_in_a_user_suite(pytester: pytest.Pytester) -> None:
    """The pytest11 entry point gives a user's suite the fixtures with no conftest and no glue code."""
    pytester.makepyfile(test_user=USER_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "the server does not conform to the Flint contract" in out
    assert "[pagination_page_size_bounds] listOrders" in out


ASYNC_SUITE = '''
import asyncio

import pytest
from flint_api import AsyncFlintClient, errors

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_async_client_in_process(flint_async_client: AsyncFlintClient, flint_sandbox_asgi) -> None:
    tote = {"name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}
    orders = await asyncio.gather(*(flint_async_client.orders.create(line_items=[tote]) for _ in range(3)))
    assert [o.data.pricing_amounts.total_money.amount for o in orders] == [2500, 2500, 2500]
    paid = await flint_async_client.orders.pay(orders[0].data.order_id, {"action": "pay", "payment_source": {"token": "tok_visa"}})
    got = (await flint_async_client.orders.get(orders[0].data.order_id)).data
    assert got.settlement_amounts.paid_money.amount == 2500 and paid is not None
    page = (await flint_async_client.orders.list(page_size=10)).data
    assert len(page) == 3
    # the second merchant sees none of it: the sandbox's tenancy, in process
    async with flint_sandbox_asgi.async_client(flint_sandbox_asgi.peer_api_key) as peer:
        with pytest.raises(errors.NotFoundError):
            await peer.orders.get(orders[0].data.order_id)
    assert flint_sandbox_asgi.db_path.is_file()


async def test_each_test_gets_a_fresh_sandbox(flint_async_client: AsyncFlintClient) -> None:
    assert (await flint_async_client.orders.list(page_size=10)).data == []
'''


def test_asgi_sandbox_fixture_with_the_async_client(pytester: pytest.Pytester) -> None:
    """flint_sandbox_asgi / flint_async_client: the generated async client against an in-process sandbox
    (httpx.ASGITransport; no server, no port), a fresh database per test."""
    pytester.makepyfile(test_async_user=ASYNC_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
