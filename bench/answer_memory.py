#!/usr/bin/env python3
"""Peak memory of a backend parsing one hostile or wide HubSpot answer.

Run by bench/answer_memory.sh, which starts the cluster and the emulator.
Each case serves one list page through the emulator's raw_repeat_once fault
and reads it with a SELECT in a fresh session. It prints the page's size,
the statement's outcome (rows, or the SQLSTATE), and how far the backend's
peak RSS (VmHWM) rose over its peak before the statement, next to the
README's bound: the answer itself plus 16 times its size plus 32 MB.
"""
import argparse
import json
import subprocess
import sys
import urllib.request

MB = 1024 * 1024
FACTOR = 16          # HS_JSON_MEM_FACTOR in src/json.c
BASE = 32 * MB       # HS_JSON_MEM_BASE


def wide_record(nprops):
    props = ",".join('"p%d":"value of property number %d"' % (i, i) for i in range(1, nprops + 1))
    return ('{"id":"512","properties":{%s},"createdAt":"2024-01-01T00:00:00.000Z",'
            '"updatedAt":"2024-01-01T00:00:00.000Z","archived":false}' % props)


def cases():
    for mb in (1, 4, 8):
        yield ("empty objects, %d MB" % mb,
               {"prefix": '{"results":[', "item": "{}", "separator": ",",
                "count": mb * MB // 3, "suffix": "]}"})
    yield ("empty arrays, 8 MB", {"prefix": '{"results":[],"x":[', "item": "[]",
                                  "separator": ",", "count": 8 * MB // 3, "suffix": "]}"})
    yield ("numbers, 8 MB", {"prefix": '{"results":[],"x":[', "item": "1",
                             "separator": ",", "count": 4 * MB, "suffix": "]}"})
    # the largest pages of these shapes the bound lets through
    yield ("empty objects, largest accepted", {"prefix": '{"results":[],"x":[', "item": "{}",
                                               "separator": ",", "count": 31000, "suffix": "]}"})
    yield ("numbers, largest accepted", {"prefix": '{"results":[],"x":[', "item": "1",
                                         "separator": ",", "count": 280000, "suffix": "]}"})
    yield ("records {\"id\"}, 60,000", {"prefix": '{"results":[', "item": '{"id":"7"}',
                                        "separator": ",", "count": 60000, "suffix": "]}"})
    yield ("wide: 100 records x 400 properties", {"prefix": '{"results":[', "item": wide_record(400),
                                                  "separator": ",", "count": 100, "suffix": "]}"})
    yield ("wide: 200 records x 1000 properties", {"prefix": '{"results":[', "item": wide_record(1000),
                                                   "separator": ",", "count": 200, "suffix": "]}"})
    yield ("one 40 MB string", {"prefix": '{"results":[{"id":"1","properties":{"p1":"',
                                "item": "x" * 1024, "count": 40 * 1024, "suffix": '"}}]}'})


def body_len(spec):
    n = spec["count"]
    return (len(spec["prefix"]) + len(spec["suffix"]) + n * len(spec["item"])
            + max(0, n - 1) * len(spec.get("separator", "")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-host", required=True)
    ap.add_argument("--pg-port", default="5432")
    ap.add_argument("--psql", required=True)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--pg-version", default="")
    a = ap.parse_args()

    def psql(sql):
        r = subprocess.run(["runuser", "-u", "postgres", "--", a.psql, "-h", a.pg_host, "-p",
                            a.pg_port, "-d", "postgres", "-X", "-A", "-t", "-q", "-c", sql],
                           capture_output=True, text=True)
        return r.stdout + r.stderr

    def emulator_config(cfg):
        req = urllib.request.Request(a.emulator + "/_emulator/config", data=json.dumps(cfg).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(req).read()

    psql("CREATE EXTENSION IF NOT EXISTS hubspot_fdw")
    psql("CREATE SERVER IF NOT EXISTS hs FOREIGN DATA WRAPPER hubspot_fdw OPTIONS "
         "(api_url '%s', rate_limit_per_10s '0', max_retries '0')" % a.emulator)
    psql("CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER hs OPTIONS "
         "(access_token '%s')" % a.token)
    psql("DROP FOREIGN TABLE IF EXISTS t; CREATE FOREIGN TABLE t (id text, p1 text, p400 text) "
         "SERVER hs OPTIONS (object_type 'partner_clients')")
    hwm = ("SELECT 'hwm=' || (regexp_match(pg_read_file('/proc/self/status'), "
           "'VmHWM:\\s+(\\d+) kB'))[1]")
    script = "\n".join([
        hwm + ";",
        "\\set VERBOSITY sqlstate",
        "SELECT 'rows=' || count(*) FROM t;",
        hwm + ";"])
    print("hubspot_fdw: peak memory of parsing one answer (%s)" % a.pg_version)
    print("%-38s %10s %-12s %12s %12s" % ("answer", "size", "outcome", "peak rise", "bound"))
    ok = True
    for name, spec in cases():
        spec = dict(spec, match={"path": "/crm/v3/objects/partner_clients"})
        emulator_config({"raw_repeat_once": spec})
        n = body_len(spec)
        r = subprocess.run(["runuser", "-u", "postgres", "--", a.psql, "-h", a.pg_host, "-p",
                            a.pg_port, "-d", "postgres", "-X", "-A", "-t", "-q"],
                           input=script, capture_output=True, text=True)
        out = (r.stdout + r.stderr).split()
        hw = [int(x[4:]) for x in out if x.startswith("hwm=")]
        rows = [x[5:] for x in out if x.startswith("rows=")]
        errs = [x for x in out if x.startswith("ERROR:")]
        outcome = ("%s rows" % rows[0]) if rows else \
            ("ERROR %s" % out[out.index("ERROR:") + 1] if errs else "?")
        rise = (hw[1] - hw[0]) * 1024 if len(hw) == 2 else -1
        bound = n + FACTOR * n + BASE
        within = 0 <= rise <= bound
        ok = ok and within
        print("%-38s %8.2f MB %-12s %9.1f MB %9.1f MB%s" % (name, n / MB, outcome, rise / MB,
                                                         bound / MB, "" if within else "  OVER"))
    print("every peak within its bound" if ok else "SOME PEAK EXCEEDED ITS BOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
