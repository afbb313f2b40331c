
int main(int argc, char *argv[])
{
	int failed = 0, passed = 0;
	const char *name;
	char why[256];

	if (argc > 1)
		return T_EXIT_SKIP;
	for (unsigned int i = 0; i < NR_CASES; i++) {
		switch (run_case(i, &name, why, sizeof(why))) {
		case CASE_PASS:
			passed++;
			break;
		case CASE_SKIP:
			fprintf(stderr, "%s: skipped: %s\n", name, why);
			break;
		default:
			fprintf(stderr, "%s: FAILED: %s\n", name, why);
			failed++;
			break;
		}
	}
	if (failed)
		return T_EXIT_FAIL;
	return passed ? T_EXIT_PASS : T_EXIT_SKIP;
}
