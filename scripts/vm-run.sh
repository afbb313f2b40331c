#!/usr/bin/env bash
set -euo pipefail
# The VM gate: boot a kernel under virtme-ng (TCG, one vCPU), run the suite
# inside as root, exit with the harness's exit code.
#   scripts/vm-run.sh [KERNEL=debian|debian:[SUITE/]VERSION|PATH] [T=GLOB] [EXPECT=FILE] [SLOW=1] [RESULTS=DIR] [TESTS_DIR=DIR] [HARNESS=DIR] [VM_TIMEOUT=600] [KEEP=20]
# Also from the environment. VM_CMD replaces the guest command (plumbing tests);
# VM_MEM (2G), VM_CPUS (1; ublk gives a device one queue per CPU), VM_FS
# (9p|virtiofs), VM_KVM=1 (the KVM here cannot run Debian's kernel);
# VM_RODIRS: host directories (space-separated) the guest sees read-only at
# their own path even where virtme hides it (/var/cache: built peer suites).
# A panic, hang or boot failure exits 1, with the console in results/vm-*/console.log.

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR/..
{
	source "$repo/harness/lib/args.sh"
	source "$repo/harness/lib/keep.sh"
}
usage() {
	sed -n '5p' "$0" | sed 's/^# */usage: /' >&2
	echo "See docs/vm-gate.md; make help lists the options." >&2
}
case ${1:-} in -h | --help) usage && exit 0 ;; esac
ARGS_SEE='scripts/vm-run.sh -h'
args_export vm-run 'KERNEL T EXPECT SLOW RESULTS TESTS_DIR HARNESS VM_TIMEOUT VM_CMD VM_MEM VM_CPUS VM_FS VM_KVM VM_RODIRS KEEP' "$@" || exit 2
# Bad input before anything is fetched, built or created: exit 2, one line.
bad() { echo "vm-run: $*" >&2; exit 2; }
[[ ${VM_CPUS:-1} =~ ^[1-9][0-9]?$ ]] || bad "VM_CPUS must be 1-99, not '$VM_CPUS'"
[[ ${VM_TIMEOUT:-600} =~ ^[1-9][0-9]*$ ]] || bad "VM_TIMEOUT must be a number of seconds, not '$VM_TIMEOUT'"
[[ -z ${SLOW:-} || $SLOW =~ ^[01]$ ]] || bad "SLOW='$SLOW' is not 0 or 1"
[[ -z ${EXPECT:-} || -r $EXPECT ]] || bad "EXPECT: cannot read '$EXPECT'"
keep_check vm-run || exit 2
# RESULTS= must lie under results/, the one directory the guest may write.
res=''
if [[ -n ${RESULTS:-} ]]; then
	res=$(realpath -m "$RESULTS")
	[[ $res == "$repo/results" || $res == "$repo/results/"* ]] || bad "RESULTS must be under $repo/results"
fi
run_id=vm-$(date +%Y%m%d-%H%M%S)-$$
out=$repo/results/$run_id

# The kernel first: a SPEC fetch-kernel.sh refuses (exit 2, its message)
# leaves no results directory behind.
kimg=$("$repo/scripts/fetch-kernel.sh" "${KERNEL:-debian}") || exit $?
mkdir -p "$out"
keep_lock "$out"
keep_prune "$repo/results"
console=$out/console.log
# Without RESULTS= the guest's run lands in this run's directory, and
# results/latest points at it once the VM is done.
res=${res:-$out}
# Debian's 6.19-7.1 backports survive in the archive without their modules
# package (fetch-kernel.sh says modules=none): no 9p, but virtiofs is built
# in. Such a kernel boots over virtiofs, and the repository (results/
# included) is a second virtiofs share the guest mounts itself.
nomods=0
! grep -qsx modules=none "${kimg%/root/*}/fetch-info" || nomods=1
if [[ -z ${VM_CMD:-} ]]; then
	# HARNESS= runs a harness copied elsewhere (a frozen one, for the matrix).
	harness=$(realpath -m "${HARNESS:-$repo/harness}")
	[[ -x $harness/run ]] || { echo "vm-run: no $harness/run (VM_CMD unset)" >&2; exit 1; }
	# TESTS_DIR= runs programs built elsewhere (a frozen set, for the matrix).
	if [[ -z ${TESTS_DIR:-} ]]; then
		make -s -C "$repo/tests" >&2
	else
		cmd_tests=" TESTS_DIR=$(printf %q "$(realpath "$TESTS_DIR")")"
	fi
	cmd="$(printf %q "$harness")/run RESULTS=$(printf %q "$res")${cmd_tests:-}"
	[[ -z ${T:-} ]] || cmd+=" T=$(printf %q "$T")"
	[[ -z ${EXPECT:-} ]] || cmd+=" EXPECT=$(printf %q "$(realpath "$EXPECT")")"
	[[ -z ${SLOW:-} ]] || cmd+=" SLOW=$(printf %q "$SLOW")"
	[[ -z ${KEEP:-} ]] || cmd+=" KEEP=$(printf %q "$KEEP")"
else
	cmd=$VM_CMD
fi
# Module-less kernels mount their shares themselves (below): results/, and
# first the checkout itself where the guest hides it.
hidden=0
case $repo/ in
/tmp/* | /var/tmp/* | /run/* | /var/cache/* | /var/log/* | /var/lib/* | /dev/shm/*) hidden=1 ;;
esac
if ((nomods)); then
	mnt="mount -t virtiofs fixbufres $(printf %q "$repo/results")"
	# Under the guest's tmpfs the path is not there yet: virtme's --cwd would
	# kill its init, so the command makes it and goes there itself.
	((!hidden)) || mnt="mkdir -p $(printf %q "$repo") && mount -t virtiofs fixbufrepo $(printf %q "$repo") && $mnt"
	# No tmpfs over /tmp in this guest: the host's, read-only. The tests'
	# scratch files (the io-wq barrier's FIFO) go there: give it one, first,
	# so a checkout under /tmp is mounted on top of it.
	mnt="{ [ -w /tmp ] || mount -t tmpfs -o mode=1777 tmpfs /tmp; } && $mnt"
	cmd="$mnt && cd $(printf %q "$repo") && $cmd"
fi

# shellcheck disable=SC2317 # called from the EXIT traps
vfs_stop() {
	local p
	# The wrapper's daemon is its child.
	for p in ${vfs_pids[@]+"${vfs_pids[@]}"}; do pkill -P "$p" 2>/dev/null || :; kill "$p" 2>/dev/null || :; done
	for p in ${vfs_pids[@]+"${vfs_pids[@]}"}; do wait "$p" 2>/dev/null || :; done
	[[ -z ${vfs_dir:-} ]] || rm -rf -- "$vfs_dir"
}

# Wait for a daemon's socket and pass it to qemu under TAG.
vfs_plug() {
	local tag=$1 _
	for _ in $(seq 250); do
		[[ -S $vfs_dir/$tag.sock ]] && break
		sleep 0.02
	done
	qemu_share+=" -chardev socket,id=$tag,path=$vfs_dir/$tag.sock -device vhost-user-fs-pci,chardev=$tag,tag=$tag"
}

# The guest sees the host's root read-only, but virtme's init puts tmpfs
# over /tmp, /var/tmp, /run, /var/cache, /var/log, /var/lib and /dev/shm: a
# checkout under one of them (a CI runner's, say) is mounted back at its own
# path. With 9p writable, since virtme mounts every --rwdir before any
# --rodir and a read-only repo would hide results/; the harness only writes
# results/.
dirs=()
vfs_pids=()
if ((nomods)); then
	# virtiofs: results/ is the one writable share (qemu's C daemon, as
	# root); a hidden checkout is shared read-only by the wrapper vng uses
	# for the root. Their messages (a disconnect says "Unexpected poll revents")
	# go to virtiofsd.log next to the console.
	vfs_dir=$(mktemp -d /tmp/fixbuf-vfs.XXXXXX)
	trap vfs_stop EXIT
	qemu_share=''
	if ((hidden)); then
		"$repo/scripts/lib/virtiofs/virtiofsd" --socket-path "$vfs_dir/fixbufrepo.sock" \
			--shared-dir "$repo" -o cache=none 2>>"$out/virtiofsd.log" &
		vfs_pids+=($!)
		vfs_plug fixbufrepo
	fi
	/usr/lib/qemu/virtiofsd --socket-path="$vfs_dir/fixbufres.sock" -o source="$repo/results" \
		-o cache=none -o sandbox=chroot -o log_level=err 2>>"$out/virtiofsd.log" &
	vfs_pids+=($!)
	vfs_plug fixbufres
	VM_FS=virtiofs
	PATH=$repo/scripts/lib/virtiofs:$PATH
else
	((!hidden)) || dirs+=(--rwdir "$repo")
	dirs+=(--rwdir "$repo/results")
fi
cwd=$repo
((!nomods || !hidden)) || cwd=/
vng_args=(--run "$kimg" --name "$run_id" --cpus "${VM_CPUS:-1}" --memory "${VM_MEM:-2G}" --cwd "$cwd"
	"${dirs[@]}"
	# ttyS0 is virtme's (to /dev/null) and 8250 can register only one console,
	# so ttyS1 gets a polled earlycon that keep_bootcon keeps: warnings, oopses, panics.
	# oops=panic + virtme's panic=-1 and -no-reboot: a dead guest ends qemu.
	--qemu-opts "-serial file:$console${qemu_share:-}" --append "earlycon=uart8250,io,0x2f8,115200 keep_bootcon loglevel=5 oops=panic"
	--exec "$cmd")
# The guest hides /var/cache under a tmpfs, and with it the fetched kernel's
# modules that virtme links to: mount them back at the same path.
moddir=$(dirname "$kimg")
[[ ! -f $moddir/modules.dep ]] || vng_args+=(--rodir "$moddir")
for d in ${VM_RODIRS:-}; do
	[[ -d $d ]] || { echo "vm-run: VM_RODIRS: no directory $d" >&2; exit 2; }
	vng_args+=(--rodir "$(realpath "$d")")
done
[[ ${VM_KVM:-0} == 1 ]] || vng_args+=(--disable-kvm)
# 9p by default: the host enforces the read-only root, and no daemon. VM_FS=virtiofs
# lets vng use a Rust virtiofsd from PATH (bookworm has none; vng then falls back to 9p).
[[ ${VM_FS:-9p} == virtiofs ]] || vng_args+=(--force-9p)

# virtme-ng as unpacked by install-vm-deps.sh (not installed in the system).
PATH=${FIXBUF_TOOLS:-/opt/fixbuf-order}/virtme-ng/bin:$PATH

# vng in its own session, so every process it starts (virtme-run, qemu,
# virtiofsd) can be found and killed. stdin: CI has none, qemu wants one.
limit=${VM_TIMEOUT:-600}
# qemu reopens /proc/self/fd/1 and 2: a regular file there would be truncated
# and written at offset 0 by each port, so give it pipes.
# The guest's stdout (its KTAP stream) is kept too: guest.ktap.
exec {out_fd}> >(tee "$out/guest.ktap") && out_pid=$!
exec {err_fd}> >(cat >&2) && err_pid=$!
setsid vng "${vng_args[@]}" </dev/null 1>&"$out_fd" 2>&"$err_fd" &
sid=$!
exec {out_fd}>&- {err_fd}>&-
# If this script is stopped, the VM must not outlive it.
trap 'pkill -KILL -s "$sid" 2>/dev/null || true; vfs_stop' EXIT
# Interrupted: the VM goes (EXIT trap), the run says so; 130, 143, 129.
# shellcheck disable=SC2317 # called from the traps
vm_interrupted() {
	trap '' INT TERM HUP
	printf 'INTERRUPTED by SIG%s: the VM was stopped, the guest wrote no summary\nconsole: %s\n' "$1" "$console" >"$out/summary"
	echo "vm-run: INTERRUPTED by SIG$1: the VM was stopped; console: $console" >&2
	exit "$2"
}
trap 'vm_interrupted INT 130' INT
trap 'vm_interrupted TERM 143' TERM
trap 'vm_interrupted HUP 129' HUP
running() { [[ $(ps -o stat= -p "$sid") == [^Z]* ]]; }
alive() { pgrep -s "$sid" -r R,S,D,T,I >/dev/null; }
deadline=$((SECONDS + limit))
while running && ((SECONDS < deadline)); do sleep 1; done
timed_out=0
if running; then
	# qemu first: virtme then reaps it and returns; the rest only if it does not.
	timed_out=1
	pkill -TERM -s "$sid" -f '^[^ ]*qemu-system' || true
	for _ in {1..15}; do alive && sleep 1; done
	pkill -KILL -s "$sid" || true
fi
rc=0
wait "$sid" || rc=$?
wait "$out_pid" "$err_pid" || true
sleep 0.2
if alive; then
	echo "vm-run: processes left in session $sid:" >&2
	pgrep -a -s "$sid" >&2 || true
	rc=255
fi

why=''
((timed_out)) && why="timeout after $limit s"
# vng returns 255 when the guest wrote no exit code: panic, boot failure.
((rc == 255)) && why=${why:-guest died before the command finished (panic, boot failure)}
if grep -qE 'Kernel panic|Oops:|BUG: ' "$console"; then
	why=${why:-kernel panic/oops on the console}
fi
if [[ -n $why ]]; then
	printf 'FAILED: %s\nconsole: %s\n' "$why" "$console" >"$out/summary"
	echo "vm-run: FAILED: $why; console: $console" >&2
	tail -n 40 "$console" >&2
	exit 1
fi

# The closing summary: the guest run's directory (its summary, junit.xml),
# what the exit status means, and the closing count line last.
rundir=$(sed -n 's/^# results: //p' "$out/guest.ktap" 2>/dev/null | tail -n 1)
if [[ $res == "$out" && -n $rundir && -d $rundir ]]; then
	ln -sfn "${rundir#"$repo/results/"}" "$repo/results/latest"
fi
case $rc in
0) what="no failure" ;;
1) what="failures" ;;
2) what="bad input" ;;
4) what="nothing tested: no case that could show a late lookup got a verdict" ;;
129 | 130 | 143) what="the guest run was interrupted" ;;
*) what="unexpected status" ;;
esac
echo "vm-run: ${KERNEL:-debian}: exit $rc ($what); console: $console" >&2
if [[ -n $rundir && -f $rundir/summary ]]; then
	echo "vm-run: results: $rundir (summary, junit.xml, results.ktap)" >&2
	tail -n 1 "$rundir/summary" >&2
fi
exit "$rc"
