#!/usr/bin/env bash
# Builds the libFuzzer target over src/json.c with ASan and UBSan, outside
# the server (ASan inside Debian's postgres hangs). Prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:-$root/test/fuzz/fuzz_json}
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
clang -g -O1 -Wno-ignored-attributes -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$root/src" -I"$("$pg_config" --includedir-server)" $(pkg-config --cflags json-c) \
  "$root/src/json.c" "$root/test/fuzz/shim.c" "$root/test/fuzz/fuzz_json.c" \
  -L"$("$pg_config" --pkglibdir)" -L"$("$pg_config" --libdir)" -lpgcommon -lpgport $(pkg-config --libs json-c) \
  -o "$out"
echo "$out"
