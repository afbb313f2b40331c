#!/usr/bin/env bash
# Install what the VM gate needs. Idempotent: a second run only checks.
# Everything comes from bookworm except virtme-ng, which bookworm lacks: its
# architecture-independent .deb is downloaded privately from sid (or trixie)
# and installed only if bookworm alone satisfies its dependencies.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null  # lib/apt-private.sh is checked on its own
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

if ! command -v vng >/dev/null; then
	debs=$FIXBUF_CACHE/debs
	for suite in sid trixie; do
		apt_private_download "$suite" "$debs" virtme-ng && break
	done
	deb=$(find "$debs" -name 'virtme-ng_*_all.deb' | sort -V | tail -n1)
	[[ -n $deb ]] || { echo "install-vm-deps: virtme-ng download failed" >&2; exit 1; }
	# Refuse anything but fresh installs of bookworm packages plus this .deb:
	# an upgrade, removal or foreign-suite package could replace libc.
	sim=$(apt-get install --simulate --no-install-recommends "$deb")
	# An upgrade reads "Inst name [old] (new ...)" and so never matches here.
	bad=$(grep -E '^(Inst|Remv) ' <<<"$sim" |
		grep -vE '^Inst [^ ]+ \([^ ]+ (local-deb|Debian(-Security)?:12[./])' || true)
	if [[ -n $bad ]]; then
		printf 'install-vm-deps: refusing, apt would do:\n%s\n' "$sim" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb"
fi
vng --version
