/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checked state machines, as libceph's messenger does it: every state
 * variable of a protocol (a connection, a node's membership, a KDDM object)
 * changes only through a helper that looks the move up in a table written
 * from the diagram at the top of the file that owns the machine.  A move the
 * table does not have is a bug of ours: it is refused (the state stays),
 * warned about once (WARN_ONCE) and counted; the counters are in each
 * module's debugfs directory ("state_machines").
 */
#ifndef _KRG_KRG_STATEMACHINE_H
#define _KRG_KRG_STATEMACHINE_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/types.h>

struct krg_sm {
	const char *name;
	const char *const *states;	/* names, for the warning */
	unsigned int nr_states;
	const unsigned long *moves;	/* moves[from]: BIT(to) for each allowed */
	atomic_long_t illegal;		/* refused moves */
};

#define KRG_SM_INIT(_name, _states, _moves) {				\
	.name = (_name),						\
	.states = (_states),						\
	.nr_states = ARRAY_SIZE(_states),				\
	.moves = (_moves),						\
	.illegal = ATOMIC_LONG_INIT(0),					\
}

static inline const char *krg_sm_state_name(const struct krg_sm *sm,
					    unsigned int s)
{
	return s < sm->nr_states && sm->states[s] ? sm->states[s] : "?";
}

/*
 * True if @sm may go from @from to @to (staying put always may).  Else
 * false, counted and warned about once per machine and call site.
 */
#define krg_sm_allowed(sm, from, to) ({					\
	struct krg_sm *__sm = (sm);					\
	unsigned int __f = (from), __t = (to);				\
	bool __ok = __f == __t ||					\
		    (__f < __sm->nr_states && __t < __sm->nr_states &&	\
		     (__sm->moves[__f] & BIT(__t)));			\
	if (!__ok) {							\
		atomic_long_inc(&__sm->illegal);			\
		WARN_ONCE(1, "%s: illegal transition %s -> %s\n",	\
			  __sm->name, krg_sm_state_name(__sm, __f),	\
			  krg_sm_state_name(__sm, __t));		\
	}								\
	__ok;								\
})

static inline long krg_sm_illegal(const struct krg_sm *sm)
{
	return atomic_long_read(&sm->illegal);
}

#endif /* _KRG_KRG_STATEMACHINE_H */
