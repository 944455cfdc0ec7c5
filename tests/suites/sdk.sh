#!/usr/bin/env bash
# hermit-gcc as a user drives it, the seed's QEMU command line, and
# hermit-qemu's own options.
. "$(dirname "$0")/../lib.sh"

cat >"$T/a.c" <<'C'
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include "b.h"
int main(int argc, char **argv)
{
	printf("%s %d sqrt=%d self=%d\n", GREETING, twice(argc), (int)sqrt(1764.0),
	       pthread_self() != 0);
	for (int i = 1; i < argc; i++)
		printf("arg %d: [%s]\n", i, argv[i]);
	return argc == 3 ? 42 : 1;
}
C
mkdir -p "$T/inc"
echo 'int twice(int x);' >"$T/inc/b.h"
echo 'int twice(int x) { return 2 * x; }' >"$T/b.c"

if (cd "$T" && "$BIN/hermit-gcc" -O2 -g -c -Iinc -DGREETING='"hi"' a.c &&
	"$BIN/hermit-gcc" -c b.c && "$BIN/hermit-gcc" -o app a.o b.o -lm -lpthread) >"$T/b.log" 2>&1; then
	qemu --timeout 60 "$T/app" "x y" "z"
	check "hermit-gcc -c/-I/-D/-lm/-lpthread, separate link" -- rc_is 42 \
		-- has "hi 6 sqrt=42 self=1" -- has "arg 1: [x y]" -- has "arg 2: [z]"
else
	fail "hermit-gcc -c/-I/-D/-lm/-lpthread, separate link" "$(tail -3 "$T/b.log")"
fi

has_note() { readelf -n "$T/app" | grep -q 'hermit-c'; }
static_exec() { readelf -h "$T/app" | grep -q 'EXEC' && ! readelf -l "$T/app" | grep -q INTERP; }
check "image is a static ELF with the hermit-c note" -- has_note -- static_exec

# The seed's command line (without -enable-kvm, see DESIGN.md section 4):
# no isa-debug-exit, so the kernel prints the code and powers off by ACPI.
guest qemu-system-x86_64 -cpu qemu64,apic,fsgsbase,rdtscp,xsave,fxsr -display none -smp 1 \
	-m 1G -serial stdio -kernel "$BIN/hermit-loader" -initrd "$ROOT/build/examples/demo" \
	-append "env=WHO=seed -- first 'sec ond'"
check "seed QEMU command line boots the demo and powers off" -- rc_is 0 \
	-- has "argv[1] = first" -- has "argv[2] = sec ond" -- has "env: WHO=seed" \
	-- has "pi = 3.14159" -- has "exit code 0, powering off"

qemu --timeout 60 -k "-bogus" -k "-freq 2500" "$ROOT/build/examples/hello"
check "unknown kernel option reported and ignored; -freq used" -- rc_is 0 \
	-- has "unknown kernel option '-bogus'" -- has "TSC 2500 MHz" -- has "Hello, world!"

guest "$BIN/hermit-qemu" "$T/does-not-exist"
check "hermit-qemu: missing image" -- rc_is 125 -- has "no such file"
guest "$BIN/hermit-qemu" --bogus x
check "hermit-qemu: unknown option" -- rc_is 125 -- has "unknown option '--bogus'"
