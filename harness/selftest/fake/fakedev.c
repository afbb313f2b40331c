// SPDX-License-Identifier: GPL-2.0
/*
 * A program of the self-tests (harness/selftest/run) on the fake device of
 * harness/selftest/devices/dev-fakedev.sh: adding a device takes that one
 * file and this one struct t_dev, nothing in the harness or the library.
 * Its node is a file the setup wrote FAKE_TOKEN into.
 */
#include <stdlib.h>
#include <string.h>
#include "../../../tests/lib/t.h"
#include "../../../tests/lib/dev.h"

static const struct t_dev fakedev = {
	.name = "fakedev",
	.node_var = "FIXBUF_FAKEDEV_NODE",
};

/* The node the harness made for this program holds this run's token. */
static int node_readable(const void *variant)
{
	const char *want = getenv("FAKE_TOKEN");
	struct t_dev_env env;
	char got[128];
	int ret;

	(void)variant;
	if ((ret = t_dev_env(&fakedev, &env)))
		return ret;
	if (!want)
		return t_fail("FAKE_TOKEN is not set");
	if ((ret = t_attr_read(env.node, got, sizeof(got))))
		return t_fail("reading %s: %s", env.node, strerror(-ret));
	if (strcmp(got, want))
		return t_fail("%s holds '%s', not '%s'", env.node, got, want);
	return T_PASS;
}

int main(int argc, char **argv)
{
	static const int none;

	t_require_dev(&fakedev);
	t_add(node_readable, &none, sizeof(none), "fakedev/node-readable");
	return t_main(argc, argv);
}
