"""Runtime shared by the generated models, reached as `_rt`: generated modules and compiled codecs name every helper
through this one module (`_rt.type_error`, `_rt.p_str`), so it gathers what four smaller modules define:

    _values.py   UNSET, ValidationError, UnknownEnumValue, UnknownVariant, the shared model helpers
    _checks.py   ValidationError builders and the schema keyword checks
    _parsers.py  parsers of JSON values (dates, numbers, lists, maps, files, the `p_*` forms)
    _dump.py     values back to JSON data and exact JSON text

Standard library only.
"""

from __future__ import annotations

from ._checks import (
    json_type as json_type,
    join as join,
    type_error as type_error,
    missing as missing,
    bad_value as bad_value,
    not_member as not_member,
    bad_variant as bad_variant,
    unknown_fields as unknown_fields,
    has_duplicates as has_duplicates,
    ecma_pattern as ecma_pattern,
    bad_key as bad_key,
    count_present as count_present,
    presence_error as presence_error,
    recode as recode,
    multiple_of as multiple_of,
)
from ._dump import dump_datetime as dump_datetime, exact_json as exact_json, dump as dump
from ._parsers import (
    parse_datetime as parse_datetime,
    parse_date as parse_date,
    parse_list as parse_list,
    parse_map as parse_map,
    to_decimal as to_decimal,
    to_float as to_float,
    list_str as list_str,
    list_int as list_int,
    list_float as list_float,
    list_bool as list_bool,
    list_any as list_any,
    map_any as map_any,
    map_str as map_str,
    p_str as p_str,
    p_int as p_int,
    p_float as p_float,
    p_decimal as p_decimal,
    p_bool as p_bool,
    is_file as is_file,
    parse_file as parse_file,
    p_file as p_file,
    p_any as p_any,
    p_datetime as p_datetime,
    p_date as p_date,
    p_none as p_none,
)
from ._values import (
    FileContent as FileContent,
    Unset as Unset,
    UNSET as UNSET,
    _U as _U,
    NESTED as NESTED,
    ValidationError as ValidationError,
    UnknownEnumValue as UnknownEnumValue,
    UnknownVariant as UnknownVariant,
    model_eq as model_eq,
    model_repr as model_repr,
    replace as replace,
    unknown_of as unknown_of,
    undeclared_fields as undeclared_fields,
)
