// SPDX-License-Identifier: GPL-2.0
/*
 * mig_threads: a multi-threaded process for the migration tests.
 *
 *   mig_threads [--unshare-files] NTHREADS
 *
 * Starts NTHREADS workers of three kinds, by number: computing (i % 3 == 0,
 * writing and checking a buffer of its own), waiting on a condition
 * variable the main thread signals every 20 ms (i % 3 == 1: futexes), and
 * sleeping 20 ms at a time (i % 3 == 2: nanosleep).  Each worker has a name
 * ("w<i>"), a TLS value, and odd ones block SIGUSR2; each checks at every
 * round that gettid(), its TLS value and its buffer are what they were.
 * The main thread waits in sigwaitinfo():
 *   SIGUSR1  report: "report node=N threads=T tids=A,B,.. usr2=C,D,.. ok=1",
 *            or ok=0 with why=... (usr2: SIGUSR2 each worker handled): every worker progressed within 5 s, has its name
 *            and mask in /proc/self/task, and found nothing wrong;
 *   SIGHUP   one more worker ("spawned tid=T");
 *   SIGTERM  every worker stops and is joined ("joined N"), exit 0.
 * --unshare-files: worker 0 unshares its file table first (a process that
 * cannot move as one).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sched.h>
#include <sys/syscall.h>

#include "mig_util.h"


#define MAX_WORKERS	256
#define BUF_WORDS	8192
#define TLS_MAGIC	0x6b72677468726400ULL

struct worker {
	pthread_t th;
	int i;
	pid_t tid;
	atomic_ulong rounds;
	atomic_int usr2;		/* SIGUSR2 this thread handled */
	uint64_t *buf;
	char why[128];
};

static struct worker workers[MAX_WORKERS];
static int nr_workers;
static atomic_bool stop;
static atomic_int failed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned long ticks;
static bool unshare_first;
static __thread uint64_t tls_tag;

static pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void fail(struct worker *w, const char *what)
{
	if (!w->why[0])
		snprintf(w->why, sizeof(w->why), "w%d(%d):%s", w->i, w->tid, what);
	atomic_store(&failed, 1);
}

static uint64_t pattern(int i, unsigned long round, int k)
{
	return mig_mix(((uint64_t)i << 48) ^ ((uint64_t)round << 16) ^ (uint64_t)k);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];
	sigset_t set;
	unsigned long round = 0, seen = 0;
	int k;

	w->tid = my_tid();
	tls_tag = TLS_MAGIC ^ (uint64_t)w->i;
	snprintf(name, sizeof(name), "w%d", w->i);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	if (w->i % 2)
		sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	if (unshare_first && w->i == 0 && unshare(CLONE_FILES))
		fail(w, "unshare");
	w->buf = malloc(BUF_WORDS * sizeof(uint64_t));
	if (!w->buf) {
		fail(w, "malloc");
		return NULL;
	}
	while (!atomic_load(&stop)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		switch (w->i % 3) {
		case 0:		/* compute: write, then check, the buffer */
			for (k = 0; k < BUF_WORDS; k++)
				w->buf[k] = pattern(w->i, round, k);
			for (k = 0; k < BUF_WORDS; k++)
				if (w->buf[k] != pattern(w->i, round, k))
					fail(w, "buffer");
			ts.tv_nsec = 2 * 1000 * 1000;	/* leave the node some CPU */
			nanosleep(&ts, NULL);
			break;
		case 1:		/* a futex wait on the main thread's ticks */
			pthread_mutex_lock(&lock);
			while (ticks == seen && !atomic_load(&stop))
				pthread_cond_wait(&cond, &lock);
			seen = ticks;
			pthread_mutex_unlock(&lock);
			break;
		default:	/* sleep (EINTR after a move is fine) */
			nanosleep(&ts, NULL);
			break;
		}
		if (my_tid() != w->tid)
			fail(w, "tid");
		if (tls_tag != (TLS_MAGIC ^ (uint64_t)w->i))
			fail(w, "tls");
		round++;
		atomic_store(&w->rounds, round);
	}
	free(w->buf);
	return (void *)(long)(w->i + 1);
}

/* SIGUSR2 sent to one thread (tgkill): counted for that thread. */
static void on_usr2(int sig)
{
	pid_t tid = my_tid();
	int i;

	(void)sig;
	for (i = 0; i < nr_workers; i++)
		if (workers[i].tid == tid)
			atomic_fetch_add(&workers[i].usr2, 1);
}

static int spawn(void)
{
	struct worker *w;

	if (nr_workers == MAX_WORKERS)
		return -1;
	w = &workers[nr_workers];
	w->i = nr_workers;
	if (pthread_create(&w->th, NULL, worker_main, w))
		return -1;
	nr_workers++;
	while (!atomic_load(&w->rounds) && !w->why[0])
		usleep(1000);
	return 0;
}

/* A field of /proc/self/task/TID/FILE (the whole first line without KEY). */
static int task_field(pid_t tid, const char *file, const char *key, char *out, size_t len)
{
	char path[64], buf[4096], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (key) {
		p = strstr(buf, key);
		if (!p)
			return -1;
		p += strlen(key);
		while (*p == ' ' || *p == '\t')
			p++;
	} else {
		p = buf;
	}
	snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
	return 0;
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The SigBlk line a worker must show. */
static void mask_of(int i, char *out, size_t len)
{
	unsigned long long m = (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGHUP - 1)) |
			       (1ULL << (SIGTERM - 1));

	if (i % 2)
		m |= 1ULL << (SIGUSR2 - 1);
	snprintf(out, len, "%016llx", m);
}

static void report(void)
{
	struct mig_buf *out = calloc(1, sizeof(*out));
	unsigned long before[MAX_WORKERS];
	char why[256] = "", s[64], want[32], mask[32];
	uint64_t t0;
	int i, ok = 1;

	if (!out)
		mig_die("calloc");
	for (i = 0; i < nr_workers; i++)
		before[i] = atomic_load(&workers[i].rounds);
	t0 = mig_now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < nr_workers; i++)
		while (atomic_load(&workers[i].rounds) == before[i]) {
			if (mig_now_ns(CLOCK_MONOTONIC) - t0 > 5000000000ULL) {
				snprintf(why, sizeof(why), "w%d-stuck", i);
				ok = 0;
				break;
			}
			usleep(2000);
		}
	for (i = 0; i < nr_workers && ok; i++) {
		struct worker *w = &workers[i];

		snprintf(want, sizeof(want), "w%d", i);
		if (task_field(w->tid, "comm", NULL, s, sizeof(s)) || strcmp(s, want)) {
			snprintf(why, sizeof(why), "w%d-comm=%s", i, s);
			ok = 0;
		} else if (mask_of(i, mask, sizeof(mask)),
			   task_field(w->tid, "status", "SigBlk:", s, sizeof(s)) || strcmp(s, mask)) {
			snprintf(why, sizeof(why), "w%d-sigblk=%s", i, s);
			ok = 0;
		} else if (w->why[0]) {
			snprintf(why, sizeof(why), "%s", w->why);
			ok = 0;
		}
	}
	mig_buf_add(out, "report node=%s threads=%d tids=", mig_node(), count_tasks());
	for (i = 0; i < nr_workers; i++)
		mig_buf_add(out, "%s%d", i ? "," : "", workers[i].tid);
	mig_buf_add(out, " usr2=");
	for (i = 0; i < nr_workers; i++)
		mig_buf_add(out, "%s%d", i ? "," : "", atomic_load(&workers[i].usr2));
	mig_buf_add(out, " ok=%d%s%s\n", ok && !atomic_load(&failed), why[0] ? " why=" : "", why);
	mig_out(out->text, out->len);
	free(out);
}

static void *ticker(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		pthread_mutex_lock(&lock);
		ticks++;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	sigset_t set;
	pthread_t tick;
	int i, n, joined = 0;

	mig_name = "mig_threads";
	if (argc > 1 && !strcmp(argv[1], "--unshare-files")) {
		unshare_first = true;
		argc--;
		argv++;
	}
	if (argc != 2 || (n = atoi(argv[1])) < 1 || n > MAX_WORKERS / 2)
		mig_die("usage: mig_threads [--unshare-files] NTHREADS (1..%d)", MAX_WORKERS / 2);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	{
		struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_RESTART };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR2, &sa, NULL);
	}
	/* the ticker wakes the waiting workers (1, 4, 7, ...) */
	if (pthread_create(&tick, NULL, ticker, NULL))
		mig_die("pthread_create ticker");
	for (i = 0; i < n; i++)
		if (spawn())
			mig_die("pthread_create");
	mig_say("ready pid=%d threads=%d", getpid(), n);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue;	/* EINTR: a move */
		if (sig == SIGUSR1)
			report();
		else if (sig == SIGHUP && spawn())
			mig_say("spawn failed");
		else if (sig == SIGHUP)
			mig_say("spawned tid=%d", workers[nr_workers - 1].tid);
		else if (sig == SIGTERM)
			break;
	}
	atomic_store(&stop, true);
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(tick, NULL);
	for (i = 0; i < nr_workers; i++) {
		void *ret;

		if (!pthread_join(workers[i].th, &ret) && (long)ret == i + 1)
			joined++;
	}
	mig_say("joined %d failed=%d", joined, atomic_load(&failed));
	return 0;
}
