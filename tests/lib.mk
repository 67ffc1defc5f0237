# SPDX-License-Identifier: GPL-2.0
#
# Shared rules for the kselftest-style test directories under tests/.
#
# An area's Makefile sets some of
#   TEST_GEN_PROGS   C programs (<name>.c) that tests/run executes inside node 1
#                    (or on the host when the area's settings say nodes=0)
#   TEST_GEN_FILES   C programs that are built but only run by the area's scripts
#   TEST_PROGS       scripts that tests/run executes on the host
#   TEST_FILES       other files the scripts use (listed for documentation)
#   TEST_MODULES     subdirectories holding a test module (a Kbuild file), built
#                    against the project modules' Module.symvers for KDIR (the
#                    Debian headers of scripts/kabi unless given); the virtual
#                    cluster installs every .ko under tests/ into its nodes
# and then includes this file:  include ../lib.mk
#
# Targets: all (default), clean, list-tests (one "gen NAME" or "script NAME" line
# per test, in the order tests/run runs them).
#
# kselftest_harness.h and kselftest.h are taken from Debian's linux-source-6.1
# at build time and extracted once into build/kselftest/; they are never copied
# into the tree.

KRG_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
KSFT_DIR := $(KRG_TOP)/build/kselftest
KSFT_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KSFT_HEADERS := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

CC ?= gcc
CFLAGS ?= -O2 -g
# -Wno-unused-parameter: kselftest_harness.h macros generate unused
# parameters (variant, ucontext) in every TEST().
CFLAGS += -Wall -Wextra -Wno-unused-parameter -O2 -I$(KSFT_DIR) -I$(KRG_TOP)/include/uapi -D_GNU_SOURCE
LDLIBS ?=

TEST_GEN_PROGS ?=
TEST_GEN_FILES ?=
TEST_PROGS ?=
TEST_FILES ?=
TEST_MODULES ?=

.DEFAULT_GOAL := all
.PHONY: all clean list-tests kselftest-headers

all: $(TEST_GEN_PROGS) $(TEST_GEN_FILES)

# A pattern rule, so an area may still write its own rule for a program
# (for extra sources) without make warning about an overridden recipe.
%: %.c $(KSFT_HEADERS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

kselftest-headers: $(KSFT_HEADERS)

# Extract both headers in one pass into a temporary folder and rename it into
# place, so a concurrent or interrupted build never sees half a header.
$(KSFT_HEADERS):
	@test -r $(KSFT_TARBALL) || { \
		echo "lib.mk: $(KSFT_TARBALL) missing: apt-get install linux-source-6.1 (or: make deps)" >&2; \
		exit 1; }
	@mkdir -p $(KRG_TOP)/build
	@tmp=$$(mktemp -d $(KRG_TOP)/build/.kselftest.XXXXXX) && \
	tar -xJf $(KSFT_TARBALL) -C $$tmp --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h && \
	if [ -d $(KSFT_DIR) ]; then rm -rf $$tmp; else mv $$tmp $(KSFT_DIR); fi

# Programs that speak netlink link libkrg, the project's only netlink client:
# libkrg_test.a (the test modules' families, tests/include/) before libkrg.a.
#   prog: prog.c $(LIBKRG_DEPS)
#   	$(CC) $(CFLAGS) $(LIBKRG_CFLAGS) -o $@ prog.c $(LIBKRG_LIBS)
LIBKRG_DIR := $(KRG_TOP)/tools/libkrg
LIBKRG_CFLAGS = -I$(LIBKRG_DIR) -I$(KRG_TOP)/tests/include $(shell pkg-config --cflags libnl-genl-3.0)
LIBKRG_LIBS = $(LIBKRG_DIR)/libkrg_test.a $(LIBKRG_DIR)/libkrg.a \
	$(shell pkg-config --libs libnl-genl-3.0)
LIBKRG_DEPS := $(LIBKRG_DIR)/libkrg_test.a $(LIBKRG_DIR)/libkrg.a
# always ask libkrg's own Makefile whether the archives are up to date
$(LIBKRG_DEPS): libkrg-archives
.PHONY: libkrg-archives
libkrg-archives:
	@$(MAKE) -s -C $(LIBKRG_DIR) KRG_TOP=$(KRG_TOP) libkrg.a libkrg_test.a

ifneq ($(TEST_MODULES),)
ifeq ($(origin KDIR),undefined)
KDIR = $(eval KDIR := /usr/src/linux-headers-$(shell $(KRG_TOP)/scripts/kabi))$(KDIR)
endif
KRG_SYMVERS := $(KRG_TOP)/modules/Module.symvers
EXTRA_CLEAN += $(foreach d,$(TEST_MODULES),$(wildcard $(d)/*.o $(d)/*.ko $(d)/*.mod \
	$(d)/*.mod.c $(d)/.*.cmd $(d)/modules.order $(d)/Module.symvers))

.PHONY: $(TEST_MODULES)
all: $(TEST_MODULES)
$(TEST_MODULES):
	@test -f $(KRG_SYMVERS) || { \
		echo "$(CURDIR): $(KRG_SYMVERS) missing: run make in the top directory first" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$@ KBUILD_EXTRA_SYMBOLS=$(KRG_SYMVERS) modules
endif

clean:
	rm -f $(TEST_GEN_PROGS) $(TEST_GEN_FILES) $(EXTRA_CLEAN)

list-tests:
	@for t in $(TEST_GEN_PROGS); do echo "gen $$t"; done
	@for t in $(TEST_PROGS); do echo "script $$t"; done
