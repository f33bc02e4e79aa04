"""The names the templates bind themselves, per generated module and scope: a spec-derived name must avoid them.

One list per scope, and nowhere else: naming.py and the IR read these sets, and
tests/generator/test_reserved_names.py parses every rendered module and fails when a template binds a name that is
not listed here (that drift once let a query parameter named `item` be clobbered on page 2 of async pagination).
"""

from __future__ import annotations

# models.py: module-level names class bodies can see (imports, the codec machinery, type variables)
MODELS_MODULE = frozenset({"annotations", "_rt", "_dt", "_t", "_enum", "_U", "_C", "_codec", "_Model", "_Parser",
                           "_T"})

# attributes and methods of every generated model class (from _codec.Model), so no field may take them
MODEL_ATTRS = frozenset({"from_dict", "to_dict", "additional_properties", "self", "cls", "__slots__", "__init__",
                         "__eq__", "__repr__", "_defaults_", "_model_", "_fields_", "_unknown_"})

# client.py: module-level names (the client class name from x-client-name must avoid them)
CLIENT_MODULE = frozenset({
    "annotations", "asyncio", "_dt", "email", "json", "random", "time", "_t", "uuid", "_quote", "_urlencode", "httpx",
    "_rt", "_m", "APIConnectionError", "APITimeoutError", "error_for_response", "DEFAULT_BASE_URL", "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES", "INITIAL_RETRY_DELAY", "MAX_RETRY_DELAY", "MAX_RETRY_AFTER", "IDEMPOTENCY_HEADER",
    "REQUEST_ID_HEADER", "AUTH_HEADER", "AUTH_PREFIX", "T", "Unpack", "RequestOptions", "_Base", "_decode", "_delay",
    "_form", "_encode_body", "_group", "_may_resend", "_pairs", "_path", "_retry_after", "_should_retry", "_text",
})

# attributes and methods of the client classes: a resource group with one of these names gets a trailing "_"
CLIENT_ATTRS = frozenset({
    "__init__", "__enter__", "__exit__", "__aenter__", "__aexit__", "api_key", "base_url", "timeout", "max_retries",
    "default_headers", "last_response", "last_request_id", "mode", "close", "aclose", "request", "_http", "_owns_http",
    "_prepare", "with_options",
})

# attributes of a resource class (`client.orders`): operation method names must avoid them
RESOURCE_ATTRS = frozenset({"__init__", "_client"})

# names bound inside a client operation method (arguments the template adds and its locals): parameter names
# derived from the spec avoid them
CLIENT_METHOD_LOCALS = frozenset({"self", "body", "idempotency_key", "options", "r", "cursor", "page", "item"})

# module-level names a client operation method reads: a parameter with one of these names would shadow it
CLIENT_METHOD_GLOBALS = frozenset({"_rt", "_t", "_m", "_pairs", "_decode", "_path"})

# the keys of RequestOptions (`**options`): a parameter of the same name would collide with them
REQUEST_OPTIONS = frozenset({"timeout", "max_retries", "extra_headers"})

# arguments of the server's Service protocol methods that do not come from the spec
SERVICE_METHOD_ARGS = frozenset({"self", "ctx", "body"})

# every parameter of an operation becomes an argument in both the client method and the Service method
OPERATION_PARAM_AVOID = CLIENT_METHOD_LOCALS | CLIENT_METHOD_GLOBALS | REQUEST_OPTIONS | SERVICE_METHOD_ARGS

# builtin type names an operation method may not take: it would shadow the type inside the resource class body
SHADOWING_METHOD_NAMES = frozenset({"str", "int", "bool", "float", "dict", "bytes", "object", "type"})
