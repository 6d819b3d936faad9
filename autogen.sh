#!/bin/sh
# autogen.sh - generate ./configure and config.h.in (needs autoconf,
# automake for aclocal, pkg-config)
set -e
cd "$(dirname "$0")"
aclocal
autoconf
autoheader
rm -rf autom4te.cache
