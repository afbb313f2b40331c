#!/usr/bin/env bash
set -euo pipefail
# Installs what building, running and checking the suite needs, from the
# system's own (bookworm) sources only. Idempotent: does nothing when all
# is there. --vm also installs the VM gate's tools.

here=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
pkgs=(gcc make libc6-dev liburing-dev shellcheck libxml2-utils kmod procps util-linux)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
	if ((EUID != 0)); then
		echo "missing packages: ${missing[*]} (run as root: $0)" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ${1:-} == --vm ]]; then
	"$here/install-vm-deps.sh"
fi
