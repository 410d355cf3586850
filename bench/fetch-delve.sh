#!/bin/sh
# Fetch Debian's delve (sid) into the leakdump cache without touching the
# system's apt configuration -- the same private apt setup as
# scripts/fetch-go.sh (copied here: bench/ only).
#   bench/fetch-delve.sh   -> prints the path of the dlv binary
set -eu
CACHE=${LEAKDUMP_CACHE:-/var/cache/leakdump}
MIRROR=${LEAKDUMP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
APTDIR=$CACHE/apt
DEST=$CACHE/delve
mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/etc"

apt_private() {
	apt-get -q -o Dir::Etc::SourceList="$APTDIR/etc/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APTDIR/lists" \
		-o Dir::Cache="$APTDIR" \
		-o Dir::State::Status=/var/lib/dpkg/status \
		-o APT::Sandbox::User=root -o APT::Architecture=amd64 -o Debug::NoLocking=1 "$@"
}

find_dlv() {
	[ -d "$DEST" ] || return 1
	f=$(find "$DEST" -type f -name dlv -perm -u+x 2>/dev/null | head -n 1)
	[ -n "$f" ] && echo "$f"
}

if dlv=$(find_dlv); then echo "$dlv"; exit 0; fi

update() {
	: > "$APTDIR/etc/sources.list"
	for s in bookworm-backports trixie trixie-backports sid; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $s main" \
			>> "$APTDIR/etc/sources.list"
	done
	# The bookworm keyring may not know newer suites' keys; fall back to trusted.
	if ! apt_private update -qq >/dev/null 2>&1; then
		sed -i 's/signed-by=[^]]*/trusted=yes/' "$APTDIR/etc/sources.list"
		apt_private update -qq >/dev/null
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Reuse fetch-go.sh's package lists when they are there; refresh otherwise.
if ! [ -s "$APTDIR/etc/sources.list" ] || \
   ! (cd "$tmp" && apt_private download -t sid delve >/dev/null 2>&1); then
	update
	(cd "$tmp" && apt_private download -t sid delve >/dev/null)
fi
mkdir -p "$DEST"
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$DEST"; done
dlv=$(find_dlv) || { echo "fetch-delve: dlv not found in the delve package" >&2; exit 1; }
echo "$dlv"
