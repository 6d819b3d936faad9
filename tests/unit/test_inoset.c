// SPDX-License-Identifier: GPL-2.0
/*
 * test_inoset.c - the inode set against a plain bitmap model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "e4d/inoset.h"

static void test_add_once(void **state)
{
	struct e4d_inoset s = { 0 };

	assert_int_equal(e4d_inoset_add(&s, 12), 1);
	assert_int_equal(e4d_inoset_add(&s, 12), 0);
	assert_int_equal(e4d_inoset_add(&s, 0), 1);
	assert_int_equal(e4d_inoset_add(&s, 0), 0);
	assert_int_equal(e4d_inoset_add(&s, UINT64_MAX), 1);
	assert_int_equal(e4d_inoset_add(&s, UINT64_MAX), 0);
	e4d_inoset_clear(&s);
	assert_int_equal(e4d_inoset_add(&s, 12), 1);
	e4d_inoset_clear(&s);
}

static void test_against_model(void **state)
{
	enum { RANGE = 1 << 20, OPS = 300000 };
	unsigned char *model = calloc(RANGE, 1);
	struct e4d_inoset s = { 0 };
	uint64_t x = 88172645463325252ull;
	size_t i, n = 0;

	assert_non_null(model);
	for (i = 0; i < OPS; i++) {
		uint64_t ino;

		x ^= x << 13;	/* xorshift: repeatable */
		x ^= x >> 7;
		x ^= x << 17;
		ino = x % RANGE;
		assert_int_equal(e4d_inoset_add(&s, ino), !model[ino]);
		n += !model[ino];
		model[ino] = 1;
	}
	assert_int_equal(s.n + s.has_zero, n);
	e4d_inoset_clear(&s);
	free(model);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_once),
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
