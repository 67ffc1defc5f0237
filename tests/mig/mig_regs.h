/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mig_regs.h: CPU registers held across a spin loop (mig_state).
 *
 * One asm statement loads known values into xmm0-15 (ymm0-15 when the CPU
 * and the kernel have AVX), rbx and r8-r15, MXCSR (round toward zero) and
 * the x87 control word (truncate), spins until *stop is set or the budget
 * is spent, then stores them all back; the caller compares.  A process
 * frozen for migration in the middle of the loop (a timer or the freeze
 * request interrupts it there) must come back with every one of them
 * intact.  The node's name is read before and after: "moved" counts the
 * spins during which the process changed node.
 */
#ifndef MIG_REGS_H
#define MIG_REGS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mig_regs {
	uint8_t v[16][32];	/* xmm (16 bytes) or ymm (32) */
	uint64_t g[9];		/* rbx, r8 .. r15 */
	uint32_t mxcsr;
	uint16_t fcw, pad;
	uint32_t saved_mxcsr;	/* the caller's, put back after the loop */
	uint16_t saved_fcw, pad2;
};
_Static_assert(offsetof(struct mig_regs, g) == 512, "asm offsets");
_Static_assert(offsetof(struct mig_regs, mxcsr) == 584, "asm offsets");
_Static_assert(offsetof(struct mig_regs, fcw) == 588, "asm offsets");
_Static_assert(offsetof(struct mig_regs, saved_mxcsr) == 592, "asm offsets");
_Static_assert(offsetof(struct mig_regs, saved_fcw) == 596, "asm offsets");

#define MIG_MXCSR	0x7f80		/* all exceptions masked, round toward zero */
#define MIG_FCW		0x0f7f		/* all exceptions masked, 64-bit precision, truncate */

struct mig_regs_stats {
	unsigned int holds, holds_moved, spins, spins_moved, bad;
	char first_bad[256];
};

#define MIG_LD(ins, r, i)	ins " " #i "*32(%[w]), %%" r #i "\n\t"
#define MIG_ST(ins, r, i)	ins " %%" r #i ", " #i "*32(%[g])\n\t"
#define MIG_ALL(m, ins, r)							\
	m(ins, r, 0) m(ins, r, 1) m(ins, r, 2) m(ins, r, 3) m(ins, r, 4) m(ins, r, 5)	\
	m(ins, r, 6) m(ins, r, 7) m(ins, r, 8) m(ins, r, 9) m(ins, r, 10) m(ins, r, 11)	\
	m(ins, r, 12) m(ins, r, 13) m(ins, r, 14) m(ins, r, 15)

#define MIG_GPR_LOAD								\
	"mov 512(%[w]), %%rbx\n\t" "mov 520(%[w]), %%r8\n\t"			\
	"mov 528(%[w]), %%r9\n\t" "mov 536(%[w]), %%r10\n\t"			\
	"mov 544(%[w]), %%r11\n\t" "mov 552(%[w]), %%r12\n\t"			\
	"mov 560(%[w]), %%r13\n\t" "mov 568(%[w]), %%r14\n\t"			\
	"mov 576(%[w]), %%r15\n\t"						\
	"stmxcsr 592(%[g])\n\t" "fnstcw 596(%[g])\n\t"				\
	"ldmxcsr 584(%[w])\n\t" "fldcw 588(%[w])\n\t"
#define MIG_SPIN								\
	"1:\n\t"								\
	"cmpl $0, (%[stop])\n\t"						\
	"jne 2f\n\t"								\
	"sub $1, %[n]\n\t"							\
	"jnz 1b\n"								\
	"2:\n\t"
#define MIG_GPR_STORE								\
	"mov %%rbx, 512(%[g])\n\t" "mov %%r8, 520(%[g])\n\t"			\
	"mov %%r9, 528(%[g])\n\t" "mov %%r10, 536(%[g])\n\t"			\
	"mov %%r11, 544(%[g])\n\t" "mov %%r12, 552(%[g])\n\t"			\
	"mov %%r13, 560(%[g])\n\t" "mov %%r14, 568(%[g])\n\t"			\
	"mov %%r15, 576(%[g])\n\t"						\
	"stmxcsr 584(%[g])\n\t" "fnstcw 588(%[g])\n\t"				\
	"ldmxcsr 592(%[g])\n\t" "fldcw 596(%[g])\n\t"
#define MIG_CLOBBERS								\
	"memory", "cc", "rbx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",	\
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",	\
	"xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static inline unsigned long mig_hold_sse(const struct mig_regs *w, struct mig_regs *g,
				  volatile sig_atomic_t *stop, unsigned long n)
{
	asm volatile(MIG_ALL(MIG_LD, "movdqu", "xmm") MIG_GPR_LOAD MIG_SPIN
		     MIG_ALL(MIG_ST, "movdqu", "xmm") MIG_GPR_STORE
		     : [n] "+r"(n)
		     : [w] "r"(w), [g] "r"(g), [stop] "r"(stop)
		     : MIG_CLOBBERS);
	return n;
}

static inline unsigned long mig_hold_avx(const struct mig_regs *w, struct mig_regs *g,
				  volatile sig_atomic_t *stop, unsigned long n)
{
	asm volatile(MIG_ALL(MIG_LD, "vmovdqu", "ymm") MIG_GPR_LOAD MIG_SPIN
		     MIG_ALL(MIG_ST, "vmovdqu", "ymm") MIG_GPR_STORE "vzeroupper\n\t"
		     : [n] "+r"(n)
		     : [w] "r"(w), [g] "r"(g), [stop] "r"(stop)
		     : MIG_CLOBBERS);
	return n;
}

static inline int mig_regs_avx(void)
{
	static int avx = -1;

	if (avx < 0) {
		__builtin_cpu_init();
		avx = __builtin_cpu_supports("avx") ? 1 : 0;
	}
	return avx;
}

static inline bool mig_regs_compare(const struct mig_regs *w, const struct mig_regs *g, char *why, size_t len)
{
	static const char *const gpr[9] = { "rbx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	size_t width = mig_regs_avx() ? 32 : 16, i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < width; j++)
			if (w->v[i][j] != g->v[i][j]) {
				snprintf(why, len, "%smm%zu byte %zu: %#x, want %#x", width == 32 ? "y" : "x",
					 i, j, g->v[i][j], w->v[i][j]);
				return false;
			}
	for (i = 0; i < 9; i++)
		if (w->g[i] != g->g[i]) {
			snprintf(why, len, "%s: %#llx, want %#llx", gpr[i], (unsigned long long)g->g[i],
				 (unsigned long long)w->g[i]);
			return false;
		}
	if (g->mxcsr != w->mxcsr || g->fcw != w->fcw) {
		snprintf(why, len, "MXCSR %#x FCW %#x, want %#x %#x", g->mxcsr, g->fcw, w->mxcsr, w->fcw);
		return false;
	}
	return true;
}

/* mig_regs_run: one spin of at most BUDGET rounds (until *stop), checked */
static inline void mig_regs_run(struct mig_regs_stats *st, uint64_t seed, volatile sig_atomic_t *stop,
			 unsigned long budget, bool is_hold)
{
	static struct mig_regs want, got;
	char before[65], why[200];
	uint64_t k = ((uint64_t)st->holds << 32) + st->spins + (is_hold ? 1ULL << 63 : 0);
	bool moved;
	size_t i;

	for (i = 0; i < sizeof(want.v); i++)
		((uint8_t *)want.v)[i] = (uint8_t)(mig_mix(seed ^ k ^ (i << 40)) >> 17);
	for (i = 0; i < 9; i++)
		want.g[i] = mig_mix(seed ^ k ^ (0x99ULL << 48) ^ i);
	want.mxcsr = MIG_MXCSR;
	want.fcw = MIG_FCW;
	memset(&got, 0, sizeof(got));
	snprintf(before, sizeof(before), "%s", mig_node());
	if (mig_regs_avx())
		mig_hold_avx(&want, &got, stop, budget);
	else
		mig_hold_sse(&want, &got, stop, budget);
	moved = strcmp(before, mig_node()) != 0;
	if (is_hold) {
		st->holds++;
		st->holds_moved += moved;
	} else {
		st->spins++;
		st->spins_moved += moved;
	}
	if (!mig_regs_compare(&want, &got, why, sizeof(why)) && !st->bad++)
		snprintf(st->first_bad, sizeof(st->first_bad), "%s %u%s: %s", is_hold ? "hold" : "spin",
			 is_hold ? st->holds : st->spins, moved ? " (moved)" : "", why);
}

static inline void mig_regs_hold(struct mig_regs_stats *st, uint64_t seed, volatile sig_atomic_t *stop,
			  unsigned long budget)
{
	mig_regs_run(st, seed, stop, budget, true);
}

static inline void mig_regs_spin(struct mig_regs_stats *st, uint64_t seed, unsigned long budget)
{
	static volatile sig_atomic_t never;

	mig_regs_run(st, seed, &never, budget, false);
}

#endif /* MIG_REGS_H */
