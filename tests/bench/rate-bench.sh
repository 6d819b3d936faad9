#!/usr/bin/env bash
# tests/bench/rate-bench.sh - does --max-rate hold? Defragments fragmented
# files on a loop-mounted image with a rate limit for a run of >= 10 s and
# reports the achieved average rate (bytes moved / seconds, from the JSON
# run summary) against the limit. Target: within 10%.
#   usage: tests/bench/rate-bench.sh [RATE_MIB_S [SECONDS]]   (root)
. "$(dirname "$0")/../ts/lib.sh"
ts_init bench/rate

rate=${1:-10}
secs=${2:-12}
need=$((rate * secs * 3 / 2))	# MiB of fragmented data: more than the run
ts_mkfs rate $((need * 3 + 256))M -b 4096 -m 0 || { echo "mkfs failed"; exit 1; }
ts_fragment "$TS_MNT/d" 8 $((need / 8 + 1))M || { echo "fio failed"; exit 1; }
rm -rf "$TS_MNT/d/.fill"
sync
echo 3 >/proc/sys/vm/drop_caches
"$E4D" --max-rate "$rate" -t "$secs" -J "$TS_MNT/d" >"$TS_TMP/run.json" \
	2>"$TS_TMP/run.err"
rc=$?
jq -r --argjson lim "$rate" '
	(.bytes_moved / 1048576) as $mib |
	($mib / .seconds) as $r |
	"limit \($lim) MiB/s, moved \($mib | .*10 | round / 10) MiB in \(.seconds | .*100 | round / 100) s: \($r | .*100 | round / 100) MiB/s = \((100 * $r / $lim) | .*10 | round / 10)% of the limit, exit \(.exit_code)"' \
	"$TS_TMP/run.json"
jq -e --argjson lim "$rate" '
	(.bytes_moved / 1048576 / .seconds) as $r |
	.seconds >= 10 and $r >= 0.9 * $lim and $r <= 1.1 * $lim' \
	"$TS_TMP/run.json" >/dev/null && echo "PASS: within 10% over >= 10 s" ||
	echo "FAIL: not within 10% (or the run was shorter than 10 s; rc $rc)"
