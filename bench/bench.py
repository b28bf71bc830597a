#!/usr/bin/python3
"""bench/bench.py: the measuring half of bench/run.sh (standard library only).

bench/run.sh installs and builds everything and starts a throwaway
PostgreSQL cluster; this script then, for every (latency, rows) pair:

  1. starts the bundled HubSpot emulator with --latency-ms and --seed-count,
  2. points a hubspot_fdw server at it (rate_limit_per_10s '0', and
     max_concurrency when this build of the extension accepts it),
  3. runs `UPDATE partner_clients SET hs_name = 'bench-' || id` in one psql
     session and measures it from outside: wall time (psql's \\timing), the
     backend's CPU time and peak RSS (/proc/PID), the requests HubSpot got
     (the emulator's request log) and the emulator's own load,
  4. re-seeds the emulator and does the same work with the official Node
     client (bench/node_client.mjs), with its defaults and with its
     DEFAULT_LIMITER_OPTIONS,
  5. prints a table per pair, and a summary table at the end.

It is a benchmark, not a test: nothing here is part of test/run_tests.sh.
"""

import argparse
import collections
import datetime
import http.client
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EMULATOR = os.path.join(ROOT, "test", "emulator", "hubspot_emulator.py")
NODE_CLIENT = os.path.join(HERE, "node_client.mjs")
PY = "/usr/bin/python3"
TOKEN = "bench-token"
OBJECT_PATH = "/crm/v3/objects/partner_clients"
UPDATE_SQL = "UPDATE partner_clients SET hs_name = 'bench-' || id;"
RATE_LIMIT_PER_10S = 100        # HubSpot's lowest private-app tier
# The emulator is called a possible bottleneck above these.
EMU_CPU_LIMIT = 0.80            # share of one core during a run
EMU_SERVICE_LIMIT = 0.20        # mean service time per request, as a share of the latency
QUICK_LATENCY, QUICK_ROWS = 50, 2000
QUICK_MAX_RATIO = 0.6           # the --quick check: wall time under 0.6 x the sequential floor
# --sync: staging rows synced into a portal of this size, some ids it lacks.
NODE_SYNC = os.path.join(HERE, "node_sync.mjs")
SYNC_LATENCY, SYNC_PORTAL, SYNC_ROWS, SYNC_MISSING = 50, 100000, 1000, 10
SYNC_TABLE = "bench_staging"
SYNC_SQL = ("UPDATE partner_clients pc SET hs_name = s.name FROM %s s WHERE pc.id = s.id;"
            % SYNC_TABLE)
SEED_FIRST_ID = 501             # the emulator's partner_clients are 501 ... 500 + seed count

# Stop cleanly (emulators killed by the finally blocks) on SIGTERM too.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))


# Stop with a message on stderr (exit status 2: the benchmark could not run).
def die(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.exit(2)


# argparse type: "50,150" -> [50, 150].
def int_list(text):
    try:
        out = [int(x) for x in text.split(",") if x.strip() != ""]
    except ValueError:
        raise argparse.ArgumentTypeError("expected numbers separated by commas: %r" % text)
    if not out or min(out) < 0:
        raise argparse.ArgumentTypeError("expected non-negative numbers: %r" % text)
    return out


# ---------------------------------------------------------------------------
# /proc readings: CPU time of a process, its peak and current RSS.
# ---------------------------------------------------------------------------
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    """utime + stime of the whole process (every thread), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def backend_cpu_s(pid):
    """The backend's CPU time. PostgreSQL backends are single-threaded, so
    the kernel's nanosecond sum_exec_runtime (/proc/PID/schedstat) measures the
    same thing as utime+stime, without its 10 ms ticks; fall back to those."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9, "schedstat"
    except (OSError, ValueError, IndexError):
        return proc_cpu_s(pid), "utime+stime"


def proc_status_kb(pid, key):
    """A "VmHWM: N kB" style line of /proc/PID/status, in kB."""
    return proc_status_kb_file("/proc/%d/status" % pid, key)


# ---------------------------------------------------------------------------
# The emulator: one process per (latency, rows), and its control endpoints.
# ---------------------------------------------------------------------------
class Emulator:
    def __init__(self, workdir, latency_ms, rows):
        self.latency_ms = latency_ms
        portfile = os.path.join(workdir, "emulator.port")
        if os.path.exists(portfile):
            os.unlink(portfile)
        self.log = open(os.path.join(workdir, "emulator.log"), "w")
        self.proc = subprocess.Popen(
            [PY, EMULATOR, "--port", "0", "--port-file", portfile, "--token", TOKEN,
             "--latency-ms", str(latency_ms), "--seed-count", str(rows)],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while not (os.path.exists(portfile) and os.path.getsize(portfile) > 0):
            if self.proc.poll() is not None:
                die("the emulator exited; see %s" % self.log.name)
            if time.time() > deadline:
                self.stop()
                die("the emulator did not start")
            time.sleep(0.05)
        with open(portfile) as f:
            self.url = "http://127.0.0.1:%d" % int(f.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def control(self, method, what):
        req = urllib.request.Request(self.url + "/_emulator/" + what, method=method,
                                     data=b"" if method == "POST" else None)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=120) as r:
            return json.loads(r.read().decode("utf-8"))

    def clear(self):
        self.control("POST", "clear")

    def reset(self):
        self.control("POST", "reset")

    def requests(self):
        return self.control("GET", "requests")["requests"]

    def stats(self):
        return self.control("GET", "stats")

    def cpu_s(self):
        return proc_cpu_s(self.proc.pid)


def summarize_requests(log, rows):
    """Requests by kind, and a check that the batches set every row once to
    'bench-<id>'."""
    kinds = collections.Counter()
    failed = 0
    ids = set()
    inputs = 0
    wrong_values = 0
    list_properties = None
    for r in log:
        path, method = r["path"], r["method"]
        if method == "GET" and path == OBJECT_PATH:
            kinds["list"] += 1
            if list_properties is None:
                list_properties = r["query"].get("properties", "")
                if isinstance(list_properties, list):
                    list_properties = ",".join(list_properties)
        elif method == "POST" and path == OBJECT_PATH + "/batch/update":
            kinds["batch_update"] += 1
            for inp in (r.get("body") or {}).get("inputs", []):
                inputs += 1
                ids.add(inp.get("id"))
                if inp.get("properties", {}).get("hs_name") != "bench-%s" % inp.get("id"):
                    wrong_values += 1
        elif method == "PATCH":
            kinds["patch"] += 1
        else:
            kinds["other"] += 1
        if r["status"] is None or not 200 <= r["status"] < 300:
            failed += 1
    return {"list": kinds["list"], "batch_update": kinds["batch_update"],
            "patch": kinds["patch"], "other": kinds["other"], "failed": failed,
            "total": len(log), "inputs": inputs, "distinct_ids": len(ids),
            "wrong_values": wrong_values, "all_rows_once": inputs == rows == len(ids)
            and wrong_values == 0, "list_properties": list_properties}


def emulator_load(emu, cpu0, cpu1, wall_s):
    st = emu.stats()
    cpu = cpu1 - cpu0
    share = cpu / wall_s if wall_s > 0 else 0.0
    warnings = []
    if share >= EMU_CPU_LIMIT:
        warnings.append("it used %.0f%% of a core" % (share * 100))
    if st["api_requests"] and st["service_ms_mean"] > EMU_SERVICE_LIMIT * max(emu.latency_ms, 1):
        warnings.append("it spent %.1f ms answering each request on top of the %d ms latency"
                        % (st["service_ms_mean"], emu.latency_ms))
    return {"cpu_s": cpu, "cpu_share": share, "stats": st, "warnings": warnings}


# ---------------------------------------------------------------------------
# PostgreSQL: one-shot psql runs, and an interactive session whose backend
# we watch through /proc.
# ---------------------------------------------------------------------------
class Pg:
    """How to reach the benchmark's cluster: psql as the postgres user."""

    def __init__(self, args):
        self.base = []
        if os.geteuid() == 0 and args.pg_user:
            self.base = ["runuser", "-u", args.pg_user, "--"]
        self.base += [args.psql, "-X", "-v", "ON_ERROR_STOP=1", "-h", args.pg_host,
                      "-p", str(args.pg_port), "-d", args.pg_db]

    def run(self, sql):
        """Run a script in its own psql; return (stdout, stderr)."""
        cmd = self.base + ["-A", "-t", "-q"]
        p = subprocess.run(cmd, input=sql, text=True, capture_output=True)
        if p.returncode != 0:
            die("psql failed:\n%s%s" % (p.stdout, p.stderr))
        return p.stdout, p.stderr

    def session(self):
        return PsqlSession(self.base + ["-A", "-t"])


class PsqlSession:
    """One psql process fed through a pipe; each command ends with an \\echo
    marker so its output can be read back without guessing."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.n = 0

    def run(self, sql):
        self.n += 1
        marker = "__bench_marker_%d__" % self.n
        self.proc.stdin.write("%s\n\\echo %s\n" % (sql, marker))
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                die("psql ended:\n" + "".join(lines))
            if line.rstrip("\n") == marker:
                return lines
            lines.append(line.rstrip("\n"))

    def close(self):
        try:
            self.proc.stdin.write("\\q\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        self.proc.wait(30)


def create_server(pg, url, max_concurrency):
    """(Re)create the benchmark's server and table for this emulator. Returns
    the max_concurrency in force, or None when the extension has no such
    option (its validator answers "invalid option")."""
    sql = """
DROP SERVER IF EXISTS bench CASCADE;
CREATE SERVER bench FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url '%(url)s', rate_limit_per_10s '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench OPTIONS (access_token '%(token)s');
CREATE FOREIGN TABLE partner_clients (id text, hs_name text)
  SERVER bench OPTIONS (object_type 'partner_clients');
DO $$
BEGIN
  ALTER SERVER bench OPTIONS (ADD max_concurrency '%(mc)d');
EXCEPTION WHEN fdw_invalid_option_name THEN
  RAISE NOTICE 'this hubspot_fdw has no max_concurrency option';
END $$;
SELECT coalesce((SELECT option_value FROM pg_options_to_table(
         (SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'bench'))
       WHERE option_name = 'max_concurrency'), '');
""" % {"url": url, "token": TOKEN, "mc": max_concurrency}
    out, _ = pg.run(sql)
    value = out.strip().splitlines()[-1].strip() if out.strip() else ""
    return int(value) if value else None


def run_extension(pg, emu, rows):
    """The UPDATE through hubspot_fdw, measured from outside its backend."""
    s = pg.session()
    try:
        pid = int(s.run("SELECT pg_backend_pid();")[-1])
        # Warm up: load the library and the user mapping, open a connection.
        s.run("SELECT count(*) FROM partner_clients WHERE id = '501';")
        s.run("\\timing on")
        rss0 = proc_status_kb(pid, "VmRSS")
        hwm0 = proc_status_kb(pid, "VmHWM")
        emu.clear()
        emu_cpu0 = emu.cpu_s()
        cpu0, cpu_source = backend_cpu_s(pid)
        ticks0 = proc_cpu_s(pid)
        out = s.run(UPDATE_SQL)
        ticks1 = proc_cpu_s(pid)
        cpu1, _ = backend_cpu_s(pid)
        emu_cpu1 = emu.cpu_s()
        hwm1 = proc_status_kb(pid, "VmHWM")
    finally:
        s.close()
    text = "\n".join(out)
    m_tag = re.search(r"^UPDATE (\d+)$", text, re.M)
    m_time = re.search(r"^Time: ([0-9.]+) ms", text, re.M)
    if not m_tag or not m_time:
        die("unexpected psql output for the UPDATE:\n" + text)
    wall_s = float(m_time.group(1)) / 1000
    log = emu.requests()
    return {"updated": int(m_tag.group(1)), "wall_s": wall_s,
            "cpu_s": cpu1 - cpu0, "cpu_source": cpu_source, "cpu_ticks_s": ticks1 - ticks0,
            "hwm_kb": hwm1, "hwm_before_kb": hwm0, "rss_before_kb": rss0,
            "requests": summarize_requests(log, rows),
            "emulator": emulator_load(emu, emu_cpu0, emu_cpu1, wall_s)}


def run_node(args, emu, rows, limiter, properties):
    """The same work through @hubspot/api-client, against a re-seeded emulator."""
    emu.reset()
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    cmd = [args.node, NODE_CLIENT, "--url", emu.url, "--token", TOKEN,
           "--properties", properties, "--limiter", limiter, "--mode", args.node_mode]
    emu_cpu0 = emu.cpu_s()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=HERE)
    emu_cpu1 = emu.cpu_s()
    if p.returncode != 0:
        die("the Node client failed (%s):\n%s%s" % (" ".join(cmd[:2]), p.stdout, p.stderr))
    res = json.loads(p.stdout.strip().splitlines()[-1])
    wall_s = res["wall_ms"] / 1000
    return {"updated": res["rows"], "wall_s": wall_s, "cpu_s": res["cpu_us"] / 1e6,
            "hwm_kb": res["max_rss_kb"], "limiter": res["limiter"],
            "requests": summarize_requests(emu.requests(), rows),
            "emulator": emulator_load(emu, emu_cpu0, emu_cpu1, wall_s)}


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------
# Number formats of the tables.
def fmt_s(x):
    return "%.3f s" % x if x < 100 else "%.1f s" % x


def fmt_int(x):
    return "{:,}".format(int(round(x)))


def mib(kb):
    return "%.1f MiB" % (kb / 1024)


def paging_floor_s(req, latency_ms):
    """List pages come one after another (each needs the previous one's
    cursor), and the last batch needs the last page: pages + 1 round trips."""
    return (req["list"] + (1 if req["batch_update"] else 0)) * latency_ms / 1000


def print_case(case):
    """The table of one (latency, rows) pair: one column per run."""
    lat, rows, ext = case["latency_ms"], case["rows"], case["ext"]
    mc = case["max_concurrency"]
    req = ext["requests"]
    n_req = req["total"]
    seq_floor = n_req * lat / 1000
    conc = mc or 1
    conc_floor = seq_floor / conc
    page_floor = paging_floor_s(req, lat)
    rate_floor = n_req * 10.0 / RATE_LIMIT_PER_10S
    runs = [("hubspot_fdw", ext)]
    if case.get("node_default"):
        runs.append(("Node, defaults", case["node_default"]))
    if case.get("node_limiter"):
        runs.append(("Node, DEFAULT_LIMITER", case["node_limiter"]))
    w0 = 34
    w = 22

    def row(label, values):
        print(label.ljust(w0) + "".join(str(v).rjust(w) for v in values))

    print()
    print("=== latency %d ms, %s rows, max_concurrency %s ===" % (
        lat, fmt_int(rows), mc if mc else "(not supported: requests one at a time)"))
    row("", [name for name, _ in runs])
    row("rows updated", [fmt_int(r["updated"]) for _, r in runs])
    row("requests: list GET", [r["requests"]["list"] for _, r in runs])
    row("requests: batch/update POST", [r["requests"]["batch_update"] for _, r in runs])
    row("requests: PATCH", [r["requests"]["patch"] for _, r in runs])
    row("requests: other", [r["requests"]["other"] for _, r in runs])
    row("requests: not 2xx", [r["requests"]["failed"] for _, r in runs])
    row("every row set once, right value", ["yes" if r["requests"]["all_rows_once"] else "NO"
                                            for _, r in runs])
    row("wall time", [fmt_s(r["wall_s"]) for _, r in runs])
    row("rows/s", [fmt_int(rows / r["wall_s"]) if r["wall_s"] > 0 else "-" for _, r in runs])
    row("wall / sequential floor", ["%.2f" % (r["wall_s"] / seq_floor) if seq_floor else "-"
                                    for _, r in runs])
    row("wall / concurrency floor", ["%.2f" % (ext["wall_s"] / conc_floor) if conc_floor
                                     else "-"] + [""] * (len(runs) - 1))
    row("wall / paging floor", ["%.2f" % (r["wall_s"] / page_floor) if page_floor else "-"
                                for _, r in runs])
    row("hubspot_fdw speed-up", ["1.00x"] + ["%.2fx" % (r["wall_s"] / ext["wall_s"])
                                            for _, r in runs[1:]])
    row("CPU per row (backend / node)", ["%.1f us" % (r["cpu_s"] * 1e6 / rows) if rows else "-"
                                         for _, r in runs])
    row("peak RSS (VmHWM / maxRSS)", [mib(r["hwm_kb"]) for _, r in runs])
    print("floors for the %d requests of the UPDATE at %d ms:" % (n_req, lat))
    print("  sequential floor   (requests x latency)                   %s" % fmt_s(seq_floor))
    print("  concurrency floor  (requests x latency / max_concurrency) %s  (/%d)"
          % (fmt_s(conc_floor), conc))
    print("  paging floor       ((list pages + 1) x latency: pages come one after another) %s"
          % fmt_s(page_floor))
    print("  rate-limit floor   (requests / %d per 10 s, HubSpot's lowest tier) %s"
          % (RATE_LIMIT_PER_10S, fmt_s(rate_floor)))
    print("hubspot_fdw backend: CPU %.3f s (%s; utime+stime %.2f s); RSS %s before the UPDATE, "
          "peak %s" % (ext["cpu_s"], ext["cpu_source"], ext["cpu_ticks_s"],
                       mib(ext["rss_before_kb"]), mib(ext["hwm_kb"])))
    for name, r in runs:
        e = r["emulator"]
        st = e["stats"]
        print("emulator during %s: %.0f%% of a core, %.1f ms (max %.1f) answering each "
              "request besides the latency, %d requests on %d connections, up to %d at once"
              % (name, e["cpu_share"] * 100, st["service_ms_mean"], st["service_ms_max"],
                 st["api_requests"], st["api_connections"], st["max_in_flight"]))
        if e["warnings"]:
            print("WARNING: the emulator may be the bottleneck of the %s run: %s"
                  % (name, "; ".join(e["warnings"])))
    node_runs = [r for _, r in runs[1:]]
    for name, r in runs[1:]:
        a, b = r["requests"], req
        if (a["list"], a["batch_update"], a["patch"]) != (b["list"], b["batch_update"],
                                                          b["patch"]):
            print("NOTE: %s sent %d list / %d batch / %d PATCH requests, hubspot_fdw %d / %d / %d"
                  % (name, a["list"], a["batch_update"], a["patch"], b["list"],
                     b["batch_update"], b["patch"]))
    if node_runs and all(r["requests"]["total"] == n_req for r in node_runs):
        print("the Node runs sent the same number of requests as hubspot_fdw (%d)" % n_req)


def summary_table(cases):
    """A Markdown table, one line per (latency, rows), for bench/RESULTS.md."""
    lines = ["| latency | rows | requests (list + batch) | hubspot_fdw wall | rows/s "
             "| / sequential floor | / concurrency floor | / paging floor | backend CPU/row "
             "| peak RSS | Node defaults | Node DEFAULT_LIMITER | rate-limit floor |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in cases:
        ext = c["ext"]
        req = ext["requests"]
        seq_floor = req["total"] * c["latency_ms"] / 1000
        conc_floor = seq_floor / (c["max_concurrency"] or 1)
        page_floor = paging_floor_s(req, c["latency_ms"])

        def node(key):
            r = c.get(key)
            if not r:
                return "-"
            return "%s (%.2fx)" % (fmt_s(r["wall_s"]), r["wall_s"] / ext["wall_s"])
        def ratio(floor):
            return "%.2f" % (ext["wall_s"] / floor) if floor else "-"
        lines.append("| %d ms | %s | %d + %d | %s | %s | %s | %s | %s | %.0f µs | %s | %s "
                     "| %s | %s |"
                     % (c["latency_ms"], fmt_int(c["rows"]), req["list"], req["batch_update"],
                        fmt_s(ext["wall_s"]), fmt_int(c["rows"] / ext["wall_s"]),
                        ratio(seq_floor), ratio(conc_floor), ratio(page_floor),
                        ext["cpu_s"] * 1e6 / c["rows"], mib(ext["hwm_kb"]),
                        node("node_default"), node("node_limiter"),
                        fmt_s(req["total"] * 10.0 / RATE_LIMIT_PER_10S)))
    return "\n".join(lines)


def quick_checks(case):
    """The checks of a quick run (50 ms x 2,000 rows), as PASS/FAIL lines."""
    ext = case["ext"]
    req = ext["requests"]
    seq_floor = req["total"] * case["latency_ms"] / 1000
    checks = [
        ("exactly 20 batch/update requests", req["batch_update"] == 20,
         "%d" % req["batch_update"]),
        ("0 PATCH requests", req["patch"] == 0, "%d" % req["patch"]),
        ("every row set once to its new value", req["all_rows_once"] and
         ext["updated"] == case["rows"], "UPDATE %d" % ext["updated"]),
        ("wall < %.1f x sequential floor" % QUICK_MAX_RATIO,
         ext["wall_s"] < QUICK_MAX_RATIO * seq_floor,
         "%s < %s (%.2f)" % (fmt_s(ext["wall_s"]), fmt_s(QUICK_MAX_RATIO * seq_floor),
                             ext["wall_s"] / seq_floor)),
    ]
    for key, name in (("node_default", "Node client, defaults"),
                      ("node_limiter", "Node client, DEFAULT_LIMITER_OPTIONS")):
        r = case.get(key)
        if r is None:
            checks.append(("faster than the %s" % name, None, "skipped (--no-node)"))
        else:
            checks.append(("faster than the %s" % name, ext["wall_s"] < r["wall_s"],
                           "%s vs %s (%.2fx)" % (fmt_s(ext["wall_s"]), fmt_s(r["wall_s"]),
                                                 r["wall_s"] / ext["wall_s"])))
    print()
    ok = True
    for name, passed, detail in checks:
        word = "SKIP" if passed is None else ("PASS" if passed else "FAIL")
        ok = ok and passed is not False
        print("%s  %s: %s" % (word, name, detail))
    return ok


def environment(pg, args, mc_supported, workload=None):
    """The machine and versions, printed above the results (`workload`: the
    line naming the work, when it is not the whole-table UPDATE)."""
    def cmd(c):
        try:
            return subprocess.run(c, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = proc_status_kb_file("/proc/meminfo", "MemTotal")
    debian = open("/etc/debian_version").read().strip() if os.path.exists(
        "/etc/debian_version") else "?"
    pgver, _ = pg.run("SELECT current_setting('server_version');")
    node = cmd([args.node, "--version"]) if not args.no_node else "-"
    client = "-"
    pkg = os.path.join(HERE, "node_modules", "@hubspot", "api-client", "package.json")
    if os.path.exists(pkg):
        client = json.load(open(pkg))["version"]
    commit = cmd(["git", "describe", "--always", "--dirty"])
    print("hubspot_fdw benchmark, %s" % datetime.datetime.now(datetime.timezone.utc)
          .strftime("%Y-%m-%d %H:%M UTC"))
    print("machine: %d cores (%s), %.0f GiB RAM, Debian %s, Linux %s"
          % (os.cpu_count(), cpu, mem_kb / 1024 / 1024, debian, platform.release()))
    print("PostgreSQL %s; hubspot_fdw %s; max_concurrency %s; node %s; @hubspot/api-client %s"
          "%s" % (pgver.strip(), commit,
                  ("%d" % mc_supported) if mc_supported else "not supported",
                  node, client, "" if workload else " (Node runs: %s)" % args.node_mode))
    print(workload or "workload: %s  (list pages of 100, batch/update of 100)" % UPDATE_SQL)


# A "Key: N kB" line of a /proc file such as /proc/meminfo.
def proc_status_kb_file(path, key):
    with open(path) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------------------
# --sync: UPDATE ... FROM a local staging table into a large portal, through
# hubspot_fdw (planned as a bind join, run as batch/update of the staging
# rows with nothing read) and through the Node client's batch/read +
# batch/update.
# ---------------------------------------------------------------------------
def sync_staging(portal, rows, missing):
    """The staging rows: rows - missing ids spread evenly over the portal's
    ids, and `missing` ids the portal lacks, placed among them; each with a
    new name. Returns [{"id", "name"}]."""
    present = rows - missing
    ids = [str(SEED_FIRST_ID + (i * portal) // present) for i in range(present)]
    gap = max(1, rows // max(missing, 1))
    for k in range(missing):
        ids.insert(min(k * gap, len(ids)), str(SEED_FIRST_ID + portal + 1000 + k))
    return [{"id": i, "name": "synced %s" % i} for i in ids]


def sync_exists(row_id, portal):
    return SEED_FIRST_ID <= int(row_id) < SEED_FIRST_ID + portal


def create_staging(pg, staging):
    """(Re)create the local staging table, which no ANALYZE has seen
    (autovacuum off for it, so none runs behind the benchmark's back)."""
    values = ",\n".join("('%s', '%s')" % (r["id"], r["name"]) for r in staging)
    pg.run("DROP TABLE IF EXISTS %(t)s;\n"
           "CREATE TABLE %(t)s (id text PRIMARY KEY, name text NOT NULL)\n"
           "  WITH (autovacuum_enabled = off);\n"
           "INSERT INTO %(t)s VALUES\n%(v)s;\n" % {"t": SYNC_TABLE, "v": values})


def sync_plan(pg):
    """EXPLAIN of the sync: its text, and "direct update" (batch/update of
    the staging rows, nothing read), "bind join", "list scan" or "other" by
    the node that reads or writes partner_clients."""
    out, _ = pg.run("EXPLAIN (COSTS OFF) %s" % SYNC_SQL)
    text = out.rstrip("\n")
    if "Foreign Update on" in text and "from the rows below" in text:
        kind = "direct update"
    elif "HubSpot Bind Join" in text:
        kind = "bind join"
    elif "Foreign Scan on partner_clients" in text or "Foreign Scan on public.partner_clients" \
            in text:
        kind = "list scan"
    else:
        kind = "other"
    return text, kind


def sync_requests(log, staging, portal):
    """Requests by kind, and the check that the writes set every existing
    staging id, each once, to its new name, and name no other id than the
    staging ids (an UPDATE ... FROM sent without a read also names the ones
    HubSpot lacks, which it answers OBJECT_NOT_FOUND)."""
    kinds = collections.Counter()
    failed = 0
    written = collections.Counter()
    wrong_values = 0
    want = {r["id"]: r["name"] for r in staging if sync_exists(r["id"], portal)}
    names = {r["id"]: r["name"] for r in staging}
    for r in log:
        path, method = r["path"], r["method"]
        if method == "GET" and path == OBJECT_PATH:
            kinds["list"] += 1
        elif method == "POST" and path == OBJECT_PATH + "/batch/read":
            kinds["batch_read"] += 1
        elif method == "POST" and path == OBJECT_PATH + "/batch/update":
            kinds["batch_update"] += 1
            for inp in (r.get("body") or {}).get("inputs", []):
                written[inp.get("id")] += 1
                if inp.get("properties", {}).get("hs_name") != names.get(inp.get("id")):
                    wrong_values += 1
        elif method == "PATCH":
            kinds["patch"] += 1
        elif method == "POST" and path == OBJECT_PATH + "/search":
            kinds["search"] += 1
        else:
            kinds["other"] += 1
        if r["status"] is None or not 200 <= r["status"] < 300:
            failed += 1
    writes_right = (set(want) <= set(written) <= set(names) and wrong_values == 0
                    and all(n == 1 for n in written.values()))
    return {"list": kinds["list"], "batch_read": kinds["batch_read"],
            "batch_update": kinds["batch_update"], "patch": kinds["patch"],
            "search": kinds["search"], "other": kinds["other"], "failed": failed,
            "total": len(log), "inputs": sum(written.values()), "writes_right": writes_right}


def sync_verify(emu, staging, portal):
    """Read back from the emulator's store (control endpoint, no API
    request): every staging id the portal has holds its new name, the others
    are still absent, and the records next to each staging id (id - 1 and
    id + 1) keep their seeded name. Together with the request log's check
    (the only writes were batch/update inputs for exactly the existing
    staging ids) this shows that nothing else changed. Returns (ok, detail)."""
    host, port = emu.url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    bad = []
    checked = 0

    def get(rec_id):
        conn.request("GET", "/_emulator/objects/partner_clients/%s" % rec_id)
        r = conn.getresponse()
        body = r.read()
        return r.status, (json.loads(body) if r.status == 200 else None)

    try:
        staged = {r["id"] for r in staging}
        neighbours = set()
        for r in staging:
            checked += 1
            status, rec = get(r["id"])
            if sync_exists(r["id"], portal):
                if status != 200 or rec["properties"].get("hs_name") != r["name"]:
                    bad.append("%s: %s" % (r["id"], rec and rec["properties"].get("hs_name")))
                for n in (int(r["id"]) - 1, int(r["id"]) + 1):
                    if sync_exists(str(n), portal) and str(n) not in staged:
                        neighbours.add(str(n))
            elif status != 404:
                bad.append("%s: exists (status %d)" % (r["id"], status))
        for n in sorted(neighbours, key=int):
            checked += 1
            status, rec = get(n)
            if status != 200 or rec["properties"].get("hs_name") != "Client %s" % n:
                bad.append("%s (untouched): %s" % (n, rec and rec["properties"].get("hs_name")))
    finally:
        conn.close()
    detail = "%d records read back, %d wrong%s" % (checked, len(bad),
                                                   (": " + ", ".join(bad[:5])) if bad else "")
    return not bad, detail


def run_sync_extension(pg, emu, staging, portal, analyzed):
    """One sync through hubspot_fdw on a freshly seeded portal: ANALYZE
    first when `analyzed`, then EXPLAIN, then the UPDATE measured from
    outside its backend, then the read-back."""
    emu.reset()
    res = {"analyzed": analyzed}
    create_staging(pg, staging)
    if analyzed:
        emu.clear()
        t0 = time.time()
        pg.run("ANALYZE partner_clients;\nANALYZE %s;" % SYNC_TABLE)
        res["analyze_s"] = time.time() - t0
        res["analyze_requests"] = len(emu.requests())
        est, _ = pg.run("SELECT reltuples::bigint FROM pg_class WHERE oid = "
                        "'partner_clients'::regclass;")
        res["reltuples"] = int(est.strip())
    res["plan"], res["plan_kind"] = sync_plan(pg)
    s = pg.session()
    try:
        pid = int(s.run("SELECT pg_backend_pid();")[-1])
        # Warm up: load the library and the user mapping, open a connection.
        s.run("SELECT count(*) FROM partner_clients WHERE id = '501';")
        s.run("\\timing on")
        emu.clear()
        emu_cpu0 = emu.cpu_s()
        cpu0, cpu_source = backend_cpu_s(pid)
        out = s.run(SYNC_SQL)
        cpu1, _ = backend_cpu_s(pid)
        emu_cpu1 = emu.cpu_s()
        hwm1 = proc_status_kb(pid, "VmHWM")
    finally:
        s.close()
    text = "\n".join(out)
    m_tag = re.search(r"^UPDATE (\d+)$", text, re.M)
    m_time = re.search(r"^Time: ([0-9.]+) ms", text, re.M)
    if not m_tag or not m_time:
        die("unexpected psql output for the sync:\n" + text)
    wall_s = float(m_time.group(1)) / 1000
    res.update({"updated": int(m_tag.group(1)), "wall_s": wall_s, "cpu_s": cpu1 - cpu0,
                "cpu_source": cpu_source, "hwm_kb": hwm1,
                "requests": sync_requests(emu.requests(), staging, portal),
                "emulator": emulator_load(emu, emu_cpu0, emu_cpu1, wall_s)})
    res["verified"], res["verify_detail"] = sync_verify(emu, staging, portal)
    return res


def run_sync_node(args, emu, staging, portal, mode, concurrency):
    """The same sync through @hubspot/api-client, on a freshly seeded portal."""
    emu.reset()
    path = os.path.join(args.work, "staging.json")
    with open(path, "w") as f:
        json.dump(staging, f)
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    cmd = [args.node, NODE_SYNC, "--url", emu.url, "--token", TOKEN, "--staging", path,
           "--mode", mode, "--concurrency", str(concurrency)]
    emu.clear()
    emu_cpu0 = emu.cpu_s()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=HERE)
    emu_cpu1 = emu.cpu_s()
    if p.returncode != 0:
        die("the Node client failed (%s):\n%s%s" % (" ".join(cmd[:2]), p.stdout, p.stderr))
    out = json.loads(p.stdout.strip().splitlines()[-1])
    wall_s = out["wall_ms"] / 1000
    res = {"updated": out["rows"], "wall_s": wall_s, "cpu_s": out["cpu_us"] / 1e6,
           "hwm_kb": out["max_rss_kb"], "mode": mode, "concurrency": out["concurrency"],
           "requests": sync_requests(emu.requests(), staging, portal),
           "emulator": emulator_load(emu, emu_cpu0, emu_cpu1, wall_s)}
    res["verified"], res["verify_detail"] = sync_verify(emu, staging, portal)
    return res


def sync_floors(n_rows, latency_ms, concurrency):
    """The floors of a sync of n_rows keys: ceil(n/100) writes, or as many
    reads and writes, one after another or `concurrency` at a time."""
    chunks = -(-n_rows // 100)
    write = chunks * latency_ms / 1000
    return {"chunks": chunks, "write": write, "read_write": 2 * write,
            "write_conc": write / concurrency, "read_write_conc": 2 * write / concurrency}


def print_sync(runs, floors, mc, latency_ms, rows, portal):
    """The sync's table: one column per run, then the floors and the plans."""
    w0, w = 34, 22

    def row(label, values):
        print(label.ljust(w0) + "".join(str(v).rjust(w) for v in values))

    print()
    print("=== sync: %s staging rows (%d ids the portal lacks) into %s records, latency %d ms, "
          "max_concurrency %s ===" % (fmt_int(rows), SYNC_MISSING, fmt_int(portal), latency_ms,
                                      mc))
    row("", [name for name, _ in runs])
    row("plan", [r.get("plan_kind", "-") for _, r in runs])
    row("rows updated", [fmt_int(r["updated"]) for _, r in runs])
    for key, label in (("list", "list GET"), ("batch_read", "batch/read POST"),
                       ("batch_update", "batch/update POST"), ("patch", "PATCH"),
                       ("search", "search POST"), ("other", "other"), ("failed", "not 2xx")):
        row("requests: " + label, [r["requests"][key] for _, r in runs])
    row("writes: existing ids, once, right", ["yes" if r["requests"]["writes_right"] else "NO"
                                              for _, r in runs])
    row("read back from the emulator", ["yes" if r["verified"] else "NO" for _, r in runs])
    row("wall time", [fmt_s(r["wall_s"]) for _, r in runs])
    row("wall / write floor", ["%.2f" % (r["wall_s"] / floors["write"]) for _, r in runs])
    row("wall / read+write floor", ["%.2f" % (r["wall_s"] / floors["read_write"])
                                    for _, r in runs])
    row("wall / read+write floor / mc", ["%.2f" % (r["wall_s"] / floors["read_write_conc"])
                                         for _, r in runs])
    row("CPU (backend / node)", ["%.3f s" % r["cpu_s"] for _, r in runs])
    row("peak RSS (VmHWM / maxRSS)", [mib(r["hwm_kb"]) for _, r in runs])
    print("floors for %s staging keys at %d ms (%d chunks of 100):" % (fmt_int(rows), latency_ms,
                                                                        floors["chunks"]))
    print("  write floor           ceil(N/100) x latency                      %s"
          % fmt_s(floors["write"]))
    print("  read+write floor      2 x ceil(N/100) x latency                  %s"
          % fmt_s(floors["read_write"]))
    print("  with max_concurrency  the same / %d                               %s and %s"
          % (mc, fmt_s(floors["write_conc"]), fmt_s(floors["read_write_conc"])))
    for name, r in runs:
        e = r["emulator"]
        st = e["stats"]
        print("emulator during %s: %.0f%% of a core, %.1f ms (max %.1f) answering each request "
              "besides the latency, up to %d requests at once; read back: %s"
              % (name, e["cpu_share"] * 100, st["service_ms_mean"], st["service_ms_max"],
                 st["max_in_flight"], r["verify_detail"]))
        if e["warnings"]:
            print("WARNING: the emulator may be the bottleneck of the %s run: %s"
                  % (name, "; ".join(e["warnings"])))
    for name, r in runs:
        if "plan" in r:
            print()
            if r["analyzed"]:
                print("plan of %s (ANALYZE: %d requests, %.2f s; reltuples %s):"
                      % (name, r["analyze_requests"], r["analyze_s"], fmt_int(r["reltuples"])))
            else:
                print("plan of %s (no ANALYZE: the planner's assumed table sizes):" % name)
            for line in r["plan"].splitlines():
                print("  " + line)


def sync_checks(runs, floors, rows, portal, node_seq):
    """The sync's PASS/FAIL lines; True when none failed."""
    expected = sum(1 for r in sync_staging(portal, rows, SYNC_MISSING)
                   if sync_exists(r["id"], portal))
    checks = []
    for name, r in runs:
        if "plan" not in r:
            continue
        req = r["requests"]
        checks += [
            ("%s: the plan is the direct update (no batch/read)" % name,
             r["plan_kind"] == "direct update", r["plan_kind"]),
            ("%s: no list page" % name, req["list"] == 0, "%d" % req["list"]),
            ("%s: no batch/read, at most %d batch/update, nothing else"
             % (name, floors["chunks"]),
             req["batch_read"] == 0 and req["batch_update"] <= floors["chunks"]
             and req["patch"] + req["search"] + req["other"] + req["failed"] == 0,
             "%d + %d, %d other" % (req["batch_read"], req["batch_update"],
                                    req["patch"] + req["search"] + req["other"])),
            ("%s: UPDATE %d" % (name, expected), r["updated"] == expected,
             "UPDATE %d" % r["updated"]),
            ("%s: every staging value arrived, nothing else changed" % name,
             req["writes_right"] and r["verified"], r["verify_detail"]),
            ("%s: wall < write floor" % name, r["wall_s"] < floors["write"],
             "%s < %s" % (fmt_s(r["wall_s"]), fmt_s(floors["write"]))),
        ]
        if r["analyzed"]:
            checks.append(("%s: ANALYZE sends at most 10 requests" % name,
                           r["analyze_requests"] <= 10, "%d" % r["analyze_requests"]))
        if node_seq is None:
            checks.append(("%s: faster than the sequential Node client" % name, None,
                           "skipped (--no-node)"))
        else:
            checks.append(("%s: faster than the sequential Node client" % name,
                           r["wall_s"] < node_seq["wall_s"],
                           "%s vs %s" % (fmt_s(r["wall_s"]), fmt_s(node_seq["wall_s"]))))
    for name, r in runs:
        if "plan" in r:
            continue
        checks.append(("%s: right result" % name, r["requests"]["writes_right"] and r["verified"]
                       and r["updated"] == expected, "UPDATE-equivalent %d; %s"
                       % (r["updated"], r["verify_detail"])))
    print()
    ok = True
    for name, passed, detail in checks:
        word = "SKIP" if passed is None else ("PASS" if passed else "FAIL")
        ok = ok and passed is not False
        print("%s  %s: %s" % (word, name, detail))
    return ok


def sync_main(pg, args):
    """--sync: the runs, the table, a Markdown summary line and the checks."""
    latency, portal, rows = args.latency_ms[0], args.portal_size, args.staging_rows
    staging = sync_staging(portal, rows, SYNC_MISSING)
    emu = Emulator(args.work, latency, portal)
    try:
        mc = create_server(pg, emu.url, args.max_concurrency) or 1
        environment(pg, args, mc, "workload: %s  (%s staging rows, %d of them ids the "
                    "portal lacks; %s records in the portal)"
                    % (SYNC_SQL, fmt_int(rows), SYNC_MISSING, fmt_int(portal)))
        runs = [("fdw, no ANALYZE", run_sync_extension(pg, emu, staging, portal, False)),
                ("fdw, ANALYZEd", run_sync_extension(pg, emu, staging, portal, True))]
        node_seq = None
        if not args.no_node:
            node_seq = run_sync_node(args, emu, staging, portal, "sequential", 1)
            runs.append(("Node, sequential", node_seq))
            runs.append(("Node, maxConcurrent %d" % mc,
                         run_sync_node(args, emu, staging, portal, "concurrent", mc)))
    finally:
        emu.stop()
    floors = sync_floors(rows, latency, mc)
    print_sync(runs, floors, mc, latency, rows, portal)
    print()
    print("summary (Markdown):")
    print("| run | plan | requests (list + read + update) | UPDATE n | wall | / write floor "
          "| / read+write floor | / read+write floor / %d |" % mc)
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name, r in runs:
        req = r["requests"]
        print("| %s | %s | %d + %d + %d | %s | %s | %.2f | %.2f | %.2f |"
              % (name, r.get("plan_kind", "-"), req["list"], req["batch_read"],
                 req["batch_update"], fmt_int(r["updated"]), fmt_s(r["wall_s"]),
                 r["wall_s"] / floors["write"], r["wall_s"] / floors["read_write"],
                 r["wall_s"] / floors["read_write_conc"]))
    sys.stdout.flush()
    return 0 if sync_checks(runs, floors, rows, portal, node_seq) else 1


# ---------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latency-ms", type=int_list, default=None,
                    help="default 50,150 (--sync: %d)" % SYNC_LATENCY)
    ap.add_argument("--rows", type=int_list, default=[1000, 10000])
    ap.add_argument("--quick", action="store_true",
                    help="only %d ms x %d rows, with PASS/FAIL checks" % (QUICK_LATENCY,
                                                                          QUICK_ROWS))
    ap.add_argument("--sync", action="store_true",
                    help="the sync benchmark: UPDATE ... FROM a staging table, with "
                    "PASS/FAIL checks")
    ap.add_argument("--staging-rows", type=int, default=SYNC_ROWS,
                    help="--sync: staging rows (default %d)" % SYNC_ROWS)
    ap.add_argument("--portal-size", type=int, default=SYNC_PORTAL,
                    help="--sync: partner_clients in the emulator (default %d)" % SYNC_PORTAL)
    ap.add_argument("--max-concurrency", type=int, default=4)
    ap.add_argument("--no-node", action="store_true", help="skip the Node client runs")
    ap.add_argument("--node-mode", choices=["pipelined", "sequential"], default="pipelined")
    ap.add_argument("--node", default="node")
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("--psql", default="/usr/lib/postgresql/15/bin/psql")
    ap.add_argument("--pg-host", required=True)
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--pg-db", default="postgres")
    ap.add_argument("--pg-user", default="postgres", help="run psql as this OS user (as root)")
    ap.add_argument("--check-args", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick and args.sync:
        die("--quick and --sync are separate runs")
    if args.quick:
        args.latency_ms, args.rows = [QUICK_LATENCY], [QUICK_ROWS]
    if args.latency_ms is None:
        args.latency_ms = [SYNC_LATENCY] if args.sync else [50, 150]
    if args.sync and (args.staging_rows <= SYNC_MISSING or args.portal_size < 1
                      or args.staging_rows - SYNC_MISSING > args.portal_size):
        die("--sync needs more than %d staging rows and a portal at least as large as the "
            "rows it holds" % SYNC_MISSING)
    if min(args.rows) < 1:
        die("--rows must be at least 1")
    if not 1 <= args.max_concurrency <= 16:
        die("--max-concurrency must be between 1 and 16")
    if args.check_args:
        return 0

    pg = Pg(args)
    pg.run("CREATE EXTENSION IF NOT EXISTS hubspot_fdw;")
    if args.sync:
        return sync_main(pg, args)
    header_done = False
    cases = []
    for lat in args.latency_ms:
        for rows in args.rows:
            emu = Emulator(args.work, lat, rows)
            try:
                mc = create_server(pg, emu.url, args.max_concurrency)
                if not header_done:
                    environment(pg, args, mc)
                    header_done = True
                case = {"latency_ms": lat, "rows": rows, "max_concurrency": mc}
                case["ext"] = run_extension(pg, emu, rows)
                if not args.no_node:
                    props = case["ext"]["requests"]["list_properties"] or "hs_name"
                    case["node_default"] = run_node(args, emu, rows, "none", props)
                    case["node_limiter"] = run_node(args, emu, rows, "default", props)
            finally:
                emu.stop()
            print_case(case)
            cases.append(case)
            sys.stdout.flush()
    print()
    print("summary (Node columns: wall time, and its ratio to hubspot_fdw's):")
    print(summary_table(cases))
    if args.quick:
        return 0 if quick_checks(cases[0]) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
