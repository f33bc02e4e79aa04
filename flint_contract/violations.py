"""What the kit reports: a violation names the check, says what was expected, and carries a curl
command that reproduces it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Mapping

# Headers whose values are secrets or per-request noise: the curl command references env vars instead.
_SECRET_HEADERS = {"authorization": 'Authorization: Bearer $FLINT_API_KEY', "x-api-key": "X-API-Key: $FLINT_API_KEY"}
_DROP_HEADERS = {"content-length", "user-agent", "accept-encoding", "connection", "host", "accept"}


@dataclass(frozen=True)
class Violation:
    check: str
    message: str  # what the server did
    expected: str  # what the contract says
    curl: str | None = None
    operation: str | None = None  # operationId or "METHOD /path"
    response: str | None = None  # the server's answer as received: status line, headers, body (cut at RESPONSE_LIMIT)

    def render(self) -> str:
        lines = [f"[{self.check}]" + (f" {self.operation}" if self.operation else "")]
        lines.append(f"  found:    {self.message}")
        lines.append(f"  expected: {self.expected}")
        if self.curl:
            lines.append("  reproduce:")
            lines.extend("    " + part for part in self.curl.splitlines())
        return "\n".join(lines)


RESPONSE_LIMIT = 4000  # characters of a response body kept with a finding (the report is read, not archived)


def response_text(status: int, headers: Mapping[str, str], body: str) -> str:
    """The response a finding was judged on, as a person reads it under the request's curl."""
    lines = [f"HTTP {status}"] + [f"{k}: {v}" for k, v in sorted(headers.items()) if k.lower() not in _DROP_HEADERS]
    cut = body if len(body) <= RESPONSE_LIMIT else body[:RESPONSE_LIMIT] + f"\n... ({len(body) - RESPONSE_LIMIT} more characters)"
    return "\n".join(lines) + "\n\n" + cut


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    *,
    key_var: str = "FLINT_API_KEY",
) -> str:
    """A copy-pasteable curl command. The API key is referenced as $FLINT_API_KEY (or the peer's
    variable) rather than printed."""
    parts = ["curl", "-sS", "-i", "-X", method.upper(), shlex.quote(url)]
    for name, value in (headers or {}).items():
        lower = name.lower()
        if lower in _DROP_HEADERS:
            continue
        if lower in _SECRET_HEADERS:
            header = _SECRET_HEADERS[lower].replace("FLINT_API_KEY", key_var)
            parts += ["-H", f'"{header}"']
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body is not None and body != b"" and body != "":
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        parts += ["--data-raw", shlex.quote(text)]
    return " ".join(parts)
