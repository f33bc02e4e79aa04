"""The models' base class and the loader of their compiled functions: parsers, serializers and constructors.

models.py declares each class with typed fields and nothing else. What a field accepts (its JSON name, type,
constraints and error codes) is data in `_codecs.json`; the functions that check and build it are straight-line
Python compiled from that data (the way cattrs and attrs build their methods), installed on a class at its first
`X.from_dict`, `x.to_dict()` or `X(...)`. Where they come from depends on the generator's `--codecs` option:

- `exec` (the default): `_codec_compile.Compiler` compiles each at first use (`exec` of our own text); written out
  in models.py the same code was most of the generator's time (black formats it at about 60 KB/s: 6 MB for Stripe).
- `source`: the generator ran the same compiler and wrote every function into `_codecs_compiled.py`, a reviewable
  module that `Precompiled` imports at first use; nothing in such a package calls exec, eval or compile.

`python -m <package>._codec [Class ...]` prints the compiled code either way.
"""

from __future__ import annotations

import importlib
import importlib.resources as _resources
import json
import keyword
import sys
import typing as _t

from . import _runtime as _rt

Desc = dict[str, _t.Any]


def ident(name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"_codecs.json: {name!r} is not a Python identifier")
    return name


class Lazy:
    """A module-level parser (`_parse_X`, `_h_X`) that looks its function up (compiling it in exec mode) on first
    call."""

    __slots__ = ("_codecs", "_name", "_fn")

    def __init__(self, codecs: Codecs, name: str) -> None:
        self._codecs = codecs
        self._name = name
        self._fn: _t.Callable[[_t.Any, str], _t.Any] | None = None

    def __call__(self, data: _t.Any, path: str = "") -> _t.Any:
        fn = self._fn
        if fn is None:
            fn = self._fn = getattr(self._codecs.p, self._name)
        return fn(data, path)


class Codecs:
    """The compiled functions of one generated models module, and the lenient parsing and request filling that
    read `_codecs.json` directly. Subclasses say where the functions come from."""

    def __init__(self, namespace: dict[str, _t.Any], data: Desc | None = None) -> None:
        self.module = namespace  # models.py's globals: the classes and enums by name
        self._data = data

    @property
    def data(self) -> Desc:
        if self._data is None:
            # through importlib.resources: a package vendored inside a zip file (zipapp, PyInstaller) reads it too
            table = _resources.files(__package__ or "").joinpath("_codecs.json").read_text(encoding="utf-8")
            self._data = json.loads(table)
        return self._data

    @property
    def p(self) -> _t.Any:
        """Functions by name: `m_<Model>` (from_dict), `u_<Union>`, `h_<helper>`."""
        raise NotImplementedError

    def compile_from_dict(self, name: str, target: type | None = None) -> _t.Any:
        raise NotImplementedError

    def compile_to_dict(self, name: str) -> _t.Any:
        raise NotImplementedError

    def compile_init(self, name: str, slots: tuple[str, ...], defaults: dict[str, _t.Any]) -> _t.Any:
        raise NotImplementedError

    def parser_of(self, t: Desc) -> _t.Callable[[_t.Any, str], _t.Any]:
        """A callable (value, path) parsing type `t` strictly."""
        raise NotImplementedError

    def lazy(self, name: str) -> Lazy:
        return Lazy(self, name)

    def _entry(self, table: str, name: str) -> Desc:
        """One entry of `_codecs.json` ("models", "unions" or "helpers"); AttributeError when absent, as
        `Parsers` lookups expect."""
        try:
            entry: Desc = self.data[table][name]
        except KeyError:
            raise AttributeError(f"_codecs.json has no {table[:-1]} {name!r}") from None
        return entry

    def _fields(self, m: Desc) -> list[tuple[str, str, bool, Desc]]:
        """(json name, Python name, required, type) per field."""
        return [(f[0], ident(f[3] if len(f) > 3 else f[0]), bool(f[1]), f[2]) for f in m["f"]]

    def fill(self, t: Desc, data: _t.Any) -> _t.Any:
        """Request JSON data with the one value each single-value required field allows (`dv`, a discriminator's
        tag) filled in where the caller left it out, at any depth a type reaches; inside a discriminated union the tag
        selects the variant (a union's tag itself is never guessed). Dicts that change are copied, never modified.
        """
        k = t["k"]
        if k == "model" and type(data) is dict:
            m = self._entry("models", t["name"])
            out = data
            dv = m.get("dv")
            if dv and not dv.keys() <= data.keys():
                out = {**dv, **data}
            for f in m["f"]:
                ft = f[2]
                if ft["k"] in ("model", "list", "map", "union") and f[0] in out:
                    v = out[f[0]]
                    nv = self.fill(ft, v)
                    if nv is not v:
                        out = dict(out) if out is data else out
                        out[f[0]] = nv
            return out
        if k == "union" and type(data) is dict:
            u = self._entry("unions", t["name"])
            tag = data.get(u["d"]) if "d" in u else None
            for vt, tags in u["v"] if isinstance(tag, str) else ():
                if tag in tags:
                    return self.fill(vt, data)
            return data
        if k in ("list", "map") and t.get("it") is not None and t["it"]["k"] in ("model", "list", "map", "union"):
            it = t["it"]
            if k == "list" and type(data) is list:
                new = [self.fill(it, v) for v in data]
                return new if any(a is not b for a, b in zip(new, data)) else data
            if k == "map" and type(data) is dict:
                newm = {kk: self.fill(it, v) for kk, v in data.items()}
                return newm if any(newm[kk] is not v for kk, v in data.items()) else data
        return data

    def construct(self, t: Desc, data: _t.Any, path: str, problems: list[_rt.ValidationError]) -> _t.Any:
        """Lenient parsing (the client's `strict_responses=False`): what validates is parsed as usual; a value that
        does not is kept as received, its error appended to `problems`, and parsing goes on around it (a model
        still becomes its class, missing required fields are UNSET, unknown keys are kept).
        """
        if t.get("n") and data is None:
            return None
        if t["k"] == "model" and type(data) is dict and not t.get("rc"):
            m = self._entry("models", t["name"])
            fields = self._fields(m)
            o = _t.cast(_t.Any, object.__new__(self.module[t["name"]]))
            for jname, pname, required, ft in fields:
                where = _rt.join(path, jname)
                if jname in data:
                    setattr(o, pname, self.construct(ft, data[jname], where, problems))
                else:
                    setattr(o, pname, _rt.UNSET)
                    if required:
                        problems.append(_rt.missing(where, None))
            known = frozenset(f[0] for f in fields)
            if "x" in m:
                o.additional_properties = {k: v for k, v in data.items() if k not in known}
                o._unknown_ = None
            else:
                o._unknown_ = _rt.unknown_of(data, known) or None
            return o
        if t["k"] == "list" and type(data) is list and t.get("it") is not None:
            try:
                return self.parser_of(t)(data, path)  # the whole list at once when it validates
            except _rt.ValidationError:
                return [self.construct(t["it"], v, f"{path}[{i}]", problems) for i, v in enumerate(data)]
        try:
            return self.parser_of(t)(data, path)
        except _rt.ValidationError as e:
            problems.append(e)
            if t["k"] == "enum" and type(data) is str:
                return _rt.UnknownEnumValue(data)  # as an open enum keeps it: to_dict still writes it back
            return data


class Precompiled(Codecs):
    """`--codecs=source`: the generator compiled every function into `_codecs_compiled.py`; it is imported at first
    use (so importing models.py costs what it does in exec mode) and its functions are looked up by name."""

    def __init__(self, namespace: dict[str, _t.Any]) -> None:
        super().__init__(namespace)
        self._mod: _t.Any = None

    @property
    def compiled(self) -> _t.Any:
        mod = self._mod
        if mod is None:
            mod = importlib.import_module("._codecs_compiled", self.module["__name__"].rpartition(".")[0])
            models = self.module["__name__"]
            # the names exec mode gives them: error messages ("Order.__init__() missing ...") and reprs read them;
            # with models.py as __module__, __module__ + __qualname__ still locate each installed method
            for name, fn in list(vars(mod).items()):
                kind, _, cls = name.partition("_")
                what = _INSTALLED.get(kind)
                if what is not None and callable(fn):
                    fn.__qualname__ = what.format(cls)
                    fn.__module__ = models
            self._mod = mod
        return mod

    @property
    def p(self) -> _t.Any:
        return self.compiled.P

    def compile_from_dict(self, name: str, target: type | None = None) -> _t.Any:
        fn = getattr(self.compiled, "m_" + name)
        if target is None:
            return fn
        slots: tuple[str, ...] = getattr(self.module[name], "__slots__")

        def from_dict(data: _t.Any, path: str = "") -> _t.Any:
            # a user's subclass: the same checks, then the fields moved into an instance of the subclass (exec mode
            # compiles a copy of from_dict that builds the subclass instead)
            o = fn(data, path)
            out: _t.Any = object.__new__(target)
            for slot in slots:
                setattr(out, slot, getattr(o, slot))
            return out

        from_dict.__qualname__ = f"{name}.from_dict"
        return from_dict

    def compile_to_dict(self, name: str) -> _t.Any:
        return getattr(self.compiled, "td_" + name)

    def compile_init(self, name: str, slots: tuple[str, ...], defaults: dict[str, _t.Any]) -> _t.Any:
        return getattr(self.compiled, "init_" + name)

    def parser_of(self, t: Desc) -> _t.Callable[[_t.Any, str], _t.Any]:
        fn: _t.Callable[[_t.Any, str], _t.Any] = self.compiled.TYPES[type_key(t)]
        return fn


# function name prefixes in _codecs_compiled.py -> the __qualname__ exec mode gives the function
_INSTALLED = {"m": "{}.from_dict", "td": "{}.to_dict", "init": "{}.__init__", "u": "union {}"}


def type_key(t: Desc) -> str:
    """The key of a type in `_codecs_compiled.TYPES` (the parser `construct` uses for it)."""
    return json.dumps(t, sort_keys=True, separators=(",", ":"))


T = _t.TypeVar("T")
M = _t.TypeVar("M", bound="Model")

if _t.TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_kwargs):  # typing has it from 3.11 on; type checkers read the stub above
        return lambda cls: cls


class _Factory:
    __slots__ = ("factory",)

    def __init__(self, factory: _t.Callable[[], _t.Any]) -> None:
        self.factory = factory


def field(*, default_factory: _t.Callable[[], T]) -> T:
    """A default made fresh for each instance (`additional_properties`), as in dataclasses."""
    return _t.cast(T, _Factory(default_factory))


def _generated(cls: type) -> tuple[Codecs, type]:
    """The compiler and the generated class behind `cls` (itself, or the generated class a user subclassed)."""
    for klass in cls.__mro__:
        if "_model_" in vars(klass):
            codecs: Codecs = getattr(sys.modules[klass.__module__], "_C")
            return codecs, klass
    raise TypeError(f"{cls.__name__} is not a generated model")


def construct(cls: type[M], data: _t.Any) -> tuple[M, list[_rt.ValidationError]]:
    """`cls` built leniently from `data` (see Codecs.construct) and the problems found on the way."""
    codecs, gen = _generated(cls)
    problems: list[_rt.ValidationError] = []
    out: M = codecs.construct({"k": "model", "name": gen.__name__}, data, "", problems)
    return out, problems


def fill_defaults(parse: _t.Callable[..., _t.Any] | None, data: _t.Any) -> _t.Any:
    """Request data for the type `parse` validates, with single-value fields filled in (see Codecs.fill)."""
    if parse is None:
        return data
    cls = model_of(parse)
    if cls is not None:
        codecs, gen = _generated(cls)
        return codecs.fill({"k": "model", "name": gen.__name__}, data)
    if isinstance(parse, Lazy) and parse._name.startswith("h_"):
        return parse._codecs.fill(parse._codecs._entry("helpers", parse._name[2:]), data)
    if isinstance(parse, Lazy) and parse._name.startswith("u_"):
        return parse._codecs.fill({"k": "union", "name": parse._name[2:]}, data)
    return data


def model_of(parse: _t.Callable[..., _t.Any]) -> type | None:
    """The generated class whose `from_dict` `parse` is (a bound classmethod before its first call, the compiled
    function installed on the class after it), else None."""
    owner = getattr(parse, "__self__", None)
    if isinstance(owner, type):
        return owner
    qual = getattr(parse, "__qualname__", "")
    if qual.endswith(".from_dict") and qual.count(".") == 1:
        cls = getattr(sys.modules.get(getattr(parse, "__module__", ""), None), qual.split(".")[0], None)
        if isinstance(cls, type) and getattr(cls, "from_dict", None) is parse:
            return cls
    return None


class ModelMeta(type):
    """Turns the annotated body of a generated class into `__slots__`; the defaults move aside (a slot and a class
    attribute cannot share a name) and `__init__` is compiled from them on first use. A user's subclass of a
    generated class gets empty `__slots__` and inherits the rest."""

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, _t.Any]) -> ModelMeta:
        if "__slots__" not in ns:
            module = sys.modules.get(ns.get("__module__", ""))
            if isinstance(getattr(module, "_C", None), Codecs):
                fields = tuple(ns.get("__annotations__", {}))
                ns["_defaults_"] = {n: ns.pop(n) for n in fields if n in ns}
                ns["__slots__"] = ns["_fields_"] = fields + ("_unknown_",)
                ns["_model_"] = name
            else:
                ns["__slots__"] = ()
                # its own from_dict, compiled to build its instances (the parent's, once installed, would not)
                ns.setdefault("from_dict", vars(Model)["from_dict"])
        return super().__new__(mcs, name, bases, ns)


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
class Model(metaclass=ModelMeta):
    """Base of the generated classes: keyword-only `__init__`, `__eq__` and `__repr__` over the fields (like
    `@dataclass(slots=True, kw_only=True)`), `from_dict` that validates and `to_dict` that writes JSON data.
    Each is compiled for its class on first use and replaces the generic version below on that class.
    """

    __slots__ = ()
    _defaults_: _t.ClassVar[dict[str, _t.Any]] = {}

    if not _t.TYPE_CHECKING:

        def __init__(self, **kwargs):
            codecs, gen = _generated(type(self))
            init = vars(gen).get("__init__")  # installed already: this is a reference taken before
            if init is None:
                init = codecs.compile_init(gen.__name__, gen.__slots__, gen._defaults_)
                gen.__init__ = init
            init(self, **kwargs)

    @classmethod
    def from_dict(cls: type[M], data: _t.Any, path: str = "") -> M:
        """Validate JSON data (a dict) strictly; raises ValidationError naming the path that failed."""
        codecs, gen = _generated(cls)
        if gen is cls:
            fn = getattr(codecs.p, "m_" + cls.__name__)
        else:  # a user's subclass: the same checks, building instances of the subclass
            fn = codecs.compile_from_dict(gen.__name__, cls)
        setattr(cls, "from_dict", staticmethod(fn))
        out: M = fn(data, path)
        return out

    def to_dict(self) -> dict[str, _t.Any]:
        """JSON-ready data: absent (UNSET) fields are omitted, undeclared fields a response carried are kept."""
        codecs, gen = _generated(type(self))
        fn = vars(gen).get("to_dict")  # installed already: `obj.to_dict` was taken before (exec mode compiled anew)
        if fn is None:
            fn = codecs.compile_to_dict(gen.__name__)
            setattr(gen, "to_dict", fn)
        out: dict[str, _t.Any] = fn(self)
        return out

    __eq__ = _rt.model_eq
    __repr__ = _rt.model_repr


def dump(models: _t.Any, names: _t.Sequence[str] = ()) -> str:
    """The compiled source of each named class of `models` (every model and union when none are named), for review:
    compiled now in exec mode (see `_codec_compile.dump`), the text of `_codecs_compiled.py` in source mode."""
    if isinstance(models._C, Precompiled):
        pkg = models.__name__.rpartition(".")[0]
        return _resources.files(pkg).joinpath("_codecs_compiled.py").read_text(encoding="utf-8")
    compiler: _t.Any = importlib.import_module("._codec_compile", models.__name__.rpartition(".")[0])
    text: str = compiler.dump(models, names)
    return text


if __name__ == "__main__":
    # run as a script this file is a second copy of the module: ask the package's own
    _self: _t.Any = importlib.import_module(f"{__package__}._codec")
    print(_self.dump(importlib.import_module(f"{__package__}.models"), sys.argv[1:]), end="")
