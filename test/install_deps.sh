#!/usr/bin/env bash
# Installs the Debian 12 packages that building, testing and demonstrating
# hubspot_fdw need, with apt-get, and nothing when all are there already.
# Needs root (or sudo) only when something is missing.
#
# Usage: bash test/install_deps.sh
#   PG_CONFIG unset: Debian's PostgreSQL 15 (server and headers) and, when
#     ../shared/postgresql is beside the clone, the tools that build the
#     PostgreSQL 18 of the tests from its source (bison, flex, perl).
#   PG_CONFIG=/usr/lib/postgresql/N/bin/pg_config: Debian's PostgreSQL N.
#   PG_CONFIG=any other pg_config: that installation is yours to provide.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build tools, the two libraries, the emulator's Python and the fuzzer's clang.
packages="libcurl4-openssl-dev libjson-c-dev pkg-config make gcc python3 ca-certificates clang libclang-rt-14-dev util-linux"
case "${PG_CONFIG:-}" in
  "")
    packages="$packages postgresql-15 postgresql-server-dev-15"
    if [ -d "$root/../shared/postgresql" ]; then
      packages="$packages bison flex perl bzip2"
    fi ;;
  /usr/lib/postgresql/*/bin/pg_config)
    major=${PG_CONFIG#/usr/lib/postgresql/}
    major=${major%%/*}
    packages="$packages postgresql-$major postgresql-server-dev-$major" ;;
esac

missing=""
for p in $packages; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

printf '==> installing Debian packages:%s\n' "$missing" >&2
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
