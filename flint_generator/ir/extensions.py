"""Reading the spec's `x-` extensions (and the defaults security and servers imply) into `Extensions`.

A malformed extension value is a spec error at its pointer (lenient: a warning, and the generic default is used).
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from flint_generator import reserved
from flint_generator.errors import SpecError, join_pointer
from flint_generator.ir.findings import Findings
from flint_generator.ir.types import Extensions
from flint_generator.naming import pascal

DEFAULT_CODES = {
    "malformed_body": "MALFORMED_BODY", "type": "INVALID_TYPE", "required": "FIELD_REQUIRED",
    "unknown_field": "UNKNOWN_FIELD", "value": "INVALID_VALUE", "parameter": "INVALID_PARAMETER",
    "body_too_large": "PAYLOAD_TOO_LARGE", "unsupported_media_type": "UNSUPPORTED_MEDIA_TYPE",
    # not in DESIGN's table but overridable the same way: unknown route, wrong method, unexpected exception
    "not_found": "RESOURCE_NOT_FOUND", "method_not_allowed": "METHOD_NOT_ALLOWED", "internal": "INTERNAL_ERROR",
}
# the generic error `type` by status (x-error-envelope.types_by_status replaces it; "400" is
# x-request-validation.error_type); keys are "<status>", "<digit>xx" or "default"
def default_error_types(validation_error_type: str) -> dict[str, str]:
    return {"400": validation_error_type, "401": "authentication_error", "403": "authorization_error",
            "404": "not_found_error", "405": "invalid_request_error", "409": "conflict_error",
            "413": "invalid_request_error", "415": "invalid_request_error", "429": "rate_limit_error",
            "500": "api_error", "5xx": "api_error", "default": "invalid_request_error"}


# the fields of the stub's error envelope, in the order it writes them (x-error-envelope.omit_null names these)
ENVELOPE_FIELDS = ("type", "code", "message", "doc_url", "error_source", "param", "request_id", "details")
_STATUS_KEY = re.compile(r"[1-5](?:[0-9][0-9]|xx)|default")
_HEADER_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _status_order(key: str) -> tuple[int, str]:
    return (2, key) if key == "default" else (1, key) if key.endswith("xx") else (0, key)


def read_extensions(d: dict[str, Any], findings: Findings) -> Extensions:
    """The x- extensions of the document (and what security/servers imply), each with a generic default."""
    info = d.get("info") or {}
    idem = d.get("x-idempotency") or {}
    pag = d.get("x-pagination") or {}
    rid = d.get("x-request-id") or {}
    rv = d.get("x-request-validation") or {}
    codes = dict(DEFAULT_CODES)
    if isinstance(rv.get("codes"), dict):
        codes.update({str(k): str(v) for k, v in rv["codes"].items()})
    client = d.get("x-client-name")
    if not _usable_name(client, reserved.CLIENT_MODULE):
        if client is not None:
            findings.warnings.append(SpecError("/x-client-name", f"{client!r} is not a usable class name; "
                                                             "using the default"))
        client = pascal(_text(info.get("title")) or "Api") + "Client"
    auth_header, auth_prefix = _auth_from_security(d)
    base_url = "http://localhost"
    for srv in d.get("servers") or []:
        if isinstance(srv, dict) and isinstance(srv.get("url"), str) and srv["url"].startswith("http"):
            base_url = srv["url"].rstrip("/")
            break
    pkg = d.get("x-package-name")
    if not _usable_name(pkg, set()):
        if pkg is not None:
            findings.warnings.append(SpecError("/x-package-name", f"{pkg!r} is not a usable package name; "
                                                              "using api_client"))
        pkg = "api_client"
    return Extensions(
        client_name=str(client),
        package_name=str(pkg),
        idempotency_header=idem.get("header") if isinstance(idem, dict) else None,
        replayed_pointer=idem.get("replayed_pointer") if isinstance(idem, dict) else None,
        cursor_param=pag.get("cursor_param"),
        size_param=pag.get("size_param"),
        next_cursor=pag.get("next_cursor"),
        items_field=pag.get("items"),
        request_id_header=str(rid.get("header") or "x-request-id"),
        request_id_pointer=rid.get("pointer"),
        validation_error_type=str(rv.get("error_type") or "invalid_request"),
        validation_codes=codes,
        max_body_bytes=int(rv.get("max_body_bytes") or 1048576),
        max_depth=int(rv.get("max_depth") or 32),
        auth_header=auth_header, auth_prefix=auth_prefix, base_url=base_url,
        key_modes=_key_modes(d, findings),
        **_envelope_settings(d, findings, idem, rid, str(rv.get("error_type") or "invalid_request")),
        **_client_settings(d, findings),
    )


_CURRENCY = re.compile(r"[A-Z]{3}")


def _auth_from_security(d: dict[str, Any]) -> tuple[str | None, str]:
    """(header, prefix) the client sends the API key in, from the first security requirement the spec applies
    (the root's, else the first operation's) whose scheme the client can fill from one key: http bearer,
    oauth2 / openIdConnect (access tokens are bearer tokens), apiKey in a header. None: the spec declares no
    such scheme, so the client sends no credentials of its own (no Bearer guess)."""
    schemes = (d.get("components") or {}).get("securitySchemes") or {}
    if not isinstance(schemes, dict):
        return None, ""
    requirements: list[Any] = list(d.get("security") or [])
    for item in (d.get("paths") or {}).values():
        for op in item.values() if isinstance(item, dict) else ():
            if isinstance(op, dict) and isinstance(op.get("security"), list):
                requirements.extend(op["security"])
    for req in requirements:
        for name in req if isinstance(req, dict) else ():
            sch = schemes.get(name)
            if not isinstance(sch, dict):
                continue
            kind = sch.get("type")
            if kind == "http" and str(sch.get("scheme", "")).lower() == "bearer":
                return "Authorization", "Bearer "
            if kind in ("oauth2", "openIdConnect"):
                return "Authorization", "Bearer "
            if kind == "apiKey" and sch.get("in") == "header" and isinstance(sch.get("name"), str):
                if _HEADER_TOKEN.fullmatch(sch["name"]):
                    return sch["name"], ""
    return None, ""


def _key_modes(d: dict[str, Any], findings: Findings) -> dict[str, str]:
    """x-api-key-modes: `{mode: key prefix}` (Flint: `{test: flint_test_, live: flint_live_}`); the client gets
    a `mode` property naming the mode of its key. Absent: no `mode` (nothing about keys is guessed)."""
    if "x-api-key-modes" not in d:
        return {}
    table = d["x-api-key-modes"]
    if not isinstance(table, dict) or not table:
        findings.fail("/x-api-key-modes", "must be a non-empty object of mode -> API key prefix")
        return {}
    out: dict[str, str] = {}
    for mode, prefix in table.items():
        if not isinstance(prefix, str) or not prefix or not prefix.isprintable():
            findings.fail(join_pointer("/x-api-key-modes", str(mode)), "must be a non-empty key prefix")
        elif not isinstance(mode, str) or not mode.isidentifier():
            findings.fail(join_pointer("/x-api-key-modes", str(mode)), "the mode must be a plain name")
        else:
            out[mode] = prefix
    return out


def _client_settings(doc: dict[str, Any], findings: Findings) -> dict[str, Any]:
    """x-api-version (`{header, value}`; value defaults to info.version) and x-money (`{schema, amount, currency,
    signed, currencies: {CODE: exponent}}`), checked: a malformed value is a spec error at its pointer."""
    out: dict[str, Any] = {}
    if "x-api-version" in doc:
        av = doc["x-api-version"]
        header = av.get("header") if isinstance(av, dict) else None
        value = av.get("value", (doc.get("info") or {}).get("version")) if isinstance(av, dict) else None
        if not isinstance(header, str) or not _HEADER_TOKEN.fullmatch(header):
            findings.fail("/x-api-version/header", f"{header!r} is not an HTTP header name")
        elif not isinstance(value, str) or not value or not value.isprintable() or not value.isascii():
            findings.fail("/x-api-version/value", "must be a non-empty printable ASCII string")
        else:
            out["api_version_header"], out["api_version"] = header, value
    if "x-money" in doc:
        mo = doc["x-money"]
        if not isinstance(mo, dict):
            findings.fail("/x-money", "must be an object")
            return out
        ok = True
        for k in mo:
            if k not in ("schema", "amount", "currency", "signed", "currencies"):
                findings.fail(join_pointer("/x-money", k), "unknown key (expected schema, amount, currency, signed, "
                                                           "currencies)")
                ok = False
        schemas = (doc.get("components") or {}).get("schemas") or {}
        schema = mo.get("schema")
        if not isinstance(schema, str) or schema not in schemas:
            findings.fail("/x-money/schema", f"{schema!r} is not a schema of components/schemas")
            ok = False
        for key in ("amount", "currency"):
            v = mo.get(key, key)
            if not isinstance(v, str) or not v:
                findings.fail(join_pointer("/x-money", key), "must be a property name")
                ok = False
        signed = _flag(findings, mo, "/x-money", "signed")
        cur = mo.get("currencies")
        table: dict[str, int] = {}
        if not isinstance(cur, dict) or not cur:
            findings.fail("/x-money/currencies", "must be a non-empty object of currency code -> minor-unit exponent")
            ok = False
        else:
            for code, exp in cur.items():
                if not isinstance(code, str) or not _CURRENCY.fullmatch(code):
                    findings.fail(join_pointer("/x-money/currencies", code), "is not a 3-letter uppercase code")
                    ok = False
                elif isinstance(exp, bool) or not isinstance(exp, int) or not 0 <= exp <= 8:
                    findings.fail(join_pointer("/x-money/currencies", code), "exponent must be an integer 0..8")
                    ok = False
                else:
                    table[code] = exp
        if ok:
            out["money"] = {"schema": schema, "amount": mo.get("amount", "amount"),
                            "currency": mo.get("currency", "currency"), "signed": signed,
                            "currencies": dict(sorted(table.items()))}
    return out

def _envelope_settings(doc: dict[str, Any], findings: Findings, idem: Any, rid: Any,
                       validation_error_type: str) -> dict[str, Any]:
    """x-error-envelope, and the response-header keys of x-idempotency / x-request-id, checked: a malformed
    value is a spec error at its pointer (lenient: a warning, and the generic default is used)."""
    out: dict[str, Any] = {"error_types": default_error_types(validation_error_type)}
    if isinstance(idem, dict):
        if "replayed_header" in idem:
            h = idem["replayed_header"]
            if isinstance(h, str) and _HEADER_TOKEN.fullmatch(h):
                out["replayed_header"] = h
            else:
                findings.fail("/x-idempotency/replayed_header", f"{h!r} is not an HTTP header name")
        out["echo_idempotency_key"] = _flag(findings, idem, "/x-idempotency", "echo_key_header")
    if isinstance(rid, dict):
        out["echo_request_id"] = _flag(findings, rid, "/x-request-id", "echo_caller")
    if "x-error-envelope" not in doc:
        return out
    env = doc["x-error-envelope"]
    if not isinstance(env, dict):
        findings.fail("/x-error-envelope", "must be an object")
        return out
    for k in env:
        if k not in ("types_by_status", "doc_url", "error_source", "omit_null"):
            findings.fail(join_pointer("/x-error-envelope", k),
                      "unknown key (expected types_by_status, doc_url, error_source, omit_null)")
    if "types_by_status" in env:
        types = _status_table(findings, env["types_by_status"], "/x-error-envelope/types_by_status")
        if types is not None:
            if "default" not in types:  # what the table leaves open falls back to the generic types
                types.setdefault("5xx", "api_error")
                types["default"] = "invalid_request_error"
            out["error_types"] = dict(sorted(types.items(), key=lambda kv: _status_order(kv[0])))
            out["conflict_error_type"] = None  # the type is fixed by status: a conflict is the 409 entry
    if "doc_url" in env:
        url = env["doc_url"]
        if isinstance(url, str) and url and url.isprintable():
            out["doc_url"] = url
        else:
            findings.fail("/x-error-envelope/doc_url", 'must be a non-empty string ("{code}" is replaced by the code)')
    if "error_source" in env:
        sources = _status_table(findings, env["error_source"], "/x-error-envelope/error_source")
        if sources is not None:
            out["error_source"] = dict(sorted(sources.items(), key=lambda kv: _status_order(kv[0])))
    if "omit_null" in env:
        names = env["omit_null"]
        if not isinstance(names, list):
            findings.fail("/x-error-envelope/omit_null", "must be a list of envelope field names")
        else:
            keep: list[str] = []
            for i, n in enumerate(names):
                if n not in ENVELOPE_FIELDS:
                    findings.fail(join_pointer("/x-error-envelope/omit_null", i),
                              f"{n!r} is not an envelope field ({', '.join(ENVELOPE_FIELDS)})")
                elif n not in keep:
                    keep.append(n)
            out["omit_null"] = sorted(keep, key=ENVELOPE_FIELDS.index)
    return out

def _flag(findings: Findings, ext: dict[str, Any], pointer: str, key: str) -> bool:
    v = ext.get(key, False)
    if not isinstance(v, bool):
        findings.fail(join_pointer(pointer, key), f"must be true or false, not {v!r}")
        return False
    return v

def _status_table(findings: Findings, table: Any, pointer: str) -> dict[str, str] | None:
    """`{"400": x, "4xx": y, default: z}` (YAML may give 400 as an integer) -> {str: str}; None if unusable."""
    if not isinstance(table, dict) or not table:
        findings.fail(pointer, 'must be a non-empty object of "<status>", "<digit>xx" or default -> string')
        return None
    out: dict[str, str] = {}
    for k, v in table.items():
        key = str(k).lower() if not isinstance(k, bool) else ""
        ptr = join_pointer(pointer, k)
        if not _STATUS_KEY.fullmatch(key):
            findings.fail(ptr, f'{k!r} is not a status ("404"), a status class ("5xx") or default')
        elif not isinstance(v, str) or not v:
            findings.fail(ptr, f"must be a non-empty string, not {v!r}")
        elif key in out:
            findings.fail(ptr, f"{k!r} is given twice")
        else:
            out[key] = v
    return out or None


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _usable_name(name: Any, avoid: frozenset[str] | set[str]) -> bool:
    return (isinstance(name, str) and name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
            and not name.startswith("_") and name not in avoid)
