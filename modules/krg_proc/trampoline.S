/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trampoline: a page of user code through which the kernel makes the
 * task it restores create the threads of the process (threads.c).  clone3()
 * with set_tid must be called from user mode; the kernel copies this code
 * into a page of the task, points its registers here and returns from the
 * ioctl with rax = __NR_clone3, rdi = the clone_args, rsi = their size, and
 *   r12 = an fd of /dev/krg_proc, r13 = RESTORE_THREAD, r14 = its argument,
 *   r15 = RESTORE_CONT.
 * The new thread enters RESTORE_THREAD (it returns from it as the thread
 * it becomes); the creator enters RESTORE_CONT with clone3's result.  No
 * stack is used.  This is data for the kernel, never run in kernel mode.
 */
	.section .rodata, "a"
	.globl krgp_tramp_code, krgp_tramp_exit, krgp_tramp_code_end
krgp_tramp_code:
	syscall				/* clone3(rdi, rsi) */
	test	%rax, %rax
	jnz	1f
	mov	$16, %eax		/* the new thread: ioctl(r12, r13, r14) */
	mov	%r12, %rdi
	mov	%r13, %rsi
	mov	%r14, %rdx
	syscall
krgp_tramp_exit:			/* a thread that is not to be: exit(0) */
	mov	$60, %eax
	xor	%edi, %edi
	syscall
	ud2
1:	mov	%rax, %rdx		/* the creator: ioctl(r12, r15, result) */
	mov	$16, %eax
	mov	%r12, %rdi
	mov	%r15, %rsi
	syscall
	mov	$231, %eax		/* RESTORE_CONT failed: exit_group(127) */
	mov	$127, %edi
	syscall
	ud2
krgp_tramp_code_end:
