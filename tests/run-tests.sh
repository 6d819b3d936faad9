#!/usr/bin/env bash
# tests/run-tests.sh [unit] [ts] [kernel] - run test parts, count every test
# case, and end with one line "N passed, N failed" (skips are counted on
# the line before it).
#
#   unit    CMocka programs tests/unit/test_* (TAP output, each case counts)
#   ts      integration scripts tests/ts/<area>/<name> (root, loop devices);
#           exit 0 pass, 77 skip, anything else fail
#   kernel  kernel/uml.sh check (patched UML kernel); its closing line
#           "N passed, N failed" is added in
#   asan    unit and ts again with the AddressSanitizer build in build-asan/
#           (made by tests/build.sh with E4D_ASAN_DIR)
#
# TS_ONLY=area/name runs one integration test; TS_TIMEOUT (default 900 s)
# bounds each, UNIT_TIMEOUT (default 600 s) each CMocka program.
set -u
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
pass=0 fail=0 skip=0
logdir=$top/tests/out
mkdir -p "$logdir"

run_unit() {
	local t out np nf dir=${1:-.}
	for t in "$dir"/tests/unit/test_*; do
		[ -x "$t" ] && [ "${t%.c}" = "$t" ] || continue
		t=${t#./}
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 30 \
			"${UNIT_TIMEOUT:-600}" "$t" 2>&1)
		local rc=$? ns
		# cmocka prints a skip() as "not ok N # SKIP ..."
		ns=$(grep -c '^not ok .*# SKIP' <<<"$out")
		np=$(grep -c '^ok ' <<<"$out")
		nf=$(($(grep -c '^not ok ' <<<"$out") - ns))
		if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
			nf=1	# crashed or timed out before reporting
		fi
		pass=$((pass + np))
		fail=$((fail + nf))
		skip=$((skip + ns))
		if [ "$nf" -gt 0 ]; then
			echo "$out"
			echo "FAIL: $t ($np passed, $nf failed)"
		else
			echo "PASS: $t ($np cases)"
		fi
	done
}

run_ts() {
	local t name rc log san tag=${1:-}
	for t in tests/ts/*/*; do
		[ -f "$t" ] && [ "${t##*/}" != lib.sh ] || continue
		name=$tag${t#tests/ts/}
		[ -n "${TS_ONLY:-}" ] && [ "$TS_ONLY" != "${t#tests/ts/}" ] &&
			continue
		log=$logdir/${name//\//_}.log
		san=${name//\//_}
		san=$logdir/san.${san//:/_}
		rm -f "$san".*
		# from tests/out/, so stray files (fio state) stay out of the tree;
		# sanitizer reports go to files, so that a report is a failure
		# even where the test does not look at e4defrag2's exit status
		(cd "$logdir" &&
			if [ -n "${ASAN_OPTIONS:-}" ]; then
				export ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$san
				export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:log_path=$san
			fi
			timeout -k 30 "${TS_TIMEOUT:-900}" bash "$top/$t") \
			>"$log" 2>&1
		rc=$?
		if [ "$rc" -ne 77 ] && compgen -G "$san.*" >/dev/null; then
			echo "sanitizer report(s):" >>"$log"
			cat "$san".* >>"$log"
			rc=99
		fi
		case $rc in
		0)  pass=$((pass + 1)); echo "PASS: ts/$name" ;;
		77) skip=$((skip + 1)); echo "SKIP: ts/$name: $(tail -1 "$log")" ;;
		*)  fail=$((fail + 1)); echo "FAIL: ts/$name (exit $rc), log:"
		    sed 's/^/    /' "$log" | tail -60 ;;
		esac
	done
}

run_asan() {
	if [ ! -x build-asan/misc/e4defrag2/e4defrag2 ]; then
		echo "FAIL: asan: build-asan/ not built (tests/build.sh)"
		fail=$((fail + 1))
		return
	fi
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	run_unit build-asan
	export E4D=$top/build-asan/misc/e4defrag2/e4defrag2
	run_ts asan:
	unset ASAN_OPTIONS UBSAN_OPTIONS E4D
}

run_kernel() {
	local log=$logdir/kernel-check.log last np nf
	if [ ! -x kernel/uml.sh ]; then
		echo "SKIP: kernel: kernel/uml.sh not present"
		skip=$((skip + 1))
		return
	fi
	kernel/uml.sh check 2>&1 | tee "$log"
	last=$(tail -n 1 "$log")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		np=${BASH_REMATCH[1]}
		nf=${BASH_REMATCH[2]}
	else
		np=0 nf=1
		echo "FAIL: kernel: harness ended without a summary line"
	fi
	pass=$((pass + np))
	fail=$((fail + nf))
}

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(unit ts kernel)
for p in "${parts[@]}"; do
	case $p in
	unit) run_unit ;;
	ts) run_ts ;;
	kernel) run_kernel ;;
	asan) run_asan ;;
	*) echo "run-tests.sh: unknown part '$p'" >&2; exit 2 ;;
	esac
done
[ "$skip" -eq 0 ] || echo "$skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
