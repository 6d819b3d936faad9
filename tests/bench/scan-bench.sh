#!/usr/bin/env bash
# tests/bench/scan-bench.sh - whole-filesystem report speed and memory.
#
# Builds one ext4 image with E4D_BENCH_FILES (default 200000) files in
# directories of 2000, then times, with
# a cold page cache (drop_caches) and again warm:
#   e4defrag2 -c MNT            libext2fs inode scan (the default as root)
#   e4defrag2 -c --fiemap MNT   tree walk + FIEMAP (what non-root gets)
#   e4defrag -c MNT             e2fsprogs' e4defrag report
#   find MNT -type f | xargs filefrag
# and prints files/s, ratios against e4defrag -c, and peak RSS. Root only;
# everything lives on a loop device under a temp dir and is torn down.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/ts/lib.sh"
nfiles=${E4D_BENCH_FILES:-200000}
command -v /usr/bin/time >/dev/null || {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}
ts_init bench/scan

echo "== building an image with $nfiles files"
ts_mkfs bench $((nfiles / 1000 * 24 + 1024))M -b 4096 -N $((nfiles + 20000))
m=$TS_MNT
per=2000
for ((d = 0; d * per < nfiles; d++)); do
	n=$((nfiles - d * per < per ? nfiles - d * per : per))
	mkdir -p "$m/d$d"
	head -c $((n * 10240)) /dev/zero | (cd "$m/d$d" && split -b 10240 -a 4 - f)
done
sync
nfiles=$(find "$m" -type f | wc -l)
echo "files: $nfiles"

results=$TS_TMP/results
: >"$results"
# measure NAME COLD(1/0) CMD...: wall seconds and peak RSS (KiB)
measure() {
	local name=$1 cold=$2 t0 t1 rss
	shift 2
	sync
	[ "$cold" = 1 ] && echo 3 >/proc/sys/vm/drop_caches
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$TS_TMP/rss" "$@" >/dev/null 2>"$TS_TMP/err" ||
		true
	t1=$(date +%s.%N)
	rss=$(tail -1 "$TS_TMP/rss")
	printf '%s %s %s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$rss" >>"$results"
}
walk_filefrag() {
	find "$1" -type f -print0 | xargs -0 -n 500 filefrag >/dev/null
}
export -f walk_filefrag

for cache in cold warm; do
	c=0; [ $cache = cold ] && c=1
	[ $cache = warm ] && walk_filefrag "$m"	# warm everything once
	measure "e4defrag2-scan-$cache" $c "$E4D" -c "$m"
	measure "e4defrag2-fiemap-$cache" $c "$E4D" -c --fiemap "$m"
	measure "e4defrag-c-$cache" $c e4defrag -c "$m"
	measure "find-filefrag-$cache" $c bash -c "walk_filefrag $m"
done

echo
printf '%-24s %9s %12s %10s %12s\n' tool seconds files/s "vs e4defrag" "peak RSS"
while read -r name secs rss; do
	ref=$(awk -v n="e4defrag-c-${name##*-}" '$1 == n {print $2}' "$results")
	printf '%-24s %9.2f %12.0f %9.1fx %9s KiB\n' "$name" "$secs" \
		"$(echo "$nfiles / $secs" | bc -l)" \
		"$(echo "$ref / $secs" | bc -l)" "$rss"
done <"$results"
