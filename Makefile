# hermit-c: one GNU Make build. Everything it makes lands in build/.
#
#   make          build the SDK, the loader, uhyve and the examples
#   make run      set up, build, and boot the demo (uhyve, else QEMU)
#   make test     set up, build, and run the test suite
#   make bench    set up, build, and run the benchmarks
#
# Each part adds its own rules in its own fragment (kernel/kernel.mk, ...).

ROOT := $(abspath .)
BUILD := $(ROOT)/build
BIN := $(BUILD)/bin

HOSTCC ?= cc
HOSTCFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -I$(ROOT)/include

MUSL_INC := /usr/include/x86_64-linux-musl
MUSL_LIB := /usr/lib/x86_64-linux-musl

.PHONY: all run test bench setup clean format
all:

include kernel/kernel.mk
include sdk/sdk.mk
include loader/loader.mk
include $(wildcard uhyve/uhyve.mk)
include examples/examples.mk
include tests/tests.mk
include bench/bench.mk

setup:
	@scripts/setup.sh

run: setup
	@$(MAKE) -s all
	@scripts/run-demo.sh

test: setup
	@$(MAKE) -s all
	@tests/run.sh

bench: setup
	@$(MAKE) -s all
	@bench/run.sh
	@bench/uhyve.sh
	@bench/timer.sh
	@bench/threads.sh
	@bench/files.sh
	@bench/net.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
