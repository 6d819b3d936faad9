#!/usr/bin/env bash
# tests/demo.sh - the README's first command: install, build, then on a
# small ext4 image on a loop device: fragment files with fio, report,
# defragment (when this version can), report again, tear everything down.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/install-deps.sh"
"$top/tests/build.sh"
. "$top/tests/ts/lib.sh"
ts_init demo
ts_mkfs demo 512M -b 4096
echo "== fragmenting files in $TS_MNT with fio"
ts_fragment "$TS_MNT/data" 4 16M
rm -rf "$TS_MNT/data/.fill"	# free the space the fragments were forced around
sync
echo "== e4defrag2 -c $TS_MNT"
"$E4D" -c "$TS_MNT" || true
if "$E4D" --help | grep -q -- '--dry-run'; then
	echo "== e4defrag2 -v $TS_MNT"
	"$E4D" -v "$TS_MNT" || true
	echo "== e4defrag2 -c $TS_MNT (after)"
	"$E4D" -c "$TS_MNT" || true
else
	echo "== (defragmentation is not in this version yet)"
fi
echo "== e4defrag2 -c --json --top 3 $TS_MNT"
"$E4D" -c --json --top 3 "$TS_MNT" | jq -c '{filesystem: .filesystem | {files, fragmented_files, fragmentation_pct}, worst: [.files[] | {path, extents, ideal_extents, score}]}'
echo "== tearing down"
