# shellcheck shell=bash
# The test program of the upstream series, in its two forms, from one
# source (patches/upstream/tests/cases.c) so the cases cannot drift apart:
#   kselftest: GPL-2.0, KTAP through kselftest.h (kselftest/main.c)
#   liburing:  MIT like liburing's test/, T_EXIT_* codes (liburing/main.c)
# A library: source it from a script running set -euo pipefail.

# upstream_test_source FORM: the assembled C file on stdout.
upstream_test_source() {
	local form=$1 dir=$UPSTREAM_SRC spdx inc
	case $form in
	kselftest)
		spdx='// SPDX-License-Identifier: GPL-2.0'
		inc='#include <liburing.h>\n\n#include "../kselftest.h"'
		;;
	liburing)
		spdx='/* SPDX-License-Identifier: MIT */'
		inc='#include "liburing.h"\n#include "helpers.h"'
		;;
	*) echo "upstream: unknown test form $form" >&2; return 1 ;;
	esac
	echo "$spdx"
	sed "s|^/\* INCLUDES \*/\$|$inc|" "$dir/tests/cases.c"
	cat "$dir/$form/main.c"
}
