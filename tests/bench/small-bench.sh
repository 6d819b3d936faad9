#!/usr/bin/env bash
# tests/bench/small-bench.sh - many small fragmented files, where the cost
# per file (opening, donors, journal commits) counts more than the data:
# BENCH_SMALL_FILES (3200) files of 64 KiB in 4 extents each (pieces of
# 16 KiB allocated between pieces of spacer files, then deleted). e4defrag
# and e4defrag2 alternate BENCH_ROUNDS (3) times, each on a fresh copy of
# the image from a cold page cache; printed: each time, the medians, the
# ratio e4defrag2/e4defrag and the extents after. (root; not in make check)
. "$(dirname "$0")/../ts/lib.sh"
ts_init bench/small

n=${BENCH_SMALL_FILES:-3200}
rounds=${BENCH_ROUNDS:-3}
E4DEFRAG=${E4DEFRAG:-e4defrag}
command -v "$E4DEFRAG" >/dev/null || { echo "no e4defrag"; exit 77; }
ts_mkfs base 1G -b 4096 -m 0 || { echo "mkfs failed"; exit 1; }
m=$TS_MNT
mkdir "$m/d"
# in sets of 400 files (800 open in one xfs_io): piece p of every file of
# the set, each followed by the same piece of its spacer
for ((b = 0; b < n; b += 400)); do
	k=$((n - b < 400 ? n - b : 400))
	{
		for ((i = 0; i < k; i++)); do
			echo "open -f $m/d/f$((b + i))"
			echo "open -f $m/d/s$((b + i))"
		done
		for p in 0 1 2 3; do
			for ((i = 0; i < k; i++)); do
				echo "file $((2 * i))"
				echo "falloc $((p * 16384)) 16384"
				echo "file $((2 * i + 1))"
				echo "falloc $((p * 16384)) 16384"
			done
		done
	} | xfs_io >/dev/null || { echo "xfs_io failed"; exit 1; }
done
for ((i = 0; i < n; i++)); do
	head -c 65536 /dev/urandom | dd of="$m/d/f$i" bs=64k conv=notrunc \
		status=none
done
rm -f "$m"/d/s*
sync
ext0=$(ts_extents_list "$m" 2>/dev/null | awk '{ s += $1 } END { print s }')
(cd "$m/d" && md5sum f*) >"$TS_TMP/sums"
echo "$n files of 64 KiB, $ext0 extents"
umount "$m" || exit 1
TS_MOUNTS=()

# one TOOL: a fresh copy, cold cache; prints seconds and extents after
one() {
	local t0 t1 dev ext
	cp --sparse=always "$TS_TMP/base.img" "$TS_TMP/run.img" || exit 1
	dev=$(losetup -f --show "$TS_TMP/run.img") || exit 1
	TS_LOOPS+=("$dev")
	mkdir -p "$TS_TMP/run"
	mount -t ext4 "$dev" "$TS_TMP/run" || exit 1
	sync
	echo 3 >/proc/sys/vm/drop_caches
	t0=$(date +%s.%N)
	if [ "$1" = e4defrag ]; then
		"$E4DEFRAG" "$TS_TMP/run/d" >/dev/null 2>&1
	else
		"$E4D" --no-progress "$TS_TMP/run/d" >/dev/null 2>&1
	fi
	t1=$(date +%s.%N)
	ext=$(ts_extents_list "$TS_TMP/run" 2>/dev/null |
		awk '{ s += $1 } END { print s }')
	(cd "$TS_TMP/run/d" && md5sum -c --quiet "$TS_TMP/sums") ||
		echo "$1: DATA CHANGED" >&2
	umount "$TS_TMP/run" && losetup -d "$dev" || exit 1
	TS_LOOPS=("${TS_LOOPS[@]/$dev/}")
	echo "$(echo "$t1 - $t0" | bc -l) $ext"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	END { print v[int((NR + 1) / 2)] }'; }

olds=()
news=()
for ((r = 1; r <= rounds; r++)); do
	read -r t old_ext < <(one e4defrag)
	olds+=("$t")
	read -r t new_ext < <(one e4defrag2)
	news+=("$t")
	printf 'round %d: e4defrag %.2f s, e4defrag2 %.2f s\n' "$r" \
		"${olds[-1]}" "${news[-1]}"
done
o=$(median "${olds[@]}")
w=$(median "${news[@]}")
printf 'extents after: e4defrag %s, e4defrag2 %s (before %s)\n' \
	"$old_ext" "$new_ext" "$ext0"
printf 'wall time e4defrag2/e4defrag, %d small files: %.3f (%.2f s / %.2f s, medians)\n' \
	"$n" "$(echo "$w / $o" | bc -l)" "$w" "$o"
