"""The HTTP server: the emulator's state under its one lock, the request
plumbing (bodies, headers, the request log, the fault plan of each request),
the control endpoints /_emulator/..., and main().

Every API answer carries the rate-limit headers of doc/hubspot-api.md,
"Rate limits", and every error answer the envelope of doc/hubspot-api.md,
"Errors". The OAuth token endpoint (doc/hubspot-api.md, "OAuth") is
answered here too: its requests are logged, with their secrets hidden, and
faults apply to them, but they count against no rate limit and their
answers carry no rate-limit headers.
"""

import argparse
import collections
import gc
import json
import os
import signal
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from . import accounts
from .api import route
from .answers import AUTH_HELP, ApiError, default_error_body, dumps, validation_error
from .context import Ctx
from .faults import (ConfigError, Faults, check_int, compile_config, injected_answer,
                     rate_limit_body, repeat_body, truncated_json)
from .limits import URL_MAX_BYTES
from .oauth import TOKEN_PATHS, OAuth, OAuthError, logged_form, parse_form
from .requestlog import RequestLog, stats_json
from .schema import TYPE_BY_NAME
from .store import Store, obj_json
from .spec import SpecCheck

JSON_CT = "application/json;charset=utf-8"


class State:
    """Everything the emulator keeps, under one lock: the records (Store),
    the request log and load statistics (RequestLog), and the fault config
    and rate counters (Faults)."""

    def __init__(self, seed_count, oauth):
        self.lock = threading.RLock()
        self.store = Store(seed_count)
        self.log = RequestLog()
        self.faults = Faults()
        self.oauth = oauth
        self.accounts = accounts.Accounts()
        self.spec_check = None      # a SpecCheck when --spec-dir is given
        self.reset()

    def reset(self):
        """Re-seed the data; clear the request log, the fault config, the
        rate counters and the OAuth state."""
        with self.lock:
            self.store.reset()
            self.log.clear()
            self.faults.reset()
            self.oauth.reset()
            self.accounts.reset()
            # A seed can be 100,000s of objects: keep the cyclic garbage
            # collector from walking them in every full collection, which
            # paused answers for 100s of ms in the middle of a benchmark.
            gc.collect()
            gc.freeze()

    def record_request(self, entry, counted=True):
        """Log one API request and, when "counted", count it against the
        rate limits (search's per account: entry["account"]); returns the
        values of its rate-limit headers (None when not counted)."""
        with self.lock:
            self.log.record(entry)
            return (self.faults.count_request(rate_kind(entry["method"], entry["path"]),
                                              entry.get("account"))
                    if counted else None)

    def plan_faults(self, method, path, body=""):
        """What the fault config does to one API request (Faults.plan)."""
        with self.lock:
            return self.faults.plan(method, path, body)


def rate_kind(method, path):
    """Which budget a request spends (Faults.count_request): search has its
    own; association batches are exempt from the ten-second window
    (doc/hubspot-api.md, "Rate limits")."""
    if method == "POST" and path.startswith("/crm/") and path.endswith("/search"):
        return "search"
    if path.startswith(("/crm/v3/associations/", "/crm/v4/associations/",
                        "/crm/associations/")) and "/batch/" in path:
        return "exempt"
    return "paced"


class BodyError(Exception):
    """A request body that cannot be read (bad chunking or Content-Length)."""


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
        if rate is not None and rate["headers"]:
            hdrs["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(rate["interval"])
            hdrs["X-HubSpot-RateLimit-Max"] = str(rate["max"])
            hdrs["X-HubSpot-RateLimit-Remaining"] = str(rate["remaining"])
            hdrs["X-HubSpot-RateLimit-Daily"] = str(rate["daily"])
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
                st.log.clear()
                out = {"status": "ok"}
            elif segs == ["stats"] and m == "GET":
                out = stats_json(st.log.stats, self.server.latency_ms)
            elif segs == ["requests"] and m == "GET":
                out = {"requests": json.loads(json.dumps(st.log.requests))}
            elif segs == ["config"] and m == "POST":
                try:
                    cfg = json.loads(body.decode("utf-8")) if body.strip() else {}
                    st.faults.config = compile_config(cfg)
                    if st.faults.config["search_stale"]:
                        st.store.snapshot_search_index()
                    else:
                        st.store.search_snapshot = None
                    out = {"status": "ok", "config": cfg}
                except (ValueError, UnicodeDecodeError, ConfigError) as e:
                    status, out = 400, {"status": "error", "message": "bad config: %s" % e,
                                        "correlationId": cid, "category": "VALIDATION_ERROR"}
            elif segs == ["config"] and m == "GET":
                out = {"config": st.faults.config["raw"]}
            elif segs == ["oauth"] and m in ("GET", "POST"):
                try:
                    if m == "POST":
                        st.oauth.control(json.loads(body.decode("utf-8")) if body.strip() else {})
                    out = st.oauth.stats()
                except (ValueError, UnicodeDecodeError) as e:
                    status, out = 400, {"status": "error", "message": "bad oauth request: %s" % e,
                                        "correlationId": cid, "category": "VALIDATION_ERROR"}
            elif segs == ["accounts"] and m in ("GET", "POST"):
                try:
                    if m == "POST":
                        st.accounts.control(json.loads(body.decode("utf-8"))
                                            if body.strip() else {})
                    out = st.accounts.listing()
                except (ValueError, UnicodeDecodeError) as e:
                    status, out = 400, {"status": "error",
                                        "message": "bad accounts request: %s" % e,
                                        "correlationId": cid, "category": "VALIDATION_ERROR"}
            elif segs == ["associations"] and m == "GET":
                out = {"results": st.store.assoc_list()}
            elif segs == ["bulk"] and m == "POST":
                try:
                    out = bulk_create(st.store, json.loads(body.decode("utf-8")))
                except (ValueError, UnicodeDecodeError, ConfigError) as e:
                    status, out = 400, {"status": "error", "message": "bad bulk request: %s" % e,
                                        "correlationId": cid, "category": "VALIDATION_ERROR"}
            elif len(segs) == 3 and segs[0] == "objects" and m == "GET":
                tdef = TYPE_BY_NAME.get(segs[1])
                rec = st.store.records[tdef.name].get(segs[2]) if tdef else None
                if rec is None:
                    status, out = 404, {"status": "error", "correlationId": cid,
                                        "message": "no such object %s/%s" % (segs[1], segs[2]),
                                        "category": "OBJECT_NOT_FOUND"}
                else:
                    out = obj_json(st.store, tdef, rec)
            elif segs == ["health"] and m == "GET":
                out = {"status": "ok"}
            else:
                status, out = 404, {"status": "error", "correlationId": cid,
                                    "message": "unknown control endpoint %s %s" % (m, raw_path),
                                    "category": "OBJECT_NOT_FOUND"}
        self.send_bytes(status, dumps(out), cid)

    # -- API requests -----------------------------------------------------
    def classify_auth(self):
        """What the request's bearer token is: "missing", "invalid",
        "valid", "read-only" or "expired"; self.bearer is the token."""
        self.bearer = None
        h = self.headers.get("Authorization")
        if h is None:
            return "missing"
        scheme, _, token = h.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return "invalid"
        self.bearer = token
        if token in self.server.tokens:
            return "valid"
        if token in self.server.ro_tokens:
            return "read-only"
        with self.server.state.lock:
            added = self.server.state.accounts.classify(token)
            if added:
                return added
            issued, self.expired_s = self.server.state.oauth.classify(token)
        return issued or "invalid"

    def api(self, raw_path, qs, body, cid):
        """Answer one API request, counting it in the load statistics: its
        service time is its time here minus the sleep it was told to take."""
        st = self.server.state
        t0 = time.perf_counter()
        self.slept = 0.0
        with st.lock:
            s = st.log.stats
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
                s = st.log.stats
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
        token_request = raw_path in TOKEN_PATHS
        form = None
        if token_request:
            try:
                form = parse_form(body)
                entry["body"] = logged_form(form)
            except OAuthError as e:
                form = e
                entry["body"] = None
        elif body:
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
        # the HubSpot account the token belongs to (search's budget is the account's)
        if auth in ("valid", "read-only", "expired"):
            with st.lock:
                entry["account"] = st.accounts.account_of(self.bearer)
        else:
            entry["account"] = None
        entry["arrived_ms"] = None
        entry["answered_ms"] = None
        rate = st.record_request(entry, counted=not token_request)
        if st.spec_check is not None and raw_path.startswith("/crm/"):
            with st.lock:
                st.spec_check.check(self.command, raw_path, entry["body"])
        if len(self.path.encode("utf-8", errors="replace")) > URL_MAX_BYTES:
            # HubSpot's front answers 414 to a long URL, before the API sees it
            # (doc/hubspot-api.md, "URL length")
            with st.lock:
                entry["answered_ms"] = st.log.ms()
                entry["status"] = 414
            self.send_bytes(414, b"<html><body><h1>414 Request-URI Too Large</h1></body></html>",
                            cid, {"Content-Type": "text/html"})
            return
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
                entry["answered_ms"] = st.log.ms()
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
            self.send_bytes(a["status"], repeat_body(a), cid, a["headers"],
                            dict(rate) if rate else None)
            return
        if action == "reset":
            set_status(None, "reset_connection")
            self.abort_connection()
            return
        if action == "answer":
            status, payload, hdrs, r = injected_answer(plan["answer"], rate, cid,
                                                       self.headers.get("Authorization", ""),
                                                       body.decode("utf-8", errors="replace"))
            set_status(status, "injected")
            self.send_bytes(status, payload, cid, hdrs, r)
            return
        if token_request:
            status, payload = self.run_token(form, cid)
            set_status(status)
            self.send_bytes(status, payload, cid)
            return
        if plan["enforce"] and rate["over_daily"]:
            r = dict(rate)
            r["remaining"] = r["daily_remaining"] = 0
            set_status(429, "rate_limited")
            self.send_bytes(429, dumps(rate_limit_body("DAILY", cid)), cid, None, r)
            return
        if plan["enforce"] and rate.get("search_in_second", 0) > plan["enforce"]["search_max"]:
            # search's own limit, per account (doc/hubspot-api.md, "Search")
            set_status(429, "rate_limited")
            self.send_bytes(429, dumps(rate_limit_body("SECONDLY", cid)), cid, None, dict(rate))
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
            payload = truncated_json(payload)
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
        ctx = Ctx(st.store, self.command, raw_path, segs, query, body, auth, cid, "http://" + host)
        ctx.drop_results = plan["drop_results"]
        ctx.assoc_read_page = plan["assoc_read_page"]
        try:
            if not raw_path.startswith("/crm/") and raw_path != accounts.DETAILS_PATH:
                raise ApiError(404, "OBJECT_NOT_FOUND",
                               "No API route matches %s %s" % (self.command, raw_path))
            if auth == "expired":
                raise ApiError(401, "EXPIRED_AUTHENTICATION",
                               "The OAuth token used to make this call expired %d second(s) ago."
                               % max(0, int(self.expired_s)))
            if auth not in ("valid", "read-only"):
                raise ApiError(401, "INVALID_AUTHENTICATION",
                               "Authentication credentials not found. This API supports OAuth 2.0 "
                               "authentication and you can find more details at %s" % AUTH_HELP)
            with st.lock:
                if raw_path == accounts.DETAILS_PATH:
                    if self.command != "GET":
                        raise ApiError(405, "METHOD_NOT_ALLOWED", "Method %s is not allowed on %s"
                                       % (self.command, raw_path))
                    status, obj = st.accounts.details(self.bearer)
                else:
                    status, obj = route(ctx)
        except ApiError as e:
            return e.status, dumps(e.body(cid))
        except Exception:   # an emulator bug: answer 500 and say so on stderr
            traceback.print_exc()
            return 500, dumps(default_error_body(500, cid))
        return status, (dumps(obj) if obj is not None else b"")

    def run_token(self, form, cid):
        """Answer a request to the token endpoint: (status, payload). form:
        its parsed fields, or the OAuthError of a body that did not parse."""
        st = self.server.state
        try:
            if self.command != "POST":
                raise OAuthError(405, "invalid_request", "METHOD_NOT_ALLOWED",
                                 "the token endpoint takes POST only")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/x-www-form-urlencoded":
                raise OAuthError(400, "invalid_request", "BAD_REQUEST",
                                 "the body must be application/x-www-form-urlencoded")
            if isinstance(form, OAuthError):
                raise form
            with st.lock:
                status, out = st.oauth.token(form)
        except OAuthError as e:
            if e.counted is False:
                with st.lock:
                    st.oauth.count_refusal()
            return e.status, dumps(e.body(cid))
        return status, dumps(out)

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


def bulk_create(store, spec):
    """Control endpoint: create many records at once, without requests.

    spec: {"type": T, "count": N, "properties": {name: template}}; "{n}" in a
    template becomes 1..N.  Values are stored as given (not validated)."""
    if not isinstance(spec, dict):
        raise ConfigError("the body must be a JSON object")
    tdef = TYPE_BY_NAME.get(spec.get("type"))
    if tdef is None:
        raise ConfigError("unknown type %r" % spec.get("type"))
    count = check_int(spec.get("count"), "count", 1)
    templates = spec.get("properties", {})
    if not isinstance(templates, dict) or \
            any(k not in tdef.props or not isinstance(v, str) for k, v in templates.items()):
        raise ConfigError("properties must map properties of %s to strings" % tdef.name)
    first = None
    for n in range(1, count + 1):
        values = {k: v.replace("{n}", str(n)) for k, v in templates.items()}
        rec = store.create(tdef, values)
        first = first or rec["id"]
    return {"type": tdef.name, "created": count, "first_id": first, "last_id": rec["id"]}



def main(argv=None):
    ap = argparse.ArgumentParser(description="HubSpot CRM v3 API emulator")
    ap.add_argument("--port", type=int, default=0, help="TCP port (0 = pick a free one)")
    ap.add_argument("--port-file", help="write the chosen port to this file once listening")
    ap.add_argument("--token", action="append", default=None,
                    help="valid bearer token with all scopes (repeatable; default test-token)")
    ap.add_argument("--read-only-token", action="append", default=[],
                    help="valid bearer token without write scopes (repeatable)")
    ap.add_argument("--oauth-client", action="append", default=[], metavar="ID:SECRET",
                    help="an OAuth app's client id and secret (repeatable)")
    ap.add_argument("--refresh-token", action="append", default=[],
                    help="a refresh token the token endpoint accepts for any app (repeatable)")
    ap.add_argument("--oauth-token-prefix", default="emu-oauth-",
                    help="the prefix of every access token the token endpoint issues")
    ap.add_argument("--latency-ms", type=int, default=0, help="sleep before every API answer")
    ap.add_argument("--seed-count", type=int, default=300, help="records per partner type")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    ap.add_argument("--spec-dir", help="check every API request against the OpenAPI specs "
                    "of its version in this folder (hsemu/spec.py)")
    ap.add_argument("--spec-report", help="append each request that fails the spec check "
                    "to this file, one JSON line each")
    args = ap.parse_args(argv)
    tokens = args.token if args.token else ["test-token"]
    clients = {}
    for c in args.oauth_client:
        cid, sep, secret = c.partition(":")
        if not sep or not cid or not secret:
            ap.error("--oauth-client takes ID:SECRET")
        clients[cid] = secret
    oauth = OAuth(clients, args.refresh_token, args.oauth_token_prefix)
    state = State(max(0, args.seed_count), oauth)
    if args.spec_dir:
        state.spec_check = SpecCheck(args.spec_dir, args.spec_report,
                                     {a for t in TYPE_BY_NAME.values()
                                      for a in [t.name] + list(t.aliases)})
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
