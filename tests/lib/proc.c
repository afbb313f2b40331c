// SPDX-License-Identifier: GPL-2.0
/* Process state: procfs, file descriptors. */
#include <stdio.h>
#include <unistd.h>
#include "t.h"

long t_vmpin_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

void t_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}
