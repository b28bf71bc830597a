"""POST /crm/v3/objects/{type}/search (doc/hubspot-api.md, "Search"): the
filter groups and their operators, sorts, the free-text query, paging by
offset, and the limits on all of them (limits.py).  Search sees what
store.search_view gives it: every write at once, or, with the fault config
search_stale, a frozen copy (HubSpot's eventual consistency, made
deterministic).
"""

import decimal
import fnmatch
import re

from .answers import validation_error
from .limits import (SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_MAX_FILTER_GROUPS,
                     SEARCH_MAX_FILTERS_PER_GROUP, SEARCH_MAX_FILTERS_TOTAL, SEARCH_MAX_SORTS,
                     SEARCH_RESULT_CAP)
from .schema import select_props
from .store import obj_json
from .values import INT_RE, ms_from_iso


# -- filter operators ---------------------------------------------------------
def search_key(p, v):
    """A comparable key for value v of property p, or None."""
    if v is None:
        return None
    t = p["type"]
    if t == "number":
        try:
            return (0, decimal.Decimal(v))
        except decimal.InvalidOperation:
            return (1, v)
    if t in ("date", "datetime"):
        if INT_RE.match(v):
            return (0, int(v))
        ms = ms_from_iso(v)
        return (0, ms) if ms is not None else (1, v)
    if t == "enumeration":
        return (0, v)       # HubSpot matches enumeration values case-sensitively
    return (0, v.lower())


def _op_needs(f, key):
    """Filter f's key (value, highValue or values); a 400 if it is missing."""
    if key not in f or f[key] is None:
        raise validation_error('Filter on "%s" with operator %s needs "%s"'
                               % (f.get("propertyName"), f.get("operator"), key))
    return f[key]


def _cmp_op(test):
    """An operator comparing a value with the filter's value by test."""
    def build(p, f):
        want = search_key(p, str(_op_needs(f, "value")))
        return lambda v: v is not None and test(search_key(p, v), want)
    return build


def _between(p, f):
    """BETWEEN: value <= v <= highValue."""
    lo = search_key(p, str(_op_needs(f, "value")))
    hi = search_key(p, str(_op_needs(f, "highValue")))
    return lambda v: v is not None and lo <= search_key(p, v) <= hi


def _in_op(negate):
    """IN, or NOT_IN when negate."""
    def build(p, f):
        vals = _op_needs(f, "values")
        if not isinstance(vals, list):
            raise validation_error("values must be an array")
        if p["type"] == "string":
            # HubSpot's search documentation: for IN and NOT_IN on a string
            # property "values must be lowercase". The stored values are
            # matched lower-cased, the given ones as they are, so a value
            # with a capital letter finds nothing (unlike EQ, which ignores case).
            keys = {(0, str(x)) for x in vals}
        else:
            keys = {search_key(p, str(x)) for x in vals}
        if negate:
            return lambda v: v is None or search_key(p, v) not in keys
        return lambda v: v is not None and search_key(p, v) in keys
    return build


def _token_op(negate):
    """CONTAINS_TOKEN (a glob over the words), or NOT_CONTAINS_TOKEN."""
    def build(p, f):
        pat = str(_op_needs(f, "value")).lower()

        def test(v):
            hit = v is not None and any(fnmatch.fnmatchcase(tok, pat)
                                        for tok in re.split(r"[\s;,]+", v.lower()) if tok)
            return not hit if negate else hit
        return test
    return build


SEARCH_OPERATORS = {
    "EQ": _cmp_op(lambda a, b: a == b),
    "NEQ": lambda p, f: (lambda want: (lambda v: v is None or search_key(p, v) != want))(
        search_key(p, str(_op_needs(f, "value")))),
    "LT": _cmp_op(lambda a, b: a < b),
    "LTE": _cmp_op(lambda a, b: a <= b),
    "GT": _cmp_op(lambda a, b: a > b),
    "GTE": _cmp_op(lambda a, b: a >= b),
    "BETWEEN": _between,
    "IN": _in_op(False),
    "NOT_IN": _in_op(True),
    "HAS_PROPERTY": lambda p, f: (lambda v: v is not None),
    "NOT_HAS_PROPERTY": lambda p, f: (lambda v: v is None),
    "CONTAINS_TOKEN": _token_op(False),
    "NOT_CONTAINS_TOKEN": _token_op(True),
}


# -- filters, sorts and the query ---------------------------------------------
def _sort_key(store, tdef, name):
    """The sort key of property name: records without it sort after the
    others (so before them in a descending sort)."""
    p = tdef.props[name]

    def key(rec):
        v = store.value(tdef, rec, name)
        k = search_key(p, v)
        return (k is None, k if k is not None else 0)
    return key


def _sort(store, tdef, recs, sorts):
    """recs sorted by sorts: HubSpot takes one sorting rule a search."""
    if not isinstance(sorts, list):
        raise validation_error("sorts must be an array")
    if len(sorts) > SEARCH_MAX_SORTS:
        raise validation_error("Too many sorts: %d (a search takes at most %d sorting rule)"
                               % (len(sorts), SEARCH_MAX_SORTS))
    for s in reversed(sorts):
        if isinstance(s, str):
            name, desc = (s[1:], True) if s.startswith("-") else (s, False)
        elif isinstance(s, dict):
            name = s.get("propertyName")
            desc = str(s.get("direction", "ASCENDING")).upper() == "DESCENDING"
        else:
            raise validation_error("Invalid sort: %r" % (s,))
        if name not in tdef.props:
            raise validation_error('Invalid sort property "%s"' % name)
        recs = sorted(recs, key=_sort_key(store, tdef, name), reverse=desc)
    return recs


def _query_match(store, tdef, rec, query):
    """Whether a string property of rec contains query, ignoring case."""
    ql = query.lower()
    for n, p in tdef.props.items():
        if p["type"] == "string":
            v = store.value(tdef, rec, n)
            if v is not None and ql in v.lower():
                return True
    return False


def _compile_filter(store, tdef, f):
    """Filter f as a test of a record."""
    if not isinstance(f, dict):
        raise validation_error("Each filter must be an object")
    name = f.get("propertyName")
    op = f.get("operator", "EQ")
    p = tdef.props.get(name)
    if p is None:
        raise validation_error('There was a problem with the request: property "%s" does not '
                               'exist on %s' % (name, tdef.name),
                               context={"propertyName": [str(name)]})
    fn = SEARCH_OPERATORS.get(op)
    if fn is None:
        raise validation_error('Unsupported filter operator "%s"' % op)
    arg = fn(p, f)
    return lambda rec: arg(store.value(tdef, rec, name))


# -- the endpoint -------------------------------------------------------------
def search(ctx, tdef):
    """POST /crm/v3/objects/{type}/search."""
    body = ctx.json_object_body()
    limit = body.get("limit", SEARCH_LIMIT_DEFAULT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0 or \
            limit > SEARCH_LIMIT_MAX:
        raise validation_error("limit must be an integer between 0 and %d"
                               % SEARCH_LIMIT_MAX)
    after = body.get("after", 0)
    if after in (None, ""):
        after = 0
    try:
        offset = int(after)
        if offset < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise validation_error('Invalid "after": %s' % after)
    if offset + limit > SEARCH_RESULT_CAP:
        raise validation_error("The search results are limited to %d records; narrow the "
                               "filters instead of paging further" % SEARCH_RESULT_CAP)
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list):
        raise validation_error("filterGroups must be an array")
    if len(groups) > SEARCH_MAX_FILTER_GROUPS:
        raise validation_error("Too many filter groups: %d (maximum %d)"
                               % (len(groups), SEARCH_MAX_FILTER_GROUPS))
    total_filters = 0
    compiled = []
    for gi, g in enumerate(groups):
        filters = g.get("filters") if isinstance(g, dict) else None
        if not isinstance(filters, list):
            raise validation_error("filterGroups[%d].filters must be an array" % gi)
        if len(filters) > SEARCH_MAX_FILTERS_PER_GROUP:
            raise validation_error("Too many filters in filterGroups[%d]: %d (maximum %d)"
                                   % (gi, len(filters), SEARCH_MAX_FILTERS_PER_GROUP))
        total_filters += len(filters)
        compiled.append([_compile_filter(ctx.store, tdef, f) for f in filters])
    if total_filters > SEARCH_MAX_FILTERS_TOTAL:
        raise validation_error("Too many filters: %d (maximum %d)"
                               % (total_filters, SEARCH_MAX_FILTERS_TOTAL))
    requested = body.get("properties") or []
    names = select_props(tdef, [x for x in requested if isinstance(x, str)])
    query = body.get("query")
    recs, ids = ctx.store.search_view(tdef.name)
    matched = []
    for oid in ids:
        rec = recs[oid]
        if compiled and not any(all(f(rec) for f in grp) for grp in compiled):
            continue
        if query and not _query_match(ctx.store, tdef, rec, str(query)):
            continue
        matched.append(rec)
    matched = _sort(ctx.store, tdef, matched, body.get("sorts") or [])
    page = matched[offset:offset + limit]
    out = {"total": len(matched),
           "results": [obj_json(ctx.store, tdef, r, names) for r in page]}
    if offset + limit < len(matched) and limit > 0:
        out["paging"] = {"next": {"after": str(offset + limit)}}
    return 200, out
