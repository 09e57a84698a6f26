// SPDX-License-Identifier: GPL-2.0-only
/*
 * deep-canary: a module that commits, on purpose, one of each bug the deep
 * tier's debug kernel must catch, so that `make deep-canary` can prove the
 * tier fails when it should: a use-after-free (KASAN), a shift out of
 * bounds (UBSAN), a sleep in atomic context (DEBUG_ATOMIC_SLEEP), an ABBA
 * lock order (lockdep) and a leak (kmemleak).  Never loaded by normal runs.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static DEFINE_MUTEX(canary_a);
static DEFINE_MUTEX(canary_b);
static DEFINE_SPINLOCK(canary_lock);
static void *canary_leaked;
static int canary_shift = 40;
module_param(canary_shift, int, 0444);

static noinline void canary_uaf(void)
{
	char *p = kmalloc(32, GFP_KERNEL);
	volatile char c;

	if (!p)
		return;
	kfree(p);
	c = READ_ONCE(p[3]);
	(void)c;
}

static noinline void canary_ubsan(void)
{
	volatile unsigned int one = 1;

	pr_info("deep-canary: shifted %u\n", one << canary_shift);
}

static noinline void canary_atomic_sleep(void)
{
	spin_lock(&canary_lock);
	might_sleep();
	spin_unlock(&canary_lock);
}

static noinline void canary_abba(void)
{
	mutex_lock(&canary_a);
	mutex_lock(&canary_b);
	mutex_unlock(&canary_b);
	mutex_unlock(&canary_a);
	mutex_lock(&canary_b);
	mutex_lock(&canary_a);
	mutex_unlock(&canary_a);
	mutex_unlock(&canary_b);
}

static noinline void canary_leak(void)
{
	/* the only reference is scrambled: kmemleak must see it unreferenced */
	canary_leaked = kmalloc(128, GFP_KERNEL);
	canary_leaked = (void *)((unsigned long)canary_leaked ^ 0x5a5a5a5a5a5a5a5aUL);
}

static int __init canary_init(void)
{
	pr_info("deep-canary: committing one bug of each kind\n");
	/*
	 * lockdep first: a KASAN report taints the kernel with
	 * LOCKDEP_NOW_UNRELIABLE, which turns lock debugging off.
	 */
	canary_abba();
	canary_atomic_sleep();
	canary_leak();
	canary_ubsan();
	canary_uaf();
	return 0;
}

static void __exit canary_exit(void)
{
}

module_init(canary_init);
module_exit(canary_exit);
MODULE_DESCRIPTION("cnid deep tier: deliberate bugs the debug kernel must report");
MODULE_LICENSE("GPL");
