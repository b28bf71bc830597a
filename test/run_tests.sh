#!/usr/bin/env bash
# Installs everything hubspot_fdw needs, builds it, starts the bundled
# HubSpot emulator and runs the pg_regress suites against it.
# Usage: bash test/run_tests.sh [test ...]   (HS_KEEP_WORK=1 keeps the output)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trap hs_cleanup EXIT
trap 'exit 130' INT TERM

hs_install_deps
hs_build_install
hs_make_workdir

# The emulator's own self test first: the suites trust what it records.
hs_log "emulator self test"
if ! /usr/bin/python3 "$HS_ROOT/test/emulator/selftest.py" >"$HS_WORK/selftest.log" 2>&1; then
  cat "$HS_WORK/selftest.log"
  echo "the emulator's self test failed" >&2
  exit 1
fi
# The value formats (src/hsvalue.c) against Python's datetime and decimal.
hs_log "value format check"
if ! /usr/bin/python3 "$HS_ROOT/test/hsvalue/check.py" >"$HS_WORK/hsvalue.log" 2>&1; then
  cat "$HS_WORK/hsvalue.log"
  echo "the value format check failed" >&2
  exit 1
fi

hs_start_emulator

# The server runs as postgres and may not be able to read this checkout
# (a clone under /root, say): give it copies in its own work directory.
cp -r "$HS_ROOT/sql" "$HS_ROOT/expected" "$HS_WORK/"
cp "$HUBSPOT_EMULATOR_CTL" "$HS_WORK/emu_ctl.py"
cp "$HS_ROOT/test/regress.conf" "$HS_WORK/regress.conf"
export HUBSPOT_EMULATOR_CTL="$HS_WORK/emu_ctl.py"
hs_root chown -R postgres:postgres "$HS_WORK"

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  mapfile -t tests < <(sed -n 's/^test: *//p' "$HS_ROOT/test/schedule" | tr ' ' '\n' | sed '/^$/d')
fi

PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..
status=0
runuser -u postgres -- env \
  HUBSPOT_EMULATOR_URL="$HUBSPOT_EMULATOR_URL" HUBSPOT_EMULATOR_CTL="$HUBSPOT_EMULATOR_CTL" HUBSPOT_TEST_TOKEN="$HS_TEST_TOKEN" \
  NO_PROXY="$NO_PROXY" no_proxy="$no_proxy" PGTZ=UTC PGDATESTYLE="ISO, MDY" \
  "$PGXS_DIR/test/regress/pg_regress" \
    --temp-instance="$HS_WORK/tmp_check" \
    --temp-config="$HS_WORK/regress.conf" \
    --bindir="$PG_BINDIR" \
    --inputdir="$HS_WORK" \
    --outputdir="$HS_WORK" \
    --dbname=contrib_regression --encoding=UTF8 \
    "${tests[@]}" | tee "$HS_WORK/pg_regress.out" || status=$?

if [ -s "$HS_WORK/regression.diffs" ]; then
  cat "$HS_WORK/regression.diffs"
fi
passed=$(grep -cE '\.\.\. +ok' "$HS_WORK/pg_regress.out" || true)
failed=$(grep -cE '\.\.\. +FAILED' "$HS_WORK/pg_regress.out" || true)
# libFuzzer over the parsers of HubSpot's answers, outside the server, for a
# bounded time (HS_FUZZ_SECONDS, default 60; 0 skips). Any finding fails.
fuzz_seconds=${HS_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  hs_log "fuzzing src/json.c for ${fuzz_seconds}s"
  mkdir -p "$HS_WORK/fuzz/corpus"
  spec_dir="$HS_ROOT/../shared/hubspot-openapi"
  if [ -d "$spec_dir" ]; then
    /usr/bin/python3 "$HS_ROOT/test/fuzz/make_corpus.py" "$spec_dir" "$HS_WORK/fuzz/corpus" >&2
  fi
  if "$HS_ROOT/test/fuzz/build.sh" "$HS_WORK/fuzz/fuzz_json" >"$HS_WORK/fuzz/build.log" 2>&1 &&
     "$HS_WORK/fuzz/fuzz_json" -max_total_time="$fuzz_seconds" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -artifact_prefix="$HS_WORK/fuzz/" \
       "$HS_WORK/fuzz/corpus" "$HS_ROOT/test/fuzz/seeds" >"$HS_WORK/fuzz/fuzz.log" 2>&1; then
    echo "test fuzz_json                     ... ok    ($(grep -o 'Done [0-9]* runs' "$HS_WORK/fuzz/fuzz.log"))"
    passed=$((passed + 1))
  else
    tail -n 60 "$HS_WORK/fuzz/build.log" "$HS_WORK/fuzz/fuzz.log"
    echo "test fuzz_json                     ... FAILED"
    failed=$((failed + 1))
  fi
fi

# The access token must appear in no output of any test.
if grep -rlF "$HS_TEST_TOKEN" "$HS_WORK/results" "$HS_WORK/log" 2>/dev/null; then
  echo "the access token appears in the output above" >&2
  failed=$((failed + 1))
fi
echo "${passed} passed, ${failed} failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
