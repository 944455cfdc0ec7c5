#!/usr/bin/env bash
# hermit-loader on QEMU (TCG): the loader test images (loader/test/) boot and
# see the right boot_info; anything that is not a hermit-c image is refused
# with one clear line, and QEMU then ends by itself (isa-debug-exit, ACPI S5,
# or a reset under -no-reboot).
. "$(dirname "$0")/../lib.sh"

LOADER=$BIN/hermit-loader
IMAGES=$ROOT/build/loader
QEMU=(qemu-system-x86_64 -cpu qemu64,apic,fsgsbase,rdtscp,xsave,fxsr -display none -smp 1
	-serial stdio)
EXIT_DEVICE=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip loader "qemu-system-x86_64 is not installed"
	exit 0
fi

# The test images are not part of `make all`; build them (and the loader, if
# `make` has not) with the loader's own make fragment.
if ! make -s -C "$ROOT" -f loader/loader.mk ROOT="$ROOT" BUILD="$ROOT/build" BIN="$BIN" \
	"$LOADER" loader-tests >"$T/make.log" 2>&1; then
	fail loader-build "make of the loader test images failed"
	sed 's/^/    | /' "$T/make.log" | tail -n 20
	exit 0
fi

# boot [qemu options...]: the loader under QEMU with -no-reboot; sets OUT, RC.
boot() { guest "${QEMU[@]}" -no-reboot -kernel "$LOADER" "$@"; }

# once TEXT: exactly one line of the last guest's output contains TEXT.
once() { [[ $(grep -cF -- "$1" "$OUT") == 1 ]]; }

# only TEXT: the last guest's whole output is the one line TEXT.
only() { [[ $(tr -d '\r' <"$OUT") == "$1" ]]; }

# The test image exits with 0 through isa-debug-exit: QEMU status (0 << 1) | 1.
OK=1
# The loader's refusal writes 1 there: QEMU status (1 << 1) | 1.
REFUSED=3

# Host unit tests: image checks under truncation and corruption, and the
# ACPI S5 parser on synthetic tables, with ASan and UBSan.
guest "$IMAGES/test/host-test" "$IMAGES/test-image"
check loader-host-unit-tests -- rc_is 0 -- has "all passed"

args='env=A=B -- x "y z" ünï ✓'
boot -m 1G "${EXIT_DEVICE[@]}" -initrd "$IMAGES/test-image" -append "$args"
check loader-boot-cmdline -- rc_is $OK -- has "test-image: result=ok" \
	-- has "cmdline=[$args]" -- has "argv0=[$IMAGES/test-image]" \
	-- has "test_main=test_main" -- has "platform=1 cpu_count=0 serial=3f8"

boot -m 1G "${EXIT_DEVICE[@]}" -initrd "$IMAGES/test-image with module args"
check loader-boot-no-append -- rc_is $OK -- has "test-image: result=ok" \
	-- has "cmdline=[]" -- has "argv0=[$IMAGES/test-image]"

# 4 MiB of data: QEMU puts the module right after the loader, across the
# image's load address, so the loader must move it before copying.
boot -m 64M "${EXIT_DEVICE[@]}" -initrd "$IMAGES/test-image-big" -append "-- big"
check loader-boot-64m-big-image -- rc_is $OK -- has "test-image: result=ok" \
	-- has "big_data=ok" -- has "cmdline=[-- big]"

boot -m 5G "${EXIT_DEVICE[@]}" -initrd "$IMAGES/test-image-big"
check loader-boot-5g -- rc_is $OK -- has "test-image: result=ok" \
	-- has "mem 100000000-180000000 type 1"

boot -m 1G "${EXIT_DEVICE[@]}" -initrd "$IMAGES/test-image-low"
check loader-refuse-segment-over-loader -- rc_is $REFUSED \
	-- once "cannot be loaded: segment 0x100000-"

boot -m 1G "${EXIT_DEVICE[@]}" -initrd /bin/true
check loader-refuse-non-hermit-elf -- rc_is $REFUSED \
	-- only "hermit-loader: initrd '/bin/true' is not a hermit-c image: no hermit-c ELF note"

boot -m 1G "${EXIT_DEVICE[@]}" -initrd "$LOADER"
check loader-refuse-elf32 -- rc_is $REFUSED \
	-- once "hermit-loader: initrd '$LOADER' is not a hermit-c image: a 32-bit ELF file"

boot -m 1G "${EXIT_DEVICE[@]}" -initrd "$IMAGES/test-image-abi2"
check loader-refuse-abi-version -- rc_is $REFUSED \
	-- once "is a hermit-c image for ABI 2; this loader speaks ABI 1"

boot -m 64M "${EXIT_DEVICE[@]}" -initrd "$IMAGES/test-image-high"
check loader-refuse-segment-outside-ram -- rc_is $REFUSED \
	-- once "cannot be loaded: segment 0x8000000-"

# No isa-debug-exit and no -no-reboot: were the loader to fall through to a
# reset, the machine would boot again and repeat its message until the
# timeout. One message and QEMU gone prove the ACPI S5 power-off.
printf 'just text\n' >"$T/text"
GUEST_TIMEOUT=60 guest "${QEMU[@]}" -m 1G -kernel "$LOADER" -initrd "$T/text"
check loader-refuse-text-acpi-poweroff -- rc_is 0 \
	-- once "hermit-loader: initrd '$T/text' is not a hermit-c image: not an ELF file"

GUEST_TIMEOUT=60 guest "${QEMU[@]}" -machine q35 -m 1G -kernel "$LOADER"
check loader-refuse-no-module-q35-acpi-poweroff -- rc_is 0 \
	-- once "hermit-loader: no image to boot"

# Without ACPI tables the loader resets, which -no-reboot turns into an exit.
boot -machine acpi=off -m 1G -initrd "$T/text"
check loader-refuse-no-acpi-reset -- rc_is 0 -- once "is not a hermit-c image: not an ELF file"
