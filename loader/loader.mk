# hermit-loader: the 32-bit multiboot ELF that QEMU boots with -kernel; it
# loads the hermit-c image given with -initrd and enters it in 64-bit mode.
# Included by the top-level Makefile (ROOT, BUILD, BIN). Also usable alone:
#   make -f loader/loader.mk ROOT=$PWD BUILD=$PWD/build BIN=$PWD/build/bin

LOADER_CC ?= gcc
LOADER_OUT := $(BUILD)/loader
LOADER_CFLAGS := -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mno-sse -mgeneral-regs-only -fno-asynchronous-unwind-tables -O2 -g \
	-Wall -Wextra -Werror -I$(ROOT)/include -MMD -MP
LOADER_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,-m,elf_i386 \
	-Wl,-T,$(ROOT)/loader/loader.ld -Wl,--build-id=none -Wl,-z,max-page-size=4096

# Sources relative to ROOT; objects mirror them under $(LOADER_OUT).
LOADER_SRCS := loader/entry.S loader/main.c loader/image.c loader/mem.c loader/cpu.c \
	loader/console.c loader/string.c common/uart.c common/acpi.c
LOADER_OBJS := $(addprefix $(LOADER_OUT)/,$(addsuffix .o,$(basename $(LOADER_SRCS))))

.PHONY: loader loader-tests
all: $(BIN)/hermit-loader
loader: $(BIN)/hermit-loader

$(BIN)/hermit-loader: $(LOADER_OBJS) $(ROOT)/loader/loader.ld
	@mkdir -p $(@D)
	$(LOADER_CC) $(LOADER_LDFLAGS) -o $@ $(LOADER_OBJS)

$(LOADER_OUT)/%.o: $(ROOT)/%.c $(ROOT)/loader/loader.mk
	@mkdir -p $(@D)
	$(LOADER_CC) $(LOADER_CFLAGS) -c -o $@ $<

$(LOADER_OUT)/%.o: $(ROOT)/%.S $(ROOT)/loader/loader.mk
	@mkdir -p $(@D)
	$(LOADER_CC) $(LOADER_CFLAGS) -c -o $@ $<

# Test images for tests/suites/loader.sh: tiny hermit-c images that print
# what they got in boot_info. Variants: -big (4 MiB of checked data, so the
# module overlaps its own destination), -abi2 (a future ABI version), -high
# (linked at 128 MiB, refused under -m 64M) and -low (linked over the loader).
LOADER_TEST_CFLAGS := -m64 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables -O2 \
	-Wall -Wextra -Werror -I$(ROOT)/include -MMD -MP
LOADER_TEST_LDFLAGS := -m64 -nostdlib -static -no-pie -Wl,-T,$(ROOT)/loader/test/image.ld \
	-Wl,--build-id=none -Wl,-z,max-page-size=4096
LOADER_TEST_IMAGES := $(LOADER_OUT)/test-image \
	$(addprefix $(LOADER_OUT)/test-image,-big -abi2 -high -low)
LOADER_TEST_COMMON := $(LOADER_OUT)/test/image.o $(LOADER_OUT)/test/uart.o

loader-tests: $(LOADER_TEST_IMAGES) $(LOADER_OUT)/test/host-test

$(LOADER_OUT)/test/image.o: $(ROOT)/loader/test/image.c $(ROOT)/loader/loader.mk
	@mkdir -p $(@D)
	$(LOADER_CC) $(LOADER_TEST_CFLAGS) -c -o $@ $<

$(LOADER_OUT)/test/uart.o: $(ROOT)/common/uart.c $(ROOT)/loader/loader.mk
	@mkdir -p $(@D)
	$(LOADER_CC) $(LOADER_TEST_CFLAGS) -c -o $@ $<

# loader_test_image SUFFIX, START.S-DEFINES, LINK-ADDRESS
define loader_test_image
$(LOADER_OUT)/test/start$(1).o: $(ROOT)/loader/test/start.S $(ROOT)/loader/loader.mk
	@mkdir -p $$(@D)
	$(LOADER_CC) $(LOADER_TEST_CFLAGS) $(2) -c -o $$@ $$<

$(LOADER_OUT)/test-image$(1): $(LOADER_OUT)/test/start$(1).o $(LOADER_TEST_COMMON) \
		$(ROOT)/loader/test/image.ld
	$(LOADER_CC) $(LOADER_TEST_LDFLAGS) -Wl,--defsym=TEST_BASE=$(3) -o $$@ $$< \
		$(LOADER_TEST_COMMON)
endef
$(eval $(call loader_test_image,,-DTEST_ABI=1,0x400000))
$(eval $(call loader_test_image,-big,-DTEST_ABI=1 -DTEST_BIG,0x400000))
$(eval $(call loader_test_image,-abi2,-DTEST_ABI=2,0x400000))
$(eval $(call loader_test_image,-high,-DTEST_ABI=1,0x8000000))
$(eval $(call loader_test_image,-low,-DTEST_ABI=1,0x100000))

# Host unit tests of the image checks and the ACPI S5 parser, with sanitizers.
LOADER_HOSTCC := $(or $(HOSTCC),cc)
LOADER_HOST_TEST_SRCS := $(ROOT)/loader/test/host.c $(ROOT)/loader/image.c \
	$(ROOT)/loader/mem.c $(ROOT)/common/acpi.c

$(LOADER_OUT)/test/host-test: $(LOADER_HOST_TEST_SRCS) $(wildcard $(ROOT)/loader/*.h) \
		$(ROOT)/include/hermit/acpi.h $(ROOT)/loader/loader.mk
	@mkdir -p $(@D)
	$(LOADER_HOSTCC) -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
		-Wall -Wextra -Werror -I$(ROOT)/include -o $@ $(LOADER_HOST_TEST_SRCS)

-include $(LOADER_OBJS:.o=.d) $(LOADER_OUT)/test/*.d
