"""Associations (doc/hubspot-api.md, "Associations"): per record (list, PUT,
DELETE under /crm/v3/objects/{type}/{id}/associations/) and the v3
association endpoints (types, batch create, read and archive).  The
association types are those schema.py defines; the store keeps each
association once, in its primary direction.
"""

import base64
import json
from urllib.parse import urlencode

from .answers import ApiError, batch_response, batch_times, not_found, std_error, validation_error
from .context import batch_inputs, input_id
from .limits import (ASSOC_BATCH_INPUT_MAX, ASSOC_BATCH_READ_INPUT_MAX, ASSOC_LIST_LIMIT_DEFAULT,
                     ASSOC_LIST_LIMIT_MAX, ASSOC_V4_READ_INPUT_MAX)
from .schema import (assoc_labels_between, assoc_types_between, find_assoc_spec,
                     find_assoc_type, resolve_type, select_props)
from .schema import TYPE_BY_NAME
from .store import obj_json


def _record(store, tdef, oid):
    """The stored record tdef/oid; a 404 if there is none."""
    rec = store.records[tdef.name].get(oid)
    if rec is None:
        raise not_found(oid)
    return rec


def list_record_assocs(ctx, tdef, oid, to_type):
    """GET /crm/v3/objects/{type}/{id}/associations/{toType}: one page."""
    ttype = resolve_type(to_type)
    _record(ctx.store, tdef, oid)
    limit = ctx.q_int("limit", ASSOC_LIST_LIMIT_DEFAULT)
    if limit < 1 or limit > ASSOC_LIST_LIMIT_MAX:
        raise validation_error("limit must be between 1 and %d" % ASSOC_LIST_LIMIT_MAX)
    after = ctx.q("after")
    offset = 0
    if after not in (None, ""):
        try:
            offset = int(base64.b64decode(after.encode(), validate=True).decode()[2:])
        except (ValueError, UnicodeDecodeError):
            raise validation_error('Invalid paging cursor "after": %s' % after)
    lst = ctx.store.assocs_of(tdef.name, oid, ttype.name)
    page = lst[offset:offset + limit]
    body = {"results": [{"id": i, "type": a["name"]} for i, a in page]}
    if offset + limit < len(lst):
        cur = base64.b64encode(("a:%d" % (offset + limit)).encode()).decode()
        q = dict(ctx.query)
        q["after"] = cur
        body["paging"] = {"next": {"after": cur, "link": "%s%s?%s" % (
            ctx.base_url, ctx.raw_path, urlencode(q, doseq=True))}}
    return 200, body


def record_assoc(ctx, tdef, oid, to_type, to_id, atype_spec, method):
    """PUT or DELETE /crm/v3/objects/{type}/{id}/associations/{toType}/{toId}/{type}."""
    ttype = resolve_type(to_type)
    ctx.require_write(tdef)
    atype = find_assoc_type(tdef.name, ttype.name, atype_spec)
    if atype is None:
        raise _bad_assoc_type(tdef.name, ttype.name, atype_spec)
    rec = _record(ctx.store, tdef, oid)
    if ctx.store.records[ttype.name].get(to_id) is None:
        raise ApiError(404, "OBJECT_NOT_FOUND",
                       "No %s object with id %s exists" % (ttype.name, to_id),
                       context={"id": [to_id]})
    key = ctx.store.assoc_key(tdef.name, oid, ttype.name, to_id, atype)
    if method == "DELETE":
        ctx.store.assocs.pop(key, None)
        return 204, None
    ctx.store.assocs[key] = True
    names = select_props(tdef, [])
    return 200, obj_json(ctx.store, tdef, rec, names, assoc_types=[ttype.name])


def _spec_types(ctx, ftype, ttype, specs, what):
    """The types a date version's list of association specs names (the
    2026-03 associations.json: AssociationSpec); a 400 for any other."""
    if not isinstance(specs, list) or not specs:
        raise validation_error("Invalid input JSON: %s must be a non-empty array of "
                               "association specs" % what)
    out = []
    for spec in specs:
        atype = find_assoc_spec(ftype, ttype, spec)
        if atype is None:
            raise validation_error(
                "%s is not a valid association spec between %s and %s"
                % (json.dumps(spec, sort_keys=True), ftype, ttype),
                context={"associationTypeId": [str(spec.get("associationTypeId"))
                                               if isinstance(spec, dict) else str(spec)]})
        out.append(atype)
    return out


def _labels_between(store, fname, fid, tname, tid):
    """LabelsBetweenObjectPair of two records: the labels of their types."""
    def type_id(tdef):
        ids = [a for a in tdef.aliases if a[:1].isdigit()]
        return ids[0] if ids else tdef.name
    f = TYPE_BY_NAME[fname]
    t = TYPE_BY_NAME[tname]
    labels = sorted(a.get("label") for i, a in store.assocs_of(fname, fid, tname)
                    if i == tid and a.get("label"))
    return {"fromObjectTypeId": type_id(f), "fromObjectId": fid,
            "toObjectTypeId": type_id(t), "toObjectId": tid, "labels": labels}


def record_assoc_specs(ctx, tdef, oid, to_type, to_id, method):
    """PUT or DELETE /crm/objects/{version}/{type}/{id}/associations/{toType}/{toId}:
    PUT takes association specs in the body and answers 201 with
    LabelsBetweenObjectPair; DELETE removes every association of the pair."""
    ttype = resolve_type(to_type)
    ctx.require_write(tdef)
    atypes = (_spec_types(ctx, tdef.name, ttype.name, ctx.json_body(), "the body")
              if method == "PUT" else [])
    _record(ctx.store, tdef, oid)
    if ctx.store.records[ttype.name].get(to_id) is None:
        raise ApiError(404, "OBJECT_NOT_FOUND",
                       "No %s object with id %s exists" % (ttype.name, to_id),
                       context={"id": [to_id]})
    if method == "DELETE":
        for i, a in ctx.store.assocs_of(tdef.name, oid, ttype.name):
            if i == to_id:
                ctx.store.assocs.pop(ctx.store.assoc_key(tdef.name, oid, ttype.name, to_id, a),
                                     None)
        return 204, None
    for atype in atypes:
        ctx.store.assocs[ctx.store.assoc_key(tdef.name, oid, ttype.name, to_id, atype)] = True
    return 201, _labels_between(ctx.store, tdef.name, oid, ttype.name, to_id)


def record_assoc_default(ctx, tdef, oid, to_type, to_id):
    """PUT /crm/objects/{version}/{type}/{id}/associations/default/{toType}/{toId}:
    the default (unlabelled HUBSPOT_DEFINED) association; answers
    BatchResponsePublicDefaultAssociation."""
    ttype = resolve_type(to_type)
    ctx.require_write(tdef)
    started = batch_times()
    _record(ctx.store, tdef, oid)
    if ctx.store.records[ttype.name].get(to_id) is None:
        raise ApiError(404, "OBJECT_NOT_FOUND",
                       "No %s object with id %s exists" % (ttype.name, to_id),
                       context={"id": [to_id]})
    unlabelled = [a for a, c, label in assoc_labels_between(tdef.name, ttype.name)
                  if c == "HUBSPOT_DEFINED" and label is None]
    if not unlabelled:
        raise validation_error("There is no default association type between %s and %s"
                               % (tdef.name, ttype.name))
    atype = unlabelled[0]
    ctx.store.assocs[ctx.store.assoc_key(tdef.name, oid, ttype.name, to_id, atype)] = True
    return 200, batch_response([{"from": {"id": oid}, "to": {"id": to_id},
                                 "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                                                     "associationTypeId": atype["id"]}}],
                               None, started)


def assoc_labels(ftype, ttype):
    """GET /crm/associations/{version}/{from}/{to}/labels."""
    out = []
    for a, category, label in assoc_labels_between(ftype.name, ttype.name):
        item = {"category": category, "typeId": a["id"]}
        if label is not None:
            item["label"] = label
        out.append(item)
    return 200, {"results": out}


def _bad_assoc_type(ftype, ttype, spec):
    """The 400 for an association type spec that is not valid from ftype to ttype."""
    valid = assoc_types_between(ftype, ttype)
    return validation_error(
        '%s is not a valid association type between %s and %s. Valid types: [%s]'
        % (spec, ftype, ttype, ", ".join("%s (%d)" % (a["name"], a["id"]) for a in valid)),
        context={"associationType": [str(spec)]})


def _cursor(offset):
    """The paging cursor of the link at offset in a record's links."""
    return base64.b64encode(("a:%d" % offset).encode()).decode()


def _offset(after):
    """The offset a paging cursor names; a 400 for one we never gave."""
    if after in (None, ""):
        return 0
    if not isinstance(after, str):
        raise validation_error('Invalid paging cursor "after": %r' % (after,))
    try:
        text = base64.b64decode(after.encode(), validate=True).decode()
        if not text.startswith("a:"):
            raise ValueError(text)
        return int(text[2:])
    except (ValueError, UnicodeDecodeError):
        raise validation_error('Invalid paging cursor "after": %s' % after)


def _check_read_cursors(inputs):
    """Refuse a batch/read whose inputs carry a cursor we never gave."""
    for inp in inputs:
        _offset(inp.get("after"))


def _read_page(ctx, lst, after):
    """One page of a record's links (batch/read pages inside a record at
    ctx.assoc_read_page, ASSOC_READ_PAGE unless the fault config says):
    the page and its "paging" object, None on the last."""
    offset = _offset(after)
    size = ctx.assoc_read_page
    page = lst[offset:offset + size]
    if offset + size < len(lst):
        return page, {"next": {"after": _cursor(offset + size)}}
    return page, None


def _read_answer(ctx, ftype, inputs, links_of, started):
    """batch/read's answer, in either shape: per input record one page of
    the "to" entries links_of(id) gives (paging inside a record), and a 207
    naming the records that do not exist."""
    results, missing = [], []
    for i, inp in enumerate(inputs):
        fid = input_id(inp, i)
        if fid not in ctx.store.records[ftype.name]:
            if fid not in missing:
                missing.append(fid)
            continue
        page, paging = _read_page(ctx, links_of(fid), inp.get("after"))
        res = {"from": {"id": fid}, "to": page}
        if paging:
            res["paging"] = paging
        results.append(res)
    errors = None
    if missing:
        errors = [std_error("OBJECT_NOT_FOUND", "No %s objects exist with ids: %s"
                            % (ftype.name, ", ".join(missing)), {"ids": missing})]
    return (207 if errors else 200), batch_response(results, errors, started)


# -- v4 and the date versions (/crm/v4/associations/..., /crm/associations/{version}/...)

def _v4_spec(a):
    """The AssociationSpecWithLabel of association type a, as the labels
    endpoint lists it."""
    spec = {"category": a.get("category", "HUBSPOT_DEFINED"), "typeId": a["id"]}
    if a.get("label") is not None:
        spec["label"] = a["label"]
    return spec


def assoc_batch_v4(ctx, ftype, ttype, op):
    """POST /crm/v4/associations/{from}/{to}/batch/{op} (and the date
    versions'): op is read, create, archive or labels/archive."""
    body = ctx.json_object_body()
    started = batch_times()
    store = ctx.store
    if op == "read":
        inputs = batch_inputs(body, ASSOC_V4_READ_INPUT_MAX)
        _check_read_cursors(inputs)

        def links_of(fid):
            by_to = {}
            for tid, a in store.assocs_of(ftype.name, fid, ttype.name):
                by_to.setdefault(tid, []).append(_v4_spec(a))
            return [{"toObjectId": tid, "associationTypes": specs}
                    for tid, specs in sorted(by_to.items(), key=lambda x: int(x[0]))]
        return _read_answer(ctx, ftype, inputs, links_of, started)
    ctx.require_write(ftype)
    if op == "create":
        return assoc_batch(ctx, ftype, ttype, "create", specs=True, body=body)
    inputs = batch_inputs(body, ASSOC_BATCH_INPUT_MAX)
    if op == "archive":
        for i, inp in enumerate(inputs):
            fid = input_id(inp.get("from") if isinstance(inp.get("from"), dict) else {}, i)
            tos = inp.get("to")
            if not isinstance(tos, list):
                raise validation_error("Invalid input JSON: inputs[%d].to must be an array" % i)
            for t in tos:
                tid = input_id(t if isinstance(t, dict) else {}, i)
                for a, _, _ in assoc_labels_between(ftype.name, ttype.name):
                    store.assocs.pop(store.assoc_key(ftype.name, fid, ttype.name, tid, a), None)
        return _archived(ctx, started)
    # labels/archive: the specs named, between each pair
    for i, inp in enumerate(inputs):
        fr, to = inp.get("from"), inp.get("to")
        if not isinstance(fr, dict) or not isinstance(to, dict):
            raise validation_error("Invalid input JSON: inputs[%d] needs from.id and to.id" % i)
        fid, tid = input_id(fr, i), input_id(to, i)
        for a in _spec_types(ctx, ftype.name, ttype.name, inp.get("types"), "inputs[%d].types" % i):
            # the spec: removing the unlabeled type removes the labeled ones too
            gone = [a] if a.get("label") else [b for b, _, _ in
                                               assoc_labels_between(ftype.name, ttype.name)]
            for b in gone:
                store.assocs.pop(store.assoc_key(ftype.name, fid, ttype.name, tid, b), None)
    return _archived(ctx, started)


def _archived(ctx, started):
    """The answer of a removal: v4's 204 without a body; the date versions'
    200 with a batch response (BatchResponse, BatchResponseVoid)."""
    if ctx.api_version is None:
        return 204, None
    return 200, batch_response([], None, started)


def assoc_types(ftype, ttype):
    """GET /crm/v3/associations/{from}/{to}/types."""
    return 200, {"results": [{"id": str(a["id"]), "name": a["name"]}
                             for a in assoc_types_between(ftype.name, ttype.name)]}


def assoc_batch(ctx, ftype, ttype, op, specs=None, body=None):
    """POST /crm/v3/associations/{from}/{to}/batch/{op}: op is create, read or
    archive; with "specs" (the date versions, and v4's create), inputs name
    association specs and create answers LabelsBetweenObjectPair."""
    if specs is None:
        specs = ctx.api_version is not None
    if body is None:
        body = ctx.json_object_body()
    started = batch_times()
    inputs = batch_inputs(body, ASSOC_BATCH_READ_INPUT_MAX if op == "read" else ASSOC_BATCH_INPUT_MAX)
    if op == "read":
        _check_read_cursors(inputs)
    items = []
    for i, inp in enumerate(inputs):
        if op == "read":
            items.append((input_id(inp, i), None, None))
            continue
        fr, to = inp.get("from"), inp.get("to")
        if not isinstance(fr, dict) or not isinstance(to, dict):
            raise validation_error("Invalid input JSON: inputs[%d] needs from.id and to.id" % i)
        if specs:
            # the date versions take association specs (PublicAssociationMultiPost)
            atype = _spec_types(ctx, ftype.name, ttype.name, inp.get("types"),
                                "inputs[%d].types" % i)[0]
            items.append((input_id(fr, i), input_id(to, i), atype))
            continue
        spec = inp.get("type")
        if not isinstance(spec, (str, int)) or isinstance(spec, bool):
            raise validation_error("Invalid input JSON: inputs[%d].type must be a string" % i)
        atype = find_assoc_type(ftype.name, ttype.name, str(spec))
        if atype is None:
            raise _bad_assoc_type(ftype.name, ttype.name, spec)
        items.append((input_id(fr, i), input_id(to, i), atype))
    if ctx.drop_results:
        return 200, batch_response([], None, started)
    recs_f = ctx.store.records[ftype.name]
    recs_t = ctx.store.records[ttype.name]
    if op == "read":
        return _read_answer(ctx, ftype, inputs,
                            lambda fid: [{"id": i, "type": a["name"]} for i, a in
                                         ctx.store.assocs_of(ftype.name, fid, ttype.name)],
                            started)
    if op == "archive":
        for fid, tid, atype in items:
            ctx.store.assocs.pop(ctx.store.assoc_key(ftype.name, fid, ttype.name, tid,
                                                     atype), None)
        return 204, None
    results, miss_from, miss_to, seen = [], [], [], set()
    for fid, tid, atype in items:
        bad = False
        if fid not in recs_f:
            bad = True
            if fid not in miss_from:
                miss_from.append(fid)
        if tid not in recs_t:
            bad = True
            if tid not in miss_to:
                miss_to.append(tid)
        if bad:
            continue
        key = ctx.store.assoc_key(ftype.name, fid, ttype.name, tid, atype)
        ctx.store.assocs[key] = True
        if (fid, tid, atype["id"]) not in seen:
            seen.add((fid, tid, atype["id"]))
            results.append(_labels_between(ctx.store, ftype.name, fid, ttype.name, tid)
                           if specs else
                           {"from": {"id": fid}, "to": {"id": tid}, "type": atype["name"]})
    errors = []
    if miss_from:
        errors.append(std_error("OBJECT_NOT_FOUND", "No %s objects exist with ids: %s"
                                % (ftype.name, ", ".join(miss_from)),
                                {"ids": miss_from, "fromObjectType": [ftype.name]}))
    if miss_to:
        errors.append(std_error("OBJECT_NOT_FOUND", "No %s objects exist with ids: %s"
                                % (ttype.name, ", ".join(miss_to)),
                                {"ids": miss_to, "toObjectType": [ttype.name]}))
    return (207 if errors else 201), batch_response(results, errors or None, started)
