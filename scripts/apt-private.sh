# shellcheck shell=sh
# Sourced by the fetch scripts (scripts/fetch-go.sh,
# scripts/fetch-debian-program.sh, bench/fetch-delve.sh): a private apt
# configuration under the leakdump cache, so Debian packages can be
# downloaded (never installed) without touching the system's apt setup.
# Defines CACHE, MIRROR, APTDIR, apt_private and apt_private_update.
CACHE=${LEAKDUMP_CACHE:-/var/cache/leakdump}
MIRROR=${LEAKDUMP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
APTDIR=$CACHE/apt
mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/etc"

apt_private() {
	apt-get -q -o Dir::Etc::SourceList="$APTDIR/etc/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APTDIR/lists" \
		-o Dir::Cache="$APTDIR" \
		-o Dir::State::Status=/var/lib/dpkg/status \
		-o APT::Sandbox::User=root -o APT::Architecture=amd64 \
		-o Debug::NoLocking=1 "$@"
}

# The suites the Go toolchains and the test programs come from.
apt_private_update() {
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
