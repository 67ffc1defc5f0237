// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside a node: loads every project module and checks what each one
 * exposes (/sys/module/<m>/{version,initstate}, its debugfs directory
 * /sys/kernel/debug/kerrighed/<m>/ with a "version" file), that a module
 * other modules hold refuses to unload, and that everything unloads again
 * leaving no debugfs directory behind.
 *
 * The module list is discovered from the tree the program lives in
 * (<top>/tests/modules/module_sysfs -> <top>/modules/krg_* /), never
 * hard-coded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define MAX_MODULES 32
#define NAME_LEN 64
#define DEBUGFS "/sys/kernel/debug"

struct modlist {
	int n;
	char name[MAX_MODULES][NAME_LEN];
};

static int discover_modules(struct modlist *ml)
{
	char exe[PATH_MAX], dir[PATH_MAX + 32];
	struct dirent *de;
	ssize_t len;
	char *slash;
	DIR *d;
	int i;

	ml->n = 0;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -errno;
	exe[len] = '\0';
	/* strip "/tests/modules/module_sysfs" */
	for (i = 0; i < 3; i++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return -ENOENT;
		*slash = '\0';
	}
	snprintf(dir, sizeof(dir), "%s/modules", exe);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && ml->n < MAX_MODULES) {
		if (strncmp(de->d_name, "krg_", 4) || strlen(de->d_name) >= NAME_LEN)
			continue;
		strcpy(ml->name[ml->n++], de->d_name);
	}
	closedir(d);
	return ml->n;
}

/* Read a small text file, strip the trailing newline. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

static int path_kind(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return S_ISDIR(st.st_mode) ? 'd' : 'f';
}

static int is_loaded(const char *m)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s/initstate", m);
	return path_kind(p) == 'f';
}

static int count_holders(const char *m)
{
	char p[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(p, sizeof(p), "/sys/module/%s/holders", m);
	d = opendir(p);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Unload whatever is loaded, leaves first: each round removes the modules
 * nothing holds any more.  Returns the number still loaded.
 */
static int unload_all(const struct modlist *ml)
{
	int round, i, left = 0;

	for (round = 0; round <= ml->n; round++) {
		left = 0;
		for (i = 0; i < ml->n; i++) {
			if (!is_loaded(ml->name[i]))
				continue;
			if (count_holders(ml->name[i]) == 0)
				syscall(SYS_delete_module, ml->name[i], O_NONBLOCK);
			if (is_loaded(ml->name[i]))
				left++;
		}
		if (!left)
			break;
	}
	return left;
}

static int load_all(const struct modlist *ml)
{
	char cmd[64 + MAX_MODULES * NAME_LEN] = "modprobe -a";
	int i;

	for (i = 0; i < ml->n; i++) {
		strcat(cmd, " ");
		strcat(cmd, ml->name[i]);
	}
	return system(cmd);
}

static void mount_debugfs(void)
{
	if (path_kind(DEBUGFS "/kerrighed") || path_kind(DEBUGFS "/tracing"))
		return;
	mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
}

/*
 * Loading all modules takes seconds under emulation on a busy host: each
 * test gets 120 s instead of the harness's default 30 (TEST_F_TIMEOUT).
 */
FIXTURE(loaded) {
	struct modlist ml;
};

FIXTURE_SETUP(loaded)
{
	int i;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_LT(0, discover_modules(&self->ml));
	mount_debugfs();
	ASSERT_EQ(0, load_all(&self->ml));
	for (i = 0; i < self->ml.n; i++)
		ASSERT_TRUE(is_loaded(self->ml.name[i]))
			TH_LOG("%s not loaded after modprobe", self->ml.name[i]);
}

FIXTURE_TEARDOWN(loaded)
{
	EXPECT_EQ(0, unload_all(&self->ml));
}

TEST_F_TIMEOUT(loaded, sysfs_version_and_state, 120)
{
	char p[128], buf[128];
	int i;

	for (i = 0; i < self->ml.n; i++) {
		const char *m = self->ml.name[i];

		snprintf(p, sizeof(p), "/sys/module/%s/version", m);
		EXPECT_LT(0, read_text(p, buf, sizeof(buf)))
			TH_LOG("%s has no version", m);
		snprintf(p, sizeof(p), "/sys/module/%s/initstate", m);
		ASSERT_LT(0, read_text(p, buf, sizeof(buf)));
		EXPECT_STREQ("live", buf) TH_LOG("%s initstate", m);
	}
}

TEST_F_TIMEOUT(loaded, debugfs_dir_and_version, 120)
{
	char p[192], sysver[128], dbg[192], want[192];
	int i;

	if (!path_kind(DEBUGFS "/kerrighed"))
		ASSERT_EQ('d', path_kind(DEBUGFS "/tracing"))
			TH_LOG("debugfs is not mounted at " DEBUGFS);
	for (i = 0; i < self->ml.n; i++) {
		const char *m = self->ml.name[i];

		snprintf(p, sizeof(p), DEBUGFS "/kerrighed/%s", m);
		EXPECT_EQ('d', path_kind(p)) TH_LOG("%s missing", p);
		snprintf(p, sizeof(p), "/sys/module/%s/version", m);
		if (read_text(p, sysver, sizeof(sysver)) <= 0)
			continue;
		/* "<name> <version> abi <n>", the same version as sysfs */
		snprintf(p, sizeof(p), DEBUGFS "/kerrighed/%s/version", m);
		EXPECT_LT(0, read_text(p, dbg, sizeof(dbg))) TH_LOG("%s", p);
		snprintf(want, sizeof(want), "%s %s abi ", m, sysver);
		EXPECT_EQ(0, strncmp(dbg, want, strlen(want)))
			TH_LOG("%s says '%s', expected '%s<n>'", p, dbg, want);
	}
}

TEST_F_TIMEOUT(loaded, held_module_refuses_unload, 120)
{
	int i, held = 0;

	for (i = 0; i < self->ml.n; i++) {
		const char *m = self->ml.name[i];

		if (count_holders(m) <= 0)
			continue;
		held++;
		errno = 0;
		EXPECT_EQ(-1, syscall(SYS_delete_module, m, O_NONBLOCK));
		EXPECT_EQ(EWOULDBLOCK, errno) TH_LOG("rmmod %s while held", m);
		EXPECT_TRUE(is_loaded(m));
	}
	/* DESIGN.md: at least krg_comm is held by krg_kddm */
	EXPECT_LT(0, held);
}

/* Starts from whatever is loaded: no setup, no teardown. */
FIXTURE(unloaded) {
	int unused;
};

FIXTURE_SETUP(unloaded)
{
}

FIXTURE_TEARDOWN(unloaded)
{
}

TEST_F_TIMEOUT(unloaded, unload_leaves_nothing, 120)
{
	struct modlist ml;
	char p[192];
	int i;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_LT(0, discover_modules(&ml));
	mount_debugfs();
	ASSERT_EQ(0, load_all(&ml));
	ASSERT_EQ(0, unload_all(&ml));
	for (i = 0; i < ml.n; i++) {
		snprintf(p, sizeof(p), "/sys/module/%s", ml.name[i]);
		EXPECT_EQ(0, path_kind(p)) TH_LOG("%s still there", p);
		snprintf(p, sizeof(p), DEBUGFS "/kerrighed/%s", ml.name[i]);
		EXPECT_EQ(0, path_kind(p)) TH_LOG("%s left behind", p);
	}
}

TEST_HARNESS_MAIN
