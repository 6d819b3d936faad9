#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uml.sh - build Linux 6.12 as User-Mode Linux with our fs/ext4/move_extent.c,
# boot it on ext4 images and run the guest tests of tests/kernel/.
#
#   kernel/uml.sh check    deps, source, build, functional + stress tests
#   kernel/uml.sh bench    also builds the stock kernel and compares them
#   kernel/uml.sh build [ours|stock] [debug|perf]   just build
#   kernel/uml.sh boot     boot the test kernel once more (no rebuild)
#   kernel/uml.sh eio [ours|stock]   build, then boot just the read-error
#                          cases (injected I/O errors) on that kernel
#   kernel/uml.sh enomem [ours|stock]   the same for the allocation-failure
#                          cases (injected ENOMEM)
#   kernel/uml.sh treeio [ours|stock]   the same for the cases whose reads
#                          of extent-tree blocks fail (injected I/O errors)
#   kernel/uml.sh tool ours|stock IMAGE PROGRAM PATH[,PATH...]
#                          run e4defrag2, e4defrag or cp in a guest of the
#                          "perf" kernel (built before) on IMAGE's PATHs
#   kernel/uml.sh clean    remove the work area
#
# Knobs (environment): E4D_KWORK, E4D_JOBS, E4D_SEED, E4D_STRESS_SECS,
# E4D_TIMEOUT, E4D_FI_VERBOSE, E4D_BENCH_MB, E4D_BENCH_REPEAT, E4D_BENCH_FLAVOURS,
# E4D_KPIN.  See kernel/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
W=${E4D_KWORK:-/var/tmp/e4defrag2-kernel}
PKG=linux-source-6.12
PIN=${E4D_KPIN-6.12.117-1~deb12u1}
JOBS=${E4D_JOBS:-$(nproc)}
SEED=${E4D_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
STRESS_SECS=${E4D_STRESS_SECS:-150}
# The stress ends by itself at its deadline, or at the latest at its
# operation caps (about 4x a good run's counts) if the guest is slow; the
# allocation-failure cases take about 5 minutes of the rest.
TIMEOUT=${E4D_TIMEOUT:-$((STRESS_SECS * 5 + 900))}	# bench: 3600
BENCH_MB=${E4D_BENCH_MB:-1024}
BENCH_REPEAT=${E4D_BENCH_REPEAT:-3}
export CCACHE_DIR=${CCACHE_DIR:-$W/ccache}
export CCACHE_BASEDIR=$W	# the stock and our O= dirs then share hits

SRC=$W/src		# one tree, switched between "ours" and "stock"
ORIG=$W/orig		# pristine copies of every file we overlay or patch
GUEST=$W/guest
IMG=$W/img
npass=0
nfail=0

log() { printf '[uml.sh %(%T)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; echo "$npass passed, $((nfail + 1)) failed"; exit 1; }
pass() { npass=$((npass + 1)); log "PASS: $*"; }
fail() { nfail=$((nfail + 1)); log "FAIL: $*"; }

# ------------------------------------------------------------------- deps
deps() {
	local want=(bc bison flex libelf-dev libssl-dev ccache e2fsprogs
		    xz-utils gcc make libc6-dev patch diffutils python3)
	local have ok
	mkdir -p "$W"
	have=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || true)
	ok=$(dpkg-query -W -f='${db:Status-Abbrev}\n' "$PKG" "${want[@]}" \
		2>/dev/null | grep -c '^ii' || true)
	if [ "$ok" = $((${#want[@]} + 1)) ] &&
	   { [ -z "$PIN" ] || [ "$have" = "$PIN" ]; }; then
		return 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do	# others may hold the dpkg lock
		if apt-get update -qq &&
		   apt-get install -y -qq --no-install-recommends \
			--allow-downgrades "${want[@]}" "$PKG${PIN:+=$PIN}" \
			>"$W/apt.log" 2>&1; then
			return 0
		fi
		log "apt-get failed (lock?), retry $try in 20 s"
		sleep 20
	done
	die "cannot install dependencies (see $W/apt.log)"
}

# ------------------------------------------------------------------- source
# Files under kernel/fs/ replace the tree's files of the same path.
overlay_files() { (cd "$HERE" && find fs -type f -name '*.[ch]' 2>/dev/null || true); }

# Bring $SRC to pristine + patches + (for "ours") our overlay, rewriting
# only files whose content changes, so kbuild rebuilds just those.
sync_tree() {
	local mode=$1 stage p f paths=() patches=()

	for f in "$HERE"/patches/*.patch; do
		case $mode:$(basename "$f") in
		stock:[0-9]*-um-*|ours:*) patches+=("$f") ;;
		esac
	done
	# every file a patch or the overlay touches, once
	mapfile -t paths < <({
		sed -n 's#^+++ b/\([^[:space:]]*\).*#\1#p' "$HERE"/patches/*.patch
		overlay_files
	} | sort -u)
	stage=$(mktemp -d)
	for p in "${paths[@]}"; do
		if [ ! -e "$ORIG/$p" ]; then	# first sight: $SRC is pristine
			mkdir -p "$(dirname "$ORIG/$p")"
			cp -p "$SRC/$p" "$ORIG/$p"
		fi
		mkdir -p "$(dirname "$stage/$p")"
		cp -p "$ORIG/$p" "$stage/$p"
	done
	for f in "${patches[@]}"; do
		patch -d "$stage" -p1 -s --no-backup-if-mismatch <"$f" ||
			die "patch $f does not apply"
	done
	if [ "$mode" = ours ]; then
		for p in $(overlay_files); do cp "$HERE/$p" "$stage/$p"; done
	fi
	for p in "${paths[@]}"; do
		cmp -s "$stage/$p" "$SRC/$p" || cp "$stage/$p" "$SRC/$p"
	done
	rm -rf "$stage"
}

source_tree() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$PKG")
	mkdir -p "$W"
	if [ "$(cat "$W/src.stamp" 2>/dev/null)" != "$ver" ]; then
		log "extracting $PKG $ver"
		rm -rf "$SRC" "$ORIG" "$W"/build-*
		mkdir -p "$SRC"
		tar -xf "/usr/src/$PKG.tar.xz" -C "$SRC" --strip-components=1
		echo "$ver" >"$W/src.stamp"
	fi
}

# ------------------------------------------------------------------- build
# build ours|stock [debug|perf]: "debug" (uml.config: lockdep, KASAN, ...)
# is what check tests; "perf" adds uml-perf.config (checkers off) for the
# benchmark numbers.
build() {
	local mode=$1 flavour=${2:-debug} out stamp t0=$SECONDS o
	local cfgs=("$HERE/uml.config") on=(EXT4_FS BLK_DEV_UBD HOSTFS
		FS_VERITY FS_ENCRYPTION) off=()

	case $flavour in
	debug)	out=$W/build-$mode
		on+=(PROVE_LOCKING KASAN DEBUG_VM DEBUG_ATOMIC_SLEEP
		     FAIL_MAKE_REQUEST FAILSLAB FAIL_PAGE_ALLOC
		     FAULT_INJECTION_DEBUG_FS) ;;
	perf)	out=$W/build-$mode-perf
		cfgs+=("$HERE/uml-perf.config")
		off=(PROVE_LOCKING KASAN DEBUG_VM DEBUG_ATOMIC_SLEEP
		     FAULT_INJECTION FAILSLAB FAIL_PAGE_ALLOC) ;;
	*)	die "unknown kernel flavour $flavour" ;;
	esac
	local make=(make -C "$SRC" O="$out" ARCH=um CC="ccache gcc" HOSTCC=gcc)

	sync_tree "$mode"
	mkdir -p "$out"
	stamp="$(cat "$W/src.stamp") $(cat "${cfgs[@]}" | sha1sum)"
	if [ "$(cat "$out/.e4d-stamp" 2>/dev/null)" != "$stamp" ]; then
		"${make[@]}" -s defconfig >/dev/null
		(cd "$SRC" && ARCH=um scripts/kconfig/merge_config.sh -m \
			-O "$out" "$out/.config" "${cfgs[@]}" >/dev/null)
		"${make[@]}" -s olddefconfig >/dev/null
		for o in "${on[@]}"; do
			grep -q "^CONFIG_$o=y" "$out/.config" ||
				die "CONFIG_$o did not stick"
		done
		for o in "${off[@]}"; do
			! grep -q "^CONFIG_$o=y" "$out/.config" ||
				die "CONFIG_$o is still on"
		done
		echo "$stamp" >"$out/.e4d-stamp"
	fi
	ccache -M 3G >/dev/null
	log "building $mode kernel ($flavour) in $out"
	"${make[@]}" -j"$JOBS" linux >"$out/build.log" 2>&1 || {
		grep -E 'error|warning' "$out/build.log" | head -40 >&2
		die "$mode kernel build failed (see $out/build.log)"
	}
	if grep -E 'fs/ext4/.*(warning|error):' "$out/build.log" >&2; then
		fail "compiler warnings in fs/ext4 ($mode)"
	fi
	log "$mode kernel built in $((SECONDS - t0)) s"
}

# ------------------------------------------------------------------- guest
guest() {
	local f
	mkdir -p "$GUEST/root"/{dev,proc,sys,mnt,tmp} "$GUEST/uapi/linux"
	# <linux/ext4.h> (struct move_extent): Debian 12's headers lack it
	cp "$SRC/include/uapi/linux/ext4.h" "$GUEST/uapi/linux/"
	for f in "$REPO"/tests/kernel/*.c; do
		gcc -O2 -g0 -Wall -Wextra -Werror -static -pthread \
			-idirafter "$GUEST/uapi" \
			-o "$GUEST/root/$(basename "$f" .c)" "$f" ||
			die "cannot build $f"
	done
	cp "$GUEST/root/mext_test" "$GUEST/root/init"
}

# guest_programs: e4defrag2 (built in the repository), e4defrag and cp in
# the guest's /bin, with the shared libraries they load, at their paths
guest_programs() {
	local b l

	mkdir -p "$GUEST/root/bin" "$GUEST/root/etc"
	ln -sfn /proc/self/mounts "$GUEST/root/etc/mtab"	# e4defrag reads it
	for b in "$REPO/misc/e4defrag2/e4defrag2" "$(command -v e4defrag)" \
		"$(command -v cp)"; do
		[ -x "$b" ] || die "no program $b (is e4defrag2 built?)"
		cp "$b" "$GUEST/root/bin/"
		for l in $(ldd "$b" | grep -o '/[^ ]*'); do
			cp -L --parents "$l" "$GUEST/root/" ||
				die "cannot copy $l for the guest"
		done
	done
}

# drop_host_cache FILE: on the host's disk, and not in the host's page
# cache: a guest reads an image through it (UML's block driver reads the
# image file), at memory speed rather than the disk's
drop_host_cache() {
	sync "$1"
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)' "$1"
}

# mkimg NAME SIZE_MB MKFS_OPTIONS...
mkimg() {
	local name=$1 mb=$2
	shift 2
	mkdir -p "$IMG"
	rm -f "$IMG/$name.img"
	truncate -s "${mb}M" "$IMG/$name.img"
	mkfs.ext4 -q -F -E nodiscard "$@" "$IMG/$name.img"
}

# boot KERNEL MEM CONSOLE GUEST-ARGS... ; images are $UBDS
boot() {
	local kernel=$1 mem=$2 console=$3 umldir rc
	shift 3
	umldir=$(mktemp -d)
	set +e
	(
		ulimit -c 0
		exec timeout -k 10 "$TIMEOUT" "$kernel" mem="$mem" $UBDS \
			rootfstype=hostfs rootflags="$GUEST/root" rw \
			init=/init con=null ssl=null con0=null,fd:1 \
			uml_dir="$umldir" umid="e4d$$" "$@" \
			</dev/null >"$console" 2>&1
	)
	rc=$?
	set -e
	rm -rf "$umldir"
	return $rc
}

# Judge a console log: guest verdicts and kernel splats.
judge() {
	local console=$1 rc=$2 p f
	p=$(grep -c '^MEXT PASS' "$console" || true)
	f=$(grep -c '^MEXT FAIL' "$console" || true)
	npass=$((npass + p))
	nfail=$((nfail + f))
	grep '^MEXT FAIL' "$console" >&2 || true
	case $rc in
	0) pass "guest exit status 0" ;;
	124|137) fail "UML timed out after ${TIMEOUT}s" ;;
	134) fail "kernel panic (UML aborted)" ;;
	*) fail "guest exit status $rc" ;;
	esac
	if grep -q '^MEXT DONE' "$console"; then
		pass "guest ran to the end"
	else
		fail "guest did not finish (no MEXT DONE)"
	fi
	# An allocation the guest made fail on purpose (alloc_errors() in
	# mext_test.c) may be reported by the allocator: a vmalloc failure
	# prints "init: vmalloc error: ..." with a stack dump (warn_alloc()).
	# There, and only between the guest's begin and end of those cases,
	# the dump's "Call Trace:" line is no splat; anything else still is.
	awk '/^MEXT NOTE alloc_errors .*: begin/ { g = 1 }
	     /^MEXT NOTE alloc_errors .*: end/ { g = 0 }
	     /^MEXT / { r = 0 }
	     g && /init: (vmalloc error|page allocation failure): / { r = 1; n++ }
	     r && /Call Trace:/ { sub(/Call Trace:/, "Call-Trace (injected allocation failure):") }
	     { print }
	     END { if (n) printf "%d allocation failure report(s) of injected failures\n", n > "/dev/stderr" }' \
		"$console" >"$console.judged"
	if grep -nE -B2 -A30 'BUG:|WARNING:|KASAN|circular locking|recursive locking|inconsistent lock state|lock held when returning|Kernel panic|Call Trace:|EXT4-fs error|INFO: task' \
		"$console.judged" >&2; then
		fail "kernel splat on the console (above)"
	else
		pass "no BUG/WARNING/KASAN/lockdep report on the console"
	fi
}

fsck_images() {
	local i
	for i in "$@"; do
		if e2fsck -fn "$IMG/$i.img" >"$IMG/$i.fsck" 2>&1; then
			pass "e2fsck -fn $i.img clean"
		else
			cat "$IMG/$i.fsck" >&2
			fail "e2fsck -fn $i.img"
		fi
	done
}

# ------------------------------------------------------------------- check
cmd_check() {
	local rc console=$W/console-check.log
	deps
	source_tree
	build ours
	guest
	mkimg b4k 512 -b 4096
	mkimg b1k 256 -b 1024 -O inline_data
	mkimg bigalloc 64 -b 4096 -O bigalloc -C 16384
	mkimg feat 64 -b 4096 -O encrypt,verity
	mkimg jdata 64 -b 4096
	UBDS="ubd0=$IMG/b4k.img ubd1=$IMG/b1k.img ubd2=$IMG/bigalloc.img ubd3=$IMG/feat.img ubd4=$IMG/jdata.img"
	log "booting: seed=$SEED stress=${STRESS_SECS}s (replay: E4D_SEED=$SEED)"
	rc=0
	boot "$W/build-ours/linux" 1G "$console" e4d_mode=check \
		e4d_seed="$SEED" e4d_stress="$STRESS_SECS" || rc=$?
	grep -E '^MEXT|^\[ *[0-9.]*\] (EXT4|BUG|WARN)' "$console" | tail -n 200 >&2 || true
	judge "$console" $rc
	fsck_images b4k b1k bigalloc feat jdata
	log "console: $console  seed: $SEED"
	echo "$npass passed, $nfail failed"
	[ $nfail -eq 0 ]
}

# cmd_group eio|enomem|treeio ours|stock: one group of guest cases alone,
# on the debug kernel of ours or of stock; check runs them on ours with
# everything else.  eio: the read-error cases (injected I/O errors during
# moves, read_errors() in mext_test.c); treeio: the same for reads of the
# files' extent-tree blocks (tree_errors()); enomem: the allocation-failure
# cases (alloc_errors()); E4D_FA_NTH=N runs only the runs that fail the Nth
# allocation of a move.  E4D_FI_VERBOSE=1|2 has the fault injection report
# each failure it injects (2: with a stack trace, which judge() then
# counts as a kernel splat: for reading, not for a verdict).
cmd_group() {
	local g=$1 k=${2:-ours} rc=0 console

	case $k in
	ours | stock) ;;
	*) die "usage: $0 $g [ours|stock]" ;;
	esac
	deps
	source_tree
	build "$k"
	guest
	console=$W/console-$g-$k.log
	mkimg b4k 512 -b 4096
	mkimg b1k 256 -b 1024 -O inline_data
	UBDS="ubd0=$IMG/b4k.img ubd1=$IMG/b1k.img"
	log "booting the $k kernel: $g cases, seed=$SEED"
	boot "$W/build-$k/linux" 1G "$console" e4d_mode="$g" \
		e4d_seed="$SEED" e4d_fi_verbose="${E4D_FI_VERBOSE:-0}" \
		e4d_fa_nth="${E4D_FA_NTH:-0}" || rc=$?
	grep '^MEXT' "$console" >&2 || true
	judge "$console" $rc
	fsck_images b4k b1k
	log "console: $console  seed: $SEED"
	echo "$npass passed, $nfail failed"
	[ $nfail -eq 0 ]
}

# ------------------------------------------------------------------- bench
# bench_boot KERNEL-BUILD-DIR CONSOLE MODE: one bench boot on $IMG/bench.img
bench_boot() {
	local rc=0
	UBDS="ubd0=$IMG/bench.img"
	boot "$1/linux" 2G "$2" e4d_mode="$3" e4d_mb="$BENCH_MB" \
		e4d_seed="$SEED" || rc=$?
	grep '^MEXT' "$2" >&2 || true
	judge "$2" $rc
	fsck_images bench
}

# bench_reads KERNEL-BUILD-DIR RUN-CONSOLE: cold sequential reads of the
# moved file ("frag") and of cp's contiguous copy on $IMG/bench.img, three
# of each, alternated, each in a boot of its own after the host dropped its
# cache of the image file (a guest's reads would otherwise come from the
# host's page cache, not from a disk: UML's block driver reads the image
# file through it). The times go into the run's console log, for
# bench_report.
bench_reads() {
	local kernel=$1 runlog=$2 i n t rc console
	for i in 1 2 3; do
		for n in frag copy; do
			[ $((i % 2)) = 1 ] || n=$([ "$n" = frag ] && echo copy || echo frag)
			drop_host_cache "$IMG/bench.img"
			console=${runlog%.log}-read-$n-$i.log
			UBDS="ubd0=$IMG/bench.img"
			rc=0
			boot "$kernel/linux" 2G "$console" e4d_mode=bench_read \
				e4d_file=$n e4d_seed="$SEED" || rc=$?
			judge "$console" $rc
			t=$(sed -n 's/^MEXT BENCH read_s=\([0-9.]*\).*/\1/p' "$console")
			log "cold read of $n ($i/3): ${t:-?} s"
			[ -z "$t" ] || echo "MEXT BENCH read_${n}_$i=$t" >>"$runlog"
			sed -n "s/^MEXT BENCH read_\(ios\|kib\)=/MEXT BENCH read_${n}_\1=/p" \
				"$console" >>"$runlog"
		done
	done
}

cmd_bench() {
	local k f r sfx flavours=${E4D_BENCH_FLAVOURS:-perf debug} order first
	deps
	source_tree
	for f in $flavours; do
		build stock "$f"
		build ours "$f"
	done
	guest
	TIMEOUT=${E4D_TIMEOUT:-3600}
	log "bench: seed=$SEED ${BENCH_MB} MiB, flavours: $flavours," \
		"$BENCH_REPEAT runs per kernel"
	# The fragmented file is made once (by the stock kernel of the first
	# flavour: no move is involved), and every timed boot gets a fresh
	# copy of that image: the same file, the same layout, a cold cache.
	# Inode tables are zeroed now, not by ext4lazyinit in the guest
	# during the measurements (its I/O and its journal handles would
	# count).
	mkimg bench $((BENCH_MB * 4 + 512)) -b 4096 -E \
		nodiscard,lazy_itable_init=0,lazy_journal_init=0
	first=${flavours%% *}
	sfx=
	[ "$first" = debug ] || sfx=-$first
	log "bench: fragmenting ${BENCH_MB} MiB (stock kernel, $first)"
	bench_boot "$W/build-stock$sfx" "$W/console-bench-prep.log" bench_prep
	grep -q '^MEXT PASS bench/fragmented' "$W/console-bench-prep.log" ||
		die "bench: could not prepare the fragmented file"
	mv "$IMG/bench.img" "$IMG/bench-frag.img"
	for f in $flavours; do
		sfx=
		[ "$f" = debug ] || sfx=-$f
		rm -f "$W"/console-bench-*-"$f"-*.log
		for r in $(seq 1 "$BENCH_REPEAT"); do
			# alternate which kernel goes first, so that a drift
			# of the machine's load weighs on both alike
			order="stock ours"
			[ $((r % 2)) = 1 ] || order="ours stock"
			for k in $order; do
				# fully written on the host, as a disk is (a
				# write into a hole of a sparse image file is
				# a host allocation, done by UML's one I/O
				# thread in line with the guest's writes), and
				# on the disk before the boot, so that the
				# host's writeback of the copy does not run
				# into the measurement
				cp --sparse=never "$IMG/bench-frag.img" \
					"$IMG/bench.img" &&
					sync "$IMG/bench.img"
				log "bench run $r/$BENCH_REPEAT on $k kernel" \
					"($f, ${BENCH_MB} MiB)"
				bench_boot "$W/build-$k$sfx" \
					"$W/console-bench-$k-$f-$r.log" bench
				bench_reads "$W/build-$k$sfx" \
					"$W/console-bench-$k-$f-$r.log"
			done
		done
		if bench_report "$f" "$BENCH_REPEAT" "$W"; then
			pass "bench numbers ($f)"
		else
			fail "bench numbers ($f)"
		fi
	done
	rm -f "$IMG/bench.img" "$IMG/bench-frag.img"
	log "seed: $SEED (replay: E4D_SEED=$SEED)"
	echo "$npass passed, $nfail failed"
	[ $nfail -eq 0 ]
}

# bench_report FLAVOUR REPEAT WORKDIR: the numbers of the runs of one
# flavour, from console-bench-{stock,ours}-FLAVOUR-{1..REPEAT}.log
bench_report() {
	local step
	step=$(sed -n 's/^#define MEXT_STEP_BYTES[[:space:]]*(\([0-9]*\) << \([0-9]*\)).*/\1 \2/p' \
		"$HERE/fs/ext4/move_extent.c")
	python3 - "$@" "$BENCH_MB" "$step" <<'EOF'
import sys, re, statistics as st
f, n, w, mb = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
step = sys.argv[5].split()
med = st.median
def kv(path):
    d = {}
    for l in open(path):
        m = re.match(r'MEXT BENCH (\w+)=([0-9.]+)', l)
        if m:
            d[m.group(1)] = float(m.group(2))
    return d
try:
    S = [kv("%s/console-bench-stock-%s-%d.log" % (w, f, r))
         for r in range(1, n + 1)]
    O = [kv("%s/console-bench-ours-%s-%d.log" % (w, f, r))
         for r in range(1, n + 1)]
    steps = mb * 2**20 / (int(step[0]) << int(step[1])) * 1024 / mb \
        if step else 0
    print("bench (%s kernels): %d MiB file of %d extents, %d runs per"
          " kernel, each on a fresh copy of the same image"
          % (f, mb, S[0]["extents"], n))
    print("  run  stock move  ours move  ours/stock  cp (stock guest)"
          "  cp (ours guest)  ours/cp  handles/GiB: stock      ours")
    for i in range(n):
        s, o = S[i], O[i]
        for x in s, o:
            if x["extents"] != S[0]["extents"]:
                raise KeyError("extents differ between runs")
        print("  %3d  %8.2f s  %7.2f s  %10.3f  %14.2f s  %13.2f s  %7.2f"
              "  %8.0f..%-8.0f %4.0f..%.0f"
              % (i + 1, s["move_s"], o["move_s"], o["move_s"] / s["move_s"],
                 s["cp_s"], o["cp_s"], o["move_s"] / o["cp_s"],
                 s["handles_gib"], s["handles_gib"] + s["commits_gib"],
                 o["handles_gib"], o["handles_gib"] + o["commits_gib"]))
    print("  of the move time, the ioctl (the rest is the fsync): stock %s;"
          " ours %s" % (" ".join("%.2f" % x.get("move_ioctl_s", -1) for x in S),
                        " ".join("%.2f" % x.get("move_ioctl_s", -1) for x in O)))
    ratio = med([o["move_s"] / s["move_s"] for s, o in zip(S, O)])
    ms, mo = med([s["move_s"] for s in S]), med([o["move_s"] for o in O])
    ocp = med([o["move_s"] / o["cp_s"] for o in O])
    scp = med([s["move_s"] / s["cp_s"] for s in S])
    print("  median move time: stock %.2f s, ours %.2f s; median cp %.2f s"
          % (ms, mo, med([x["cp_s"] for x in S + O])))
    print("  ratio ours/stock: median of the runs' ratios %.3f, ratio of"
          " the medians %.3f (target <= 0.2: %s)"
          % (ratio, mo / ms, "met" if ratio <= 0.2 else "MISSED"))
    print("  ours vs cp in the same guest: median %.2f (target <= 1.5: %s);"
          " stock vs cp: median %.2f"
          % (ocp, "met" if ocp <= 1.5 else "MISSED", scp))
    ho = med([o["handles_gib"] for o in O])
    hoc = med([o["handles_gib"] + o["commits_gib"] for o in O])
    print("  journal handles/GiB, median (jbd2 rounds its average down, so"
          " up to one more per transaction): stock %.0f, ours %.0f..%.0f;"
          " the move's steps: %.0f/GiB (target: handles <= steps)"
          % (med([s["handles_gib"] for s in S]), ho, hoc, steps))
    print("  extents after (FIEMAP, cached / after remount): stock %d / %d"
          "  ours %d / %d" % (S[0]["extents_after"], S[0]["extents_ondisk"],
                              O[0]["extents_after"], O[0]["extents_ondisk"]))
    # cold sequential reads of the moved file and of cp's contiguous copy
    # (bench_reads): per run, the best of 3 of each; rate = copy / moved
    def rate(x):
        fr = [x["read_frag_%d" % i] for i in (1, 2, 3)]
        cp = [x["read_copy_%d" % i] for i in (1, 2, 3)]
        return min(cp) / min(fr), min(fr), min(cp)
    for name, X in ("stock", S), ("ours", O):
        print("  cold reads, %s kernel, best of 3 per run (moved file / copy):"
              " %s" % (name, "  ".join("%.2f / %.2f s = %.0f%%"
                                       % (rate(x)[1], rate(x)[2],
                                          100 * rate(x)[0]) for x in X)))
    for name, X in ("stock", S), ("ours", O):
        print("  requests of a cold read, %s kernel (moved file / copy):"
              " %.0f / %.0f, %.0f / %.0f KiB"
              % (name, X[0]["read_frag_ios"], X[0]["read_copy_ios"],
                 X[0]["read_frag_kib"], X[0]["read_copy_kib"]))
    rs = med([rate(x)[0] for x in S])
    ro = med([rate(x)[0] for x in O])
    print("  cold read of the moved file vs cp's contiguous copy, median:"
          " stock %.0f%%, ours %.0f%% (the host's disk varies up to 2x"
          " between reads: the requests are the measure)" % (100 * rs, 100 * ro))
    same = all(x["read_frag_ios"] == x["read_copy_ios"] and
               x["read_frag_kib"] == x["read_copy_kib"] for x in O)
    print("  ours: a cold read of the moved file makes the same disk requests"
          " as one of the copy: %s" % ("yes" if same else "NO"))
    print("  extent-tree blocks of the moved file: stock %d, ours %d;"
          " of the copy (%d extents): %d"
          % (S[0]["tree_blocks"], O[0]["tree_blocks"],
             O[0]["copy_extents"], O[0]["copy_tree_blocks"]))
except (KeyError, IndexError, ValueError, ZeroDivisionError, OSError) as e:
    print("bench: missing value", e)
    sys.exit(1)
EOF
}

cmd_boot() {
	local rc=0 console=$W/console-check.log
	UBDS="ubd0=$IMG/b4k.img ubd1=$IMG/b1k.img ubd2=$IMG/bigalloc.img ubd3=$IMG/feat.img ubd4=$IMG/jdata.img"
	guest
	boot "$W/build-ours/linux" 1G "$console" e4d_mode=check \
		e4d_seed="$SEED" e4d_stress="$STRESS_SECS" || rc=$?
	judge "$console" $rc
	echo "$npass passed, $nfail failed"
	[ $nfail -eq 0 ]
}

# cmd_tool ours|stock IMAGE PROGRAM PATHS: one boot of the "perf" kernel on
# IMAGE (as it is: no rebuild, no fsck), which runs PROGRAM on each PATH
# (comma-separated, under the image's root) and times it; prints the
# guest's MEXT lines and the pass/fail line.
cmd_tool() {
	local k=${1:-} img=${2:-} prog=${3:-} where=${4:-} console kept rc=0

	case $k:$prog in
	ours:* | stock:*) ;;
	*) die "usage: $0 tool ours|stock IMAGE e4defrag2|e4defrag|cp PATHS" ;;
	esac
	[ -f "$img" ] || die "no image $img"
	[ -x "$W/build-$k-perf/linux" ] ||
		die "no $k perf kernel: run $0 build $k perf first"
	guest
	guest_programs
	TIMEOUT=${E4D_TIMEOUT:-3600}
	console=$W/console-tool-$k-$prog.log
	drop_host_cache "$img"
	UBDS="ubd0=$img"
	boot "$W/build-$k-perf/linux" 2G "$console" e4d_mode=tool \
		e4d_tool="$prog" e4d_paths="$where" e4d_seed="$SEED" || rc=$?
	grep '^MEXT' "$console" || true
	judge "$console" $rc
	echo "$npass passed, $nfail failed"
	# the next run of the same kernel and program writes the same log:
	# a failed run's console is kept under a name of its own
	if [ $nfail -ne 0 ]; then
		kept=${console%.log}-failed-$(date +%Y%m%d-%H%M%S).log
		cp "$console" "$kept"
		log "the failed run's console is kept as $kept"
	fi
	[ $nfail -eq 0 ]
}

# One run at a time per work area (they share the tree and the images).
mkdir -p "$W"
exec 9>>"$W/.lock"
if ! flock -n 9; then
	log "waiting for another uml.sh using $W"
	flock 9
fi

case ${1:-check} in
check) cmd_check ;;
bench) cmd_bench ;;
build) deps; source_tree; build "${2:-ours}" "${3:-debug}" ;;
boot) cmd_boot ;;
eio | enomem | treeio) cmd_group "$1" "${2:-ours}" ;;
tool) shift; cmd_tool "$@" ;;
clean) rm -rf "$W" ;;
*) echo "usage: $0 check|bench|build [ours|stock] [debug|perf]|boot|eio|enomem|treeio [ours|stock]|tool ...|clean" >&2; exit 2 ;;
esac
