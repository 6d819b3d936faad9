#!/usr/bin/env bash
# tests/build.sh [configure args...] - generate, configure and build in the
# source tree; with E4D_ASAN_DIR set, also a sanitizer build there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./autogen.sh
./configure -q "$@"
make -s -j"$(nproc)" all unit-progs
if [ -n "${E4D_ASAN_DIR:-}" ]; then
	mkdir -p "$E4D_ASAN_DIR"
	(cd "$E4D_ASAN_DIR" && "$top/configure" -q --enable-asan "$@" &&
		make -s -j"$(nproc)" all unit-progs)
fi
