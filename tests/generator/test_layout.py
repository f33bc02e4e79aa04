"""layout.relayout: black's layout without black's parser, for the plain code the templates emit (issue 12, speed).

Every chunk it accepts must be byte-identical to what black makes of it; everything else must be refused (None) so
black formats it. The generated packages are the real test: every chunk of the Flint package, of the rich test spec
and, when ../shared/specs is present, of Square, compared chunk by chunk.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from flint_generator.black_rules import format_once
from flint_generator.format import split_chunks
from flint_generator.ir import build_api
from flint_generator import layout
from flint_generator.layout import relayout
from flint_generator.load import load_spec
from flint_generator.plan import make_plan
from flint_generator.render import Renderer, spec_json_text

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "specs"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """relayout caches statements and parameter lines; tests that count black's calls need them empty."""
    layout._statement_lines.cache_clear()
    layout._param.cache_clear()


def black(text: str) -> str:
    return format_once(text)


def rendered_chunks(spec: Path) -> dict[str, list[str]]:
    loaded = load_spec(spec, lenient=True)
    api, errors = build_api(loaded.document, lenient=True)
    assert api is not None, errors
    files = Renderer(make_plan(api), spec_name=spec.name, spec_sha=loaded.sha256, package="pkg",
                     spec_json=spec_json_text(loaded.document)).files()
    return {path: split_chunks(text) for path, text in files.items() if path.endswith(".py")}


def compare(spec: Path) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """(characters relayout took, characters in all) per file; fails on the first chunk that differs from black."""
    took: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    for path, chunks in rendered_chunks(spec).items():
        for chunk in chunks:
            total[path] += len(chunk)
            fast = relayout(chunk)
            if fast is not None:
                assert fast == black(chunk), f"{spec.name} {path}: relayout differs from black on\n{chunk[:2000]}"
                took[path] += len(chunk)
    return took, total


def test_flint_package_is_laid_out_as_black_does_and_mostly_without_black() -> None:
    took, total = compare(ROOT / "spec" / "flint.yaml")
    # the point of the module: the bulk of the client and the models never reach black's parser
    for name in ("pkg/client.py", "pkg/models.py", "pkg/server.py"):
        assert took[name] / total[name] > 0.85, (name, took[name], total[name])


def test_rich_spec_chunks_match_black() -> None:
    took, total = compare(ROOT / "tests" / "generator" / "specs" / "rich.yaml")
    assert sum(took.values()) > 0.5 * sum(total.values())


def test_square_chunks_match_black() -> None:
    spec = SHARED / "square-2025-08-19.json"
    if not spec.exists():
        pytest.skip(f"{spec} is absent: the real-world specs live in ../shared/specs/ next to the repo")
    took, total = compare(spec)
    assert sum(took.values()) > 0.5 * sum(total.values())


SAME_AS_BLACK = [
    # fits: joined, trailing comma dropped (magic trailing comma off)
    "def f(\n    a: int,\n    b: str = 'x',\n) -> None:\n    return g(\n        a,\n        b,\n    )\n",
    # a def too long: parameters on one line, then one per line with a trailing comma
    "def some_function_name(self, first_argument: int, second_argument: str, third_argument: float) -> dict[str, int]:"
    "\n    pass\n",
    "def f(" + ", ".join(f"argument_number_{i}: int" for i in range(9)) + ") -> None:\n    pass\n",
    "def f(self, *, " + ", ".join(f"argument_number_{i}: int | None = None" for i in range(6))
    + ", **options: Unpack[Options]) -> None:\n    pass\n",
    # one parameter too long: black adds the magic trailing comma
    "def a_very_long_function_name_that_goes_on_and_on_and_on(self_with_a_very_long_parameter_name_that_is_long_too)"
    " -> None:\n    pass\n",
    # a long union parameter: black parenthesises the annotation
    "def f(\n    self,\n    status: _m.SomeLongModelNameForStatus | _t.Literal['pending', 'available', 'reserved', 'rev',"
    " 'failed'] | _rt.Unset = _rt.UNSET,\n) -> None:\n    pass\n",
    "class P(_t.TypedDict, total=False):\n    reason: _m.CancelOrderPaymentAttemptRequestCancellationReason | "
    "_t.Literal['requested_by_customer', 'duplicate', 'fraudulent', 'abandoned']\n",
    # calls: the body on one line if it fits, else one argument per line; nested calls split at the last bracket
    "r: _m.Order = self._client.send(_c.prepare('GET', '/v1/orders/{order_id}', path_params=[('order_id', order_id,"
    " str, 'simple', False)], parse=_m.Order.from_dict), options)\n",
    # a collection literal that splits puts one item per line even when they would fit on one
    "TABLE: dict[str, int] = {'alpha': 1, 'beta': 2, 'gamma': 3, 'delta': 4, 'epsilon': 5, 'zeta': 6, 'eta': 7,"
    " 'theta': 8, 'iota': 9}\n",
    "x = [('moduleKey', module_key, _m._h_Op_dynamic_modules_resource_remove_modules_delete_module_key, 'form', True,"
    " 'extra')]\n",
    # docstrings: quotes, indentation, trailing spaces, closing quotes past the line length
    'class A:\n    """One line.   """\n\n    x: int\n',
    'def f() -> None:\n    """First line.\n\n        indented more   \n    back"""\n    return None\n',
    'def f() -> None:\n    """Line one.\n\n    ' + "x" * 116 + '"""\n',
    "def f() -> None:\n    '''Single quotes and a \"quote\" at the end\"'''\n",
    # implicit concatenation fits its own line once the call splits
    "x = call('a string that is long enough to need a split of the line' 'and a second one, concatenated', y, z)\n",
    # long class-level annotations: the value wrapped when `name: annotation = (` fits, else the annotation split
    "class E(str, _enum.Enum):\n    VERIFICATION_REQUIRES_ADDITIONAL_MEMORANDUM_OF_ASSOCIATIONS = "
    "'verification_requires_additional_memorandum_of_associations'\n",
    "class M(_Model):\n    cancellation_details: PostCustomersCustomerSubscriptionsSubscriptionExposedIdBodyCancellation"
    "Details | _rt.Unset = _U\n    eu_bank_transfer: CustomerBalanceResourceCashBalanceTransactionResourceFundedTransact"
    "ionResourceBankTransferResourceEuBankTransfer | _rt.Unset = _U\n",
    "Source: _t.TypeAlias = 'str | ApplicationFee | Charge | ConnectCollectionTransfer | CustomerCashBalanceTransaction"
    " | Dispute'\n",
    "class P(_t.TypedDict, total=False):\n    slack_webhooks: _t.Sequence[_m.AppsListAlertsResponseAlertsItemSlackWebh"
    "ooksItem | AppsListAlertsResponseAlertsItemSlackWebhooksItemParams]\n",
    # blank lines: two at the top, one between methods, none after a def line
    "class A:\n    x: int\n\n\n\n    def f(self) -> None:\n        pass\n    def g(self) -> None:\n        pass\n",
]


def _exploded_def(name: str, params: list[str], ret: str = "str", prefix: str = "") -> str:
    """A method as client.py.jinja writes it: one parameter per line, each with its comma."""
    lines = [f"class R:\n    {prefix}def {name}(", "        self,", *[f"        {p}," for p in params], f"    ) -> {ret}:",
             '        """Doc."""', "        return 1\n"]
    return "\n".join(lines)


TEMPLATE_DEFS = [
    _exploded_def("get", ["x: int"]),  # fits: joined
    _exploded_def("list_things", ["*", *[f"param_{i}: str | _rt.Unset = _rt.UNSET" for i in range(2)]]),  # one body line
    _exploded_def("create", ["*", *[f"param_number_{i}: str | _rt.Unset = _rt.UNSET" for i in range(6)],
                             "**options: Unpack[RequestOptions]"], prefix="async "),  # one per line
    _exploded_def("lit", ["*", "kind: _m.Kind | _t.Literal['a', \"b's\"]", "other: str | _rt.Unset = _rt.UNSET",
                          "more_parameters: int | _rt.Unset = _rt.UNSET", "idempotency_key: str | None = None"]),
    _exploded_def("long_one", ["*", "tags: _t.Sequence[_m.AcceptAddressTransferRequestTagSpecificationsItem | "
                                    "_p.AcceptAddressTransferRequestTagSpecificationsItemParams] | _rt.Unset = _rt.UNSET",
                               "dry_run: bool | _rt.Unset = _rt.UNSET"], ret="_m.Order | None"),
    # a parameter black splits its own way (strings with spaces in a long Literal): black lays out that one alone
    _exploded_def("report", ["*", "instance_id: _t.Sequence[str]", "reason_code: _t.Sequence[_m.ReportInstanceReasonCodes"
                             " | _t.Literal['instance-stuck-in-state', 'not accepting credentials', 'password not "
                             "available', 'performance-network', 'performance-instance-store', 'other']]"]),
]


@pytest.mark.parametrize("source", TEMPLATE_DEFS)
def test_template_defs_take_the_line_by_line_path_and_match_black(source: str) -> None:
    text = source.split("\n    ", 1)[1].split('\n        """')[0]  # the def statement, as _logical_lines joins it
    assert layout._def_lines(text, 1) is not None
    assert relayout(source) == black(source)


@pytest.mark.parametrize("source", [
    _exploded_def("spaced", ["*", "x: int  = 3"]),  # spacing black changes
    _exploded_def("call", ["*", "x: int = f(1)"]),  # a call: the tree decides
    _exploded_def("prefixed", ["*", "x: str = b'x'"]),
])
def test_template_defs_outside_the_line_by_line_path_are_declined_by_it(source: str) -> None:
    text = source.split("\n    ", 1)[1].split('\n        """')[0]
    assert layout._def_lines(text, 1) is None
    fast = relayout(source)
    assert fast is None or fast == black(source)


NO_BLACK_NEEDED = [
    # `self.<group> = <Group>Resource(self)` too long at the call's parenthesis: the right-hand side in parentheses
    "class C:\n    def _bind(self) -> None:\n        self.x_amz_target_sage_maker_create_model_explainability_job_definition"
    " = XAmzTargetSageMakerCreateModelExplainabilityJobDefinitionResource(self)\n",
    # ... but split at the parenthesis when that head fits
    "class C:\n    def _bind(self) -> None:\n        self.abc = " + "X" * 100 + "(self)\n",
    # `name: OneLongName`: wrapped when the name fits its own line or is `module.Name`, else left long
    "class M(_Model):\n    MonitoringOutputConfig_: CreateMonitoringScheduleRequestMonitoringScheduleConfigMonitoring"
    "JobDefinitionMonitoringOutputConfig\n",
    "class M(_Model):\n    M: _m." + "T" * 120 + "\n",
    "class M(_Model):\n    M: " + "T" * 120 + "\n",
]


@pytest.mark.parametrize("source", NO_BLACK_NEEDED)
def test_long_assignments_and_annotations_are_laid_out_without_black(source: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = layout._black_statement
    monkeypatch.setattr(layout, "_black_statement", lambda text, depth: calls.append(text) or real(text, depth))
    assert relayout(source) == black(source)
    assert calls == []


@pytest.mark.parametrize("source", SAME_AS_BLACK)
def test_relayout_equals_black_or_declines(source: str) -> None:
    fast = relayout(source)
    assert fast is None or fast == black(source), fast


@pytest.mark.parametrize("source", SAME_AS_BLACK[:10])
def test_the_common_shapes_are_taken(source: str) -> None:
    assert relayout(source) == black(source)


# shapes the corpus showed going to black for no reason (DigitalOcean, `*_1L` members, AWS EC2) or laid out unlike
# black (GitHub Enterprise)
TAKEN_TOO = [
    # black leaves a docstring with a backslash before a line break as it is (quotes aside)
    'def f() -> None:\n    """Run:\n\n        kubectl create secret generic docr \\\\\n          --type=x\n    """\n',
    "def f() -> None:\n    '''Odd: \\\n  continued'''\n",
    "class Size(str, _enum.Enum):\n    PROFESSIONAL_1L = 'professional-1l'\n    BASIC_2X = 'basic-2x'\n",
    # a call on a call's result (GitHub Enterprise's paginators): the arguments are a call's, joined when they fit
    "def f(self) -> None:\n    if token is _rt.UNSET:\n        raw = self._client.with_raw_response(self.list_repos_"
    "starred_by_authenticated_user)(sort=sort, direction=direction, per_page=per_page, page_=page_, **options)\n",
    # AWS EC2's long model names: a class head too long still splits at its bases; a parameter annotated with one
    # long name stays as it is; one with `list[<long name>]` splits at the subscript
    "class CreateLaunchTemplateVersionResultLaunchTemplateVersionLaunchTemplateDataCapacityReservationSpecificationTarget"
    "(_Model):\n    x: int\n",
    "class S:\n    async def f(\n        self,\n        *,\n        capacity_reservation_specification: _m.GetModify"
    "InstanceCapacityReservationAttributesCapacityReservationSpecification,\n    ) -> None:\n        return None\n",
    "class S:\n    async def f(\n        self,\n        *,\n        reserved_instances_configuration_set_item_type: list"
    "[_m.GetModifyReservedInstancesReservedInstancesConfigurationSetItemTypeItem],\n    ) -> None:\n        return None\n",
]


@pytest.mark.parametrize("source", TAKEN_TOO)
def test_shapes_the_corpus_sent_to_black_are_taken_as_black_lays_them(source: str) -> None:
    assert relayout(source) == black(source)


# statements outside the subset: the tree layout refuses them and black lays out that statement alone, at its depth
# (numbers black rewrites, comments, redundant parentheses, operators, f-strings, lambdas)
BLACKS_STATEMENTS = [
    "x = 0XFF\n", "x = 1E5\n", "x = 10J\n", "x = 0xabc\n", "x = 1.5E-3\n", "x = [1, 0Xa]\n",
    "x = 1  # a comment\n",
    "x = (a)\n",  # black may drop redundant parentheses
    "y  =  2\n",  # spacing black normalises
    "t = (1,)\n",
    "if a_long_condition_name_number_one and a_long_condition_name_number_two and a_long_condition_name_3 or some_call(y, z, extra):"
    "\n    pass\n",
    "value = some_function_name_that_is_quite_long(argument_one) + another_function_name_that_is_long(argument_two)"
    " + 1 + more(arguments)\n",
    "s = f'{x!r}'\n",
    "handler = lambda request, response: process_the_request_and_the_response(request, response, extra, more, args, and_more, and_even_more)\n",
]


@pytest.mark.parametrize("source", BLACKS_STATEMENTS)
def test_statements_outside_the_subset_are_black_s(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = layout._black_statement
    monkeypatch.setattr(layout, "_black_statement", lambda text, depth: calls.append(text) or real(text, depth))
    assert relayout(source) == black(source)
    assert len(calls) == 1


def test_one_odd_statement_in_a_class_goes_to_black_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Azure's WebApps: one parameter black splits its own way sent a 1.3 MB class to black; now only that parameter."""
    methods = "".join(f"    def method_{i}(self, a: int, b: str = 'x') -> None:\n        return g(a, b)\n\n" for i in range(5))
    odd = ("    def update(\n        self,\n        properties: _t.Mapping[str, _m.AzureStoragePropertyDictionaryResourcePrope"
           "rtiesValue | _p.AzureStoragePropertyDictionaryResourcePropertiesValueParams] | _rt.Unset = _rt.UNSET,\n"
           "    ) -> None:\n        return None\n")
    source = "class WebApps:\n    \"\"\"Operations.\"\"\"\n\n" + methods + odd
    calls: list[str] = []
    real = layout._black_statement
    monkeypatch.setattr(layout, "_black_statement", lambda text, depth: calls.append(text) or real(text, depth))
    assert relayout(source) == black(source)
    # only the odd parameter, in a def of its own, reaches black: not the class, not even the rest of `update`
    assert len(calls) == 1 and calls[0].startswith("def _(_, properties: ")


# the file headers the templates write: comments, the module docstring, imports (black's blank lines around each),
# a TYPE_CHECKING block of imports, an f-string black leaves alone. Generating needs no black at all for them.
HEADERS = [
    "# Generated by flint-generator from spec.yaml (sha256:" + "0" * 64 + "). Do not edit.\n"
    '"""Module docstring.\n\n   Indented   \n"""\n\n\nfrom __future__ import annotations\n\nimport typing as _t\n'
    "from . import _runtime as _rt\n\n\n\n_U: _t.Final = _rt.UNSET\n# a comment (with brackets] and 'quotes)\n"
    "X = 1\n",
    '"""Doc."""\nimport os\nx = 1\n',
    '# c\n\n\n\n"""Doc."""\n\n\n\n# after\nx = 1\n',
    "import os\nimport sys as _sys\n\n\n\nfrom a.b import c\nx = 1\n",
    "from ._config import (\n    CODES,\n    DOC_URL,\n)\nfrom ._server import (\n    " + ",\n    ".join(
        f"SERVER_NAME_NUMBER_{i}" for i in range(9)) + ",\n)\n\n\nVALUE = 1\n",
    "import typing as _t\n\nif _t.TYPE_CHECKING:\n    from . import client, errors\n    from .client import C\n"
    "\n_LAZY = {'models': ('models', None), 'client': ('client', None)}\n",
    "if x:\n    import a\n    y = 1\n",
    "if x:\n    import a\n\n\n    y = 1\n",
    "x = 1\n# one\n\n\n\n# two\ny = 2\n",
    "class A:\n    x: int\n\n    # a comment in a class\n    y: int\n",
    "class A:\n    def f(self) -> None:\n        return None\n# after a def\nx = 1\n",
    "def __getattr__(name: str) -> _t.Any:\n    target = _LAZY.get(name)\n    if target is None:\n"
    "        raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")\n    return target\n",
    "MONEY: dict[str, int] = {'AUD': 2, 'BHD': 3, 'CLP': 0, 'EUR': 2, 'GBP': 2, 'JPY': 0, 'KWD': 3, 'USD': 2, 'ZAR': 2}\n",
]


@pytest.mark.parametrize("source", HEADERS)
def test_headers_comments_and_imports_are_laid_out_as_black_does(source: str) -> None:
    assert relayout(source) == black(source)


# what shapes blank lines or needs its neighbours stays a whole-chunk decision for black
DECLINED = [
    "def f() -> None:\n\n    pass\n",  # a blank line at a block start
    # a body of only `...` goes on the def (or class) line: `def f(self) -> None: ...`
    "class P(Protocol):\n    def f(self, a: int) -> None:\n        ...\n",
    "class Empty:\n    ...\n",
    # black moves the blank lines before a def above the comments leading it; rules of its own after imports
    "x = 1\n# leads f\ndef f() -> None:\n    pass\n",
    "import os\ndef f() -> None:\n    pass\n",
    '"""Doc."""\nclass A:\n    x: int\n',
    "#no space\nx = 1\n",  # black adds the space
    "# fmt: off\nx = [1,2]\n",
    "x = 1\n# a comment ending the chunk\n",
    "class A:\n    x: int\n# dedented comment\n    y: int\n",  # black indents it
    "from os import *\nx = 1\n",
    "from os import (path)  # why\nx = 1\n",
]


@pytest.mark.parametrize("source", DECLINED)
def test_outside_the_subset_black_decides(source: str) -> None:
    assert relayout(source) is None
