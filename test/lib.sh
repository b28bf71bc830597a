# test/lib.sh: shared by test/run_tests.sh and test/demo.sh.
# Installs what hubspot_fdw needs on Debian 12, builds and installs it,
# and starts the bundled HubSpot emulator on a free loopback port.
# Source it; it defines functions and sets HS_ROOT.

HS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BINDIR=/usr/lib/postgresql/15/bin
# The token the emulator accepts; tests check it never shows in any output.
HS_TEST_TOKEN=emulator-token-for-tests
HS_PACKAGES="postgresql-15 postgresql-server-dev-15 libcurl4-openssl-dev libjson-c-dev pkg-config make gcc python3 ca-certificates clang libclang-rt-14-dev"

hs_log() { printf '==> %s\n' "$*" >&2; }

# Run as root, through sudo when we are not.
hs_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt-get install whatever of HS_PACKAGES is missing.
hs_install_deps() {
  local missing=""
  local p
  for p in $HS_PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    hs_log "installing Debian packages:$missing"
    hs_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    hs_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

# Build with warnings as errors and install into the PostgreSQL 15 tree.
# Takes a machine-wide lock (fd 9) held until the calling script exits: the
# extension is installed system-wide, so two runs must not overlap. Daemons
# started afterwards must close fd 9 (9>&-), or they keep the lock.
hs_build_install() {
  exec 9>/tmp/hubspot_fdw-tests.lock
  flock 9
  hs_log "building hubspot_fdw"
  make -C "$HS_ROOT" -s PG_CONFIG="$PG_CONFIG" WERROR=1 >/dev/null
  hs_root make -C "$HS_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# A scratch directory the postgres user owns; removed by hs_cleanup.
hs_make_workdir() {
  HS_WORK=$(mktemp -d /tmp/hubspot_fdw.XXXXXX)
  chmod 755 "$HS_WORK"
  hs_root chown postgres:postgres "$HS_WORK"
}

# Start the emulator on a free port; exports HUBSPOT_EMULATOR_URL/_CTL.
hs_start_emulator() {
  local portfile="$HS_WORK/emulator.port"
  local i
  /usr/bin/python3 "$HS_ROOT/test/emulator/hubspot_emulator.py" \
    --port 0 --port-file "$portfile" --token "$HS_TEST_TOKEN" \
    --read-only-token read-only-token-for-tests "$@" >"$HS_WORK/emulator.log" 2>&1 9>&- &
  HS_EMULATOR_PID=$!
  for i in $(seq 1 100); do
    [ -s "$portfile" ] && break
    kill -0 "$HS_EMULATOR_PID" 2>/dev/null || { cat "$HS_WORK/emulator.log" >&2; return 1; }
    sleep 0.1
  done
  [ -s "$portfile" ] || { hs_log "emulator did not start"; return 1; }
  export HUBSPOT_EMULATOR_URL="http://127.0.0.1:$(cat "$portfile")"
  export HUBSPOT_EMULATOR_CTL="$HS_ROOT/test/emulator/emu_ctl.py"
  export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
  hs_log "HubSpot emulator at $HUBSPOT_EMULATOR_URL"
}

# Stop the emulator and any PostgreSQL left running in the work directory.
hs_cleanup() {
  local d
  if [ -n "${HS_EMULATOR_PID:-}" ]; then
    kill "$HS_EMULATOR_PID" 2>/dev/null || true
    wait "$HS_EMULATOR_PID" 2>/dev/null || true
  fi
  if [ -n "${HS_WORK:-}" ] && [ -d "$HS_WORK" ]; then
    for d in "$HS_WORK"/tmp_check/data "$HS_WORK"/pgdata; do
      if [ -f "$d/postmaster.pid" ]; then
        runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$d" stop -m immediate >/dev/null 2>&1 || true
      fi
    done
    if [ -n "${HS_KEEP_WORK:-}" ]; then hs_log "kept $HS_WORK"; else rm -rf "$HS_WORK"; fi
  fi
}
