// SPDX-License-Identifier: GPL-2.0
/*
 * mig_state: a process whose whole state a migration must keep (mig_basic.sh).
 *
 *   mig_state DIR NAME        DIR: a directory on the shared file system
 *
 * Set up as root, then as nobody (uid/gid 65534, groups 65534 and 100):
 *   memory   malloc heap, a stack array, brk, private anonymous,
 *            MAP_SHARED|MAP_ANONYMOUS, a private mapping of DIR/NAME.map
 *            whose last page was copied on write; every word a known
 *            pattern of a random seed; libc's text (checksum); the address
 *            space layout (/proc/self/maps) and the vDSO's place
 *   CPU      SSE registers (AVX ymm when the CPU has it), rbx and r8-r15,
 *            MXCSR and the x87 control word held across a spin loop
 *   TLS      __thread values, the fs base
 *   signals  handlers (SIGUSR1 on the alternate stack, counted), blocked
 *            mask, pending SIGURG and two queued SIGRTMIN+10 (values 1111,
 *            2222), sigaltstack
 *   process  cwd (DIR/NAME.cwd), umask 027, RLIMIT_NOFILE soft 777,
 *            RLIMIT_CORE, comm (mig-NAME), credentials, nice 5
 *   files    37: DIR/NAME.data O_RDWR at offset 4321; 38: same file
 *            O_WRONLY|O_APPEND|O_CLOEXEC; 39: DIR (O_DIRECTORY); 40:
 *            /dev/null (cloexec); 41: /dev/zero; 42: /dev/urandom (cloexec);
 *            0-2 as given; no other descriptor
 *
 * Then it loops: a spin holding the registers (~ms), the cheap checks and a
 * slice of the memory, 10 ms of sleep.  The first mismatch: a last report
 * and "FAIL ..." (mig_say), exit 1.
 *
 * Signals: SIGUSR1 counted; SIGUSR2 writes DIR/NAME.report; SIGRTMIN+1
 * holds the registers in the spin loop (DIR/NAME.hold says "hold N" once
 * there) until SIGRTMIN+2; SIGRTMIN+3 takes the pending signals (checks
 * them), writes a last report and exits 0 if every check passed, else 1.
 *
 * Report: "seq N", "val KEY VALUE" lines, "check NAME ok" or
 * "check NAME bad WHY" lines, "end".  It says (mig_say: stdout and MIG_LOG)
 * "ready ..." once set up and "report N node=NODE" after each report.
 */
#include <grp.h>
#include <malloc.h>
#include <asm/prctl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "mig_state.h"
#include "mig_regs.h"

#define NOBODY		65534
#define USERS_GID	100
#define NOFILE_SOFT	777
#define CORE_SOFT	(25 * 4096)
#define NICE		5
#define UMASK		027
#define SPIN_BUDGET	50000UL
#define SLICE_WORDS	8192

/* ---- memory ------------------------------------------------------------ */

enum { R_HEAP, R_STACK, R_BRK, R_ANON, R_SHARED, R_FILE, R_COW, NR_REGIONS };

/* words of each region; every region but the file ones has one more word,
 * a copy of the loop counter written every round
 */
static const size_t region_words[NR_REGIONS] = {
	[R_HEAP] = 2 << 17, [R_STACK] = 8192, [R_BRK] = 1 << 15, [R_ANON] = 2 << 17,
	[R_SHARED] = 1 << 16, [R_FILE] = 3 * 512, [R_COW] = 512,
};
static const char *const region_name[NR_REGIONS] = {
	"heap", "stack", "brk", "anon", "shared", "filemap", "cow",
};
static uint64_t *region[NR_REGIONS];
#define MAP_LEN		(4 * 4096)

static uint64_t seed;
static uint64_t iter;		/* rounds of the loop */

static uint64_t pat(int r, size_t i)
{
	return mig_mix(seed ^ ((uint64_t)r << 56) ^ i);
}

static bool has_mirror(int r)
{
	return r != R_FILE && r != R_COW;
}

static void fill(int r)
{
	size_t i;

	for (i = 0; i < region_words[r]; i++)
		region[r][i] = pat(r, i);
	if (has_mirror(r))
		region[r][region_words[r]] = iter;
}

/* check_words: words [from, to) of region r; false (and why) at the first
 * one that differs.
 */
static bool check_words(int r, size_t from, size_t to, char *why, size_t len)
{
	size_t i;

	for (i = from; i < to; i++)
		if (region[r][i] != pat(r, i)) {
			snprintf(why, len, "%s word %zu at %p: %#llx, want %#llx", region_name[r], i,
				 (void *)&region[r][i], (unsigned long long)region[r][i],
				 (unsigned long long)pat(r, i));
			return false;
		}
	if (has_mirror(r) && region[r][region_words[r]] != iter) {
		snprintf(why, len, "%s: loop counter copy %llu, want %llu", region_name[r],
			 (unsigned long long)region[r][region_words[r]], (unsigned long long)iter);
		return false;
	}
	return true;
}

static void write_mirrors(void)
{
	int r;

	for (r = 0; r < NR_REGIONS; r++)
		if (has_mirror(r))
			region[r][region_words[r]] = iter;
}

void *map_or_die(size_t len, int flags, int fd)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		mig_die("mmap %zu: %s", len, strerror(errno));
	return p;
}

/* libc's text: the executable mapping that holds getpid() */
static uintptr_t libc_lo, libc_hi;
static uint64_t libc_sum0;

static uint64_t libc_sum(void)
{
	const uint64_t *p = (const uint64_t *)libc_lo;
	uint64_t h = 0;

	for (; (uintptr_t)p < libc_hi; p++)
		h = mig_mix(h ^ *p);
	return h;
}

/* ---- the address space as /proc/self/maps shows it ------------------- */

static char maps0[32768], maps_now[32768];

/* read_maps: every mapping as "start-end perms offset path" (device and
 * inode left out: the same file has other numbers on another node).
 */
static int read_maps(char *out, size_t size)
{
	static char raw[65536];
	size_t len = 0, o = 0;
	char *line, *save;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, raw + len, sizeof(raw) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	raw[len] = '\0';
	for (line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char range[64], perms[8], off[32], dev[16], path[512] = "";
		unsigned long ino;

		if (sscanf(line, "%63s %7s %31s %15s %lu %511[^\n]", range, perms, off, dev, &ino,
			   path) < 5)
			continue;
		o += (size_t)snprintf(out + o, size - o, "%s %s %s %s\n", range, perms, off, path);
		if (o >= size)
			return -ENOSPC;
	}
	return 0;
}

/* ---- signals ----------------------------------------------------------- */

/* ---- the state of the process, as set up --------------------------------- */

char state_dir[2048];
static char cwd0[4096], comm0[16];
static pid_t pid0, ppid0;
static struct rlimit nofile0, core0;
static unsigned long fs0;
static uintptr_t tls_addr0;

static __thread uint64_t tls_a;
static __thread uint64_t tls_buf[32];

static unsigned long fs_base(void)
{
	unsigned long v = 0;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &v);
	return v;
}

/* tls_words: tls_buf through an opaque pointer (GCC 12 folds the pattern's
 * constants into the TLS relocation's addend, which then does not fit)
 */
static uint64_t *tls_words(void)
{
	uint64_t *p = tls_buf;

	asm("" : "+r"(p));
	return p;
}

static void set_tls(void)
{
	uint64_t *b = tls_words();
	int i;

	tls_a = mig_mix(seed ^ 0x7715);
	for (i = 0; i < 32; i++)
		b[i] = mig_mix(seed + (uint64_t)i);
	fs0 = fs_base();
	tls_addr0 = (uintptr_t)&tls_a;
}

static void setup_cwd(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.cwd", state_dir, name);
	if (mkdir(path, 0755) && errno != EEXIST)
		mig_die("mkdir %s: %s", path, strerror(errno));
	if (chdir(path) || !getcwd(cwd0, sizeof(cwd0)))
		mig_die("chdir %s: %s", path, strerror(errno));
}

/* the private file mapping: DIR/NAME.map holds the R_FILE pattern on its
 * four pages; the last page is then written (copied on write).
 */
static void setup_file_map(const char *name)
{
	char path[4096];
	uint64_t *words;
	size_t i, n = MAP_LEN / 8;
	uint8_t *p;
	int fd;

	words = malloc(MAP_LEN);
	if (!words)
		mig_die("malloc");
	for (i = 0; i < n; i++)
		words[i] = pat(R_FILE, i);
	snprintf(path, sizeof(path), "%s/%s.map", state_dir, name);
	if (mig_write_file(path, (const char *)words, MAP_LEN))
		mig_die("cannot write %s", path);
	free(words);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		mig_die("open %s: %s", path, strerror(errno));
	p = map_or_die(MAP_LEN, MAP_PRIVATE, fd);
	close(fd);
	region[R_FILE] = (uint64_t *)p;
	region[R_COW] = (uint64_t *)(p + 3 * 4096);
	fill(R_COW);
}

static void setup_process(const char *name)
{
	gid_t groups[] = { NOBODY, USERS_GID };
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &nofile0) || nofile0.rlim_max < NOFILE_SOFT)
		mig_die("RLIMIT_NOFILE hard limit below %d", NOFILE_SOFT);
	nofile0.rlim_cur = NOFILE_SOFT;
	if (getrlimit(RLIMIT_CORE, &core0))
		mig_die("getrlimit: %s", strerror(errno));
	core0.rlim_cur = core0.rlim_max < CORE_SOFT ? core0.rlim_max : CORE_SOFT;
	if (setrlimit(RLIMIT_NOFILE, &nofile0) || setrlimit(RLIMIT_CORE, &core0))
		mig_die("setrlimit: %s", strerror(errno));
	if (setpriority(PRIO_PROCESS, 0, NICE))
		mig_die("setpriority: %s", strerror(errno));
	umask(UMASK);
	snprintf(comm0, sizeof(comm0), "mig-%s", name);
	if (prctl(PR_SET_NAME, comm0))
		mig_die("PR_SET_NAME: %s", strerror(errno));
	if (setgroups(2, groups) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		mig_die("cannot become nobody: %s", strerror(errno));
	/* an ordinary process again (setresuid made it undumpable) */
	prctl(PR_SET_DUMPABLE, 1);
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur != NOFILE_SOFT)
		mig_die("RLIMIT_NOFILE not set");
}

/* ---- the checks ------------------------------------------------------------ */

bool bad(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY, fmt, ap);
	va_end(ap);
	return false;
}

static bool check_ids(bool full, char *why)
{
	(void)full;
	if (getpid() != pid0)
		return bad(why, "getpid %d, was %d", getpid(), pid0);
	if (getppid() != ppid0)
		return bad(why, "getppid %d, was %d", getppid(), ppid0);
	return true;
}

static bool check_tls(bool full, char *why)
{
	const uint64_t *b = tls_words();
	int i;

	(void)full;
	if ((uintptr_t)&tls_a != tls_addr0)
		return bad(why, "&tls_a %p, was %#lx", (void *)&tls_a, (unsigned long)tls_addr0);
	if (fs_base() != fs0)
		return bad(why, "fs base %#lx, was %#lx", fs_base(), fs0);
	if (tls_a != mig_mix(seed ^ 0x7715))
		return bad(why, "tls_a %#llx", (unsigned long long)tls_a);
	for (i = 0; i < 32; i++)
		if (b[i] != mig_mix(seed + (uint64_t)i))
			return bad(why, "tls_buf[%d] %#llx", i, (unsigned long long)b[i]);
	return true;
}

static bool check_cwd(bool full, char *why)
{
	char now[4096];

	(void)full;
	if (!getcwd(now, sizeof(now)))
		return bad(why, "getcwd: %s", strerror(errno));
	if (strcmp(now, cwd0))
		return bad(why, "cwd %s, was %s", now, cwd0);
	return true;
}

static bool check_umask(bool full, char *why)
{
	mode_t m = umask(0);

	(void)full;
	umask(m);
	if (m != UMASK)
		return bad(why, "umask %03o, want %03o", m, UMASK);
	return true;
}

static bool check_rlimits(bool full, char *why)
{
	struct rlimit n, c;

	(void)full;
	if (getrlimit(RLIMIT_NOFILE, &n) || getrlimit(RLIMIT_CORE, &c))
		return bad(why, "getrlimit: %s", strerror(errno));
	if (n.rlim_cur != nofile0.rlim_cur || n.rlim_max != nofile0.rlim_max)
		return bad(why, "NOFILE %llu/%llu, want %llu/%llu", (unsigned long long)n.rlim_cur,
			   (unsigned long long)n.rlim_max, (unsigned long long)nofile0.rlim_cur,
			   (unsigned long long)nofile0.rlim_max);
	if (c.rlim_cur != core0.rlim_cur || c.rlim_max != core0.rlim_max)
		return bad(why, "CORE %llu/%llu, want %llu/%llu", (unsigned long long)c.rlim_cur,
			   (unsigned long long)c.rlim_max, (unsigned long long)core0.rlim_cur,
			   (unsigned long long)core0.rlim_max);
	return true;
}

static bool check_comm(bool full, char *why)
{
	char now[17] = "";

	(void)full;
	if (prctl(PR_GET_NAME, now))
		return bad(why, "PR_GET_NAME: %s", strerror(errno));
	if (strcmp(now, comm0))
		return bad(why, "comm '%s', want '%s'", now, comm0);
	return true;
}

static bool check_creds(bool full, char *why)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, g[16];
	int n;

	(void)full;
	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg))
		return bad(why, "getresuid: %s", strerror(errno));
	if (r != NOBODY || e != NOBODY || s != NOBODY || rg != NOBODY || eg != NOBODY || sg != NOBODY)
		return bad(why, "uids %u %u %u gids %u %u %u, want %d", r, e, s, rg, eg, sg, NOBODY);
	n = getgroups(16, g);
	if (n != 2 || !((g[0] == NOBODY && g[1] == USERS_GID) || (g[1] == NOBODY && g[0] == USERS_GID)))
		return bad(why, "%d groups (%u %u), want %d %d", n, n > 0 ? g[0] : 0, n > 1 ? g[1] : 0,
			   NOBODY, USERS_GID);
	return true;
}

static bool check_nice(bool full, char *why)
{
	int p;

	(void)full;
	errno = 0;
	p = getpriority(PRIO_PROCESS, 0);
	if (p != NICE)
		return bad(why, "nice %d (%s), want %d", p, mig_errname(errno), NICE);
	return true;
}

static bool check_regions(int first, int last, char *why)
{
	int r;

	for (r = first; r <= last; r++)
		if (!check_words(r, 0, region_words[r], why, WHY))
			return false;
	return true;
}

static bool check_heap(bool full, char *why) { return !full || check_regions(R_HEAP, R_HEAP, why); }
static bool check_stack(bool full, char *why) { return !full || check_regions(R_STACK, R_STACK, why); }
static bool check_brk(bool full, char *why) { return !full || check_regions(R_BRK, R_BRK, why); }
static bool check_anon(bool full, char *why) { return !full || check_regions(R_ANON, R_ANON, why); }
static bool check_shared(bool full, char *why) { return !full || check_regions(R_SHARED, R_SHARED, why); }
static bool check_filemap(bool full, char *why) { return !full || check_regions(R_FILE, R_COW, why); }

static bool check_libc(bool full, char *why)
{
	uint64_t s;

	if (!full)
		return true;
	s = libc_sum();
	if (s != libc_sum0)
		return bad(why, "libc text %#lx-%#lx checksum %#llx, was %#llx", (unsigned long)libc_lo,
			   (unsigned long)libc_hi, (unsigned long long)s, (unsigned long long)libc_sum0);
	return true;
}

static bool check_maps(bool full, char *why)
{
	const char *a = maps0, *b = maps_now;

	if (!full)
		return true;
	if (read_maps(maps_now, sizeof(maps_now)))
		return bad(why, "cannot read /proc/self/maps");
	while (*a && *a == *b)
		a++, b++;
	if (!*a && !*b)
		return true;
	while (a > maps0 && a[-1] != '\n')
		a--, b--;
	return bad(why, "first difference: '%.*s' now '%.*s'", (int)strcspn(a, "\n"), a,
		   (int)strcspn(b, "\n"), b);
}

static bool check_vdso(bool full, char *why)
{
	unsigned long at = getauxval(AT_SYSINFO_EHDR), lo = 0;
	const char *l;

	if (!full)
		return true;
	if (read_maps(maps_now, sizeof(maps_now)))
		return bad(why, "cannot read /proc/self/maps");
	l = strstr(maps_now, " [vdso]");
	if (!l)
		return bad(why, "no [vdso] mapping");
	while (l > maps_now && l[-1] != '\n')
		l--;
	sscanf(l, "%lx", &lo);
	if (lo != at)
		return bad(why, "[vdso] at %#lx, AT_SYSINFO_EHDR %#lx", lo, at);
	return true;
}

static struct mig_regs_stats regs;

static bool check_regs(bool full, char *why)
{
	(void)full;
	if (regs.bad)
		return bad(why, "%s", regs.first_bad);
	return true;
}

struct check {
	const char *name;
	bool (*fn)(bool full, char *why);
};

static const struct check checks[] = {
	{ "ids", check_ids }, { "heap", check_heap }, { "stack", check_stack },
	{ "brk", check_brk }, { "anon", check_anon }, { "shared_anon", check_shared },
	{ "file_map", check_filemap }, { "libc_text", check_libc }, { "maps", check_maps },
	{ "vdso", check_vdso }, { "registers", check_regs }, { "tls", check_tls },
	{ "handlers", check_handlers }, { "blocked", check_mask }, { "pending", check_pending },
	{ "altstack", check_altstack }, { "usr1_handler", check_usr1 }, { "cwd", check_cwd },
	{ "umask", check_umask }, { "rlimits", check_rlimits }, { "comm", check_comm },
	{ "creds", check_creds }, { "nice", check_nice }, { "fd_set", check_fd_set },
	{ "fd_data", check_fd_data }, { "fd_append", check_fd_append }, { "fd_dir", check_fd_dir },
	{ "fd_devs", check_fd_devs },
};
#define NR_CHECKS (sizeof(checks) / sizeof(checks[0]))

/* ---- report ------------------------------------------------------------------ */

static struct mig_buf rep;
static unsigned int seq;

/* report: every check in full, written to DIR/NAME.report; true if all passed */
static bool report(const char *extra_check, bool extra_ok, const char *extra_why)
{
	char why[WHY], path[4096];
	bool all = true;
	size_t i;

	rep.len = 0;
	mig_buf_add(&rep, "seq %u\n", seq++);
	mig_buf_add(&rep, "val pid %d\nval ppid %d\nval pgid %d\nval sid %d\n", getpid(), getppid(),
		    getpgrp(), getsid(0));
	mig_buf_add(&rep, "val node %s\nval boot_id %s\n", mig_node(), mig_boot_id());
	mig_buf_add(&rep, "val seed %#llx\nval iter %llu\nval usr1 %d\nval appended %llu\n",
		    (unsigned long long)seed, (unsigned long long)iter, (int)usr1_count, fds_appended);
	mig_buf_add(&rep, "val avx %d\nval holds %u\nval holds_moved %u\nval spins %u\nval spins_moved %u\n",
		    mig_regs_avx(), regs.holds, regs.holds_moved, regs.spins, regs.spins_moved);
	for (i = 0; i < NR_CHECKS; i++) {
		bool ok = checks[i].fn(true, why);

		all &= ok;
		mig_buf_add(&rep, "check %s %s%s%s\n", checks[i].name, ok ? "ok" : "bad", ok ? "" : " ",
			    ok ? "" : why);
	}
	if (extra_check) {
		all &= extra_ok;
		mig_buf_add(&rep, "check %s %s %s\n", extra_check, extra_ok ? "ok" : "bad", extra_why);
	}
	mig_buf_add(&rep, "end\n");
	snprintf(path, sizeof(path), "%s/%s.report", state_dir, mig_name);
	if (mig_write_file(path, rep.text, rep.len))
		mig_say("%s: cannot write %s", mig_name, path);
	else
		mig_say("report %u node=%s", seq - 1, mig_node());
	return all;
}

/* ---- the loop -------------------------------------------------------------- */

static size_t slice_region, slice_word;

/* check_slice: the next SLICE_WORDS words of the memory, round robin */
static bool check_slice(char *why)
{
	size_t end = slice_word + SLICE_WORDS;

	if (end > region_words[slice_region])
		end = region_words[slice_region];
	if (!check_words((int)slice_region, slice_word, end, why, WHY))
		return false;
	slice_word = end;
	if (slice_word == region_words[slice_region]) {
		slice_word = 0;
		slice_region = (slice_region + 1) % NR_REGIONS;
	}
	return true;
}

static void hold(void)
{
	char path[4096], text[64];
	int n;

	release = 0;
	n = snprintf(text, sizeof(text), "hold %u\n", regs.holds + 1);
	snprintf(path, sizeof(path), "%s/%s.hold", state_dir, mig_name);
	if (mig_write_file(path, text, (size_t)n))
		mig_die("cannot write %s", path);
	mig_regs_hold(&regs, seed, &release, ~0UL >> 2);
}

static void __attribute__((noreturn)) finish(void)
{
	char why[WHY];
	bool ok = sig_drain(why);

	exit(report("drain", ok, why) ? 0 : 1);
}

static void __attribute__((noreturn)) loop(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char why[WHY];
	size_t i;

	for (;;) {
		if (want_finish)
			finish();
		if (want_report) {
			want_report = 0;
			report(NULL, true, NULL);
		}
		if (want_hold) {
			want_hold = 0;
			hold();
		}
		mig_regs_spin(&regs, seed, SPIN_BUDGET);
		for (i = 0; i < NR_CHECKS; i++)
			if (!checks[i].fn(false, why))
				break;
		if (i < NR_CHECKS || !check_slice(why)) {
			report("loop", false, why);
			mig_die("%s: %s", i < NR_CHECKS ? checks[i].name : "memory", why);
		}
		iter++;
		write_mirrors();
		nanosleep(&tick, NULL);
	}
}

/* grow the stack now, so that the layout checked later stays the same */
static void __attribute__((noinline)) touch_stack(size_t n)
{
	volatile char *p = alloca(n);
	size_t i;

	for (i = 0; i < n; i += 4096)
		p[i] = 0;
}

static void find_libc_text(void)
{
	uintptr_t fn = (uintptr_t)&getpid;
	const char *l;

	if (read_maps(maps_now, sizeof(maps_now)))
		mig_die("cannot read /proc/self/maps");
	for (l = maps_now; *l; l = strchr(l, '\n') + 1) {
		unsigned long lo, hi;

		if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 && lo <= fn && fn < hi) {
			libc_lo = lo;
			libc_hi = hi;
			return;
		}
		if (!strchr(l, '\n'))
			break;
	}
	mig_die("getpid %#lx in no mapping", (unsigned long)fn);
}

int main(int argc, char **argv)
{
	uint64_t stack_words[8192 + 1];
	void *b;

	if (argc != 3) {
		fprintf(stderr, "usage: mig_state DIR NAME\n");
		return 2;
	}
	mig_name = argv[2];
	if (snprintf(state_dir, sizeof(state_dir), "%s", argv[1]) >= (int)sizeof(state_dir))
		mig_die("DIR too long");
	seed = mig_mix((uint64_t)mig_now_ns(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 32));
	pid0 = getpid();
	ppid0 = getppid();

	setup_cwd(argv[2]);
	fds_setup(argv[2]);
	setup_file_map(argv[2]);
	setup_process(argv[2]);
	sig_setup();

	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	region[R_HEAP] = malloc((region_words[R_HEAP] + 1) * 8);
	b = sbrk((intptr_t)(region_words[R_BRK] + 1) * 8);
	if (!region[R_HEAP] || b == (void *)-1)
		mig_die("heap/brk: %s", strerror(errno));
	region[R_BRK] = b;
	region[R_STACK] = stack_words;
	region[R_ANON] = map_or_die((region_words[R_ANON] + 1) * 8, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	region[R_SHARED] = map_or_die((region_words[R_SHARED] + 1) * 8, MAP_SHARED | MAP_ANONYMOUS, -1);
	fill(R_HEAP);
	fill(R_STACK);
	fill(R_BRK);
	fill(R_ANON);
	fill(R_SHARED);
	set_tls();
	touch_stack(256 * 1024);
	find_libc_text();
	libc_sum0 = libc_sum();
	/* what a report uses, once, before the layout is taken */
	report(NULL, true, NULL);
	if (read_maps(maps0, sizeof(maps0)))
		mig_die("cannot read /proc/self/maps");
	seq = 0;
	if (!report(NULL, true, NULL))
		mig_die("a check fails before any migration: see %s/%s.report", state_dir, mig_name);
	mig_say("ready pid=%d node=%s", getpid(), mig_node());
	loop();
}
