#!/usr/bin/env bash
# tests/ci.sh - the README's test command: install, build (warnings as
# errors, plus an AddressSanitizer build), run every test. The last line is
# "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/tests/install-deps.sh"
E4D_ASAN_DIR=$top/build-asan "$top/tests/build.sh" --enable-werror
exec make -s check CHECK_PARTS="unit ts asan kernel"
