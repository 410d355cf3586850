#!/bin/sh
# Fetch Debian's delve (sid) into the leakdump cache without touching the
# system's apt configuration (scripts/apt-private.sh).
#   bench/fetch-delve.sh   -> prints the path of the dlv binary
set -eu
. "$(dirname "$0")/../scripts/apt-private.sh"
DEST=$CACHE/delve

find_dlv() {
	[ -d "$DEST" ] || return 1
	f=$(find "$DEST" -type f -name dlv -perm -u+x 2>/dev/null | head -n 1)
	[ -n "$f" ] && echo "$f"
}

if dlv=$(find_dlv); then echo "$dlv"; exit 0; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Reuse fetch-go.sh's package lists when they are there; refresh otherwise.
if ! [ -s "$APTDIR/etc/sources.list" ] || \
   ! (cd "$tmp" && apt_private download -t sid delve >/dev/null 2>&1); then
	apt_private_update
	(cd "$tmp" && apt_private download -t sid delve >/dev/null)
fi
mkdir -p "$DEST"
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$DEST"; done
dlv=$(find_dlv) || { echo "fetch-delve: dlv not found in the delve package" >&2; exit 1; }
echo "$dlv"
