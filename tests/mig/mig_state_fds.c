// SPDX-License-Identifier: GPL-2.0
/*
 * mig_state_fds.c: mig_state's file descriptors (see mig_state.h), opened
 * with their numbers, flags and close-on-exec flags, and checked: no other
 * descriptor open, offsets, O_APPEND writes at the end, the same files.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mig_state.h"

#define DATA_LEN	65536
#define DATA_OFF	4321
#define MAX_FD		1024

enum { FD_DATA = 37, FD_APPEND, FD_DIR, FD_NULL, FD_ZERO, FD_URANDOM };

static struct stat data_st, dir_st;
static off_t data_size;
unsigned long long fds_appended;

static void move_fd(int fd, int to, int flags)
{
	if (fd < 0)
		mig_die("open for fd %d: %s", to, strerror(errno));
	if (dup3(fd, to, flags) != to)
		mig_die("dup3 %d: %s", to, strerror(errno));
	close(fd);
}

void fds_setup(const char *name)
{
	char path[4096], buf[DATA_LEN];
	int i;

	for (i = 0; i < DATA_LEN; i++)
		buf[i] = (char)((i * 7 + 3) & 0xff);
	snprintf(path, sizeof(path), "%s/%s.data", state_dir, name);
	if (mig_write_file(path, buf, DATA_LEN))
		mig_die("cannot write %s", path);
	if (chmod(path, 0666))
		mig_die("chmod %s: %s", path, strerror(errno));
	move_fd(open(path, O_RDWR), FD_DATA, 0);
	if (lseek(FD_DATA, DATA_OFF, SEEK_SET) != DATA_OFF)
		mig_die("lseek: %s", strerror(errno));
	move_fd(open(path, O_WRONLY | O_APPEND), FD_APPEND, O_CLOEXEC);
	move_fd(open(state_dir, O_RDONLY | O_DIRECTORY), FD_DIR, 0);
	move_fd(open("/dev/null", O_WRONLY), FD_NULL, O_CLOEXEC);
	move_fd(open("/dev/zero", O_RDONLY), FD_ZERO, 0);
	move_fd(open("/dev/urandom", O_RDONLY), FD_URANDOM, O_CLOEXEC);
	if (fstat(FD_DATA, &data_st) || fstat(FD_DIR, &dir_st))
		mig_die("fstat: %s", strerror(errno));
	data_size = DATA_LEN;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static bool cloexec_is(int fd, bool want)
{
	return !!(fcntl(fd, F_GETFD) & FD_CLOEXEC) == want;
}

bool check_fd_set(bool full, char *why)
{
	static const int want[] = { 0, 1, 2, FD_DATA, FD_APPEND, FD_DIR, FD_NULL, FD_ZERO, FD_URANDOM };
	static const bool cloexec[] = { 0, 0, 0, 0, 1, 0, 1, 0, 1 };
	int fd, i, max = full ? MAX_FD : 64;

	for (fd = 0, i = 0; fd < max; fd++) {
		bool expected = i < 9 && want[i] == fd;

		if (fd_open(fd) != expected)
			return bad(why, "fd %d %s", fd, expected ? "closed" : "open, not expected");
		if (expected && !cloexec_is(fd, cloexec[i]))
			return bad(why, "fd %d: close-on-exec %s", fd, cloexec[i] ? "lost" : "set");
		if (expected)
			i++;
	}
	return true;
}

bool check_fd_data(bool full, char *why)
{
	struct stat st;
	char b[10];
	off_t off;
	int i, fl = fcntl(FD_DATA, F_GETFL);

	if ((fl & O_ACCMODE) != O_RDWR || (fl & O_APPEND))
		return bad(why, "flags %#x, want O_RDWR without O_APPEND", fl);
	off = lseek(FD_DATA, 0, SEEK_CUR);
	if (off != DATA_OFF)
		return bad(why, "offset %lld, want %d", (long long)off, DATA_OFF);
	if (fstat(FD_DATA, &st) || st.st_ino != data_st.st_ino)
		return bad(why, "inode %llu, was %llu", (unsigned long long)st.st_ino,
			   (unsigned long long)data_st.st_ino);
	if (!full)
		return true;
	if (read(FD_DATA, b, sizeof(b)) != sizeof(b))
		return bad(why, "read: %s", strerror(errno));
	if (lseek(FD_DATA, DATA_OFF, SEEK_SET) != DATA_OFF)
		return bad(why, "lseek back: %s", strerror(errno));
	for (i = 0; i < 10; i++)
		if (b[i] != (char)(((DATA_OFF + i) * 7 + 3) & 0xff))
			return bad(why, "byte %d at the offset: %#x", i, b[i] & 0xff);
	return true;
}

/* full: one byte appended through FD_APPEND lands at the end of the file */
bool check_fd_append(bool full, char *why)
{
	struct stat st;
	char c;
	int fl = fcntl(FD_APPEND, F_GETFL);

	if ((fl & O_ACCMODE) != O_WRONLY || !(fl & O_APPEND))
		return bad(why, "flags %#x, want O_WRONLY|O_APPEND", fl);
	if (!full)
		return true;
	if (write(FD_APPEND, "A", 1) != 1)
		return bad(why, "write: %s", strerror(errno));
	data_size++;
	fds_appended++;
	if (fstat(FD_DATA, &st) || st.st_size != data_size)
		return bad(why, "size %lld after the append, want %lld", (long long)st.st_size,
			   (long long)data_size);
	if (pread(FD_DATA, &c, 1, data_size - 1) != 1 || c != 'A')
		return bad(why, "last byte %#x, want 'A'", c & 0xff);
	return true;
}

bool check_fd_dir(bool full, char *why)
{
	char name[300];
	struct stat st;

	if (fstat(FD_DIR, &st) || !S_ISDIR(st.st_mode) || st.st_ino != dir_st.st_ino)
		return bad(why, "not %s (inode %llu, mode %o)", state_dir, (unsigned long long)st.st_ino,
			   st.st_mode);
	if (!full)
		return true;
	snprintf(name, sizeof(name), "%s.data", mig_name);
	if (faccessat(FD_DIR, name, R_OK, 0))
		return bad(why, "%s through the directory fd: %s", name, strerror(errno));
	return true;
}

bool check_fd_devs(bool full, char *why)
{
	static const struct { int fd, min, acc; } devs[] = {
		{ FD_NULL, 3, O_WRONLY }, { FD_ZERO, 5, O_RDONLY }, { FD_URANDOM, 9, O_RDONLY },
	};
	unsigned char b[16];
	struct stat st;
	int i;

	for (i = 0; i < 3; i++) {
		if (fstat(devs[i].fd, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, devs[i].min))
			return bad(why, "fd %d: not the character device 1:%d", devs[i].fd, devs[i].min);
		if ((fcntl(devs[i].fd, F_GETFL) & O_ACCMODE) != devs[i].acc)
			return bad(why, "fd %d: access mode changed", devs[i].fd);
	}
	if (!full)
		return true;
	if (write(FD_NULL, "x", 1) != 1)
		return bad(why, "write /dev/null: %s", strerror(errno));
	memset(b, 0xff, sizeof(b));
	if (read(FD_ZERO, b, sizeof(b)) != sizeof(b))
		return bad(why, "read /dev/zero: %s", strerror(errno));
	for (i = 0; i < 16; i++)
		if (b[i])
			return bad(why, "/dev/zero gave %#x", b[i]);
	if (read(FD_URANDOM, b, sizeof(b)) != sizeof(b))
		return bad(why, "read /dev/urandom: %s", strerror(errno));
	return true;
}