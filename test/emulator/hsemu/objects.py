"""The objects API (doc/hubspot-api.md, "Objects" and "Batches"): list, read,
PATCH, batch read and batch update for every type; create, batch create,
batch upsert, batch archive and DELETE for every type but the partner ones
(the router in api.py refuses those).  Property values are checked as
doc/hubspot-api.md, "Values" says, and unique values as "Properties" says.
"""

import base64
import bisect
from urllib.parse import urlencode

from .answers import (ApiError, batch_response, batch_times, not_found, property_issues_error,
                      std_error, validation_error)
from .context import batch_inputs, input_id
from .limits import (BATCH_HISTORY_INPUT_MAX, BATCH_INPUT_MAX, LIST_LIMIT_DEFAULT,
                     LIST_LIMIT_MAX)
from .schema import TYPE_BY_NAME, select_props
from .store import obj_json
from .values import INT_RE, check_value


def check_id_property(tdef, id_property):
    """idProperty, checked: None, or a property with unique values."""
    if id_property is None or id_property == "":
        return None
    p = tdef.props.get(id_property)
    if p is None:
        raise validation_error('Invalid idProperty "%s": property does not exist on %s'
                               % (id_property, tdef.name),
                               context={"idProperty": [id_property]})
    if not p["hasUniqueValue"]:
        raise validation_error('Invalid idProperty "%s": only properties with hasUniqueValue=true '
                               'can be used as idProperty' % id_property,
                               context={"idProperty": [id_property]})
    return id_property


def validate_properties(tdef, props, where="properties"):
    """Check an input properties map.  Returns {name: normalized or None}; raises ApiError."""
    if not isinstance(props, dict):
        raise validation_error("Invalid input JSON: %s must be an object" % where)
    for k, v in props.items():
        if not isinstance(v, str):
            kind = "null" if v is None else type(v).__name__.replace("dict", "object") \
                .replace("list", "array").replace("int", "number").replace("float", "number")
            raise validation_error(
                'Invalid input JSON: the value of property "%s" must be a string, not %s'
                % (k, kind), context={"propertyName": [k]},
                errors=[{"message": 'Property "%s" must be a string value' % k,
                         "code": "INVALID_TYPE", "in": "%s.%s" % (where, k),
                         "context": {"propertyName": [k]}}])
    issues = []
    out = {}
    for k, v in props.items():
        p = tdef.props.get(k)
        if p is None:
            issues.append((k, "PROPERTY_DOESNT_EXIST", 'Property "%s" does not exist' % k))
            continue
        if p["readOnly"] or p["calculated"]:
            issues.append((k, "READ_ONLY_VALUE",
                           '"%s" is a read only property; its value cannot be set.' % k))
            continue
        if v == "":
            out[k] = None
            continue
        norm, err = check_value(p, v)
        if err:
            issues.append((k, err[0], err[1]))
        else:
            out[k] = norm
    if issues:
        raise property_issues_error(issues)
    return out


def check_unique_conflicts(store, tdef, writes):
    """writes: list of (rec, values).  Raise 409 if a unique value would be duplicated."""
    uniq = store.unique[tdef.name]
    claimed = {}
    for rec, values in writes:
        for name, v in values.items():
            if name not in uniq or v is None:
                continue
            holder = uniq[name].get(v)
            other = claimed.get((name, v))
            if (holder is not None and holder != rec["id"]) or \
                    (other is not None and other != rec["id"]):
                existing = holder if holder is not None and holder != rec["id"] else other
                raise ApiError(409, "CONFLICT",
                               'A %s record with %s "%s" already exists. Existing ID: %s'
                               % (tdef.singular, name, v, existing),
                               context={"propertyName": [name], "existingObjectId": [existing]},
                               errors=[{"message": 'Value "%s" of unique property %s is already '
                                                   'used' % (v, name),
                                        "code": "VALUE_NOT_UNIQUE",
                                        "context": {"propertyName": [name]}}])
            claimed[(name, v)] = rec["id"]


def encode_cursor(next_id):
    """The opaque list cursor that starts a page at record id next_id."""
    return base64.b64encode(("o:%s" % next_id).encode()).decode()


def decode_cursor(after):
    """The record id a list cursor starts at; a 400 if it is not one."""
    try:
        s = base64.b64decode(after.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        s = ""
    if not s.startswith("o:") or not INT_RE.match(s[2:]):
        raise validation_error('Invalid paging cursor "after": %s' % after,
                               context={"after": [after]})
    return int(s[2:])


def list_objects(ctx, tdef):
    """GET /crm/v3/objects/{type}: one page, by record id."""
    limit = ctx.q_int("limit", LIST_LIMIT_DEFAULT)
    if limit < 1 or limit > LIST_LIMIT_MAX:
        raise validation_error("limit must be between 1 and %d, got %d"
                               % (LIST_LIMIT_MAX, limit), context={"limit": [str(limit)]})
    archived = ctx.q_bool("archived")
    names = select_props(tdef, ctx.q_list("properties"))
    history = ctx.q_list("propertiesWithHistory")
    assoc_types = [TYPE_BY_NAME[a].name for a in ctx.q_list("associations")
                   if a in TYPE_BY_NAME]
    after = ctx.q("after")
    start_id = decode_cursor(after) if after not in (None, "") else None
    ids = [] if archived else ctx.store.sorted_ids[tdef.name]
    start = 0
    if start_id is not None:
        start = bisect.bisect_left(ctx.store.sorted_keys[tdef.name], start_id)
    page = ids[start:start + limit]
    recs = ctx.store.records[tdef.name]
    body = {"results": [obj_json(ctx.store, tdef, recs[i], names, history=history,
                                 assoc_types=assoc_types) for i in page]}
    if len(ids) > start + limit:
        cur = encode_cursor(ids[start + limit])
        q = dict(ctx.query)
        q["after"] = cur
        body["paging"] = {"next": {"after": cur, "link": "%s%s?%s" % (
            ctx.base_url, ctx.raw_path, urlencode(q, doseq=True))}}
    return 200, body


def get_object(ctx, tdef, oid):
    """GET /crm/v3/objects/{type}/{id}, by id or by idProperty."""
    idp = check_id_property(tdef, ctx.q("idProperty"))
    ctx.q_bool("archived")
    rec = ctx.store.lookup(tdef, oid, idp)
    if rec is None:
        raise not_found(oid)
    names = select_props(tdef, ctx.q_list("properties"))
    assoc_types = [TYPE_BY_NAME[a].name for a in ctx.q_list("associations")
                   if a in TYPE_BY_NAME]
    return 200, obj_json(ctx.store, tdef, rec, names, assoc_types=assoc_types,
                         history=ctx.q_list("propertiesWithHistory"))


def patch_object(ctx, tdef, oid):
    """PATCH /crm/v3/objects/{type}/{id}."""
    ctx.require_write(tdef)
    body = ctx.json_object_body()
    idp = check_id_property(tdef, ctx.q("idProperty"))
    if "properties" not in body:
        raise validation_error("Invalid input JSON: missing required field \"properties\"")
    values = validate_properties(tdef, body["properties"])
    rec = ctx.store.lookup(tdef, oid, idp)
    if rec is None:
        raise not_found(oid)
    check_unique_conflicts(ctx.store, tdef, [(rec, values)])
    ctx.store.apply(tdef, rec, values)
    return 200, obj_json(ctx.store, tdef, rec, with_values_only=True)



def batch_read(ctx, tdef):
    """POST .../batch/read: 207 naming the ids not found."""
    body = ctx.json_object_body()
    started = batch_times()
    inputs = batch_inputs(body, BATCH_INPUT_MAX)
    history = body.get("propertiesWithHistory") or []
    requested = body.get("properties") or []
    if not isinstance(history, list) or not isinstance(requested, list):
        raise validation_error("Invalid input JSON: properties and propertiesWithHistory "
                               "must be arrays")
    if history and len(inputs) > BATCH_HISTORY_INPUT_MAX:
        raise validation_error("Too many inputs: %d. With propertiesWithHistory a batch may "
                               "contain at most %d inputs." % (len(inputs),
                                                               BATCH_HISTORY_INPUT_MAX))
    idp = check_id_property(tdef, body.get("idProperty"))
    ids = [input_id(inp, i) for i, inp in enumerate(inputs)]
    if ctx.drop_results:
        return 200, batch_response([], None, started)
    names = select_props(tdef, [x for x in requested if isinstance(x, str)])
    results, missing, seen = [], [], set()
    for oid in ids:
        rec = ctx.store.lookup(tdef, oid, idp)
        if rec is None:
            if oid not in missing:
                missing.append(oid)
            continue
        if rec["id"] in seen:
            continue
        seen.add(rec["id"])
        results.append(obj_json(ctx.store, tdef, rec, names, history=history))
    errors = None
    if missing:
        errors = [std_error("OBJECT_NOT_FOUND",
                            "Could not get some %s objects, they may be deleted or not exist."
                            " Check that ids are valid." % tdef.name, {"ids": missing})]
    return (207 if errors else 200), batch_response(results, errors, started)


def _write_batch(ctx, tdef):
    """A write batch's start time and raw inputs, once the token may write."""
    ctx.require_write(tdef)
    body = ctx.json_object_body()
    return batch_times(), batch_inputs(body, BATCH_INPUT_MAX)


def _write_input(inp, i):
    """(properties, objectWriteTraceId) of write input i; raises if malformed."""
    if "properties" not in inp:
        raise validation_error("Invalid input JSON: inputs[%d] is missing required field "
                               "\"properties\"" % i)
    trace = inp.get("objectWriteTraceId")
    if trace is not None and not isinstance(trace, str):
        raise validation_error("Invalid input JSON: inputs[%d].objectWriteTraceId must be "
                               "a string" % i)
    return inp["properties"], trace


def _keyed_inputs(ctx, tdef, inputs):
    """batch/update and batch/upsert inputs as [(id, idProperty, values, trace)].

    A repeated id fails the whole batch (400), before any value is checked."""
    parsed = []
    for i, inp in enumerate(inputs):
        oid = input_id(inp, i)
        props, trace = _write_input(inp, i)
        parsed.append((oid, inp.get("idProperty") or None, props, trace))
    seen, dups = set(), []
    for oid, idp, _, _ in parsed:
        if (idp, oid) in seen and oid not in dups:
            dups.append(oid)
        seen.add((idp, oid))
    if dups:
        raise validation_error("Duplicate IDs found in batch input: [%s]. IDs must be unique"
                               % ", ".join(dups), context={"ids": dups})
    return [(oid, check_id_property(tdef, idp), validate_properties(tdef, props),
             trace) for oid, idp, props, trace in parsed]


def _batch_answer(results, missing, message, started, status=200):
    """The answer of a write batch: results in reverse input order (clients must
    not rely on result order), and a 207 OBJECT_NOT_FOUND error naming the
    missing [(id, trace)] inputs, if any."""
    results.reverse()
    if not missing:
        return status, batch_response(results, None, started)
    context = {"ids": [oid for oid, _ in missing]}
    traces = [trace for _, trace in missing if trace is not None]
    if traces:
        context["objectWriteTraceId"] = traces
    return 207, batch_response(results, [std_error("OBJECT_NOT_FOUND", message, context)],
                               started)


def batch_update(ctx, tdef):
    """POST .../batch/update: 207 naming the ids not found."""
    started, inputs = _write_batch(ctx, tdef)
    checked = _keyed_inputs(ctx, tdef, inputs)
    if ctx.drop_results:
        return 200, batch_response([], None, started)
    writes, missing = [], []
    for oid, idp, values, trace in checked:
        rec = ctx.store.lookup(tdef, oid, idp)
        if rec is None:
            missing.append((oid, trace))
        else:
            writes.append((rec, values, trace))
    check_unique_conflicts(ctx.store, tdef, [(r, v) for r, v, _ in writes])
    for rec, values, trace in writes:
        ctx.store.apply(tdef, rec, values)
    results = [obj_json(ctx.store, tdef, rec, with_values_only=True, trace_id=trace)
               for rec, values, trace in writes]
    return _batch_answer(results, missing,
                         "Could not update some %s objects, they may be deleted or not "
                         "exist. Check that ids are valid." % tdef.name, started)


# -- create, upsert and archive (not for partner objects) ---------------------
def _create_inputs(ctx, tdef, inputs):
    """Validate batch/create inputs: [(values, trace)]; raises for the whole batch."""
    out = []
    for i, inp in enumerate(inputs):
        props, trace = _write_input(inp, i)
        assocs = inp.get("associations", [])
        if not isinstance(assocs, list) or assocs:
            raise validation_error("Invalid input JSON: the emulator takes only an empty "
                                   "\"associations\" array in inputs[%d]" % i)
        values = validate_properties(tdef, props)
        out.append(({k: v for k, v in values.items() if v is not None}, trace))
    return out


def _create(ctx, tdef, values, trace, new=None):
    """Store a new record; its result object (with "new" for upsert)."""
    o = obj_json(ctx.store, tdef, ctx.store.create(tdef, values), with_values_only=True,
                 trace_id=trace)
    if new is not None:
        o["new"] = new
    return o


def create_object(ctx, tdef):
    """POST /crm/v3/objects/{type}: 201 and the new record."""
    ctx.require_write(tdef)
    body = ctx.json_object_body()
    [(values, _)] = _create_inputs(ctx, tdef, [body])
    check_unique_conflicts(ctx.store, tdef, [({"id": "(new)"}, values)])
    return 201, _create(ctx, tdef, values, None)


def batch_create(ctx, tdef):
    """POST .../batch/create: 201; a repeated unique value creates nothing."""
    started, inputs = _write_batch(ctx, tdef)
    inputs = _create_inputs(ctx, tdef, inputs)
    # a repeated unique value (in the batch or with a stored record): 409, nothing created
    check_unique_conflicts(ctx.store, tdef, [({"id": "(new %d)" % i}, v)
                                              for i, (v, _) in enumerate(inputs)])
    if ctx.drop_results:
        return 201, batch_response([], None, started)
    results = [_create(ctx, tdef, values, trace) for values, trace in inputs]
    return _batch_answer(results, [], None, started, status=201)


def batch_upsert(ctx, tdef):
    """POST .../batch/upsert: update by idProperty value or create. Every
    input names its record by the value of a unique property: the spec's
    upsert is "identified by a unique property value" (an input without
    idProperty is a 400)."""
    started, inputs = _write_batch(ctx, tdef)
    parsed = []
    for i, (oid, idp, values, trace) in enumerate(_keyed_inputs(ctx, tdef, inputs)):
        if idp is None:
            raise validation_error("Invalid input JSON: inputs[%d] has no idProperty; batch/upsert "
                                   "identifies records by the value of a unique property" % i,
                                   context={"idProperty": ["(missing)"]})
        norm, err = check_value(tdef.props[idp], oid)
        if err:
            raise property_issues_error([(idp, err[0], err[1])])
        if idp in values and values[idp] != norm:
            raise validation_error("inputs[%d] sets %s to a value other than its id"
                                   % (i, idp))
        parsed.append((norm, idp, values, trace))
    if ctx.drop_results:
        return 200, batch_response([], None, started)
    updates, creates = [], []
    for oid, idp, values, trace in parsed:
        rec = ctx.store.lookup(tdef, oid, idp)
        if rec is not None:
            updates.append((rec, values, trace))
        else:
            new = {k: v for k, v in values.items() if v is not None}
            new[idp] = oid
            creates.append((new, trace))
    check_unique_conflicts(ctx.store, tdef, [(r, v) for r, v, _ in updates] +
                           [({"id": "(new %d)" % i}, v) for i, (v, _) in enumerate(creates)])
    results = []
    for rec, values, trace in updates:
        ctx.store.apply(tdef, rec, values)
        o = obj_json(ctx.store, tdef, rec, with_values_only=True, trace_id=trace)
        o["new"] = False
        results.append(o)
    results += [_create(ctx, tdef, values, trace, new=True) for values, trace in creates]
    return _batch_answer(results, [], None, started)


def batch_archive(ctx, tdef):
    """POST .../batch/archive: 204, ignoring ids that do not exist."""
    _, inputs = _write_batch(ctx, tdef)
    ids = [input_id(inp, i) for i, inp in enumerate(inputs)]
    if ctx.drop_results:
        return 204, None
    for oid in ids:     # ids that do not exist (any more) are ignored
        rec = ctx.store.records[tdef.name].get(oid)
        if rec is not None:
            ctx.store.archive(tdef, rec)
    return 204, None


def delete_object(ctx, tdef, oid):
    """DELETE /crm/v3/objects/{type}/{id}: 204, or 404."""
    ctx.require_write(tdef)
    rec = ctx.store.records[tdef.name].get(oid)
    if rec is None:
        raise not_found(oid)
    ctx.store.archive(tdef, rec)
    return 204, None
