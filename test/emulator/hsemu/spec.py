"""Checks each API request against HubSpot's official OpenAPI spec of its
version (../shared/hubspot-openapi/ beside the clone; doc/hubspot-api.md,
"API versions"): its path must match a path template of that version's
specs, with the method listed there, and its JSON body must have the
fields the spec's request schema requires, of the types it gives.

The version comes from the path: /crm/v3/... (the v3 folder), /crm/v4/...
and /crm/associations/v4/... (v4), /crm/{api}/{YYYY-MM}/... (that date's
folder). A version whose folder has no spec for the path's API (the date
versions' properties) is "unchecked", not invalid.  Standard library only.
"""

import json
import os
import re


class SpecSet:
    """The specs of every version under one folder: version -> [(regex,
    method -> operation, spec)]."""

    def __init__(self, folder):
        self.folder = folder
        self.versions = {}
        for version in sorted(os.listdir(folder)):
            vdir = os.path.join(folder, version)
            if not os.path.isdir(vdir):
                continue
            routes = []
            for name in sorted(os.listdir(vdir)):
                if not name.endswith(".json"):
                    continue
                with open(os.path.join(vdir, name), encoding="utf-8") as f:
                    spec = json.load(f)
                for template, ops in spec.get("paths", {}).items():
                    rx = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+",
                                                 re.escape(template)) + "$")
                    routes.append((rx, template, name, ops, spec))
            # literal segments first: /partner_clients/batch/read before /{id}
            routes.sort(key=lambda r: (r[1].count("{"), r[1]))
            self.versions[version] = routes

    @staticmethod
    def version_of(path):
        """The spec folder a path belongs to, and the API it is on."""
        s = path.split("/")
        if len(s) < 4 or s[1] != "crm":
            return None, None
        if s[2] in ("v3", "v4"):
            return s[2], s[3]
        if s[2] in ("objects", "associations", "properties") and \
                (re.match(r"^\d{4}-\d{2}$", s[3]) or s[3] == "v4"):
            return s[3], s[2]
        return None, None

    def check(self, method, path, body):
        """(verdict, why): verdict is "valid", "invalid" or "unchecked"."""
        version, api = self.version_of(path)
        routes = self.versions.get(version)
        if routes is None:
            return "invalid", "no spec of version %s" % version
        if version not in ("v3", "v4") and api == "properties" and \
                not any(r[1].startswith("/crm/properties/") for r in routes):
            return "unchecked", "no properties spec for %s" % version
        allowed = []
        for rx, template, name, ops, spec in routes:
            if not rx.match(path):
                continue
            op = ops.get(method.lower())
            if op is None:
                allowed.append(template)
                continue
            why = self.check_body(op, spec, body)
            if why is None:
                return "valid", "%s %s (%s)" % (method, template, name)
            allowed.append("%s: %s" % (template, why))
        if not allowed:
            return "invalid", "no path of the %s specs matches" % version
        return "invalid", "%s %s: %s" % (method, path, "; ".join(allowed))

    def check_body(self, op, spec, body):
        """None if the body fits the operation's request schema, else why."""
        rb = op.get("requestBody")
        if rb is None:
            return None if body is None else "the spec takes no body"
        if body is None:
            return "the spec requires a body" if rb.get("required") else None
        schema = rb.get("content", {}).get("application/json", {}).get("schema")
        return check_value(schema, body, spec, "body") if schema else None


def resolve(schema, spec):
    """A schema with its $ref followed."""
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        node = spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


# Fields a spec marks required that HubSpot documents as optional: its
# search guide (doc/hubspot-api.md, "Search") makes even an empty body a
# valid search, and the first page of a search has no cursor to give.
OPTIONAL = {("PublicObjectSearchRequest", "after")}

# Fields whose schema HubSpot's guides give otherwise than its specs: the
# specs make a search's sorts strings, the search guide (doc/hubspot-api.md,
# "Search") objects naming a property and a direction, which is what
# HubSpot's own examples send.
OVERRIDES = {
    ("PublicObjectSearchRequest", "sorts"): {
        "type": "array",
        "items": {"type": "object", "required": ["propertyName"],
                  "properties": {"propertyName": {"type": "string"},
                                 "direction": {"type": "string",
                                               "enum": ["ASCENDING", "DESCENDING"]}}}},
}


def check_value(schema, value, spec, where):
    """None if value fits schema (required fields, types, enums), else why."""
    name = schema.get("$ref", "").rsplit("/", 1)[-1] if isinstance(schema, dict) else ""
    schema = resolve(schema, spec)
    if not isinstance(schema, dict):
        return None
    for key in ("oneOf", "anyOf"):
        if key in schema:
            if any(check_value(s, value, spec, where) is None for s in schema[key]):
                return None
            return "%s fits none of %s" % (where, key)
    if "allOf" in schema:
        for s in schema["allOf"]:
            why = check_value(s, value, spec, where)
            if why:
                return why
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t in types and not isinstance(value, types[t]):
        return "%s must be %s" % (where, t)
    if t == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return "%s must be an integer" % where
    if t == "number" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        return "%s must be a number" % where
    if "enum" in schema and value not in schema["enum"] and value is not None:
        return "%s must be one of %s" % (where, ", ".join(map(str, schema["enum"])))
    if isinstance(value, dict):
        for req in schema.get("required", []):
            if req not in value and (name, req) not in OPTIONAL:
                return "%s lacks required \"%s\"" % (where, req)
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k, v in value.items():
            if (name, k) in OVERRIDES:
                why = check_value(OVERRIDES[(name, k)], v, spec, "%s.%s" % (where, k))
            elif k in props:
                why = check_value(props[k], v, spec, "%s.%s" % (where, k))
            elif isinstance(extra, dict):
                why = check_value(extra, v, spec, "%s.%s" % (where, k))
            else:
                why = None
            if why:
                return why
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            why = check_value(schema["items"], v, spec, "%s[%d]" % (where, i))
            if why:
                return why
    return None


class SpecCheck:
    """The check the emulator runs on every API request when given a spec
    folder: counts, and each invalid request appended to a report file."""

    def __init__(self, folder, report, known_types=None):
        self.specs = SpecSet(folder)
        self.report = report
        self.known_types = known_types
        self.counts = {"valid": 0, "invalid": 0, "unchecked": 0}

    def check(self, method, path, body):
        s = path.split("/")
        # the object type is the fifth segment under every version
        # (/crm/v3/objects/{type}, /crm/objects/{V}/{type}, ...): a type
        # the emulator does not have is a test of HubSpot's refusal, which
        # the specs have nothing to say about
        if self.known_types is not None and len(s) > 4 and s[4] not in self.known_types:
            verdict, why = "unchecked", "object type %s unknown to the emulator" % s[4]
        else:
            verdict, why = self.specs.check(method, path, body)
        self.counts[verdict] += 1
        if verdict == "invalid" and self.report:
            with open(self.report, "a", encoding="utf-8") as f:
                f.write(json.dumps({"method": method, "path": path, "why": why}) + "\n")
        return verdict, why
