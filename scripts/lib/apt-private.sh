# shellcheck shell=bash
# Private apt configuration for newer Debian suites (trixie, sid, ...).
# Source it; it never touches the system's apt state: packages from newer
# suites are only downloaded into the cache, never installed through it.
# A library: the caller's shell options are the caller's (its scripts all
# run with set -euo pipefail, which the functions below rely on).
# apt_private_update and apt_private_download return apt-get's failure
# themselves: a caller may test them (`if ! apt_private_update ...`), and
# bash ignores errexit inside a function called there.
#   apt_private_init SUITE      -> sets APT_PRIV_DIR and the APT_PRIV array
#   apt_private_update SUITE    -> refreshes the private index (once a day)
#   apt_private_download SUITE DESTDIR PKG[=VER]...
#   apt_private SUITE apt-cache|apt-get ARGS...
#   apt_private_source SUITE DESTDIR PKG[=VER]  -> source package, unpacked
# SUITE "X-src" is suite X with a deb-src line (its own index and cache).

FIXBUF_CACHE=${FIXBUF_CACHE:-/var/cache/fixbuf-order}

# First mirror URI of the system's own Debian archive (not -security):
# deb822 files first, then one-line sources.list.
apt_mirror_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		# Paragraph mode: one deb822 stanza per record, fields in any order.
		uri=$(awk 'BEGIN {RS = ""} /(^|\n)Types:[^\n]*deb([ \t]|\n|$)/ &&
			!/(^|\n)Enabled: *no/ && match($0, /(^|\n)Suites:[^\n]*/) &&
			substr($0, RSTART, RLENGTH) !~ /security/ && match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/) {
			split(substr($0, RSTART, RLENGTH), a, /[ \t\n]+/); print a[length(a)]; exit}' "$f")
		[[ -n $uri ]] && { echo "$uri"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f")
		[[ -n $uri ]] && { echo "$uri"; return 0; }
	done
	echo "apt-private: no Debian mirror found in the apt sources" >&2
	return 1
}

apt_private_init() {
	local suite=$1 uri type
	APT_PRIV_DIR=$FIXBUF_CACHE/apt/$suite
	mkdir -p "$APT_PRIV_DIR"/{lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d}
	if [[ ! -s $APT_PRIV_DIR/etc/sources.list ]]; then
		uri=$(apt_mirror_uri)
		type=deb
		[[ $suite != *-src ]] || type=deb-src
		echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri ${suite%-src} main" \
			>"$APT_PRIV_DIR/etc/sources.list"
	fi
	# Empty preferences: no pinning from the system leaks in or out.
	: >"$APT_PRIV_DIR/etc/preferences"
	APT_PRIV=(
		-o "Dir::Etc::SourceList=$APT_PRIV_DIR/etc/sources.list"
		-o "Dir::Etc::SourceParts=$APT_PRIV_DIR/etc/sources.list.d"
		-o "Dir::Etc::Preferences=$APT_PRIV_DIR/etc/preferences"
		-o "Dir::Etc::PreferencesParts=$APT_PRIV_DIR/etc/preferences.d"
		-o "Dir::State::Lists=$APT_PRIV_DIR/lists"
		-o "Dir::Cache=$APT_PRIV_DIR/cache"
		-o APT::Architectures::=amd64
		-o Acquire::Languages=none
		-o APT::Sandbox::User=root
	)
}

apt_private() {
	local suite=$1 tool=$2
	shift 2
	apt_private_init "$suite"
	"$tool" "${APT_PRIV[@]}" "$@"
}

# Refresh the index when missing, older than a day, or FIXBUF_REFRESH=1.
# Any index file that fails to download fails the update (apt only warns
# by default), and the stamp is left alone, so the next call tries again.
apt_private_update() {
	local suite=$1 stamp
	apt_private_init "$suite"
	stamp=$APT_PRIV_DIR/lists/.updated
	if [[ ${FIXBUF_REFRESH:-0} == 1 || -z $(find "$stamp" -mmin -1440 2>/dev/null) ]]; then
		apt-get "${APT_PRIV[@]}" -qq --error-on=any update >&2 || return
		touch "$stamp"
	fi
}

apt_private_download() {
	local suite=$1 dest=$2
	shift 2
	apt_private_update "$suite" || return
	mkdir -p "$dest"
	(cd "$dest" && apt-get "${APT_PRIV[@]}" -qq download "$@" >&2)
}

# apt_private_source SUITE DESTDIR PKG[=VER]: the source package PKG of
# SUITE (through the deb-src index SUITE-src), downloaded into DESTDIR (its
# .dsc and tarballs, hash-checked by apt against the signed index) and
# unpacked there by dpkg-source, which checks the hashes again (it has no
# keyring for the signature: apt's signed index is the trust anchor) and
# builds nothing. Prints the unpacked directory, reused when it exists.
apt_private_source() {
	local suite=$1 dest=$2 pkg=$3 dsc dir tmp
	apt_private_update "$suite-src"
	mkdir -p "$dest"
	(cd "$dest" && apt-get "${APT_PRIV[@]}" -qq source --download-only "$pkg" >&2)
	# The .dsc apt chose (the version asked for, else the index's newest);
	# its file name has no epoch.
	dsc=$(apt-get "${APT_PRIV[@]}" -qq source --download-only --print-uris "$pkg" |
		awk '$2 ~ /\.dsc$/ {print $2; exit}')
	[[ -n $dsc && -f $dest/$dsc ]] || { echo "apt-private: no .dsc of $pkg in $dest" >&2; return 1; }
	# The tree: PKG-UPSTREAM (no Debian revision), as dpkg-source names it.
	dir=${dsc%.dsc}
	dir=${dir%-*}
	dir=$dest/${dir/_/-}
	if [[ ! -d $dir ]]; then
		# Unpacked aside and moved in one step: a directory there is complete.
		tmp=$(mktemp -d "$dest/.unpack.XXXXXX")
		if ! dpkg-source -x "$dest/$dsc" "$tmp/src" >&2; then
			rm -rf -- "${tmp:?}"
			return 1
		fi
		mv "$tmp/src" "$dir"
		# dpkg-source leaves a copy of the orig tarball next to the tree.
		rm -rf -- "${tmp:?}"
	fi
	echo "$dir"
}
