#!/usr/bin/env bash
# tests/install-deps.sh - install what building and testing e4defrag2 needs
# on Debian 12 (root); linux-source-6.12 too, for the kernel-patch package
# test (pkg/deb). The kernel harness (kernel/uml.sh) installs the rest.
set -eu
pkgs=(
	build-essential autoconf pkg-config
	libext2fs-dev comerr-dev libmount-dev libblkid-dev libsmartcols-dev
	libcmocka-dev python3-prometheus-client
	automake
	e2fsprogs util-linux util-linux-extra procps bc
	fio jq xfsprogs btrfs-progs attr acl fuse3 libfuse3-dev
	debhelper dpkg-dev lintian systemd bash-completion patch strace
	linux-source-6.12
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	# a fresh machine may run apt itself at boot: wait for its locks
	lock=(-o DPkg::Lock::Timeout=600)
	for try in 1 2 3 4 5 6; do
		apt-get "${lock[@]}" update -qq && break
		[ "$try" -lt 6 ] || exit 1
		echo "apt-get update failed, again in 20 s" >&2
		sleep 20
	done
	apt-get "${lock[@]}" install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
	echo "installed: ${missing[*]}"
fi
