#!/usr/bin/env bash
# tests/bench/defrag-bench.sh - e4defrag2 against e4defrag and cp on
# identical copies of one fragmented image (root; not part of make check).
#
#   big   1 GiB file of 65536 extents (16 KiB pieces interleaved with a
#         second file by fallocate, then written)
#   tree  BENCH_TREE_FILES files of 2 MiB in 32 extents each
#
# Each copy is attached with loop --direct-io=on (no host page cache) and
# mounted fresh (cold page cache). e4defrag runs once; e4defrag2 and cp run
# BENCH_ROUNDS times (default 3) in alternation, e4defrag2 each time on a
# fresh copy of the image, cp each time from a cold cache, and the ratios
# use the medians (the host's disk is shared: one run varies up to 2x).
# Printed: wall time e4defrag2/e4defrag (target <= 0.25), e4defrag2/cp of
# the same file (target <= 1.5), extents after (<= e4defrag's), cold
# sequential O_DIRECT read of the result vs a copy of it preallocated on
# the same image afterwards (>= 95%; the two files are read in alternation,
# each after a fresh mount, best of five each), the same with buffered
# reads from a cold page cache, the disk requests of one cold O_DIRECT read
# of each, and the pages left in the page cache.
# BENCH_BASE=FILE keeps the fragmented image in FILE and reuses it.
set -u
export LC_ALL=C
top=$(cd "$(dirname "$0")/../.." && pwd)
E4D=${E4D:-$top/misc/e4defrag2/e4defrag2}
E4DEFRAG=${E4DEFRAG:-e4defrag}
NFILES=${BENCH_TREE_FILES:-300}
ROUNDS=${BENCH_ROUNDS:-3}
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
# remount MNT: a fresh mount of MNT (nothing of it cached); prints the device
remount() {
	local dev

	dev=$(findmnt -n -o SOURCE --mountpoint "$1") &&
		umount "$1" && mount -t ext4 "$dev" "$1" || exit 1
	echo "$dev"
}
# read_mbs MNT FILE: one sequential read of FILE on MNT, in MB/s, right
# after a fresh mount (nothing of it cached, extent-tree blocks included):
# O_DIRECT, or buffered (through the page cache and its readahead) with
# READ_MODE=buffered
read_mbs() {
	local flag=iflag=direct

	[ "${READ_MODE:-direct}" = direct ] || flag=iflag=fullblock
	remount "$1" >/dev/null
	dd if="$1/$2" of=/dev/null bs=1M "$flag" 2>&1 |
		sed -n 's/.*, \([0-9.]*\) s, .*/\1/p' |
		awk -v b="$(stat -c %s "$1/$2")" '{ printf "%.0f", b / $1 / 1e6 }'
}
# read_ios MNT FILE: the read requests the loop device completed for one
# cold sequential O_DIRECT read of FILE (after a fresh mount): the data's,
# plus one per extent-tree block not cached
read_ios() {
	local dev a b

	dev=$(remount "$1") || exit 1
	a=$(awk '{ print $1 }' "/sys/block/${dev#/dev/}/stat")
	dd if="$1/$2" of=/dev/null bs=1M iflag=direct status=none
	b=$(awk '{ print $1 }' "/sys/block/${dev#/dev/}/stat")
	echo $((b - a))
}
# read_pair MNT_A A MNT_B B: "rateA rateB", the best of five reads of each,
# in alternation (A B A B ...), so that both see the same state of the
# disk (back-to-back reads of one file vary by up to 40% here)
read_pair() {
	local i r a=0 b=0

	for i in 1 2 3 4 5; do
		r=$(read_mbs "$1" "$2")
		[ "${r:-0}" -gt "$a" ] && a=$r
		r=$(read_mbs "$3" "$4")
		[ "${r:-0}" -gt "$b" ] && b=$r
	done
	echo "$a $b"
}
# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# detach NAME: unmount $tmp/NAME and detach its loop device
detach() {
	local l
	l=$(findmnt -n -o SOURCE --mountpoint "$tmp/$1") || return 0
	umount "$tmp/$1" && losetup -d "$l" || exit 1
	drop() {
		local x keep=()
		for x in "${@:2}"; do [ "$x" = "$1" ] || keep+=("$x"); done
		[ ${#keep[@]} -eq 0 ] || printf "%s\n" "${keep[@]}"
	}
	mapfile -t mnts < <(drop "$tmp/$1" "${mnts[@]}")
	mapfile -t loops < <(drop "$l" "${loops[@]}")
}
# etb MNT PATH: extent-tree blocks of a file (the stock ioctl leaves the
# tree of a moved file uncompacted: every leaf is one more read)
etb() {
	sync
	debugfs -R "stat $2" "$(findmnt -n -o SOURCE --target "$1")" 2>/dev/null |
		grep -o '(ETB[0-9]*)' | wc -l
}
cached_kib() { fincore -b -n -o RES "$@" | awk '{ s += $1 } END { printf "%d", s / 1024 }'; }

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
copy_base() {
	rm -f "$tmp/$1.img"
	fallocate -l "$(stat -c %s "$tmp/base.img")" "$tmp/$1.img"
	dd if="$tmp/base.img" of="$tmp/$1.img" bs=4M conv=notrunc,sparse \
		status=none
}
copy_base old
copy_base cp

echo "e4defrag (stock kernel $(uname -r))"
attach old
t=$(now)
"$E4DEFRAG" "$tmp/old/big" >/dev/null 2>&1
old_big=$(elapsed "$t")
old_big_cache=$(cached_kib "$tmp/old/big")
t=$(now)
"$E4DEFRAG" "$tmp/old/tree" >/dev/null 2>&1
old_tree=$(elapsed "$t")
old_tree_cache=$(cached_kib "$tmp"/old/tree/*)

new_bigs=()
new_trees=()
cps=()
attach cp
for ((r = 1; r <= ROUNDS; r++)); do
	echo "e4defrag2, round $r"
	detach new
	copy_base new
	attach new
	t=$(now)
	"$E4D" --no-progress "$tmp/new/big" >/dev/null
	new_bigs+=("$(elapsed "$t")")
	new_big_cache=$(cached_kib "$tmp/new/big")
	t=$(now)
	"$E4D" --no-progress "$tmp/new/tree" >/dev/null
	new_trees+=("$(elapsed "$t")")
	new_tree_cache=$(cached_kib "$tmp"/new/tree/*)

	echo "cp, round $r"
	dd if="$tmp/cp/big" iflag=nocache count=0 status=none
	t=$(now)
	cp "$tmp/cp/big" "$tmp/cp/big.copy" && sync
	cps+=("$(elapsed "$t")")
	[ $r -lt "$ROUNDS" ] && rm "$tmp/cp/big.copy" && sync
done
new_big=$(median "${new_bigs[@]}")
new_tree=$(median "${new_trees[@]}")
cp_big=$(median "${cps[@]}")
new_after=$(extents "$tmp/new/big")
new_etb=$(etb "$tmp/new" /big)

# read rates: the result against a copy of it preallocated in one go on the
# same image (the free space left there is in 16-32 MiB pieces: the 580
# extent-tree blocks the fragmented file had stay where they were)
rm "$tmp/new/spacer" && sync
fallocate -l "$(stat -c %s "$tmp/new/big")" "$tmp/new/big.pristine" &&
	dd if="$tmp/new/big" of="$tmp/new/big.pristine" bs=1M conv=notrunc \
		iflag=direct oflag=direct status=none && sync
read -r new_read pristine_read <<<"$(read_pair "$tmp/new" big "$tmp/new" \
	big.pristine)"
read -r old_read frag_read <<<"$(read_pair "$tmp/old" big "$tmp/cp" big)"
read -r new_bread pristine_bread <<<"$(READ_MODE=buffered read_pair \
	"$tmp/new" big "$tmp/new" big.pristine)"
new_ios=$(read_ios "$tmp/new" big)
pristine_ios=$(read_ios "$tmp/new" big.pristine)

printf '\n%-44s %12s %12s\n' "" e4defrag e4defrag2
printf '%-44s %12.1f %12.1f\n' "1 GiB file, $big0 extents: seconds" \
	"$old_big" "$new_big"
printf '%-44s %12s %12s\n' "  extents after" "$(extents "$tmp/old/big")" \
	"$new_after"
printf '%-44s %12s %12s\n' "  page cache left (KiB)" "$old_big_cache" \
	"$new_big_cache"
printf '%-44s %12s %12s\n' "  O_DIRECT read MB/s (fragmented $frag_read)" \
	"$old_read" "$new_read"
printf '%-44s %12.1f %12.1f\n' "tree, $NFILES files, $tree0 extents: s" \
	"$old_tree" "$new_tree"
printf '%-44s %12s %12s\n' "  extents after" \
	"$(tree_extents "$tmp/old/tree")" "$(tree_extents "$tmp/new/tree")"
printf '%-44s %12s %12s\n' "  page cache left (KiB)" "$old_tree_cache" \
	"$new_tree_cache"
echo
secs() { printf ' %.1f' "$@"; }
echo "rounds: e4defrag2 big$(secs "${new_bigs[@]}") s, tree$(secs \
	"${new_trees[@]}") s; cp$(secs "${cps[@]}") s (medians used below)"
printf 'wall time e4defrag2/e4defrag, big:  %.3f (target <= 0.25)\n' \
	"$(echo "$new_big / $old_big" | bc -l)"
printf 'wall time e4defrag2/e4defrag, tree: %.3f (target <= 0.25)\n' \
	"$(echo "$new_tree / $old_tree" | bc -l)"
printf 'e4defrag2 / cp of the same file:    %.2f (cp %.1f s; target <= 1.5)\n' \
	"$(echo "$new_big / $cp_big" | bc -l)" "$cp_big"
printf 'read of result / preallocated copy: %.0f%% (%s vs %s MB/s, %s vs %s extents; target >= 95%%)\n' \
	"$(echo "100 * $new_read / $pristine_read" | bc -l)" "$new_read" \
	"$pristine_read" "$new_after" "$(extents "$tmp/new/big.pristine")"
printf 'buffered read, result / copy:       %.0f%% (%s vs %s MB/s, from a cold page cache)\n' \
	"$(echo "100 * $new_bread / $pristine_bread" | bc -l)" "$new_bread" \
	"$pristine_bread"
printf 'extent-tree blocks: e4defrag %s, e4defrag2 %s, preallocated copy %s\n' \
	"$(etb "$tmp/old" /big)" "$new_etb" "$(etb "$tmp/new" /big.pristine)"
printf 'disk requests of a cold read: result %s, preallocated copy %s\n' \
	"$new_ios" "$pristine_ios"
