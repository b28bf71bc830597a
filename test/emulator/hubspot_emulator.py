#!/usr/bin/python3
"""Local emulator of the HubSpot CRM v3 API, for the hubspot_fdw tests.

Standard library only.  Serves, for any object type string, the objects
(list/read/PATCH/batch read/batch update/search; create, batch create,
batch upsert, batch archive and DELETE except for partner objects), properties, per-record
association and v3 association endpoints, with HubSpot's error envelopes,
207 multi-status batch answers, rate-limit headers and a set of fault modes
driven through the /_emulator/ control endpoints.  See README.md.
"""

import argparse
import base64
import bisect
import collections
import datetime
import decimal
import fnmatch
import gc
import json
import os
import re
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode

# ---------------------------------------------------------------------------
# Limits.  Values marked "unconfirmed" have no authoritative source (see
# /work/shared/hubspot-api-facts.md); each is one named constant.
# ---------------------------------------------------------------------------
RATE_LIMIT_INTERVAL_MS = 10000      # burst window (private app, Free/Starter)
RATE_LIMIT_MAX = 100                # requests per window (Free/Starter)
RATE_LIMIT_DAILY = 250000           # requests per day (Free/Starter)
LIST_LIMIT_DEFAULT = 10
LIST_LIMIT_MAX = 100                # the spec gives no maximum; HubSpot's clients page at 100
BATCH_INPUT_MAX = 100               # object batch read/update (HubSpot's own clients)
BATCH_HISTORY_INPUT_MAX = 50        # batch/read with propertiesWithHistory
ASSOC_BATCH_INPUT_MAX = 100         # unconfirmed
ASSOC_LIST_LIMIT_DEFAULT = 500
ASSOC_LIST_LIMIT_MAX = 500          # unconfirmed
SEARCH_LIMIT_DEFAULT = 10
SEARCH_LIMIT_MAX = 200
SEARCH_MAX_FILTER_GROUPS = 6
SEARCH_MAX_FILTERS_PER_GROUP = 6    # unconfirmed
SEARCH_MAX_FILTERS_TOTAL = 18       # unconfirmed
SEARCH_RESULT_CAP = 10000           # reported by users, unconfirmed
STRING_VALUE_MAX = 65536

JSON_CT = "application/json;charset=utf-8"
DAY_MS = 86400000
UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
AUTH_HELP = "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
SCOPES_HELP = "https://developers.hubspot.com/scopes"


# ---------------------------------------------------------------------------
# Time helpers
# ---------------------------------------------------------------------------
ISO_FAST_MAX_MS = 253402300800000     # 10000-01-01: beyond it, datetime's own errors


def iso_from_ms(ms):
    if 0 <= ms < ISO_FAST_MAX_MS:
        # the common case, without building a datetime (a list page formats 200)
        sec, milli = divmod(ms, 1000)
        t = time.gmtime(sec)
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
            t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, milli)
    dt = EPOCH + datetime.timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def rec_iso(rec, key):
    """A record's "created" or "updated" time in ISO form, formatted once per
    value and kept in the record: formatting dominated the cost of a page."""
    ms = rec[key]
    cached = rec.get("iso_" + key)
    if cached is None or cached[0] != ms:
        cached = (ms, iso_from_ms(ms))
        rec["iso_" + key] = cached
    return cached[1]


def ms_from_iso(text):
    """Parse an ISO 8601 timestamp (or date) into epoch ms; None if invalid."""
    try:
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - EPOCH
    return delta.days * DAY_MS + delta.seconds * 1000 + delta.microseconds // 1000


def ms_from_date(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days * DAY_MS


INT_RE = re.compile(r"^-?\d+$")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
class ApiError(Exception):
    """An answer in HubSpot's error envelope."""

    def __init__(self, status, category, message, context=None, errors=None,
                 sub_category=None, links=None, headers=None):
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.errors = errors
        self.sub_category = sub_category
        self.links = links
        self.headers = headers or {}

    def body(self, cid):
        b = {"status": "error", "message": self.message, "correlationId": cid,
             "category": self.category}
        if self.sub_category is not None:
            b["subCategory"] = self.sub_category
        if self.context is not None:
            b["context"] = self.context
        if self.errors is not None:
            b["errors"] = self.errors
        if self.links is not None:
            b["links"] = self.links
        return b


def validation_error(message, context=None, errors=None):
    return ApiError(400, "VALIDATION_ERROR", message, context, errors)


def not_found(obj_id):
    return ApiError(404, "OBJECT_NOT_FOUND",
                    "Object not found.  objectId are usually numeric.",
                    context={"id": [obj_id]})


def property_issues_error(issues):
    """issues: list of (name, code, message) -> 400 'Property values were not valid'."""
    listed = [{"isValid": False, "message": m, "error": c, "name": n} for n, c, m in issues]
    return validation_error(
        "Property values were not valid: " + json.dumps(listed, separators=(",", ":")),
        errors=[{"message": m, "code": c, "context": {"propertyName": [n]}}
                for n, c, m in issues])


def default_error_body(status, cid):
    """Body used for injected failures that carry no explicit body."""
    names = {400: ("VALIDATION_ERROR", "Bad request."),
             401: ("INVALID_AUTHENTICATION", "Authentication credentials not found."),
             403: ("MISSING_SCOPES", "This app is not allowed to make this call."),
             404: ("OBJECT_NOT_FOUND", "Resource not found."),
             409: ("CONFLICT", "The request conflicts with the current state."),
             423: ("LOCKED", "The resource is locked; wait at least 2 seconds and retry."),
             477: ("MIGRATION_IN_PROGRESS", "The account is being migrated; retry later."),
             500: ("INTERNAL_ERROR", "An internal error occurred."),
             502: ("BAD_GATEWAY", "Bad gateway: the upstream service did not answer."),
             503: ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable."),
             504: ("GATEWAY_TIMEOUT", "The upstream service timed out.")}
    cat, msg = names.get(status, ("ERROR", "Injected error %d." % status))
    return {"status": "error", "message": msg, "correlationId": cid, "category": cat}


def rate_limit_body(policy, cid):
    label = {"TEN_SECONDLY_ROLLING": "ten_secondly_rolling", "SECONDLY": "secondly",
             "DAILY": "daily"}.get(policy, policy.lower())
    return {"status": "error", "message": "You have reached your %s limit." % label,
            "errorType": "RATE_LIMIT", "correlationId": cid, "policyName": policy,
            "groupName": "publicapi:private-app:emulator", "category": "RATE_LIMITS"}


# ---------------------------------------------------------------------------
# Object types and property definitions
# ---------------------------------------------------------------------------
def opt(value, label, order):
    return {"label": label, "value": value, "description": "", "displayOrder": order,
            "hidden": False}


BOOL_OPTIONS = [opt("true", "Yes", 0), opt("false", "No", 1)]
FIELD_FOR_TYPE = {"string": "text", "number": "number", "date": "date",
                  "datetime": "date", "bool": "booleancheckbox", "enumeration": "select"}


def prop(name, label, ptype, field=None, group="information", options=None, unique=False,
         read_only=False, calculated=False, hidden=False, description=""):
    if ptype == "bool" and options is None:
        options = BOOL_OPTIONS
    return {"name": name, "label": label, "type": ptype,
            "fieldType": field or FIELD_FOR_TYPE[ptype], "description": description,
            "groupName": group, "options": options or [], "hasUniqueValue": unique,
            "readOnly": read_only, "calculated": calculated, "hidden": hidden}


def system_props(group, created="hs_createdate", modified="hs_lastmodifieddate"):
    return [
        prop("hs_object_id", "Record ID", "number", group=group, read_only=True,
             description="The unique ID for this record. This value is set automatically by HubSpot."),
        prop(created, "Create Date", "datetime", group=group, read_only=True,
             description="The date the record was created."),
        prop(modified, "Last Modified Date", "datetime", group=group, read_only=True,
             description="Most recent timestamp of any property update for this record."),
    ]


class TypeDef:
    def __init__(self, name, singular, scope, aliases, props, defaults, always, partner):
        self.name = name
        self.singular = singular
        self.scope = scope          # e.g. "partner-clients" -> crm.objects.partner-clients.write
        self.aliases = aliases
        self.props = collections.OrderedDict((p["name"], p) for p in props)
        for i, p in enumerate(self.props.values()):
            p["displayOrder"] = i
        self.defaults = defaults    # default property set (besides "always")
        self.always = always        # [id prop, created prop, modified prop]
        self.partner = partner

    def write_scope(self):
        return "crm.objects.%s.write" % self.scope


PC_GROUP = "partner_client_information"
PS_GROUP = "partner_service_information"

TYPES = [
    TypeDef("partner_clients", "partner_client", "partner-clients", [],
            system_props(PC_GROUP) + [
                prop("hs_name", "Name", "string", group=PC_GROUP),
                prop("hs_tier", "Tier", "enumeration", "select", PC_GROUP,
                     [opt("gold", "Gold", 0), opt("silver", "Silver", 1),
                      opt("bronze", "Bronze", 2)]),
                prop("hs_country", "Country", "string", group=PC_GROUP),
                prop("hs_score", "Score", "number", group=PC_GROUP),
                prop("hs_active", "Active", "bool", group=PC_GROUP),
                prop("hs_signup_date", "Signup date", "date", group=PC_GROUP),
                prop("hs_external_key", "External key", "string", group=PC_GROUP, unique=True),
                prop("hs_regions", "Regions", "enumeration", "checkbox", PC_GROUP,
                     [opt("emea", "EMEA", 0), opt("apac", "APAC", 1),
                      opt("amer", "Americas", 2), opt("latam", "LATAM", 3)]),
                prop("hs_last_review", "Last review", "datetime", group=PC_GROUP),
            ],
            ["hs_name"], ["hs_object_id", "hs_createdate", "hs_lastmodifieddate"], True),
    TypeDef("partner_services", "partner_service", "partner-services", [],
            system_props(PS_GROUP) + [
                prop("hs_name", "Name", "string", group=PS_GROUP),
                prop("hs_status", "Status", "enumeration", "select", PS_GROUP,
                     [opt("active", "Active", 0), opt("paused", "Paused", 1),
                      opt("retired", "Retired", 2)]),
                prop("hs_price", "Price", "number", group=PS_GROUP),
                prop("hs_external_key", "External key", "string", group=PS_GROUP, unique=True),
                prop("hs_num_clients", "Number of clients", "number", group=PS_GROUP,
                     calculated=True),
                prop("hs_phone", "Support phone", "phone_number", "phonenumber", PS_GROUP),
                prop("hs_preferred", "Preferred", "enumeration", "booleancheckbox", PS_GROUP,
                     BOOL_OPTIONS),
            ],
            ["hs_name"], ["hs_object_id", "hs_createdate", "hs_lastmodifieddate"], True),
    TypeDef("contacts", "contact", "contacts", ["contact", "0-1"],
            system_props("contactinformation", "createdate", "lastmodifieddate") + [
                prop("email", "Email", "string", group="contactinformation", unique=True),
                prop("firstname", "First Name", "string", group="contactinformation"),
                prop("lastname", "Last Name", "string", group="contactinformation"),
            ],
            ["email", "firstname", "lastname"],
            ["hs_object_id", "createdate", "lastmodifieddate"], False),
    TypeDef("companies", "company", "companies", ["company", "0-2"],
            system_props("companyinformation", "createdate", "hs_lastmodifieddate") + [
                prop("name", "Name", "string", group="companyinformation"),
                prop("domain", "Company Domain Name", "string", group="companyinformation",
                     unique=True),
            ],
            ["name", "domain"], ["hs_object_id", "createdate", "hs_lastmodifieddate"], False),
]
TYPE_BY_NAME = {}
for _t in TYPES:
    TYPE_BY_NAME[_t.name] = _t
    for _a in _t.aliases:
        TYPE_BY_NAME[_a] = _t

# Association types: (id, name, from, to, inverse id).  Ids 1/2 are HubSpot's
# contact<->company ids; the partner ones are the emulator's own stable picks.
ASSOC_TYPES = []
PRIMARY_ASSOC_IDS = set()


def _assoc_pair(fid, fname, rid, rname, ftype, ttype):
    ASSOC_TYPES.append({"id": fid, "name": fname, "from": ftype, "to": ttype, "inverse": rid})
    ASSOC_TYPES.append({"id": rid, "name": rname, "from": ttype, "to": ftype, "inverse": fid})
    PRIMARY_ASSOC_IDS.add(fid)


_assoc_pair(1, "contact_to_company", 2, "company_to_contact", "contacts", "companies")
_assoc_pair(901, "partner_client_to_contact", 902, "contact_to_partner_client",
            "partner_clients", "contacts")
_assoc_pair(903, "partner_client_to_company", 904, "company_to_partner_client",
            "partner_clients", "companies")
_assoc_pair(905, "partner_service_to_contact", 906, "contact_to_partner_service",
            "partner_services", "contacts")
_assoc_pair(907, "partner_service_to_company", 908, "company_to_partner_service",
            "partner_services", "companies")
_assoc_pair(909, "partner_service_to_partner_client", 910,
            "partner_client_to_partner_service", "partner_services", "partner_clients")
ASSOC_BY_ID = {a["id"]: a for a in ASSOC_TYPES}


def assoc_types_between(ftype, ttype):
    return [a for a in ASSOC_TYPES if a["from"] == ftype and a["to"] == ttype]


def find_assoc_type(ftype, ttype, spec):
    """spec: a type name or numeric id string; None if not valid for the pair."""
    for a in assoc_types_between(ftype, ttype):
        if spec == a["name"] or spec == str(a["id"]):
            return a
    return None


# ---------------------------------------------------------------------------
# Value validation
# ---------------------------------------------------------------------------
def check_value(p, value):
    """Validate a (non-empty) string value for property p.

    Returns (normalized_value, None) or (None, (code, message))."""
    t = p["type"]
    name = p["name"]
    if t == "string":
        if len(value) > STRING_VALUE_MAX:
            return None, ("INVALID_STRING_LENGTH",
                          "%s is longer than the maximum of %d characters for property %s"
                          % (len(value), STRING_VALUE_MAX, name))
        return value, None
    if t == "number":
        if not NUMBER_RE.match(value):
            return None, ("INVALID_INTEGER", "%s was not a valid number." % value)
        return value, None
    if t == "bool":
        if value not in ("true", "false"):
            return None, ("INVALID_OPTION",
                          '%s was not one of the allowed options: [true, false]' % value)
        return value, None
    if t == "date":
        if not INT_RE.match(value):
            return None, ("INVALID_DATE",
                          "%s is not a valid date; send epoch milliseconds at midnight UTC"
                          % value)
        ms = int(value)
        if ms % DAY_MS != 0:
            return None, ("INVALID_DATE", "%s is at %s UTC, not midnight!"
                          % (value, iso_from_ms(ms)[11:23]))
        return str(ms), None
    if t == "datetime":
        if INT_RE.match(value):
            ms = int(value)
        else:
            ms = ms_from_iso(value)
            if ms is None:
                return None, ("INVALID_DATETIME",
                              "%s is not a valid datetime; send epoch milliseconds or ISO 8601"
                              % value)
        return iso_from_ms(ms), None
    if t == "enumeration":
        allowed = [o["value"] for o in p["options"]]
        if p["fieldType"] == "checkbox":
            parts = [x for x in value.split(";") if x != ""]
        else:
            parts = [value]
        for part in parts:
            if part not in allowed:
                return None, ("INVALID_OPTION", "%s was not one of the allowed options: [%s]"
                              % (part, ", ".join(allowed)))
        return value, None
    return value, None


# ---------------------------------------------------------------------------
# Fault configuration
# ---------------------------------------------------------------------------
MATCH_KEYS = {"method", "path", "path_prefix", "path_contains", "path_regex", "body_contains"}
CONFIG_KEYS = {"status_every", "rules", "fail_next", "delay_ms", "delay_ms_match", "delays",
               "reset_connection_every", "malformed_json_every", "drop_results",
               "huge_body_bytes", "enforce_rate_limit", "search_stale", "raw_repeat_once"}


class ConfigError(Exception):
    pass


def _int(v, what, minimum=0):
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ConfigError("%s must be an integer >= %d" % (what, minimum))
    return v


def compile_match(m, what):
    if m is None:
        return None
    if not isinstance(m, dict):
        raise ConfigError("%s.match must be an object" % what)
    bad = set(m) - MATCH_KEYS
    if bad:
        raise ConfigError("%s.match has unknown keys %s (allowed: %s)"
                          % (what, sorted(bad), sorted(MATCH_KEYS)))
    c = dict(m)
    meth = m.get("method")
    if meth is not None:
        c["method"] = {x.upper() for x in ([meth] if isinstance(meth, str) else meth)}
    if "path_regex" in m:
        try:
            c["path_regex"] = re.compile(m["path_regex"])
        except (re.error, TypeError) as e:
            raise ConfigError("%s.match.path_regex: %s" % (what, e))
    return c


def match_ok(c, method, path, body=""):
    if c is None:
        return True
    if "method" in c and method not in c["method"]:
        return False
    if "path" in c and path != c["path"]:
        return False
    if "path_prefix" in c and not path.startswith(c["path_prefix"]):
        return False
    if "path_contains" in c and c["path_contains"] not in path:
        return False
    if "path_regex" in c and not c["path_regex"].search(path):
        return False
    if "body_contains" in c and c["body_contains"] not in body:
        return False
    return True


def compile_answer(e, what, need_n):
    if not isinstance(e, dict):
        raise ConfigError("%s must be an object" % what)
    a = {"status": _int(e.get("status", 500), what + ".status", 100),
         "match": compile_match(e.get("match"), what), "count": 0}
    if need_n:
        a["n"] = _int(e.get("n"), what + ".n", 1)
    a["policy"] = e.get("policy", "TEN_SECONDLY_ROLLING")
    if "retry_after" in e:
        a["retry_after"] = e["retry_after"]
    if "body" in e:
        a["body"] = e["body"]
    if "raw" in e:
        if not isinstance(e["raw"], str):
            raise ConfigError("%s.raw must be a string" % what)
        a["raw"] = e["raw"]
    hdrs = e.get("headers", {})
    if not isinstance(hdrs, dict):
        raise ConfigError("%s.headers must be an object" % what)
    a["headers"] = {str(k): str(v) for k, v in hdrs.items()}
    # a server that echoes the credentials it was sent: "{authorization}" in
    # raw and in header values becomes the request's Authorization header
    a["echo_authorization"] = bool(e.get("echo_authorization", False))
    return a


def compile_every(v, what, modes=None):
    if isinstance(v, int) and not isinstance(v, bool):
        return {"n": _int(v, what, 1), "match": None, "count": 0,
                "mode": modes[0] if modes else None}
    if not isinstance(v, dict):
        raise ConfigError("%s must be an integer or an object" % what)
    r = {"n": _int(v.get("n"), what + ".n", 1), "match": compile_match(v.get("match"), what),
         "count": 0, "mode": None}
    if modes:
        r["mode"] = v.get("mode", modes[0])
        if r["mode"] not in modes:
            raise ConfigError("%s.mode must be one of %s" % (what, modes))
    return r


def compile_repeat(e):
    """raw_repeat_once: a generated body, too big to pass in a config, for
    the first matching request: prefix + item * count (joined by separator)
    + suffix, encoded as utf-8 or latin-1 (each character < 256 one byte, so
    that a body can hold bytes that are not UTF-8)."""
    what = "raw_repeat_once"
    if not isinstance(e, dict):
        raise ConfigError("%s must be an object" % what)
    bad = set(e) - {"status", "prefix", "item", "count", "separator", "suffix",
                    "encoding", "headers", "match"}
    if bad:
        raise ConfigError("%s has unknown keys %s" % (what, sorted(bad)))
    r = {"status": _int(e.get("status", 200), what + ".status", 100),
         "count": _int(e.get("count", 0), what + ".count"),
         "match": compile_match(e.get("match"), what)}
    for k in ("prefix", "item", "separator", "suffix"):
        if not isinstance(e.get(k, ""), str):
            raise ConfigError("%s.%s must be a string" % (what, k))
        r[k] = e.get(k, "")
    r["encoding"] = e.get("encoding", "utf-8")
    if r["encoding"] not in ("utf-8", "latin-1"):
        raise ConfigError("%s.encoding must be utf-8 or latin-1" % what)
    hdrs = e.get("headers", {})
    if not isinstance(hdrs, dict):
        raise ConfigError("%s.headers must be an object" % what)
    r["headers"] = {str(k): str(v) for k, v in hdrs.items()}
    try:
        for k in ("prefix", "item", "separator", "suffix"):
            r[k] = r[k].encode(r["encoding"])
    except UnicodeEncodeError as err:
        raise ConfigError("%s: %s" % (what, err))
    return r


def repeat_body(r):
    """The body raw_repeat_once serves."""
    items = (r["separator"].join([r["item"]] * r["count"])) if r["count"] else b""
    return r["prefix"] + items + r["suffix"]


def compile_config(cfg):
    if not isinstance(cfg, dict):
        raise ConfigError("config must be a JSON object")
    bad = set(cfg) - CONFIG_KEYS
    if bad:
        raise ConfigError("unknown config keys %s (allowed: %s)" % (sorted(bad), sorted(CONFIG_KEYS)))
    c = {"raw": cfg, "rules": [], "fail_next": [], "delays": [], "reset": None,
         "malformed": None, "drop_results": bool(cfg.get("drop_results", False)),
         "huge": None, "enforce": None, "search_stale": bool(cfg.get("search_stale", False)),
         "repeat": None}
    if "status_every" in cfg:
        c["rules"].append(compile_answer(cfg["status_every"], "status_every", True))
    rules = cfg.get("rules", [])
    if not isinstance(rules, list):
        raise ConfigError("rules must be a list")
    for i, r in enumerate(rules):
        c["rules"].append(compile_answer(r, "rules[%d]" % i, True))
    fn = cfg.get("fail_next", [])
    if isinstance(fn, dict):
        fn = [fn]
    if not isinstance(fn, list):
        raise ConfigError("fail_next must be a list")
    for i, r in enumerate(fn):
        c["fail_next"].append(compile_answer(r, "fail_next[%d]" % i, False))
    if "delay_ms" in cfg:
        ms = _int(cfg["delay_ms"], "delay_ms")
        m = cfg.get("delay_ms_match")
        if isinstance(m, dict) and "ms" in m:
            m = dict(m)
            ms = _int(m.pop("ms"), "delay_ms_match.ms")
        c["delays"].append({"ms": ms, "match": compile_match(m, "delay_ms_match")})
    elif "delay_ms_match" in cfg:
        m = cfg["delay_ms_match"]
        if not isinstance(m, dict) or "ms" not in m:
            raise ConfigError("delay_ms_match needs delay_ms or an \"ms\" key")
        m = dict(m)
        ms = _int(m.pop("ms"), "delay_ms_match.ms")
        c["delays"].append({"ms": ms, "match": compile_match(m, "delay_ms_match")})
    delays = cfg.get("delays", [])
    if not isinstance(delays, list):
        raise ConfigError("delays must be a list")
    for i, d in enumerate(delays):
        if not isinstance(d, dict):
            raise ConfigError("delays[%d] must be an object" % i)
        c["delays"].append({"ms": _int(d.get("ms"), "delays[%d].ms" % i),
                            "match": compile_match(d.get("match"), "delays[%d]" % i)})
    if "reset_connection_every" in cfg:
        c["reset"] = compile_every(cfg["reset_connection_every"], "reset_connection_every",
                                   ["before_response", "mid_response"])
    if "malformed_json_every" in cfg:
        c["malformed"] = compile_every(cfg["malformed_json_every"], "malformed_json_every")
    if "huge_body_bytes" in cfg:
        c["huge"] = _int(cfg["huge_body_bytes"], "huge_body_bytes", 1)
    if "raw_repeat_once" in cfg:
        c["repeat"] = compile_repeat(cfg["raw_repeat_once"])
    if "enforce_rate_limit" in cfg:
        e = cfg["enforce_rate_limit"]
        if e is True:
            e = {}
        if not isinstance(e, dict):
            raise ConfigError("enforce_rate_limit must be true or an object")
        c["enforce"] = {"max": _int(e.get("max", RATE_LIMIT_MAX), "enforce_rate_limit.max", 1),
                        "interval_ms": _int(e.get("interval_ms", RATE_LIMIT_INTERVAL_MS),
                                            "enforce_rate_limit.interval_ms", 1),
                        "window": collections.deque()}
    return c


EMPTY_CONFIG = compile_config({})


# ---------------------------------------------------------------------------
# Load statistics (GET /_emulator/stats): how hard the emulator itself works,
# so that a benchmark can tell whether the emulator was its bottleneck.
# ---------------------------------------------------------------------------
def new_stats():
    return {"api_requests": 0, "api_connections": 0, "in_flight": 0, "max_in_flight": 0,
            "service_s_total": 0.0, "service_s_max": 0.0}


def stats_json(stats, latency_ms):
    n = stats["api_requests"]
    return {"api_requests": n, "api_connections": stats["api_connections"],
            "max_in_flight": stats["max_in_flight"], "latency_ms": latency_ms,
            "service_ms_total": round(stats["service_s_total"] * 1000, 3),
            "service_ms_mean": round(stats["service_s_total"] * 1000 / n, 3) if n else 0.0,
            "service_ms_max": round(stats["service_s_max"] * 1000, 3)}


# ---------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------
class State:
    def __init__(self, seed_count):
        self.lock = threading.RLock()
        self.seed_count = seed_count
        self.reset()

    # -- seeding ---------------------------------------------------------
    def reset(self):
        with self.lock:
            self.records = {t.name: {} for t in TYPES}
            self.sorted_ids = {}
            self.sorted_keys = {}
            self.unique = {t.name: {p: {} for p, d in t.props.items() if d["hasUniqueValue"]}
                           for t in TYPES}
            self.assocs = {}
            self.last_write_ms = 0
            self.search_snapshot = None
            self._seed()
            self.requests = []
            self.seq = 0
            self.log_epoch = time.monotonic()
            self.stats = new_stats()
            self.config = compile_config({})
            self.window = collections.deque()
            self.daily = 0
            # A seed can be 100,000s of objects: keep the cyclic garbage
            # collector from walking them in every full collection, which
            # paused answers for 100s of ms in the middle of a benchmark.
            gc.collect()
            gc.freeze()

    def _add(self, tname, oid, created_ms, updated_ms, values):
        rec = {"id": str(oid), "created": created_ms, "updated": updated_ms,
               "values": {k: v for k, v in values.items() if v is not None}}
        self.records[tname][rec["id"]] = rec
        for p, idx in self.unique[tname].items():
            if p in rec["values"]:
                idx[rec["values"][p]] = rec["id"]

    def _seed(self):
        n = self.seed_count
        base_created = ms_from_date(2023, 1, 1)
        signup_base = ms_from_date(2024, 1, 1)
        review_base = ms_from_iso("2024-03-01T12:34:56.789+00:00")
        regions = ["emea", "emea;apac", "amer", None]
        for i in range(n):
            oid = 501 + i
            created = base_created + i * 3600 * 1000
            self._add("partner_clients", oid, created, created + 30 * DAY_MS, {
                "hs_name": "Client %d" % oid,
                "hs_tier": "gold" if i < 250 else "silver",
                "hs_country": ["US", "DE", "FR"][i % 3],
                "hs_score": str(oid % 100),
                "hs_active": "true" if i % 2 == 0 else "false",
                "hs_signup_date": str(signup_base + (oid % 365) * DAY_MS),
                "hs_external_key": "PC-%d" % oid,
                "hs_regions": regions[i % 4],
                "hs_last_review": iso_from_ms(review_base + i * 60000) if i % 2 == 0 else None,
            })
        for i in range(n):
            oid = 3001 + i
            created = base_created + 7 * DAY_MS + i * 3600 * 1000
            cents = 1000 + (oid % 40) * 250
            self._add("partner_services", oid, created, created + 30 * DAY_MS, {
                "hs_name": "Service %d" % oid,
                "hs_status": "active" if i < 250 else "paused",
                "hs_price": "%d.%02d" % (cents // 100, cents % 100),
                "hs_external_key": "PS-%d" % oid,
                "hs_num_clients": str(i % 4),
                "hs_phone": "+1 555 %04d" % (oid % 10000) if i % 2 == 0 else None,
                "hs_preferred": "true" if i % 3 == 0 else "false",
            })
        for i in range(5):
            oid = 1001 + i
            created = base_created + i * DAY_MS
            self._add("contacts", oid, created, created, {
                "email": "contact%d@example.com" % oid, "firstname": "Contact",
                "lastname": str(oid)})
        for i in range(5):
            oid = 2001 + i
            created = base_created + i * DAY_MS
            self._add("companies", oid, created, created, {
                "name": "Company %d" % oid, "domain": "company%d.example.com" % oid})
        for t in TYPES:
            self.sorted_ids[t.name] = sorted(self.records[t.name], key=int)
            # the same ids as integers, so that a list page is found by bisection
            self.sorted_keys[t.name] = [int(i) for i in self.sorted_ids[t.name]]
        # new records get ids above every seeded one, in creation order
        self.next_id = {t.name: max([int(i) for i in self.records[t.name]] + [0]) + 1
                        for t in TYPES}
        # A few seeded associations (stored in their primary direction).
        seeded = [("partner_clients", "501", "contacts", "1001", 901),
                  ("partner_clients", "501", "companies", "2001", 903),
                  ("partner_services", "3001", "partner_clients", "501", 909),
                  ("contacts", "1001", "companies", "2001", 1)]
        for f, fid, t, tid, aid in seeded:
            if fid in self.records[f] and tid in self.records[t]:
                self.assocs[(f, fid, t, tid, aid)] = True

    # -- records ---------------------------------------------------------
    def lookup(self, tdef, key, id_property=None):
        if id_property is None:
            return self.records[tdef.name].get(key)
        rid = self.unique[tdef.name][id_property].get(key)
        return self.records[tdef.name].get(rid) if rid is not None else None

    def value(self, tdef, rec, name):
        if name == tdef.always[0]:
            return rec["id"]
        if name == tdef.always[1]:
            return rec_iso(rec, "created")
        if name == tdef.always[2]:
            return rec_iso(rec, "updated")
        return rec["values"].get(name)

    def next_write_ms(self):
        now = int(time.time() * 1000)
        self.last_write_ms = max(now, self.last_write_ms + 1)
        return self.last_write_ms

    def apply(self, tdef, rec, values):
        """values: {name: normalized string or None (clear)}."""
        uniq = self.unique[tdef.name]
        for name, v in values.items():
            old = rec["values"].get(name)
            if name in uniq and old is not None and uniq[name].get(old) == rec["id"]:
                del uniq[name][old]
            if v is None:
                rec["values"].pop(name, None)
            else:
                rec["values"][name] = v
                if name in uniq:
                    uniq[name][v] = rec["id"]
        rec["updated"] = self.next_write_ms()

    def create(self, tdef, values):
        """Store a new record with values {name: normalized string}; returns it."""
        oid = self.next_id[tdef.name]
        self.next_id[tdef.name] = oid + 1
        now = self.next_write_ms()
        self._add(tdef.name, oid, now, now, values)
        self.sorted_ids[tdef.name].append(str(oid))
        self.sorted_keys[tdef.name].append(oid)
        return self.records[tdef.name][str(oid)]

    def archive(self, tdef, rec):
        """Remove a record, its unique values and its associations."""
        rid = rec["id"]
        del self.records[tdef.name][rid]
        self.sorted_ids[tdef.name].remove(rid)
        self.sorted_keys[tdef.name].remove(int(rid))
        for name, idx in self.unique[tdef.name].items():
            v = rec["values"].get(name)
            if v is not None and idx.get(v) == rid:
                del idx[v]
        for key in [k for k in self.assocs
                    if (k[0] == tdef.name and k[1] == rid) or (k[2] == tdef.name and k[3] == rid)]:
            del self.assocs[key]

    def snapshot_search_index(self):
        """Freeze what search sees (config search_stale): a copy of every record."""
        self.search_snapshot = {
            t: ({rid: {"id": r["id"], "created": r["created"], "updated": r["updated"],
                       "values": dict(r["values"])} for rid, r in recs.items()},
                list(self.sorted_ids[t]))
            for t, recs in self.records.items()}

    def search_view(self, tname):
        """(records, sorted ids) as search sees them: live, or the frozen copy."""
        if self.search_snapshot is not None:
            return self.search_snapshot[tname]
        return self.records[tname], self.sorted_ids[tname]

    # -- associations ----------------------------------------------------
    def assoc_key(self, ftype, fid, ttype, tid, atype):
        if atype["id"] in PRIMARY_ASSOC_IDS:
            return (ftype, fid, ttype, tid, atype["id"])
        return (ttype, tid, ftype, fid, atype["inverse"])

    def assocs_of(self, tname, oid, ttype):
        """[(to_id, association type dict in the tname->ttype direction)] sorted."""
        out = []
        for (f, fid, t, tid, aid) in self.assocs:
            if f == tname and fid == oid and t == ttype:
                out.append((tid, ASSOC_BY_ID[aid]))
            elif t == tname and tid == oid and f == ttype:
                out.append((fid, ASSOC_BY_ID[ASSOC_BY_ID[aid]["inverse"]]))
        out.sort(key=lambda x: (int(x[0]) if x[0].isdigit() else 0, x[0], x[1]["id"]))
        return out

    def assoc_list(self):
        out = []
        for (f, fid, t, tid, aid) in self.assocs:
            out.append({"fromObjectType": f, "fromObjectId": fid, "toObjectType": t,
                        "toObjectId": tid, "associationType": ASSOC_BY_ID[aid]["name"],
                        "associationTypeId": str(aid)})
        out.sort(key=lambda a: (a["fromObjectType"], int(a["fromObjectId"]), a["toObjectType"],
                                int(a["toObjectId"]), int(a["associationTypeId"])))
        return out

    # -- request log and rate accounting ----------------------------------
    def log_ms(self):
        """Milliseconds since the request log was last cleared (monotonic)."""
        return round((time.monotonic() - self.log_epoch) * 1000.0, 3)

    def record_request(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            entry["arrived_ms"] = self.log_ms()
            self.requests.append(entry)
            now = time.monotonic()
            self.daily += 1
            enforce = self.config["enforce"]
            if enforce:
                # enforcement counts only the requests since the config was set
                window, interval, limit = enforce["window"], enforce["interval_ms"], enforce["max"]
            else:
                window, interval, limit = self.window, RATE_LIMIT_INTERVAL_MS, RATE_LIMIT_MAX
            window.append(now)
            while window and window[0] <= now - interval / 1000.0:
                window.popleft()
            rate = {"max": limit, "interval": interval, "in_window": len(window),
                    "remaining": max(0, limit - len(window)),
                    "daily_remaining": max(0, RATE_LIMIT_DAILY - self.daily)}
            return rate

    def plan_faults(self, method, path, body=""):
        """Advance fault counters for one API request and decide what happens.
        body: the request body as text, for body_contains."""
        with self.lock:
            c = self.config
            plan = {"delay_ms": 0, "action": None, "answer": None, "malformed": False,
                    "reset_mode": None, "drop_results": c["drop_results"],
                    "enforce": c["enforce"]}
            for d in c["delays"]:
                if match_ok(d["match"], method, path, body):
                    plan["delay_ms"] += d["ms"]
            fired_rules = []
            for r in c["rules"]:
                if match_ok(r["match"], method, path, body):
                    r["count"] += 1
                    if r["count"] % r["n"] == 0:
                        fired_rules.append(r)
            reset_fires = False
            if c["reset"] and match_ok(c["reset"]["match"], method, path, body):
                c["reset"]["count"] += 1
                reset_fires = c["reset"]["count"] % c["reset"]["n"] == 0
            if c["malformed"] and match_ok(c["malformed"]["match"], method, path, body):
                c["malformed"]["count"] += 1
                plan["malformed"] = c["malformed"]["count"] % c["malformed"]["n"] == 0
            if c["huge"]:
                plan["action"] = "huge"
                plan["answer"] = c["huge"]
                c["huge"] = None
                return plan
            if c["repeat"] and match_ok(c["repeat"]["match"], method, path, body):
                plan["action"] = "repeat"
                plan["answer"] = c["repeat"]
                c["repeat"] = None
                return plan
            for i, a in enumerate(c["fail_next"]):
                if match_ok(a["match"], method, path, body):
                    del c["fail_next"][i]
                    plan["action"] = "answer"
                    plan["answer"] = a
                    return plan
            if reset_fires:
                if c["reset"]["mode"] == "mid_response":
                    plan["reset_mode"] = "mid_response"
                else:
                    plan["action"] = "reset"
                    return plan
            if fired_rules:
                plan["action"] = "answer"
                plan["answer"] = fired_rules[0]
            return plan


# ---------------------------------------------------------------------------
# Request context and API implementation
# ---------------------------------------------------------------------------
class Ctx:
    def __init__(self, state, method, raw_path, segs, query, body_bytes, auth, cid, base_url):
        self.state = state
        self.method = method
        self.raw_path = raw_path
        self.segs = segs
        self.query = query
        self.body_bytes = body_bytes
        self.auth = auth
        self.cid = cid
        self.base_url = base_url
        self.drop_results = False

    # -- helpers ---------------------------------------------------------
    def q(self, name):
        v = self.query.get(name)
        if isinstance(v, list):
            return v[-1]
        return v

    def q_list(self, name):
        v = self.query.get(name)
        if v is None:
            return []
        vals = v if isinstance(v, list) else [v]
        out = []
        for x in vals:
            out.extend(s.strip() for s in x.split(",") if s.strip())
        return out

    def q_bool(self, name, default=False):
        v = self.q(name)
        if v is None:
            return default
        if v.lower() in ("true", "false"):
            return v.lower() == "true"
        raise validation_error('Invalid value "%s" for query parameter %s: expected true or false'
                               % (v, name))

    def q_int(self, name, default):
        v = self.q(name)
        if v is None or v == "":
            return default
        try:
            return int(v)
        except ValueError:
            raise validation_error('Invalid value "%s" for query parameter %s: expected an integer'
                                   % (v, name))

    def json_body(self):
        if not self.body_bytes:
            raise validation_error("Invalid input JSON: the request body is empty")
        try:
            return json.loads(self.body_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise validation_error("Invalid input JSON on line 1: %s" % e)

    def json_object_body(self):
        b = self.json_body()
        if not isinstance(b, dict):
            raise validation_error("Invalid input JSON: expected a JSON object")
        return b

    def require_write(self, tdef):
        if self.auth == "read-only":
            raise ApiError(
                403, "MISSING_SCOPES",
                "This app has not been granted all the scopes this call needs. See %s"
                % SCOPES_HELP,
                errors=[{"message": "One or more of the following scopes are required.",
                         "context": {"requiredScopes": [tdef.write_scope()]}}],
                links={"scopes": SCOPES_HELP})


def resolve_type(name):
    t = TYPE_BY_NAME.get(name)
    if t is None:
        raise validation_error("Unable to infer object type from: %s" % name)
    return t


def check_id_property(tdef, id_property):
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


def select_props(tdef, requested):
    """Names to output for a read: requested ones that exist (or the default set) + always."""
    names = [n for n in requested if n in tdef.props] if requested else list(tdef.defaults)
    wanted = set(names) | set(tdef.always)
    return [n for n in tdef.props if n in wanted]


def obj_json(state, tdef, rec, names=None, with_values_only=False, assoc_types=None,
             history=None, trace_id=None):
    if names is None:
        names = list(tdef.props)
    props = {}
    for n in names:
        v = state.value(tdef, rec, n)
        if v is None and with_values_only:
            continue
        props[n] = v
    o = {"id": rec["id"], "properties": props}
    if history:
        h = {}
        for n in history:
            if n in tdef.props:
                v = state.value(tdef, rec, n)
                h[n] = [] if v is None else [{"value": v, "timestamp": rec_iso(rec, "updated"),
                                              "sourceType": "API", "sourceId": "emulator"}]
        o["propertiesWithHistory"] = h
    o["createdAt"] = rec_iso(rec, "created")
    o["updatedAt"] = rec_iso(rec, "updated")
    o["archived"] = False
    if assoc_types:
        assocs = {}
        for at in assoc_types:
            lst = state.assocs_of(tdef.name, rec["id"], at)
            if lst:
                assocs[at] = {"results": [{"id": i, "type": a["name"]} for i, a in lst]}
        if assocs:
            o["associations"] = assocs
    if trace_id is not None:
        o["objectWriteTraceId"] = trace_id
    return o


def validate_properties(tdef, props, state, where="properties"):
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


def check_unique_conflicts(state, tdef, writes):
    """writes: list of (rec, values).  Raise 409 if a unique value would be duplicated."""
    uniq = state.unique[tdef.name]
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


def batch_times():
    now = iso_from_ms(int(time.time() * 1000))
    return now


def batch_response(results, errors, started):
    body = {"status": "COMPLETE", "results": results}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    body["startedAt"] = started
    body["completedAt"] = batch_times()
    return body


def std_error(category, message, context):
    return {"status": "error", "category": category, "message": message, "context": context,
            "errors": [], "links": {}}


def encode_cursor(next_id):
    return base64.b64encode(("o:%s" % next_id).encode()).decode()


def decode_cursor(after):
    try:
        s = base64.b64decode(after.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        s = ""
    if not s.startswith("o:") or not INT_RE.match(s[2:]):
        raise validation_error('Invalid paging cursor "after": %s' % after,
                               context={"after": [after]})
    return int(s[2:])


class Api:
    """Routes and implements the /crm/ API.  Every method runs under the state lock."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.state = ctx.state

    def route(self):
        c = self.ctx
        s = c.segs
        m = c.method
        if len(s) >= 3 and s[0] == "crm" and s[1] == "v3":
            if s[2] == "objects" and len(s) >= 4:
                return self.route_objects(s[3:], m)
            if s[2] == "properties" and len(s) in (4, 5):
                if m != "GET":
                    raise self.method_not_allowed()
                tdef = resolve_type(s[3])
                return self.properties(tdef, s[4] if len(s) == 5 else None)
            if s[2] == "associations" and len(s) in (6, 7):
                return self.route_associations(s[3:], m)
        raise self.unknown_route()

    def unknown_route(self):
        return ApiError(404, "OBJECT_NOT_FOUND",
                        "No API route matches %s %s" % (self.ctx.method, self.ctx.raw_path))

    def method_not_allowed(self, what=None):
        return ApiError(405, "METHOD_NOT_ALLOWED",
                        what or "Method %s is not allowed on %s" % (self.ctx.method,
                                                                      self.ctx.raw_path))

    def unsupported(self, tdef, op):
        if tdef.partner:
            msg = ("%s does not support %s: you can only retrieve and update existing %s "
                   "with this API" % (tdef.name, op, tdef.name.replace("_", " ")))
        else:
            msg = "The emulator does not implement %s for %s" % (op, tdef.name)
        raise ApiError(405, "METHOD_NOT_ALLOWED", msg)

    def route_objects(self, s, m):
        tdef = resolve_type(s[0])
        n = len(s)
        if n == 1:
            if m == "GET":
                return self.list_objects(tdef)
            if m == "POST":
                if tdef.partner:
                    self.unsupported(tdef, "create")
                return self.create_object(tdef)
            raise self.method_not_allowed()
        if n == 2 and s[1] == "search" and m == "POST":
            return self.search(tdef)
        if n == 3 and s[1] == "batch":
            if m != "POST":
                raise self.method_not_allowed()
            if s[2] == "read":
                return self.batch_read(tdef)
            if s[2] == "update":
                return self.batch_update(tdef)
            if s[2] in ("create", "archive", "upsert"):
                if tdef.partner:
                    self.unsupported(tdef, "batch/" + s[2])
                return getattr(self, "batch_" + s[2])(tdef)
            raise self.unknown_route()
        if n == 2:
            if m == "GET":
                return self.get_object(tdef, s[1])
            if m == "PATCH":
                return self.patch_object(tdef, s[1])
            if m == "DELETE":
                if tdef.partner:
                    self.unsupported(tdef, "archive")
                return self.delete_object(tdef, s[1])
            raise self.method_not_allowed()
        if n == 4 and s[2] == "associations":
            if m == "GET":
                return self.list_record_assocs(tdef, s[1], s[3])
            raise self.method_not_allowed()
        if n == 6 and s[2] == "associations":
            if m in ("PUT", "DELETE"):
                return self.record_assoc(tdef, s[1], s[3], s[4], s[5], m)
            raise self.method_not_allowed()
        raise self.unknown_route()

    # -- objects -----------------------------------------------------------
    def list_objects(self, tdef):
        c = self.ctx
        limit = c.q_int("limit", LIST_LIMIT_DEFAULT)
        if limit < 1 or limit > LIST_LIMIT_MAX:
            raise validation_error("limit must be between 1 and %d, got %d"
                                   % (LIST_LIMIT_MAX, limit), context={"limit": [str(limit)]})
        archived = c.q_bool("archived")
        names = select_props(tdef, c.q_list("properties"))
        history = c.q_list("propertiesWithHistory")
        assoc_types = [TYPE_BY_NAME[a].name for a in c.q_list("associations")
                       if a in TYPE_BY_NAME]
        after = c.q("after")
        start_id = decode_cursor(after) if after not in (None, "") else None
        ids = [] if archived else self.state.sorted_ids[tdef.name]
        start = 0
        if start_id is not None:
            start = bisect.bisect_left(self.state.sorted_keys[tdef.name], start_id)
        page = ids[start:start + limit]
        recs = self.state.records[tdef.name]
        body = {"results": [obj_json(self.state, tdef, recs[i], names, history=history,
                                     assoc_types=assoc_types) for i in page]}
        if len(ids) > start + limit:
            cur = encode_cursor(ids[start + limit])
            q = dict(c.query)
            q["after"] = cur
            body["paging"] = {"next": {"after": cur, "link": "%s%s?%s" % (
                c.base_url, c.raw_path, urlencode(q, doseq=True))}}
        return 200, body

    def get_object(self, tdef, oid):
        c = self.ctx
        idp = check_id_property(tdef, c.q("idProperty"))
        c.q_bool("archived")
        rec = self.state.lookup(tdef, oid, idp)
        if rec is None:
            raise not_found(oid)
        names = select_props(tdef, c.q_list("properties"))
        assoc_types = [TYPE_BY_NAME[a].name for a in c.q_list("associations")
                       if a in TYPE_BY_NAME]
        return 200, obj_json(self.state, tdef, rec, names, assoc_types=assoc_types,
                             history=c.q_list("propertiesWithHistory"))

    def patch_object(self, tdef, oid):
        c = self.ctx
        c.require_write(tdef)
        body = c.json_object_body()
        idp = check_id_property(tdef, c.q("idProperty"))
        if "properties" not in body:
            raise validation_error("Invalid input JSON: missing required field \"properties\"")
        values = validate_properties(tdef, body["properties"], self.state)
        rec = self.state.lookup(tdef, oid, idp)
        if rec is None:
            raise not_found(oid)
        check_unique_conflicts(self.state, tdef, [(rec, values)])
        self.state.apply(tdef, rec, values)
        return 200, obj_json(self.state, tdef, rec, with_values_only=True)

    def _inputs(self, body, limit, what="inputs"):
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise validation_error("Invalid input JSON: \"inputs\" must be an array")
        if len(inputs) > limit:
            raise validation_error("Too many inputs: %d. A batch may contain at most %d inputs."
                                   % (len(inputs), limit),
                                   context={"numInputs": [str(len(inputs))],
                                            "maxInputs": [str(limit)]})
        for i, inp in enumerate(inputs):
            if not isinstance(inp, dict):
                raise validation_error("Invalid input JSON: inputs[%d] must be an object" % i)
        return inputs

    @staticmethod
    def _id_of(inp, i, key="id"):
        v = inp.get(key)
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise validation_error("Invalid input JSON: inputs[%d].%s must be a string" % (i, key))
        return str(v)

    def batch_read(self, tdef):
        c = self.ctx
        body = c.json_object_body()
        started = batch_times()
        inputs = self._inputs(body, BATCH_INPUT_MAX)
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
        ids = [self._id_of(inp, i) for i, inp in enumerate(inputs)]
        if c.drop_results:
            return 200, batch_response([], None, started)
        names = select_props(tdef, [x for x in requested if isinstance(x, str)])
        results, missing, seen = [], [], set()
        for oid in ids:
            rec = self.state.lookup(tdef, oid, idp)
            if rec is None:
                if oid not in missing:
                    missing.append(oid)
                continue
            if rec["id"] in seen:
                continue
            seen.add(rec["id"])
            results.append(obj_json(self.state, tdef, rec, names, history=history))
        errors = None
        if missing:
            errors = [std_error("OBJECT_NOT_FOUND",
                                "Could not get some %s objects, they may be deleted or not exist."
                                " Check that ids are valid." % tdef.name, {"ids": missing})]
        return (207 if errors else 200), batch_response(results, errors, started)

    def _write_batch(self, tdef):
        """A write batch's start time and raw inputs, once the token may write."""
        c = self.ctx
        c.require_write(tdef)
        body = c.json_object_body()
        return batch_times(), self._inputs(body, BATCH_INPUT_MAX)

    @staticmethod
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

    def _keyed_inputs(self, tdef, inputs):
        """batch/update and batch/upsert inputs as [(id, idProperty, values, trace)].

        A repeated id fails the whole batch (400), before any value is checked."""
        parsed = []
        for i, inp in enumerate(inputs):
            oid = self._id_of(inp, i)
            props, trace = self._write_input(inp, i)
            parsed.append((oid, inp.get("idProperty") or None, props, trace))
        seen, dups = set(), []
        for oid, idp, _, _ in parsed:
            if (idp, oid) in seen and oid not in dups:
                dups.append(oid)
            seen.add((idp, oid))
        if dups:
            raise validation_error("Duplicate IDs found in batch input: [%s]. IDs must be unique"
                                   % ", ".join(dups), context={"ids": dups})
        return [(oid, check_id_property(tdef, idp), validate_properties(tdef, props, self.state),
                 trace) for oid, idp, props, trace in parsed]

    @staticmethod
    def _batch_answer(results, missing, message, started, status=200):
        """The answer of a write batch: results in reverse input order (clients must
        not rely on result order), and a 207 OBJECT_NOT_FOUND error naming the
        missing [(id, trace)] inputs, if any."""
        results.reverse()
        if not missing:
            return status, batch_response(results, None, started)
        ctx = {"ids": [oid for oid, _ in missing]}
        traces = [trace for _, trace in missing if trace is not None]
        if traces:
            ctx["objectWriteTraceId"] = traces
        return 207, batch_response(results, [std_error("OBJECT_NOT_FOUND", message, ctx)],
                                   started)

    def batch_update(self, tdef):
        c = self.ctx
        started, inputs = self._write_batch(tdef)
        checked = self._keyed_inputs(tdef, inputs)
        if c.drop_results:
            return 200, batch_response([], None, started)
        writes, missing = [], []
        for oid, idp, values, trace in checked:
            rec = self.state.lookup(tdef, oid, idp)
            if rec is None:
                missing.append((oid, trace))
            else:
                writes.append((rec, values, trace))
        check_unique_conflicts(self.state, tdef, [(r, v) for r, v, _ in writes])
        for rec, values, trace in writes:
            self.state.apply(tdef, rec, values)
        results = [obj_json(self.state, tdef, rec, with_values_only=True, trace_id=trace)
                   for rec, values, trace in writes]
        return self._batch_answer(results, missing,
                                  "Could not update some %s objects, they may be deleted or not "
                                  "exist. Check that ids are valid." % tdef.name, started)

    # -- create, upsert and archive (not for partner objects) ---------------
    def _create_inputs(self, tdef, inputs):
        """Validate batch/create inputs: [(values, trace)]; raises for the whole batch."""
        out = []
        for i, inp in enumerate(inputs):
            props, trace = self._write_input(inp, i)
            assocs = inp.get("associations", [])
            if not isinstance(assocs, list) or assocs:
                raise validation_error("Invalid input JSON: the emulator takes only an empty "
                                       "\"associations\" array in inputs[%d]" % i)
            values = validate_properties(tdef, props, self.state)
            out.append(({k: v for k, v in values.items() if v is not None}, trace))
        return out

    def _create(self, tdef, values, trace, new=None):
        """Store a new record; its result object (with "new" for upsert)."""
        o = obj_json(self.state, tdef, self.state.create(tdef, values), with_values_only=True,
                     trace_id=trace)
        if new is not None:
            o["new"] = new
        return o

    def create_object(self, tdef):
        c = self.ctx
        c.require_write(tdef)
        body = c.json_object_body()
        [(values, _)] = self._create_inputs(tdef, [body])
        check_unique_conflicts(self.state, tdef, [({"id": "(new)"}, values)])
        return 201, self._create(tdef, values, None)

    def batch_create(self, tdef):
        c = self.ctx
        started, inputs = self._write_batch(tdef)
        inputs = self._create_inputs(tdef, inputs)
        # a repeated unique value (in the batch or with a stored record): 409, nothing created
        check_unique_conflicts(self.state, tdef, [({"id": "(new %d)" % i}, v)
                                                  for i, (v, _) in enumerate(inputs)])
        if c.drop_results:
            return 201, batch_response([], None, started)
        results = [self._create(tdef, values, trace) for values, trace in inputs]
        return self._batch_answer(results, [], None, started, status=201)

    def batch_upsert(self, tdef):
        c = self.ctx
        started, inputs = self._write_batch(tdef)
        parsed = []
        for i, (oid, idp, values, trace) in enumerate(self._keyed_inputs(tdef, inputs)):
            if idp is not None:
                norm, err = check_value(tdef.props[idp], oid)
                if err:
                    raise property_issues_error([(idp, err[0], err[1])])
                if idp in values and values[idp] != norm:
                    raise validation_error("inputs[%d] sets %s to a value other than its id"
                                           % (i, idp))
                oid = norm
            parsed.append((oid, idp, values, trace))
        if c.drop_results:
            return 200, batch_response([], None, started)
        updates, creates, missing = [], [], []
        for oid, idp, values, trace in parsed:
            rec = self.state.lookup(tdef, oid, idp)
            if rec is not None:
                updates.append((rec, values, trace))
            elif idp is None:
                missing.append((oid, trace))
            else:
                new = {k: v for k, v in values.items() if v is not None}
                new[idp] = oid
                creates.append((new, trace))
        check_unique_conflicts(self.state, tdef, [(r, v) for r, v, _ in updates] +
                               [({"id": "(new %d)" % i}, v) for i, (v, _) in enumerate(creates)])
        results = []
        for rec, values, trace in updates:
            self.state.apply(tdef, rec, values)
            o = obj_json(self.state, tdef, rec, with_values_only=True, trace_id=trace)
            o["new"] = False
            results.append(o)
        results += [self._create(tdef, values, trace, new=True) for values, trace in creates]
        return self._batch_answer(results, missing,
                                  "Could not upsert some %s objects by record id, they may be "
                                  "deleted or not exist." % tdef.name, started)

    def batch_archive(self, tdef):
        c = self.ctx
        _, inputs = self._write_batch(tdef)
        ids = [self._id_of(inp, i) for i, inp in enumerate(inputs)]
        if c.drop_results:
            return 204, None
        for oid in ids:     # ids that do not exist (any more) are ignored
            rec = self.state.records[tdef.name].get(oid)
            if rec is not None:
                self.state.archive(tdef, rec)
        return 204, None

    def delete_object(self, tdef, oid):
        c = self.ctx
        c.require_write(tdef)
        rec = self.state.records[tdef.name].get(oid)
        if rec is None:
            raise not_found(oid)
        self.state.archive(tdef, rec)
        return 204, None

    # -- search ------------------------------------------------------------
    def search(self, tdef):
        c = self.ctx
        body = c.json_object_body()
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
            compiled.append([self._compile_filter(tdef, f) for f in filters])
        if total_filters > SEARCH_MAX_FILTERS_TOTAL:
            raise validation_error("Too many filters: %d (maximum %d)"
                                   % (total_filters, SEARCH_MAX_FILTERS_TOTAL))
        requested = body.get("properties") or []
        names = select_props(tdef, [x for x in requested if isinstance(x, str)])
        query = body.get("query")
        recs, ids = self.state.search_view(tdef.name)
        matched = []
        for oid in ids:
            rec = recs[oid]
            if compiled and not any(all(f(rec) for f in grp) for grp in compiled):
                continue
            if query and not self._query_match(tdef, rec, str(query)):
                continue
            matched.append(rec)
        matched = self._sort(tdef, matched, body.get("sorts") or [])
        page = matched[offset:offset + limit]
        out = {"total": len(matched),
               "results": [obj_json(self.state, tdef, r, names) for r in page]}
        if offset + limit < len(matched) and limit > 0:
            out["paging"] = {"next": {"after": str(offset + limit)}}
        return 200, out

    def _sort_key(self, tdef, name):
        p = tdef.props[name]

        def key(rec):
            v = self.state.value(tdef, rec, name)
            k = search_key(p, v)
            return (k is None, k if k is not None else 0)
        return key

    def _sort(self, tdef, recs, sorts):
        if not isinstance(sorts, list):
            raise validation_error("sorts must be an array")
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
            recs = sorted(recs, key=self._sort_key(tdef, name), reverse=desc)
        return recs

    def _query_match(self, tdef, rec, query):
        ql = query.lower()
        for n, p in tdef.props.items():
            if p["type"] == "string":
                v = self.state.value(tdef, rec, n)
                if v is not None and ql in v.lower():
                    return True
        return False

    def _compile_filter(self, tdef, f):
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
        state = self.state
        arg = fn(p, f)
        return lambda rec: arg(state.value(tdef, rec, name))

    # -- properties --------------------------------------------------------
    def properties(self, tdef, name):
        c = self.ctx
        archived = c.q_bool("archived")
        if name is not None:
            p = tdef.props.get(name)
            if p is None:
                raise ApiError(404, "OBJECT_NOT_FOUND",
                               "Unable to find property %s for object type %s"
                               % (name, tdef.name), context={"propertyName": [name]})
            return 200, property_json(p)
        if archived:
            return 200, {"results": []}
        wanted = c.q_list("properties")
        return 200, {"results": [property_json(p) for p in tdef.props.values()
                                 if not wanted or p["name"] in wanted]}

    # -- associations --------------------------------------------------------
    def _record(self, tdef, oid):
        rec = self.state.records[tdef.name].get(oid)
        if rec is None:
            raise not_found(oid)
        return rec

    def list_record_assocs(self, tdef, oid, to_type):
        c = self.ctx
        ttype = resolve_type(to_type)
        self._record(tdef, oid)
        limit = c.q_int("limit", ASSOC_LIST_LIMIT_DEFAULT)
        if limit < 1 or limit > ASSOC_LIST_LIMIT_MAX:
            raise validation_error("limit must be between 1 and %d" % ASSOC_LIST_LIMIT_MAX)
        after = c.q("after")
        offset = 0
        if after not in (None, ""):
            try:
                offset = int(base64.b64decode(after.encode(), validate=True).decode()[2:])
            except (ValueError, UnicodeDecodeError):
                raise validation_error('Invalid paging cursor "after": %s' % after)
        lst = self.state.assocs_of(tdef.name, oid, ttype.name)
        page = lst[offset:offset + limit]
        body = {"results": [{"id": i, "type": a["name"]} for i, a in page]}
        if offset + limit < len(lst):
            cur = base64.b64encode(("a:%d" % (offset + limit)).encode()).decode()
            q = dict(c.query)
            q["after"] = cur
            body["paging"] = {"next": {"after": cur, "link": "%s%s?%s" % (
                c.base_url, c.raw_path, urlencode(q, doseq=True))}}
        return 200, body

    def record_assoc(self, tdef, oid, to_type, to_id, atype_spec, method):
        c = self.ctx
        ttype = resolve_type(to_type)
        c.require_write(tdef)
        atype = find_assoc_type(tdef.name, ttype.name, atype_spec)
        if atype is None:
            raise self._bad_assoc_type(tdef.name, ttype.name, atype_spec)
        rec = self._record(tdef, oid)
        if self.state.records[ttype.name].get(to_id) is None:
            raise ApiError(404, "OBJECT_NOT_FOUND",
                           "No %s object with id %s exists" % (ttype.name, to_id),
                           context={"id": [to_id]})
        key = self.state.assoc_key(tdef.name, oid, ttype.name, to_id, atype)
        if method == "DELETE":
            self.state.assocs.pop(key, None)
            return 204, None
        self.state.assocs[key] = True
        names = select_props(tdef, [])
        return 200, obj_json(self.state, tdef, rec, names, assoc_types=[ttype.name])

    def _bad_assoc_type(self, ftype, ttype, spec):
        valid = assoc_types_between(ftype, ttype)
        return validation_error(
            '%s is not a valid association type between %s and %s. Valid types: [%s]'
            % (spec, ftype, ttype, ", ".join("%s (%d)" % (a["name"], a["id"]) for a in valid)),
            context={"associationType": [str(spec)]})

    def route_associations(self, s, m):
        ftype = resolve_type(s[0])
        ttype = resolve_type(s[1])
        if len(s) == 3 and s[2] == "types":
            if m != "GET":
                raise self.method_not_allowed()
            return 200, {"results": [{"id": str(a["id"]), "name": a["name"]}
                                     for a in assoc_types_between(ftype.name, ttype.name)]}
        if len(s) == 4 and s[2] == "batch" and s[3] in ("create", "read", "archive"):
            if m != "POST":
                raise self.method_not_allowed()
            if s[3] != "read":
                self.ctx.require_write(ftype)
            return self.assoc_batch(ftype, ttype, s[3])
        raise self.unknown_route()

    def assoc_batch(self, ftype, ttype, op):
        c = self.ctx
        body = c.json_object_body()
        started = batch_times()
        inputs = self._inputs(body, ASSOC_BATCH_INPUT_MAX)
        items = []
        for i, inp in enumerate(inputs):
            if op == "read":
                items.append((self._id_of(inp, i), None, None))
                continue
            fr, to = inp.get("from"), inp.get("to")
            if not isinstance(fr, dict) or not isinstance(to, dict):
                raise validation_error("Invalid input JSON: inputs[%d] needs from.id and to.id" % i)
            spec = inp.get("type")
            if not isinstance(spec, (str, int)) or isinstance(spec, bool):
                raise validation_error("Invalid input JSON: inputs[%d].type must be a string" % i)
            atype = find_assoc_type(ftype.name, ttype.name, str(spec))
            if atype is None:
                raise self._bad_assoc_type(ftype.name, ttype.name, spec)
            items.append((self._id_of(fr, i), self._id_of(to, i), atype))
        if c.drop_results:
            return 200, batch_response([], None, started)
        recs_f = self.state.records[ftype.name]
        recs_t = self.state.records[ttype.name]
        if op == "read":
            results, missing = [], []
            for fid, _, _ in items:
                if fid not in recs_f:
                    if fid not in missing:
                        missing.append(fid)
                    continue
                lst = self.state.assocs_of(ftype.name, fid, ttype.name)
                results.append({"from": {"id": fid},
                                "to": [{"id": i, "type": a["name"]} for i, a in lst]})
            errors = None
            if missing:
                errors = [std_error("OBJECT_NOT_FOUND", "No %s objects exist with ids: %s"
                                    % (ftype.name, ", ".join(missing)), {"ids": missing})]
            return (207 if errors else 200), batch_response(results, errors, started)
        if op == "archive":
            for fid, tid, atype in items:
                self.state.assocs.pop(self.state.assoc_key(ftype.name, fid, ttype.name, tid,
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
            key = self.state.assoc_key(ftype.name, fid, ttype.name, tid, atype)
            self.state.assocs[key] = True
            if (fid, tid, atype["id"]) not in seen:
                seen.add((fid, tid, atype["id"]))
                results.append({"from": {"id": fid}, "to": {"id": tid}, "type": atype["name"]})
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


def property_json(p):
    ts = "2023-01-01T00:00:00.000Z"
    return {
        "name": p["name"], "label": p["label"], "type": p["type"], "fieldType": p["fieldType"],
        "description": p["description"], "groupName": p["groupName"],
        "options": [dict(o) for o in p["options"]], "displayOrder": p["displayOrder"],
        "calculated": p["calculated"], "externalOptions": False,
        "hasUniqueValue": p["hasUniqueValue"], "hidden": p["hidden"], "hubspotDefined": True,
        "formField": not p["readOnly"], "dataSensitivity": "non_sensitive",
        "modificationMetadata": {"archivable": False, "readOnlyDefinition": True,
                                 "readOnlyOptions": p["type"] != "enumeration",
                                 "readOnlyValue": p["readOnly"]},
        "createdAt": ts, "updatedAt": ts, "archived": False,
    }


# -- search operators ---------------------------------------------------------
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
    return (0, v.lower())


def _op_needs(f, key):
    if key not in f or f[key] is None:
        raise validation_error('Filter on "%s" with operator %s needs "%s"'
                               % (f.get("propertyName"), f.get("operator"), key))
    return f[key]


def _cmp_op(test):
    def build(p, f):
        want = search_key(p, str(_op_needs(f, "value")))
        return lambda v: v is not None and test(search_key(p, v), want)
    return build


def _between(p, f):
    lo = search_key(p, str(_op_needs(f, "value")))
    hi = search_key(p, str(_op_needs(f, "highValue")))
    return lambda v: v is not None and lo <= search_key(p, v) <= hi


def _in_op(negate):
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


# ---------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------
class BodyError(Exception):
    pass


def parse_query(qs):
    out = {}
    for k, vals in parse_qs(qs, keep_blank_values=True).items():
        out[k] = vals[0] if len(vals) == 1 else vals
    return out


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, addr, handler, state, tokens, ro_tokens, latency_ms, verbose):
        super().__init__(addr, handler)
        self.state = state
        self.tokens = set(tokens)
        self.ro_tokens = set(ro_tokens) - self.tokens
        self.latency_ms = latency_ms
        self.verbose = verbose

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn(), which can stall on DNS.
        import socketserver
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "HubSpotEmulator/1.0"

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    # -- plumbing ----------------------------------------------------------
    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            parts = []
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BodyError("bad chunk size")
                if size == 0:
                    while True:
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                data = self.rfile.read(size)
                if len(data) != size:
                    raise BodyError("truncated chunk")
                parts.append(data)
                self.rfile.readline(3)
            return b"".join(parts)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
        except ValueError:
            raise BodyError("bad Content-Length")
        if n < 0:
            raise BodyError("bad Content-Length")
        data = self.rfile.read(n)
        if len(data) != n:
            raise BodyError("truncated body")
        return data

    def send_bytes(self, status, body, cid, headers=None, rate=None, head_only_len=None):
        hdrs = collections.OrderedDict()
        hdrs["Content-Type"] = JSON_CT
        hdrs["X-HubSpot-Correlation-Id"] = cid
        if rate is not None:
            hdrs["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(rate["interval"])
            hdrs["X-HubSpot-RateLimit-Max"] = str(rate["max"])
            hdrs["X-HubSpot-RateLimit-Remaining"] = str(rate["remaining"])
            hdrs["X-HubSpot-RateLimit-Daily"] = str(RATE_LIMIT_DAILY)
            hdrs["X-HubSpot-RateLimit-Daily-Remaining"] = str(rate["daily_remaining"])
        lower = {k.lower(): k for k in hdrs}
        for k, v in (headers or {}).items():
            if k.lower() in lower:
                del hdrs[lower[k.lower()]]
            hdrs[k] = v
            lower[k.lower()] = k
        self.send_response(status)
        for k, v in hdrs.items():
            if k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if head_only_len is None
                                               else head_only_len))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def abort_connection(self):
        """Make the socket close without (the rest of) an answer."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True

    def dispatch(self):
        cid = str(uuid.uuid4())
        try:
            body = self.read_body()
        except BodyError as e:
            self.close_connection = True
            err = validation_error("Invalid request body: %s" % e)
            self.send_bytes(400, dumps(err.body(cid)), cid)
            return
        raw_path, _, qs = self.path.partition("?")
        try:
            if raw_path.startswith("/_emulator/") or raw_path == "/_emulator":
                self.control(raw_path, qs, body, cid)
            else:
                self.api(raw_path, qs, body, cid)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- control endpoints -------------------------------------------------
    def control(self, raw_path, qs, body, cid):
        st = self.server.state
        segs = [unquote(s) for s in raw_path.split("/")[2:]]
        if segs and segs[-1] == "":
            segs = segs[:-1]
        m = self.command
        status, out = 200, None
        with st.lock:
            if segs == ["reset"] and m == "POST":
                st.reset()
                out = {"status": "ok"}
            elif segs == ["clear"] and m == "POST":
                st.requests = []
                st.seq = 0
                st.log_epoch = time.monotonic()
                st.stats = new_stats()
                out = {"status": "ok"}
            elif segs == ["stats"] and m == "GET":
                out = stats_json(st.stats, self.server.latency_ms)
            elif segs == ["requests"] and m == "GET":
                out = {"requests": json.loads(json.dumps(st.requests))}
            elif segs == ["config"] and m == "POST":
                try:
                    cfg = json.loads(body.decode("utf-8")) if body.strip() else {}
                    st.config = compile_config(cfg)
                    if st.config["search_stale"]:
                        st.snapshot_search_index()
                    else:
                        st.search_snapshot = None
                    out = {"status": "ok", "config": cfg}
                except (ValueError, UnicodeDecodeError, ConfigError) as e:
                    status, out = 400, {"status": "error", "message": "bad config: %s" % e,
                                        "correlationId": cid, "category": "VALIDATION_ERROR"}
            elif segs == ["config"] and m == "GET":
                out = {"config": st.config["raw"]}
            elif segs == ["associations"] and m == "GET":
                out = {"results": st.assoc_list()}
            elif segs == ["bulk"] and m == "POST":
                try:
                    out = bulk_create(st, json.loads(body.decode("utf-8")))
                except (ValueError, UnicodeDecodeError, ConfigError) as e:
                    status, out = 400, {"status": "error", "message": "bad bulk request: %s" % e,
                                        "correlationId": cid, "category": "VALIDATION_ERROR"}
            elif len(segs) == 3 and segs[0] == "objects" and m == "GET":
                tdef = TYPE_BY_NAME.get(segs[1])
                rec = st.records[tdef.name].get(segs[2]) if tdef else None
                if rec is None:
                    status, out = 404, {"status": "error", "correlationId": cid,
                                        "message": "no such object %s/%s" % (segs[1], segs[2]),
                                        "category": "OBJECT_NOT_FOUND"}
                else:
                    out = obj_json(st, tdef, rec)
            elif segs == ["health"] and m == "GET":
                out = {"status": "ok"}
            else:
                status, out = 404, {"status": "error", "correlationId": cid,
                                    "message": "unknown control endpoint %s %s" % (m, raw_path),
                                    "category": "OBJECT_NOT_FOUND"}
        self.send_bytes(status, dumps(out), cid)

    # -- API requests -----------------------------------------------------
    def classify_auth(self):
        h = self.headers.get("Authorization")
        if h is None:
            return "missing"
        scheme, _, token = h.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return "invalid"
        if token in self.server.tokens:
            return "valid"
        if token in self.server.ro_tokens:
            return "read-only"
        return "invalid"

    def api(self, raw_path, qs, body, cid):
        """Answer one API request, counting it in the load statistics: its
        service time is its time here minus the sleep it was told to take."""
        st = self.server.state
        t0 = time.perf_counter()
        self.slept = 0.0
        with st.lock:
            s = st.stats
            s["api_requests"] += 1
            if getattr(self, "counted_in", None) is not s:    # first request since clear
                self.counted_in = s
                s["api_connections"] += 1
            s["in_flight"] += 1
            s["max_in_flight"] = max(s["max_in_flight"], s["in_flight"])
        try:
            self.api_answer(raw_path, qs, body, cid)
        finally:
            took = max(0.0, time.perf_counter() - t0 - self.slept)
            with st.lock:
                s = st.stats
                s["in_flight"] = max(0, s["in_flight"] - 1)
                s["service_s_total"] += took
                s["service_s_max"] = max(s["service_s_max"], took)

    def api_answer(self, raw_path, qs, body, cid):
        st = self.server.state
        query = parse_query(qs)
        auth = self.classify_auth()
        entry = collections.OrderedDict()
        entry["seq"] = 0
        entry["method"] = self.command
        entry["path"] = raw_path
        entry["query"] = query
        if body:
            try:
                entry["body"] = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                entry["body"] = None
                entry["raw_body"] = body.decode("utf-8", errors="replace")
        else:
            entry["body"] = None
        entry["status"] = None
        entry["auth"] = auth
        entry["user_agent"] = self.headers.get("User-Agent")
        entry["content_type"] = self.headers.get("Content-Type")
        entry["arrived_ms"] = None
        entry["answered_ms"] = None
        rate = st.record_request(entry)
        plan = st.plan_faults(self.command, raw_path,
                              body.decode("utf-8", errors="replace") if body else "")
        delay = self.server.latency_ms + plan["delay_ms"]
        if delay > 0:
            t_sleep = time.perf_counter()
            time.sleep(delay / 1000.0)
            self.slept = time.perf_counter() - t_sleep

        def set_status(s, fault=None):
            # stamped before the answer is sent: the client's next request
            # after this answer always arrives later
            with st.lock:
                entry["answered_ms"] = st.log_ms()
                entry["status"] = s
                if fault:
                    entry["fault"] = fault

        action = plan["action"]
        if action == "huge":
            n = plan["answer"]
            set_status(200, "huge_body")
            self.send_huge(n, cid, rate)
            return
        if action == "repeat":
            a = plan["answer"]
            set_status(a["status"], "raw_repeat")
            self.send_bytes(a["status"], repeat_body(a), cid, a["headers"], dict(rate))
            return
        if action == "reset":
            set_status(None, "reset_connection")
            self.abort_connection()
            return
        if action == "answer":
            a = plan["answer"]
            status = a["status"]
            hdrs = dict(a["headers"])
            r = dict(rate)
            if a["echo_authorization"]:
                echo = self.headers.get("Authorization", "")
                hdrs = {k: v.replace("{authorization}", echo) for k, v in hdrs.items()}
            if "raw" in a:
                raw = a["raw"]
                if a["echo_authorization"]:
                    raw = raw.replace("{authorization}", echo)
                payload = raw.encode("utf-8")
            elif "body" in a:
                payload = dumps(a["body"])
            elif status == 429:
                payload = dumps(rate_limit_body(a["policy"], cid))
            else:
                payload = dumps(default_error_body(status, cid))
            if status == 429:
                r["remaining"] = 0
                if a["policy"] == "DAILY":
                    r["daily_remaining"] = 0
                if "retry_after" in a:
                    hdrs.setdefault("Retry-After", str(a["retry_after"]))
            if status in (204, 304):
                payload = b""
            set_status(status, "injected")
            self.send_bytes(status, payload, cid, hdrs, r)
            return
        if plan["enforce"] and rate["in_window"] > plan["enforce"]["max"]:
            r = dict(rate)
            r["remaining"] = 0
            set_status(429, "rate_limited")
            self.send_bytes(429, dumps(rate_limit_body("TEN_SECONDLY_ROLLING", cid)), cid, None, r)
            return

        status, payload = self.run_api(raw_path, query, body, auth, cid, plan)
        fault = None
        if plan["malformed"]:
            text = payload if payload else b'{"status":"COMPLETE","results":[{"id":"1"}]}'
            cut = max(1, min(len(text) - 1, len(text) // 2))
            payload = text[:cut]
            status = 200
            fault = "malformed_json"
        if plan["reset_mode"] == "mid_response":
            set_status(status, "reset_mid_response")
            full = len(payload)
            part = payload[:max(0, full // 2)]
            self.send_bytes(status, part, cid, None, rate, head_only_len=max(full, 2))
            self.abort_connection()
            return
        set_status(status, fault)
        self.send_bytes(status, payload, cid, None, rate)

    def run_api(self, raw_path, query, body, auth, cid, plan):
        st = self.server.state
        segs = [unquote(s) for s in raw_path.split("/")[1:]]
        if segs and segs[-1] == "":
            segs = segs[:-1]
        host = "127.0.0.1:%d" % self.server.server_address[1]
        ctx = Ctx(st, self.command, raw_path, segs, query, body, auth, cid, "http://" + host)
        ctx.drop_results = plan["drop_results"]
        try:
            if not raw_path.startswith("/crm/"):
                raise ApiError(404, "OBJECT_NOT_FOUND",
                               "No API route matches %s %s" % (self.command, raw_path))
            if auth not in ("valid", "read-only"):
                raise ApiError(401, "INVALID_AUTHENTICATION",
                               "Authentication credentials not found. This API supports OAuth 2.0 "
                               "authentication and you can find more details at %s" % AUTH_HELP)
            with st.lock:
                status, obj = Api(ctx).route()
        except ApiError as e:
            return e.status, dumps(e.body(cid))
        except Exception:   # an emulator bug: answer 500 and say so on stderr
            import traceback
            traceback.print_exc()
            return 500, dumps(default_error_body(500, cid))
        return status, (dumps(obj) if obj is not None else b"")

    def send_huge(self, n, cid, rate):
        head = b'{"status":"COMPLETE","results":[],"filler":"'
        tail = b'"}'
        pad = n - len(head) - len(tail)
        if pad < 0:
            body = b'{"results":[]}'
            body = body + b" " * max(0, n - len(body))
            self.send_bytes(200, body, cid, None, rate)
            return
        self.send_bytes(200, b"", cid, None, rate, head_only_len=n)
        self.wfile.write(head)
        chunk = b"x" * 65536
        while pad > 0:
            k = min(pad, len(chunk))
            self.wfile.write(chunk[:k])
            pad -= k
        self.wfile.write(tail)


def bulk_create(st, spec):
    """Control endpoint: create many records at once, without requests.

    spec: {"type": T, "count": N, "properties": {name: template}}; "{n}" in a
    template becomes 1..N.  Values are stored as given (not validated)."""
    if not isinstance(spec, dict):
        raise ConfigError("the body must be a JSON object")
    tdef = TYPE_BY_NAME.get(spec.get("type"))
    if tdef is None:
        raise ConfigError("unknown type %r" % spec.get("type"))
    count = _int(spec.get("count"), "count", 1)
    templates = spec.get("properties", {})
    if not isinstance(templates, dict) or \
            any(k not in tdef.props or not isinstance(v, str) for k, v in templates.items()):
        raise ConfigError("properties must map properties of %s to strings" % tdef.name)
    first = None
    for n in range(1, count + 1):
        values = {k: v.replace("{n}", str(n)) for k, v in templates.items()}
        rec = st.create(tdef, values)
        first = first or rec["id"]
    return {"type": tdef.name, "created": count, "first_id": first, "last_id": rec["id"]}


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description="HubSpot CRM v3 API emulator")
    ap.add_argument("--port", type=int, default=0, help="TCP port (0 = pick a free one)")
    ap.add_argument("--port-file", help="write the chosen port to this file once listening")
    ap.add_argument("--token", action="append", default=None,
                    help="valid bearer token with all scopes (repeatable; default test-token)")
    ap.add_argument("--read-only-token", action="append", default=[],
                    help="valid bearer token without write scopes (repeatable)")
    ap.add_argument("--latency-ms", type=int, default=0, help="sleep before every API answer")
    ap.add_argument("--seed-count", type=int, default=300, help="records per partner type")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)
    tokens = args.token if args.token else ["test-token"]
    state = State(max(0, args.seed_count))
    httpd = Server(("127.0.0.1", args.port), Handler, state, tokens, args.read_only_token,
                   max(0, args.latency_ms), args.verbose)
    port = httpd.server_address[1]
    if args.port_file:
        d = os.path.dirname(os.path.abspath(args.port_file))
        fd, tmp = tempfile.mkstemp(prefix=".port.", dir=d)
        with os.fdopen(fd, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    sys.stdout.write("listening on http://127.0.0.1:%d\n" % port)
    sys.stdout.flush()

    def on_term(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_term)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
