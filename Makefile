# SPDX-License-Identifier: GPL-2.0
#
# Kerrighed: kernel modules for Debian 12's Linux 6.1 plus user-space tools.
#
#   make                   modules + tools
#   make modules [W=1]     every module in one Kbuild run (modules/Makefile)
#   make tools             every tools/<dir>/ with a Makefile; binaries -> build/bin/
#   make deps              install build and test dependencies (scripts/install-deps)
#   make check [ARGS=...]  the test suite (tests/run ARGS, e.g. ARGS=build), long
#                          tests at CI length (CI_LENGTHS)
#   make check-long [ARGS=...]  the same at full length (each suite's defaults)
#   make check-zdtm        CRIU's zdtm static tests, the full list, around migration
#                          (tests/zdtm; make check runs its reduced list)
#   make check-kernels     build the core-patched kernel, run KERNEL_SUITES (hooks, proc) on it
#   make check-debug       DEBUG_SUITES (hooks, comm_debug, proc's signals, caps, machine)
#                          on the debug kernel (core patch + KASAN, lockdep, kmemleak), long
#                          tests at CI length; check-debug-long: full length
#   make bench             benchmarks (tests/bench/run), ratios against raw TCP
#   make demo              boot a virtual cluster and show it working
#   make dkms-install [KVER=...]   /  make dkms-uninstall
#   make install [PREFIX=/usr] [DESTDIR=...]   the tools, man pages, completion,
#                          systemd unit (krg setuid root)  /  make uninstall
#   make style             checkpatch on modules/ and tools/ C files
#   make sparse            modules built with sparse (C=2)
#   make clean
#
# KDIR is the kernel build tree; by default the Debian 12 headers of the ABI
# the archive currently ships (scripts/kabi), e.g.
# /usr/src/linux-headers-6.1.0-56-amd64.  Never hard-code the ABI number.

SHELL := /bin/bash
KRG_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# Computed on first use only, so targets that need no kernel (clean, tools,
# style) run without apt metadata.
ifeq ($(origin KDIR),undefined)
KDIR = $(eval KDIR := $(krg_default_kdir))$(KDIR)
endif
krg_default_kdir = /usr/src/linux-headers-$(or $(shell $(KRG_ROOT)/scripts/kabi 2>/dev/null),$(error cannot find the Debian 6.1 ABI with scripts/kabi (run apt-get update); or pass KDIR=<kernel build dir>))

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$$/\1/p' $(KRG_ROOT)/dkms.conf)
DKMS_SRC := /usr/src/kerrighed-$(VERSION)
# Kernel release for dkms-install: the running one unless given.
KVER ?= $(shell uname -r)

BUILD := $(KRG_ROOT)/build
BINDIR := $(BUILD)/bin

# C tools: libraries first (the programs link against them), then the rest.
TOOL_DIRS = $(patsubst %/Makefile,%,$(sort $(wildcard tools/lib*/Makefile)) \
	$(filter-out $(wildcard tools/lib*/Makefile),$(sort $(wildcard tools/*/Makefile))))

.PHONY: all modules tools deps check check-long check-zdtm check-kernels check-debug check-debug-long bench demo \
	dkms-src dkms-install dkms-uninstall install uninstall style sparse clean

all: modules tools

modules:
	$(MAKE) -C modules KDIR=$(KDIR)

# Every ELF executable a tool directory builds at its top level is copied to
# build/bin/ (shared objects and static libraries stay where they are).
tools:
	@mkdir -p $(BINDIR)
	@set -e; for d in $(TOOL_DIRS); do \
		$(MAKE) -C $$d; \
		for f in $$d/*; do \
			[ -f "$$f" ] && [ -x "$$f" ] || continue; \
			case "$$f" in *.so|*.so.*) continue;; esac; \
			[ "$$(head -c 4 "$$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue; \
			install -m 0755 "$$f" $(BINDIR)/; \
			echo "  INSTALL $(patsubst $(KRG_ROOT)/%,%,$(BINDIR))/$$(basename $$f)"; \
		done; \
	done

deps:
	@test -x scripts/install-deps || { echo "error: scripts/install-deps is missing" >&2; exit 1; }
	scripts/install-deps

# CI runs the long tests shorter (tests/README.md, "CI time budget"): a
# 90 s soak instead of 5 min; 2 krg_comm unload cycles instead of 5; 10
# hook reload cycles instead of 20 on the stock and patched kernels, 4 on
# the debug kernel, with 300 forks per forker in its PID-range storm
# instead of 1500, and 2 rounds of comm_events' three membership changes
# under failing allocations instead of 3.  The check-*-long targets run
# every suite's own defaults:
# before a release, and after changing what a long test stresses (transport,
# failure detector, hook registration).
CI_LENGTHS := KRG_SOAK_SECONDS=90 HOOKS_RELOAD_CYCLES=10 COMM_UNLOAD_CYCLES=2
CI_DEBUG_LENGTHS := HOOKS_RELOAD_CYCLES=4 KRG_PID_STORM=300 KRG_EVENTS_ROUNDS=2

check: deps
	@test -x tests/run || { echo "error: tests/run is missing" >&2; exit 1; }
	$(CI_LENGTHS) tests/run $(ARGS)

check-long: deps
	@test -x tests/run || { echo "error: tests/run is missing" >&2; exit 1; }
	tests/run $(ARGS)

# CRIU's zdtm static tests (tests/zdtm/full.list) in the three modes of
# tests/zdtm/zdtm.sh (baseline, moved 1->2, moved 1->2->1); make check runs
# the reduced list.  About 30 minutes on the shared 2-core machine.  Run it
# after changing what migration moves.
ZDTM_TIMEOUT := 5400
check-zdtm: deps
	@test -x tests/run || { echo "error: tests/run is missing" >&2; exit 1; }
	KRG_ZDTM_LIST=full KRG_TEST_TIMEOUT=$(ZDTM_TIMEOUT) tests/run $(or $(ARGS),zdtm)

# Kernels built from linux-source-6.1 + core-patch/ (core-patch/build-kernel,
# reused while unchanged): the patch applies, the kernel builds and boots, and
# the suites that have a core-backend path run there.
# check-kernels: KERNEL_SUITES on the patched kernel, at full speed.
# check-debug: DEBUG_SUITES on the debug kernel, the same core patch plus
# KASAN, lockdep and kmemleak: tests/hooks, comm_debug (krg_comm's self-tests
# and membership events under injected allocation failures, which only the
# debug kernel can do) and the proc tests of signals, capabilities and the
# machine view (signals and system calls through the core backend's hooks).
# CI builds the debug kernel only and runs check-debug beside make check: a
# second kernel build costs CI more CPU than it has (tests/README.md, "CI
# time budget").  The other proc tests run 3-4 times slower there (KASAN
# under emulation: proc_view 241 s, proc_env 177 s) and proc_pids' storm
# runs out of memory on its nodes: they run on the stock kernel in CI and on
# the patched kernel in check-kernels, with proc_tty, proc_leave and
# proc_fail (terminal and membership paths, one code for both backends).
# proc_hostile and proc_wire feed malformed messages to the same parsing
# code on every kernel: the stock run has them.  ARGS: other suites.  Own
# cluster name and log folder, so they can run beside make check.
KERNEL_SUITES := hooks $(addprefix proc:,proc_env.sh proc_pids.sh proc_tty.sh proc_view.sh \
	proc_signals.sh proc_machine.sh proc_caps.sh proc_leave.sh proc_fail.sh)
DEBUG_SUITES := hooks comm_debug $(addprefix proc:,proc_signals.sh proc_machine.sh proc_caps.sh)

check-kernels check-debug check-debug-long: deps
	@test -x tests/run || { echo "error: tests/run is missing" >&2; exit 1; }
	$(lengths) KRG_TEST_CLUSTER=$${KRG_TEST_CLUSTER:-krg$(kvariant)} \
	KRG_TEST_LOGS=$${KRG_TEST_LOGS:-$(BUILD)/test-logs/kernel-$(kvariant)} \
		tests/run --kernel $(kvariant) $(or $(ARGS),$(suites))
check-kernels: kvariant = patched
check-kernels: suites = $(KERNEL_SUITES)
check-kernels: lengths = $(CI_LENGTHS)
check-debug check-debug-long: kvariant = debug
check-debug check-debug-long: suites = $(DEBUG_SUITES)
check-debug: lengths = $(CI_DEBUG_LENGTHS)

bench: deps
	tests/bench/run

demo: deps
	@test -x tools/vcluster/demo || { echo "error: tools/vcluster/demo is missing" >&2; exit 1; }
	tools/vcluster/demo

# A clean copy of what DKMS builds from (no build outputs, no git, no
# rootfs caches): dkms.conf, modules/ sources and the headers they include.
#   make dkms-src DEST=/some/dir
dkms-src:
	@test -n "$(DEST)" || { echo "error: dkms-src needs DEST=<dir>" >&2; exit 1; }
	@mkdir -p $(DEST)
	cp dkms.conf $(DEST)/
	find modules include \( -name '*.[chS]' -o -name Kbuild -o -name Makefile \) -type f \
		-print0 | xargs -0 cp --parents -t $(DEST)

dkms-install:
	@command -v dkms >/dev/null || { echo "error: dkms not installed: apt-get install dkms" >&2; exit 1; }
	@[[ "$(KVER)" =~ ^6\.1\. ]] || { echo "error: kernel $(KVER) is not 6.1; pass KVER=<6.1 release>, e.g. KVER=$$(scripts/kabi)" >&2; exit 1; }
	@test -d /lib/modules/$(KVER)/build || { echo "error: no headers for $(KVER): apt-get install linux-headers-$(KVER)" >&2; exit 1; }
	-dkms remove kerrighed/$(VERSION) --all 2>/dev/null
	rm -rf $(DKMS_SRC)
	$(MAKE) dkms-src DEST=$(DKMS_SRC)
	dkms add kerrighed/$(VERSION)
	dkms build kerrighed/$(VERSION) -k $(KVER)
	dkms install kerrighed/$(VERSION) -k $(KVER)

dkms-uninstall:
	@command -v dkms >/dev/null || { echo "error: dkms not installed" >&2; exit 1; }
	-dkms remove kerrighed/$(VERSION) --all
	rm -rf $(DKMS_SRC)

# The user-space half of a node: krgadm, krgd and krginit (administration,
# sbin), krg (users, bin; setuid root: joining the cluster's PID namespace
# needs CAP_SYS_ADMIN, and krg drops it for everything else) with migrate, a
# link to it (Kerrighed's "migrate PID NODE"), man pages,
# bash completion and the systemd unit, which runs $(PREFIX)/sbin/krgadm.
PREFIX ?= /usr
SYSTEMD_UNIT_DIR ?= /lib/systemd/system
INSTALL_FILES := $(PREFIX)/sbin/krgadm $(PREFIX)/sbin/krgd $(PREFIX)/sbin/krginit \
	$(PREFIX)/bin/krg $(PREFIX)/bin/migrate $(PREFIX)/share/man/man1/krg.1 \
	$(PREFIX)/share/man/man1/migrate.1 $(PREFIX)/share/man/man5/kerrighed-cluster.conf.5 \
	$(PREFIX)/share/man/man8/krgadm.8 $(PREFIX)/share/man/man8/krgd.8 \
	$(PREFIX)/share/bash-completion/completions/krgadm \
	$(PREFIX)/share/bash-completion/completions/krg $(SYSTEMD_UNIT_DIR)/kerrighed.service

install: tools
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 0755 $(BINDIR)/krgadm $(BINDIR)/krgd $(BINDIR)/krginit $(DESTDIR)$(PREFIX)/sbin/
	install -m 4755 $(BINDIR)/krg $(DESTDIR)$(PREFIX)/bin/
	ln -sf krg $(DESTDIR)$(PREFIX)/bin/migrate
	install -m 0644 tools/man/krg.1 tools/man/migrate.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 tools/man/kerrighed-cluster.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 tools/man/krgadm.8 tools/man/krgd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 tools/completion/krgadm tools/completion/krg \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	install -m 0644 tools/systemd/kerrighed.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))

# checkpatch.pl is not in Debian's headers packages: take it (and the files it
# reads) from linux-source-6.1 once, under build/.
LINUX_SOURCE_TAR := $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))
CHECKPATCH_DIR := $(BUILD)/checkpatch
CHECKPATCH := $(CHECKPATCH_DIR)/scripts/checkpatch.pl
CHECKPATCH_IGNORE := LINUX_VERSION_CODE,FILE_PATH_CHANGES,SPDX_LICENSE_TAG
CHECKPATCH_FLAGS := --no-tree --terse --quiet --show-types --strict --max-line-length=100
# User-space code has the C library's types, printf and sscanf, and none of
# the kernel's __printf/ARRAY_SIZE helpers.
CHECKPATCH_TOOLS_IGNORE := $(CHECKPATCH_IGNORE),PREFER_KERNEL_TYPES,AVOID_EXTERNS,SPLIT_STRING
CHECKPATCH_TOOLS_IGNORE := $(CHECKPATCH_TOOLS_IGNORE),PREFER_PR_LEVEL,NAKED_SSCANF,SSCANF_TO_KSTRTO
CHECKPATCH_TOOLS_IGNORE := $(CHECKPATCH_TOOLS_IGNORE),PREFER_DEFINED_ATTRIBUTE_MACRO,ARRAY_SIZE
# compat.h compares LINUX_VERSION_CODE by design, and copies upstream macro
# bodies token for token (so a backport redefines them silently).
CHECKPATCH_COMPAT_IGNORE := $(CHECKPATCH_IGNORE),CONSTANT_COMPARISON,MACRO_ARG_PRECEDENCE

$(CHECKPATCH):
	@test -n "$(LINUX_SOURCE_TAR)" || { echo "error: checkpatch.pl comes from linux-source-6.1: apt-get install linux-source-6.1" >&2; exit 1; }
	@mkdir -p $(CHECKPATCH_DIR)
	tar -xJf $(LINUX_SOURCE_TAR) -C $(CHECKPATCH_DIR) --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'

style: $(CHECKPATCH)
	@rc=0; \
	kfiles=$$(find modules include -name '*.[ch]' ! -name '*.mod.c' ! -path 'modules/compat/*' \
		-type f | sort); \
	cfiles=$$(find modules/compat -name '*.[ch]' -type f | sort); \
	tfiles=$$(find tools -name '*.[ch]' -type f | sort); \
	if [ -n "$$cfiles" ]; then \
		$(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore $(CHECKPATCH_COMPAT_IGNORE) -f $$cfiles || rc=1; \
	fi; \
	if [ -n "$$kfiles" ]; then \
		$(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore $(CHECKPATCH_IGNORE) -f $$kfiles || rc=1; \
	fi; \
	if [ -n "$$tfiles" ]; then \
		$(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore $(CHECKPATCH_TOOLS_IGNORE) -f $$tfiles || rc=1; \
	fi; \
	bad=$$(grep -rln LINUX_VERSION_CODE modules include tools --include='*.[ch]' | grep -v '^modules/compat/' || true); \
	if [ -n "$$bad" ]; then echo "LINUX_VERSION_CODE outside modules/compat/: $$bad"; rc=1; fi; \
	if [ $$rc = 0 ]; then echo "style: clean"; fi; \
	exit $$rc

sparse:
	@if ! command -v sparse >/dev/null; then \
		echo "sparse: not installed (apt-get install sparse), skipped"; \
	else \
		$(MAKE) -C modules KDIR=$(KDIR) C=2; \
	fi

clean:
	$(MAKE) -C modules clean
	@for d in $(TOOL_DIRS); do $(MAKE) -C $$d clean || echo "  (no clean in $$d)"; done
	rm -rf $(BINDIR) $(CHECKPATCH_DIR)
