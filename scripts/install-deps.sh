#!/usr/bin/env bash
set -euo pipefail
# Installs what building, running and checking the suite needs, from the
# system's own (bookworm) sources only. Idempotent: does nothing when all
# is there. --vm adds the VM gate's tools, --kernel the kernel build's,
# --peer make peer's (building liburing, fio and the selftests; their tools).

here=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
pkgs=(gcc make libc6-dev liburing-dev shellcheck libxml2-utils kmod procps util-linux)
vm=
for a in "$@"; do
	case $a in
	--vm) vm=1 ;;
	--kernel) pkgs+=(flex bison bc libelf-dev libssl-dev cpio ccache git perl xz-utils) ;;
	--peer) pkgs+=(dpkg-dev git g++ zlib1g-dev perl iproute2 e2fsprogs) ;;
	*) echo "usage: $0 [--vm] [--kernel] [--peer]" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
	if ((EUID != 0)); then
		echo "missing packages: ${missing[*]} (run as root: $0 $*)" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -n $vm ]]; then
	"$here/install-vm-deps.sh"
fi
