# shellcheck shell=bash disable=SC2154 # repo, cache and log: set by scripts/upstream.sh
# `scripts/upstream.sh --vm`: the kselftest (run_kselftest.sh) and the
# liburing test (runtests.sh) in the VM on the suite's stock and patched
# 7.3 kernels, one boot each, and a table of their verdicts per case. A
# library for scripts/upstream.sh (set -euo pipefail).

# upstream_vm OUTDIR: OUTDIR/run holds what the guest runs; the logs go to
# OUTDIR/vm-KERNEL/, the table to OUTDIR/vm-table.txt (and stderr).
upstream_vm() {
	local o=$1 k img rc=0
	for k in stock patched; do
		img=$cache/kernels/build-7.3/$k/bzImage
		[[ -f $img ]] || "$repo/scripts/build-kernel.sh" "$k" >/dev/null || return 1
		log "vm: $k"
		"$repo/scripts/vm-run.sh" KERNEL="$img" VM_TIMEOUT=900 \
			VM_CMD="$(printf '%q ' scripts/lib/upstream-guest.sh "$o/run" "$o/vm-$k")" \
			>"$o/vm-$k.log" 2>&1 || { log "vm: $k: boot failed ($o/vm-$k.log)"; rc=1; }
	done
	upstream_vm_table "$o" | tee "$o/vm-table.txt" >&2
	return "$rc"
}

# upstream_vm_verdicts LOG: "case verdict" per test line of the kselftest's
# KTAP (nested in the runner's, "# " in front).
upstream_vm_verdicts() {
	awk '/^# (not )?ok [0-9]+ / {
		v = $2 == "not" ? "FAIL" : "pass"
		sub(/^# (not )?ok [0-9]+ /, "")
		if (sub(/^# SKIP /, "")) v = "skip"
		sub(/[: ].*/, ""); print $0, v }' "$1" 2>/dev/null || :
}

# upstream_vm_table OUTDIR: one line per kselftest case, then each runner's
# exit code.
upstream_vm_table() {
	local o=$1 k c
	printf '%-28s %-8s %s\n' 'kselftest case' stock patched
	upstream_vm_verdicts "$o/vm-stock/kselftest.log" >"$o/vm-stock.verdicts"
	upstream_vm_verdicts "$o/vm-patched/kselftest.log" >"$o/vm-patched.verdicts"
	while read -r c; do
		printf '%-28s' "$c"
		for k in stock patched; do
			printf ' %-8s' "$(awk -v c="$c" '$1 == c { print $2 }' "$o/vm-$k.verdicts")"
		done
		echo
	done < <(cut -d' ' -f1 "$o"/vm-*.verdicts | awk '!s[$0]++')
	for k in stock patched; do
		echo "$k: liburing test failed: $(grep -o '[a-z_0-9]*: FAILED' "$o/vm-$k/liburing.log" 2>/dev/null | sed 's/: FAILED//' | paste -sd ' ')"
	done
	for k in stock patched; do
		echo "$k: run_kselftest.sh exit $(cat "$o/vm-$k/kselftest.rc" 2>/dev/null || echo none)," \
			"liburing runtests.sh exit $(cat "$o/vm-$k/liburing.rc" 2>/dev/null || echo none)"
	done
}
