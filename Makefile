# SPDX-License-Identifier: GPL-2.0
#
# xmesh top-level build. `make` builds the module, the eBPF objects and the
# userspace tools; `make check` runs every test suite (host and VM);
# `make demo` runs the multi-node demo in a VM; `make bench` the benchmarks.
# check, demo and bench first install what is missing (tools/setup).

# The module builds against the running kernel where its build tree exists,
# else against the newest Debian headers; KDIR= overrides.
KDIR ?= $(shell tools/kdir 2>/dev/null)

.PHONY: all module bpf userspace man deb setup check demo bench clean

all: module bpf userspace man

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run tools/setup or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

bpf:
	$(MAKE) -C bpf

userspace: bpf
	$(MAKE) -C userspace

# Man pages: Documentation/man/*.scd, in scdoc, into build/man/ (roff).
MAN_SRCS := $(wildcard Documentation/man/*.scd)
MAN_OUTS := $(MAN_SRCS:Documentation/man/%.scd=build/man/%)

man: $(MAN_OUTS)

build/man/%: Documentation/man/%.scd
	@mkdir -p build/man
	scdoc <$< >$@.tmp
	mv $@.tmp $@

# Debian packages xmesh and xmesh-dkms (debian/), built from a copy of the
# tree in build/deb/; the .deb files are left in build/deb/.
deb:
	@tools/deb/build

setup:
	@tools/setup

# Recursive makes: on a fresh machine KDIR is only known after setup.
check: setup
	@$(MAKE) --no-print-directory all
	@tools/check/run-suites

demo: setup
	@$(MAKE) --no-print-directory all
	@tools/demo/run

bench: setup
	@$(MAKE) --no-print-directory all
	@tools/bench/run

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C bpf clean
	-$(MAKE) -C userspace clean
	rm -rf build
