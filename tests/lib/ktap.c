// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP case runner. Each case runs in a child process so that a crash,
 * a hang (per-case alarm) or leaked kernel state (rings, pinned pages)
 * stays inside the case that caused it, and the rest still report.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "t.h"

#define T_MAX_CASES	256
#define T_REASON_LEN	256

struct t_entry {
	char name[96];
	t_fn fn;
	void *variant;
};

static struct t_entry cases[T_MAX_CASES];
static int nr_cases;
static const struct t_entry *current;
/* What the harness must provide before running us (printed by -r). */
#define T_MAX_REQUIRES	8
static const char *requires[T_MAX_REQUIRES];
static int nr_requires;
/* The variables the harness's device setups export to us (-r: "reads:"). */
#define T_MAX_READS	32
static const char *reads[T_MAX_READS];
static int nr_reads;
/* Shared with the case child: why it skipped. */
static char *skip_reason;

void t_add(t_fn fn, const void *variant, size_t size, const char *fmt, ...)
{
	struct t_entry *e;
	va_list ap;

	if (nr_cases == T_MAX_CASES) {
		fprintf(stderr, "too many cases\n");
		exit(2);
	}
	e = &cases[nr_cases++];
	va_start(ap, fmt);
	vsnprintf(e->name, sizeof(e->name), fmt, ap);
	va_end(ap);
	e->fn = fn;
	e->variant = malloc(size ? size : 1);
	if (!e->variant)
		exit(2);
	memcpy(e->variant, variant, size);
}

void t_require(const char *what)
{
	if (nr_requires == T_MAX_REQUIRES) {
		fprintf(stderr, "too many requirements (%d): '%s'\n",
			T_MAX_REQUIRES, what);
		exit(2);
	}
	requires[nr_requires++] = what;
}

void t_reads(const char *what)
{
	if (nr_reads == T_MAX_READS) {
		fprintf(stderr, "too many variables read (%d): '%s'\n", T_MAX_READS, what);
		exit(2);
	}
	reads[nr_reads++] = what;
}

const char *t_name(void)
{
	return current ? current->name : "setup";
}

static void vnote(const char *fmt, va_list ap)
{
	printf("# %s: ", t_name());
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void t_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

int t_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	return T_FAIL;
}

int t_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, T_REASON_LEN, fmt, ap);
	va_end(ap);
	return T_SKIP;
}

static unsigned int case_timeout(void)
{
	const char *s = getenv("FIXBUF_CASE_TIMEOUT");

	return s && atoi(s) > 0 ? (unsigned int)atoi(s) : 20;
}

/*
 * A control cannot show a late lookup: a path component of its name is
 * "inline" (the I/O completes in its first issue). When no other case got
 * a verdict the program tested nothing of the promise and exits 4 (skip),
 * saying why: the harness (harness/lib/judge.sh) has the same rule.
 */
static bool is_control(const char *name)
{
	size_t n = strlen("inline");
	const char *p;

	for (p = name; (p = strstr(p, "inline")); p += n)
		if ((p == name || p[-1] == '/') && (p[n] == '/' || !p[n]))
			return true;
	return false;
}

#define T_MAX_WHY	8
struct t_why {
	char key[T_REASON_LEN];
	int n;
};

/* Drop a last " (...)": the reason as the harness counts it (judge.sh). */
static void strip_paren(char *s)
{
	size_t len = strlen(s);
	char *p = strrchr(s, '(');

	if (len && s[len - 1] == ')' && p && p > s && p[-1] == ' ')
		p[-1] = '\0';
}

/* Count a skip of a case that could show a late lookup under its reason. */
static void count_why(struct t_why *why, int *nr, const char *reason)
{
	char key[T_REASON_LEN];
	char *p;
	int i;

	snprintf(key, sizeof(key), "%s", reason);
	strip_paren(key);
	p = strstr(key, ": ");
	if (p)
		*p = '\0';
	strip_paren(key);
	for (i = 0; i < *nr; i++)
		if (!strcmp(why[i].key, key)) {
			why[i].n++;
			return;
		}
	if (*nr == T_MAX_WHY)
		return;
	snprintf(why[*nr].key, sizeof(why[*nr].key), "%s", key);
	why[(*nr)++].n = 1;
}

/* Run one case in a child; returns its verdict. */
static int run_one(const struct t_entry *e)
{
	int status, v;
	pid_t pid;

	skip_reason[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return t_fail("fork: %m");
	if (pid == 0) {
		current = e;
		alarm(case_timeout());
		v = e->fn(e->variant);
		fflush(stdout);
		_exit(v);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			return t_fail("case hung: no result after %u s",
				      case_timeout());
		return t_fail("case killed by signal %d (%s)", WTERMSIG(status),
			      strsignal(WTERMSIG(status)));
	}
	v = WEXITSTATUS(status);
	if (v != T_PASS && v != T_FAIL && v != T_SKIP)
		return t_fail("case exited with unexpected status %d", v);
	return v;
}

int t_main(int argc, char **argv)
{
	const char *filter = getenv("FIXBUF_FILTER");
	const char *unmet;
	int i, n = 0, pass = 0, fail = 0, skip = 0, tested = 0, opt;
	struct t_why why[T_MAX_WHY];
	int nr_why = 0;
	bool selected[T_MAX_CASES];

	while ((opt = getopt(argc, argv, "lrt:h")) != -1) {
		switch (opt) {
		case 'l':
			for (i = 0; i < nr_cases; i++)
				puts(cases[i].name);
			return 0;
		case 'r':
			for (i = 0; i < nr_requires; i++)
				printf("requires: %s\n", requires[i]);
			for (i = 0; i < nr_reads; i++)
				printf("reads: %s\n", reads[i]);
			return 0;
		case 't':
			filter = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-l] [-r] [-t glob]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (filter && !*filter)
		filter = NULL;
	/* The harness could not provide what we require: skip, saying why. */
	unmet = nr_requires ? getenv("FIXBUF_UNMET") : NULL;
	for (i = 0; i < nr_cases; i++) {
		selected[i] = !filter || !fnmatch(filter, cases[i].name, 0);
		n += selected[i];
	}
	skip_reason = mmap(NULL, T_REASON_LEN, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		return 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t_trace_setup();
	printf("TAP version 13\n1..%d\n", n);
	for (i = 0, n = 0; i < nr_cases; i++) {
		const struct t_entry *e = &cases[i];
		int v;

		if (!selected[i])
			continue;
		n++;
		current = e;
		if (unmet) {
			snprintf(skip_reason, T_REASON_LEN, "%s", unmet);
			v = T_SKIP;
		} else {
			v = run_one(e);
		}
		if (v == T_PASS) {
			pass++;
			tested += !is_control(e->name);
			printf("ok %d %s\n", n, e->name);
		} else if (v == T_SKIP) {
			skip++;
			if (!is_control(e->name))
				count_why(why, &nr_why, skip_reason);
			printf("ok %d %s # SKIP %s\n", n, e->name, skip_reason);
		} else {
			fail++;
			tested++;
			printf("not ok %d %s\n", n, e->name);
		}
		current = NULL;
	}
	t_trace_teardown();
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	if (fail)
		return T_FAIL;
	if (!tested && pass) {
		printf("# NOT TESTED: only the inline controls passed, every case that could show a late lookup skipped");
		for (i = 0; i < nr_why; i++)
			printf("%s %d %s", i ? "," : ":", why[i].n, why[i].key);
		putchar('\n');
	}
	return tested ? T_PASS : T_SKIP;
}
