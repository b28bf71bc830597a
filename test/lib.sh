# test/lib.sh: shared by test/run_tests.sh, test/demo.sh and bench/run.sh.
# Chooses the PostgreSQL server from PG_CONFIG, builds and installs
# hubspot_fdw into it, builds the PostgreSQL 18 of the tests from
# ../shared/postgresql, and starts the bundled HubSpot emulator on a free
# loopback port. Source it; it defines functions and sets HS_ROOT.
# Installing Debian packages is test/install_deps.sh's work.

HS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian 12's PostgreSQL 15: the server when PG_CONFIG names none.
HS_DEBIAN_PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
# Whether the caller chose the server (run_tests.sh then tests that one only).
HS_PG_CONFIG_GIVEN=${PG_CONFIG:+1}
# The token the emulator accepts; tests check it never shows in any output.
HS_TEST_TOKEN=emulator-token-for-tests
# The OAuth app and refresh token the emulator's token endpoint accepts, and
# the start of every access token it issues: none may show in any output.
HS_TEST_CLIENT_ID=emulator-oauth-client
HS_TEST_CLIENT_SECRET=emulator-client-secret-for-tests
HS_TEST_REFRESH_TOKEN=emulator-refresh-token-for-tests
HS_TEST_ISSUED_PREFIX=issued-oauth-token-
# PostgreSQL 18 for the tests: source beside the clone, build in a cache.
HS_PG18_SOURCE="$HS_ROOT/../shared/postgresql"
HS_PG18_TARBALL=postgresql-18_18.6.orig.tar.bz2
if [ "$(id -u)" -eq 0 ]; then
  HS_PG18_PREFIX=${HS_PG18_PREFIX:-/var/cache/hubspot_fdw/pg18}
else
  HS_PG18_PREFIX=${HS_PG18_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/hubspot_fdw/pg18}
fi

hs_log() { printf '==> %s\n' "$*" >&2; }

# Run as root, through sudo when we are not.
hs_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Run as the user that owns the test clusters: postgres when we are root
# (PostgreSQL refuses to run as root), else ourselves.
hs_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Install the Debian packages that are missing (test/install_deps.sh).
hs_install_deps() {
  PG_CONFIG=${HS_PG_CONFIG_GIVEN:+$PG_CONFIG} bash "$HS_ROOT/test/install_deps.sh"
}

# Use the server of pg_config "$1": sets PG_CONFIG, PG_BINDIR, PG_VERSION_NAME
# (such as "PostgreSQL 18.6") and PG_MAJOR.
hs_use_server() {
  PG_CONFIG=$1
  if [ ! -x "$PG_CONFIG" ]; then
    echo "no pg_config at $PG_CONFIG: set PG_CONFIG to the pg_config of a PostgreSQL 15 or later" >&2
    return 1
  fi
  PG_BINDIR=$("$PG_CONFIG" --bindir)
  PG_VERSION_NAME=$("$PG_CONFIG" --version | sed 's/ (.*//')
  PG_MAJOR=$(echo "$PG_VERSION_NAME" | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
  export PG_CONFIG
}
hs_use_server "${PG_CONFIG:-$HS_DEBIAN_PG_CONFIG}" 2>/dev/null || true

# Hold the build lock (fd 9) until the calling script exits: the extension is
# installed into a shared tree, so two runs must not overlap. A script run
# by one that holds it (HS_LOCK_HELD) does not take it again. Daemons
# started afterwards must close fd 9 (9>&-), or they keep the lock.
hs_lock() {
  [ -z "${HS_LOCK_HELD:-}" ] || return 0
  exec 9>>"${TMPDIR:-/tmp}/hubspot_fdw-tests-$(id -u).lock"
  flock 9
  export HS_LOCK_HELD=1
}

# Build with warnings as errors and install into the server of PG_CONFIG.
# make runs as the caller; only the install may need root.
hs_build_install() {
  hs_lock
  hs_log "building hubspot_fdw for $PG_VERSION_NAME ($PG_CONFIG)"
  make -C "$HS_ROOT" -s PG_CONFIG="$PG_CONFIG" WERROR=1 >/dev/null
  local ext f as_root=""
  ext="$("$PG_CONFIG" --sharedir)/extension"
  if ! [ -w "$("$PG_CONFIG" --pkglibdir)" ] || ! [ -w "$ext" ]; then
    as_root=hs_root
  fi
  # Scripts another checkout installed (a later version, an upgrade path)
  # would show as versions this one does not have: remove them first.
  for f in "$ext"/hubspot_fdw--*.sql; do
    if [ -e "$f" ] && ! [ -e "$HS_ROOT/$(basename "$f")" ]; then
      $as_root rm -f "$f"
    fi
  done
  $as_root make -C "$HS_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# The pg_config of the PostgreSQL 18 built from ../shared/postgresql into
# HS_PG18_PREFIX, with the dblink the reliability suite uses: built (about
# 2 minutes) unless a build of the same tarball by the same recipe is there
# already (HS_PG18_RECIPE: raise it when the recipe below changes). Prints
# the path; fails without the source.
HS_PG18_RECIPE=2
hs_pg18_config() {
  local tarball="$HS_PG18_SOURCE/$HS_PG18_TARBALL"
  local stamp="$HS_PG18_PREFIX/.hubspot_fdw-build"
  local want build
  [ -f "$tarball" ] || return 1
  want="$(sha256sum "$tarball" | cut -d' ' -f1) recipe $HS_PG18_RECIPE"
  mkdir -p "$(dirname "$HS_PG18_PREFIX")"
  (
    exec 8>>"$HS_PG18_PREFIX.lock"
    flock 8
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$HS_PG18_PREFIX/bin/pg_config" ]; then
      exit 0
    fi
    hs_log "building PostgreSQL 18.6 from $HS_PG18_TARBALL into $HS_PG18_PREFIX (about 2 minutes)"
    # (errexit is off in here: hs_pg18_config runs in a command substitution)
    (cd "$HS_PG18_SOURCE" && sha256sum -c --quiet SHA256SUMS) >&2 || exit 1
    build=$(mktemp -d "${TMPDIR:-/tmp}/hubspot_fdw-pg18.XXXXXX") || exit 1
    trap 'rm -rf "$build"' EXIT
    tar xjf "$tarball" -C "$build" || exit 1
    rm -rf "$HS_PG18_PREFIX"
    cd "$build"/postgresql-18.6 || exit 1
    ./configure --prefix="$HS_PG18_PREFIX" --without-icu --without-readline --without-zlib \
      --without-zstd --without-lz4 --disable-nls >"$build/configure.log" 2>&1 ||
      { tail -n 30 "$build/configure.log" >&2; exit 1; }
    { make -j3 -s && make -s install && make -C contrib/dblink -s install; } >"$build/make.log" 2>&1 ||
      { tail -n 30 "$build/make.log" >&2; exit 1; }
    echo "$want" >"$stamp"
  ) 8>&- || return 1
  echo "$HS_PG18_PREFIX/bin/pg_config"
}

# A scratch directory the cluster's user owns; removed by hs_cleanup.
hs_make_workdir() {
  HS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/hubspot_fdw.XXXXXX")
  chmod 755 "$HS_WORK"
  hs_give_to_pg "$HS_WORK"
}

# Start a throwaway cluster of the server of PG_CONFIG in "$HS_WORK/pgdata",
# listening only on a socket in HS_WORK (port 5432); hs_cleanup stops it.
hs_start_cluster() {
  hs_log "starting a temporary $PG_VERSION_NAME cluster"
  hs_as_pg "$PG_BINDIR/initdb" -D "$HS_WORK/pgdata" -A trust >/dev/null
  hs_as_pg "$PG_BINDIR/pg_ctl" -D "$HS_WORK/pgdata" -l "$HS_WORK/postgres.log" -w \
    -o "-c listen_addresses='' -k $HS_WORK -p 5432" start >/dev/null 9>&-
}

# Hand "$1" (recursively) to the user of the test clusters.
hs_give_to_pg() {
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$1"; fi
}

# Start the emulator on a free port; exports HUBSPOT_EMULATOR_URL/_CTL.
# Its log goes to "$HS_EMULATOR_LOG" (default: the work directory).
hs_start_emulator() {
  local portfile
  local i
  portfile=$(mktemp "${TMPDIR:-/tmp}/hubspot_fdw-emulator-port.XXXXXX")
  rm -f "$portfile"
  /usr/bin/python3 "$HS_ROOT/test/emulator/hubspot_emulator.py" \
    --port 0 --port-file "$portfile" --token "$HS_TEST_TOKEN" \
    --read-only-token read-only-token-for-tests \
    --oauth-client "$HS_TEST_CLIENT_ID:$HS_TEST_CLIENT_SECRET" \
    --refresh-token "$HS_TEST_REFRESH_TOKEN" --oauth-token-prefix "$HS_TEST_ISSUED_PREFIX" "$@" >"${HS_EMULATOR_LOG:-$HS_WORK/emulator.log}" 2>&1 9>&- &
  HS_EMULATOR_PID=$!
  for i in $(seq 1 100); do
    [ -s "$portfile" ] && break
    kill -0 "$HS_EMULATOR_PID" 2>/dev/null || { cat "${HS_EMULATOR_LOG:-$HS_WORK/emulator.log}" >&2; return 1; }
    sleep 0.1
  done
  [ -s "$portfile" ] || { hs_log "emulator did not start"; return 1; }
  export HUBSPOT_EMULATOR_URL="http://127.0.0.1:$(cat "$portfile")"
  rm -f "$portfile"
  export HUBSPOT_EMULATOR_CTL="$HS_ROOT/test/emulator/emu_ctl.py"
  export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
  hs_log "HubSpot emulator at $HUBSPOT_EMULATOR_URL"
}

# Stop the emulator started last.
hs_stop_emulator() {
  if [ -n "${HS_EMULATOR_PID:-}" ]; then
    kill "$HS_EMULATOR_PID" 2>/dev/null || true
    wait "$HS_EMULATOR_PID" 2>/dev/null || true
    HS_EMULATOR_PID=
  fi
}

# Stop every PostgreSQL left running below "$1" (a work directory).
hs_stop_clusters() {
  local pidfile
  [ -d "$1" ] || return 0
  while IFS= read -r pidfile; do
    hs_as_pg "$PG_BINDIR/pg_ctl" -D "$(dirname "$pidfile")" stop -m immediate >/dev/null 2>&1 ||
      kill -9 "$(head -n 1 "$pidfile")" 2>/dev/null || true
  done < <(find "$1" -maxdepth 4 -name postmaster.pid 2>/dev/null)
}

# Stop the emulator and any PostgreSQL left running in the work directory.
hs_cleanup() {
  hs_stop_emulator
  if [ -n "${HS_WORK:-}" ] && [ -d "$HS_WORK" ]; then
    hs_stop_clusters "$HS_WORK"
    if [ -n "${HS_KEEP_WORK:-}" ]; then hs_log "kept $HS_WORK"; else rm -rf "$HS_WORK"; fi
  fi
}
