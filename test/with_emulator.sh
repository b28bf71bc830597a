#!/usr/bin/env bash
# Starts the bundled HubSpot emulator on a free loopback port, runs the
# command given with the variables the pg_regress suites read, and stops
# the emulator when the command ends. For `make installcheck` against a
# server you run yourself (README.md, "Testing").
#
# Usage: bash test/with_emulator.sh make installcheck [PG_CONFIG=...]
#   Sets HUBSPOT_EMULATOR_URL, HUBSPOT_EMULATOR_CTL (a copy of the emulator
#   client any server user can read) and HUBSPOT_TEST_TOKEN.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -gt 0 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
trap hs_cleanup EXIT
trap 'exit 130' INT TERM

HS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/hubspot_fdw.XXXXXX")
chmod 755 "$HS_WORK"
hs_start_emulator
cp "$HS_ROOT/test/emulator/emu_ctl.py" "$HS_WORK/emu_ctl.py"
chmod 644 "$HS_WORK/emu_ctl.py"
HUBSPOT_EMULATOR_CTL="$HS_WORK/emu_ctl.py" HUBSPOT_TEST_TOKEN="$HS_TEST_TOKEN" \
  HUBSPOT_TEST_CLIENT_ID="$HS_TEST_CLIENT_ID" HUBSPOT_TEST_CLIENT_SECRET="$HS_TEST_CLIENT_SECRET" \
  HUBSPOT_TEST_REFRESH_TOKEN="$HS_TEST_REFRESH_TOKEN" "$@"
