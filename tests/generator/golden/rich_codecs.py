# constants
# _k0 = frozenset({'lives', 'name', 'pet_type'})
# _k1 = <class Animal>
# _k2 = UNSET
# _k3 = frozenset({'reason'})
# _k4 = <class ArchiveWidgetBody>
# _k5 = frozenset({'lives', 'pet_type'})
# _k6 = <class Cat>
# _k7 = frozenset({'kind', 'radius'})
# _k8 = frozenset({'circle'})
# _k9 = <class Circle>
# _k10 = 'circle'
# _k11 = frozenset({'class', 'color', 'from', 'labels', 'launch_at', 'name', 'note', 'parts', 'tags'})
# _k12 = {'red': Color.RED, 'green': Color.GREEN, 'blue-ish': Color.BLUE_ISH, 'class': Color.CLASS}
# _k13 = re.compile('^[a-z]+\\Z')
# _k14 = <class CreateWidgetRequest>
# _k15 = frozenset({'good', 'pet_type'})
# _k16 = <class Dog>
# _k17 = frozenset({})
# _k18 = <class Empty>
# _k19 = frozenset({'error'})
# _k20 = <class ErrorResponse>
# _k21 = frozenset({'code', 'message', 'param', 'request_id', 'type'})
# _k22 = <class ErrorResponseError>
# _k23 = frozenset({'trees'})
# _k24 = <class Forest>
# _k25 = frozenset({'amount', 'currency'})
# _k26 = {'USD': CurrencyCode.USD, 'EUR': CurrencyCode.EUR, 'GBP': CurrencyCode.GBP, 'JPY': CurrencyCode.JPY}
# _k27 = frozenset({'USD'})
# _k28 = <class Money>
# _k29 = frozenset({'level', 'maybe_pet', 'mixed'})
# _k30 = {'low': NullableEnumHolderLevel.LOW, 'high': NullableEnumHolderLevel.HIGH}
# _k31 = <class NullableEnumHolder>
# _k32 = frozenset({'percent', 'price_money', 'quantity', 'sku'})
# _k33 = re.compile('^[A-Z]{3}-\\d+\\Z')
# _k34 = {'minimum': 'LINE_ITEM_NEGATIVE_PRICE'}
# _k35 = <class Part>
# _k36 = frozenset({'kind', 'side'})
# _k37 = {'square': SquareKind.SQUARE}
# _k38 = <class Square>
# _k39 = <SquareKind.SQUARE: 'square'>
# _k40 = frozenset({'children', 'other', 'value'})
# _k41 = <class TreeNode>
# _k42 = frozenset({'name', 'note'})
# _k43 = <class UpdateWidgetBody>
# _k44 = frozenset({'color', 'const_kind', 'created_at', 'dims', 'history', 'id', 'id_or_count', 'metadata', 'name', 'note', 'parent', 'parts', 'priority', 'shape', 'ship_date', 'status', 'total_money', 'tree'})
# _k45 = {'active': Status.ACTIVE, 'retired': Status.RETIRED}
# _k46 = frozenset({1, 2, 3})
# _k47 = frozenset({'widget'})
# _k48 = <class Widget>
# _k49 = frozenset({'height', 'width'})
# _k50 = <class WidgetDims>
# _k51 = frozenset({'at', 'state'})
# _k52 = {'made': WidgetHistoryItemState.MADE, 'shipped': WidgetHistoryItemState.SHIPPED}
# _k53 = <class WidgetHistoryItem>
# _k54 = frozenset({'data', 'next_page_token', 'request_id'})
# _k55 = <class WidgetListResponse>
# _k56 = frozenset({'data', 'meta', 'request_id'})
# _k57 = <class WidgetResponse>
# _k58 = frozenset({'idempotency_replayed'})
# _k59 = <class WidgetResponseMeta>
# _k60 = {'cat': <class 'rich_golden.models.Cat'>, 'dog': <class 'rich_golden.models.Dog'>}
# _k61 = {'circle': <class 'rich_golden.models.Circle'>, 'square': <class 'rich_golden.models.Square'>}

# --- <rich_golden.models Animal.__init__>
def __init__(self, *, pet_type, lives=_k2, name):
    self.pet_type = pet_type
    self.lives = lives
    self.name = name
    self._unknown_ = None
    pass

# --- <rich_golden.models Animal.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 2
    try:
        f0 = data['pet_type']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'pet_type'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'pet_type'), 'string', None)
    f1 = g('lives', _U)
    if f1 is not _U:
        n -= 1
        if type(f1) is not int:
            raise _rt.type_error(f1, _rt.join(path, 'lives'), 'integer', None)
    try:
        f2 = data['name']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'name'), None) from None
    if type(f2) is not str:
        raise _rt.type_error(f2, _rt.join(path, 'name'), 'string', None)
    o = _new(_k1)
    o.pet_type = f0
    o.lives = f1
    o.name = f2
    o._unknown_ = None if not n else _rt.unknown_of(data, _k0)
    return o

# --- <rich_golden.models Animal.to_dict>
def to_dict(self):
    d: dict[str, object] = {'pet_type': self.pet_type, 'name': self.name}
    v = self.lives
    if v is not _U:
        d['lives'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models ArchiveWidgetBody.__init__>
def __init__(self, *, reason=_k2):
    self.reason = reason
    self._unknown_ = None
    pass

# --- <rich_golden.models ArchiveWidgetBody.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    if not _k3.issuperset(data):
        raise _rt.unknown_fields(data, _k3, path, None)
    g = data.get
    f0 = g('reason', _U)
    if f0 is not _U:
        if type(f0) is not str:
            raise _rt.type_error(f0, _rt.join(path, 'reason'), 'string', None)
    o = _new(_k4)
    o.reason = f0
    o._unknown_ = None
    return o

# --- <rich_golden.models ArchiveWidgetBody.to_dict>
def to_dict(self):
    d: dict[str, object] = {}
    v = self.reason
    if v is not _U:
        d['reason'] = v
    return d

# --- <rich_golden.models Cat.__init__>
def __init__(self, *, pet_type, lives=_k2):
    self.pet_type = pet_type
    self.lives = lives
    self._unknown_ = None
    pass

# --- <rich_golden.models Cat.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 1
    try:
        f0 = data['pet_type']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'pet_type'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'pet_type'), 'string', None)
    f1 = g('lives', _U)
    if f1 is not _U:
        n -= 1
        if type(f1) is not int:
            raise _rt.type_error(f1, _rt.join(path, 'lives'), 'integer', None)
    o = _new(_k6)
    o.pet_type = f0
    o.lives = f1
    o._unknown_ = None if not n else _rt.unknown_of(data, _k5)
    return o

# --- <rich_golden.models Cat.to_dict>
def to_dict(self):
    d: dict[str, object] = {'pet_type': self.pet_type}
    v = self.lives
    if v is not _U:
        d['lives'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models Circle.__init__>
def __init__(self, *, kind=_k10, radius):
    self.kind = kind
    self.radius = radius
    self._unknown_ = None
    pass

# --- <rich_golden.models Circle.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    try:
        f0 = data['kind']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'kind'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'kind'), 'string', None)
    if f0 not in _k8:
        raise _rt.not_member(f0, _rt.join(path, 'kind'), _k8, None)
    try:
        f1 = data['radius']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'radius'), None) from None
    if type(f1) is not _Dec:
        f1 = _Dec(f1) if type(f1) is int else _rt.to_decimal(f1, _rt.join(path, 'radius'), None)
    o = _new(_k9)
    o.kind = f0
    o.radius = f1
    o._unknown_ = None if len(data) == 2 else _rt.unknown_of(data, _k7)
    return o

# --- <rich_golden.models Circle.to_dict>
def to_dict(self):
    d: dict[str, object] = {'kind': self.kind, 'radius': self.radius}
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models CreateWidgetRequest.__init__>
def __init__(self, *, name, color=_k2, parts, tags=_k2, labels=_k2, from_=_k2, class_=_k2, note=_k2, launch_at=_k2):
    self.name = name
    self.color = color
    self.parts = parts
    self.tags = tags
    self.labels = labels
    self.from_ = from_
    self.class_ = class_
    self.note = note
    self.launch_at = launch_at
    self._unknown_ = None
    pass

# --- <rich_golden.models CreateWidgetRequest.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    if not _k11.issuperset(data):
        raise _rt.unknown_fields(data, _k11, path, None)
    g = data.get
    try:
        f0 = data['name']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'name'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'name'), 'string', None)
    if len(f0) < 1:
        raise _rt.bad_value(_rt.join(path, 'name'), 'minLength', None, 'must have at least 1 characters')
    if len(f0) > 40:
        raise _rt.bad_value(_rt.join(path, 'name'), 'maxLength', None, 'must have at most 40 characters')
    f1 = g('color', _U)
    if f1 is not _U:
        try:
            f1 = _k12[f1]
        except (KeyError, TypeError):
            if type(f1) is not str:
                raise _rt.type_error(f1, _rt.join(path, 'color'), 'string', None) from None
            raise _rt.not_member(f1, _rt.join(path, 'color'), _k12, None) from None
    try:
        f2 = data['parts']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'parts'), None) from None
    if type(f2) is list and not f2:
        f2 = []
    else:
        try:
            f2 = _rt.parse_list(f2, _rt.NESTED, P.m_Part, None)
        except _VE as e:
            raise e.under(_rt.join(path, 'parts'))
    if len(f2) < 1:
        raise _rt.bad_value(_rt.join(path, 'parts'), 'minItems', None, 'must have at least 1 items')
    f3 = g('tags', _U)
    if f3 is not _U:
        if type(f3) is list and not f3:
            f3 = []
        else:
            try:
                f3 = _rt.list_str(f3, _rt.NESTED, None)
            except _VE as e:
                raise e.under(_rt.join(path, 'tags'))
        if _rt.has_duplicates(f3):
            raise _rt.bad_value(_rt.join(path, 'tags'), 'uniqueItems', None, 'items must be unique')
    f4 = g('labels', _U)
    if f4 is not _U:
        if type(f4) is dict and not f4:
            f4 = {}
        else:
            try:
                f4 = _rt.map_str(f4, _rt.NESTED, None)
            except _VE as e:
                raise e.under(_rt.join(path, 'labels'))
        if len(f4) > 3:
            raise _rt.bad_value(_rt.join(path, 'labels'), 'maxProperties', None, 'must have at most 3 entries')
        k_ = _rt.bad_key(f4, _k13, None, 10)
        if k_ is not None:
            raise _rt.bad_value(_rt.join(_rt.join(path, 'labels'), k_), 'propertyNames', None, 'invalid key')
    f5 = g('from', _U)
    if f5 is not _U:
        if type(f5) is not str:
            raise _rt.type_error(f5, _rt.join(path, 'from'), 'string', None)
    f6 = g('class', _U)
    if f6 is not _U:
        if type(f6) is not int:
            raise _rt.type_error(f6, _rt.join(path, 'class'), 'integer', None)
    f7 = g('note', _U)
    if f7 is not _U and f7 is not None:
        if type(f7) is not str:
            raise _rt.type_error(f7, _rt.join(path, 'note'), 'string', None)
    f8 = g('launch_at', _U)
    if f8 is not _U:
        try:
            f8 = _rt.parse_datetime(f8, _rt.NESTED, None, None)
        except _VE as e:
            raise e.under(_rt.join(path, 'launch_at'))
    o = _new(_k14)
    o.name = f0
    o.color = f1
    o.parts = f2
    o.tags = f3
    o.labels = f4
    o.from_ = f5
    o.class_ = f6
    o.note = f7
    o.launch_at = f8
    o._unknown_ = None
    return o

# --- <rich_golden.models CreateWidgetRequest.to_dict>
def to_dict(self):
    d: dict[str, object] = {'name': self.name, 'parts': [i0.to_dict() for i0 in self.parts]}
    v = self.color
    if v is not _U:
        d['color'] = v.value
    v = self.tags
    if v is not _U:
        d['tags'] = list(v)
    v = self.labels
    if v is not _U:
        d['labels'] = dict(v)
    v = self.from_
    if v is not _U:
        d['from'] = v
    v = self.class_
    if v is not _U:
        d['class'] = v
    v = self.note
    if v is not _U:
        d['note'] = v
    v = self.launch_at
    if v is not _U:
        d['launch_at'] = _rt.dump_datetime(v)
    return d

# --- <rich_golden.models Dog.__init__>
def __init__(self, *, pet_type, good=_k2):
    self.pet_type = pet_type
    self.good = good
    self._unknown_ = None
    pass

# --- <rich_golden.models Dog.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 1
    try:
        f0 = data['pet_type']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'pet_type'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'pet_type'), 'string', None)
    f1 = g('good', _U)
    if f1 is not _U:
        n -= 1
        if type(f1) is not bool:
            raise _rt.type_error(f1, _rt.join(path, 'good'), 'boolean', None)
    o = _new(_k16)
    o.pet_type = f0
    o.good = f1
    o._unknown_ = None if not n else _rt.unknown_of(data, _k15)
    return o

# --- <rich_golden.models Dog.to_dict>
def to_dict(self):
    d: dict[str, object] = {'pet_type': self.pet_type}
    v = self.good
    if v is not _U:
        d['good'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models Empty.__init__>
def __init__(self):
    self._unknown_ = None
    pass

# --- <rich_golden.models Empty.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    if not _k17.issuperset(data):
        raise _rt.unknown_fields(data, _k17, path, None)
    o = _new(_k18)
    o._unknown_ = None
    return o

# --- <rich_golden.models Empty.to_dict>
def to_dict(self):
    d: dict[str, object] = {}
    return d

# --- <rich_golden.models ErrorResponse.__init__>
def __init__(self, *, error):
    self.error = error
    self._unknown_ = None
    pass

# --- <rich_golden.models ErrorResponse.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    try:
        f0 = data['error']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'error'), None) from None
    try:
        f0 = P.m_ErrorResponseError(f0, _rt.NESTED)
    except _VE as e:
        raise e.under(_rt.join(path, 'error'))
    o = _new(_k20)
    o.error = f0
    o._unknown_ = None if len(data) == 1 else _rt.unknown_of(data, _k19)
    return o

# --- <rich_golden.models ErrorResponse.to_dict>
def to_dict(self):
    d: dict[str, object] = {'error': self.error.to_dict()}
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models ErrorResponseError.__init__>
def __init__(self, *, type_, code, message, param=_k2, request_id=_k2):
    self.type_ = type_
    self.code = code
    self.message = message
    self.param = param
    self.request_id = request_id
    self._unknown_ = None
    pass

# --- <rich_golden.models ErrorResponseError.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 3
    try:
        f0 = data['type']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'type'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'type'), 'string', None)
    try:
        f1 = data['code']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'code'), None) from None
    if type(f1) is not str:
        raise _rt.type_error(f1, _rt.join(path, 'code'), 'string', None)
    try:
        f2 = data['message']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'message'), None) from None
    if type(f2) is not str:
        raise _rt.type_error(f2, _rt.join(path, 'message'), 'string', None)
    f3 = g('param', _U)
    if f3 is not _U:
        n -= 1
        if f3 is not None:
            if type(f3) is not str:
                raise _rt.type_error(f3, _rt.join(path, 'param'), 'string', None)
    f4 = g('request_id', _U)
    if f4 is not _U:
        n -= 1
        if type(f4) is not str:
            raise _rt.type_error(f4, _rt.join(path, 'request_id'), 'string', None)
    o = _new(_k22)
    o.type_ = f0
    o.code = f1
    o.message = f2
    o.param = f3
    o.request_id = f4
    o._unknown_ = None if not n else _rt.unknown_of(data, _k21)
    return o

# --- <rich_golden.models ErrorResponseError.to_dict>
def to_dict(self):
    d: dict[str, object] = {'type': self.type_, 'code': self.code, 'message': self.message}
    v = self.param
    if v is not _U:
        d['param'] = v
    v = self.request_id
    if v is not _U:
        d['request_id'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models Forest.__init__>
def __init__(self, *, trees=_k2):
    self.trees = trees
    self._unknown_ = None
    pass

# --- <rich_golden.models Forest.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 0
    f0 = g('trees', _U)
    if f0 is not _U:
        n -= 1
        if type(f0) is list and not f0:
            f0 = []
        else:
            try:
                f0 = _rt.parse_list(f0, _rt.NESTED, P.m_TreeNode, None)
            except _VE as e:
                raise e.under(_rt.join(path, 'trees'))
    o = _new(_k24)
    o.trees = f0
    o._unknown_ = None if not n else _rt.unknown_of(data, _k23)
    return o

# --- <rich_golden.models Forest.to_dict>
def to_dict(self):
    d: dict[str, object] = {}
    v = self.trees
    if v is not _U:
        d['trees'] = [i0.to_dict() for i0 in v]
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models Money.__init__>
def __init__(self, *, amount, currency):
    self.amount = amount
    self.currency = currency
    self._unknown_ = None
    pass

# --- <rich_golden.models Money.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    if not _k25.issuperset(data):
        raise _rt.unknown_fields(data, _k25, path, None)
    try:
        f0 = data['amount']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'amount'), None) from None
    if type(f0) is not int:
        raise _rt.type_error(f0, _rt.join(path, 'amount'), 'integer', None)
    if f0 < 0:
        raise _rt.bad_value(_rt.join(path, 'amount'), 'minimum', 'NEGATIVE_AMOUNT', 'must be >= 0', True)
    try:
        f1 = data['currency']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'currency'), None) from None
    try:
        f1 = _k26[f1]
    except (KeyError, TypeError):
        if type(f1) is not str:
            raise _rt.type_error(f1, _rt.join(path, 'currency'), 'string', 'INVALID_CURRENCY') from None
        raise _rt.not_member(f1, _rt.join(path, 'currency'), _k26, 'INVALID_CURRENCY') from None
    if f1.value not in _k27:
        raise _rt.not_member(f1.value, _rt.join(path, 'currency'), _k27, 'UNSUPPORTED_CURRENCY')
    o = _new(_k28)
    o.amount = f0
    o.currency = f1
    o._unknown_ = None
    return o

# --- <rich_golden.models Money.to_dict>
def to_dict(self):
    d: dict[str, object] = {'amount': self.amount, 'currency': self.currency.value}
    return d

# --- <rich_golden.models NullableEnumHolder.__init__>
def __init__(self, *, level=_k2, maybe_pet=_k2, mixed=_k2):
    self.level = level
    self.maybe_pet = maybe_pet
    self.mixed = mixed
    self._unknown_ = None
    pass

# --- <rich_golden.models NullableEnumHolder.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 0
    f0 = g('level', _U)
    if f0 is not _U:
        n -= 1
        if f0 is not None:
            try:
                f0 = _k30[f0]
            except (KeyError, TypeError):
                if type(f0) is not str:
                    raise _rt.type_error(f0, _rt.join(path, 'level'), 'string', None) from None
                f0 = _rt.UnknownEnumValue(f0)
    f1 = g('maybe_pet', _U)
    if f1 is not _U:
        n -= 1
        if f1 is not None:
            try:
                f1 = P.u_Pet(f1, _rt.NESTED)
            except _VE as e:
                raise e.under(_rt.join(path, 'maybe_pet'))
    f2 = g('mixed', _U)
    if f2 is not _U:
        n -= 1
        try:
            f2 = P.u_NullableEnumHolderMixed(f2, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'mixed'))
    o = _new(_k31)
    o.level = f0
    o.maybe_pet = f1
    o.mixed = f2
    o._unknown_ = None if not n else _rt.unknown_of(data, _k29)
    return o

# --- <rich_golden.models NullableEnumHolder.to_dict>
def to_dict(self):
    d: dict[str, object] = {}
    v = self.level
    if v is not _U:
        d['level'] = None if v is None else v.value
    v = self.maybe_pet
    if v is not _U:
        d['maybe_pet'] = None if v is None else _rt.dump(v)
    v = self.mixed
    if v is not _U:
        d['mixed'] = _rt.dump(v)
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models Part.__init__>
def __init__(self, *, sku, quantity, price_money=_k2, percent=_k2):
    self.sku = sku
    self.quantity = quantity
    self.price_money = price_money
    self.percent = percent
    self._unknown_ = None
    pass

# --- <rich_golden.models Part.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    if not _k32.issuperset(data):
        raise _rt.unknown_fields(data, _k32, path, None)
    g = data.get
    try:
        f0 = data['sku']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'sku'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'sku'), 'string', None)
    if _k33.search(f0) is None:
        raise _rt.bad_value(_rt.join(path, 'sku'), 'pattern', None, 'must match ^[A-Z]{3}-\\d+$')
    try:
        f1 = data['quantity']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'quantity'), None) from None
    if type(f1) is not int:
        raise _rt.type_error(f1, _rt.join(path, 'quantity'), 'integer', None)
    if f1 < 1:
        raise _rt.bad_value(_rt.join(path, 'quantity'), 'minimum', None, 'must be >= 1')
    if f1 > 1000000:
        raise _rt.bad_value(_rt.join(path, 'quantity'), 'maximum', None, 'must be <= 1000000')
    f2 = g('price_money', _U)
    if f2 is not _U:
        try:
            f2 = _rt.recode(P.m_Money, f2, _rt.NESTED, _k34, None)
        except _VE as e:
            raise e.under(_rt.join(path, 'price_money'))
    f3 = g('percent', _U)
    if f3 is not _U:
        if type(f3) is not _Dec:
            f3 = _Dec(f3) if type(f3) is int else _rt.to_decimal(f3, _rt.join(path, 'percent'), None)
        if f3 < 0:
            raise _rt.bad_value(_rt.join(path, 'percent'), 'minimum', None, 'must be >= 0')
        if f3 > 100:
            raise _rt.bad_value(_rt.join(path, 'percent'), 'maximum', None, 'must be <= 100')
        if not _rt.multiple_of(f3, '0.01'):
            raise _rt.bad_value(_rt.join(path, 'percent'), 'multipleOf', None, 'must be a multiple of 0.01')
    o = _new(_k35)
    o.sku = f0
    o.quantity = f1
    o.price_money = f2
    o.percent = f3
    o._unknown_ = None
    return o

# --- <rich_golden.models Part.to_dict>
def to_dict(self):
    d: dict[str, object] = {'sku': self.sku, 'quantity': self.quantity}
    v = self.price_money
    if v is not _U:
        d['price_money'] = v.to_dict()
    v = self.percent
    if v is not _U:
        d['percent'] = v
    return d

# --- <rich_golden.models Square.__init__>
def __init__(self, *, kind=_k39, side):
    self.kind = kind
    self.side = side
    self._unknown_ = None
    pass

# --- <rich_golden.models Square.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    try:
        f0 = data['kind']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'kind'), None) from None
    try:
        f0 = _k37[f0]
    except (KeyError, TypeError):
        if type(f0) is not str:
            raise _rt.type_error(f0, _rt.join(path, 'kind'), 'string', None) from None
        raise _rt.not_member(f0, _rt.join(path, 'kind'), _k37, None) from None
    try:
        f1 = data['side']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'side'), None) from None
    if type(f1) is not int:
        raise _rt.type_error(f1, _rt.join(path, 'side'), 'integer', None)
    o = _new(_k38)
    o.kind = f0
    o.side = f1
    o._unknown_ = None if len(data) == 2 else _rt.unknown_of(data, _k36)
    return o

# --- <rich_golden.models Square.to_dict>
def to_dict(self):
    d: dict[str, object] = {'kind': self.kind.value, 'side': self.side}
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models TreeNode.__init__>
def __init__(self, *, value, children=_k2, other=_k2):
    self.value = value
    self.children = children
    self.other = other
    self._unknown_ = None
    pass

# --- <rich_golden.models TreeNode.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 1
    try:
        f0 = data['value']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'value'), None) from None
    if type(f0) is not int:
        raise _rt.type_error(f0, _rt.join(path, 'value'), 'integer', None)
    f1 = g('children', _U)
    if f1 is not _U:
        n -= 1
        if type(f1) is list and not f1:
            f1 = []
        else:
            try:
                f1 = _rt.parse_list(f1, _rt.NESTED, P.m_TreeNode, None)
            except _VE as e:
                raise e.under(_rt.join(path, 'children'))
    f2 = g('other', _U)
    if f2 is not _U:
        n -= 1
        try:
            f2 = P.m_Forest(f2, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'other'))
    o = _new(_k41)
    o.value = f0
    o.children = f1
    o.other = f2
    o._unknown_ = None if not n else _rt.unknown_of(data, _k40)
    return o

# --- <rich_golden.models TreeNode.to_dict>
def to_dict(self):
    d: dict[str, object] = {'value': self.value}
    v = self.children
    if v is not _U:
        d['children'] = [i0.to_dict() for i0 in v]
    v = self.other
    if v is not _U:
        d['other'] = v.to_dict()
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models UpdateWidgetBody.__init__>
def __init__(self, *, name=_k2, note=_k2):
    self.name = name
    self.note = note
    self._unknown_ = None
    pass

# --- <rich_golden.models UpdateWidgetBody.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    if not _k42.issuperset(data):
        raise _rt.unknown_fields(data, _k42, path, None)
    g = data.get
    f0 = g('name', _U)
    if f0 is not _U:
        if type(f0) is not str:
            raise _rt.type_error(f0, _rt.join(path, 'name'), 'string', None)
        if len(f0) < 1:
            raise _rt.bad_value(_rt.join(path, 'name'), 'minLength', None, 'must have at least 1 characters')
    f1 = g('note', _U)
    if f1 is not _U and f1 is not None:
        if type(f1) is not str:
            raise _rt.type_error(f1, _rt.join(path, 'note'), 'string', None)
        if len(f1) > 50:
            raise _rt.bad_value(_rt.join(path, 'note'), 'maxLength', None, 'must have at most 50 characters')
    if len(data) < 1:
        raise _rt.bad_value(path, 'minProperties', None, 'must have at least 1 fields')
    o = _new(_k43)
    o.name = f0
    o.note = f1
    o._unknown_ = None
    return o

# --- <rich_golden.models UpdateWidgetBody.to_dict>
def to_dict(self):
    d: dict[str, object] = {}
    v = self.name
    if v is not _U:
        d['name'] = v
    v = self.note
    if v is not _U:
        d['note'] = v
    return d

# --- <rich_golden.models Widget.__init__>
def __init__(self, *, id, name, status, color=_k2, created_at, ship_date=_k2, note=_k2, priority=_k2, parts, total_money, dims=_k2, history=_k2, metadata=_k2, shape=_k2, parent=_k2, tree=_k2, id_or_count=_k2, const_kind=_k2):
    self.id = id
    self.name = name
    self.status = status
    self.color = color
    self.created_at = created_at
    self.ship_date = ship_date
    self.note = note
    self.priority = priority
    self.parts = parts
    self.total_money = total_money
    self.dims = dims
    self.history = history
    self.metadata = metadata
    self.shape = shape
    self.parent = parent
    self.tree = tree
    self.id_or_count = id_or_count
    self.const_kind = const_kind
    self._unknown_ = None
    pass

# --- <rich_golden.models Widget.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 6
    try:
        f0 = data['id']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'id'), None) from None
    if type(f0) is not str:
        raise _rt.type_error(f0, _rt.join(path, 'id'), 'string', None)
    try:
        f1 = data['name']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'name'), None) from None
    if type(f1) is not str:
        raise _rt.type_error(f1, _rt.join(path, 'name'), 'string', None)
    try:
        f2 = data['status']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'status'), None) from None
    try:
        f2 = _k45[f2]
    except (KeyError, TypeError):
        if type(f2) is not str:
            raise _rt.type_error(f2, _rt.join(path, 'status'), 'string', None) from None
        f2 = _rt.UnknownEnumValue(f2)
    f3 = g('color', _U)
    if f3 is not _U:
        n -= 1
        try:
            f3 = _k12[f3]
        except (KeyError, TypeError):
            if type(f3) is not str:
                raise _rt.type_error(f3, _rt.join(path, 'color'), 'string', None) from None
            raise _rt.not_member(f3, _rt.join(path, 'color'), _k12, None) from None
    try:
        f4 = data['created_at']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'created_at'), None) from None
    try:
        f4 = _rt.parse_datetime(f4, _rt.NESTED, None, None)
    except _VE as e:
        raise e.under(_rt.join(path, 'created_at'))
    f5 = g('ship_date', _U)
    if f5 is not _U:
        n -= 1
        try:
            f5 = _rt.parse_date(f5, _rt.NESTED, None, None)
        except _VE as e:
            raise e.under(_rt.join(path, 'ship_date'))
    f6 = g('note', _U)
    if f6 is not _U:
        n -= 1
        if f6 is not None:
            if type(f6) is not str:
                raise _rt.type_error(f6, _rt.join(path, 'note'), 'string', None)
    f7 = g('priority', _U)
    if f7 is not _U:
        n -= 1
        if f7 is not None:
            if type(f7) is not int:
                raise _rt.type_error(f7, _rt.join(path, 'priority'), 'integer', None)
            if f7 not in _k46:
                raise _rt.not_member(f7, _rt.join(path, 'priority'), _k46, None)
    try:
        f8 = data['parts']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'parts'), None) from None
    if type(f8) is list and not f8:
        f8 = []
    else:
        try:
            f8 = _rt.parse_list(f8, _rt.NESTED, P.m_Part, None)
        except _VE as e:
            raise e.under(_rt.join(path, 'parts'))
    try:
        f9 = data['total_money']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'total_money'), None) from None
    try:
        f9 = P.m_Money(f9, _rt.NESTED)
    except _VE as e:
        raise e.under(_rt.join(path, 'total_money'))
    f10 = g('dims', _U)
    if f10 is not _U:
        n -= 1
        try:
            f10 = P.m_WidgetDims(f10, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'dims'))
    f11 = g('history', _U)
    if f11 is not _U:
        n -= 1
        if type(f11) is list and not f11:
            f11 = []
        else:
            try:
                f11 = _rt.parse_list(f11, _rt.NESTED, P.m_WidgetHistoryItem, None)
            except _VE as e:
                raise e.under(_rt.join(path, 'history'))
    f12 = g('metadata', _U)
    if f12 is not _U:
        n -= 1
        if type(f12) is dict and not f12:
            f12 = {}
        else:
            try:
                f12 = _rt.map_any(f12, _rt.NESTED, None)
            except _VE as e:
                raise e.under(_rt.join(path, 'metadata'))
    f13 = g('shape', _U)
    if f13 is not _U:
        n -= 1
        try:
            f13 = P.u_Shape(f13, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'shape'))
    f14 = g('parent', _U)
    if f14 is not _U:
        n -= 1
        try:
            f14 = P.m_Widget(f14, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'parent'))
    f15 = g('tree', _U)
    if f15 is not _U:
        n -= 1
        try:
            f15 = P.m_TreeNode(f15, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'tree'))
    f16 = g('id_or_count', _U)
    if f16 is not _U:
        n -= 1
        try:
            f16 = P.u_WidgetIdOrCount(f16, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'id_or_count'))
    f17 = g('const_kind', _U)
    if f17 is not _U:
        n -= 1
        if type(f17) is not str:
            raise _rt.type_error(f17, _rt.join(path, 'const_kind'), 'string', None)
        if f17 not in _k47:
            raise _rt.not_member(f17, _rt.join(path, 'const_kind'), _k47, None)
    o = _new(_k48)
    o.id = f0
    o.name = f1
    o.status = f2
    o.color = f3
    o.created_at = f4
    o.ship_date = f5
    o.note = f6
    o.priority = f7
    o.parts = f8
    o.total_money = f9
    o.dims = f10
    o.history = f11
    o.metadata = f12
    o.shape = f13
    o.parent = f14
    o.tree = f15
    o.id_or_count = f16
    o.const_kind = f17
    o._unknown_ = None if not n else _rt.unknown_of(data, _k44)
    return o

# --- <rich_golden.models Widget.to_dict>
def to_dict(self):
    d: dict[str, object] = {'id': self.id, 'name': self.name, 'status': self.status.value, 'created_at': _rt.dump_datetime(self.created_at), 'parts': [i0.to_dict() for i0 in self.parts], 'total_money': self.total_money.to_dict()}
    v = self.color
    if v is not _U:
        d['color'] = v.value
    v = self.ship_date
    if v is not _U:
        d['ship_date'] = v.isoformat()
    v = self.note
    if v is not _U:
        d['note'] = v
    v = self.priority
    if v is not _U:
        d['priority'] = v
    v = self.dims
    if v is not _U:
        d['dims'] = v.to_dict()
    v = self.history
    if v is not _U:
        d['history'] = [i0.to_dict() for i0 in v]
    v = self.metadata
    if v is not _U:
        d['metadata'] = dict(v)
    v = self.shape
    if v is not _U:
        d['shape'] = _rt.dump(v)
    v = self.parent
    if v is not _U:
        d['parent'] = v.to_dict()
    v = self.tree
    if v is not _U:
        d['tree'] = v.to_dict()
    v = self.id_or_count
    if v is not _U:
        d['id_or_count'] = _rt.dump(v)
    v = self.const_kind
    if v is not _U:
        d['const_kind'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models WidgetDims.__init__>
def __init__(self, *, width=_k2, height=_k2):
    self.width = width
    self.height = height
    self._unknown_ = None
    pass

# --- <rich_golden.models WidgetDims.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 0
    f0 = g('width', _U)
    if f0 is not _U:
        n -= 1
        if type(f0) is not _Dec:
            f0 = _Dec(f0) if type(f0) is int else _rt.to_decimal(f0, _rt.join(path, 'width'), None)
    f1 = g('height', _U)
    if f1 is not _U:
        n -= 1
        if type(f1) is not _Dec:
            f1 = _Dec(f1) if type(f1) is int else _rt.to_decimal(f1, _rt.join(path, 'height'), None)
    o = _new(_k50)
    o.width = f0
    o.height = f1
    o._unknown_ = None if not n else _rt.unknown_of(data, _k49)
    return o

# --- <rich_golden.models WidgetDims.to_dict>
def to_dict(self):
    d: dict[str, object] = {}
    v = self.width
    if v is not _U:
        d['width'] = v
    v = self.height
    if v is not _U:
        d['height'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models WidgetHistoryItem.__init__>
def __init__(self, *, at, state=_k2):
    self.at = at
    self.state = state
    self._unknown_ = None
    pass

# --- <rich_golden.models WidgetHistoryItem.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 1
    try:
        f0 = data['at']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'at'), None) from None
    try:
        f0 = _rt.parse_datetime(f0, _rt.NESTED, None, None)
    except _VE as e:
        raise e.under(_rt.join(path, 'at'))
    f1 = g('state', _U)
    if f1 is not _U:
        n -= 1
        try:
            f1 = _k52[f1]
        except (KeyError, TypeError):
            if type(f1) is not str:
                raise _rt.type_error(f1, _rt.join(path, 'state'), 'string', None) from None
            f1 = _rt.UnknownEnumValue(f1)
    o = _new(_k53)
    o.at = f0
    o.state = f1
    o._unknown_ = None if not n else _rt.unknown_of(data, _k51)
    return o

# --- <rich_golden.models WidgetHistoryItem.to_dict>
def to_dict(self):
    d: dict[str, object] = {'at': _rt.dump_datetime(self.at)}
    v = self.state
    if v is not _U:
        d['state'] = v.value
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models WidgetListResponse.__init__>
def __init__(self, *, data, next_page_token=_k2, request_id):
    self.data = data
    self.next_page_token = next_page_token
    self.request_id = request_id
    self._unknown_ = None
    pass

# --- <rich_golden.models WidgetListResponse.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 2
    try:
        f0 = data['data']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'data'), None) from None
    if type(f0) is list and not f0:
        f0 = []
    else:
        try:
            f0 = _rt.parse_list(f0, _rt.NESTED, P.m_Widget, None)
        except _VE as e:
            raise e.under(_rt.join(path, 'data'))
    f1 = g('next_page_token', _U)
    if f1 is not _U:
        n -= 1
        if type(f1) is not str:
            raise _rt.type_error(f1, _rt.join(path, 'next_page_token'), 'string', None)
    try:
        f2 = data['request_id']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'request_id'), None) from None
    if type(f2) is not str:
        raise _rt.type_error(f2, _rt.join(path, 'request_id'), 'string', None)
    o = _new(_k55)
    o.data = f0
    o.next_page_token = f1
    o.request_id = f2
    o._unknown_ = None if not n else _rt.unknown_of(data, _k54)
    return o

# --- <rich_golden.models WidgetListResponse.to_dict>
def to_dict(self):
    d: dict[str, object] = {'data': [i0.to_dict() for i0 in self.data], 'request_id': self.request_id}
    v = self.next_page_token
    if v is not _U:
        d['next_page_token'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models WidgetResponse.__init__>
def __init__(self, *, data, request_id, meta=_k2):
    self.data = data
    self.request_id = request_id
    self.meta = meta
    self._unknown_ = None
    pass

# --- <rich_golden.models WidgetResponse.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 2
    try:
        f0 = data['data']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'data'), None) from None
    try:
        f0 = P.m_Widget(f0, _rt.NESTED)
    except _VE as e:
        raise e.under(_rt.join(path, 'data'))
    try:
        f1 = data['request_id']
    except KeyError:
        raise _rt.missing(_rt.join(path, 'request_id'), None) from None
    if type(f1) is not str:
        raise _rt.type_error(f1, _rt.join(path, 'request_id'), 'string', None)
    f2 = g('meta', _U)
    if f2 is not _U:
        n -= 1
        try:
            f2 = P.m_WidgetResponseMeta(f2, _rt.NESTED)
        except _VE as e:
            raise e.under(_rt.join(path, 'meta'))
    o = _new(_k57)
    o.data = f0
    o.request_id = f1
    o.meta = f2
    o._unknown_ = None if not n else _rt.unknown_of(data, _k56)
    return o

# --- <rich_golden.models WidgetResponse.to_dict>
def to_dict(self):
    d: dict[str, object] = {'data': self.data.to_dict(), 'request_id': self.request_id}
    v = self.meta
    if v is not _U:
        d['meta'] = v.to_dict()
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models WidgetResponseMeta.__init__>
def __init__(self, *, idempotency_replayed=_k2):
    self.idempotency_replayed = idempotency_replayed
    self._unknown_ = None
    pass

# --- <rich_golden.models WidgetResponseMeta.from_dict>
def from_dict(data, path=''):
    if type(data) is not dict:
        raise _rt.type_error(data, path, 'object', None)
    g = data.get
    n = len(data) - 0
    f0 = g('idempotency_replayed', _U)
    if f0 is not _U:
        n -= 1
        if type(f0) is not bool:
            raise _rt.type_error(f0, _rt.join(path, 'idempotency_replayed'), 'boolean', None)
    o = _new(_k59)
    o.idempotency_replayed = f0
    o._unknown_ = None if not n else _rt.unknown_of(data, _k58)
    return o

# --- <rich_golden.models WidgetResponseMeta.to_dict>
def to_dict(self):
    d: dict[str, object] = {}
    v = self.idempotency_replayed
    if v is not _U:
        d['idempotency_replayed'] = v
    u = self._unknown_
    if u:
        d.update(u)
    return d

# --- <rich_golden.models union NullableEnumHolderMixed>
def parse(x, path=''):
    t = type(x)
    if t is str:
        y = x
        if type(y) is not str:
            raise _rt.type_error(y, path, 'string', None)
        if len(y) > 5000:
            raise _rt.bad_value(path, 'maxLength', None, 'must have at most 5000 characters')
        return y
    if t is dict:
        y = x
        y = P.m_Widget(y, path)
        return y
    raise _rt.bad_value(path, 'oneOf', None, 'expected one of: str, Widget' + ', got ' + _rt.json_type(x))

# --- <rich_golden.models union Pet>
def parse(x, path=''):
    t = type(x)
    if t is dict:
        tag = x.get('pet_type')
        cls = _k60.get(tag) if type(tag) is str else None
        if cls is None:
            return _rt.UnknownVariant(x)
        return cls.from_dict(x, path)
    raise _rt.bad_value(path, 'oneOf', None, 'expected one of: Cat, Dog' + ', got ' + _rt.json_type(x))

# --- <rich_golden.models union Shape>
def parse(x, path=''):
    t = type(x)
    if t is dict:
        tag = x.get('kind')
        cls = _k61.get(tag) if type(tag) is str else None
        if cls is None:
            raise _rt.bad_variant(x, path, 'kind', _k61, None)
        return cls.from_dict(x, path)
    raise _rt.bad_value(path, 'oneOf', None, 'expected one of: Circle, Square' + ', got ' + _rt.json_type(x))

# --- <rich_golden.models union WidgetIdOrCount>
def parse(x, path=''):
    t = type(x)
    if t is str:
        y = x
        if type(y) is not str:
            raise _rt.type_error(y, path, 'string', None)
        return y
    if t is int:
        y = x
        if type(y) is not int:
            raise _rt.type_error(y, path, 'integer', None)
        return y
    raise _rt.bad_value(path, 'oneOf', None, 'expected one of: str, int' + ', got ' + _rt.json_type(x))
