// SPDX-License-Identifier: GPL-2.0
/*
 * mig_mem: a process holding MIB MiB of known content, for tests/bench/mig.
 *
 *   mig_mem MIB REPORT SEED
 *
 * Closes every descriptor but 0-2 (the caller gives /dev/null), maps MIB MiB
 * of private anonymous memory and fills each 8-byte word i with
 * mig_mix(SEED + i), then writes REPORT (whole, renamed into place):
 *   ready pid=PID rss_kb=K boot_id=ID
 * and waits in sigsuspend().  On SIGUSR1 it reads every word back and
 * writes REPORT again:
 *   check n=N ok=1|0 bad=WORDS pid=PID rss_kb=K boot_id=ID
 * (N counts the checks; boot_id names the node it runs on now).  SIGTERM
 * ends it.  It never holds a descriptor between system calls, so both
 * krg migrate and CRIU see only its /dev/null descriptors.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "../mig/mig_util.h"

static volatile sig_atomic_t want_check, stop;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		want_check = 1;
	else
		stop = 1;
}

/* VmRSS of this process in KiB (-1 if unreadable) */
static long rss_kb(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "VmRSS:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

static void report(const char *path, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		exit(3);
	n += snprintf(line + n, sizeof(line) - n, " pid=%d rss_kb=%ld boot_id=%s\n", (int)getpid(),
		      rss_kb(), mig_boot_id());
	if (n >= (int)sizeof(line) || mig_write_file(path, line, n))
		exit(3);
}

int main(int argc, char **argv)
{
	uint64_t *mem, seed, bad;
	size_t words, i;
	unsigned long mib, checks = 0;
	struct sigaction sa = { .sa_handler = on_sig };
	sigset_t block, wait_mask;
	char *end;

	if (argc != 4) {
		fprintf(stderr, "usage: mig_mem MIB REPORT SEED\n");
		return 2;
	}
	mib = strtoul(argv[1], &end, 10);
	if (*end || !mib || mib > 65536) {
		fprintf(stderr, "mig_mem: bad size %s\n", argv[1]);
		return 2;
	}
	seed = strtoull(argv[3], &end, 0);
	if (*end)
		return 2;
	syscall(SYS_close_range, 3U, ~0U, 0U);
	words = mib << 17;
	mem = mmap(NULL, words * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	for (i = 0; i < words; i++)
		mem[i] = mig_mix(seed + i);

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGUSR1);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	report(argv[2], "ready");
	while (!stop) {
		sigsuspend(&wait_mask);
		if (!want_check)
			continue;
		want_check = 0;
		bad = 0;
		for (i = 0; i < words; i++)
			bad += mem[i] != mig_mix(seed + i);
		report(argv[2], "check n=%lu ok=%d bad=%llu", ++checks, !bad, (unsigned long long)bad);
	}
	return 0;
}
