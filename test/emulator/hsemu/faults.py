"""Fault modes and rate limits: the config POST /_emulator/config sets, the
plan it makes for each API request, and the answers a fault gives instead
of the normal one.

The 429 answers and rate-limit headers follow doc/hubspot-api.md, "Rate
limits"; the statuses a client is expected to retry, and how long it waits,
follow doc/hubspot-api.md, "Retries and waits".  Nothing here takes a lock:
the caller holds the emulator's lock (server.State.lock).
"""

import collections
import re
import time

from .answers import default_error_body, dumps
from .limits import ASSOC_READ_PAGE, RATE_LIMIT_DAILY, RATE_LIMIT_INTERVAL_MS, RATE_LIMIT_MAX, SEARCH_RATE_PER_S

MATCH_KEYS = {"method", "path", "path_prefix", "path_contains", "path_regex", "body_contains"}
CONFIG_KEYS = {"status_every", "rules", "fail_next", "delay_ms", "delay_ms_match", "delays",
               "reset_connection_every", "malformed_json_every", "drop_results",
               "huge_body_bytes", "enforce_rate_limit", "search_stale", "raw_repeat_once",
               "rate_limit_headers", "assoc_read_page"}


class ConfigError(Exception):
    """A fault config (or a bulk request) the emulator cannot take: a 400."""


def check_int(v, what, minimum=0):
    """v, if it is an integer >= minimum; else a ConfigError naming what."""
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
    a = {"status": check_int(e.get("status", 500), what + ".status", 100),
         "match": compile_match(e.get("match"), what), "count": 0}
    if need_n:
        a["n"] = check_int(e.get("n"), what + ".n", 1)
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
    # a server that echoes the request body (a token request's secrets):
    # "{body}" in raw and in header values becomes the body as sent
    a["echo_body"] = bool(e.get("echo_body", False))
    return a


def compile_every(v, what, modes=None):
    if isinstance(v, int) and not isinstance(v, bool):
        return {"n": check_int(v, what, 1), "match": None, "count": 0,
                "mode": modes[0] if modes else None}
    if not isinstance(v, dict):
        raise ConfigError("%s must be an integer or an object" % what)
    r = {"n": check_int(v.get("n"), what + ".n", 1), "match": compile_match(v.get("match"), what),
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
    r = {"status": check_int(e.get("status", 200), what + ".status", 100),
         "count": check_int(e.get("count", 0), what + ".count"),
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
         "repeat": None, "headers": compile_rate_headers(cfg.get("rate_limit_headers", True)),
         "assoc_read_page": check_int(cfg.get("assoc_read_page", ASSOC_READ_PAGE),
                                      "assoc_read_page", 1)}
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
        ms = check_int(cfg["delay_ms"], "delay_ms")
        m = cfg.get("delay_ms_match")
        if isinstance(m, dict) and "ms" in m:
            m = dict(m)
            ms = check_int(m.pop("ms"), "delay_ms_match.ms")
        c["delays"].append({"ms": ms, "match": compile_match(m, "delay_ms_match")})
    elif "delay_ms_match" in cfg:
        m = cfg["delay_ms_match"]
        if not isinstance(m, dict) or "ms" not in m:
            raise ConfigError("delay_ms_match needs delay_ms or an \"ms\" key")
        m = dict(m)
        ms = check_int(m.pop("ms"), "delay_ms_match.ms")
        c["delays"].append({"ms": ms, "match": compile_match(m, "delay_ms_match")})
    delays = cfg.get("delays", [])
    if not isinstance(delays, list):
        raise ConfigError("delays must be a list")
    for i, d in enumerate(delays):
        if not isinstance(d, dict):
            raise ConfigError("delays[%d] must be an object" % i)
        c["delays"].append({"ms": check_int(d.get("ms"), "delays[%d].ms" % i),
                            "match": compile_match(d.get("match"), "delays[%d]" % i)})
    if "reset_connection_every" in cfg:
        c["reset"] = compile_every(cfg["reset_connection_every"], "reset_connection_every",
                                   ["before_response", "mid_response"])
    if "malformed_json_every" in cfg:
        c["malformed"] = compile_every(cfg["malformed_json_every"], "malformed_json_every")
    if "huge_body_bytes" in cfg:
        c["huge"] = check_int(cfg["huge_body_bytes"], "huge_body_bytes", 1)
    if "raw_repeat_once" in cfg:
        c["repeat"] = compile_repeat(cfg["raw_repeat_once"])
    if "enforce_rate_limit" in cfg:
        e = cfg["enforce_rate_limit"]
        if e is True:
            e = {}
        if not isinstance(e, dict):
            raise ConfigError("enforce_rate_limit must be true or an object")
        bad = set(e) - {"max", "interval_ms", "search_max", "daily"}
        if bad:
            raise ConfigError("enforce_rate_limit has unknown keys %s" % sorted(bad))
        c["enforce"] = {"max": check_int(e.get("max", RATE_LIMIT_MAX),
                                         "enforce_rate_limit.max", 1),
                        "interval_ms": check_int(e.get("interval_ms", RATE_LIMIT_INTERVAL_MS),
                                                 "enforce_rate_limit.interval_ms", 1),
                        "search_max": check_int(e.get("search_max", SEARCH_RATE_PER_S),
                                                "enforce_rate_limit.search_max", 1),
                        "daily": check_int(e["daily"], "enforce_rate_limit.daily", 1)
                        if "daily" in e else None,
                        "window": collections.deque(), "search_windows": {},
                        "daily_used": 0}
    return c


def compile_rate_headers(v):
    """rate_limit_headers: true (the default) sends the five rate-limit
    headers; false sends none of them (answers that do not state the
    limit); an object {"max","interval_ms","daily"} changes the values the
    headers state without enforcing them."""
    if v is True:
        return {}
    if v is False:
        return None
    if not isinstance(v, dict) or set(v) - {"max", "interval_ms", "daily"}:
        raise ConfigError("rate_limit_headers must be true, false or an object with "
                          "max, interval_ms and daily")
    return {k: check_int(x, "rate_limit_headers." + k, 1) for k, x in v.items()}



def rate_limit_body(policy, cid):
    label = {"TEN_SECONDLY_ROLLING": "ten_secondly_rolling", "SECONDLY": "secondly",
             "DAILY": "daily"}.get(policy, policy.lower())
    return {"status": "error", "message": "You have reached your %s limit." % label,
            "errorType": "RATE_LIMIT", "correlationId": cid, "policyName": policy,
            "groupName": "publicapi:private-app:emulator", "category": "RATE_LIMITS"}


class Faults:
    """The fault config in force and the rate counters."""

    def __init__(self):
        self.reset()

    def reset(self):
        """No faults, and the rate counters from zero."""
        self.config = compile_config({})
        self.window = collections.deque()
        self.daily = 0

    def count_request(self, kind="paced", account=None):
        """Count one API request against the rate limits; returns the values
        of its rate-limit headers ("headers": False when the config sends
        none), "in_window" and "over_daily", for enforcement.
        kind: "paced" (the ten-second window), "search" (search's own
        per-second limit, "search_in_second", counted per account: every
        token of "account" shares it) or "exempt" (association batches):
        the last two are outside the ten-second window, as the spec marks
        them (doc/hubspot-api.md, "Rate limits", "Search")."""
        now = time.monotonic()
        self.daily += 1
        enforce = self.config["enforce"]
        daily, used = RATE_LIMIT_DAILY, self.daily
        if enforce:
            # enforcement counts only the requests since the config was set
            window, interval, limit = enforce["window"], enforce["interval_ms"], enforce["max"]
            if enforce["daily"] is not None:
                enforce["daily_used"] += 1
                daily, used = enforce["daily"], enforce["daily_used"]
        else:
            window, interval, limit = self.window, RATE_LIMIT_INTERVAL_MS, RATE_LIMIT_MAX
        if kind == "paced":
            window.append(now)
        while window and window[0] <= now - interval / 1000.0:
            window.popleft()
        shown = self.config["headers"]
        rate = {"max": limit, "interval": interval,
                "in_window": len(window) if kind == "paced" else 0,
                "remaining": max(0, limit - len(window)),
                "daily": daily, "daily_remaining": max(0, daily - used),
                "over_daily": used > daily, "headers": shown is not None}
        if shown:
            rate["max"] = shown.get("max", rate["max"])
            rate["interval"] = shown.get("interval_ms", rate["interval"])
            rate["remaining"] = max(0, rate["max"] - len(window))
            rate["daily"] = shown.get("daily", rate["daily"])
            rate["daily_remaining"] = max(0, rate["daily"] - used)
        if kind == "search" and enforce:
            # per account: every token of the account shares search's budget
            sw = enforce["search_windows"].setdefault(account, collections.deque())
            sw.append(now)
            while sw and sw[0] <= now - 1.0:
                sw.popleft()
            rate["search_in_second"] = len(sw)
        return rate

    def plan(self, method, path, body=""):
        """Advance fault counters for one API request and decide what happens.
        body: the request body as text, for body_contains."""
        c = self.config
        plan = {"delay_ms": 0, "action": None, "answer": None, "malformed": False,
                "reset_mode": None, "drop_results": c["drop_results"],
                "assoc_read_page": c["assoc_read_page"],
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


def injected_answer(a, rate, cid, authorization, body=""):
    """The answer of a fail_next entry or a rule that fired: (status, body,
    headers, rate-limit header values).  authorization: the request's
    Authorization header, for echo_authorization; body: the request body
    as text, for echo_body."""
    status = a["status"]
    hdrs = dict(a["headers"])
    r = dict(rate) if rate is not None else None

    def echo(text):
        if a["echo_authorization"]:
            text = text.replace("{authorization}", authorization)
        if a["echo_body"]:
            text = text.replace("{body}", body)
        return text
    hdrs = {k: echo(v) for k, v in hdrs.items()}
    if "raw" in a:
        payload = echo(a["raw"]).encode("utf-8")
    elif "body" in a:
        payload = dumps(a["body"])
    elif status == 429:
        payload = dumps(rate_limit_body(a["policy"], cid))
    else:
        payload = dumps(default_error_body(status, cid))
    if status == 429:
        if r is not None:
            r["remaining"] = 0
            if a["policy"] == "DAILY":
                r["daily_remaining"] = 0
        if "retry_after" in a:
            hdrs.setdefault("Retry-After", str(a["retry_after"]))
    if status in (204, 304):
        payload = b""
    return status, payload, hdrs, r


def truncated_json(payload):
    """The first half of an answer's body (malformed_json_every), so that it
    is no longer valid JSON."""
    text = payload if payload else b'{"status":"COMPLETE","results":[{"id":"1"}]}'
    cut = max(1, min(len(text) - 1, len(text) // 2))
    return text[:cut]
