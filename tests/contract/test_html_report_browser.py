"""The HTML report as a person sees it: a real kit run against a sandbox with planted faults, its report
opened in headless Chromium (the OS package; CI installs it), and what the page shows checked against the
run's own JSON: the verdict and summary counts, the per-(check, operation) table, each group's findings
with a curl reproduction, the per-operation table, what was not checked, working in-page links, no
console errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flint_contract.localserver import Sandbox

from headless import Browser, find_chromium

FAULTS = ("float_amounts", "clamp_page_size")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        message = "no Chromium found (install the OS package chromium, or set FLINT_CHROMIUM to its path)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must run the browser test (.ci/run installs chromium)", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    out = tmp_path_factory.mktemp("report")
    with Sandbox(faults=FAULTS) as sb:
        run = subprocess.run(
            [sys.executable, "-m", "flint_contract", "run", "--base-url", sb.base_url, "--api-key", sb.api_key,
             "--quick", "--operations", "createOrder,getOrder,listOrders", "--probes", "page_size_bounds,bad_money_input",
             "--workdir", str(out / "work"), "--html", str(out / "report.html"), "--json", str(out / "findings.json")],
            capture_output=True, text=True, timeout=900, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        key = sb.api_key
    assert run.returncode == 1, f"{run.stdout[-4000:]}\n{run.stderr[-3000:]}"
    return out / "report.html", json.loads((out / "findings.json").read_text(encoding="utf-8")), key


def test_html_report_in_headless_chromium(chromium: str, report: tuple[Path, dict[str, Any], str], tmp_path: Path) -> None:
    page, data, api_key = report
    groups = data["groups"]
    assert {g["check"] for g in groups} >= {"money_amount_is_integer", "pagination_page_size_bounds"}
    with Browser(chromium) as browser:
        browser.open(page.as_uri())
        browser.screenshot(tmp_path / "report.png")
        text = browser.eval("document.body.innerText")
        assert api_key not in text  # curl commands reference $FLINT_API_KEY, never the key
        # long found: texts and URLs wrap: nothing runs off the right edge of the window
        assert browser.eval("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

        # the verdict and the summary, as rendered
        assert browser.eval("document.title") == "flint-contract: VIOLATIONS"
        assert browser.eval("document.getElementById('verdict').innerText") == "flint-contract: VIOLATIONS (exit 1)"
        assert browser.eval("getComputedStyle(document.getElementById('verdict')).color") == "rgb(170, 17, 17)"
        summary = dict(browser.eval("[...document.querySelectorAll('#summary tr')].map(r => [r.cells[0].innerText, r.cells[1].innerText])"))
        assert summary["findings"] == f"{len(data['findings'])} in {len(groups)} group(s)"
        assert summary["seed"] == "1" and summary["server"] == data["base_url"]

        # the per-(check, operation) table: one visible row per group, in the JSON's order, with its counts
        rows = browser.eval("[...document.querySelectorAll('#groups tr')].slice(1).map(r => [...r.cells].map(c => c.innerText))")
        assert rows == [[g["severity"], g["check"], g["operation"] or "(run)", str(g["count"]), str(g["distinct"])] for g in groups]

        # each group: its heading, each example open with found / expected, the request as a curl command and the
        # response
        sections = browser.eval("""[...document.querySelectorAll('h3[id^=g]')].map(h => {
            const out = {id: h.id, title: h.innerText, examples: []};
            for (let n = h.nextElementSibling; n && n.tagName !== 'H3' && n.tagName !== 'H2'; n = n.nextElementSibling) {
                if (n.tagName === 'DETAILS') out.examples.push({open: n.open, text: n.innerText,
                    curl: n.querySelector('pre') ? n.querySelector('pre').innerText : null,
                    response: n.querySelector('pre.response') ? n.querySelector('pre.response').innerText : null,
                    visible: n.getBoundingClientRect().height > 0});
            }
            return out;
        })""")
        assert [s["id"] for s in sections] == [f"g{i}" for i in range(len(groups))]
        for section, group in zip(sections, groups):
            assert section["title"].startswith(f"[{group['check']}] {group['operation'] or '(run)'}: {group['count']} finding(s)")
            assert 1 <= len(section["examples"]) <= 3
            for example in section["examples"]:
                assert example["open"] and example["visible"]
                assert "found:" in example["text"] and "expected:" in example["text"]
                assert example["curl"].startswith("curl -sS -i -X ") and data["base_url"] in example["curl"]
                assert "Bearer $FLINT_API_KEY" in example["curl"]
                # and the response the finding was judged on: status line, headers, body
                assert example["response"] and example["response"].startswith("HTTP "), example["text"][:300]
                assert "content-type: application/json" in example["response"].lower()
        expected_curls = {f["curl"] for f in data["findings"] if f["curl"]}
        assert all(ex["curl"] in expected_curls for s in sections for ex in s["examples"])
        responses = {f["response"].strip() for f in data["findings"] if f.get("response")}
        assert all(ex["response"].strip() in responses for s in sections for ex in s["examples"])

        # the per-operation table: every fuzzed operation, its statuses, 2xx reached, its findings
        per_op: dict[str, int] = {}
        for f in data["findings"]:
            per_op[f["operation"] or ""] = per_op.get(f["operation"] or "", 0) + 1
        ops = {r[0]: r for r in browser.eval(
            "[...document.querySelectorAll('#operation-table tr')].slice(1).map(r => [...r.cells].map(c => c.innerText))")}
        for op in ("createOrder", "getOrder", "listOrders"):
            statuses = ops[op][1].split(", ")
            assert ops[op][2] == "yes" and any(st.startswith("2") for st in statuses), ops[op]
            assert ops[op][3] == str(per_op.get(op, 0)), ops[op]

        # what the run did not check, and why: float amounts leave the order arithmetic unchecked
        skipped = browser.eval("[...document.querySelectorAll('#skipped tr')].slice(1).map(r => r.innerText)")
        assert any(row.startswith("order_arithmetic") and "non-integer" in row for row in skipped), skipped
        assert len(skipped) == len(data["skipped"])

        # every in-page link has a target; following one scrolls its target into view
        dangling = browser.eval("[...document.querySelectorAll('a[href^=\"#\"]')].map(a => a.getAttribute('href'))"
                                ".filter(h => !document.getElementById(h.slice(1)))")
        assert dangling == []
        links = browser.eval("[...document.querySelectorAll('a[href^=\"#\"]')].map(a => a.getAttribute('href'))")
        assert {"#findings", "#operations", "#not-checked", "#verdict"} <= set(links)
        assert {f"#g{i}" for i in range(len(groups))} <= set(links)
        for href in ["#not-checked", f"#g{len(groups) - 1}", "#operations", "#g0"]:
            where = browser.eval(f"""(() => {{ window.scrollTo(0, 0);
                document.querySelector('a[href="{href}"]').click();
                const r = document.getElementById('{href[1:]}').getBoundingClientRect();
                return [location.hash, Math.round(r.top), window.innerHeight, window.scrollY]; }})()""")
            assert where[0] == href and 0 <= where[1] < where[2] and where[3] > 0, (href, where)
        back = browser.eval("""(() => { document.querySelector('#g0 ~ p a[href="#verdict"]').click();
            return [location.hash, Math.round(document.getElementById('verdict').getBoundingClientRect().top)]; })()""")
        assert back[0] == "#verdict" and back[1] >= 0
        assert browser.errors == []
