#!/usr/bin/env bash
# bench/answer_memory.sh: how much memory a backend takes to parse one
# HubSpot answer, against the bound the README states ("Limits on HubSpot's
# answers"). Builds and installs the extension (PG_CONFIG chooses the server,
# as for test/run_tests.sh), starts a throwaway cluster and the emulator, and
# for each answer shape runs one SELECT in a fresh session, printing the
# answer's size, the outcome and the backend's peak RSS (VmHWM) over its
# peak before the statement. Takes about a minute. Not run by the tests.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E bash "$0" "$@"
fi

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../test/lib.sh"

trap hs_cleanup EXIT
trap 'exit 130' INT TERM

hs_install_deps
hs_build_install
hs_make_workdir

export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
hs_start_cluster
hs_start_emulator --token "$HS_TEST_TOKEN"

/usr/bin/python3 "$BENCH_DIR/answer_memory.py" --pg-host "$HS_WORK" --pg-port 5432 \
  --psql "$PG_BINDIR/psql" --emulator "$HUBSPOT_EMULATOR_URL" --token "$HS_TEST_TOKEN" \
  --pg-version "$PG_VERSION_NAME"
