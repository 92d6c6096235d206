// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-core pool, behaviour only: size classes, exhaustion, statistics,
 * refusal (and counting) of calls from another CPU, bad and double puts.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "isolator.h"
#include "tap.h"

static int pin(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct misuse {
	struct isolator_pool *pool;
	unsigned cpu;
	void *obj;
	void *got;
	int get_errno, put_ret;
};

static void *other_cpu(void *arg)
{
	struct misuse *m = arg;

	pin(m->cpu);
	errno = 0;
	m->got = isolator_pool_get(m->pool, 32);
	m->get_errno = errno;
	m->put_ret = isolator_pool_put(m->pool, m->obj);
	return NULL;
}

int main(void)
{
	struct isolator_pool_class classes[] = { { 256, 4 }, { 24, 8 } };
	struct isolator_cpuset online;
	struct isolator_pool_stats st;
	struct isolator_pool_info info;
	struct isolator_pool *p;
	unsigned cpus[2], n = 0;
	void *small[9], *big[5];

	isolator_cpus_online(NULL, &online);
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS && n < 2; c++)
		if (isolator_cpuset_has(&online, c))
			cpus[n++] = c;
	ok(pin(cpus[0]) == 0, "pinned to CPU %u", cpus[0]);

	p = isolator_pool_new(cpus[0], classes, 2);
	ok(p != NULL, "pool for CPU %u with classes 24 x 8 and 256 x 4", cpus[0]);
	is_int(isolator_pool_info(p, &info), 0, "info");
	ok(info.cpu == (int)cpus[0] && info.nclasses == 2 && info.bytes >= 8 * 32 + 4 * 256,
	   "%zu bytes, locked %d, huge pages %d", info.bytes, info.locked, info.huge_pages);
	is_int(isolator_pool_class_stats(p, 0, &st), 0, "class 0 stats");
	ok(st.size == 32 && st.count == 8 && st.in_use == 0, "class 0 is the small one, rounded to 32 bytes");

	int distinct = 1, aligned = 1;
	for (int i = 0; i < 8; i++) {
		small[i] = isolator_pool_get(p, 20);
		aligned &= small[i] && ((uintptr_t)small[i] % 16) == 0;
		for (int k = 0; k < i; k++)
			distinct &= small[i] != small[k];
		memset(small[i], 0xa5, 32);
	}
	ok(aligned && distinct, "8 distinct 16-byte aligned objects from the small class");
	isolator_pool_class_stats(p, 0, &st);
	ok(st.in_use == 8 && st.high_water == 8, "in use 8, high water 8");
	small[8] = isolator_pool_get(p, 20);
	isolator_pool_class_stats(p, 1, &st);
	ok(small[8] != NULL && st.in_use == 1, "small class empty: the next class serves");
	for (int i = 0; i < 3; i++)
		big[i] = isolator_pool_get(p, 200);
	errno = 0;
	big[3] = isolator_pool_get(p, 200);
	ok(big[3] == NULL && errno == ENOMEM, "every class exhausted: NULL, ENOMEM");
	errno = 0;
	ok(isolator_pool_get(p, 4096) == NULL && errno == ENOMEM, "larger than every class: ENOMEM");
	ok(isolator_pool_get(p, 0) == NULL && errno == EINVAL, "size 0: EINVAL");

	is_int(isolator_pool_put(p, small[3]), 0, "put one back");
	isolator_pool_class_stats(p, 0, &st);
	ok(st.in_use == 7 && st.high_water == 8, "in use 7, high water stays 8");
	ok(isolator_pool_get(p, 20) == small[3], "the freed object comes back first (LIFO, warm in cache)");
	is_int(isolator_pool_put(p, (char *)small[2] + 8), -EINVAL, "a pointer inside an object: -EINVAL");
	int stack_var;
	is_int(isolator_pool_put(p, &stack_var), -EINVAL, "a pointer from elsewhere: -EINVAL");
	is_int(isolator_pool_put(p, big[0]), 0, "put a big one");
#ifndef NDEBUG
	is_int(isolator_pool_put(p, big[0]), -EALREADY, "putting it twice is detected (debug build): -EALREADY");
	isolator_pool_info(p, &info);
	is_int(info.bad_puts, 3, "three bad puts counted");
#else
	diag("release build: double puts are not tracked");
#endif

	if (n == 2) {
		struct misuse m = { .pool = p, .cpu = cpus[1], .obj = small[0] };
		pthread_t t;

		pthread_create(&t, NULL, other_cpu, &m);
		pthread_join(t, NULL);
		ok(m.got == NULL && m.get_errno == EXDEV, "get on CPU %u: refused with EXDEV", cpus[1]);
		is_int(m.put_ret, -EXDEV, "put on CPU %u: refused with -EXDEV", cpus[1]);
		isolator_pool_info(p, &info);
		is_int(info.refused, 2, "both refusals counted");
		isolator_pool_class_stats(p, 0, &st);
		is_int(st.in_use, 8, "and nothing changed in the pool");
	} else {
		ok(1, "# SKIP one CPU online: no other CPU to misuse the pool from");
	}

	ok(isolator_pool_new(ISOLATOR_MAX_CPUS - 1, classes, 2) == NULL && errno == EINVAL,
	   "a pool for a CPU that is not online: EINVAL");
	struct isolator_pool_class zero = { 0, 4 };
	ok(isolator_pool_new(cpus[0], &zero, 1) == NULL && errno == EINVAL, "a class of 0 bytes: EINVAL");
	ok(isolator_pool_new(cpus[0], classes, 0) == NULL && errno == EINVAL, "no classes: EINVAL");
	isolator_pool_free(p);
	isolator_pool_free(NULL);
	ok(1, "isolator_pool_free(NULL) is a no-op");
	return done_testing();
}
