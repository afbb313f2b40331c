// SPDX-License-Identifier: GPL-2.0
/*
 * Can this process use io_uring at all? Exit 0 if so; otherwise one line
 * saying why and the kselftest skip code, so a runner skips the suite
 * with the reason instead of reporting every case.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <liburing.h>

int main(void)
{
	struct io_uring ring;
	int ret = io_uring_queue_init(2, &ring, 0);

	if (!ret) {
		io_uring_queue_exit(&ring);
		return 0;
	}
	if (ret == -ENOSYS)
		printf("io_uring not available: kernel built without CONFIG_IO_URING or syscall filtered (ENOSYS)\n");
	else if (ret == -EPERM)
		printf("io_uring not permitted: kernel.io_uring_disabled or a seccomp filter (EPERM)\n");
	else
		printf("io_uring_setup failed: %s\n", strerror(-ret));
	return 4;
}
