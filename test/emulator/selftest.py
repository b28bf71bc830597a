#!/usr/bin/python3
"""Self test of hubspot_emulator.py and its package hsemu/ (standard library only).

Starts the emulator on a free port, exercises every endpoint and fault mode,
checks the answers' shapes (and, when the HubSpot OpenAPI specs are found,
validates them against the spec schemas), and ends with "N passed, N failed".
Set HUBSPOT_OPENAPI_DIR to point at the specs (default: shared/hubspot-openapi
beside the repository, where test/run_tests.sh finds the other shared
inputs); without them the schema checks are skipped.
"""

import ast
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "hubspot_emulator.py")
EMU_CTL = os.path.join(HERE, "emu_ctl.py")
PY = sys.executable or "/usr/bin/python3"
REPO = os.path.dirname(os.path.dirname(HERE))
SPEC_DIR = os.environ.get("HUBSPOT_OPENAPI_DIR",
                          os.path.join(REPO, "..", "shared", "hubspot-openapi"))
TOKEN = "selftest-token"
RO_TOKEN = "selftest-ro"
CLIENT_ID = "selftest-client"
CLIENT_SECRET = "selftest-client-secret"
REFRESH_TOKEN = "selftest-refresh-token"

PASSED = 0
FAILED = 0
FAILURES = []
CURRENT = [""]


def check(cond, msg):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        FAILURES.append("%s: %s" % (CURRENT[0], msg))
        sys.stderr.write("FAIL %s: %s\n" % (CURRENT[0], msg))
    return cond


def eq(actual, expected, msg):
    return check(actual == expected, "%s: expected %r, got %r" % (msg, expected, actual))


# ---------------------------------------------------------------------------
# Mini OpenAPI schema validator
# ---------------------------------------------------------------------------
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Specs:
    def __init__(self, root):
        self.comps = {}
        self.ok = False
        files = {"v3/partnerClients.json": "pc", "v3/objects.json": "obj",
                 "v3/properties.json": "props",
                 "v3/associations.json": "assoc", "v3/associationsSchema.json": "assocschema",
                 "v4/associations.json": "assoc4"}
        try:
            for f, key in files.items():
                with open(os.path.join(root, f)) as fh:
                    self.comps[key] = json.load(fh)["components"]["schemas"]
            self.ok = True
        except (OSError, ValueError, KeyError):
            self.ok = False

    def errors(self, spec, name, value):
        if not self.ok:
            return []
        out = []
        self._v(self.comps[spec], self.comps[spec][name], value, name, out, False)
        return out

    def _v(self, comps, schema, value, path, out, in_map):
        if "$ref" in schema:
            ref = schema["$ref"].split("/")[-1]
            return self._v(comps, comps[ref], value, path, out, in_map)
        t = schema.get("type")
        if value is None:
            # HubSpot returns JSON null for requested properties without a value.
            if not (in_map and t == "string"):
                out.append("%s: null not allowed" % path)
            return
        if t == "object" or "properties" in schema:
            if not isinstance(value, dict):
                out.append("%s: expected object" % path)
                return
            for r in schema.get("required", []):
                if r not in value:
                    out.append("%s: missing required %s" % (path, r))
            props = schema.get("properties", {})
            addl = schema.get("additionalProperties")
            for k, v in value.items():
                if k in props:
                    self._v(comps, props[k], v, path + "." + k, out, False)
                elif isinstance(addl, dict):
                    self._v(comps, addl, v, path + "." + k, out, True)
        elif t == "array":
            if not isinstance(value, list):
                out.append("%s: expected array" % path)
                return
            for i, v in enumerate(value):
                self._v(comps, schema.get("items", {}), v, "%s[%d]" % (path, i), out, False)
        elif t == "string":
            if not isinstance(value, str):
                out.append("%s: expected string, got %r" % (path, value))
                return
            if "enum" in schema and value not in schema["enum"]:
                out.append("%s: %r not in enum" % (path, value))
            if schema.get("format") == "date-time" and not ISO_RE.match(value):
                out.append("%s: not ISO 8601: %r" % (path, value))
            if schema.get("format") == "uuid" and not UUID_RE.match(value):
                out.append("%s: not a uuid: %r" % (path, value))
        elif t == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                out.append("%s: expected integer" % path)
        elif t == "boolean":
            if not isinstance(value, bool):
                out.append("%s: expected boolean" % path)


SPECS = Specs(SPEC_DIR)


def schema(spec, name, value, what=""):
    errs = SPECS.errors(spec, name, value)
    check(not errs, "%s does not match %s: %s" % (what or name, name, errs[:5]))


def error_shape(resp, status, category, what=""):
    eq(resp.status, status, what + " status")
    b = resp.json
    if not check(isinstance(b, dict), what + " error body is JSON object"):
        return
    eq(b.get("status"), "error", what + " body.status")
    eq(b.get("category"), category, what + " category")
    check(isinstance(b.get("message"), str) and b["message"], what + " has message")
    eq(b.get("correlationId"), resp.headers.get("x-hubspot-correlation-id"),
       what + " correlationId equals header")
    schema("pc", "Error", b, what + " error")


# ---------------------------------------------------------------------------
# HTTP client (keep-alive)
# ---------------------------------------------------------------------------
class Resp:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            self.json = None


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def req(self, method, path, body=None, token=TOKEN, headers=None, raw_body=None,
            chunked=False):
        h = {"User-Agent": "selftest/1.0"}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            try:
                if chunked:
                    self.conn.request(method, path, body=iter([data[:5], data[5:]]), headers=h,
                                      encode_chunked=True)
                else:
                    self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                raw = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    self.close()
                return Resp(r.status, hdrs, raw)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise

    def raw_attempt(self, method, path, body=None, token=TOKEN):
        """One request on a fresh connection; returns Resp or the exception raised."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = {"Authorization": "Bearer " + token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, raw)
        except (http.client.HTTPException, OSError) as e:
            return e
        finally:
            conn.close()


def ctl(base, *args, stdin=None):
    p = subprocess.run([PY, EMU_CTL, base] + list(args), capture_output=True, text=True,
                       input=stdin, timeout=30)
    return p.returncode, p.stdout, p.stderr


def start_emulator(extra):
    d = tempfile.mkdtemp(prefix="hsemu.")
    port_file = os.path.join(d, "port")
    p = subprocess.Popen([PY, EMULATOR, "--port", "0", "--port-file", port_file] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                txt = f.read().strip()
            if txt:
                line = p.stdout.readline().strip()
                return p, int(txt), line
        if p.poll() is not None:
            raise RuntimeError("emulator exited: %s" % p.stderr.read())
        time.sleep(0.02)
    p.kill()
    raise RuntimeError("emulator did not start")


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


PC = "/crm/v3/objects/partner_clients"
PS = "/crm/v3/objects/partner_services"


def reset(c):
    c.req("POST", "/_emulator/reset", raw_body=b"")


def config(c, cfg):
    r = c.req("POST", "/_emulator/config", body=cfg)
    eq(r.status, 200, "config accepted %s" % json.dumps(cfg)[:60])


def log(c):
    return c.req("GET", "/_emulator/requests").json["requests"]


@test
def t_headers_and_list(c, env):
    r = c.req("GET", PC)
    eq(r.status, 200, "list status")
    eq(r.headers.get("content-type"), "application/json;charset=utf-8", "content type")
    check(UUID_RE.match(r.headers.get("x-hubspot-correlation-id", "")), "correlation id uuid4")
    for h in ("x-hubspot-ratelimit-interval-milliseconds", "x-hubspot-ratelimit-max",
              "x-hubspot-ratelimit-remaining", "x-hubspot-ratelimit-daily",
              "x-hubspot-ratelimit-daily-remaining"):
        check(h in r.headers, "header %s present" % h)
    eq(r.headers.get("x-hubspot-ratelimit-interval-milliseconds"), "10000", "interval header")
    eq(r.headers.get("x-hubspot-ratelimit-max"), "100", "max header")
    rem1 = int(r.headers["x-hubspot-ratelimit-remaining"])
    r2 = c.req("GET", PC)
    check(int(r2.headers["x-hubspot-ratelimit-remaining"]) == rem1 - 1, "remaining decrements")
    b = r.json
    schema("pc", "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging", b, "list")
    eq(len(b["results"]), 10, "default limit 10")
    eq([o["id"] for o in b["results"]], [str(i) for i in range(501, 511)], "first page ids")
    eq(set(b["results"][0]["properties"]),
       {"hs_name", "hs_object_id", "hs_createdate", "hs_lastmodifieddate"}, "default properties")
    eq(b["results"][0]["properties"]["hs_name"], "Client 501", "hs_name value")
    eq(b["results"][0]["archived"], False, "archived false")
    nxt = b["paging"]["next"]
    check(nxt["after"] not in ("510", "511"), "cursor is not the id")
    check(nxt["link"].startswith("http://127.0.0.1:%d/crm/v3/objects/partner_clients?"
                                 % env["port"]), "paging link")


@test
def t_list_walk_and_params(c, env):
    ids, after, pages = [], None, 0
    while True:
        q = "?limit=100&properties=hs_tier,hs_country&properties=hs_score"
        if after:
            q += "&after=" + after.replace("=", "%3D")
        r = c.req("GET", PC + q)
        if not eq(r.status, 200, "walk page status"):
            return
        pages += 1
        ids += [o["id"] for o in r.json["results"]]
        if "paging" not in r.json:
            break
        after = r.json["paging"]["next"]["after"]
    eq(pages, 3, "300 records in 3 pages of 100")
    eq(ids, [str(i) for i in range(501, 801)], "all ids in order")
    r = c.req("GET", PC + "?limit=3&after=" + after.replace("=", "%3D"))
    eq(r.status, 200, "cursor reusable")
    r = c.req("GET", PC + "?limit=1&properties=hs_tier,hs_country&properties=hs_score,nope")
    p = r.json["results"][0]["properties"]
    eq(set(p), {"hs_tier", "hs_country", "hs_score", "hs_object_id", "hs_createdate",
                "hs_lastmodifieddate"}, "comma + repeated properties, unknown ignored")
    eq((p["hs_tier"], p["hs_country"], p["hs_score"]), ("gold", "US", "1"), "seed values 501")
    r = c.req("GET", PC + "?limit=4&after=" + r.json["paging"]["next"]["after"]
              + "&properties=hs_regions,hs_last_review,hs_active,hs_signup_date")
    res = r.json["results"]
    eq([o["id"] for o in res], ["502", "503", "504", "505"], "after resumes at next id")
    eq(res[2]["properties"]["hs_regions"], None, "unset property is null")
    eq(res[0]["properties"]["hs_last_review"], None, "odd index has no last review")
    eq(res[1]["properties"]["hs_last_review"], "2024-03-01T12:36:56.789Z", "datetime seed")
    eq(res[0]["properties"]["hs_active"], "false", "bool alternates")
    eq(res[0]["properties"]["hs_signup_date"], str(1704067200000 + (502 % 365) * 86400000),
       "date seed")
    r = c.req("GET", PC + "?limit=1&after=751")
    error_shape(r, 400, "VALIDATION_ERROR", "raw id as cursor")
    r = c.req("GET", PC + "?limit=101")
    error_shape(r, 400, "VALIDATION_ERROR", "limit 101")
    r = c.req("GET", PC + "?limit=0")
    error_shape(r, 400, "VALIDATION_ERROR", "limit 0")
    r = c.req("GET", PC + "?limit=100&after=" + after.replace("=", "%3D"))
    eq(len(r.json["results"]), 100, "limit 100 allowed")
    r = c.req("GET", PC + "?limit=5&properties=hs_tier&after=" + "bzo3NTE%3D")
    eq([o["properties"]["hs_tier"] for o in r.json["results"]], ["silver"] * 5,
       "ids >= 751 are silver")
    r = c.req("GET", PC + "?archived=true")
    eq(r.json["results"], [], "archived=true lists nothing")
    r = c.req("GET", PS + "?limit=2&properties=hs_status,hs_price,hs_external_key")
    eq(r.json["results"][0]["properties"]["hs_external_key"], "PS-3001", "service key")
    eq(r.json["results"][0]["properties"]["hs_status"], "active", "service status")
    r = c.req("GET", "/crm/v3/objects/contacts?limit=100")
    eq([o["id"] for o in r.json["results"]], ["1001", "1002", "1003", "1004", "1005"], "contacts")
    r = c.req("GET", "/crm/v3/objects/companies")
    eq(len(r.json["results"]), 5, "companies")
    r = c.req("GET", PC + "?limit=1&associations=contacts,companies")
    eq(r.json["results"][0].get("associations", {}).get("contacts"),
       {"results": [{"id": "1001", "type": "partner_client_to_contact"}]},
       "list with associations")


@test
def t_get_by_id(c, env):
    r = c.req("GET", PC + "/777?properties=hs_tier,hs_external_key")
    eq(r.status, 200, "get 777")
    schema("pc", "SimplePublicObjectWithAssociations", r.json, "get")
    eq(r.json["properties"]["hs_tier"], "silver", "777 silver")
    r = c.req("GET", PC + "/PC-777?idProperty=hs_external_key&properties=hs_name")
    eq((r.status, r.json["id"]), (200, "777"), "get by idProperty")
    r = c.req("GET", PC + "/999")
    error_shape(r, 404, "OBJECT_NOT_FOUND", "missing id")
    eq(r.json.get("context"), {"id": ["999"]}, "not found context")
    r = c.req("GET", PC + "/501?idProperty=hs_object_id")
    error_shape(r, 400, "VALIDATION_ERROR", "idProperty hs_object_id refused")
    r = c.req("GET", PC + "/x?idProperty=hs_name")
    error_shape(r, 400, "VALIDATION_ERROR", "non-unique idProperty refused")
    r = c.req("GET", "/crm/v3/objects/foo/1")
    error_shape(r, 400, "VALIDATION_ERROR", "unknown object type")
    check("Unable to infer object type from: foo" in r.json["message"], "unknown type message")
    r = c.req("GET", "/crm/v3/objects/contact/1001?properties=email")
    eq(r.json["properties"].get("email"), "contact1001@example.com", "contact alias + email")


@test
def t_patch(c, env):
    before = c.req("GET", PC + "/520?properties=hs_score").json
    r = c.req("PATCH", PC + "/520", {"properties": {"hs_score": "42.5", "hs_active": "false",
                                                    "hs_tier": "bronze",
                                                    "hs_signup_date": "1572480000000",
                                                    "hs_regions": "emea;apac",
                                                    "hs_last_review": "2024-05-01T10:00:00Z",
                                                    "hs_name": "Ünïcode ☃ \"q\""}})
    eq(r.status, 200, "patch ok")
    schema("pc", "SimplePublicObject", r.json, "patch result")
    p = r.json["properties"]
    eq(p.get("hs_score"), "42.5", "number stored")
    eq(p.get("hs_last_review"), "2024-05-01T10:00:00.000Z", "datetime normalized")
    eq(p.get("hs_name"), "Ünïcode ☃ \"q\"", "unicode round trip")
    check(None not in p.values(), "patch result has only properties with values")
    check("hs_country" in p and "hs_external_key" in p, "patch result has all properties")
    check(r.json["updatedAt"] > before["updatedAt"], "updatedAt advanced")
    eq(p["hs_lastmodifieddate"], r.json["updatedAt"], "lastmodified = updatedAt")
    r = c.req("PATCH", PC + "/520", {"properties": {"hs_score": ""}})
    check("hs_score" not in r.json["properties"], "cleared value absent from patch result")
    r = c.req("GET", PC + "/520?properties=hs_score")
    eq(r.json["properties"]["hs_score"], None, "cleared value reads back null")
    r = c.req("PATCH", PC + "/520", {"properties": {"foo": "x", "hs_tier": "gold"}})
    error_shape(r, 400, "VALIDATION_ERROR", "unknown property")
    msg = r.json["message"]
    check(msg.startswith("Property values were not valid: ["), "property message prefix")
    listed = json.loads(msg[len("Property values were not valid: "):])
    eq(listed, [{"isValid": False, "message": 'Property "foo" does not exist',
                 "error": "PROPERTY_DOESNT_EXIST", "name": "foo"}], "embedded JSON list")
    eq(r.json.get("errors"), [{"message": 'Property "foo" does not exist',
                               "code": "PROPERTY_DOESNT_EXIST",
                               "context": {"propertyName": ["foo"]}}], "errors[]")
    eq(c.req("GET", PC + "/520?properties=hs_tier").json["properties"]["hs_tier"], "bronze",
       "failed patch applied nothing")
    cases = [({"hs_createdate": "2020-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
             ({"hs_object_id": "5"}, "READ_ONLY_VALUE"),
             ({"hs_score": "12abc"}, "INVALID_INTEGER"),
             ({"hs_active": "yes"}, "INVALID_OPTION"),
             ({"hs_signup_date": "1572480000001"}, "INVALID_DATE"),
             ({"hs_signup_date": "2024-01-01"}, "INVALID_DATE"),
             ({"hs_tier": "platinum"}, "INVALID_OPTION"),
             ({"hs_regions": "emea;mars"}, "INVALID_OPTION"),
             ({"hs_last_review": "yesterday"}, "INVALID_DATETIME")]
    for props, code in cases:
        r = c.req("PATCH", PC + "/520", {"properties": props})
        error_shape(r, 400, "VALIDATION_ERROR", "invalid %s" % props)
        name = list(props)[0]
        eq((r.json.get("errors") or [{}])[0].get("code"), code, "code for %s" % props)
        eq((r.json.get("errors") or [{}])[0].get("context"), {"propertyName": [name]},
           "property named for %s" % props)
    for bad in (None, 5, True, ["a"]):
        r = c.req("PATCH", PC + "/520", {"properties": {"hs_name": bad}})
        error_shape(r, 400, "VALIDATION_ERROR", "non-string value %r" % (bad,))
    r = c.req("PATCH", PC + "/999", {"properties": {"hs_name": "x"}})
    error_shape(r, 404, "OBJECT_NOT_FOUND", "patch missing id")
    r = c.req("PATCH", PC + "/PC-521?idProperty=hs_external_key", {"properties": {"hs_country": "IT"}})
    eq((r.status, r.json.get("id")), (200, "521"), "patch by idProperty")
    r = c.req("PATCH", PC + "/521?idProperty=hs_object_id", {"properties": {"hs_country": "IT"}})
    error_shape(r, 400, "VALIDATION_ERROR", "patch idProperty hs_object_id refused")
    r = c.req("PATCH", PC + "/521", {"properties": {"hs_external_key": "PC-522"}})
    error_shape(r, 409, "CONFLICT", "unique value conflict")
    r = c.req("PATCH", PC + "/521", raw_body=b'{"properties": {', headers={
        "Content-Type": "application/json"})
    error_shape(r, 400, "VALIDATION_ERROR", "invalid JSON body")
    r = c.req("PATCH", PS + "/3005", {"properties": {"hs_status": "retired", "hs_price": "1e3"}})
    eq((r.status, r.json["properties"].get("hs_status")), (200, "retired"), "service patch")
    r = c.req("PATCH", PC + "/522", {"properties": {"hs_name": "chunked"}}, chunked=True)
    eq(r.status, 200, "chunked request body")


@test
def t_batch_read(c, env):
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": "501"}, {"id": "790"}],
                                           "properties": ["hs_tier"], "propertiesWithHistory": []})
    eq(r.status, 200, "batch read 200")
    schema("pc", "BatchResponseSimplePublicObject", r.json, "batch read")
    eq(r.json["status"], "COMPLETE", "COMPLETE")
    eq(sorted(o["id"] for o in r.json["results"]), ["501", "790"], "batch read ids")
    eq(r.json["results"][0]["properties"].get("hs_tier") in ("gold", "silver"), True,
       "requested property")
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": "501"}, {"id": "999"}, {"id": "x"}],
                                           "properties": [], "propertiesWithHistory": []})
    eq(r.status, 207, "batch read 207")
    schema("pc", "BatchResponseSimplePublicObjectWithErrors", r.json, "batch read 207")
    eq(r.json.get("numErrors"), 1, "numErrors")
    e = r.json["errors"][0]
    eq((e["status"], e["category"], e["context"]), ("error", "OBJECT_NOT_FOUND",
                                                    {"ids": ["999", "x"]}), "207 error")
    check(e["message"].startswith("Could not get some partner_clients objects"), "207 message")
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": "PC-600"}], "idProperty":
                                           "hs_external_key", "properties": ["hs_name"],
                                           "propertiesWithHistory": ["hs_name"]})
    eq((r.status, r.json["results"][0]["id"]), (200, "600"), "batch read idProperty")
    eq(r.json["results"][0]["propertiesWithHistory"]["hs_name"][0]["value"], "Client 600",
       "propertiesWithHistory")
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": str(i)} for i in range(501, 602)],
                                           "properties": [], "propertiesWithHistory": []})
    error_shape(r, 400, "VALIDATION_ERROR", "101 inputs")
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": str(i)} for i in range(501, 601)],
                                           "properties": [], "propertiesWithHistory": []})
    eq((r.status, len(r.json["results"])), (200, 100), "100 inputs")
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": "1"}], "idProperty": "hs_object_id",
                                           "properties": [], "propertiesWithHistory": []})
    error_shape(r, 400, "VALIDATION_ERROR", "batch read idProperty hs_object_id")


@test
def t_batch_update(c, env):
    inputs = [{"id": "530", "properties": {"hs_country": "ES"}, "objectWriteTraceId": "row-1"},
              {"id": "531", "properties": {"hs_country": "PT"}, "objectWriteTraceId": "row-2"},
              {"id": "PC-532", "idProperty": "hs_external_key",
               "properties": {"hs_country": "NL"}}]
    r = c.req("POST", PC + "/batch/update", {"inputs": inputs})
    eq(r.status, 200, "batch update 200")
    schema("pc", "BatchResponseSimplePublicObject", r.json, "batch update")
    eq([o["id"] for o in r.json["results"]], ["532", "531", "530"], "results reversed")
    eq([o.get("objectWriteTraceId") for o in r.json["results"]], [None, "row-2", "row-1"],
       "trace ids echoed")
    eq(r.json["results"][2]["properties"].get("hs_country"), "ES", "result has new value")
    check("hs_name" in r.json["results"][2]["properties"], "result has all properties")
    got = c.req("POST", PC + "/batch/read", {"inputs": [{"id": "530"}, {"id": "532"}],
                                             "properties": ["hs_country"],
                                             "propertiesWithHistory": []}).json["results"]
    eq(sorted(o["properties"]["hs_country"] for o in got), ["ES", "NL"], "applied")
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": "540", "properties": {"hs_country": "AA"}, "objectWriteTraceId": "a"},
        {"id": "9999", "properties": {"hs_country": "BB"}, "objectWriteTraceId": "b"},
        {"id": "9998", "properties": {"hs_country": "CC"}}]})
    eq(r.status, 207, "batch update 207")
    schema("pc", "BatchResponseSimplePublicObjectWithErrors", r.json, "batch update 207")
    eq([o["id"] for o in r.json["results"]], ["540"], "found one applied")
    e = r.json["errors"][0]
    eq(e["category"], "OBJECT_NOT_FOUND", "207 category")
    eq(e["context"], {"ids": ["9999", "9998"], "objectWriteTraceId": ["b"]}, "207 context")
    eq(r.json["numErrors"], 1, "numErrors")
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": "550", "properties": {"hs_country": "X1"}},
        {"id": "123", "properties": {"hs_country": "X2"}},
        {"id": "550", "properties": {"hs_country": "X3"}}]})
    error_shape(r, 400, "VALIDATION_ERROR", "duplicate ids")
    eq(r.json["message"], "Duplicate IDs found in batch input: [550]. IDs must be unique",
       "duplicate message")
    eq(r.json["context"], {"ids": ["550"]}, "duplicate context")
    eq(c.req("GET", PC + "/550?properties=hs_country").json["properties"]["hs_country"], "DE",
       "duplicates applied nothing")
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": "551", "properties": {"hs_country": "OK"}},
        {"id": "552", "properties": {"hs_score": "NaN-ish"}}]})
    error_shape(r, 400, "VALIDATION_ERROR", "batch validation")
    check(r.json["message"].startswith("Property values were not valid: "), "batch prop message")
    eq(c.req("GET", PC + "/551?properties=hs_country").json["properties"]["hs_country"], "FR",
       "invalid batch applied nothing")
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": "551", "properties": {"bogus": "1"}}, {"id": "99999", "properties": {}}]})
    error_shape(r, 400, "VALIDATION_ERROR", "batch unknown property beats missing id")
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": str(i), "properties": {}} for i in range(501, 602)]})
    error_shape(r, 400, "VALIDATION_ERROR", "batch update 101")
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": "553", "properties": {"hs_name": None}}]})
    error_shape(r, 400, "VALIDATION_ERROR", "batch null value")
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": "553", "idProperty": "hs_object_id", "properties": {}}]})
    error_shape(r, 400, "VALIDATION_ERROR", "batch idProperty hs_object_id")


@test
def t_search(c, env):
    body = {"filterGroups": [{"filters": [{"propertyName": "hs_tier", "operator": "EQ",
                                           "value": "silver"}]}],
            "properties": ["hs_tier"], "limit": 20, "after": "0", "sorts": []}
    r = c.req("POST", PC + "/search", body)
    eq(r.status, 200, "search status")
    schema("pc", "CollectionResponseWithTotalSimplePublicObject", r.json, "search")
    eq(r.json["total"], 50, "silver total")
    eq(r.json["results"][0]["id"], "751", "first silver")
    eq(r.json["paging"]["next"]["after"], "20", "search paging")
    body["after"] = "40"
    r = c.req("POST", PC + "/search", body)
    eq((len(r.json["results"]), "paging" in r.json), (10, False), "last search page")
    body["limit"] = 201
    error_shape(c.req("POST", PC + "/search", body), 400, "VALIDATION_ERROR", "search limit 201")
    r = c.req("POST", PC + "/search", {"filterGroups": [
        {"filters": [{"propertyName": "hs_score", "operator": "GTE", "value": "98"},
                     {"propertyName": "hs_country", "operator": "EQ", "value": "us"}]}],
        "limit": 100})
    eq(sorted(int(o["id"]) for o in r.json["results"]),
       [i for i in range(501, 801) if i % 100 >= 98 and (i - 501) % 3 == 0],
       "AND within group, numeric compare, case-insensitive EQ")
    r = c.req("POST", PC + "/search", {"filterGroups": [
        {"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]})
    error_shape(r, 400, "VALIDATION_ERROR", "search unknown property")


@test
def t_search_operators(c, env):
    def ids(filters, groups=None, **extra):
        body = {"filterGroups": groups if groups is not None else [{"filters": filters}],
                "limit": 200, "properties": ["hs_score"]}
        body.update(extra)
        r = c.req("POST", PC + "/search", body)
        eq(r.status, 200, "search %s" % json.dumps(body)[:80])
        return [o["id"] for o in r.json["results"]], r.json["total"]

    def f(prop, op, value=None, values=None):
        d = {"propertyName": prop, "operator": op}
        if value is not None:
            d["value"] = value
        if values is not None:
            d["values"] = values
        return d
    c.req("PATCH", PC + "/502", {"properties": {"hs_score": ""}})
    got, total = ids([f("hs_score", "LT", "3")])
    eq(got, [str(i) for i in range(501, 801) if i % 100 < 3 and i != 502], "LT numeric")
    got, _ = ids([f("hs_score", "NEQ", "1")])
    check("502" in got and "501" not in got, "NEQ keeps records without the property")
    got, _ = ids([f("hs_score", "NOT_IN", values=["1", "2"])])
    check("502" in got and "501" not in got, "NOT_IN keeps records without the property")
    got, _ = ids([f("hs_score", "NOT_HAS_PROPERTY")])
    eq(got, ["502"], "NOT_HAS_PROPERTY")
    got, _ = ids([f("hs_score", "IN", values=["2", "3"]), f("hs_country", "EQ", "de")])
    eq(got, [str(i) for i in range(501, 801)
             if i % 100 in (2, 3) and (i - 501) % 3 == 1 and i != 502], "IN and EQ in one group")
    got, _ = ids(None, groups=[{"filters": [f("hs_score", "EQ", "7")]},
                               {"filters": [f("hs_score", "EQ", "8")]}])
    eq(sorted(got, key=int), [str(i) for i in range(501, 801) if i % 100 in (7, 8)],
       "groups are ORed")
    got, _ = ids([f("hs_name", "IN", values=["Client 505", "client 506"])])
    eq(got, ["506"], "IN on a string property: only lower-case values match")
    got, _ = ids([f("hs_name", "EQ", "CLIENT 505")])
    eq(got, ["505"], "EQ on a string property ignores case")
    got, _ = ids([f("hs_tier", "IN", values=["GOLD"]), f("hs_score", "EQ", "1")])
    eq(got, [], "IN on an enumeration is case-sensitive")
    got, _ = ids([f("hs_tier", "EQ", "Gold"), f("hs_score", "EQ", "1")])
    eq(got, [], "EQ on an enumeration is case-sensitive")
    got, _ = ids([f("hs_tier", "IN", values=["gold"]), f("hs_score", "EQ", "1")])
    eq(got, ["501", "601", "701"], "IN on an enumeration, the value as stored")
    got, _ = ids([f("hs_signup_date", "GTE", str(ms_date(2024, 12, 30)))])
    eq(sorted(got, key=int), [str(i) for i in range(501, 801) if i % 365 >= 364],
       "date compare on epoch ms")
    got, _ = ids([f("hs_score", "GT", "95")], sorts=[{"propertyName": "hs_score",
                                                      "direction": "DESCENDING"}])
    eq([int(x) % 100 for x in got][:4], [99, 99, 99, 98], "sorted descending")
    r = c.req("POST", PC + "/search", {"filterGroups": [{"filters": [f("hs_score", "EQ", "1")]}] * 6})
    error_shape(r, 400, "VALIDATION_ERROR", "six filter groups (the guide allows 5)")
    got, _ = ids(None, groups=[{"filters": [f("hs_score", "EQ", str(n))]} for n in range(1, 6)])
    eq(len(got), 14, "five filter groups (502 has no score)")


def ms_date(y, m, d):
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days * 86400000


@test
def t_search_cap_and_stale(c, env):
    r = c.req("POST", "/_emulator/bulk", {"type": "contacts", "count": 10050,
                                          "properties": {"email": "bulk{n}@example.com",
                                                         "firstname": "Bulk", "lastname": "L{n}"}})
    eq(r.status, 200, "bulk status")
    eq((r.json["created"], r.json["first_id"], r.json["last_id"]), (10050, "1006", "11055"),
       "bulk ids follow the seeded ones")
    body = {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ",
                                           "value": "bulk"}]}], "limit": 200, "after": "9800"}
    r = c.req("POST", "/crm/v3/objects/contacts/search", body)
    eq((r.status, r.json["total"], len(r.json["results"])), (200, 10050, 200),
       "total past the cap is reported")
    body["after"] = "9900"
    error_shape(c.req("POST", "/crm/v3/objects/contacts/search", body), 400, "VALIDATION_ERROR",
                "no page past 10000")
    r = c.req("POST", "/_emulator/bulk", {"type": "nope", "count": 1})
    eq(r.status, 400, "bulk of an unknown type")
    reset(c)
    config(c, {"search_stale": True})
    c.req("PATCH", "/crm/v3/objects/contacts/1001", {"properties": {"firstname": "Fresh"}})
    q = {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ",
                                        "value": "Fresh"}]}], "properties": ["firstname"]}
    eq(c.req("POST", "/crm/v3/objects/contacts/search", q).json["total"], 0,
       "a stale index does not see the write")
    eq(c.req("GET", "/crm/v3/objects/contacts/1001?properties=firstname")
       .json["properties"]["firstname"], "Fresh", "reads see it")
    config(c, {})
    eq(c.req("POST", "/crm/v3/objects/contacts/search", q).json["total"], 1,
       "search catches up when the config is cleared")


@test
def t_create_upsert_archive(c, env):
    CO = "/crm/v3/objects/contacts"
    r = c.req("POST", CO + "/batch/create", {"inputs": [
        {"properties": {"email": "n1@example.com", "firstname": "N1"}, "associations": [],
         "objectWriteTraceId": "t1"},
        {"properties": {"email": "n2@example.com", "lastname": ""}, "associations": [],
         "objectWriteTraceId": "t2"}]})
    eq(r.status, 201, "batch create status")
    schema("obj", "BatchResponseSimplePublicObject", r.json, "batch create")
    byt = {o["objectWriteTraceId"]: o for o in r.json["results"]}
    eq((byt["t1"]["id"], byt["t2"]["id"]), ("1006", "1007"), "new ids in input order")
    eq(byt["t1"]["properties"]["firstname"], "N1", "created values")
    check("lastname" not in byt["t2"]["properties"], "empty string sets nothing")
    r = c.req("POST", CO + "/batch/create", {"inputs": [
        {"properties": {"email": "n1@example.com"}, "associations": []}]})
    error_shape(r, 409, "CONFLICT", "duplicate unique value on create")
    r = c.req("POST", CO + "/batch/create", {"inputs": [
        {"properties": {"createdate": "1"}, "associations": []}]})
    error_shape(r, 400, "VALIDATION_ERROR", "read-only property on create")
    r = c.req("POST", CO, {"properties": {"email": "single@example.com"}})
    eq((r.status, r.json["id"]), (201, "1008"), "single create")
    r = c.req("POST", CO + "/batch/upsert", {"inputs": [
        {"id": "n1@example.com", "idProperty": "email", "properties": {"lastname": "Up"},
         "objectWriteTraceId": "u1"},
        {"id": "n3@example.com", "idProperty": "email", "properties": {"firstname": "N3"},
         "objectWriteTraceId": "u2"}]})
    eq(r.status, 200, "upsert status")
    schema("obj", "BatchResponseSimplePublicUpsertObject", r.json, "upsert")
    byt = {o["objectWriteTraceId"]: o for o in r.json["results"]}
    eq((byt["u1"]["id"], byt["u1"]["new"], byt["u1"]["properties"]["lastname"]),
       ("1006", False, "Up"), "upsert updates an existing key")
    eq((byt["u2"]["id"], byt["u2"]["new"], byt["u2"]["properties"]["email"]),
       ("1009", True, "n3@example.com"), "upsert creates a new key")
    r = c.req("POST", CO + "/batch/upsert", {"inputs": [
        {"id": "a@example.com", "idProperty": "email", "properties": {}},
        {"id": "a@example.com", "idProperty": "email", "properties": {}}]})
    error_shape(r, 400, "VALIDATION_ERROR", "duplicate upsert ids")
    r = c.req("POST", CO + "/batch/archive", {"inputs": [{"id": "1006"}, {"id": "424242"}]})
    eq((r.status, r.raw), (204, b""), "batch archive")
    eq(c.req("GET", CO + "/1006").status, 404, "archived record is gone")
    r = c.req("DELETE", CO + "/1007")
    eq((r.status, r.raw), (204, b""), "delete")
    error_shape(c.req("DELETE", CO + "/1007"), 404, "OBJECT_NOT_FOUND", "delete twice")
    ids = [o["id"] for o in c.req("GET", CO + "?limit=100").json["results"]]
    eq(ids, ["1001", "1002", "1003", "1004", "1005", "1008", "1009"], "list after archive")
    eq(c.req("POST", CO + "/batch/create", {"inputs": []}, token=RO_TOKEN).status, 403,
       "read-only token cannot create")
    c.req("DELETE", CO + "/1001")
    check(all(a["fromObjectId"] != "1001" and a["toObjectId"] != "1001"
              for a in c.req("GET", "/_emulator/associations").json["results"]),
          "archive drops associations")
    for path, method, body in [(PC, "POST", {"properties": {}}),
                               (PC + "/batch/create", "POST", {"inputs": []}),
                               (PC + "/batch/upsert", "POST", {"inputs": []}),
                               (PS + "/batch/archive", "POST", {"inputs": [{"id": "3001"}]}),
                               (PS + "/3001", "DELETE", None)]:
        r = c.req(method, path, body)
        error_shape(r, 405, "METHOD_NOT_ALLOWED", "partner %s %s" % (method, path))
        check("only retrieve and update" in r.json["message"], "partner refusal message")
    eq(c.req("GET", PS + "/3001").status, 200, "partner record untouched")


@test
def t_properties(c, env):
    r = c.req("GET", "/crm/v3/properties/partner_clients")
    eq(r.status, 200, "properties status")
    schema("props", "CollectionResponsePropertyNoPaging", r.json, "properties")
    by = {p["name"]: p for p in r.json["results"]}
    expect = {"hs_object_id": "number", "hs_createdate": "datetime",
              "hs_lastmodifieddate": "datetime", "hs_name": "string", "hs_tier": "enumeration",
              "hs_country": "string", "hs_score": "number", "hs_active": "bool",
              "hs_signup_date": "date", "hs_external_key": "string",
              "hs_regions": "enumeration", "hs_last_review": "datetime"}
    eq({k: v["type"] for k, v in by.items()}, expect, "property types")
    eq([o["value"] for o in by["hs_tier"]["options"]], ["gold", "silver", "bronze"], "tier options")
    eq(by["hs_regions"]["fieldType"], "checkbox", "regions checkbox")
    eq(by["hs_active"]["fieldType"], "booleancheckbox", "bool field type")
    eq(by["hs_external_key"]["hasUniqueValue"], True, "unique key")
    eq(by["hs_object_id"]["hasUniqueValue"], False, "hs_object_id not unique")
    eq(by["hs_createdate"]["modificationMetadata"]["readOnlyValue"], True, "read-only value")
    eq(by["hs_name"]["modificationMetadata"]["readOnlyValue"], False, "writable")
    for k in ("description", "groupName", "hidden", "calculated", "externalOptions", "formField",
              "createdAt", "updatedAt", "archived"):
        check(k in by["hs_name"], "property has %s" % k)
    r = c.req("GET", "/crm/v3/properties/partner_services")
    eq({p["name"] for p in r.json["results"]},
       {"hs_object_id", "hs_createdate", "hs_lastmodifieddate", "hs_name", "hs_status",
        "hs_price", "hs_external_key", "hs_num_clients", "hs_phone", "hs_preferred"},
       "service properties")
    sby = {p["name"]: p for p in r.json["results"]}
    eq((sby["hs_num_clients"]["calculated"],
        sby["hs_num_clients"]["modificationMetadata"]["readOnlyValue"]), (True, False),
       "calculated property")
    eq((sby["hs_phone"]["type"], sby["hs_phone"]["fieldType"]), ("phone_number", "phonenumber"),
       "phone property")
    eq((sby["hs_preferred"]["type"], sby["hs_preferred"]["fieldType"]),
       ("enumeration", "booleancheckbox"), "enumeration shown as a boolean checkbox")
    r = c.req("PATCH", PS + "/3001", {"properties": {"hs_num_clients": "7"}})
    error_shape(r, 400, "VALIDATION_ERROR", "calculated property cannot be set")
    r = c.req("PATCH", PS + "/3001", {"properties": {"hs_preferred": "maybe"}})
    error_shape(r, 400, "VALIDATION_ERROR", "booleancheckbox enumeration takes true/false")
    r = c.req("PATCH", PS + "/3001", {"properties": {"hs_preferred": "false",
                                                      "hs_phone": "+44 20 7946 0000"}})
    eq((r.status, r.json["properties"]["hs_preferred"], r.json["properties"]["hs_phone"]),
       (200, "false", "+44 20 7946 0000"), "phone and preferred writable")
    r = c.req("GET", "/crm/v3/properties/partner_clients/hs_tier")
    eq((r.status, r.json["name"]), (200, "hs_tier"), "single property")
    error_shape(c.req("GET", "/crm/v3/properties/foo"), 400, "VALIDATION_ERROR",
                "properties unknown type")


@test
def t_associations(c, env):
    base = PC + "/510/associations/contacts"
    r = c.req("PUT", base + "/1002/partner_client_to_contact")
    eq(r.status, 200, "PUT association")
    schema("pc", "SimplePublicObjectWithAssociations", r.json, "PUT association")
    eq(r.json["associations"]["contacts"]["results"],
       [{"id": "1002", "type": "partner_client_to_contact"}], "PUT answer lists association")
    r = c.req("PUT", base + "/1003/901")
    eq(r.status, 200, "PUT by numeric type id")
    r = c.req("GET", base)
    schema("pc", "CollectionResponseAssociatedIdForwardPaging", r.json, "GET associations")
    eq([x["id"] for x in r.json["results"]], ["1002", "1003"], "GET associations")
    r = c.req("GET", "/crm/v3/objects/contacts/1002/associations/partner_clients")
    eq(r.json["results"], [{"id": "510", "type": "contact_to_partner_client"}], "inverse view")
    r = c.req("DELETE", base + "/1003/partner_client_to_contact")
    eq((r.status, r.raw), (204, b""), "DELETE 204")
    eq([x["id"] for x in c.req("GET", base).json["results"]], ["1002"], "after delete")
    error_shape(c.req("PUT", base + "/1002/contact_to_company"), 400, "VALIDATION_ERROR",
                "wrong association type")
    error_shape(c.req("PUT", PC + "/999/associations/contacts/1002/partner_client_to_contact"),
                404, "OBJECT_NOT_FOUND", "PUT from missing")
    error_shape(c.req("PUT", base + "/4242/partner_client_to_contact"), 404, "OBJECT_NOT_FOUND",
                "PUT to missing")
    error_shape(c.req("GET", PC + "/510/associations/bogus"), 400, "VALIDATION_ERROR",
                "GET associations unknown type")
    bc = "/crm/v3/associations/partner_services/companies/batch/create"
    r = c.req("POST", bc, {"inputs": [{"from": {"id": "3002"}, "to": {"id": "2003"},
                                       "type": "partner_service_to_company"}]})
    eq(r.status, 201, "batch create 201")
    schema("assoc", "BatchResponsePublicAssociation", r.json, "batch create")
    eq(r.json["results"], [{"from": {"id": "3002"}, "to": {"id": "2003"},
                            "type": "partner_service_to_company"}], "batch create results")
    r = c.req("POST", bc, {"inputs": [
        {"from": {"id": "3003"}, "to": {"id": "2004"}, "type": "partner_service_to_company"},
        {"from": {"id": "9"}, "to": {"id": "2004"}, "type": "partner_service_to_company"},
        {"from": {"id": "3004"}, "to": {"id": "77"}, "type": "partner_service_to_company"}]})
    eq(r.status, 207, "batch create 207")
    schema("assoc", "BatchResponsePublicAssociationWithErrors", r.json, "batch create 207")
    eq(sorted(i for e in r.json["errors"] for i in e["context"]["ids"]), ["77", "9"],
       "207 names missing ids")
    error_shape(c.req("POST", bc, {"inputs": [{"from": {"id": "3002"}, "to": {"id": "2003"},
                                               "type": "nope"}]}), 400, "VALIDATION_ERROR",
                "batch create bad type")
    error_shape(c.req("POST", bc, {"inputs": [{"from": {"id": "3002"}, "to": {"id": "2003"},
                                               "type": "partner_service_to_company"}] * 101}),
                400, "VALIDATION_ERROR", "batch create 101")
    r = c.req("POST", "/crm/v3/associations/partner_services/companies/batch/read",
              {"inputs": [{"id": "3002"}, {"id": "3003"}]})
    eq(r.status, 200, "assoc batch read")
    schema("assoc", "BatchResponsePublicAssociationMulti", r.json, "assoc batch read")
    r = c.req("POST", "/crm/v3/associations/partner_services/companies/batch/archive",
              {"inputs": [{"from": {"id": "3003"}, "to": {"id": "2004"},
                           "type": "partner_service_to_company"}]})
    eq(r.status, 204, "assoc batch archive")
    r = c.req("GET", "/crm/v3/associations/partner_clients/contacts/types")
    eq(r.status, 200, "types")
    schema("assocschema", "CollectionResponsePublicAssociationDefinitionNoPaging", r.json, "types")
    eq(r.json["results"], [{"id": "901", "name": "partner_client_to_contact"}], "types content")
    eq(c.req("GET", "/crm/v3/associations/partner_services/partner_clients/types").json,
       {"results": [{"id": "909", "name": "partner_service_to_partner_client"}]}, "ps->pc types")
    error_shape(c.req("GET", "/crm/v3/associations/foo/contacts/types"), 400, "VALIDATION_ERROR",
                "types unknown object type")
    rc, out, err = ctl(env["base"], "associations")
    lines = [json.loads(l) for l in out.splitlines()]
    check(rc == 0 and {"fromObjectType": "partner_clients", "fromObjectId": "510",
                       "toObjectType": "contacts", "toObjectId": "1002",
                       "associationType": "partner_client_to_contact",
                       "associationTypeId": "901"} in lines, "emu_ctl associations lists PUT")
    check(any(l["fromObjectId"] == "3002" and l["toObjectId"] == "2003" for l in lines),
          "emu_ctl associations lists batch create")
    check(not any(l["fromObjectId"] == "3003" for l in lines), "archived association gone")
    check(not any(l["toObjectId"] == "1003" and l["fromObjectId"] == "510" for l in lines),
          "deleted association gone")


@test
def t_association_links(c, env):
    """Reading and removing links: v3 batch/read (paged inside a record, 207
    for unknown from ids) and batch/archive; v4 and a date version."""
    v3 = "/crm/v3/associations/partner_services/partner_clients/batch/"
    ins = [{"from": {"id": "3010"}, "to": {"id": str(501 + i)},
            "type": "partner_service_to_partner_client"} for i in range(250)]
    for k in range(0, 250, 100):
        eq(c.req("POST", v3 + "create", {"inputs": ins[k:k + 100]}).status, 201, "create 250")
    r = c.req("POST", v3 + "read", {"inputs": [{"id": "3010"}, {"id": "99"}]})
    eq(r.status, 207, "read with an unknown from id")
    schema("assoc", "BatchResponsePublicAssociationMultiWithErrors", r.json, "read 207")
    eq(len(r.json["results"][0]["to"]), 250, "a record's links on one page by default")
    eq(r.json["errors"][0]["context"]["ids"], ["99"], "207 names the unknown id")
    config(c, {"assoc_read_page": 200})
    r = c.req("POST", v3 + "read", {"inputs": [{"id": "3010"}]})
    res = r.json["results"][0]
    eq(len(res["to"]), 200, "first page of a record's links")
    after = res["paging"]["next"]["after"]
    r = c.req("POST", v3 + "read", {"inputs": [{"id": "3010", "after": after}]})
    eq(r.status, 200, "read the next page")
    eq(len(r.json["results"][0]["to"]), 50, "last page of a record's links")
    check("paging" not in r.json["results"][0], "last page has no paging")
    config(c, {})
    error_shape(c.req("POST", v3 + "read", {"inputs": [{"id": "3010", "after": "zz"}]}), 400,
                "VALIDATION_ERROR", "read with a cursor never given")
    eq(c.req("POST", v3 + "archive", {"inputs": ins[:101]}).status, 400, "archive 101 refused")
    eq(c.req("POST", v3 + "archive", {"inputs": ins[:100]}).status, 204, "archive 100")
    r = c.req("POST", v3 + "read", {"inputs": [{"id": "3010"}]})
    eq(len(r.json["results"][0]["to"]), 150, "archived links are gone")
    for ver in ("v4", "2026-03"):
        base = ("/crm/v4/associations/" if ver == "v4" else "/crm/associations/%s/" % ver) + \
            "partner_clients/contacts/batch/"
        r = c.req("POST", base + "create", {"inputs": [
            {"from": {"id": "520"}, "to": {"id": "1004"},
             "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 901}]}]})
        eq(r.status, 201, ver + " create")
        schema("assoc4", "BatchResponseLabelsBetweenObjectPair", r.json, ver + " create")
        r = c.req("POST", base + "read", {"inputs": [{"id": "520"}, {"id": "98"}]})
        eq(r.status, 207, ver + " read 207")
        schema("assoc4", "BatchResponsePublicAssociationMultiWithLabelWithErrors", r.json,
               ver + " read")
        eq(r.json["results"][0]["to"], [{"toObjectId": "1004", "associationTypes": [
            {"category": "HUBSPOT_DEFINED", "typeId": 901}]}], ver + " read shape")
        eq(c.req("POST", base + "labels/archive", {"inputs": [
            {"from": {"id": "520"}, "to": {"id": "1004"},
             "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 901}]}]}
        ).status, 204 if ver == "v4" else 200, ver + " labels/archive")
        eq(c.req("POST", base + "read", {"inputs": [{"id": "520"}]}).json["results"][0]["to"],
           [], ver + " label archived")
        c.req("POST", base + "create", {"inputs": [
            {"from": {"id": "520"}, "to": {"id": "1005"},
             "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 901}]}]})
        eq(c.req("POST", base + "archive", {"inputs": [
            {"from": {"id": "520"}, "to": [{"id": "1005"}]}]}).status, 204 if ver == "v4" else 200,
           ver + " archive")
        eq(c.req("POST", base + "read", {"inputs": [{"id": "520"}]}).json["results"][0]["to"],
           [], ver + " pair archived")
    error_shape(c.req("POST", "/crm/v4/associations/partner_clients/contacts/batch/create",
                      {"inputs": [{"from": {"id": "520"}, "to": {"id": "1004"},
                                   "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                              "associationTypeId": 1}]}]}),
                400, "VALIDATION_ERROR", "v4 create wrong type id")


@test
def t_auth(c, env):
    r = c.req("GET", PC, token=None)
    error_shape(r, 401, "INVALID_AUTHENTICATION", "missing token")
    error_shape(c.req("GET", PC, token="wrong"), 401, "INVALID_AUTHENTICATION", "wrong token")
    error_shape(c.req("GET", PC, headers={"Authorization": "Basic abc"}, token=None), 401,
                "INVALID_AUTHENTICATION", "basic auth")
    eq(c.req("GET", PC, token=RO_TOKEN).status, 200, "read-only token reads")
    eq(c.req("GET", PC, token="second-token").status, 200, "second --token works")
    r = c.req("PATCH", PC + "/501", {"properties": {"hs_name": "x"}}, token=RO_TOKEN)
    error_shape(r, 403, "MISSING_SCOPES", "read-only PATCH")
    eq(r.json["errors"][0]["context"]["requiredScopes"], ["crm.objects.partner-clients.write"],
       "required scope")
    r = c.req("POST", PS + "/batch/update", {"inputs": []}, token=RO_TOKEN)
    error_shape(r, 403, "MISSING_SCOPES", "read-only batch update")
    eq(r.json["errors"][0]["context"]["requiredScopes"], ["crm.objects.partner-services.write"],
       "required scope services")
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": "501"}], "properties": [],
                                           "propertiesWithHistory": []}, token=RO_TOKEN)
    eq(r.status, 200, "read-only batch read")
    r = c.req("PUT", PC + "/501/associations/contacts/1002/partner_client_to_contact",
              token=RO_TOKEN)
    error_shape(r, 403, "MISSING_SCOPES", "read-only PUT association")
    r = c.req("POST", "/crm/v3/associations/partner_clients/contacts/batch/create",
              {"inputs": []}, token=RO_TOKEN)
    error_shape(r, 403, "MISSING_SCOPES", "read-only association batch create")


@test
def t_misc_routes(c, env):
    error_shape(c.req("GET", "/crm/v3/nothing/here"), 404, "OBJECT_NOT_FOUND", "unknown route")
    error_shape(c.req("GET", "/nothing"), 404, "OBJECT_NOT_FOUND", "non-crm route")
    r = c.req("POST", PC, {"properties": {"hs_name": "new"}})
    check(r.status in (400, 405) and r.json["status"] == "error", "partner create refused")
    r = c.req("POST", PC + "/batch/archive", {"inputs": [{"id": "501"}]})
    check(r.status in (400, 405), "partner batch archive refused")
    r = c.req("DELETE", PC + "/501")
    check(r.status in (400, 405), "partner archive refused")
    r = c.req("POST", PC + "/batch/read", raw_body=b"not json",
              headers={"Content-Type": "application/json"})
    error_shape(r, 400, "VALIDATION_ERROR", "bad JSON batch")
    r = c.req("POST", PC + "/batch/read", raw_body=b"")
    error_shape(r, 400, "VALIDATION_ERROR", "empty body batch")


@test
def t_request_log(c, env):
    c.req("POST", "/_emulator/clear", raw_body=b"")
    c.req("GET", PC + "/PC-501?idProperty=hs_external_key&properties=a&properties=b",
          headers={"User-Agent": "ua-test"})
    c.req("GET", "/crm/v3/objects/partner_clients/PC%2D501?idProperty=hs_external_key")
    c.req("PATCH", PC + "/501", raw_body=b"{oops", headers={"Content-Type": "text/plain"})
    c.req("GET", PC, token=None)
    c.req("GET", PC, token="bad-one")
    c.req("GET", PC, token=RO_TOKEN)
    c.req("GET", "/_emulator/associations")
    reqs = log(c)
    eq(len(reqs), 6, "control requests not recorded")
    eq([r["seq"] for r in reqs], [1, 2, 3, 4, 5, 6], "seq 1-based after clear")
    r0 = reqs[0]
    eq(list(r0.keys())[:9], ["seq", "method", "path", "query", "body", "status", "auth",
                             "user_agent", "content_type"], "record keys")
    eq(r0["query"], {"idProperty": "hs_external_key", "properties": ["a", "b"]}, "query decoded")
    eq((r0["status"], r0["auth"], r0["user_agent"]), (200, "valid", "ua-test"), "record fields")
    eq(reqs[1]["path"], "/crm/v3/objects/partner_clients/PC%2D501", "raw path kept")
    eq(reqs[1]["status"], 200, "encoded path routed")
    eq((reqs[2]["body"], reqs[2]["raw_body"], reqs[2]["content_type"], reqs[2]["status"]),
       (None, "{oops", "text/plain", 400), "raw body recorded")
    eq([r["auth"] for r in reqs[3:]], ["missing", "invalid", "read-only"], "auth classes")
    check(TOKEN not in json.dumps(reqs) and "bad-one" not in json.dumps(reqs),
          "tokens never recorded")
    c.req("PATCH", PC + "/502", {"properties": {"hs_name": "logged"}})
    last = log(c)[-1]
    eq((last["method"], last["body"], last["content_type"]),
       ("PATCH", {"properties": {"hs_name": "logged"}}, "application/json"), "JSON body recorded")


@test
def t_emu_ctl(c, env):
    base = env["base"]
    c.req("PATCH", PC + "/560", {"properties": {"hs_name": "ctl \u2603\ttab", "hs_score": ""}})
    rc, out, err = ctl(base, "object", "partner_clients/560")
    eq(rc, 0, "object rc")
    lines = out.splitlines()
    eq(len(lines), 1, "object prints one line")
    o = json.loads(lines[0])
    eq(o["properties"]["hs_name"], "ctl \u2603\ttab", "object value")
    eq(o["properties"]["hs_score"], None, "object shows cleared property as null")
    check(set(o["properties"]) >= {"hs_regions", "hs_last_review", "hs_tier"},
          "object has all properties")
    check(all(32 <= ord(ch) < 127 for ch in out.rstrip("\n")), "ASCII only, no control chars")
    check(lines[0] == json.dumps(o), "default separators")
    rc, out, err = ctl(base, "requests")
    check(rc == 0 and all(json.loads(l)["seq"] for l in out.splitlines()), "requests lines")
    check(json.loads(out.splitlines()[-1])["path"] == PC + "/560", "requests ends with PATCH")
    rc, out, err = ctl(base, "clear")
    eq((rc, out), (0, ""), "clear prints nothing")
    eq(log(c), [], "log empty after clear")
    rc, out, err = ctl(base, "config", '{"drop_results": true}')
    eq((rc, out), (0, ""), "config prints nothing")
    eq(c.req("GET", "/_emulator/config").json["config"], {"drop_results": True}, "config set")
    rc, out, err = ctl(base, "config", '{"nope": 1}')
    check(rc != 0 and out == "" and "nope" in err, "bad config rejected")
    rc, out, err = ctl(base, "reset")
    eq((rc, out), (0, ""), "reset prints nothing")
    eq(c.req("GET", "/_emulator/config").json["config"], {}, "reset clears config")
    rc, out, err = ctl(base, "object", "partner_clients/560")
    eq(json.loads(out)["properties"]["hs_name"], "Client 560", "reset reseeds")
    rc, out, err = ctl(base, "object", "partner_clients/12345")
    check(rc != 0 and out == "" and err, "missing object fails")
    rc, out, err = ctl("http://127.0.0.1:1", "requests")
    check(rc != 0 and out == "" and err, "unreachable fails")
    rc, out, err = ctl(base, "bogus")
    check(rc != 0 and out == "", "unknown command fails")


@test
def t_fault_status_every(c, env):
    config(c, {"status_every": {"n": 4, "status": 429, "policy": "TEN_SECONDLY_ROLLING"}})
    st = [c.req("GET", PC + "?limit=1") for _ in range(8)]
    eq([r.status for r in st], [200, 200, 200, 429] * 2, "every 4th is 429")
    r = st[3]
    eq((r.json["errorType"], r.json["policyName"], r.json["status"]),
       ("RATE_LIMIT", "TEN_SECONDLY_ROLLING", "error"), "429 body")
    eq(r.json["correlationId"], r.headers["x-hubspot-correlation-id"], "429 correlation id")
    eq(r.headers.get("x-hubspot-ratelimit-remaining"), "0", "429 remaining 0")
    check("retry-after" not in r.headers, "no Retry-After unless asked")
    schema("pc", "Error", r.json, "429 body")
    config(c, {"status_every": {"n": 2, "status": 429, "policy": "SECONDLY", "retry_after": 1}})
    c.req("GET", PC + "?limit=1")
    r = c.req("PATCH", PC + "/570", {"properties": {"hs_name": "not applied"}})
    eq((r.status, r.headers.get("retry-after"), r.json["policyName"]), (429, "1", "SECONDLY"),
       "Retry-After when retry_after given")
    config(c, {})
    eq(c.req("GET", PC + "/570").json["properties"]["hs_name"], "Client 570",
       "429 applied nothing")
    bp = "/crm/v3/objects/partner_clients/batch"
    config(c, {"rules": [
        {"n": 4, "status": 429, "match": {"method": "POST", "path_prefix": bp}},
        {"n": 5, "status": 502, "match": {"method": "POST", "path_prefix": bp}}]})
    body = {"inputs": [{"id": "501"}], "properties": [], "propertiesWithHistory": []}
    got = []
    for i in range(20):
        got.append(c.req("POST", PC + "/batch/read", body).status)
        if i % 3 == 0:
            eq(c.req("GET", PC + "?limit=1").status, 200, "GET not matched by rules")
    exp = [429 if n % 4 == 0 else 502 if n % 5 == 0 else 200 for n in range(1, 21)]
    eq(got, exp, "429 every 4th + 502 every 5th")
    config(c, {"rules": [{"n": 1, "status": 503}]})
    r = c.req("GET", PC)
    error_shape(r, 503, "SERVICE_UNAVAILABLE", "503 JSON body")
    config(c, {})


@test
def t_fault_fail_next(c, env):
    config(c, {"fail_next": [
        {"status": 500, "body": {"status": "error", "message": "boom", "category": "X"},
         "headers": {"X-Test": "yes"}},
        {"status": 502, "raw": "<html>bad gateway</html>",
         "headers": {"Content-Type": "text/html"}},
        {"status": 423, "match": {"method": "PATCH"}},
        {"status": 400}]})
    r = c.req("GET", PC)
    eq((r.status, r.json, r.headers.get("x-test")),
       (500, {"status": "error", "message": "boom", "category": "X"}, "yes"), "fail_next body")
    r = c.req("GET", PC)
    eq((r.status, r.raw, r.headers.get("content-type")),
       (502, b"<html>bad gateway</html>", "text/html"), "fail_next raw")
    r = c.req("GET", PC)
    eq(r.status, 400, "match skips PATCH-only entry")
    r = c.req("GET", PC)
    eq(r.status, 200, "GETs back to normal")
    r = c.req("PATCH", PC + "/571", {"properties": {"hs_name": "nope"}})
    error_shape(r, 423, "LOCKED", "PATCH gets its entry")
    eq(c.req("GET", PC + "/571").json["properties"]["hs_name"], "Client 571", "nothing applied")
    eq(c.req("PATCH", PC + "/571", {"properties": {"hs_name": "yes"}}).status, 200, "then normal")
    reqs = log(c)
    eq(reqs[-7]["status"], 500, "injected status recorded")
    config(c, {"rules": [{"n": 1, "status": 403, "match": {"body_contains": '"573"'}}]})
    r = c.req("PATCH", PC + "/572", {"properties": {"hs_name": "x"}})
    eq(r.status, 200, "body_contains: other bodies pass")
    r = c.req("POST", PC + "/batch/update", {"inputs": [{"id": "573", "properties": {}}]})
    eq(r.status, 403, "body_contains: the body naming 573 fails")
    config(c, {})


@test
def t_fault_echo_authorization(c, env):
    config(c, {"fail_next": [
        {"status": 401, "echo_authorization": True,
         "raw": '{"status":"error","message":"bad header {authorization}"}',
         "headers": {"X-HubSpot-Correlation-Id": "cid {authorization}"}},
        {"status": 400, "raw": "{authorization}"}]})
    r = c.req("GET", PC)
    eq((r.status, r.json, r.headers.get("x-hubspot-correlation-id")),
       (401, {"status": "error", "message": "bad header Bearer " + TOKEN},
        "cid Bearer " + TOKEN), "echo_authorization echoes the header")
    r = c.req("GET", PC)
    eq((r.status, r.raw), (400, b"{authorization}"), "without echo_authorization: as given")
    check(TOKEN not in json.dumps(log(c)), "the echoed token is not recorded")
    config(c, {})


@test
def t_fault_delay(c, env):
    config(c, {"delay_ms": 150})
    t0 = time.time()
    c.req("GET", PC + "?limit=1")
    check(time.time() - t0 >= 0.14, "delay_ms delays")
    config(c, {"delay_ms": 150, "delay_ms_match": {"method": "POST"}})
    t0 = time.time()
    c.req("GET", PC + "?limit=1")
    check(time.time() - t0 < 0.12, "delay_ms_match: GET not delayed")
    t0 = time.time()
    c.req("POST", PC + "/search", {"limit": 1})
    check(time.time() - t0 >= 0.14, "delay_ms_match: POST delayed")
    config(c, {"delays": [{"ms": 100, "match": {"path_contains": "search"}}]})
    t0 = time.time()
    c.req("POST", PC + "/search", {"limit": 1})
    check(time.time() - t0 >= 0.09, "delays list")
    config(c, {})


@test
def t_request_times(c, env):
    c.req("POST", "/_emulator/clear", raw_body=b"")
    config(c, {"delays": [{"ms": 150, "match": {"path_contains": "/batch/read"}}]})
    body = {"inputs": [{"id": "501"}], "properties": []}

    def read():
        cl = Client(env["port"])
        try:
            cl.req("POST", PC + "/batch/read", body)
        finally:
            cl.close()
    ths = [threading.Thread(target=read) for _ in range(2)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(10)
    c.req("POST", PC + "/batch/read", body)
    config(c, {})
    a, b, d = log(c)
    check(all(r["answered_ms"] - r["arrived_ms"] >= 140 for r in (a, b, d)),
          "answered_ms - arrived_ms covers the delay")
    check(a["arrived_ms"] < b["answered_ms"] and b["arrived_ms"] < a["answered_ms"],
          "two concurrent requests overlap: %r" % [(r["arrived_ms"], r["answered_ms"]) for r in (a, b)])
    check(d["arrived_ms"] >= max(a["answered_ms"], b["answered_ms"]),
          "a request sent after the answers arrives after them")


@test
def t_fault_reset_connection(c, env):
    config(c, {"reset_connection_every": 2})
    a = c.raw_attempt("GET", PC + "?limit=1")
    b = c.raw_attempt("PATCH", PC + "/572", {"properties": {"hs_name": "lost"}})
    check(isinstance(a, Resp) and a.status == 200, "1st answered")
    check(isinstance(b, Exception), "2nd connection closed without answer (%r)" % (b,))
    config(c, {})
    eq(c.req("GET", PC + "/572").json["properties"]["hs_name"], "Client 572",
       "reset before answer applied nothing")
    last = [r for r in log(c) if r["method"] == "PATCH"][-1]
    eq((last["status"], last.get("fault")), (None, "reset_connection"), "reset recorded")
    config(c, {"reset_connection_every": {"n": 1, "mode": "mid_response",
                                          "match": {"method": "PATCH"}}})
    b = c.raw_attempt("PATCH", PC + "/573", {"properties": {"hs_name": "cut"}})
    check(isinstance(b, Exception), "mid-response cut raises (%r)" % (b,))
    config(c, {})
    eq(c.req("GET", PC + "/573").json["properties"]["hs_name"], "cut",
       "mid-response reset was applied")


@test
def t_fault_malformed_drop_huge(c, env):
    config(c, {"malformed_json_every": 2})
    r1 = c.req("GET", PC + "?limit=2")
    r2 = c.req("GET", PC + "?limit=2")
    eq((r1.status, r1.json is not None), (200, True), "1st fine")
    eq(r2.status, 200, "malformed answers 200")
    check(r2.json is None and r2.raw.startswith(b"{"), "malformed body is truncated JSON")
    config(c, {"drop_results": True})
    r = c.req("POST", PC + "/batch/update", {"inputs": [
        {"id": "574", "properties": {"hs_name": "dropped"}}]})
    eq((r.status, r.json["status"], r.json["results"]), (200, "COMPLETE", []), "drop_results")
    schema("pc", "BatchResponseSimplePublicObject", r.json, "drop_results")
    r = c.req("POST", PC + "/batch/read", {"inputs": [{"id": "574"}], "properties": [],
                                           "propertiesWithHistory": []})
    eq(r.json["results"], [], "drop_results batch read")
    r = c.req("POST", "/crm/v3/associations/partner_clients/contacts/batch/create",
              {"inputs": [{"from": {"id": "574"}, "to": {"id": "1001"},
                           "type": "partner_client_to_contact"}]})
    eq((r.status, r.json["results"]), (200, []), "drop_results association batch")
    eq(c.req("GET", PC + "/574?properties=hs_name").json["properties"]["hs_name"], "Client 574",
       "drop_results: GET unaffected, nothing applied")
    eq(c.req("GET", PC + "/574/associations/contacts").json["results"], [],
       "drop_results applied no association")
    config(c, {"huge_body_bytes": 3000000})
    r = c.req("PATCH", PC + "/575", {"properties": {"hs_name": "huge"}})
    eq((r.status, len(r.raw)), (200, 3000000), "huge body size")
    check(isinstance(r.json, dict), "huge body is valid JSON")
    eq(c.req("GET", PC + "/575").json["properties"]["hs_name"], "Client 575", "huge: not applied")
    eq(c.req("GET", PC + "?limit=1").status, 200, "huge is one-shot")
    config(c, {"raw_repeat_once": {"prefix": '{"results":[', "item": "{}", "count": 400000,
                                   "separator": ",", "suffix": "]}",
                                   "match": {"path_prefix": PC, "method": "GET"}}})
    eq(c.req("PATCH", PC + "/575", {"properties": {"hs_name": "Client 575"}}).status, 200,
       "raw_repeat_once: a request that does not match is answered normally")
    r = c.req("GET", PC + "?limit=1")
    eq((r.status, len(r.raw), len(r.json["results"])), (200, 1200013, 400000),
       "raw_repeat_once body")
    check("paging" in c.req("GET", PC + "?limit=1").json, "raw_repeat_once is one-shot")
    eq([e.get("fault") for e in log(c)[-3:]], [None, "raw_repeat", None], "raw_repeat fault logged")
    config(c, {"raw_repeat_once": {"prefix": '{"results":[{"name":"a\u00ffb","type":"string"}]}',
                                   "encoding": "latin-1",
                                   "headers": {"X-HubSpot-Correlation-Id": "id\u00ff"}}})
    r = c.req("GET", "/crm/v3/properties/partner_clients")
    eq((r.raw, r.headers["x-hubspot-correlation-id"].encode("latin-1")),
       (b'{"results":[{"name":"a\xffb","type":"string"}]}', b"id\xff"),
       "raw_repeat_once latin-1 body and header bytes")
    r = c.req("POST", "/_emulator/config", raw_body=b'{"raw_repeat_once": {"prefix": "\\u0100", "encoding": "latin-1"}}')
    eq(r.status, 400, "raw_repeat_once: a character latin-1 cannot send is refused")
    config(c, {"enforce_rate_limit": {"max": 3, "interval_ms": 10000}})
    st = [c.req("GET", PC + "?limit=1") for _ in range(5)]
    eq([r.status for r in st], [200, 200, 200, 429, 429], "enforced rate limit")
    eq(st[2].headers["x-hubspot-ratelimit-max"], "3", "enforced max header")
    # search is outside the ten-second window, with 5 a second of its own
    # for the account, whichever token sends it
    config(c, {"enforce_rate_limit": {"max": 3, "interval_ms": 10000}})
    body = {"filterGroups": [{"filters": [{"propertyName": "hs_score", "operator": "EQ",
                                           "value": "1"}]}], "limit": 1}
    st = [c.req("POST", PC + "/search", body, token=(TOKEN if i % 2 else RO_TOKEN))
          for i in range(6)]
    eq([r.status for r in st], [200] * 5 + [429], "search: 5 a second per account")
    eq(st[5].json.get("policyName"), "SECONDLY", "search's 429 names the secondly policy")
    st = [c.req("GET", PC + "?limit=1") for _ in range(4)]
    eq([r.status for r in st], [200, 200, 200, 429], "searches are not in the ten-second window")
    time.sleep(1.1)
    eq(c.req("POST", PC + "/search", body).status, 200, "search again after a second")
    config(c, {})
    r = c.req("POST", "/_emulator/config", raw_body=b'{"rules": [{"status": 500}]}')
    eq(r.status, 400, "rule without n rejected")


@test
def t_url_length(c, env):
    """A request target past 8 KB gets 414, as from HubSpot's front; up to
    8 KB is answered (doc/hubspot-api.md, "URL length")."""
    reset(c)
    W = "/crm/v3/objects/wide_records"
    r = c.req("GET", "/crm/v3/properties/wide_records")
    eq(len(r.json["results"]), 400, "wide_records has 400 properties")
    names = ",".join(p["name"] for p in r.json["results"])
    r = c.req("GET", W + "?limit=100&properties=" + names)
    eq(r.status, 414, "a list GET naming every property is too long")
    eq(log(c)[-1]["status"], 414, "the 414 is in the request log")
    pad = 8192 - len(W + "?limit=1&properties=hs_object_id&x=")
    eq(c.req("GET", W + "?limit=1&properties=hs_object_id&x=" + "a" * pad).status, 200,
       "8,192 bytes are answered")
    eq(c.req("GET", W + "?limit=1&properties=hs_object_id&x=" + "a" * (pad + 1)).status, 414,
       "8,193 bytes are not")
    r = c.req("POST", W + "/batch/read", {"inputs": [{"id": "4001"}],
                                          "properties": names.split(",")})
    eq(r.status, 200, "batch/read takes every property in its body")
    eq(len(r.json["results"][0]["properties"]), 400, "batch/read answers every property")


@test
def t_second_instance(c, env):
    p, port, line = start_emulator(["--latency-ms", "60", "--seed-count", "5",
                                    "--token", "tk"])
    try:
        eq(line, "listening on http://127.0.0.1:%d" % port, "stdout line")
        c2 = Client(port)
        t0 = time.time()
        r = c2.req("GET", PC + "?limit=100", token="tk")
        check(time.time() - t0 >= 0.055, "--latency-ms")
        eq([o["id"] for o in r.json["results"]], [str(i) for i in range(501, 506)],
           "--seed-count 5")
        eq(c2.req("GET", PC, token=TOKEN).status, 401, "--token replaces default")
        st = c2.req("GET", "/_emulator/stats", token=None).json
        eq((st["api_requests"], st["latency_ms"]), (2, 60), "stats count, --latency-ms")
        check(st["service_ms_max"] < 50, "the sleep is not service time")
        t0 = time.time()
        c2.req("GET", "/_emulator/requests", token=None)
        check(time.time() - t0 < 0.05, "control requests not delayed")
        c2.close()
    finally:
        p.terminate()
        p.wait(5)


@test
def t_stats(c, env):
    st = c.req("GET", "/_emulator/stats").json
    eq((st["api_requests"], st["api_connections"], st["max_in_flight"]), (0, 0, 0),
       "reset clears stats")
    c2 = Client(env["port"])
    for _ in range(3):
        c2.req("GET", PC + "?limit=100")
    c2.close()
    st = c.req("GET", "/_emulator/stats").json
    eq((st["api_requests"], st["api_connections"], st["max_in_flight"]), (3, 1, 1),
       "three requests on one kept-alive connection")
    check(0 < st["service_ms_mean"] <= st["service_ms_max"] <= st["service_ms_total"],
          "service times %r" % st)
    c.req("POST", "/_emulator/clear", raw_body=b"")
    eq(c.req("GET", "/_emulator/stats").json["api_requests"], 0, "clear clears stats")


@test
def t_date_versions(c, env):
    """The date versions' paths, association specs and labels (API: *API versions*)."""
    reset(c)
    for v in ("2026-03", "2026-09"):
        r = c.req("GET", "/crm/objects/%s/partner_clients/512?properties=hs_name" % v)
        eq(r.status, 200, "%s get" % v)
        eq(c.req("GET", "/crm/properties/%s/partner_clients" % v).status, 200, "%s properties" % v)
        r = c.req("GET", "/crm/associations/%s/partner_clients/contacts/labels" % v)
        eq(r.json["results"], [{"category": "HUBSPOT_DEFINED", "typeId": 901},
                               {"category": "USER_DEFINED", "typeId": 1001,
                                "label": "Billing contact"}], "%s labels" % v)
        eq(c.req("GET", "/crm/associations/%s/partner_clients/contacts/types" % v).status,
           404, "%s has no types endpoint" % v)
    base = "/crm/objects/2026-03/partner_clients/512/associations/contacts"
    r = c.req("PUT", base + "/1002", [{"associationCategory": "USER_DEFINED",
                                       "associationTypeId": 1001}])
    eq((r.status, r.json["labels"], r.json["toObjectId"]), (201, ["Billing contact"], "1002"),
       "PUT with a spec")
    eq(c.req("PUT", base + "/1002", [{"associationCategory": "HUBSPOT_DEFINED",
                                      "associationTypeId": 1001}]).status, 400,
       "a spec of the wrong category")
    eq(c.req("PUT", base + "/1002/partner_client_to_contact").status, 404,
       "no type segment under a date version")
    r = c.req("PUT", "/crm/objects/2026-09/partner_clients/512/associations/default/contacts/1003")
    eq((r.status, r.json["results"][0]["associationSpec"]["associationTypeId"]), (200, 901),
       "the default association")
    r = c.req("POST", "/crm/associations/2026-09/partner_clients/contacts/batch/create",
              {"inputs": [{"from": {"id": "513"}, "to": {"id": "1004"},
                           "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                      "associationTypeId": 901}]}]})
    eq((r.status, r.json["results"][0]["fromObjectId"]), (201, "513"), "batch/create with specs")


@test
def t_spec_check(c, env):
    """hsemu/spec.py against the specs of each version, when they are there."""
    if not os.path.isdir(SPEC_DIR):
        return
    from hsemu.spec import SpecSet
    s = SpecSet(SPEC_DIR)
    ok = [("GET", "/crm/v3/objects/partner_clients", None),
          ("POST", "/crm/objects/2026-09/partner_clients/batch/read",
           {"inputs": [{"id": "1"}], "properties": [], "propertiesWithHistory": []}),
          ("PUT", "/crm/objects/2026-03/partner_clients/1/associations/contacts/2",
           [{"associationCategory": "USER_DEFINED", "associationTypeId": 1001}]),
          ("POST", "/crm/v3/objects/partner_clients/search",
           {"filterGroups": [], "sorts": [{"propertyName": "id", "direction": "ASCENDING"}],
            "properties": [], "limit": 10})]
    for m, p, b in ok:
        eq(s.check(m, p, b)[0], "valid", "%s %s" % (m, p))
    bad = [("POST", "/crm/associations/2026-09/partner_clients/contacts/batch/create",
            {"inputs": [{"from": {"id": "1"}, "to": {"id": "2"}, "type": "x"}]}),
           ("PUT", "/crm/objects/2026-03/partner_clients/1/associations/contacts/2/x", None),
           ("DELETE", "/crm/objects/2026-09/partner_clients/batch/read", None)]
    for m, p, b in bad:
        eq(s.check(m, p, b)[0], "invalid", "%s %s" % (m, p))
    eq(s.check("GET", "/crm/properties/2026-09/contacts", None)[0], "unchecked",
       "no properties spec for the date versions")


@test
def t_package_layers(c, env):
    """The package's modules import one way: each only modules listed before
    it in hsemu.LAYERS, and every module is listed."""
    pkg = os.path.join(HERE, "hsemu")
    init = ast.parse(open(os.path.join(pkg, "__init__.py")).read())
    layers = [ast.literal_eval(n.value) for n in init.body
              if isinstance(n, ast.Assign) and n.targets[0].id == "LAYERS"][0]
    mods = sorted(f[:-3] for f in os.listdir(pkg) if f.endswith(".py") and f != "__init__.py")
    eq(sorted(layers), mods, "LAYERS lists every module once")
    for m in mods:
        tree = ast.parse(open(os.path.join(pkg, m + ".py")).read())
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and n.level == 1:
                names = [n.module] if n.module else [a.name for a in n.names]
                for d in names:
                    check(d in layers and m in layers and layers.index(d) < layers.index(m),
                          "%s imports %s, which is not below it" % (m, d))
            elif isinstance(n, ast.ImportFrom) and n.level > 1:
                check(False, "%s imports from outside the package" % m)


@test
def t_concurrency(c, env):
    reset(c)
    n = 200
    barrier = threading.Barrier(n)
    results = [None] * n
    errors = []

    def worker(i):
        cl = Client(env["port"])
        try:
            barrier.wait(10)
            sts = []
            for k in range(3):
                if k == 1:
                    r = cl.req("PATCH", PC + "/%d" % (501 + i),
                               {"properties": {"hs_score": str(i)}})
                else:
                    r = cl.req("GET", PC + "/%d?properties=hs_score" % (501 + i))
                sts.append(r.status)
            results[i] = (sts, r.json["properties"]["hs_score"])
        except Exception as e:  # noqa
            errors.append(repr(e))
        finally:
            cl.close()
    ths = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(30)
    eq(errors, [], "no client errors")
    check(all(r and r[0] == [200, 200, 200] for r in results), "all 600 requests 200")
    check(all(r and r[1] == str(i) for i, r in enumerate(results)), "each write visible")
    eq(len(log(c)), 600, "600 requests recorded")
    eq(sorted(r["seq"] for r in log(c)), list(range(1, 601)), "seq unique")


def token_request(c, fields, path="/oauth/v1/token", ctype="application/x-www-form-urlencoded"):
    """POST fields (a dict) form-encoded to the token endpoint, without a
    bearer token."""
    return c.req("POST", path, token=None, raw_body=urlencode(fields).encode(),
                 headers={"Content-Type": ctype})


def refresh_fields(**over):
    f = {"grant_type": "refresh_token", "client_id": CLIENT_ID,
         "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN}
    f.update(over)
    return {k: v for k, v in f.items() if v is not None}


def oauth_error(r, status, code, error, what):
    eq(r.status, status, what + " status")
    b = r.json or {}
    eq((b.get("status"), b.get("error")), (code, error), what + " status and error")
    check(isinstance(b.get("message"), str) and b.get("message") == b.get("error_description"),
          what + " message equals error_description")
    for h in ("x-hubspot-ratelimit-max", "x-hubspot-ratelimit-remaining"):
        check(h not in r.headers, what + " has no " + h)


@test
def t_oauth_token(c, env):
    r = token_request(c, refresh_fields())
    eq(r.status, 200, "refresh status")
    b = r.json
    eq(set(b), {"access_token", "refresh_token", "expires_in", "token_type"}, "answer fields")
    eq((b["refresh_token"], b["expires_in"], b["token_type"]), (REFRESH_TOKEN, 1800, "bearer"),
       "refresh token kept, 30 minutes, bearer")
    check(b["access_token"].startswith("emu-oauth-"), "issued token has the prefix")
    check("x-hubspot-ratelimit-max" not in r.headers, "no rate-limit headers")
    eq(c.req("GET", PC + "/501", token=b["access_token"]).status, 200, "issued token works")
    r2 = token_request(c, refresh_fields(), path="/oauth/2026-03/token")
    check(r2.status == 200 and r2.json["access_token"] != b["access_token"],
          "the 2026-03 path issues another token")
    eq(c.req("GET", PC + "/501", token=b["access_token"]).status, 200, "the first still works")
    oauth_error(token_request(c, refresh_fields(refresh_token="nope")), 400,
                "BAD_REFRESH_TOKEN", "invalid_grant", "unknown refresh token")
    oauth_error(token_request(c, refresh_fields(refresh_token=None)), 400,
                "BAD_REFRESH_TOKEN", "invalid_grant", "missing refresh token")
    oauth_error(token_request(c, refresh_fields(client_id="other")), 400,
                "BAD_CLIENT_ID", "invalid_client", "unknown client")
    oauth_error(token_request(c, refresh_fields(client_secret="wrong")), 400,
                "BAD_CLIENT_SECRET", "invalid_client", "wrong secret")
    oauth_error(token_request(c, refresh_fields(grant_type="authorization_code")), 400,
                "BAD_GRANT_TYPE", "unsupported_grant_type", "other grant")
    oauth_error(token_request(c, refresh_fields(), ctype="application/json"), 400,
                "BAD_REQUEST", "invalid_request", "JSON body")
    oauth_error(c.req("GET", "/oauth/v1/token", token=None), 405, "METHOD_NOT_ALLOWED",
                "invalid_request", "GET")
    st = c.req("GET", "/_emulator/oauth").json
    eq((st["token_requests"], st["tokens_issued"], st["refused"], st["live_tokens"]),
       (9, 2, 7, 2), "counters")
    reqs = [x for x in log(c) if x["path"].startswith("/oauth/")]
    eq(len(reqs), 9, "token requests logged")
    eq(reqs[0]["body"], {"grant_type": "refresh_token", "client_id": CLIENT_ID,
                         "client_secret": "(hidden)", "refresh_token": "(hidden)"},
       "logged with the secrets hidden")
    dump = json.dumps(log(c))
    check(CLIENT_SECRET not in dump and REFRESH_TOKEN not in dump and
          b["access_token"] not in dump, "no secret in the request log")
    eq(c.req("GET", PC + "?limit=1").headers.get("x-hubspot-ratelimit-remaining"), "97",
       "token requests count against no rate limit")


@test
def t_oauth_expiry_and_revoke(c, env):
    rc, out, err = ctl(env["base"], "oauth", '{"expires_in": 1}')
    eq((rc, json.loads(out)["expires_in"]), (0, 1), "emu_ctl oauth sets the lifetime")
    tok = token_request(c, refresh_fields()).json
    eq(tok["expires_in"], 1, "short-lived token")
    eq(c.req("GET", PC + "/501", token=tok["access_token"]).status, 200, "works at first")
    time.sleep(1.1)
    r = c.req("GET", PC + "/501", token=tok["access_token"])
    error_shape(r, 401, "EXPIRED_AUTHENTICATION", "expired token")
    check("expired" in r.json["message"], "the message says it expired")
    eq(log(c)[-1]["auth"], "expired", "logged as expired")
    tok2 = token_request(c, refresh_fields()).json
    eq(c.req("GET", PC + "/501", token=tok2["access_token"]).status, 200, "a refreshed one works")
    rc, out, err = ctl(env["base"], "oauth", '{"expire": true}')
    eq(json.loads(out)["live_tokens"], 0, "expire ends every token")
    eq(c.req("GET", PC + "/501", token=tok2["access_token"]).status, 401, "ended")
    tok3 = token_request(c, refresh_fields()).json
    rc, out, err = ctl(env["base"], "oauth", '{"revoke": true}')
    eq(rc, 0, "revoke")
    oauth_error(token_request(c, refresh_fields()), 400, "BAD_REFRESH_TOKEN", "invalid_grant",
                "revoked refresh token")
    eq(c.req("GET", PC + "/501", token=tok3["access_token"]).status, 200,
       "tokens issued before the revocation keep working")
    config(c, {"fail_next": [{"status": 400, "echo_body": True,
                              "raw": "{\"status\":\"BAD_REFRESH_TOKEN\",\"message\":\"got {body}\"}",
                              "headers": {"X-HubSpot-Correlation-Id": "{body}"},
                              "match": {"path": "/oauth/v1/token"}}]})
    r = token_request(c, refresh_fields(client_secret="s3"))
    check(r.status == 400 and "client_secret=s3" in r.json["message"] and
          "client_secret=s3" in r.headers["x-hubspot-correlation-id"], "echo_body")
    config(c, {})
    rc, out, err = ctl(env["base"], "oauth", '{"nope": 1}')
    check(rc != 0 and out == "", "bad oauth control refused")
    rc, out, err = ctl(env["base"], "oauth")
    st = json.loads(out)
    eq((st["token_requests"], st["tokens_issued"], st["refused"]), (4, 3, 1),
       "emu_ctl oauth counters (an injected answer is not counted)")
    tok4 = token_request(c, refresh_fields(refresh_token=None))
    reset(c)
    eq(token_request(c, refresh_fields()).json["expires_in"], 1800,
       "reset restores the lifetime and the refresh tokens")
    eq(c.req("GET", PC + "/501", token=tok3["access_token"]).status, 200,
       "a reset keeps the tokens issued")
    check(tok4.status == 400, "missing refresh token refused")


@test
def t_rate_limit_config(c, env):
    config(c, {"enforce_rate_limit": {"max": 3, "interval_ms": 500, "daily": 5}})
    rs = [c.req("GET", PC + "?limit=1") for _ in range(4)]
    eq([r.status for r in rs], [200, 200, 200, 429], "3 per 500 ms")
    eq((rs[0].headers["x-hubspot-ratelimit-max"],
        rs[0].headers["x-hubspot-ratelimit-interval-milliseconds"],
        rs[0].headers["x-hubspot-ratelimit-daily"],
        rs[0].headers["x-hubspot-ratelimit-daily-remaining"]), ("3", "500", "5", "4"),
       "headers state the enforced limits")
    eq(rs[3].json["policyName"], "TEN_SECONDLY_ROLLING", "burst policy")
    time.sleep(0.6)
    r = c.req("GET", PC + "?limit=1")
    eq((r.status, r.headers["x-hubspot-ratelimit-daily-remaining"]), (200, "0"),
       "fifth request of the day")
    time.sleep(0.6)
    r = c.req("GET", PC + "?limit=1")
    eq((r.status, r.json["policyName"], r.headers["x-hubspot-ratelimit-daily-remaining"]),
       (429, "DAILY", "0"), "the sixth is over the daily limit")
    config(c, {"rate_limit_headers": False})
    r = c.req("GET", PC + "?limit=1")
    check(r.status == 200 and not any(h.startswith("x-hubspot-ratelimit") for h in r.headers),
          "no rate-limit headers when asked")
    config(c, {"rate_limit_headers": {"max": 190, "daily": 1000}})
    r = c.req("GET", PC + "?limit=1")
    eq((r.headers["x-hubspot-ratelimit-max"], r.headers["x-hubspot-ratelimit-remaining"],
        r.headers["x-hubspot-ratelimit-daily"]), ("190", "188", "1000"), "stated, not enforced")
    for bad in ({"rate_limit_headers": {"max": 0}}, {"rate_limit_headers": "x"},
                {"enforce_rate_limit": {"daily": 0}}, {"enforce_rate_limit": {"maxx": 1}}):
        eq(c.req("POST", "/_emulator/config", body=bad).status, 400, "refused %s" % bad)


@test
def t_accounts(c, env):
    """Accounts: GET /account-info/v3/details, tokens of other accounts,
    and search's 5 a second counted per account."""
    r = c.req("GET", "/account-info/v3/details")
    eq(r.status, 200, "account details")
    eq(sorted(r.json), sorted(["portalId", "accountType", "timeZone", "companyCurrency",
                               "additionalCurrencies", "utcOffset", "utcOffsetMilliseconds",
                               "uiDomain", "dataHostingLocation"]), "account details fields")
    default = r.json["portalId"]
    check(isinstance(default, int) and default > 0, "portalId is a positive integer")
    eq(c.req("GET", "/account-info/v3/details", token=RO_TOKEN).json["portalId"], default,
       "the started tokens share the default account")
    error_shape(c.req("GET", "/account-info/v3/details", token="no-such-token"), 401,
                "INVALID_AUTHENTICATION", "account details, bad token")
    eq(c.req("POST", "/account-info/v3/details", {}).status, 405, "account details is GET only")
    r = c.req("POST", "/_emulator/accounts", {"tokens": {
        "acct-a1": {"account": 111}, "acct-a2": {"account": 111},
        "acct-b": {"account": 222}, "acct-noinfo": {"account": 333, "account_info": False}}})
    eq((r.status, r.json["accounts"]), (200, {"111": 2, "222": 1, "333": 1}), "tokens added")
    for bad in ({"tokens": {"x": {"account": 0}}}, {"tokens": {"x": {"acct": 1}}}, {"x": 1}):
        eq(c.req("POST", "/_emulator/accounts", bad).status, 400, "refused %s" % bad)
    eq([c.req("GET", "/account-info/v3/details", token=t).json["portalId"]
        for t in ("acct-a1", "acct-a2", "acct-b")], [111, 111, 222], "each token's account")
    error_shape(c.req("GET", "/account-info/v3/details", token="acct-noinfo"), 403,
                "MISSING_SCOPES", "account details without the scope")
    eq(c.req("GET", PC + "?limit=1", token="acct-noinfo").status, 200, "an added token works")
    config(c, {"enforce_rate_limit": True})
    body = {"filterGroups": [], "limit": 1}
    st = [c.req("POST", PC + "/search", body, token=t)
          for t in ("acct-a1", "acct-a2", "acct-a1", "acct-a2", "acct-a1", "acct-a2", "acct-b")]
    eq([r.status for r in st], [200] * 5 + [429, 200], "search: 5 a second per account, "
       "shared by its tokens")
    eq(st[5].json.get("policyName"), "SECONDLY", "the account's 429 is SECONDLY")
    eq([x.get("account") for x in log(c) if x["path"].endswith("/search")],
       [111] * 6 + [222], "the log names each request's account")
    config(c, {})
    rc, out, _ = ctl(env["base"], "accounts", '{"tokens": {"acct-c": {"account": 444}}}')
    eq((rc, json.loads(out)["accounts"].get("444")), (0, 1), "emu_ctl accounts adds a token")
    reset(c)
    eq(c.req("GET", PC + "?limit=1", token="acct-a1").status, 401, "reset forgets added tokens")


@test
def t_documented_limits(c, env):
    """Association batch/read takes 1,000 inputs (create 100), search one
    sorting rule, batch/upsert an idProperty in every input."""
    base = "/crm/v3/associations/partner_clients/contacts/batch/"
    r = c.req("POST", base + "read", {"inputs": [{"id": str(501 + i)} for i in range(1000)]})
    check(r.status in (200, 207), "association batch/read of 1,000 (207: ids not seeded)")
    error_shape(c.req("POST", base + "read", {"inputs": [{"id": str(i)} for i in range(1001)]}),
                400, "VALIDATION_ERROR", "association batch/read of 1,001")
    error_shape(c.req("POST", base + "create", {"inputs": [
        {"from": {"id": "501"}, "to": {"id": "1001"}, "type": "partner_client_to_contact"}] * 101}),
        400, "VALIDATION_ERROR", "association batch/create of 101")
    one = {"propertyName": "hs_name", "direction": "ASCENDING"}
    eq(c.req("POST", PC + "/search", {"sorts": [one], "limit": 1}).status, 200, "one sort")
    error_shape(c.req("POST", PC + "/search", {"sorts": [one, {"propertyName": "hs_score"}],
                                               "limit": 1}),
                400, "VALIDATION_ERROR", "two sorts")
    error_shape(c.req("POST", "/crm/v3/objects/contacts/batch/upsert", {"inputs": [
        {"id": "1001", "properties": {"firstname": "X"}}]}),
        400, "VALIDATION_ERROR", "upsert without idProperty")


def main():
    p, port, line = start_emulator(["--token", TOKEN, "--token", "second-token",
                                    "--read-only-token", RO_TOKEN,
                                    "--oauth-client", CLIENT_ID + ":" + CLIENT_SECRET,
                                    "--refresh-token", REFRESH_TOKEN])
    env = {"port": port, "base": "http://127.0.0.1:%d" % port}
    t_start = time.time()
    try:
        CURRENT[0] = "startup"
        eq(line, "listening on http://127.0.0.1:%d" % port, "stdout line")
        if not SPECS.ok:
            sys.stderr.write("note: OpenAPI specs not found under %s; schema checks skipped\n"
                             % SPEC_DIR)
        c = Client(port)
        for fn in TESTS:
            CURRENT[0] = fn.__name__
            reset(c)
            try:
                fn(c, env)
            except Exception:
                check(False, "exception:\n" + traceback.format_exc())
                c.close()
        c.close()
    finally:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
        err = p.stderr.read()
        if err.strip():
            CURRENT[0] = "emulator stderr"
            check(False, "emulator wrote to stderr:\n" + err[-2000:])
    sys.stderr.write("selftest took %.1fs\n" % (time.time() - t_start))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
