#!/usr/bin/env bash
# tests/bench/defrag-bench.sh - e4defrag2 against e4defrag and cp on
# identical copies of one fragmented image (root; not part of make check).
#
#   big   1 GiB file of 65536 extents
#   tree  BENCH_TREE_FILES (300) files of 2 MiB in 32 extents each
# (made by build_base in lib.sh)
#
# Each copy is attached with loop --direct-io=on (no host page cache) and
# mounted fresh (cold page cache). e4defrag runs once; e4defrag2 and cp run
# BENCH_ROUNDS times (default 3) in alternation, e4defrag2 each time on a
# fresh copy of the image, cp each time from a cold cache, and the ratios
# use the medians (the host's disk is shared: one run varies up to 2x).
# Printed: wall time e4defrag2/e4defrag (target <= 0.25), e4defrag2/cp of
# the same file (target <= 1.5), extents after (<= e4defrag's), the pages
# left in the page cache, and for each tool's results, big and tree: cold
# sequential O_DIRECT reads vs copies of them preallocated on the same
# image afterwards (>= 95%; each read after a fresh mount, the median ratio
# of 25 back-to-back pairs: see read_pair in lib.sh; the tree file after
# file), the same with buffered reads from a cold page cache, the disk
# requests of one cold O_DIRECT read of each, and their extent-tree blocks.
# BENCH_BASE=FILE keeps the fragmented image in FILE and reuses it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
E4D=${E4D:-$top/misc/e4defrag2/e4defrag2}
E4DEFRAG=${E4DEFRAG:-e4defrag}
ROUNDS=${BENCH_ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "defrag-bench: needs root"; exit 77; }
command -v "$E4DEFRAG" >/dev/null || { echo "no e4defrag"; exit 77; }
command -v xfs_io >/dev/null || { echo "no xfs_io"; exit 77; }
bench_init
build_base
attach base
big0=$(extents "$tmp/base/big")
tree0=$(tree_extents "$tmp/base/tree")
echo "big: $big0 extents; tree: $NFILES files, $tree0 extents"
detach base
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

# read rates: each result against a copy of it preallocated in one go on
# its own image (the free space left there is in 16-32 MiB pieces: the 580
# extent-tree blocks the fragmented file had stay where they were); the
# tree file by file, against a tree of preallocated copies
declare -A pct best ios etbs
for w in old new; do
	pristine "$tmp/$w"
	pristine_tree "$tmp/$w" || exit 1
	for x in big tree; do
		read -r pct[$w-$x] best[$w-$x] best[$w-$x-copy] \
			<<<"$(read_pair "$tmp/$w" $x "$tmp/$w" $x.pristine)"
		read -r pct[$w-$x-b] best[$w-$x-b] best[$w-$x-b-copy] \
			<<<"$(READ_MODE=buffered read_pair "$tmp/$w" $x \
				"$tmp/$w" $x.pristine)"
		ios[$w-$x]=$(read_ios "$tmp/$w" $x)
		ios[$w-$x-copy]=$(read_ios "$tmp/$w" $x.pristine)
		etbs[$w-$x]=$(etb "$tmp/$w" /$x)
		etbs[$w-$x-copy]=$(etb "$tmp/$w" /$x.pristine)
	done
done
# (only shown, and the fragmented file reads slowly: a few pairs)
read -r _ _ frag_read <<<"$(READ_PAIRS=3 read_pair "$tmp/old" big \
	"$tmp/cp" big)"

printf '\n%-44s %12s %12s\n' "" e4defrag e4defrag2
row() { printf '%-44s %12s %12s\n' "$@"; }
printf '%-44s %12.1f %12.1f\n' "1 GiB file, $big0 extents: seconds" \
	"$old_big" "$new_big"
row "  extents after" "$(extents "$tmp/old/big")" "$new_after"
row "  page cache left (KiB)" "$old_big_cache" "$new_big_cache"
printf '%-44s %12.1f %12.1f\n' "tree, $NFILES files, $tree0 extents: s" \
	"$old_tree" "$new_tree"
row "  extents after" "$(tree_extents "$tmp/old/tree")" \
	"$(tree_extents "$tmp/new/tree")"
row "  page cache left (KiB)" "$old_tree_cache" "$new_tree_cache"
echo
echo "cold read of each result / of a preallocated copy of it on the same"
echo "image (median of 25 back-to-back pairs; target >= 95%); best MB/s"
for x in big tree; do
	row "$x: O_DIRECT" "${pct[old-$x]}%" "${pct[new-$x]}%"
	row "  best MB/s, result / copy" "${best[old-$x]}/${best[old-$x-copy]}" \
		"${best[new-$x]}/${best[new-$x-copy]}"
	row "$x: buffered" "${pct[old-$x-b]}%" "${pct[new-$x-b]}%"
	row "  best MB/s, result / copy" \
		"${best[old-$x-b]}/${best[old-$x-b-copy]}" \
		"${best[new-$x-b]}/${best[new-$x-b-copy]}"
	row "  disk requests, result / copy" "${ios[old-$x]}/${ios[old-$x-copy]}" \
		"${ios[new-$x]}/${ios[new-$x-copy]}"
	row "  extent-tree blocks, result / copy" \
		"${etbs[old-$x]}/${etbs[old-$x-copy]}" \
		"${etbs[new-$x]}/${etbs[new-$x-copy]}"
done
echo "(the fragmented big, for comparison: best $frag_read MB/s, O_DIRECT)"
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
printf 'read of result / preallocated copy: big %s%%, tree %s%% O_DIRECT; big %s%%, tree %s%% buffered (target >= 95%%)\n' \
	"${pct[new-big]}" "${pct[new-tree]}" "${pct[new-big-b]}" \
	"${pct[new-tree-b]}"
