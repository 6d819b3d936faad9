#!/usr/bin/env bash
# tests/bench/defrag-bench.sh - e4defrag2 against e4defrag and cp on
# identical copies of one fragmented image (root; not part of make check).
#
#   big   1 GiB file of 65536 extents (16 KiB pieces interleaved with a
#         second file by fallocate, then written)
#   tree  BENCH_TREE_FILES files of 2 MiB in 32 extents each
#
# Each copy is attached with loop --direct-io=on (no host page cache) and
# mounted fresh (cold page cache). Printed: wall time e4defrag2/e4defrag
# (target <= 0.25), e4defrag2/cp of the same file (target <= 1.5),
# extents after (<= e4defrag's), cold sequential O_DIRECT read of the
# result vs a fresh contiguous copy (>= 95%), and the file's pages left in
# the page cache afterwards. BENCH_BASE=FILE keeps the fragmented image in
# FILE and reuses it when it exists.
set -u
export LC_ALL=C
top=$(cd "$(dirname "$0")/../.." && pwd)
E4D=${E4D:-$top/misc/e4defrag2/e4defrag2}
E4DEFRAG=${E4DEFRAG:-e4defrag}
NFILES=${BENCH_TREE_FILES:-300}
IMGSIZE=${BENCH_IMG_SIZE:-4G}
[ "$(id -u)" = 0 ] || { echo "defrag-bench: needs root"; exit 77; }
command -v "$E4DEFRAG" >/dev/null || { echo "no e4defrag"; exit 77; }
command -v xfs_io >/dev/null || { echo "no xfs_io"; exit 77; }
tmp=$(mktemp -d /tmp/e4d-bench.XXXXXX)
loops=()
mnts=()
cleanup() {
	local i
	for ((i = ${#mnts[@]} - 1; i >= 0; i--)); do
		umount "${mnts[i]}" 2>/dev/null
	done
	for ((i = ${#loops[@]} - 1; i >= 0; i--)); do
		losetup -d "${loops[i]}" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
extents() { filefrag "$1" | sed -n 's/.*: \([0-9]*\) extents\{0,1\} found$/\1/p'; }
tree_extents() {
	local f n=0
	for f in "$1"/*; do n=$((n + $(extents "$f"))); done
	echo $n
}
# attach NAME: loop (direct I/O) + mount of $tmp/NAME.img at $tmp/NAME
attach() {
	local l
	l=$(losetup -f --show --direct-io=on "$tmp/$1.img") || exit 1
	loops+=("$l")
	mkdir -p "$tmp/$1"
	mount -t ext4 "$l" "$tmp/$1" || exit 1
	mnts+=("$tmp/$1")
}
# read_mbs FILE: sequential O_DIRECT read rate in MB/s, the best of three
# (the host's disk is shared: a single read varies by 10-20%)
read_mbs() {
	local i r best=0

	for i in 1 2 3; do
		r=$(dd if="$1" of=/dev/null bs=1M iflag=direct 2>&1 |
			sed -n 's/.*, \([0-9.]*\) s, .*/\1/p' |
			awk -v b="$(stat -c %s "$1")" \
				'{ printf "%.0f", b / $1 / 1e6 }')
		[ "${r:-0}" -gt "$best" ] && best=$r
	done
	echo "$best"
}
# etb MNT PATH: extent-tree blocks of a file (the stock ioctl leaves the
# tree of a moved file uncompacted: every leaf is one more read)
etb() {
	sync
	debugfs -R "stat $2" "$(findmnt -n -o SOURCE --target "$1")" 2>/dev/null |
		grep -o '(ETB[0-9]*)' | wc -l
}
cached_kib() { fincore -b -n -o RES "$1" | awk '{ printf "%d", $1 / 1024 }'; }

if [ -n "${BENCH_BASE:-}" ] && [ -f "$BENCH_BASE" ]; then
	echo "reusing $BENCH_BASE"
	cp --sparse=always "$BENCH_BASE" "$tmp/base.img"
	attach base
	m=$tmp/base
else
echo "building the fragmented image ($IMGSIZE, 1 GiB file + $NFILES files)"
truncate -s "$IMGSIZE" "$tmp/base.img"
mkfs.ext4 -q -F "$tmp/base.img" || exit 1
attach base
m=$tmp/base
: >"$m/big"
: >"$m/spacer"
{
	echo "open $m/big"
	echo "open $m/spacer"
	for ((i = 0; i < 65536; i++)); do
		echo "file 0"
		echo "falloc $((i * 16384)) 16384"
		echo "file 1"
		echo "falloc $((i * 16384)) 16384"
	done
} | xfs_io >/dev/null
dd if=/dev/urandom of="$m/big" bs=1M count=1024 conv=notrunc,fsync \
	status=none
mkdir "$m/tree"
{
	for ((f = 0; f < NFILES; f++)); do
		echo "open $m/tree/f$f"
	done
	for ((r = 0; r < 32; r++)); do
		for ((f = 0; f < NFILES; f++)); do
			echo "file $f"
			echo "falloc $((r * 65536)) 65536"
		done
	done
} | (cd "$m/tree" && touch $(seq -f 'f%g' 0 $((NFILES - 1))) && xfs_io) \
	>/dev/null
for ((f = 0; f < NFILES; f++)); do
	dd if=/dev/urandom of="$m/tree/f$f" bs=64k count=32 conv=notrunc \
		status=none
done
sync
save_base=1
fi
big0=$(extents "$m/big")
tree0=$(tree_extents "$m/tree")
echo "big: $big0 extents; tree: $NFILES files, $tree0 extents"
umount "$m" && mnts=()
[ -n "${BENCH_BASE:-}" ] && [ -n "${save_base:-}" ] &&
	cp --sparse=always "$tmp/base.img" "$BENCH_BASE"
# copies preallocated on the host, so that read rates measure the layout
# inside the image and not the image file's own fragmentation
for c in old new cp; do
	fallocate -l "$(stat -c %s "$tmp/base.img")" "$tmp/$c.img"
	dd if="$tmp/base.img" of="$tmp/$c.img" bs=4M conv=notrunc,sparse \
		status=none
done

echo "e4defrag (stock kernel $(uname -r))"
attach old
t=$(now)
"$E4DEFRAG" "$tmp/old/big" >/dev/null 2>&1
old_big=$(elapsed "$t")
old_big_cache=$(cached_kib "$tmp/old/big")
t=$(now)
"$E4DEFRAG" "$tmp/old/tree" >/dev/null 2>&1
old_tree=$(elapsed "$t")

echo "e4defrag2"
attach new
t=$(now)
"$E4D" --no-progress "$tmp/new/big" >/dev/null
new_big=$(elapsed "$t")
new_big_cache=$(cached_kib "$tmp/new/big")
t=$(now)
"$E4D" --no-progress "$tmp/new/tree" >/dev/null
new_tree=$(elapsed "$t")

echo "cp"
attach cp
t=$(now)
cp "$tmp/cp/big" "$tmp/cp/big.copy" && sync
cp_big=$(elapsed "$t")

# read rates: the result against the copy cp made while the large free
# extent was still there (the "pristine" contiguous copy)
new_read=$(read_mbs "$tmp/new/big")
pristine_read=$(read_mbs "$tmp/cp/big.copy")
old_read=$(read_mbs "$tmp/old/big")
frag_read=$(read_mbs "$tmp/cp/big")

printf '\n%-44s %12s %12s\n' "" e4defrag e4defrag2
printf '%-44s %12.1f %12.1f\n' "1 GiB file, $big0 extents: seconds" \
	"$old_big" "$new_big"
printf '%-44s %12s %12s\n' "  extents after" "$(extents "$tmp/old/big")" \
	"$(extents "$tmp/new/big")"
printf '%-44s %12s %12s\n' "  page cache left (KiB)" "$old_big_cache" \
	"$new_big_cache"
printf '%-44s %12s %12s\n' "  O_DIRECT read MB/s (fragmented $frag_read)" \
	"$old_read" "$new_read"
printf '%-44s %12.1f %12.1f\n' "tree, $NFILES files, $tree0 extents: s" \
	"$old_tree" "$new_tree"
printf '%-44s %12s %12s\n' "  extents after" \
	"$(tree_extents "$tmp/old/tree")" "$(tree_extents "$tmp/new/tree")"
echo
printf 'wall time e4defrag2/e4defrag, big:  %.3f (target <= 0.25)\n' \
	"$(echo "$new_big / $old_big" | bc -l)"
printf 'wall time e4defrag2/e4defrag, tree: %.3f (target <= 0.25)\n' \
	"$(echo "$new_tree / $old_tree" | bc -l)"
printf 'e4defrag2 / cp of the same file:    %.2f (cp %.1f s; target <= 1.5)\n' \
	"$(echo "$new_big / $cp_big" | bc -l)" "$cp_big"
printf 'read of result / pristine copy:     %.0f%% (%s vs %s MB/s, %s vs %s extents; target >= 95%%)\n' \
	"$(echo "100 * $new_read / $pristine_read" | bc -l)" "$new_read" \
	"$pristine_read" "$(extents "$tmp/new/big")" \
	"$(extents "$tmp/cp/big.copy")"
printf 'extent-tree blocks: e4defrag %s, e4defrag2 %s, pristine copy %s\n' \
	"$(etb "$tmp/old" /big)" "$(etb "$tmp/new" /big)" \
	"$(etb "$tmp/cp" /big.copy)"
