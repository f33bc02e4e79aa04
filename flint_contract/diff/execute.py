"""Run sequences on the oracle and the server under test, step by step, each on its own fresh merchant."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from ..spec import Spec
from .compare import Allowance, Canon, Comparison, Outcome, compare
from .sequence import Step, Unresolved, request_of

MERCHANTS_PATH = "/_sandbox/merchants"  # the sandbox's own extension: a fresh merchant per sequence


class CannotDiff(Exception):
    """The run cannot go on (a server unreachable, a key refused): exit 2."""


@dataclass
class Endpoint:
    """A server and a key. With `fresh`, every sequence runs on a new merchant minted through the sandbox's
    POST /_sandbox/merchants; without it (a server that lacks it) every sequence shares the given key."""

    name: str
    base_url: str
    api_key: str
    timeout: float = 15.0
    fresh: bool = False

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=self.timeout)

    def probe(self) -> None:
        """Check the key, and whether fresh merchants can be minted here."""
        try:
            r = self.http.get("/v1/orders", params={"page_size": 1}, headers={"Authorization": f"Bearer {self.api_key}"})
        except httpx.HTTPError as exc:
            raise CannotDiff(f"{self.name} {self.base_url} unreachable: {exc}") from exc
        if r.status_code in (401, 403):
            raise CannotDiff(f"{self.name} {self.base_url} refused the key: {r.status_code} {r.text[:200]}")
        try:
            self.fresh = self._mint_once() is not None
        except httpx.HTTPError:
            self.fresh = False

    def _mint_once(self) -> str | None:
        r = self.http.post(MERCHANTS_PATH, json={}, headers={"Authorization": f"Bearer {self.api_key}"})
        if r.status_code != 201:
            return None
        key = r.json().get("data", {}).get("api_key")
        return key if isinstance(key, str) else None

    def merchant_key(self) -> str:
        if not self.fresh:
            return self.api_key
        try:
            key = self._mint_once()
        except httpx.HTTPError as exc:
            raise CannotDiff(f"{self.name}: cannot create a merchant: {exc}") from exc
        if key is None:
            raise CannotDiff(f"{self.name}: {MERCHANTS_PATH} stopped answering 201")
        return key

    def close(self) -> None:
        self.http.close()


@dataclass
class Side:
    """One server during one sequence: its key, its responses so far, its id labels."""

    endpoint: Endpoint
    key: str
    spec: Spec
    bodies: list[Any] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    canon: Canon = field(default_factory=Canon)
    allowances: dict[str, list[Allowance]] = field(default_factory=dict)
    run_id: str = ""  # the same on both sides: idempotency keys (echoed in bodies) are equal on both servers

    def run(self, step: Step) -> Outcome:
        try:
            method, path, query, body = request_of(self.spec, step, self.bodies)
        except Unresolved as exc:
            out = Outcome(0, {"unresolved": str(exc)}, f"(request not built: {exc} is absent on this server)")
            self.bodies.append(None)
            self.outcomes.append(out)
            return out
        headers = {"Authorization": f"Bearer {self.key}"}
        if method in ("POST", "PATCH", "PUT", "DELETE"):
            headers["Idempotency-Key"] = f"flint-diff-{self.run_id}-{len(self.bodies)}"
        try:
            r = self.endpoint.http.request(method, path, params=query or None, headers=headers,
                                           json=body if body is not None else None)
        except httpx.HTTPError as exc:
            raise CannotDiff(f"{self.endpoint.name}: {method} {path}: {exc}") from exc
        try:
            parsed: Any = r.json()
        except ValueError:
            parsed = None
        canonical = self.canon(parsed, self.allowances.get(step.op, [])) if parsed is not None else r.text[:500]
        out = Outcome(r.status_code, canonical, r.text)
        self.bodies.append(parsed)
        self.outcomes.append(out)
        return out


@dataclass
class SequenceRun:
    steps: list[Step]
    oracle: list[Outcome]
    target: list[Outcome]
    first_difference: int | None = None
    comparison: Comparison | None = None
    used: Counter[str] = field(default_factory=Counter)  # allowances that forgave a difference

    @property
    def differs(self) -> bool:
        return self.first_difference is not None


NextStep = Callable[[list[Step], list[Any], list[bool]], Step]


def run_sequence(spec: Spec, oracle: Endpoint, target: Endpoint, allowances: dict[str, list[Allowance]],
                 steps: list[Step] | None = None, *, next_step: NextStep | None = None, length: int = 0,
                 ) -> SequenceRun:
    """Replay `steps`, or generate `length` steps with `next_step` (which sees the oracle's answers), on both
    servers; stop at the first step whose outcomes differ."""
    run_id = uuid.uuid4().hex[:16]
    o = Side(oracle, oracle.merchant_key(), spec, allowances=allowances, run_id=run_id)
    t = Side(target, target.merchant_key(), spec, allowances=allowances, run_id=run_id)
    done: list[Step] = []
    result = SequenceRun(done, o.outcomes, t.outcomes)
    total = len(steps) if steps is not None else length
    for i in range(total):
        if steps is not None:
            step = steps[i]
        else:
            assert next_step is not None
            step = next_step(done, o.bodies, [200 <= out.status < 300 for out in o.outcomes])
        done.append(step)
        out_o, out_t = o.run(step), t.run(step)
        if out_o.status == 0 and out_t.status == 0:
            continue  # an id neither server has (a list that came back empty on both): nothing was sent
        cmp = compare(out_o, out_t, allowances.get(step.op, []))
        result.used.update(cmp.used)
        if cmp.differences:
            result.first_difference, result.comparison = i, cmp
            break
    result.used.update(o.canon.used)
    return result


def brief(out: Outcome) -> str:
    code, param = out.error
    if out.status == 0:
        return "not sent"
    return f"{out.status}" + (f" {code}" if code else "") + (f" (param {param})" if param else "")


def pretty(out: Outcome, limit: int = 400) -> list[str]:
    """The canonical body as indented JSON lines (cut after `limit` lines)."""
    text = json.dumps(out.body, indent=1, sort_keys=False, ensure_ascii=False)
    lines = [f"HTTP {out.status}"] + text.splitlines()
    return lines[:limit] + ([f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else [])
