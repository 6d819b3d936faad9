# shellcheck shell=bash
# tests/ts/lib.sh - helpers for integration tests on loop-mounted images.
#
# Every test sources this, calls ts_init, and gets a private temp dir; the
# EXIT trap unmounts, detaches and removes everything the test made, so a
# failing test leaves nothing behind. Only images we create are touched.

set -u
export LC_ALL=C

TS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E4D=${E4D:-$TS_TOP/misc/e4defrag2/e4defrag2}
TS_MOUNTS=()
TS_LOOPS=()
TS_PIDS=()
TS_FAILED=0

ts_cleanup() {
	local i
	for ((i = ${#TS_PIDS[@]} - 1; i >= 0; i--)); do
		kill "${TS_PIDS[i]}" 2>/dev/null
		wait "${TS_PIDS[i]}" 2>/dev/null
	done
	for ((i = ${#TS_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${TS_MOUNTS[i]}" 2>/dev/null ||
			umount -l "${TS_MOUNTS[i]}" 2>/dev/null
	done
	for ((i = ${#TS_LOOPS[@]} - 1; i >= 0; i--)); do
		losetup -d "${TS_LOOPS[i]}" 2>/dev/null
	done
	[ -n "${TS_TMP:-}" ] && rm -rf "$TS_TMP"
}

# ts_init NAME: temp dir, cleanup trap; skip (77) when not root.
ts_init() {
	TS_NAME=$1
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $TS_NAME needs root (loop devices)"
		exit 77
	fi
	[ -x "$E4D" ] || { echo "FAIL: $E4D not built"; exit 1; }
	TS_TMP=$(mktemp -d /tmp/e4d-ts.XXXXXX)
	trap ts_cleanup EXIT
	trap 'exit 130' INT TERM
}

ts_fail() {
	echo "FAIL: $TS_NAME: $*"
	TS_FAILED=$((TS_FAILED + 1))
}

ts_ok() {
	[ "${TS_VERBOSE:-0}" = 1 ] && echo "ok: $*"
	return 0
}

# ts_finish: exit status from the failures counted.
ts_finish() {
	if [ "$TS_FAILED" -gt 0 ]; then
		echo "FAIL: $TS_NAME: $TS_FAILED check(s) failed"
		exit 1
	fi
	echo "PASS: $TS_NAME"
	exit 0
}

# ts_mkfs NAME SIZE [mkfs args...]: image, loop device, mount; sets TS_MNT
# and TS_DEV (call it directly, not in $(...), so cleanup knows of them).
ts_mkfs() {
	local name=$1 size=$2 img loop mnt
	shift 2
	img=$TS_TMP/$name.img
	mnt=$TS_TMP/$name
	truncate -s "$size" "$img" || return 1
	mkfs.ext4 -q -F "$@" "$img" >/dev/null || return 1
	loop=$(losetup -f --show "$img") || return 1
	TS_LOOPS+=("$loop")
	mkdir -p "$mnt"
	mount -t ext4 "$loop" "$mnt" || return 1
	TS_MOUNTS+=("$mnt")
	TS_MNT=$mnt
	TS_DEV=$loop
	TS_IMG=$img
}

# ts_dev MNT: the loop device mounted at MNT
ts_dev() {
	findmnt -n -o SOURCE --target "$1"
}

# ts_fragment DIR NFILES SIZE: fill the free space with 64 KiB files (fio),
# delete every other one, then write NFILES files of SIZE (fio) into the
# holes left behind: each comes out in many extents.
ts_fragment() {
	local dir=$1 nfiles=$2 size=$3
	mkdir -p "$dir"
	ts_fill_holes "$dir" || return 1
	fio --name=frag --directory="$dir" --nrfiles="$nfiles" \
		--filesize="$size" --bs=64k --rw=write --ioengine=psync \
		--output=/dev/null >/dev/null 2>&1 || return 1
	sync
}

# ts_frag_interleaved FILE N: a file of N pieces of 16 KiB of random data,
# each allocated between two pieces of a spacer file that is then deleted:
# N extents whatever the free space looked like (fio into filled holes
# does not always fragment every file)
ts_frag_interleaved() {
	local i

	: >"$1" && : >"$1.sp" || return 1
	{
		echo "open $1"
		echo "open $1.sp"
		for ((i = 0; i < $2; i++)); do
			echo "file 0"
			echo "falloc $((i * 16384)) 16384"
			echo "file 1"
			echo "falloc $((i * 16384)) 16384"
		done
	} | xfs_io >/dev/null &&
		dd if=/dev/urandom of="$1" bs=16k count="$2" conv=notrunc,fsync \
			status=none && rm "$1.sp" && sync
}

# ts_filefrag FILE: filefrag's extent count
ts_filefrag() {
	filefrag "$1" | sed -n 's/.*: \([0-9]*\) extents\{0,1\} found$/\1/p'
}

# ts_json_files JSON: "path<TAB>extents" per file row, via jq
ts_json_files() {
	jq -r '.files[] | "\(.path)\t\(.extents)"' "$1"
}

# ts_json_undocumented JSON: the keys of JSON (those of "skipped", the
# reasons, included) that are not one lower-case word or that the man
# page's item of -J does not name, one a line; nothing when all are good
ts_json_undocumented() {
	local item k
	item=$(sed -n '/^\.BR \\-J ", " \\-\\-json/,/^\.TP/p' \
		"$TS_TOP/misc/e4defrag2/e4defrag2.8" | sed 's/\\f[BIR]//g')
	[ -n "$item" ] || { echo "(no item for -J in the man page)"; return; }
	jq -r '[paths | map(select(type == "string")) | last // empty] |
		unique[]' "$1" | while read -r k; do
			# a key is one lower-case word, for jq's .key
			[[ $k =~ ^[a-z][a-z0-9_]*$ ]] || { echo "$k"; continue; }
			grep -qw -- "$k" <<<"$item" || echo "$k"
		done
}

# ts_fsck IMG-or-DEV: e2fsck -fn is clean
ts_fsck() {
	e2fsck -fn "$1" >"$TS_TMP/fsck.out" 2>&1 ||
		{ cat "$TS_TMP/fsck.out"; return 1; }
}

# ts_golden NAME FILE: compare FILE with tests/expected/<area>/NAME after
# filtering temp paths and loop device names.
ts_golden() {
	local exp=$TS_TOP/tests/expected/$1 got=$TS_TMP/golden.$$
	sed -e "s|$TS_TMP|TMP|g" -e 's|/dev/loop[0-9]*|/dev/LOOP|g' \
		-e 's/[0-9a-f]\{8\}-[0-9a-f-]\{27\}/UUID/g' "$2" >"$got"
	if [ "${TS_UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$(dirname "$exp")"
		cp "$got" "$exp"
	fi
	diff -u "$exp" "$got"
}

# ---- defragmentation helpers (tests/ts/defrag) ----

# ts_sums DIR: "md5  path" of every regular file below DIR, sorted
ts_sums() {
	(cd "$1" && find . -xdev -type f -print0 | sort -z |
		xargs -0r md5sum)
}

# ts_layout FILE: the logical mapping without physical addresses, one
# "start end flag" line per run (flag u: unwritten, d: data); holes are the
# gaps. Defragmentation must leave it unchanged.
ts_layout() {
	filefrag -v "$1" | awk '
	/^ *[0-9]+:/ {
		gsub(/[.:]/, " ")
		s = $2; e = $3 + 1; f = ($0 ~ /unwritten/) ? "u" : "d"
		if (n && s == pe && f == pf) { pe = e; next }
		if (n) print ps, pe, pf
		ps = s; pe = e; pf = f; n = 1
	}
	END { if (n) print ps, pe, pf }'
}

# ts_layouts DIR: ts_layout of every regular file below DIR
ts_layouts() {
	local f
	find "$1" -xdev -type f | sort | while read -r f; do
		echo "== ${f#"$1"}"
		ts_layout "$f"
	done
}

# ts_extents_list DIR: "extents path" of every regular file below DIR
ts_extents_list() {
	local f
	find "$1" -xdev -type f | sort | while read -r f; do
		echo "$(ts_filefrag "$f") ${f#"$1"}"
	done
}

# ts_not_worse BEFORE AFTER: no file has more extents after than before
ts_not_worse() {
	join -j 2 <(sort -k2 "$1") <(sort -k2 "$2") |
		awk '$3 > $2 { print "worse: " $0; bad = 1 } END { exit bad }'
}

# ts_used MNT: used 1 KiB blocks as df counts them
ts_used() {
	df -k --output=used "$1" | tail -1 | tr -d ' '
}

# ts_remount_fsck: unmount TS_MNT, e2fsck -fn TS_DEV, mount it again
ts_remount_fsck() {
	local rc=0
	umount "$TS_MNT" || return 1
	ts_fsck "$TS_DEV" || rc=1
	mount -t ext4 "$TS_DEV" "$TS_MNT" || return 1
	return $rc
}

# ts_fill_holes DIR: fill the free space with 64 KiB files in DIR/.fill and
# delete every other one, so what is written next comes out in pieces;
# "rm -rf DIR/.fill" frees the rest again.
ts_fill_holes() {
	local dir=$1 avail n
	mkdir -p "$dir/.fill"
	avail=$(df -B64K --output=avail "$dir" | tail -1)
	n=$((avail - 16))
	[ "$n" -gt 0 ] || return 1
	fio --name=fill --directory="$dir/.fill" --nrfiles="$n" \
		--filesize=64k --bs=64k --rw=write --ioengine=psync \
		--output=/dev/null >/dev/null 2>&1 || true
	sync
	find "$dir/.fill" -type f | sort | awk 'NR % 2 == 0' |
		xargs -r rm -f
	sync
}
