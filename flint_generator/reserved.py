"""The names the templates bind themselves, per generated module and scope: a spec-derived name must avoid them.

One list per scope, and nowhere else: naming.py and the IR read these sets, and
tests/generator/test_reserved_names.py parses every rendered module and fails when a template binds a name that is
not listed here (that drift once let a query parameter named `item` be clobbered on page 2 of async pagination).
"""

from __future__ import annotations

# models.py: module-level names class bodies can see (imports, the codec machinery, type variables)
MODELS_MODULE = frozenset({"annotations", "_rt", "_dec", "_dt", "_t", "_enum", "_U", "_C", "_codec", "_codec_compile",
                           "_Model", "_Parser", "_T"})

# attributes and methods of every generated model class (from _codec.Model), so no field may take them
MODEL_ATTRS = frozenset({"from_dict", "to_dict", "additional_properties", "self", "cls", "__slots__", "__init__",
                         "__eq__", "__repr__", "_defaults_", "_model_", "_fields_", "_unknown_"})

# client.py: module-level names (the client class name from x-client-name must avoid them)
CLIENT_MODULE = frozenset({
    "annotations", "_dec", "_dt", "_t", "httpx", "_c", "_rt", "_m", "_p", "APIResponse", "PageOptions", "RequestOptions",
    "Unpack", "with_raw_response", "MONEY_EXPONENTS", "money", "errors", "APIError",
})

# attributes and methods of the client classes (theirs and those of _client.SyncEngine/AsyncEngine/BaseClient): a
# resource group with one of these names gets a trailing "_"
CLIENT_ATTRS = frozenset({
    "__init__", "__enter__", "__exit__", "__aenter__", "__aexit__", "api_key", "base_url", "timeout", "max_retries",
    "deadline", "api_version", "default_headers", "last_response", "last_request_id", "mode", "close", "aclose", "send",
    "money", "with_options", "with_raw_response", "_http", "_owns_http", "_settings", "_clock", "_sleep", "_bind",
    "_derive", "_headers", "_url", "_init_settings", "_init_http", "_key_mode",
    "follow", "follow_call",
})

# params.py: module-level names (a TypedDict `<Model>Params` must avoid them)
PARAMS_MODULE = frozenset({"annotations", "_t", "_m", "_rt", "_dec", "_dt", "Required"})

# attributes of a resource class (`client.orders`): operation method names must avoid them
RESOURCE_ATTRS = frozenset({"__init__", "_client"})

# names bound inside a client operation method (arguments the template adds and its locals): parameter names
# derived from the spec avoid them
CLIENT_METHOD_LOCALS = frozenset({"self", "body", "idempotency_key", "options", "cursor", "page", "limits", "item", "r",
                                  "token", "at", "raw", "fetch", "pages"})

# module-level names a client operation method reads: a parameter with one of these names would shadow it
CLIENT_METHOD_GLOBALS = frozenset({"_rt", "_t", "_m", "_c", "_p", "_pairs", "_decode", "_path", "locals"})

# the keys of RequestOptions (`**options`): a parameter of the same name would collide with them
REQUEST_OPTIONS = frozenset({"timeout", "max_retries", "extra_headers", "deadline"})
# ... and of PageOptions (the page and item iterators)
PAGE_OPTIONS = REQUEST_OPTIONS | {"max_pages", "max_items"}

# arguments of the server's Service protocol methods that do not come from the spec
SERVICE_METHOD_ARGS = frozenset({"self", "ctx", "body"})

# every parameter of an operation becomes an argument in both the client method and the Service method
OPERATION_PARAM_AVOID = CLIENT_METHOD_LOCALS | CLIENT_METHOD_GLOBALS | PAGE_OPTIONS | SERVICE_METHOD_ARGS

# builtin type names an operation method may not take: it would shadow the type inside the resource class body
SHADOWING_METHOD_NAMES = frozenset({"str", "int", "bool", "float", "dict", "bytes", "object", "type"})
