// SPDX-License-Identifier: GPL-2.0
/*
 * The stub: at its home node, the task of a process that moved away.  It
 * keeps the PID and the parent link (its parent's wait() and SIGCHLD work
 * as on one machine) and the process's children (it waits for them when
 * the process asks, wait.c), holds no memory and no files, forwards every
 * signal it receives to where the process runs, and ends as the process
 * ended -- or becomes the process again when it comes home (restore.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mman.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <asm/unistd.h>

#include "migrate.h"
#include "rpc.h"
#include "signal.h"
#include "wait.h"

static void krgp_stub_forward(struct krgp_mproc *mp, int sig,
			      kernel_siginfo_t *info, enum pid_type type)
{
	struct krgp_signal_req r = {};
	void *reply;
	size_t len;
	int ret;

	krgp_cred_pack(&r.cred);
	r.kind = cpu_to_le32(type == PIDTYPE_PID ? KRGP_SIG_THREAD : KRGP_SIG_PROCESS);
	r.tgid = cpu_to_le32(type == PIDTYPE_PID ? mp->pid : 0);
	r.pid = cpu_to_le32(mp->pid);
	r.sig = cpu_to_le32(sig);
	memcpy(r.info.raw, info, sizeof(r.info.raw));
	ret = krgp_call(READ_ONCE(mp->loc), KRGP_OP_SIGNAL, &r, sizeof(r), &reply, &len);
	if (!ret) {
		/* A child's SIGCHLD that the process does not want a zombie of. */
		if (sig == SIGCHLD && len == sizeof(__le32) &&
		    le32_to_cpup(reply) == KRGP_SIG_REAP)
			krgp_stub_reap(info->si_pid);
		kvfree(reply);
	}
	if (ret < 0)
		pr_warn_ratelimited("signal %d to process %d on node %u: %d\n",
				    sig, mp->pid, mp->loc, ret);
}

/* Forwards every signal the stub received to where the process runs. */
void krgp_stub_signals(struct krgp_mproc *mp)
{
	for (;;) {
		kernel_siginfo_t info;
		enum pid_type type;
		sigset_t none;
		int sig;

		sigemptyset(&none);
		spin_lock_irq(&current->sighand->siglock);
		sig = dequeue_signal(current, &none, &info, &type);
		spin_unlock_irq(&current->sighand->siglock);
		if (sig <= 0)
			break;
		krgp_stub_forward(mp, sig, &info, type);
	}
	/* Work queued with TWA_SIGNAL runs once the stub returns. */
	if (test_thread_flag(TIF_NOTIFY_SIGNAL))
		clear_notify_signal();
}

/*
 * The stub ends as the process did: exit(n) through a one-instruction page
 * (do_exit is not exported), a deadly signal with its default action.
 */
static void krgp_stub_die(int status)
{
	struct pt_regs *regs = task_pt_regs(current);
	static const u8 insn[2] = { 0x0f, 0x05 };	/* syscall */
	int sig = status & 0x7f;
	unsigned long page;
	sigset_t all;

	/* Nothing is delivered on the way out but the deadly signal. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (!sig) {
		page = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, 0);
		if (!IS_ERR_VALUE(page) &&
		    access_process_vm(current, page, (void *)insn, sizeof(insn),
				      FOLL_FORCE | FOLL_WRITE) == sizeof(insn)) {
			regs->ip = page;
			regs->ax = __NR_exit_group;
			regs->di = (status >> 8) & 0xff;
			regs->orig_ax = -1;
			return;
		}
		sig = SIGKILL;
	}
	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU ||
	    sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH ||
	    !valid_signal(sig))
		sig = SIGKILL;
	spin_lock_irq(&current->sighand->siglock);
	current->sighand->action[sig - 1].sa.sa_handler = SIG_DFL;
	spin_unlock_irq(&current->sighand->siglock);
	force_sig(sig);
}

/*
 * A stub must see every signal sent to it, to forward it: none is blocked,
 * and every handler is a placeholder the stub never runs (SIG_DFL would let
 * the kernel kill it at once for a fatal signal, SIG_IGN drop the signal).
 */
#define KRGP_STUB_HANDLER	((__sighandler_t)2)

void krgp_stub_catch_all(void)
{
	struct sighand_struct *sh = current->sighand;
	sigset_t none;
	int i;

	spin_lock_irq(&sh->siglock);
	for (i = 0; i < _NSIG; i++) {
		if (i + 1 == SIGKILL || i + 1 == SIGSTOP)
			continue;
		sh->action[i].sa.sa_handler = KRGP_STUB_HANDLER;
		sh->action[i].sa.sa_flags = 0;
	}
	spin_unlock_irq(&sh->siglock);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void krgp_stub_run(struct krgp_mproc *mp)
{
	int ret;

	/* Its rseq area goes with its memory: the way out must not touch it. */
#ifdef CONFIG_RSEQ
	current->rseq = NULL;
	current->rseq_sig = 0;
#endif
	krgp_stub_catch_all();
	krgp_mm_clear();
	krgp_files_clear();
	for (;;) {
		struct krgp_restore_job *job;
		bool exited, lost;

		ret = wait_event_interruptible(mp->wq, READ_ONCE(mp->exited) ||
					       READ_ONCE(mp->lost) || READ_ONCE(mp->back) ||
					       !list_empty_careful(&mp->waits));
		if (fatal_signal_pending(current)) {
			kernel_siginfo_t info;

			clear_siginfo(&info);
			info.si_signo = SIGKILL;
			info.si_code = SI_KERNEL;
			if (!READ_ONCE(mp->exited) && !READ_ONCE(mp->lost))
				krgp_stub_forward(mp, SIGKILL, &info, PIDTYPE_TGID);
			krgp_mproc_del(mp);
			return;
		}
		krgp_stub_serve_waits(mp);
		if (ret) {
			krgp_stub_signals(mp);
			continue;
		}
		spin_lock(&krgp_mproc_lock);
		job = mp->back;
		exited = mp->exited;
		lost = mp->lost;
		spin_unlock(&krgp_mproc_lock);
		if (job) {
			ret = krgp_restore_into_stub(job);
			if (ret == KRGP_RESTORE_EXCURSION)
				return;	/* creates its threads: RESTORE_CONT goes on */
			spin_lock(&krgp_mproc_lock);
			mp->back = NULL;
			spin_unlock(&krgp_mproc_lock);
			krgp_job_put(job);
			if (!ret) {
				/* It runs here again: GO set its registers. */
				krgp_mproc_del(mp);
				return;
			}
			krgp_mm_clear();
			krgp_stub_catch_all();
			continue;
		}
		if (exited || lost) {
			krgp_mproc_del(mp);
			krgp_stub_die(exited ? mp->exit_code : SIGKILL);
			return;
		}
	}
}
