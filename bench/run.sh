#!/usr/bin/env bash
# bench/run.sh: the hubspot_fdw benchmark, one command: a whole-table UPDATE
# timed against the sequential floor and the official Node client.
#
#   bash bench/run.sh [--quick] [--latency-ms 50,150] [--rows 1000,10000,100000]
#                     [--max-concurrency 4] [--no-node] [--node-mode pipelined|sequential]
#   bash bench/run.sh --rate-budget [--rows 20000] [--limits 190,100] [--fixed]
#
# Installs what it needs on Debian 12 (PostgreSQL 15 and the build tools
# through test/lib.sh, Node and npm through apt-get when absent, and the
# official HubSpot Node client from bench/package-lock.json with npm ci),
# builds and installs hubspot_fdw, starts a throwaway PostgreSQL cluster, and
# hands over to bench/bench.py, which starts the emulator for every
# (latency, rows) pair and prints the measurements.
#
# Defaults: latencies 50 and 150 ms, 1,000 and 10,000 rows (a few minutes).
# --quick: 50 ms x 2,000 rows only, ending with PASS/FAIL lines; the exit
# status is 1 when a check fails. None of these is part of
# test/run_tests.sh or CI.
#
#   bash bench/run.sh --sync [--staging-rows 1000] [--portal-size 100000]
#                     [--latency-ms 50] [--max-concurrency 4] [--no-node]
#
# --sync: the sync benchmark instead. UPDATE ... FROM a 1,000-row local
# staging table (10 of its ids missing from HubSpot) into a 100,000-record
# portal at 50 ms, through hubspot_fdw without and with ANALYZE, and through
# the Node client's batch/read + batch/update, with PASS/FAIL lines (exit
# status 1 when a check fails, a list scan among them).
# --rate-budget: bench/rate_budget.py instead, the UPDATE of 20,000 rows
# against an emulator enforcing each limit, with the default rate budget,
# ending with PASS/FAIL lines (about 2 minutes; --fixed adds runs at the
# earlier fixed 100).
set -euo pipefail

# Root is needed for apt-get, the system-wide install and runuser.
if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E bash "$0" "$@"
fi

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../test/lib.sh"

# --- arguments: checked here so that mistakes fail before any install -----
# --rate-budget: the UPDATE against an emulator that enforces a rate limit,
# with the default rate budget (bench/rate_budget.py), instead of bench.py.
no_node=""
script=bench.py
args=()
for arg in "$@"; do
  case "$arg" in
    -h|--help)
      sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    --no-node) no_node=1 ;;
    --rate-budget) script=rate_budget.py; no_node=1; continue ;;
  esac
  args+=("$arg")
done
set -- "${args[@]+"${args[@]}"}"
/usr/bin/python3 "$BENCH_DIR/$script" --work - --pg-host - "$@" --check-args

trap hs_cleanup EXIT
trap 'exit 130' INT TERM

# --- Node and the pinned client ----------------------------------------------
# Debian's nodejs (18.x on Debian 12) and npm, unless a node >= 18 is already
# on the PATH. npm ci installs exactly what bench/package-lock.json pins; a
# stamp of the lockfile's hash skips it when node_modules already matches.
bench_node_deps() {
  local major=0
  if command -v node >/dev/null 2>&1; then
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  fi
  if [ "$major" -lt 18 ] || ! command -v npm >/dev/null 2>&1; then
    hs_log "installing Debian packages: nodejs npm"
    hs_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    hs_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      nodejs npm >/dev/null
    major=$(node -p 'process.versions.node.split(".")[0]')
    [ "$major" -ge 18 ] || { echo "bench: node >= 18 is needed, found $(node --version)" >&2; exit 2; }
  fi
  local stamp="$BENCH_DIR/node_modules/.bench-lock-sha256"
  local want
  want=$(sha256sum "$BENCH_DIR/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    hs_log "npm ci (bench/package-lock.json)"
    (cd "$BENCH_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" >"$stamp"
  fi
}

hs_install_deps
[ -n "$no_node" ] || bench_node_deps
# The install is system-wide: hold the build lock until the benchmark ends,
# so that no test run replaces the extension under it.
hs_build_install
hs_make_workdir

# --- a throwaway cluster, as test/demo.sh starts it ---------------------------
# (9>&-: the postmaster must not inherit the build lock's descriptor. The
# emulators and psql that bench.py starts do not: Python closes it for them.)
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
hs_start_cluster

hs_log "benchmark running (emulator started per latency and row count)"
/usr/bin/python3 "$BENCH_DIR/$script" --work "$HS_WORK" --pg-host "$HS_WORK" --pg-port 5432 "$@"
