/* SPDX-License-Identifier: GPL-2.0 */
/*
 * budget.h - how much work a background run may do: a time budget (a
 * deadline on the monotonic clock) and an I/O rate limit enforced between
 * chunks. Pure logic; the clock is injectable so tests need no sleeping.
 */
#ifndef E4D_BUDGET_H
#define E4D_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#define E4D_NSEC_PER_SEC	1000000000ull

/* Returns the time in nanoseconds on a clock that never goes backwards. */
typedef uint64_t (*e4d_clock_fn)(void *arg);

struct e4d_budget {
	e4d_clock_fn clock;
	void *clock_arg;
	uint64_t start;		/* clock at e4d_budget_init(), ns */
	uint64_t deadline;	/* clock value when time is up; 0 = none */
	uint64_t rate;		/* bytes per second; 0 = unlimited */
	uint64_t bytes;		/* accounted so far */
};

/**
 * e4d_clock_monotonic() - CLOCK_MONOTONIC in nanoseconds
 * @arg: unused (e4d_clock_fn signature)
 *
 * Return: nanoseconds since an arbitrary point.
 */
uint64_t e4d_clock_monotonic(void *arg);

/**
 * e4d_budget_init() - start a budget now
 * @b: budget to fill
 * @clock: clock to read; NULL means e4d_clock_monotonic()
 * @clock_arg: argument passed to @clock
 * @seconds: time budget; 0 means unlimited
 * @rate: bytes per second; 0 means unlimited
 */
void e4d_budget_init(struct e4d_budget *b, e4d_clock_fn clock,
		     void *clock_arg, uint64_t seconds, uint64_t rate);

/**
 * e4d_budget_is_expired() - whether the time budget is used up
 * @b: budget
 *
 * Return: true once the clock has reached the deadline; never true
 * without a time budget.
 */
bool e4d_budget_is_expired(const struct e4d_budget *b);

/**
 * e4d_budget_remaining() - time left before the deadline
 * @b: budget
 *
 * Return: nanoseconds left, 0 when expired, UINT64_MAX without a budget.
 */
uint64_t e4d_budget_remaining(const struct e4d_budget *b);

/**
 * e4d_budget_elapsed() - time since e4d_budget_init()
 * @b: budget
 *
 * Return: nanoseconds.
 */
uint64_t e4d_budget_elapsed(const struct e4d_budget *b);

/**
 * e4d_ratelimit_delay() - how long to wait so that an average rate holds
 * @bytes: bytes done since the start
 * @elapsed: nanoseconds since the start
 * @rate: allowed bytes per second; 0 means unlimited
 *
 * Pure. @bytes at @rate take bytes / rate seconds; whatever of that has not
 * elapsed yet is the delay. Saturates instead of overflowing.
 *
 * Return: nanoseconds to sleep before the next chunk (0: go on at once).
 */
uint64_t e4d_ratelimit_delay(uint64_t bytes, uint64_t elapsed, uint64_t rate);

/**
 * e4d_budget_account() - add the bytes of a finished chunk
 * @b: budget
 * @bytes: bytes just read and written
 *
 * Return: nanoseconds to sleep before the next chunk to keep the rate,
 * never more than the time left before the deadline.
 */
uint64_t e4d_budget_account(struct e4d_budget *b, uint64_t bytes);

/**
 * e4d_sleep_ns() - sleep on CLOCK_MONOTONIC, resuming after signals
 * @ns: nanoseconds
 *
 * Return: 0.
 */
int e4d_sleep_ns(uint64_t ns);

#endif
