#!/usr/bin/env bash
# tests/bench/uml-defrag.sh - the tool on our kernel: e4defrag2 on the
# kernel of kernel/fs/ext4, against e4defrag2 and e4defrag on the stock
# 6.12 kernel, each run as a user runs it, in a User-Mode Linux guest
# ("perf" kernels of kernel/uml.sh) on a fresh copy of the fragmented image
# of tests/bench/lib.sh (a 1 GiB file of 65536 extents, 300 files of 32).
#
# Every result is then checked on the host (checksums of every file as
# before, e2fsck -fn clean, extents not more than before) and read there,
# by the host's kernel from the host's disk (loop device, direct I/O):
# the cold sequential read of the moved 1 GiB file against a copy of it
# preallocated in one go on the same image, O_DIRECT and buffered (the
# median ratio of back-to-back pairs, see read_pair), and the disk
# requests of each read. That is the engine issue's read target,
# measured off UML (whose disk times vary up to 2x); the times of the runs
# themselves are UML's, so only their ratios mean anything.
#
# Root; "make kernel-tool-bench". BENCH_ROUNDS (default 3) runs of each,
# in alternating order, the ratios from medians. BENCH_BASE=FILE keeps
# the fragmented image. E4D_KWORK: the kernel work area (kernel/uml.sh).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
uml=$top/kernel/uml.sh
ROUNDS=${BENCH_ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "uml-defrag: needs root"; exit 77; }
[ -x "$top/misc/e4defrag2/e4defrag2" ] ||
	{ echo "uml-defrag: build e4defrag2 first (make)"; exit 2; }
for c in e4defrag xfs_io debugfs python3; do
	command -v $c >/dev/null || { echo "uml-defrag: no $c"; exit 77; }
done
bench_init
echo "building the perf kernels (kernel/uml.sh; the first time takes long)"
for k in ours stock; do
	"$uml" build $k perf >"$tmp/build.log" 2>&1 ||
		{ tail -20 "$tmp/build.log"; echo "uml-defrag: $k kernel"; exit 1; }
done
build_base
attach base
big0=$(extents "$tmp/base/big")
tree0=$(tree_extents "$tmp/base/tree")
sums "$tmp/base" >"$tmp/sums"
detach base
echo "big: $big0 extents; tree: $NFILES files, $tree0 extents"

npass=0
nfail=0
verdict() {	# verdict OK WHAT
	if [ "$1" = 0 ]; then
		npass=$((npass + 1))
	else
		nfail=$((nfail + 1))
		echo "FAIL: $2"
	fi
}
declare -A secs after etbs
# run KERNEL PROGRAM ROUND: PROGRAM in a guest of KERNEL on a fresh copy
# of the image, on big and tree (cp: big only); then the host's checks
run() {
	local k=$1 p=$2 r=$3 paths=big,tree out t bad=0

	[ "$p" = cp ] && paths=big
	echo "round $r: $p on the $k kernel"
	copy_base run
	# (the guest's console ends its lines with CR LF)
	out=$("$uml" tool "$k" "$tmp/run.img" "$p" "$paths" 2>"$tmp/uml.err")
	verdict $? "$p on $k: the guest run: $(grep -E 'FAIL|ERROR' \
		"$tmp/uml.err" | tr '\n' ' ')"
	out=${out//$'\r'/}
	for t in ${paths//,/ }; do
		secs[$k-$p-$t]+=" $(sed -n "s/^MEXT BENCH tool_${t}_s=//p" <<<"$out")"
	done
	etbs[$k-$p]=$(sed -n 's/^MEXT BENCH tool_big_tree_blocks=//p' <<<"$out")
	[ "$p" = cp ] && return
	attach run
	sums "$tmp/run" | cmp -s - "$tmp/sums"
	verdict $? "$p on $k: contents changed"
	after[$k-$p-big]=$(extents "$tmp/run/big")
	after[$k-$p-tree]=$(tree_extents "$tmp/run/tree")
	[ "${after[$k-$p-big]}" -le "$big0" ] &&
		[ "${after[$k-$p-tree]}" -le "$tree0" ] || bad=1
	verdict $bad "$p on $k: more extents than before"
	detach run
	e2fsck -fn "$tmp/run.img" >"$tmp/fsck.log" 2>&1
	verdict $? "$p on $k: e2fsck -fn: $(tail -1 "$tmp/fsck.log")"
	# the last round's results are kept for the reads
	[ "$r" = "$ROUNDS" ] && [ "$p" = e4defrag2 ] && mv "$tmp/run.img" "$tmp/$k.img"
}

runs=("ours e4defrag2" "stock e4defrag2" "stock e4defrag" "ours cp")
for ((r = 1; r <= ROUNDS; r++)); do
	# alternating order, so that a drift of the machine weighs on all
	if [ $((r % 2)) = 1 ]; then
		order=("${runs[@]}")
	else
		order=()
		for ((i = ${#runs[@]} - 1; i >= 0; i--)); do order+=("${runs[i]}"); done
	fi
	for x in "${order[@]}"; do
		run $x "$r"
	done
done
rm -f "$tmp/run.img"

med() { median ${secs[$1]}; }
ratio() { echo "$1 / $2" | bc -l; }
declare -A rd rb ios
if [ -f "$tmp/ours.img" ] && [ -f "$tmp/stock.img" ]; then
	echo "reading the results on the host"
	for k in ours stock; do
		attach $k
		pristine "$tmp/$k"
	done
	for k in ours stock; do
		rd[$k]=$(read_pair "$tmp/$k" big "$tmp/$k" big.pristine)
		rb[$k]=$(READ_MODE=buffered read_pair "$tmp/$k" big \
			"$tmp/$k" big.pristine)
		ios[$k]="$(read_ios "$tmp/$k" big) $(read_ios "$tmp/$k" big.pristine)"
		etbs[$k-pristine]=$(etb "$tmp/$k" /big.pristine)
	done
fi

printf '\n%-34s %14s %14s %14s\n' "(UML guest, perf kernels)" \
	"e4defrag" "e4defrag2" "e4defrag2"
printf '%-34s %14s %14s %14s\n' "kernel" stock stock ours
printf '%-34s %14.1f %14.1f %14.1f\n' "1 GiB, $big0 extents: s" \
	"$(med stock-e4defrag-big)" "$(med stock-e4defrag2-big)" \
	"$(med ours-e4defrag2-big)"
printf '%-34s %14s %14s %14s\n' "  extents after" \
	"${after[stock-e4defrag-big]}" "${after[stock-e4defrag2-big]}" \
	"${after[ours-e4defrag2-big]}"
printf '%-34s %14s %14s %14s\n' "  extent-tree blocks after" \
	"${etbs[stock-e4defrag]}" "${etbs[stock-e4defrag2]}" \
	"${etbs[ours-e4defrag2]}"
printf '%-34s %14.1f %14.1f %14.1f\n' "tree, $tree0 extents: s" \
	"$(med stock-e4defrag-tree)" "$(med stock-e4defrag2-tree)" \
	"$(med ours-e4defrag2-tree)"
printf '%-34s %14s %14s %14s\n' "  extents after" \
	"${after[stock-e4defrag-tree]}" "${after[stock-e4defrag2-tree]}" \
	"${after[ours-e4defrag2-tree]}"
echo
for x in stock-e4defrag stock-e4defrag2 ours-e4defrag2; do
	echo "rounds, $x: big${secs[$x-big]} s, tree${secs[$x-tree]} s"
done
echo "rounds, cp of big (ours): ${secs[ours-cp-big]} s (medians used below)"
printf 'e4defrag2, ours / stock kernel, big:   %.3f, tree: %.3f\n' \
	"$(ratio "$(med ours-e4defrag2-big)" "$(med stock-e4defrag2-big)")" \
	"$(ratio "$(med ours-e4defrag2-tree)" "$(med stock-e4defrag2-tree)")"
printf 'e4defrag2 (ours) / e4defrag (stock):   %.3f, tree: %.3f\n' \
	"$(ratio "$(med ours-e4defrag2-big)" "$(med stock-e4defrag-big)")" \
	"$(ratio "$(med ours-e4defrag2-tree)" "$(med stock-e4defrag-tree)")"
printf 'e4defrag2 (ours) / cp of big + sync:   %.2f\n' \
	"$(ratio "$(med ours-e4defrag2-big)" "$(med ours-cp-big)")"
for k in ours stock; do
	[ -n "${rd[$k]:-}" ] || continue
	read -r p a b <<<"${rd[$k]}"
	read -r q c d <<<"${rb[$k]}"
	read -r e f <<<"${ios[$k]}"
	echo "host read of e4defrag2's result ($k kernel) / preallocated copy"
	echo "  (median of ${READ_PAIRS:-25} back-to-back pairs; best MB/s; target >= 95%):"
	echo "  O_DIRECT $p% ($a vs $b MB/s), buffered $q% ($c vs $d MB/s)"
	echo "  disk requests $e vs $f; extent-tree blocks ${etbs[$k-e4defrag2]} vs ${etbs[$k-pristine]}"
done
echo "checks (contents, e2fsck -fn, extents, guest runs): $npass passed, $nfail failed"
[ $nfail = 0 ]
