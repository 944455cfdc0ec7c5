#!/usr/bin/env bash
# PCI and the virtio transport (feature pci): enumeration through the ports
# (pc) and ECAM (q35), one named log line per device, and a virtio-rng read
# through a split virtqueue with MSI-X and with INTx, with and without
# EVENT_IDX; a kernel without pci never touches PCI.
. "$(dirname "$0")/../lib.sh"
hello=$ROOT/examples/hello/hello.c

if ! build h-pci "$hello" || ! build h-nopci --features=smp,acpi "$hello"; then
	fail "pci builds" "hermit-gcc failed"
	exit 0
fi

# rng MACHINE DEVICE-OPTIONS: boot hello with a virtio-rng device.
rng() {
	qemu --timeout 60 -c 2 -e HERMIT_LOG_LEVEL_FILTER=debug --qemu -machine --qemu "$1" \
		--qemu -device --qemu "virtio-rng-pci$2" "$T/h-pci"
}
# rng_read MODE: the 32 bytes came through the virtqueue, by interrupt MODE.
rng_read() {
	grep -qE "INFO  virtio-rng: 32 bytes through virtqueue 0 \($1, [1-9][0-9]* interrupts, .*\): [0-9a-f]{64}" "$OUT"
}
no_warnings() { ! grep -qE "WARN |ERROR " "$OUT"; }

rng pc ""
check "pc: enumeration through the ports, devices named" -- rc_is 0 -- has "Hello, world!" \
	-- has "pci: configuration through ports 0xcf8/0xcfc" \
	-- has "INFO  pci: 00:00.0 8086:1237 Intel 440FX host bridge (class 06:00)" \
	-- has "INFO  pci: 00:01.0 8086:7000 Intel PIIX3 ISA bridge" \
	-- grep -qE "INFO  pci: 00:0.\.0 1af4:1005 Red Hat virtio entropy source \(rng\) \(transitional\) \(class 00:ff, MSI-X" "$OUT" \
	-- grep -qE "DEBUG pci: 00:0.\.0 BAR4 memory 64-bit prefetchable at 0x" "$OUT"
check "pc: virtio-rng read through the virtqueue (MSI-X, EVENT_IDX)" -- rc_is 0 \
	-- rng_read "MSI-X" -- has ", EVENT_IDX): " -- no_warnings

rng pc ",vectors=0"
check "pc: virtio-rng with INTx (level, IOAPIC)" -- rc_is 0 -- rng_read INTx \
	-- grep -qE "DEBUG ioapic: GSI 1[01] -> vector 0x[4-9a-d][0-9a-f], level" "$OUT" -- no_warnings

rng q35 ""
check "q35: enumeration through ECAM, devices named" -- rc_is 0 -- has "Hello, world!" \
	-- has "pci: configuration through ECAM at 0xb0000000" \
	-- has "INFO  pci: 00:00.0 8086:29c0 Intel Q35 host bridge (class 06:00)" \
	-- has "INFO  pci: 00:1f.0 8086:2918 Intel ICH9 LPC/ISA bridge" \
	-- grep -qE "INFO  pci: 00:0.\.0 1af4:10(05|44) Red Hat virtio entropy source \(rng\)" "$OUT"
check "q35: virtio-rng read through the virtqueue (MSI-X)" -- rc_is 0 -- rng_read "MSI-X" -- no_warnings

rng q35 ",vectors=0"
check "q35: virtio-rng with INTx" -- rc_is 0 -- rng_read INTx -- no_warnings

rng q35 ",disable-legacy=on,event_idx=off"
check "modern-only device (1af4:1044) without EVENT_IDX" -- rc_is 0 \
	-- has "1af4:1044 Red Hat virtio entropy source (rng) (class" -- rng_read "MSI-X" \
	-- has "notifies): " -- no_warnings

qemu --timeout 60 -c 2 --qemu -device --qemu pci-bridge,id=br1,chassis_nr=1 \
	--qemu -device --qemu virtio-rng-pci,bus=br1,addr=1 \
	--qemu -device --qemu virtio-rng-pci,vectors=0 "$T/h-pci"
both() { [[ $(grep -c "INFO  virtio-rng: 32 bytes" "$OUT") == 2 ]]; }
check "two devices, one behind a PCI-PCI bridge, MSI-X and INTx" -- rc_is 0 \
	-- has "INFO  pci: 01:01.0 1af4:1005 Red Hat virtio entropy source" \
	-- has "Red Hat PCI-PCI bridge" -- both -- rng_read "MSI-X" -- rng_read INTx

qemu --timeout 60 -e HERMIT_LOG_LEVEL_FILTER=debug --qemu -device --qemu virtio-rng-pci "$T/h-nopci"
no_pci() { ! grep -qE "(pci|virtio)[-a-z]*: " "$OUT"; }
check "kernel without pci boots and never touches PCI" -- rc_is 0 -- has "Hello, world!" \
	-- has "features: smp acpi" -- has "features off: pci" -- no_pci
