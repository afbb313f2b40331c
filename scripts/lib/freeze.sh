# shellcheck shell=bash
# freeze_suite DIR: DIR/tests, the test programs built from the tree as it is
# now, and DIR/harness, a copy of the harness. A long job (every kernel of the
# matrix, every run of repeat-vm.sh) then runs the same programs under the
# same harness throughout, even while someone edits the tree. Run from the
# repository root.
freeze_suite() {
	local dir
	dir=$(realpath -m "$1")
	mkdir -p "$dir"
	make -s -C tests OUTPUT="$dir/tests"
	cp -r harness "$dir/harness"
}
