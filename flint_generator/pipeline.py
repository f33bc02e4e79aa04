"""load -> validate -> IR -> plan -> render | tables -> black, all in memory; the CLI decides what to do with the result."""

from __future__ import annotations

import hashlib
import json
import keyword
import multiprocessing
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flint_generator import __version__
from flint_generator.codec_source import MODULE, compiled_module
from flint_generator.errors import SpecError, SpecErrors
from flint_generator.format import FormatError, format_sources
from flint_generator.ir import Api, build_api
from flint_generator.load import LoadedSpec, load_spec
from flint_generator.naming import NameEntry
from flint_generator.plan import make_plan
from flint_generator.render import Renderer, spec_json_text, template_fingerprint
from flint_generator.validate import combine, repair, schema_problems


@dataclass
class Result:
    files: dict[str, bytes] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    warnings: list[SpecError] = field(default_factory=list)
    degraded: list[SpecError] = field(default_factory=list)
    naming: list[NameEntry] = field(default_factory=list)
    api: Api | None = None

    def report(self) -> dict[str, Any]:
        def entries(items: list[SpecError]) -> list[dict[str, str]]:
            return [{"pointer": e.pointer, "message": e.message} for e in items]

        return {
            "generator": f"flint-generator {__version__}",
            "spec": self.meta.get("spec"),
            "spec_sha256": self.meta.get("spec_sha256"),
            "counts": {"errors": len(self.errors), "warnings": len(self.warnings), "degraded": len(self.degraded),
                       "models": len(self.api.models) if self.api else 0,
                       "enums": len(self.api.enums) if self.api else 0,
                       "unions": len(self.api.unions) if self.api else 0,
                       "operations": len(self.api.operations) if self.api else 0},
            "errors": entries(self.errors),
            "warnings": entries(self.warnings),
            "degraded": entries(self.degraded),
            "naming": [{"pointer": n.pointer, "name": n.name, "rule": n.rule} for n in self.naming],
        }


def fingerprint(package: str | None, lenient: bool, codecs: str = "exec") -> str:
    h = hashlib.sha256(template_fingerprint().encode())
    h.update(json.dumps([package, lenient, codecs]).encode())
    return h.hexdigest()


def input_hashes(spec: Path, files: list[Path]) -> dict[str, str]:
    base = spec.resolve().parent
    out = {}
    for f in files:
        try:
            rel = str(f.relative_to(base))
        except ValueError:
            rel = str(f)
        out[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
    return dict(sorted(out.items()))


VALIDATE_DEFAULT_BELOW = 1_000_000
CODECS = ("exec", "source")  # how the models' functions are compiled: at first use, or by the generator


class _Background:
    """`schema_problems(doc)` in a forked child while the IR, templates and black run here: it is a third of a
    cold Stripe generation's serial part. Without fork (macOS, Windows) it runs in place when asked for."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.proc: Any = None
        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self.conn, child = ctx.Pipe(duplex=False)
            self.proc = ctx.Process(target=_send_problems, args=(doc, child), daemon=True)
            self.proc.start()
            child.close()

    def result(self) -> list[SpecError]:
        if self.proc is None:
            return schema_problems(self.doc)
        try:
            found: list[SpecError] = self.conn.recv()
        except EOFError:  # the child died (out of memory, killed): do the work here rather than guess
            found = schema_problems(self.doc)
        finally:
            self.conn.close()
            self.proc.join()
        return found


def _send_problems(doc: dict[str, Any], conn: Any) -> None:
    conn.send(schema_problems(doc))
    conn.close()


def generate(spec: Path, *, package: str | None = None, lenient: bool = True, codecs: str = "exec") -> Result:
    """The default (lenient) mode repairs what public specs get wrong and reports each repair as a warning with
    its JSON pointer; `lenient=False` (the CLI's --strict) refuses them and adds openapi-spec-validator's findings.
    `codecs="source"` writes the models' compiled functions as `_codecs_compiled.py` (see codec_source.py)."""
    if codecs not in CODECS:
        raise ValueError(f"codecs must be one of {CODECS}, not {codecs!r}")
    res = Result()
    try:
        loaded = load_spec(spec, lenient=lenient)
    except SpecErrors as exc:
        res.errors = exc.errors
        return res
    doc = loaded.document
    fatal, repaired = repair(doc, lenient=lenient)
    if fatal is not None:
        res.errors = fatal
        return res
    # openapi-spec-validator: always under --strict; in the default mode (where its findings are warnings) only for
    # inputs under VALIDATE_DEFAULT_BELOW bytes, because on big specs it costs more than the whole generation (over
    # 45 s of CPU on a 20 MB one). It also runs when the IR fails: its findings explain an invalid document.
    size = sum(f.stat().st_size for f in loaded.files) if loaded.files else spec.stat().st_size
    background = _Background(doc) if not lenient or size < VALIDATE_DEFAULT_BELOW else None
    del doc  # from here on `loaded` holds the document, which _build may let go of (see there)
    failure: Exception | None = None
    try:
        _build(res, loaded, spec, package, lenient, codecs, keep_document=background is not None)
    except Exception as exc:  # an invalid spec can trip the IR: the validator's findings explain it, if any
        failure = exc
    explain = failure is not None and bool(loaded.document)
    found = background.result() if background is not None else schema_problems(loaded.document) if explain else []
    # the validator speaks first: its findings explain whatever the IR made of an invalid document
    errors, warnings = combine(found, repaired, lenient=lenient and failure is None)
    if errors:
        res.errors, res.files, res.api, res.degraded, res.naming = errors, {}, None, [], []
        res.warnings = loaded.warnings + warnings
        return res
    res.warnings = loaded.warnings + warnings + res.warnings
    if failure is not None:
        raise failure
    if res.errors:
        return res
    res.meta = {
        "generator": f"flint-generator {__version__}",
        "fingerprint": fingerprint(package, lenient, codecs),
        "spec": spec.name,
        "spec_sha256": loaded.sha256,
        "inputs": input_hashes(spec, loaded.files),
        "package": res.meta["package"],
    }
    return res


def package_name_problem(name: str) -> str | None:
    """Why `name` cannot be the generated package's import name (None when it can): `import class` and
    `import 1api` are syntax errors, a non-ASCII name breaks on some file systems and in wheels."""
    if not name.isidentifier() or not name.isascii():
        return f"package name {name!r} is not an ASCII Python identifier"
    if keyword.iskeyword(name):
        return f"package name {name!r} is a Python keyword"
    return None


def _build(res: Result, loaded: LoadedSpec, spec: Path, package: str | None, lenient: bool, codecs: str, *,
           keep_document: bool) -> None:
    """IR -> templates -> black into `res` (errors in `res.errors`). Once the templates have rendered, nothing
    reads the spec document but the validator's fallback (`keep_document`): without it, the document is let go
    before formatting, whose peak it would otherwise add to (9 MB on EC2)."""
    doc = loaded.document
    sha = loaded.sha256
    api, errors = build_api(doc, lenient=lenient)
    if api is None:
        res.errors = errors
        return
    res.api = api
    res.warnings = list(api.warnings)
    res.degraded = api.degraded
    res.naming = api.naming
    pkg = package or api.ext.package_name
    problem = package_name_problem(pkg)
    if problem is not None:
        res.errors = [SpecError("", problem)]
        return
    plan = make_plan(api)
    renderer = Renderer(plan, spec_name=spec.name, spec_sha=sha, package=pkg, spec_json=spec_json_text(doc),
                        codecs=codecs)
    try:
        sources = renderer.files()
    except Exception as exc:  # a template bug must not leave a traceback or a half-written tree
        res.errors = [SpecError("", f"template rendering failed: {type(exc).__name__}: {exc}")]
        return
    del doc
    if not keep_document:
        loaded.document = {}  # released (an empty document is never a loaded one: load_spec refuses it)
    codecs_table = sources[f"{pkg}/_codecs.json"]
    try:
        formatted = format_sources(sources)
    except FormatError as exc:
        res.errors = [SpecError("", f"black could not format {exc.path}: {exc.message}")]
        return
    sources.clear()  # the unformatted text: 10 MB on EC2, not needed past this point
    formatted.update(renderer.runtime_files())
    if codecs == "source":
        try:
            formatted[f"{pkg}/{MODULE}"] = compiled_module(plan, codecs_table, pkg, renderer.header)
        except Exception as exc:  # a table the compiler refuses (exec mode would fail at first use instead)
            res.errors = [SpecError("", f"compiling the codecs failed: {type(exc).__name__}: {exc}")]
            return
    # each text dropped once encoded: the whole output twice over (str and bytes) was EC2's peak
    res.files = {path: formatted.pop(path).encode("utf-8") for path in sorted(formatted)}
    res.meta = {"package": pkg}
