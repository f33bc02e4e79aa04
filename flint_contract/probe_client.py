"""HTTP client for the kit's own requests (preflight, seeding, scenario probes).

Every response it receives also goes through the per-response rules (flint_contract.invariants),
so a scenario probe doubles as a targeted example of the response checks. Violations are collected,
each with a curl command that reproduces the request.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

import httpx

from .invariants import Exchange, check_response
from .skips import RESPONSE_SKIPPERS, Skips, response_skips
from .spec import Spec
from .violations import Violation, curl_command, response_text


@dataclass
class Collector:
    violations: list[Violation] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)  # check names that were exercised
    excluded: frozenset[str] = frozenset()  # --exclude-checks: findings of these are dropped
    # check -> operationId -> how many times the check exercised it (a checker that never ran shows as 0)
    exercised: dict[str, dict[str, int]] = field(default_factory=dict)
    skips: Skips = field(default_factory=Skips)  # responses a rule could not judge, and why

    def exercise(self, check: str, operation: str) -> None:
        self.ran.add(check)
        per_op = self.exercised.setdefault(check, {})
        per_op[operation] = per_op.get(operation, 0) + 1

    def add(self, v: Violation) -> None:
        if v.check in self.excluded:
            return
        key = (v.check, v.operation, v.message)
        if all((x.check, x.operation, x.message) != key for x in self.violations):
            self.violations.append(v)


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    text: str
    curl: str
    operation_id: str | None

    @property
    def response_text(self) -> str:
        return response_text(self.status, self.headers, self.text)

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def data(self) -> Any:
        body = self.json()
        return body.get("data") if isinstance(body, dict) else None

    @property
    def error_code(self) -> str | None:
        body = self.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            code = body["error"].get("code")
            return code if isinstance(code, str) else None
        return None

    def brief(self) -> str:
        code = self.error_code
        return f"{self.status}" + (f" {code}" if code else "") + ("" if code else f" {self.text[:160]}")


class Unreachable(Exception):
    pass


class ProbeClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        spec: Spec,
        collector: Collector,
        *,
        key_var: str = "FLINT_API_KEY",
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.spec = spec
        self.collector = collector
        self.key_var = key_var
        # Tags what the kit creates (orders' external_reference_id) so a person can tell runs apart.
        self.run_tag = ""
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ProbeClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        op: str | None = None,
        json_body: Any = None,
        raw_body: str | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        check_response_rules: bool = True,
    ) -> Reply:
        method = method.upper()
        hdrs = {"Authorization": f"Bearer {self.api_key}"}
        content: bytes | None = None
        if raw_body is not None:
            content = raw_body.encode("utf-8")
        elif json_body is not None or method in ("POST", "PATCH", "PUT"):
            # Compact, ensure_ascii=False: the bytes we send are the bytes in the curl command.
            content = json.dumps({} if json_body is None else json_body, ensure_ascii=False).encode("utf-8")
        if content is not None:
            hdrs["Content-Type"] = "application/json"
        if method in ("POST", "PATCH", "PUT", "DELETE"):
            hdrs["Idempotency-Key"] = idempotency_key or f"flint-contract-{uuid.uuid4()}"
        hdrs.update(headers or {})
        query = {k: v for k, v in (params or {}).items() if v is not None}
        request = self._http.build_request(method, path, params=query, content=content, headers=hdrs)
        curl = curl_command(method, str(request.url), dict(request.headers), content, key_var=self.key_var)
        try:
            resp = self._http.send(request)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{method} {request.url}: {exc}") from exc
        reply = Reply(
            status=resp.status_code,
            headers={k.lower(): v for k, v in resp.headers.items()},
            text=resp.text,
            curl=curl,
            operation_id=op,
        )
        if check_response_rules:
            operation = self.spec.operations.get(op) if op else None
            body: Any = None
            if content:
                try:
                    body = json.loads(content)
                except ValueError:
                    body = None
            ex = Exchange(
                method=method,
                url=str(request.url),
                status=reply.status,
                headers=reply.headers,
                text=reply.text,
                operation=operation,
                request_body=body,
                request_query=query,
            )
            for f in check_response(self.spec, ex):
                self.collector.add(Violation(f.check, f.message, f.expected, curl, op, reply.response_text))
            for check in RESPONSE_SKIPPERS:
                for reason in response_skips(check, ex):
                    self.collector.skips.add(check, reason, op or f"{method} {path}")
        return reply

    # Small conveniences for the flows every probe needs.
    def get(self, path: str, *, op: str, params: Mapping[str, Any] | None = None) -> Reply:
        return self.request("GET", path, op=op, params=params)

    def post(self, path: str, body: Any = None, *, op: str, **kw: Any) -> Reply:
        return self.request("POST", path, op=op, json_body=body, **kw)

    def fail(self, check: str, message: str, expected: str, reply: Reply | None = None, op: str | None = None,
             steps: "list[Reply] | tuple[Reply, ...]" = ()) -> None:
        """Report a violation; `steps` are the requests before `reply` that reproducing it needs (in order)."""
        curls = [step.curl for step in steps] + ([reply.curl] if reply else [])
        self.collector.add(
            Violation(check, message, expected, "\n".join(curls) or None, op or (reply.operation_id if reply else None),
                      reply.response_text if reply else None)
        )
