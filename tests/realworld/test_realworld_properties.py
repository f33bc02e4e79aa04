"""Property tests: payloads generated from the specs' own schemas (hypothesis-jsonschema) go through the
generated models.

For a deterministic sample of component schemas of Stripe, Square and Flint:
- `from_dict` accepts every valid payload and `to_dict` gives it back (date-times compared as instants);
- a near miss (one property of the wrong JSON type, or one required property missing) is rejected with a
  ValidationError whose path names that property.

Payload generation: hypothesis-jsonschema 0.23.1 draws objects through a Hypothesis internal that Hypothesis
6.170 no longer has (`many.more`), so objects, arrays and unions are drawn here (`payloads`) and only the scalar
leaves go through hypothesis-jsonschema; every drawn payload is checked against the schema with jsonschema.

Schemas are turned into plain JSON Schema first: $refs inlined (recursive ones are not sampled), OpenAPI 3.0
`nullable` made explicit, and objects closed (`additionalProperties: false` where the spec says nothing) so the
generated payloads use the declared fields, which are what a round trip can promise to keep.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema as scalar_from_schema
from hypothesis_jsonschema._canonicalise import merged

from realworld_support import Generated
from realworld_support import pointer_escape, submodule
from test_realworld_specs import naming

SAMPLE_SIZE = 10
MAX_SCHEMA_CHARS = 5000
KEEP_FORMATS = {"date-time", "date"}
DROP = {"description", "example", "examples", "title", "externalDocs", "xml", "deprecated", "readOnly",
        "writeOnly", "discriminator", "default"}


class Recursive(Exception):
    pass


class TooBig(Exception):
    pass


def to_json_schema(doc: dict[str, Any], node: Any, stack: tuple[str, ...] = (), budget: list[int] | None = None
                   ) -> Any:
    budget = [400] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise TooBig
    if isinstance(node, list):
        return [to_json_schema(doc, v, stack, budget) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in stack:
            raise Recursive(ref)
        target = doc
        for token in ref.lstrip("#/").split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        return to_json_schema(doc, target, stack + (ref,), budget)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROP or key.startswith("x-") or key == "nullable":
            continue
        if key == "format" and value not in KEEP_FORMATS:
            continue
        if key == "properties":
            out[key] = {k: to_json_schema(doc, v, stack, budget) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf", "prefixItems"):
            out[key] = to_json_schema(doc, value, stack, budget)
        else:
            out[key] = value
    if "properties" in out and "additionalProperties" not in node:
        out["additionalProperties"] = False
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def sample(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    eligible = []
    for key, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
        if not isinstance(schema, dict) or "properties" not in schema:
            continue
        try:
            converted = to_json_schema(doc, schema)
        except (Recursive, TooBig, KeyError):
            continue
        if len(json.dumps(converted)) <= MAX_SCHEMA_CHARS:
            eligible.append((key, converted))
    if len(eligible) <= SAMPLE_SIZE:
        return eligible
    step = len(eligible) / SAMPLE_SIZE
    return [eligible[int(i * step)] for i in range(SAMPLE_SIZE)]


def payloads(schema: Any) -> st.SearchStrategy[Any]:
    """Valid instances of `schema` (a non-recursive, closed JSON Schema from to_json_schema)."""
    if schema is True or schema == {}:
        return st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
    if schema is False:
        return st.nothing()
    if "allOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        combined = merged([rest, *schema["allOf"]])
        return st.nothing() if combined is None else payloads(combined)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            rest = {k: v for k, v in schema.items() if k != key}
            branches = [merged([rest, b]) if rest else b for b in schema[key]]
            return st.one_of([payloads(b) for b in branches if b is not None])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([payloads({**schema, "type": k}) for k in kind])
    if kind == "object" or "properties" in schema:
        return _objects(schema)
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        return st.lists(payloads(schema.get("items", {})), min_size=low, max_size=high)
    if kind == "number" and "multipleOf" in schema:
        return _decimal_multiples(schema)
    return scalar_from_schema(schema)


def _decimal_multiples(schema: dict[str, Any]) -> st.SearchStrategy[float]:
    """k * multipleOf computed in decimal: hypothesis-jsonschema multiplies floats (5041 * 0.01 is
    50.410000000000004, which is not a multiple of 0.01), and our models check multipleOf exactly."""
    step = Decimal(str(schema["multipleOf"]))
    low = schema.get("minimum", schema.get("exclusiveMinimum", -10**6))
    high = schema.get("maximum", schema.get("exclusiveMaximum", 10**6))
    k_low = math.ceil(Decimal(str(low)) / step) + (1 if "exclusiveMinimum" in schema else 0)
    k_high = math.floor(Decimal(str(high)) / step) - (1 if "exclusiveMaximum" in schema else 0)
    return st.integers(k_low, k_high).map(lambda k: float(Decimal(k) * step))


def _objects(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Any] = schema.get("properties", {})
    required = sorted(schema.get("required", []))
    optional = sorted(set(props) - set(required))
    extra = schema.get("additionalProperties", False)

    @st.composite
    def draw_object(draw: st.DrawFn) -> dict[str, Any]:
        out = {name: draw(payloads(props.get(name, {}))) for name in required}
        chosen = draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
        for name in chosen:
            out[name] = draw(payloads(props[name]))
        if isinstance(extra, dict) or extra is True:
            keys = draw(st.lists(st.text(min_size=1, max_size=6).filter(lambda k: k not in props), max_size=2,
                                 unique=True))
            for key in keys:
                out[key] = draw(payloads(extra if isinstance(extra, dict) else {}))
        return out

    return draw_object()


def _without_float_multiple_of(node: Any) -> Any:
    # jsonschema checks a float multipleOf by float division (50.41 / 0.01 != 5041), rejecting decimal-exact
    # values; _decimal_multiples already guarantees the property
    if isinstance(node, dict):
        return {k: _without_float_multiple_of(v) for k, v in node.items()
                if not (k == "multipleOf" and isinstance(v, float))}
    if isinstance(node, list):
        return [_without_float_multiple_of(v) for v in node]
    return node


def valid_payloads(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    validator = jsonschema.Draft202012Validator(_without_float_multiple_of(schema))
    return payloads(schema).filter(validator.is_valid)


def same_json(a: Any, b: Any) -> bool:
    """Equality, except that two strings naming the same date-time instant (or date) are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str) and a != b:
        try:
            return _instant(a) == _instant(b)
        except ValueError:
            return False
    if isinstance(a, Decimal) or isinstance(b, Decimal):  # `type: number` is exact: the decimal the float was read as
        return _exact(a) is not None and _exact(a) == _exact(b)
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                               and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def _exact(v: Any) -> Decimal | None:
    """The decimal a JSON number stands for: a float through its shortest repr (what the token said), as
    `from_dict` reads it; None for anything that is not a number."""
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return None
    return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)


def _instant(text: str) -> Any:
    t = text.strip().upper().replace("Z", "+00:00")
    if "T" in t:
        return dt.datetime.fromisoformat(t)
    return dt.date.fromisoformat(t)


WRONG = {"string": 12345, "integer": "12", "number": "1.5", "boolean": "yes", "array": {"not": "a list"},
         "object": ["not", "an", "object"]}


def near_misses(schema: dict[str, Any], payload: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, property, mutated payload) for a wrong type and a missing required field, when applicable."""
    misses = []
    validator = jsonschema.Draft202012Validator(schema)
    props = schema.get("properties", {})
    for name in sorted(payload):
        sub = props.get(name, {})
        kind = sub.get("type") if isinstance(sub, dict) else None
        if isinstance(kind, str) and kind in WRONG:
            mutated = {**payload, name: WRONG[kind]}
            if not validator.is_valid(mutated):
                misses.append(("type", name, mutated))
                break
    for name in sorted(schema.get("required", [])):
        if name in payload:
            mutated = {k: v for k, v in payload.items() if k != name}
            misses.append(("required", name, mutated))
            break
    return misses


def _params(spec_name: str) -> list[Any]:
    from realworld_support import FLINT_SPEC, SQUARE, STRIPE, load_spec

    path = {"stripe": STRIPE, "square": SQUARE, "flint": FLINT_SPEC}[spec_name]
    if not path.exists():
        return [pytest.param(spec_name, None, None, marks=pytest.mark.skip(reason=f"{path} is absent"))]
    doc = load_spec(path)
    return [pytest.param(spec_name, key, schema, id=f"{spec_name}:{key}") for key, schema in sample(doc)]


def _check(generated: Generated, key: str, schema: dict[str, Any], data: st.DataObject) -> None:
    pkg = generated.package()
    models = submodule(pkg, "models")
    runtime = submodule(pkg, "_runtime")
    name = naming(generated.report).get("/components/schemas/" + pointer_escape(key))
    assert name is not None and hasattr(models, name), f"no class for {key} ({name!r})"
    cls = getattr(models, name)
    payload = data.draw(valid_payloads(schema), label="payload")
    before = copy.deepcopy(payload)
    obj = cls.from_dict(payload)
    assert payload == before, "from_dict modified its input"
    out = obj.to_dict()
    assert same_json(out, payload), f"round trip changed the payload:\n in: {payload!r}\nout: {out!r}"
    assert obj == cls.from_dict(out)
    for kind, prop, mutated in near_misses(schema, payload):
        with pytest.raises(runtime.ValidationError) as info:
            cls.from_dict(mutated)
        assert prop in info.value.path, f"{kind} error on {prop!r} reported at {info.value.path!r}"


_SETTINGS = settings(max_examples=12, deadline=None, database=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("spec_name,key,schema", _params("stripe"))
@_SETTINGS
@given(data=st.data())
def test_stripe_schema_round_trips(stripe: Generated, spec_name: str, key: str, schema: dict[str, Any],
                                   data: st.DataObject) -> None:
    _check(stripe, key, schema, data)


@pytest.mark.parametrize("spec_name,key,schema", _params("square"))
@_SETTINGS
@given(data=st.data())
def test_square_schema_round_trips(square: Generated, spec_name: str, key: str, schema: dict[str, Any],
                                   data: st.DataObject) -> None:
    _check(square, key, schema, data)


def _flint_params() -> list[Any]:
    """Flint's schemas come from the bundled openapi.json the generator writes, so external $refs are inlined."""
    from realworld_support import FLINT_SPEC, ROOT

    bundled = ROOT / "generated" / "flint_api" / "openapi.json"
    source = bundled if bundled.exists() else FLINT_SPEC
    if not source.exists():
        return [pytest.param("flint", None, None, marks=pytest.mark.skip(reason="no Flint spec"))]
    from realworld_support import load_spec

    doc = load_spec(source)
    return [pytest.param("flint", key, schema, id=f"flint:{key}") for key, schema in sample(doc)]


@pytest.mark.parametrize("spec_name,key,schema", _flint_params())
@_SETTINGS
@given(data=st.data())
def test_flint_schema_round_trips(flint: Generated, spec_name: str, key: str, schema: dict[str, Any],
                                  data: st.DataObject) -> None:
    _check(flint, key, schema, data)
