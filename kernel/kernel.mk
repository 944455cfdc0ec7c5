# The kernel, libhermit.a, built once per configuration (sdk/variant.sh)
# into build/kernel/VARIANT/. hermit-gcc asks for the variant an app needs.

# The configuration comes from HERMIT_FEATURES and HERMIT_LOG_LEVEL_FILTER
# (environment or make variables); a bad one stops the build here.
export HERMIT_FEATURES HERMIT_LOG_LEVEL_FILTER
KVARIANT := $(shell $(ROOT)/sdk/variant.sh name)
ifeq ($(KVARIANT),)
$(error the kernel configuration is invalid (see the message above))
endif
KLEVEL := $(shell $(ROOT)/sdk/variant.sh level)
KFEATURE_FLAGS := $(shell $(ROOT)/sdk/variant.sh cflags)
KDIR := $(BUILD)/kernel/$(KVARIANT)
KLIB := $(KDIR)/libhermit.a

klevel_off := 0
klevel_error := 1
klevel_warn := 2
klevel_info := 3
klevel_debug := 4
klevel_trace := 5

GCC_INC := $(shell $(HOSTCC) -print-file-name=include)
KCFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(MUSL_INC) -isystem $(GCC_INC) \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-pic -fno-pie \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-I$(ROOT)/include -I$(ROOT)/kernel/include -I$(BUILD)/kernel/gen \
	-DHERMIT_LOG_DEFAULT=$(klevel_$(KLEVEL)) $(KFEATURE_FLAGS) -MMD -MP

KFEATURES := $(shell $(ROOT)/sdk/variant.sh features)

# Files that belong to one feature are built only when it is on.
feature_src_acpi := kernel/drivers/acpi.c
feature_src_vga := kernel/drivers/vga.c
feature_src_pci := kernel/drivers/pci.c kernel/drivers/virtio.c kernel/drivers/virtio_rng.c
feature_src_virtio-fs := kernel/drivers/virtio_fs.c
feature_src_tcp := $(wildcard kernel/net/*.c)
feature_src_rtl8139 := kernel/drivers/rtl8139.c
# virtio-net needs both pci and tcp.
feature_src_tcp+pci := kernel/drivers/virtio_net.c
KFEATURE_SRC := $(foreach f,acpi vga pci virtio-fs tcp rtl8139 tcp+pci,$(feature_src_$(f)))
KSRC := $(filter-out $(KFEATURE_SRC),$(wildcard kernel/*/*.c kernel/arch/x86_64/*.c)) \
	$(foreach f,$(KFEATURES),$(feature_src_$(f))) common/uart.c common/acpi.c \
	$(if $(filter tcp,$(KFEATURES)),$(if $(filter pci,$(KFEATURES)),$(feature_src_tcp+pci)))
KASM := $(wildcard kernel/arch/x86_64/*.S)
KOBJ := $(patsubst %,$(KDIR)/obj/%.o,$(KSRC) $(KASM))

$(BUILD)/kernel/gen/syscall_names.h: $(MUSL_INC)/bits/syscall.h
	@mkdir -p $(@D)
	sed -n 's/^#define __NR_\([a-z0-9_]*\)[[:space:]]*\([0-9]*\)$$/[\2] = "\1",/p' $< >$@

$(KDIR)/obj/kernel/syscall/table.c.o: $(BUILD)/kernel/gen/syscall_names.h

$(KDIR)/obj/%.c.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(KCFLAGS) -c $< -o $@

$(KDIR)/obj/%.S.o: %.S
	@mkdir -p $(@D)
	$(HOSTCC) $(KCFLAGS) -c $< -o $@

$(KLIB): $(KOBJ)
	@rm -f $@
	ar rcs $@ $^

.PHONY: kernel
kernel: $(KLIB)
all: $(KLIB)

-include $(KOBJ:.o=.d)

# lwIP (feature tcp), from Debian's source package, built with our port
# (kernel/net/port) and the kernel's flags minus our warnings policy.
LWIP := $(BUILD)/lwip
LWIP_STAMP := $(LWIP)/src/src/core/tcp.c
LWIP_FILES := $(addprefix core/,def.c dns.c inet_chksum.c init.c ip.c mem.c memp.c netif.c pbuf.c \
	stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
	$(addprefix core/ipv4/,dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
	$(addprefix api/,api_lib.c api_msg.c err.c netbuf.c tcpip.c) netif/ethernet.c
LWIP_CFLAGS := $(filter-out -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP,$(KCFLAGS)) -w \
	-I$(ROOT)/kernel/net/port -I$(LWIP)/src/src/include -include $(ROOT)/kernel/net/port/klibc.h
KCFLAGS_NET := -I$(ROOT)/kernel/net/port -I$(LWIP)/src/src/include
LWIP_OBJ := $(patsubst %,$(KDIR)/obj/lwip/%.o,$(LWIP_FILES))

$(LWIP_STAMP):
	$(ROOT)/scripts/fetch-lwip.sh $(LWIP)

$(LWIP)/src/src/%: | $(LWIP_STAMP) ;

$(KDIR)/obj/lwip/%.c.o: $(LWIP_STAMP) $(wildcard $(ROOT)/kernel/net/port/*.h $(ROOT)/kernel/net/port/arch/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(LWIP_CFLAGS) -c $(LWIP)/src/src/$*.c -o $@

$(KDIR)/obj/kernel/net/%.c.o: kernel/net/%.c | $(LWIP_STAMP)
	@mkdir -p $(@D)
	$(HOSTCC) $(KCFLAGS) $(KCFLAGS_NET) -c $< -o $@

ifneq ($(filter tcp,$(KFEATURES)),)
$(KLIB): $(LWIP_OBJ)
endif
