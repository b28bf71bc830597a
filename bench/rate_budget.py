#!/usr/bin/python3
"""bench/rate_budget.py: the rate-budget half of bench/run.sh --rate-budget
(standard library only).

For each limit (default 190 and 100 requests per rolling 10 s) it starts
the bundled emulator with that many partner_clients, makes it enforce the
limit (and state it in X-HubSpot-RateLimit-Max, as HubSpot does), and runs
`UPDATE partner_clients SET hs_name = 'bench-' || id` through a hubspot_fdw
server with the default options (rate_limit_per_10s 'auto'), in a new
session. With --fixed, it also runs the same UPDATE with rate_limit_per_10s
'100', the fixed budget of earlier versions. For each run it prints the
wall time, the requests by kind, the answers of 429, whether every row was
written once, and the wall time over the rate floor: (ceil(requests /
limit) - 1) windows of 10 s, the least time in which a client can send that
many requests without going over the limit.

It is a benchmark, not a test: nothing here is part of test/run_tests.sh.
"""

import argparse
import json
import math
import re
import sys
import urllib.request

from bench import TOKEN, UPDATE_SQL, Emulator, Pg, die, int_list, summarize_requests

WINDOW_S = 10
BOUND = 1.2                     # wall time over the rate floor, at most
MAX_429 = 2                     # answers of 429, at most


def configure(emu, limit):
    """Make the emulator enforce "limit" per rolling 10 s (which its headers state)."""
    body = json.dumps({"enforce_rate_limit": {"max": limit, "interval_ms": WINDOW_S * 1000}})
    req = urllib.request.Request(emu.url + "/_emulator/config", method="POST",
                                 data=body.encode(), headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=60) as r:
        r.read()


def create_server(pg, url, rate_option):
    """(Re)create the server and table; rate_option None leaves the default."""
    opts = "api_url '%s'" % url
    if rate_option is not None:
        opts += ", rate_limit_per_10s '%s'" % rate_option
    pg.run("""
DROP SERVER IF EXISTS bench CASCADE;
CREATE SERVER bench FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (%s);
CREATE USER MAPPING FOR CURRENT_USER SERVER bench OPTIONS (access_token '%s');
CREATE FOREIGN TABLE partner_clients (id text, hs_name text)
  SERVER bench OPTIONS (object_type 'partner_clients');
""" % (opts, TOKEN))


def run(pg, emu, rows, limit, rate_option):
    """One UPDATE of every row in a new session, against a reseeded emulator."""
    emu.reset()
    configure(emu, limit)
    create_server(pg, emu.url, rate_option)
    s = pg.session()
    try:
        s.run("\\timing on")
        out = s.run(UPDATE_SQL)
        budget = s.run("SELECT limit_per_window || ' per ' || window_ms || ' ms'"
                       " FROM hubspot_fdw_rate_limit('bench');")
    finally:
        s.close()
    text = "\n".join(out)
    m_tag = re.search(r"^UPDATE (\d+)$", text, re.M)
    m_time = re.search(r"^Time: ([0-9.]+) ms", text, re.M)
    if not m_tag or not m_time:
        die("unexpected psql output for the UPDATE:\n" + text)
    log = emu.requests()
    req = summarize_requests(log, rows)
    sent = req["list"] + req["batch_update"]
    answers_429 = sum(1 for r in log if r["status"] == 429)
    floor_s = (math.ceil((sent - answers_429) / limit) - 1) * WINDOW_S
    wall_s = float(m_time.group(1)) / 1000
    return {"limit": limit, "option": rate_option or "auto (default)", "updated": int(m_tag.group(1)),
            "wall_s": wall_s, "requests": req, "answers_429": answers_429, "floor_s": floor_s,
            "ratio": wall_s / floor_s if floor_s > 0 else float("nan"),
            "budget": next((b.strip() for b in budget if b.strip() and not b.startswith("Time:")),
                           "?")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--limits", type=int_list, default=[190, 100])
    ap.add_argument("--fixed", action="store_true",
                    help="also run with rate_limit_per_10s '100' (the earlier default)")
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("--psql", default="/usr/lib/postgresql/15/bin/psql")
    ap.add_argument("--pg-host", required=True)
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--pg-db", default="postgres")
    ap.add_argument("--pg-user", default="postgres", help="run psql as this OS user (as root)")
    ap.add_argument("--check-args", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.check_args:
        return 0
    pg = Pg(args)
    pg.run("CREATE EXTENSION IF NOT EXISTS hubspot_fdw;")
    results = []
    for limit in args.limits:
        emu = Emulator(args.work, 0, args.rows)
        try:
            options = [None] + (["100"] if args.fixed else [])
            for option in options:
                r = run(pg, emu, args.rows, limit, option)
                results.append(r)
                q = r["requests"]
                print("limit %d per 10 s, rate_limit_per_10s %s: UPDATE %d in %.1f s; "
                      "%d list + %d batch/update requests, %d answers of 429, every row once: %s; "
                      "rate floor %d s, wall / floor %.2f; budget at the end: %s"
                      % (limit, r["option"], r["updated"], r["wall_s"], q["list"],
                         q["batch_update"], r["answers_429"], "yes" if q["all_rows_once"] else "NO",
                         r["floor_s"], r["ratio"], r["budget"]))
                sys.stdout.flush()
        finally:
            emu.stop()
    ok = True
    for r in results:
        if r["option"].startswith("auto"):
            good = r["ratio"] <= BOUND and r["answers_429"] <= MAX_429 and \
                r["requests"]["all_rows_once"]
            ok = ok and good
            print("%s: limit %d, wall %.1f s <= %.1f x %d s and <= %d answers of 429"
                  % ("PASS" if good else "FAIL", r["limit"], r["wall_s"], BOUND, r["floor_s"], MAX_429))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
