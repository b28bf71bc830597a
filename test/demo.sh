#!/usr/bin/env bash
# Installs everything (test/install_deps.sh), builds hubspot_fdw, starts the
# bundled HubSpot emulator and a throwaway PostgreSQL cluster, then runs the
# README's SQL and shows, after each statement, the requests HubSpot received.
# Usage: bash test/demo.sh
#   PG_CONFIG=/path/to/pg_config chooses the server (default: Debian's 15).
#   HS_DEMO_SKIP_BUILD=1 uses the extension as installed (test/run_tests.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trap hs_cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${HS_DEMO_SKIP_BUILD:-}" ]; then
  hs_install_deps
  hs_build_install
fi
hs_make_workdir
hs_start_emulator

hs_start_cluster

psql_run() {
  hs_as_pg env NO_PROXY="$NO_PROXY" \
    "$PG_BINDIR/psql" -X -q -h "$HS_WORK" -p 5432 -d postgres -v ON_ERROR_STOP=1 \
    -v emu_url="$HUBSPOT_EMULATOR_URL" -v token="$HS_TEST_TOKEN" "$@"
}

# What the emulator received since the last call, one line per request.
show_requests() {
  /usr/bin/python3 "$HUBSPOT_EMULATOR_CTL" "$HUBSPOT_EMULATOR_URL" requests | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    body = r.get("body") or {}
    what = ""
    if "inputs" in body:
        what = "%d inputs, first %s" % (len(body["inputs"]), json.dumps(body["inputs"][0]))
    elif body:
        what = json.dumps(body)
    elif r.get("query"):
        what = "?" + "&".join("%s=%s" % kv for kv in r["query"].items())
    print("    HubSpot received: %-6s %s -> %s  %s" % (r["method"], r["path"], r["status"], what))
'
  /usr/bin/python3 "$HUBSPOT_EMULATOR_CTL" "$HUBSPOT_EMULATOR_URL" clear
}

step() {
  printf '\n%s\n' "$1"
  psql_run -c "$2"
  show_requests
}

printf '\nhubspot_fdw demo against the bundled HubSpot emulator at %s\n' "$HUBSPOT_EMULATOR_URL"
psql_run <<'SQL'
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token :'token');
CREATE FOREIGN TABLE partner_clients (
  id text,
  hs_name text,
  tier text OPTIONS (property 'hs_tier')
) SERVER hubspot OPTIONS (object_type 'partner_clients');
CREATE FOREIGN TABLE partner_services (
  id text,
  hs_name text,
  hs_status text
) SERVER hubspot OPTIONS (object_type 'partner_services');
SQL
/usr/bin/python3 "$HUBSPOT_EMULATOR_CTL" "$HUBSPOT_EMULATOR_URL" clear

step "1. Read one record by id (GET by id, no paging):" \
  "SELECT * FROM partner_clients WHERE id = '512';"
step "2. UPDATE one row by id: exactly one PATCH, no read first:" \
  "UPDATE partner_clients SET tier = 'gold' WHERE id = '512';"
step "3. UPDATE many rows: the list is read once, writes go as batch/update of at most 100:" \
  "UPDATE partner_clients SET hs_name = upper(hs_name) WHERE tier = 'gold';"
step "4. partner_services works the same way:" \
  "UPDATE partner_services SET hs_status = 'paused' WHERE id IN ('3001', '3002', '3003');"
step "5. Every change reads back:" \
  "SELECT tier, count(*), min(hs_name) AS example FROM partner_clients GROUP BY tier ORDER BY tier;
   SELECT id, hs_status FROM partner_services WHERE id IN ('3001', '3002', '3003') ORDER BY id;"
step "6. EXPLAIN says what will be sent:" \
  "EXPLAIN (VERBOSE, COSTS OFF) UPDATE partner_clients SET tier = 'silver' WHERE id = '512';
   EXPLAIN (COSTS OFF) UPDATE partner_clients SET hs_name = lower(hs_name) WHERE tier = 'gold';"
printf '\ndemo finished\n'
