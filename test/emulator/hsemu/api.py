"""The router: which handler answers a path and method, the 404s and 405s
of paths and methods it does not know, and the 405 HubSpot gives for
creating or archiving partner objects (doc/hubspot-api.md, "Objects").  It
also answers the properties endpoints (doc/hubspot-api.md, "Properties").
Every handler runs under the emulator's lock (server.State.lock).

Paths of every API version HubSpot has for them (doc/hubspot-api.md, "API
versions"): /crm/v3/... and the date versions' /crm/objects/{version}/...,
/crm/properties/{version}/... and /crm/associations/{version}/..., whose
per-record association PUT takes association specs in its body (the
2026-03 and 2026-09 associations.json specs) and whose labels endpoint
replaces v3's types (associationsSchema.json).
"""

from . import associations, objects, search
from .answers import ApiError
from .schema import property_json, resolve_type

# The date versions the emulator answers (doc/hubspot-api.md, "API versions").
DATE_VERSIONS = ("2026-03", "2026-09")


def route(ctx):
    """Answer the API request ctx: (status, JSON-able body or None)."""
    s = ctx.segs
    m = ctx.method
    if len(s) >= 4 and s[0] == "crm" and s[2] in DATE_VERSIONS:
        ctx.api_version = s[2]
        if s[1] == "objects":
            return route_objects(ctx, s[3:], m)
        if s[1] == "properties" and len(s) in (4, 5):
            if m != "GET":
                raise method_not_allowed(ctx)
            return properties(ctx, resolve_type(s[3]), s[4] if len(s) == 5 else None)
        if s[1] == "associations" and len(s) in (7, 8) and s[5] == "batch" and \
                "/".join(s[6:]) in ("read", "archive", "labels/archive"):
            # v4's shapes: links read as toObjectId and associationTypes
            return route_associations_v4(ctx, s[3:], m)
        if s[1] == "associations" and len(s) in (6, 7):
            return route_associations(ctx, s[3:], m)
        raise unknown_route(ctx)
    if len(s) >= 3 and s[0] == "crm" and s[1] == "v3":
        if s[2] == "objects" and len(s) >= 4:
            return route_objects(ctx, s[3:], m)
        if s[2] == "properties" and len(s) in (4, 5):
            if m != "GET":
                raise method_not_allowed(ctx)
            tdef = resolve_type(s[3])
            return properties(ctx, tdef, s[4] if len(s) == 5 else None)
        if s[2] == "associations" and len(s) in (6, 7):
            return route_associations(ctx, s[3:], m)
    # v4 associations (the date versions' are routed above)
    if len(s) >= 3 and s[0] == "crm" and s[1] == "v4" and s[2] == "associations":
        return route_associations_v4(ctx, s[3:], m)
    raise unknown_route(ctx)


def route_associations_v4(ctx, s, m):
    """Route v4 (and date-versioned) association batches; s: from {from} on."""
    if len(s) in (4, 5) and s[2] == "batch":
        op = "/".join(s[3:])
        if op in ("read", "create", "archive", "labels/archive"):
            if m != "POST":
                raise method_not_allowed(ctx)
            return associations.assoc_batch_v4(ctx, resolve_type(s[0]), resolve_type(s[1]), op)
    raise unknown_route(ctx)


def unknown_route(ctx):
    """The 404 of a path no route matches."""
    return ApiError(404, "OBJECT_NOT_FOUND",
                    "No API route matches %s %s" % (ctx.method, ctx.raw_path))


def method_not_allowed(ctx):
    """The 405 of a method a known path does not take."""
    return ApiError(405, "METHOD_NOT_ALLOWED",
                    "Method %s is not allowed on %s" % (ctx.method, ctx.raw_path))


def unsupported(tdef, op):
    """Raise the 405 of an operation the type does not support."""
    if tdef.partner:
        msg = ("%s does not support %s: you can only retrieve and update existing %s "
               "with this API" % (tdef.name, op, tdef.name.replace("_", " ")))
    else:
        msg = "The emulator does not implement %s for %s" % (op, tdef.name)
    raise ApiError(405, "METHOD_NOT_ALLOWED", msg)


def route_objects(ctx, s, m):
    """Route /crm/v3/objects/{type}/...; s: the segments from {type} on."""
    tdef = resolve_type(s[0])
    n = len(s)
    if n == 1:
        if m == "GET":
            return objects.list_objects(ctx, tdef)
        if m == "POST":
            if tdef.partner:
                unsupported(tdef, "create")
            return objects.create_object(ctx, tdef)
        raise method_not_allowed(ctx)
    if n == 2 and s[1] == "search" and m == "POST":
        return search.search(ctx, tdef)
    if n == 3 and s[1] == "batch":
        if m != "POST":
            raise method_not_allowed(ctx)
        if s[2] == "read":
            return objects.batch_read(ctx, tdef)
        if s[2] == "update":
            return objects.batch_update(ctx, tdef)
        if s[2] in ("create", "archive", "upsert"):
            if tdef.partner:
                unsupported(tdef, "batch/" + s[2])
            return getattr(objects, "batch_" + s[2])(ctx, tdef)
        raise unknown_route(ctx)
    if n == 2:
        if m == "GET":
            return objects.get_object(ctx, tdef, s[1])
        if m == "PATCH":
            return objects.patch_object(ctx, tdef, s[1])
        if m == "DELETE":
            if tdef.partner:
                unsupported(tdef, "archive")
            return objects.delete_object(ctx, tdef, s[1])
        raise method_not_allowed(ctx)
    if n == 4 and s[2] == "associations":
        if m == "GET":
            return associations.list_record_assocs(ctx, tdef, s[1], s[3])
        raise method_not_allowed(ctx)
    if n == 6 and s[2] == "associations" and ctx.api_version is None:
        if m in ("PUT", "DELETE"):
            return associations.record_assoc(ctx, tdef, s[1], s[3], s[4], s[5], m)
        raise method_not_allowed(ctx)
    if n == 5 and s[2] == "associations" and ctx.api_version is not None:
        if m in ("PUT", "DELETE"):
            return associations.record_assoc_specs(ctx, tdef, s[1], s[3], s[4], m)
        raise method_not_allowed(ctx)
    if n == 6 and s[2] == "associations" and s[3] == "default" and ctx.api_version:
        if m == "PUT":
            return associations.record_assoc_default(ctx, tdef, s[1], s[4], s[5])
        raise method_not_allowed(ctx)
    raise unknown_route(ctx)


def route_associations(ctx, s, m):
    """Route /crm/v3/associations/{from}/{to}/...; s: the segments from {from} on."""
    ftype = resolve_type(s[0])
    ttype = resolve_type(s[1])
    if len(s) == 3 and s[2] == "types" and ctx.api_version is None:
        if m != "GET":
            raise method_not_allowed(ctx)
        return associations.assoc_types(ftype, ttype)
    if len(s) == 3 and s[2] == "labels" and ctx.api_version is not None:
        if m != "GET":
            raise method_not_allowed(ctx)
        return associations.assoc_labels(ftype, ttype)
    if len(s) == 4 and s[2] == "batch" and s[3] in ("create", "read", "archive"):
        if m != "POST":
            raise method_not_allowed(ctx)
        if s[3] != "read":
            ctx.require_write(ftype)
        return associations.assoc_batch(ctx, ftype, ttype, s[3])
    raise unknown_route(ctx)


def properties(ctx, tdef, name):
    """GET /crm/v3/properties/{type}[/{name}]."""
    archived = ctx.q_bool("archived")
    if name is not None:
        p = tdef.props.get(name)
        if p is None:
            raise ApiError(404, "OBJECT_NOT_FOUND",
                           "Unable to find property %s for object type %s"
                           % (name, tdef.name), context={"propertyName": [name]})
        return 200, property_json(p)
    if archived:
        return 200, {"results": []}
    wanted = ctx.q_list("properties")
    return 200, {"results": [property_json(p) for p in tdef.props.values()
                             if not wanted or p["name"] in wanted]}
