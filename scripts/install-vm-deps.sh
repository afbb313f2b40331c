#!/usr/bin/env bash
set -euo pipefail
# Install what the VM gate needs. Idempotent: a second run only checks.
# Everything comes from bookworm except virtme-ng, which bookworm lacks: its
# architecture-independent .deb is downloaded privately from sid (or trixie)
# and unpacked into a directory of our own (see below).

(($# == 0)) || { echo "usage: scripts/install-vm-deps.sh   (no arguments; make vm-deps)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib/apt-private.sh"

# udev: the guest runs the host's udevd to create the virtio-ports links that
# keep stdout, stderr and the exit code apart (no udevd needs to run on the
# host). kmod/xz-utils: depmod, unxz.
# busybox-static ... python3-requests: virtme-ng's own dependencies.
pkgs=(udev qemu-system-x86 kmod xz-utils zstd procps busybox-static file iproute2
	kbd util-linux-extra python3-argcomplete python3-requests python3-pkg-resources)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# virtme-ng is not in bookworm. Its architecture-independent package (sid,
# else trixie) is downloaded privately and unpacked into a directory of our
# own, never installed into the system; its dependencies are the bookworm
# packages above. vm-run.sh puts $vdir/bin first in PATH.
vdir=${FIXBUF_TOOLS:-/opt/fixbuf-order}/virtme-ng
if [[ ! -x $vdir/bin/vng ]]; then
	debs=$FIXBUF_CACHE/debs
	for suite in sid trixie; do
		apt_private_download "$suite" "$debs" virtme-ng && break
	done
	deb=$(find "$debs" -name 'virtme-ng_*_all.deb' | sort -V | tail -n1)
	[[ -n $deb ]] || { echo "install-vm-deps: virtme-ng download failed" >&2; exit 1; }
	rm -rf "$vdir.new"
	mkdir -p "$vdir.new"
	dpkg -x "$deb" "$vdir.new"
	mkdir -p "$vdir.new/bin"
	cat >"$vdir.new/bin/vng" <<WRAP
#!/bin/sh
# virtme-ng unpacked from ${deb##*/} (not installed into the system).
# Debian's python3: its dist-packages hold virtme-ng's dependencies.
PATH=$vdir/usr/bin:\$PATH
PYTHONPATH=$vdir/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}
export PATH PYTHONPATH
exec /usr/bin/python3 $vdir/usr/bin/vng "\$@"
WRAP
	chmod +x "$vdir.new/bin/vng"
	rm -rf "$vdir"
	mv "$vdir.new" "$vdir"
fi
"$vdir/bin/vng" --version
