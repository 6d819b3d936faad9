#!/usr/bin/env bash
# tests/bench/run-bench.sh - "make bench": every benchmark under tests/bench/
# (root). Each prints ratios against its reference, measured in the same run.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$dir"/*-bench.sh; do
	echo "=== ${b##*/}"
	bash "$b" || rc=1
done
exit $rc
