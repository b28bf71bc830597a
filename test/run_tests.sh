#!/usr/bin/env bash
# Installs what hubspot_fdw needs (test/install_deps.sh), then for each
# PostgreSQL server builds and installs the extension, starts the bundled
# HubSpot emulator and runs the pg_regress suites and the demo against it;
# last, a bounded libFuzzer run over the answer parsers.
#
# Usage: bash test/run_tests.sh [suite ...]
#   The servers: PostgreSQL 15 from Debian and PostgreSQL 18 built from
#   ../shared/postgresql (skipped, saying so, when that is not beside the
#   clone). PG_CONFIG=/path/to/pg_config tests that server alone.
#   Suites: those of test/schedule, or the ones named (setup, the fixtures
#   every suite uses, is added in front). Naming suites skips the demo.
#   HS_FUZZ_SECONDS (default 60; 0 skips), HS_KEEP_WORK=1 keeps the output.
# Ends with one line "N passed, N failed" over every server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trap hs_cleanup EXIT
trap 'exit 130' INT TERM

hs_install_deps

# --- the servers ---------------------------------------------------------------
servers=()
if [ -n "$HS_PG_CONFIG_GIVEN" ]; then
  servers=("$PG_CONFIG")
else
  servers=("$HS_DEBIAN_PG_CONFIG")
  if [ -f "$HS_PG18_SOURCE/$HS_PG18_TARBALL" ]; then
    pg18=$(hs_pg18_config) || { echo "building PostgreSQL 18 from ../shared/postgresql failed" >&2; exit 1; }
    servers+=("$pg18")
  else
    echo "PostgreSQL 18: skipped, no ../shared/postgresql beside this clone." \
      "To test against an installed PostgreSQL 18: PG_CONFIG=/path/to/18/bin/pg_config bash test/run_tests.sh"
  fi
fi
for s in "${servers[@]}"; do hs_use_server "$s"; done   # fail early on a bad path

# --- the suites ----------------------------------------------------------------
suites=("$@")
run_demo=1
if [ ${#suites[@]} -eq 0 ]; then
  mapfile -t suites < <(sed -n 's/^test: *//p' "$HS_ROOT/test/schedule" | tr ' ' '\n' | sed '/^$/d')
else
  run_demo=
  for s in "${suites[@]}"; do
    [ -f "$HS_ROOT/sql/$s.sql" ] || { echo "no suite \"$s\": the suites are those of test/schedule" >&2; exit 2; }
  done
  [ "${suites[0]}" = setup ] || suites=(setup "${suites[@]}")
fi

hs_make_workdir
passed=0
failed=0
status=0
leg_summaries=()

# A check that is one command: "test NAME ... ok" or its log and FAILED.
run_check() {
  local name=$1 what=$2
  shift 2
  hs_log "$what"
  if "$@" >"$HS_WORK/$name.log" 2>&1; then
    printf 'test %-30s ... ok\n' "$name"
    passed=$((passed + 1))
  else
    cat "$HS_WORK/$name.log"
    printf 'test %-30s ... FAILED\n' "$name"
    failed=$((failed + 1))
  fi
}

# The layers of the C sources: no dependency cycle, none upwards.
run_check layer_dependencies "dependency check" /usr/bin/python3 "$HS_ROOT/test/depcheck.py"
# The emulator's own self test first: the suites trust what it records.
run_check emulator_selftest "emulator self test" /usr/bin/python3 "$HS_ROOT/test/emulator/selftest.py"
# The value formats (src/hsvalue.c) against Python's datetime and decimal.
run_check hsvalue_formats "value format check" /usr/bin/python3 "$HS_ROOT/test/hsvalue/check.py"

# HubSpot's OpenAPI specs: the emulator checks every request against the
# spec of its version (test/emulator/hsemu/spec.py), each leg reporting the
# invalid ones in its spec-invalid.jsonl.
spec_dir="$HS_ROOT/../shared/hubspot-openapi"
spec_reports=()

# Run every suite against the server of PG_CONFIG, in work directory "$1";
# with a date api_version "$2", the suites that send requests, through the
# path mapping of test/apiver.py, compared with the v3 expected outputs.
run_suites() {
  local work=$1 ver=${2:-}
  local leg_passed leg_failed rc=0
  local run=("${suites[@]}")
  local emu_args=()
  mkdir -p "$work"
  if [ -d "$spec_dir" ]; then
    emu_args=(--spec-dir "$spec_dir" --spec-report "$work/spec-invalid.jsonl")
    : >"$work/spec-invalid.jsonl"
    spec_reports+=("$work/spec-invalid.jsonl")
  fi
  HS_EMULATOR_LOG="$work/emulator.log" hs_start_emulator "${emu_args[@]}"
  # The server runs as postgres and may not be able to read this checkout
  # (a clone under /root, say): give it copies in its own work directory.
  if [ -n "$ver" ]; then
    /usr/bin/python3 "$HS_ROOT/test/apiver.py" prepare "$ver" "$HS_ROOT" "$work"
    # associations, api_versions and links test what differs beyond paths
    # (under every version, from the v3 leg); upgrade sends no request
    run=()
    for s in "${suites[@]}"; do
      case $s in associations|api_versions|links|upgrade) ;; *) run+=("$s") ;; esac
    done
  else
    cp -r "$HS_ROOT/sql" "$HS_ROOT/expected" "$work/"
  fi
  cp "$HS_ROOT/test/emulator/emu_ctl.py" "$work/emu_ctl.py"
  cp "$HS_ROOT/test/regress.conf" "$work/regress.conf"
  hs_give_to_pg "$work"
  hs_as_pg env \
    HUBSPOT_EMULATOR_URL="$HUBSPOT_EMULATOR_URL" HUBSPOT_EMULATOR_CTL="$work/emu_ctl.py" \
    HUBSPOT_TEST_TOKEN="$HS_TEST_TOKEN" HUBSPOT_TEST_CLIENT_ID="$HS_TEST_CLIENT_ID" \
    HUBSPOT_TEST_CLIENT_SECRET="$HS_TEST_CLIENT_SECRET" \
    HUBSPOT_TEST_REFRESH_TOKEN="$HS_TEST_REFRESH_TOKEN" \
    NO_PROXY="$NO_PROXY" no_proxy="$no_proxy" \
    "$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress" \
      --temp-instance="$work/tmp_check" \
      --temp-config="$work/regress.conf" \
      --bindir="$PG_BINDIR" \
      --inputdir="$work" \
      --outputdir="$work" \
      --dbname=contrib_regression --encoding=UTF8 \
      "${run[@]}" >"$work/pg_regress.out" 2>&1 || rc=$?
  hs_stop_emulator
  hs_stop_clusters "$work"
  if [ -n "$ver" ]; then
    # pg_regress compared with the v3 outputs as they are: judge here instead
    rc=0
    /usr/bin/python3 "$HS_ROOT/test/apiver.py" compare "$ver" "$work" "${run[@]}" \
      >"$work/apiver.out" 2>&1 || rc=$?
    cat "$work/apiver.out"
    mv "$work/pg_regress.out" "$work/pg_regress.raw"
    grep '^test ' "$work/apiver.out" >"$work/pg_regress.out" || true
    if [ "$rc" -ne 0 ] && ! grep -q 'FAILED' "$work/pg_regress.out"; then
      echo "test apiver_compare ... FAILED" >>"$work/pg_regress.out"
    fi
    rc=0
  else
    cat "$work/pg_regress.out"
    if [ -s "$work/regression.diffs" ]; then
      cat "$work/regression.diffs"
    fi
  fi
  # pg_regress prints "test x ... ok" up to 15 and TAP ("ok 1 - x") from 16.
  leg_passed=$(grep -cE '\.\.\. +ok|^ok +[0-9]+ ' "$work/pg_regress.out" || true)
  leg_failed=$(grep -cE '\.\.\. +FAILED|^not ok +[0-9]+ ' "$work/pg_regress.out" || true)
  # A pg_regress that failed without naming a failed suite still fails.
  if [ "$rc" -ne 0 ] && [ "$leg_failed" -eq 0 ]; then leg_failed=1; fi
  # No secret may appear in any output of any test: the access token, the
  # OAuth client secret and refresh token, and the access tokens issued.
  for secret in "$HS_TEST_TOKEN" "$HS_TEST_CLIENT_SECRET" "$HS_TEST_REFRESH_TOKEN" \
                "$HS_TEST_ISSUED_PREFIX"; do
    if grep -rlF -- "$secret" "$work/results" "$work/log" 2>/dev/null; then
      echo "a secret of the tests appears in the output above" >&2
      leg_failed=$((leg_failed + 1))
    fi
  done
  passed=$((passed + leg_passed))
  failed=$((failed + leg_failed))
  leg_summaries+=("$PG_VERSION_NAME${ver:+ api_version $ver}: suites $leg_passed ok, $leg_failed failed")
}

# The demo (test/demo.sh) against the server of PG_CONFIG, as a test.
run_demo() {
  local log="$HS_WORK/demo-pg$PG_MAJOR.log"
  if PG_CONFIG="$PG_CONFIG" HS_DEMO_SKIP_BUILD=1 bash "$HS_ROOT/test/demo.sh" >"$log" 2>&1; then
    echo "test demo                          ... ok"
    passed=$((passed + 1))
  else
    tail -n 40 "$log"
    echo "test demo                          ... FAILED"
    failed=$((failed + 1))
  fi
}

for s in "${servers[@]}"; do
  hs_use_server "$s"
  hs_log "$PG_VERSION_NAME: ${#suites[@]} suites"
  hs_build_install
  run_suites "$HS_WORK/pg$PG_MAJOR"
  [ -z "$run_demo" ] || run_demo
done

# The suites that send requests again under each date api_version, on the
# first server (HS_API_VERSIONS, default "2026-03 2026-09"; empty skips).
for ver in ${HS_API_VERSIONS-2026-03 2026-09}; do
  hs_use_server "${servers[0]}"
  hs_log "$PG_VERSION_NAME: the suites under api_version $ver"
  run_suites "$HS_WORK/pg$PG_MAJOR-$ver" "$ver"
done

# Every request of every leg fits HubSpot's spec of its version.
if [ ${#spec_reports[@]} -gt 0 ]; then
  run_check spec_conformance "requests against HubSpot's OpenAPI specs" \
    bash -c 'for f; do if [ -s "$f" ]; then echo "$f:"; head -n 20 "$f"; bad=1; fi; done; [ -z "${bad:-}" ]' _ "${spec_reports[@]}"
fi

# libFuzzer over the parsers of HubSpot's answers, outside the server, for a
# bounded time (HS_FUZZ_SECONDS, default 60; 0 skips). Any finding fails.
fuzz_seconds=${HS_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  hs_use_server "${servers[0]}"
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

for line in "${leg_summaries[@]}"; do echo "$line"; done
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
