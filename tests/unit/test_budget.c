// SPDX-License-Identifier: GPL-2.0
/*
 * test_budget.c - time budget and rate limit with a fake clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "e4d/budget.h"

#define SEC	E4D_NSEC_PER_SEC
#define MIB	(1ull << 20)

static uint64_t fake_clock(void *arg)
{
	return *(uint64_t *)arg;
}

static void test_delay_pure(void **state)
{
	/* unlimited */
	assert_int_equal(e4d_ratelimit_delay(1ull << 40, 0, 0), 0);
	/* 100 MiB at 50 MiB/s take 2 s; 0.5 s gone: 1.5 s to wait */
	assert_int_equal(e4d_ratelimit_delay(100 * MIB, SEC / 2, 50 * MIB),
			 3 * SEC / 2);
	/* exactly on time, and behind schedule */
	assert_int_equal(e4d_ratelimit_delay(100 * MIB, 2 * SEC, 50 * MIB), 0);
	assert_int_equal(e4d_ratelimit_delay(100 * MIB, 9 * SEC, 50 * MIB), 0);
	/* nothing done yet */
	assert_int_equal(e4d_ratelimit_delay(0, 0, 1), 0);
	/* huge byte counts do not overflow: 2^64-1 bytes at 1 B/s saturate */
	assert_int_equal(e4d_ratelimit_delay(UINT64_MAX, 0, 1), UINT64_MAX);
	/* 2^63 bytes at 2^40 B/s = 2^23 s, representable in ns */
	assert_int_equal(e4d_ratelimit_delay(1ull << 63, 0, 1ull << 40),
			 (1ull << 23) * SEC);
}

static void test_deadline(void **state)
{
	uint64_t now = 1000 * SEC;
	struct e4d_budget b;

	e4d_budget_init(&b, fake_clock, &now, 60, 0);
	assert_false(e4d_budget_is_expired(&b));
	assert_int_equal(e4d_budget_remaining(&b), 60 * SEC);
	now += 59 * SEC;
	assert_false(e4d_budget_is_expired(&b));
	assert_int_equal(e4d_budget_remaining(&b), SEC);
	assert_int_equal(e4d_budget_elapsed(&b), 59 * SEC);
	now += SEC;
	assert_true(e4d_budget_is_expired(&b));
	assert_int_equal(e4d_budget_remaining(&b), 0);
	now += 3600 * SEC;
	assert_true(e4d_budget_is_expired(&b));
}

static void test_no_deadline(void **state)
{
	uint64_t now = 5;
	struct e4d_budget b;

	e4d_budget_init(&b, fake_clock, &now, 0, 0);
	now = UINT64_MAX - 1;
	assert_false(e4d_budget_is_expired(&b));
	assert_int_equal(e4d_budget_remaining(&b), UINT64_MAX);
	/* a huge budget saturates instead of wrapping into the past */
	now = 5;
	e4d_budget_init(&b, fake_clock, &now, UINT64_MAX, 0);
	assert_false(e4d_budget_is_expired(&b));
}

static void test_account(void **state)
{
	uint64_t now = 0;
	struct e4d_budget b;

	e4d_budget_init(&b, fake_clock, &now, 10, 10 * MIB);
	/* 8 MiB chunks at 10 MiB/s: each should take 0.8 s */
	assert_int_equal(e4d_budget_account(&b, 8 * MIB), 8 * SEC / 10);
	now += 8 * SEC / 10;		/* slept as told */
	assert_int_equal(e4d_budget_account(&b, 8 * MIB), 8 * SEC / 10);
	now += 2 * SEC;			/* the next chunk was slow */
	assert_int_equal(e4d_budget_account(&b, 8 * MIB), 0);
	assert_int_equal(b.bytes, 24 * MIB);
	/* never sleep past the deadline: 2.8 s gone, 7.2 s left */
	assert_int_equal(e4d_budget_account(&b, 1000 * MIB), 72 * SEC / 10);
}

static void test_real_clock(void **state)
{
	struct e4d_budget b;
	uint64_t t0 = e4d_clock_monotonic(NULL);

	e4d_sleep_ns(2000000);
	assert_true(e4d_clock_monotonic(NULL) - t0 >= 2000000);
	e4d_budget_init(&b, NULL, NULL, 1, 0);
	assert_false(e4d_budget_is_expired(&b));
	assert_true(e4d_budget_remaining(&b) <= SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_pure),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_no_deadline),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_real_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
