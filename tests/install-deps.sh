#!/usr/bin/env bash
# tests/install-deps.sh - install what building and testing e4defrag2 needs
# on Debian 12 (root). The kernel harness (kernel/uml.sh) installs its own.
set -eu
pkgs=(
	build-essential autoconf pkg-config
	libext2fs-dev comerr-dev libmount-dev libblkid-dev libsmartcols-dev
	libcmocka-dev python3-prometheus-client
	e2fsprogs util-linux fio jq xfsprogs btrfs-progs attr acl
	debhelper dpkg-dev lintian systemd bash-completion patch
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	echo "installed: ${missing[*]}"
fi
