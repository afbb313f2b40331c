
int main(void)
{
	char why[256];
	const char *name;

	ksft_print_header();
	ksft_set_plan(NR_CASES);
	for (unsigned int i = 0; i < NR_CASES; i++) {
		switch (run_case(i, &name, why, sizeof(why))) {
		case CASE_PASS:
			ksft_test_result_pass("%s\n", name);
			break;
		case CASE_SKIP:
			ksft_test_result_skip("%s: %s\n", name, why);
			break;
		default:
			ksft_test_result_fail("%s: %s\n", name, why);
			break;
		}
	}
	ksft_finished();
}
