#!/usr/bin/env bash
# Build-time features (DESIGN.md D5): one kernel per feature set, recorded in
# the image and reported at boot; bad names fail the build; the log level
# also at run time, up and down; feature fsgsbase.
. "$(dirname "$0")/../lib.sh"
hello=$ROOT/examples/hello/hello.c

features_line() { grep -q "INFO  features: $1" "$OUT"; }

if build h-default "$hello" && build h-net --features=smoltcp,dhcpv4 "$hello" &&
	build h-noacpi --features=smp,pci "$hello"; then
	qemu --timeout 60 "$T/h-default"
	check "default image reports smp pci acpi virtio-fs" -- rc_is 0 -- features_line "smp pci acpi virtio-fs"
	qemu --timeout 60 "$T/h-net"
	check "smoltcp,dhcpv4 image reports tcp dhcpv4" -- rc_is 0 -- features_line "tcp dhcpv4"
	qemu --timeout 60 -e HERMIT_LOG_LEVEL_FILTER=debug "$T/h-noacpi"
	check "kernel without acpi boots and says so" -- rc_is 0 -- has "Hello, world!" \
		-- features_line "smp pci" -- has "features off: acpi" -- has "acpi: feature off"
	differ() { ! cmp -s <(readelf -n "$T/h-default" | grep -A1 NT_ARCH) <(readelf -n "$T/h-net" | grep -A1 NT_ARCH); }
	check "images record their feature sets in a note" -- differ
else
	fail "feature builds" "hermit-gcc failed"
fi

OUT=$T/bad.log
"$BIN/hermit-gcc" --features=smp,vgaa -o "$T/bad" "$hello" >"$OUT" 2>&1
RC=$?
check "misspelt feature fails the build clearly" -- rc_is 1 -- has "unknown feature 'vgaa'" \
	-- test ! -e "$T/bad"
HERMIT_FEATURES=dhcpv4 "$BIN/hermit-gcc" -o "$T/bad" "$hello" >"$OUT" 2>&1
RC=$?
check "dhcpv4 without tcp fails the build" -- rc_is 1 -- has "needs 'tcp'"
OUT=$T/list.log
HERMIT_FEATURES="default vga" "$BIN/hermit-gcc" --print-features >"$OUT"
RC=$?
check "hermit-gcc --print-features" -- rc_is 0 -- grep -qx "smp pci acpi vga virtio-fs" "$OUT"

kernel_lines() { grep -c '^\[hermit [0-9.]*\] ' "$OUT"; }
if HERMIT_LOG_LEVEL_FILTER=debug build h-debug "$hello"; then
	qemu --timeout 60 -e HERMIT_LOG_LEVEL_FILTER=off "$T/h-debug"
	check "run-time log level down (Debug build, Off at run time)" -- rc_is 0 \
		-- has "Hello, world!" -- test "$(kernel_lines)" = 0
fi
qemu --timeout 60 -e HERMIT_LOG_LEVEL_FILTER=DEBUG "$T/h-default"
check "run-time log level up (Info build, Debug at run time)" -- rc_is 0 -- has "] DEBUG acpi: table APIC"

if build h-fsgs --features=default,fsgsbase "$ROOT/tests/guest/sys_proc.c"; then
	qemu --timeout 60 "$T/h-fsgs"
	check "fsgsbase with a CPU that has it (TLS round trip works)" -- rc_is 0 \
		-- has "FS base through RDFSBASE/WRFSBASE" -- has "0 failed"
	qemu --timeout 60 --qemu -cpu --qemu qemu64 "$T/h-fsgs"
	check "fsgsbase on a CPU without it falls back to the MSR" -- rc_is 0 \
		-- has "has no FSGSBASE; FS base through the MSR" -- has "0 failed"
fi

if build h-nosmp --features=pci,acpi "$hello"; then
	qemu --timeout 60 -c 2 "$T/h-nosmp"
	check "kernel without smp runs on one CPU and says so" -- rc_is 0 -- has "Hello, world!" \
		-- has "smp: feature off; running on 1 of 2 CPUs"
fi
qemu --timeout 60 -c 2 "$T/h-default"
check "kernel with smp brings up the CPUs" -- rc_is 0 -- has "smp: 2 CPUs online"
