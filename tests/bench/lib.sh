# shellcheck shell=bash
# tests/bench/lib.sh - shell helpers shared by the benchmarks that work on
# copies of one fragmented ext4 image (sourced; root). bench_init makes the
# temporary directory $tmp and the traps that unmount, detach and remove
# everything the bench made, whatever way it ends.
#
#   big   1 GiB file of 65536 extents (16 KiB pieces interleaved with a
#         second file, "spacer", by fallocate, then written)
#   tree  NFILES files of 2 MiB in 32 extents each
# BENCH_BASE=FILE keeps the fragmented image in FILE and reuses it.

bench_init() {
	export LC_ALL=C
	NFILES=${BENCH_TREE_FILES:-300}
	IMGSIZE=${BENCH_IMG_SIZE:-4G}
	tmp=$(mktemp -d /tmp/e4d-bench.XXXXXX)
	loops=()
	mnts=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}
bench_cleanup() {
	local i
	for ((i = ${#mnts[@]} - 1; i >= 0; i--)); do
		umount "${mnts[i]}" 2>/dev/null
	done
	for ((i = ${#loops[@]} - 1; i >= 0; i--)); do
		losetup -d "${loops[i]}" 2>/dev/null
	done
	rm -rf "$tmp"
}

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
# remount MNT: a fresh mount of MNT (nothing of it cached); prints the device
remount() {
	local dev

	dev=$(findmnt -n -o SOURCE --mountpoint "$1") &&
		umount "$1" && mount -t ext4 "$dev" "$1" || exit 1
	echo "$dev"
}
# O_DIRECT reads are made 512 KiB at a time: a loop device takes at most
# 128 segments of up to 64 KiB in one request, so a 1 MiB read is one
# request or two depending on whether the reader's buffer happens to be
# in physically contiguous pages (measured: a file of one extent read
# with 65 or 129 requests per 64 MiB); 512 KiB is always one.
DIRECT_BS=512K
# read_once MNT PATH: one sequential read of PATH: O_DIRECT, or buffered
# (through the page cache and its readahead) with READ_MODE=buffered. A
# directory is read file after file, in name order, by one process.
read_once() {
	if [ -d "$1/$2" ]; then
		if [ "${READ_MODE:-direct}" = direct ]; then
			# one stat for all: no process per file in the timing
			stat --printf "open -d -r %n\npread -q -b $DIRECT_BS 0 %s\nclose\n" \
				"$1/$2"/* | xfs_io >/dev/null
		else
			cat "$1/$2"/* >/dev/null
		fi
	elif [ "${READ_MODE:-direct}" = direct ]; then
		dd if="$1/$2" of=/dev/null bs=$DIRECT_BS iflag=direct status=none
	else
		dd if="$1/$2" of=/dev/null bs=1M iflag=fullblock status=none
	fi
}
# read_mbs MNT PATH: the rate of one read_once of PATH in MB/s, right
# after a fresh mount (nothing of it cached, extent-tree blocks included)
read_mbs() {
	local t bytes

	bytes=$(du -s -b --apparent-size "$1/$2" | cut -f1)
	remount "$1" >/dev/null
	t=$(now)
	read_once "$1" "$2"
	echo "$bytes / ($(now) - $t) / 1000000" | bc -l |
		awk '{ printf "%.0f", $1 }'
}
# read_ios MNT PATH: the read requests the loop device completed for one
# cold read_once of PATH (after a fresh mount): the data's, plus one per
# extent-tree block not cached
read_ios() {
	local dev a b

	dev=$(remount "$1") || exit 1
	a=$(awk '{ print $1 }' "/sys/block/${dev#/dev/}/stat")
	read_once "$1" "$2"
	b=$(awk '{ print $1 }' "/sys/block/${dev#/dev/}/stat")
	echo $((b - a))
}
# read_pair MNT_A A MNT_B B: "ratio rateA rateB": A's read rate in % of
# B's, the median of READ_PAIRS (default 25) ratios of back-to-back reads
# of the two (A B, then B A, and so on), and the best rate of each in MB/s.
# The host's disk drifts over minutes, by up to 2x, and back-to-back reads
# of one file vary by up to 40%: the two reads of a pair see about the
# same disk, and the median drops the pairs that a burst of other load hit.
# Measured: medians of 9 pairs, or best-of-5 rates, of the same two files
# moved by 10-30% between series; medians of 25 pairs by 3% at most.
# The disk below this machine caches too: a 1 GiB range of the image file
# read again soon after is read at about twice the speed, sometimes
# (measured 0.61-1.36 s for the same GiB). So each file is read once
# before the pairs, unmeasured: every measured read then finds the same
# state below, and what differs is what ext4 asks of it for each file.
read_pair() {
	local i a b ba=0 bb=0 ratios=()

	read_mbs "$1" "$2" >/dev/null
	read_mbs "$3" "$4" >/dev/null
	for ((i = 1; i <= ${READ_PAIRS:-25}; i++)); do
		if ((i % 2)); then
			a=$(read_mbs "$1" "$2")
			b=$(read_mbs "$3" "$4")
		else
			b=$(read_mbs "$3" "$4")
			a=$(read_mbs "$1" "$2")
		fi
		ratios+=("$(echo "100 * ${a:-0} / ${b:-1}" | bc -l)")
		[ "${a:-0}" -gt "$ba" ] && ba=$a
		[ "${b:-0}" -gt "$bb" ] && bb=$b
	done
	printf '%.0f %s %s\n' "$(median "${ratios[@]}")" "$ba" "$bb"
}
# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# etb MNT PATH: extent-tree blocks of a file, or of all the files of a
# directory, PATH relative to MNT (the stock ioctl leaves the tree of a
# moved file uncompacted: every leaf is one more read)
etb() {
	local f

	sync
	if [ -d "$1/$2" ]; then
		for f in "$1/$2"/*; do echo "stat $2/${f##*/}"; done
	else
		echo "stat $2"
	fi | debugfs -f - "$(findmnt -n -o SOURCE --target "$1")" 2>/dev/null |
		grep -o '(ETB[0-9]*)' | wc -l
}
cached_kib() { fincore -b -n -o RES "$@" | awk '{ s += $1 } END { printf "%d", s / 1024 }'; }
# sums MNT: the checksums of big and of every file of tree, by name
sums() { (cd "$1" && sha256sum big tree/*); }

# build_base: $tmp/base.img, the fragmented image (unmounted), from
# BENCH_BASE when that file exists, else made (and kept there if set)
build_base() {
	local m i f r

	if [ -n "${BENCH_BASE:-}" ] && [ -f "$BENCH_BASE" ]; then
		echo "reusing $BENCH_BASE"
		cp --sparse=always "$BENCH_BASE" "$tmp/base.img"
		return
	fi
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
	} | (cd "$m/tree" && touch $(seq -f 'f%g' 0 $((NFILES - 1))) &&
		xfs_io) >/dev/null
	for ((f = 0; f < NFILES; f++)); do
		dd if=/dev/urandom of="$m/tree/f$f" bs=64k count=32 \
			conv=notrunc status=none
	done
	sync
	detach base
	[ -z "${BENCH_BASE:-}" ] ||
		cp --sparse=always "$tmp/base.img" "$BENCH_BASE"
}
# copy_base NAME: $tmp/NAME.img, a copy of the base preallocated on the
# host, so that read rates measure the layout inside the image and not the
# image file's own fragmentation
copy_base() {
	rm -f "$tmp/$1.img"
	fallocate -l "$(stat -c %s "$tmp/base.img")" "$tmp/$1.img"
	dd if="$tmp/base.img" of="$tmp/$1.img" bs=4M conv=notrunc,sparse \
		status=none
}
# pristine MNT: big.pristine on MNT, a copy of big preallocated in one go
# on the same image (after spacer is removed: the free space is then in
# 16-32 MiB pieces, and the extent-tree blocks the fragmented big had stay
# where they were), to read big against
pristine() {
	rm -f "$1/spacer" && sync
	prealloc_copy "$1/big" "$1/big.pristine"
}
# pristine_tree MNT: tree.pristine on MNT, the files of tree each copied
# into a file preallocated in one go
pristine_tree() {
	local f

	mkdir -p "$1/tree.pristine"
	for f in "$1"/tree/*; do
		prealloc_copy "$f" "$1/tree.pristine/${f##*/}" || return 1
	done
}
# prealloc_copy FROM TO: TO preallocated at FROM's size, then written with
# FROM's contents (O_DIRECT both ways: nothing left cached)
prealloc_copy() {
	fallocate -l "$(stat -c %s "$1")" "$2" &&
		dd if="$1" of="$2" bs=1M conv=notrunc iflag=direct \
			oflag=direct status=none && sync
}
