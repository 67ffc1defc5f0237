// SPDX-License-Identifier: GPL-2.0
/*
 * krgadm node start|stop, check: the local node's life cycle (the cluster
 * environment's part is in env.c).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "krgadm.h"

extern char **environ;

/* Load order; unloading runs in reverse.  krg_comm is the only one needed. */
static const char *const all_modules[] = {
	"krg_comm", "krg_hooks", "krg_kddm", "krg_proc", "krg_mm", "krg_fs", "krg_sched",
};

#define NR_MODULES (sizeof(all_modules) / sizeof(all_modules[0]))

bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return !stat(path, &st);
}

int run_prog(char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	int status, ret;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	}
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		errno = ret;
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Is the module installed for the running kernel (modprobe can find it)? */
static bool module_available(const char *name)
{
	char *const argv[] = { "modprobe", "-n", "-q", (char *)name, NULL };

	return module_loaded(name) || run_prog(argv, true) == 0;
}

static int modprobe(const char *name, bool remove)
{
	char *const argv[] = { "modprobe", remove ? "-r" : "-q", (char *)name, NULL };
	int ret = run_prog(argv, false);

	if (ret < 0)
		return -errno;
	return ret ? -EIO : 0;
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static int check_module_list(const char *list)
{
	char buf[256];
	char *tok, *save = NULL;
	size_t i;

	if (strlen(list) >= sizeof(buf))
		return fail("module list too long");
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_MODULES; i++)
			if (!strcmp(tok, all_modules[i]))
				break;
		if (i == NR_MODULES)
			return fail("unknown module \"%s\" in -m (known: %s)", tok,
				    "krg_comm,krg_hooks,krg_kddm,krg_proc,krg_mm,krg_fs,krg_sched");
	}
	if (!in_list(list, "krg_comm"))
		return fail("-m must include krg_comm");
	return 0;
}

static int configure(const struct krg_conf *conf, const uint8_t key[KRG_COMM_KEY_LEN])
{
	struct krg_err err = { 0 };
	struct krg_handle *h;
	int ret = 0;

	if (open_comm(&h))
		return EXIT_ERR;
	ret = krg_cluster_configure(h, conf, key, &err);
	if (ret == -EBUSY)
		ret = fail("%s; run \"krgadm node stop\" first", krg_err_str(&err));
	else if (ret)
		ret = fail_err(&err);
	krg_close(h);
	return ret;
}

int cmd_node_start(int argc, char **argv)
{
	uint8_t key[KRG_COMM_KEY_LEN];
	struct krg_err err = { 0 };
	struct krg_conf *conf;
	char addr[INET_ADDRSTRLEN];
	bool insecure = false;
	int ret = EXIT_OK;
	size_t i;

	if (parse_cmd_opts(argc, argv, "m"))
		return EXIT_ERR;
	if (opt.modules && check_module_list(opt.modules))
		return EXIT_ERR;
	conf = malloc(sizeof(*conf));
	if (!conf)
		return fail("out of memory");
	if (krg_conf_load(opt.config, conf, &err) ||
	    krg_key_load(conf->key_file, key, &insecure, &err)) {
		free(conf);
		return fail_err(&err);
	}
	if (insecure)
		warn("key file %s is readable or writable by group or others; %s",
		     conf->key_file, "it should be mode 0600");

	if (modprobe("krg_comm", false)) {
		ret = fail("cannot load krg_comm (modprobe krg_comm failed)");
		goto out;
	}
	ret = configure(conf, key);
	if (ret)
		goto out;
	for (i = 1; i < NR_MODULES; i++) {
		const char *m = all_modules[i];

		if (opt.modules ? !in_list(opt.modules, m) : !module_available(m))
			continue;
		if (modprobe(m, false)) {
			warn("cannot load %s", m);
			ret = EXIT_DEGRADED;
		}
	}
	inet_ntop(AF_INET, &conf->address, addr, sizeof(addr));
	if (!opt.json)
		printf("node %u of cluster %u configured: %s:%u, %u node%s in %s\n",
		       conf->node_id, conf->cluster_id, addr, conf->port, conf->nr_nodes,
		       conf->nr_nodes == 1 ? "" : "s", opt.config);
	/* the cluster environment: default capabilities, krgd, READY */
	if (module_loaded("krg_proc")) {
		int env = env_start(conf);

		if (env == EXIT_ERR || (env == EXIT_DEGRADED && ret == EXIT_OK))
			ret = env;
	}
out:
	memset(key, 0, sizeof(key));
	free(conf);
	return ret;
}

int cmd_node_stop(int argc, char **argv)
{
	struct krg_cluster_info ci;
	struct krg_err err = { 0 };
	struct krg_handle *h;
	int ret = EXIT_OK;
	size_t i;

	if (parse_cmd_opts(argc, argv, ""))
		return EXIT_ERR;
	if (geteuid() != 0)
		return fail("node stop needs root (it unloads kernel modules)");
	/* the environment first: its processes go before the node leaves */
	if (env_stop())
		ret = EXIT_ERR;
	if (module_loaded("krg_comm") && !krg_open(&h, &err)) {
		/* leave cleanly first so the others do not declare us failed */
		if (!krg_cluster_get(h, &ci, &err) && ci.configured &&
		    ci.self_state == KRG_NODE_ONLINE) {
			struct krg_nodeset self;

			krg_nodeset_zero(&self);
			krg_nodeset_add(&self, ci.node_id);
			if (krg_nodes_del(h, &self, &err)) {
				warn("could not leave the cluster: %s", krg_err_str(&err));
				ret = EXIT_DEGRADED;
			}
		}
		krg_close(h);
	}
	for (i = NR_MODULES; i-- > 0;) {
		if (!module_loaded(all_modules[i]))
			continue;
		if (modprobe(all_modules[i], true))
			ret = fail("cannot unload %s", all_modules[i]);
	}
	return ret;
}

/* The first line of a sysfs file, without its newline; 0 or -1. */
static int read_first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f)
		return -1;
	if (fgets(buf, size, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

/*
 * krg_hooks: its backend, then one row per hook from
 * /sys/module/krg_hooks/hooks/<hook> ("<mechanism> <state> <consumer>").
 * Nothing when krg_hooks is not loaded: its module row says so.
 */
static void check_hooks(struct libscols_table *tb)
{
	static const char dir[] = "/sys/module/krg_hooks/hooks";
	char buf[160], path[320], mech[32], state[32], cons[96];
	struct libscols_line *ln;
	struct dirent **ents;
	int i, n;

	if (read_first_line("/sys/module/krg_hooks/backend", buf, sizeof(buf)))
		return;
	ln = krg_table_row(tb);
	krg_cell_str(ln, 0, "hooks backend");
	krg_cell_str(ln, 1, buf);
	krg_cell_str(ln, 2, strcmp(buf, "core") ? "stock kernel: tracepoints, kprobe, ftrace" :
		 "core patch entry points");
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (name[0] != '.' && !read_first_line(path, buf, sizeof(buf)) &&
		    sscanf(buf, "%31s %31s %95s", mech, state, cons) == 3) {
			ln = krg_table_row(tb);
			krg_cell_fmt(ln, 0, "hook %s", name);
			krg_cell_str(ln, 1, state);
			if (strcmp(cons, "-"))
				krg_cell_fmt(ln, 2, "%s, consumer %s", mech, cons);
			else
				krg_cell_str(ln, 2, mech);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

int cmd_check(int argc, char **argv)
{
	static const struct krg_col cols[] = {
		{ "CHECK", KRG_COL_STR, 0 }, { "STATUS", KRG_COL_STR, 0 },
		{ "DETAIL", KRG_COL_STR, 0 },
	};
	struct libscols_table *tb;
	struct libscols_line *ln;
	struct krg_cluster_info ci;
	struct krg_err err = { 0 };
	struct krg_handle *h = NULL;
	struct utsname u;
	int ret = EXIT_OK;
	size_t i;

	if (parse_cmd_opts(argc, argv, ""))
		return EXIT_ERR;
	tb = krg_table_new("checks", cols, 3);

	uname(&u);
	ln = krg_table_row(tb);
	krg_cell_str(ln, 0, "kernel");
	krg_cell_str(ln, 1, strncmp(u.release, "6.1.", 4) ? "warn" : "ok");
	krg_cell_fmt(ln, 2, "%s %s", u.release, u.version);

	for (i = 0; i < NR_MODULES; i++) {
		bool loaded = module_loaded(all_modules[i]);

		ln = krg_table_row(tb);
		krg_cell_fmt(ln, 0, "module %s", all_modules[i]);
		krg_cell_str(ln, 1, loaded ? "loaded" :
			 module_available(all_modules[i]) ? "available" : "missing");
		krg_cell_str(ln, 2, "");
		if (!loaded && i == 0)
			ret = EXIT_DEGRADED;
	}
	check_hooks(tb);

	if (krg_open(&h, &err))
		h = NULL;
	for (i = 0; i < NR_MODULES; i++) {
		int present = h ? krg_family_present(h, all_modules[i]) : 0;

		ln = krg_table_row(tb);
		krg_cell_fmt(ln, 0, "family %s", all_modules[i]);
		krg_cell_str(ln, 1, present > 0 ? "present" : "absent");
		krg_cell_str(ln, 2, i == 0 && !h ? krg_err_str(&err) : "");
		if (i == 0 && present <= 0)
			ret = EXIT_DEGRADED;
	}

	ln = krg_table_row(tb);
	krg_cell_str(ln, 0, "feature cluster");
	if (h && !krg_cluster_get(h, &ci, &err)) {
		char a[INET_ADDRSTRLEN];

		krg_cell_str(ln, 1, ci.configured ? "configured" : "unconfigured");
		if (ci.configured)
			krg_cell_fmt(ln, 2, "cluster %u node %u %s:%u protocol %u max %u nodes",
				     ci.cluster_id, ci.node_id,
				     inet_ntop(AF_INET, &ci.address, a, sizeof(a)), ci.port,
				     ci.proto_version, ci.max_nodes);
		else
			krg_cell_fmt(ln, 2, "protocol %u, max %u nodes",
				     ci.proto_version, ci.max_nodes);
		if (!ci.configured)
			ret = EXIT_DEGRADED;
	} else {
		krg_cell_str(ln, 1, "unavailable");
		krg_cell_str(ln, 2, h ? krg_err_str(&err) : "");
		ret = EXIT_DEGRADED;
	}
	krg_close(h);
	env_check(tb, &ret);
	krg_table_print(tb);
	return ret;
}
