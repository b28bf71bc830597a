#!/usr/bin/python3
"""Control client for hubspot_emulator.py.

usage: emu_ctl.py BASE_URL COMMAND [ARG]

  reset                 reseed data, clear the request log and the fault config
  clear                 clear the request log only
  requests              print every recorded API request, one JSON document per line
  config JSON           replace the fault config (JSON text; "-" reads it from stdin)
  object TYPE/ID        print the stored record with all its properties
  associations          print every stored association, one JSON document per line
  stats                 print the load statistics (max_in_flight, ...) as one JSON document
  bulk JSON             create records without API requests; prints what was created
  oauth [JSON]          print the OAuth counters (token requests, tokens issued, ...) as one
                        JSON document; with JSON ({"expires_in":2}, {"revoke":true},
                        {"expire":true}), change the OAuth state first
  accounts [JSON]       print the accounts tests added (how many tokens each) as one JSON
                        document; with JSON ({"tokens":{"TOKEN":{"account":N}}}), add tokens
                        of account N first

stdout carries only the JSON lines (it is read by COPY ... FROM PROGRAM);
errors go to stderr with a non-zero exit status.
"""

import json
import sys
import urllib.error
import urllib.request
from urllib.parse import quote

TIMEOUT_S = 30


def fail(msg, code=1):
    sys.stderr.write("emu_ctl: %s\n" % msg)
    sys.exit(code)


def call(base, method, path, body=None):
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        data = body.encode("utf-8")
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method,
                                 headers=headers)
    # Never go through an http_proxy from the environment: the emulator is local.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=TIMEOUT_S) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")
        fail("%s %s -> HTTP %d: %s" % (method, path, e.code, detail.strip()))
    except (urllib.error.URLError, OSError) as e:
        fail("%s %s failed: %s" % (method, path, getattr(e, "reason", e)))
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        fail("%s %s: answer is not JSON" % (method, path))


def emit(obj):
    # default separators, ensure_ascii=True: no raw control or non-ASCII characters
    sys.stdout.write(json.dumps(obj) + "\n")


def main(argv):
    if len(argv) < 3:
        fail("usage: emu_ctl.py BASE_URL COMMAND [ARG]", 2)
    base, cmd, args = argv[1], argv[2], argv[3:]
    needs_arg = cmd in ("config", "object", "bulk")
    if needs_arg and len(args) != 1:
        fail("%s needs exactly one argument" % cmd, 2)
    optional_arg = cmd in ("oauth", "accounts")
    if not needs_arg and len(args) > (1 if optional_arg else 0):
        fail("%s takes at most one argument" % cmd if optional_arg
             else "%s takes no argument" % cmd, 2)
    if cmd == "reset":
        call(base, "POST", "/_emulator/reset", "")
    elif cmd == "clear":
        call(base, "POST", "/_emulator/clear", "")
    elif cmd == "requests":
        for r in call(base, "GET", "/_emulator/requests")["requests"]:
            emit(r)
    elif cmd == "config":
        text = sys.stdin.read() if args[0] == "-" else args[0]
        try:
            json.loads(text)
        except ValueError as e:
            fail("config argument is not valid JSON: %s" % e, 2)
        call(base, "POST", "/_emulator/config", text)
    elif cmd == "object":
        typ, sep, oid = args[0].partition("/")
        if not sep or not typ or not oid:
            fail("object argument must be TYPE/ID", 2)
        emit(call(base, "GET", "/_emulator/objects/%s/%s" % (quote(typ, safe=""),
                                                             quote(oid, safe=""))))
    elif cmd == "bulk":
        try:
            json.loads(args[0])
        except ValueError as e:
            fail("bulk argument is not valid JSON: %s" % e, 2)
        emit(call(base, "POST", "/_emulator/bulk", args[0]))
    elif cmd == "associations":
        for a in call(base, "GET", "/_emulator/associations")["results"]:
            emit(a)
    elif cmd == "stats":
        emit(call(base, "GET", "/_emulator/stats"))
    elif cmd in ("oauth", "accounts"):
        # with a JSON argument, change that state; without, show it
        if args:
            try:
                json.loads(args[0])
            except ValueError as e:
                fail("%s argument is not valid JSON: %s" % (cmd, e), 2)
            emit(call(base, "POST", "/_emulator/" + cmd, args[0]))
        else:
            emit(call(base, "GET", "/_emulator/" + cmd))
    else:
        fail("unknown command %r (reset, clear, requests, config, object, associations, bulk, "
             "stats, oauth, accounts)" % cmd, 2)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
