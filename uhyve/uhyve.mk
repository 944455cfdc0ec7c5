# uhyve, the KVM monitor, and hermit-run; included by the top-level Makefile
# (ROOT, BUILD, BIN, HOSTCC, HOSTCFLAGS come from there).
#
#   make                  builds $(BIN)/uhyve and $(BIN)/hermit-run
#   make uhyve-tests      builds the host unit tests and the test images
#                         (tests/suites/uhyve.sh runs them)

UHYVE_SRC := $(ROOT)/uhyve
UHYVE_OUT := $(BUILD)/uhyve
UHYVE_CFLAGS := $(HOSTCFLAGS) -pthread -MMD -MP -I$(UHYVE_SRC)
UHYVE_MODS := options guest image kvm cpuid hypercall hostfs pci virtq vnet tap vcpu run probe
UHYVE_OBJS := $(UHYVE_MODS:%=$(UHYVE_OUT)/%.o) $(UHYVE_OUT)/probe-guest.o

all: $(BIN)/uhyve $(BIN)/hermit-run

$(BIN)/uhyve: $(UHYVE_OUT)/main.o $(UHYVE_OBJS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -pthread -o $@ $^

$(BIN)/hermit-run: $(UHYVE_SRC)/hermit-run
	@mkdir -p $(@D)
	install -m 755 $< $@

$(UHYVE_OUT)/%.o: $(UHYVE_SRC)/%.c
	@mkdir -p $(@D)
	$(HOSTCC) $(UHYVE_CFLAGS) -c -o $@ $<

$(UHYVE_OUT)/probe-guest.o: $(UHYVE_SRC)/probe.S
	@mkdir -p $(@D)
	$(HOSTCC) $(UHYVE_CFLAGS) -c -o $@ $<

# ---- tests: host unit tests and freestanding test images ----
UHYVE_TOUT := $(UHYVE_OUT)/test
UHYVE_TESTS := test_options test_image test_hypercall test_cpuid test_hostfs test_virtq test_vnet
UHYVE_TEST_BINS := $(UHYVE_TESTS:%=$(UHYVE_TOUT)/%)
UHYVE_IMAGES := $(UHYVE_TOUT)/testimage $(UHYVE_TOUT)/testimage-big $(UHYVE_TOUT)/testimage-abi2
UHYVE_GUEST_CFLAGS := -O2 -std=gnu11 -Wall -Wextra -Werror -I$(ROOT)/include \
	-ffreestanding -fno-pie -no-pie -nostdlib -static -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
	-Wl,-T,$(UHYVE_SRC)/test/testimage.ld -Wl,--build-id=none -Wl,-z,noexecstack

# Unit tests build the modules they test again, with ASan and UBSan.
UHYVE_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
UHYVE_TEST_CFLAGS := $(UHYVE_CFLAGS) -O1 -fno-omit-frame-pointer $(UHYVE_SAN)

.PHONY: uhyve-tests
uhyve-tests: $(UHYVE_TEST_BINS) $(UHYVE_IMAGES)

$(UHYVE_TOUT)/%.o: $(UHYVE_SRC)/test/%.c
	@mkdir -p $(@D)
	$(HOSTCC) $(UHYVE_TEST_CFLAGS) -c -o $@ $<

$(UHYVE_TOUT)/san/%.o: $(UHYVE_SRC)/%.c
	@mkdir -p $(@D)
	$(HOSTCC) $(UHYVE_TEST_CFLAGS) -c -o $@ $<

$(UHYVE_TOUT)/test_options: $(UHYVE_TOUT)/test_options.o $(UHYVE_TOUT)/san/options.o
$(UHYVE_TOUT)/test_image: $(UHYVE_TOUT)/test_image.o $(UHYVE_TOUT)/san/image.o \
	$(UHYVE_TOUT)/san/guest.o
$(UHYVE_TOUT)/test_hypercall: $(UHYVE_TOUT)/test_hypercall.o $(UHYVE_TOUT)/san/hypercall.o \
	$(UHYVE_TOUT)/san/hostfs.o $(UHYVE_TOUT)/san/guest.o
$(UHYVE_TOUT)/test_hostfs: $(UHYVE_TOUT)/test_hostfs.o $(UHYVE_TOUT)/san/hostfs.o \
	$(UHYVE_TOUT)/san/hypercall.o $(UHYVE_TOUT)/san/guest.o $(UHYVE_TOUT)/san/options.o
$(UHYVE_TOUT)/test_cpuid: $(UHYVE_TOUT)/test_cpuid.o $(UHYVE_TOUT)/san/cpuid.o
$(UHYVE_TOUT)/test_virtq: $(UHYVE_TOUT)/test_virtq.o $(UHYVE_TOUT)/san/virtq.o \
	$(UHYVE_TOUT)/san/guest.o
$(UHYVE_TOUT)/test_vnet: $(UHYVE_TOUT)/test_vnet.o $(UHYVE_TOUT)/san/vnet.o \
	$(UHYVE_TOUT)/san/pci.o $(UHYVE_TOUT)/san/virtq.o $(UHYVE_TOUT)/san/guest.o
$(UHYVE_TEST_BINS):
	$(HOSTCC) $(HOSTCFLAGS) -pthread $(UHYVE_SAN) -o $@ $^

$(UHYVE_TOUT)/testimage: $(UHYVE_SRC)/test/testimage.c $(UHYVE_SRC)/test/testimage.ld
	@mkdir -p $(@D)
	$(HOSTCC) $(UHYVE_GUEST_CFLAGS) -o $@ $<

$(UHYVE_TOUT)/testimage-big: $(UHYVE_SRC)/test/testimage.c $(UHYVE_SRC)/test/testimage.ld
	@mkdir -p $(@D)
	$(HOSTCC) $(UHYVE_GUEST_CFLAGS) -DBIG_BSS -o $@ $<

$(UHYVE_TOUT)/testimage-abi2: $(UHYVE_SRC)/test/testimage.c $(UHYVE_SRC)/test/testimage.ld
	@mkdir -p $(@D)
	$(HOSTCC) $(UHYVE_GUEST_CFLAGS) -DNOTE_ABI=2 -o $@ $<

-include $(wildcard $(UHYVE_OUT)/*.d $(UHYVE_TOUT)/*.d $(UHYVE_TOUT)/san/*.d)
