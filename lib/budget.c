// SPDX-License-Identifier: GPL-2.0
/*
 * budget.c - time budget and I/O rate limit of a background run.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "e4d/budget.h"

uint64_t e4d_clock_monotonic(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * E4D_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void e4d_budget_init(struct e4d_budget *b, e4d_clock_fn clock,
		     void *clock_arg, uint64_t seconds, uint64_t rate)
{
	unsigned __int128 ns = (unsigned __int128)seconds * E4D_NSEC_PER_SEC;

	b->clock = clock ? clock : e4d_clock_monotonic;
	b->clock_arg = clock_arg;
	b->start = b->clock(b->clock_arg);
	b->deadline = 0;
	if (seconds)
		b->deadline = ns > UINT64_MAX ? UINT64_MAX :
			      sat_add(b->start, (uint64_t)ns);
	b->rate = rate;
	b->bytes = 0;
}

uint64_t e4d_budget_remaining(const struct e4d_budget *b)
{
	uint64_t now;

	if (!b->deadline)
		return UINT64_MAX;
	now = b->clock(b->clock_arg);
	return now >= b->deadline ? 0 : b->deadline - now;
}

bool e4d_budget_is_expired(const struct e4d_budget *b)
{
	return e4d_budget_remaining(b) == 0;
}

uint64_t e4d_budget_elapsed(const struct e4d_budget *b)
{
	uint64_t now = b->clock(b->clock_arg);

	return now > b->start ? now - b->start : 0;
}

uint64_t e4d_ratelimit_delay(uint64_t bytes, uint64_t elapsed, uint64_t rate)
{
	unsigned __int128 need;

	if (!rate)
		return 0;
	need = (unsigned __int128)bytes * E4D_NSEC_PER_SEC / rate;
	if (need <= elapsed)
		return 0;
	need -= elapsed;
	return need > UINT64_MAX ? UINT64_MAX : (uint64_t)need;
}

uint64_t e4d_budget_account(struct e4d_budget *b, uint64_t bytes)
{
	uint64_t delay, left;

	b->bytes = sat_add(b->bytes, bytes);
	delay = e4d_ratelimit_delay(b->bytes, e4d_budget_elapsed(b), b->rate);
	left = e4d_budget_remaining(b);
	return delay < left ? delay : left;
}

int e4d_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / E4D_NSEC_PER_SEC,
		.tv_nsec = ns % E4D_NSEC_PER_SEC,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	return 0;
}
