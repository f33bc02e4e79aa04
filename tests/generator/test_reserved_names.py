"""Every name a template binds is listed in flint_generator/reserved.py, and spec-derived names avoid those lists.

The rendered modules are parsed, and each name bound at module, class or function scope is either derived from the
spec (a class, a field, a parameter, a resource group, a method) or listed for that scope in reserved.py. A template
that starts binding a new local fails here first, instead of clobbering a parameter of the same name."""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path
from typing import Any

import httpx
import pytest

from flint_generator import reserved
from flint_generator.ir import build_api
from flint_generator.load import load_spec
from flint_generator.plan import make_plan
from tests.generator.conftest import REPO, SPECS, Package, build, mini_spec

# parameter names equal to what templates bind: each must come out renamed and still reach the server as given
CLASHING = ["item", "page", "cursor", "r", "options", "body", "self", "idempotency_key", "timeout", "_rt", "_path",
            "ctx", "max_retries", "extra_headers", "_m", "_decode", "_pairs", "_t", "deadline", "max_pages", "max_items",
            "limits", "_c", "_p"]


def clash_spec() -> dict[str, Any]:
    params = [{"name": "page_token", "in": "query", "schema": {"type": "string"}}]
    params += [{"name": n, "in": "query", "schema": {"type": "string"}} for n in CLASHING]
    return mini_spec(
        {"Thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
         "ThingList": {"type": "object", "required": ["data"], "properties": {
             "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
             "next_page_token": {"type": "string"}, "seen": {"type": "object", "additionalProperties": True}}}},
        {"/v1/things": {"get": {"operationId": "listThings", "tags": ["things"], "parameters": params,
                                "responses": {"200": {"description": "ok", "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/ThingList"}}}}}}}},
        **{"x-pagination": {"cursor_param": "page_token", "next_cursor": "next_page_token", "items": "data"}},
    )


def _bound_in(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    a = fn.args
    names = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
    names |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _globals_read_in(fn: ast.FunctionDef | ast.AsyncFunctionDef, module_names: set[str]) -> set[str]:
    """Module names the body reads (annotations resolve in the enclosing scope, so a parameter cannot shadow them)."""
    bound = _bound_in(fn)
    return {n.id for st in fn.body for n in ast.walk(st) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            and n.id in module_names and n.id not in bound}


def _module_names(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for st in tree.body:
        body = st.body if isinstance(st, ast.If) else [st]  # `if TYPE_CHECKING:` imports
        for s in body:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(s.name)
            elif isinstance(s, (ast.Import, ast.ImportFrom)):
                out |= {(a.asname or a.name).split(".")[0] for a in s.names}
            elif isinstance(s, (ast.Assign, ast.AnnAssign)):
                for t in s.targets if isinstance(s, ast.Assign) else [s.target]:
                    out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return out


def _check_package(pkg: Package, spec: Path | dict[str, Any]) -> None:
    doc = spec if isinstance(spec, dict) else load_spec(spec).document
    api, errors = build_api(doc, lenient=False)
    assert api is not None, errors
    plan = make_plan(api)
    client_src = (pkg.root / pkg.name / "client.py").read_text()
    models_src = (pkg.root / pkg.name / "models.py").read_text()
    client, models = ast.parse(client_src), ast.parse(models_src)
    client_class = api.ext.client_name
    groups = {g for g, _ in api.groups}
    resource_classes = {c for g in groups for c in (f"{_pascal(g)}Resource", f"Async{_pascal(g)}Resource")}

    # client.py, module scope: everything but the client and resource classes is the template's own
    mod = _module_names(client)
    assert mod - {client_class, "Async" + client_class} - resource_classes <= reserved.CLIENT_MODULE, \
        sorted(mod - {client_class, "Async" + client_class} - resource_classes - reserved.CLIENT_MODULE)
    ops_by_method = {(f"{_pascal(g)}Resource", o.client_name): o for g, ops in api.groups for o in ops}
    for cls in (n for n in client.body if isinstance(n, ast.ClassDef)):
        if cls.name in resource_classes:
            for fn in (n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
                if fn.name == "__init__":
                    continue
                key = (cls.name.removeprefix("Async"), fn.name)
                op = ops_by_method.get(key) or ops_by_method[
                    (key[0], fn.name.removesuffix("_auto").removesuffix("_pages"))]
                spec_names = {p.py_name for p in op.params} | {f.py_name for f in plan.body_fields(op)}
                extra = _bound_in(fn) - spec_names
                assert extra <= reserved.CLIENT_METHOD_LOCALS, (fn.name, sorted(extra - reserved.CLIENT_METHOD_LOCALS))
                read = _globals_read_in(fn, mod)
                assert read <= reserved.CLIENT_METHOD_GLOBALS, (fn.name, sorted(read - reserved.CLIENT_METHOD_GLOBALS))
                assert not spec_names & (reserved.OPERATION_PARAM_AVOID), fn.name
            methods = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            assert not (methods - {"__init__"}) & reserved.RESOURCE_ATTRS
        elif cls.name in (client_class, "Async" + client_class, "_Base"):
            attrs = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            attrs |= {t.attr for n in ast.walk(cls) if isinstance(n, ast.Assign) for t in n.targets
                      if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}
            assert attrs - groups <= reserved.CLIENT_ATTRS, (cls.name, sorted(attrs - groups - reserved.CLIENT_ATTRS))
            assert not groups & reserved.CLIENT_ATTRS

    # models.py, module scope: classes, aliases and helpers come from the spec (through the plan)
    spec_classes = {m.name for m in api.models} | {e.name for e in api.enums} | {u.name for u in api.unions}
    spec_classes |= {name for name, _ in api.aliases}
    own = {n for n in _module_names(models) - spec_classes
           if not n.startswith(("_h_", "_parse_", "parse_"))}
    assert own <= reserved.MODELS_MODULE, sorted(own - reserved.MODELS_MODULE)

    # params.py, module scope: one TypedDict per request-side model, the rest is the template's own
    params = ast.parse((pkg.root / pkg.name / "params.py").read_text())
    typed_dicts = {plan.typed_dict_name(m.name) for m in plan.input_models}
    assert _module_names(params) - typed_dicts <= reserved.PARAMS_MODULE, \
        sorted(_module_names(params) - typed_dicts - reserved.PARAMS_MODULE)
    assert not typed_dicts & reserved.PARAMS_MODULE
    for m in api.models:
        assert not {f.py_name for f in m.fields} & (reserved.MODEL_ATTRS | reserved.MODELS_MODULE), m.name


def _pascal(text: str) -> str:
    from flint_generator.naming import pascal

    return pascal(text)


@pytest.mark.parametrize("which", ["rich", "flint", "clash"])
def test_every_name_a_template_binds_is_reserved(tmp_path: Path, which: str) -> None:
    spec: Path | dict[str, Any] = {"rich": SPECS / "rich.yaml", "flint": REPO / "spec" / "flint.yaml",
                                   "clash": clash_spec()}[which]
    _check_package(build(tmp_path, spec), spec)


def test_a_parameter_named_like_a_template_local_is_renamed_and_survives_every_page(tmp_path: Path) -> None:
    """A query parameter `item` used to be clobbered by the async pager's loop variable on page 2."""
    pkg = build(tmp_path, clash_spec())
    s, m, c = pkg.server, pkg.models, pkg.client
    seen: list[dict[str, str]] = []

    class Service:
        async def list_things(self, ctx: Any, **kw: Any) -> Any:
            got = {k: v for k, v in kw.items() if v is not s.UNSET}
            seen.append(got)
            start = int(got.get("page_token", "0"))
            nxt = str(start + 1) if start < 2 else s.UNSET
            return m.ThingList(data=[m.Thing(id=f"t{start}")], next_page_token=nxt)

    async def authenticate(headers: Any, security: Any) -> Any:
        return s.Principal(tenant="t", scopes=frozenset())

    app = s.create_app(Service(), authenticate=authenticate)
    sig = inspect.signature(c.AsyncMiniClient(base_url="http://t").things.list_auto)
    renamed = {n: next(p for p in sig.parameters if p.strip("_") == n.strip("_") and p != n) for n in CLASHING}
    sent = {renamed[n]: f"v-{n}" for n in CLASHING}

    async def go() -> list[str]:
        async with c.AsyncMiniClient(base_url="http://t", transport=httpx.ASGITransport(app)) as client:
            return [t.id async for t in client.things.list_auto(**sent)]

    assert asyncio.run(go()) == ["t0", "t1", "t2"]
    assert len(seen) == 3
    assert "item" not in inspect.signature(c.MiniClient(base_url="http://t").things.list_auto).parameters
    for page in seen:  # every page carries every filter as the caller gave it
        for n in CLASHING:
            assert page[renamed[n]] == f"v-{n}", (n, page)
