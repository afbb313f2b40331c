// SPDX-License-Identifier: GPL-2.0
/*
 * The runner's exit status under kselftest (tests/lib/ktap.c): an inline
 * control passes, the case that could show a late lookup skips unless
 * FAKE_PARKED=pass. Only controls passing is a skip (4), not a pass.
 */
#include <stdlib.h>
#include <string.h>
#include "../../../tests/lib/t.h"

static int control(const void *variant)
{
	(void)variant;
	return T_PASS;
}

static int parked(const void *variant)
{
	const char *p = getenv("FAKE_PARKED");

	(void)variant;
	if (p && !strcmp(p, "pass"))
		return T_PASS;
	return t_skip("requires tracefs (root, /sys/kernel/tracing with the io_uring events): the proof that the request parked");
}

int main(int argc, char **argv)
{
	static const int none;

	t_add(control, &none, sizeof(none), "lambda/inline/slot-emptied");
	t_add(parked, &none, sizeof(none), "lambda/defer-taskrun/slot-emptied");
	t_add(parked, &none, sizeof(none), "lambda/defer-taskrun/slot-remapped");
	return t_main(argc, argv);
}
