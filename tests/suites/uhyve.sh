#!/usr/bin/env bash
# uhyve: the KVM monitor. Host unit tests (with ASan/UBSan, including the
# hypercall fuzz test); uhyve --check on this host; the errors for bad
# images and options; uhyve's own freestanding test image (hypercalls,
# argv/env quoting, boot_info, bad hypercalls, crashes, several vCPUs:
# -c/--cpus/HERMIT_CPUS, each vCPU's entry state, the first vCPU to end
# the guest ending all of them, whole WRITEs); then hermit-c
# programs on uhyve: the no-float ones of uhyve/test/guest/ and those of
# tests/guest/. A program that this host's KVM cannot run (it emulates
# instructions and fails on SSE, which musl's printf and free use) is
# reported as SKIP with uhyve's reason; on a host with hardware
# virtualization the same tests run for real.
. "$(dirname "$0")/../lib.sh"

U=$BIN/uhyve
TB=$ROOT/build/uhyve/test
TI=$TB/testimage
GUEST_TIMEOUT=${UHYVE_TEST_TIMEOUT:-60}

lacks() { ! has "$1"; }
uhyve() { guest "$U" "$@"; }

# emulation_skip NAME: if the last run ended because this host's KVM
# cannot run the guest, report NAME as skipped with uhyve's reason.
emulation_skip() {
	[[ $RC == 72 ]] && has "cannot run this guest" || return 1
	skip "$1" "$(lines | grep -m1 'cannot run this guest' | sed 's/^uhyve: //')"
}

unit_tests() {
	local t
	if ! env -u MAKEFLAGS -u MAKELEVEL make -s -C "$ROOT" uhyve-tests >"$T/make.log" 2>&1; then
		fail "uhyve unit tests" "make uhyve-tests failed"
		sed 's/^/    | /' "$T/make.log" | tail -20
		return 1
	fi
	for t in test_options test_image test_hypercall test_cpuid test_hostfs test_virtq test_vnet; do
		guest "$TB/$t"
		check "uhyve unit $t" -- rc_is 0 -- has ", 0 failed"
	done
}

option_tests() {
	guest "$U" --help
	check "uhyve --help documents the exit statuses" -- rc_is 0 -- has "usage: uhyve" -- \
		has "72  this host's KVM cannot run the guest" -- has "65  the image"
	guest "$U" --version
	check "uhyve --version" -- rc_is 0 -- has "hypercall ABI 1"
	guest "$U"
	check "uhyve without an image: usage error" -- rc_is 64 -- has "uhyve: no IMAGE given"
	guest "$U" -x "$TI"
	check "uhyve unknown option" -- rc_is 64 -- has "uhyve: unknown option '-x'"
	guest "$U" -m 4M "$TI"
	check "uhyve -m 4M: memory too small" -- rc_is 64 -- \
		has "uhyve: -m 4M: too small: guest memory must be at least 6M"
	guest "$U" -m lots "$TI"
	check "uhyve -m lots: not a size" -- rc_is 64 -- has "uhyve: -m 'lots': not a size"
	guest env HERMIT_MEMORY=5G "$U" "$TI"
	check "uhyve HERMIT_MEMORY=5G: too large" -- rc_is 64 -- has "uhyve: HERMIT_MEMORY 5G: too large"
	guest "$U" -e NOEQUALS "$TI"
	check "uhyve -e without '='" -- rc_is 64 -- has "uhyve: -e 'NOEQUALS': expected KEY=VALUE"
	guest "$U" --help
	check "uhyve --help documents -c/--cpus and HERMIT_CPUS" -- rc_is 0 -- \
		has "-c, --cpus N" -- has "HERMIT_CPUS=N"
	guest "$U" -c 0 "$TI"
	check "uhyve -c 0: usage error" -- rc_is 64 -- \
		has_line "uhyve: -c 0: the number of CPUs must be from 1 to 64"
	guest "$U" -c abc "$TI"
	check "uhyve -c abc: usage error" -- rc_is 64 -- \
		has_line "uhyve: -c 'abc': not a number of CPUs (use 1 to 64)"
	guest "$U" --cpus=65 "$TI"
	check "uhyve --cpus=65: more than 64" -- rc_is 64 -- \
		has_line "uhyve: -c 65: the number of CPUs must be from 1 to 64"
	guest "$U" -c
	check "uhyve -c without a number" -- rc_is 64 -- has_line "uhyve: -c: needs a number of CPUs"
	guest env HERMIT_CPUS=0 "$U" "$TI"
	check "uhyve HERMIT_CPUS=0: usage error" -- rc_is 64 -- \
		has_line "uhyve: HERMIT_CPUS 0: the number of CPUs must be from 1 to 64"
	guest env HERMIT_CPUS=two "$U" "$TI"
	check "uhyve HERMIT_CPUS=two: usage error" -- rc_is 64 -- \
		has_line "uhyve: HERMIT_CPUS 'two': not a number of CPUs (use 1 to 64)"
}

image_error_tests() {
	guest "$U" "$T/missing"
	check "uhyve: missing image" -- rc_is 65 -- \
		has "uhyve: $T/missing: cannot open: No such file or directory"
	echo "just text" >"$T/text"
	guest "$U" "$T/text"
	check "uhyve: non-ELF image" -- rc_is 65 -- has "uhyve: $T/text: not an ELF file"
	guest "$U" /bin/true
	check "uhyve: a Linux (PIE) ELF is refused" -- rc_is 65 -- \
		has "uhyve: /bin/true: not a hermit-c image (not a static executable (ET_EXEC)"
	printf 'int main(void) { return 0; }\n' >"$T/plain.c"
	if cc -static -no-pie -o "$T/plain" "$T/plain.c" 2>/dev/null; then
		guest "$U" "$T/plain"
		check "uhyve: a static ELF without the hermit-c note is refused" -- rc_is 65 -- \
			has "not a hermit-c image (no hermit-c note; build it with hermit-gcc)"
	else
		skip "uhyve: a static ELF without the hermit-c note" "cc -static cannot link here"
	fi
	guest "$U" "$TB/testimage-abi2"
	check "uhyve: a hermit-c image of another ABI is refused" -- rc_is 65 -- \
		has "hermit-c ABI version 2, this uhyve loads version 1"
	cp "$TI" "$T/arm"
	printf '\xb7\x00' | dd of="$T/arm" bs=1 seek=18 conv=notrunc 2>/dev/null
	guest "$U" "$T/arm"
	check "uhyve: an image for another machine is refused" -- rc_is 65 -- \
		has "an ELF for another machine"
	guest "$U" -m 8M "$TB/testimage-big"
	check "uhyve: an image larger than guest memory" -- rc_is 65 -- \
		has "image larger than guest memory" -- has "guest memory is 8 MiB (use -m)"
}

# The probe: PROBE_RC is 0 (this KVM runs hermit-c guests), 72 (it cannot)
# or 69 (no KVM); PROBE_WHY is its verdict line.
check_tests() {
	local t0=$SECONDS
	guest "$U" --check
	PROBE_RC=$RC
	PROBE_WHY=$(lines | tail -n 1 | sed 's/^uhyve: //')
	case $RC in
	0) check "uhyve --check: this host's KVM runs hermit-c guests" -- \
		has "can run hermit-c guests" -- has "SSE arithmetic (cvtsi2sd, mulsd): yes" ;;
	72) check "uhyve --check detects a KVM that cannot run hermit-c guests" -- \
		has "cannot run hermit-c guests" -- has "use hermit-qemu instead" -- \
		has "64-bit mode and port I/O: yes" ;;
	69) skip "uhyve --check" "no usable KVM: $PROBE_WHY" ;;
	*) fail "uhyve --check" "unexpected status $RC"; show ;;
	esac
	lines | grep 'probe:' || true
	((SECONDS - t0 < 20)) || fail "uhyve --check is quick" "took $((SECONDS - t0)) s"
}

testimage_tests() {
	local code
	uhyve -v -e 'GREETING=hi there' -e 'U=ünï' -e 'EMPTY=' "$TI" exit 42 'two words' \
		"it's" 'ünï cödé' '' 'q"uote' 'back\slash' --
	check "testimage: argv, env and exit 42 through the hypercalls, with -v" -- rc_is 42 -- \
		has_line "argv[0]=[$TI]" -- has_line "argv[3]=[two words]" -- \
		has_line "argv[4]=[it's]" -- has_line "argv[5]=[ünï cödé]" -- \
		has_line "argv[6]=[]" -- has_line 'argv[7]=[q"uote]' -- \
		has_line 'argv[8]=[back\slash]' -- has_line "argv[9]=[--]" -- \
		has_line "env[GREETING=hi there]" -- has_line "env[U=ünï]" -- \
		has_line "env[EMPTY=]" -- has_line "cmdline-probe-ret=-34" -- \
		has "testimage: to stderr" -- has "uhyve: boot to exit:" -- \
		has "uhyve: VM exits:" -- has "hypercalls: HELLO 1" -- has "uhyve: exit status 42"
	for code in 0:0 1:1 255:255 256:0 -1:255; do
		uhyve "$TI" exit "${code%:*}"
		check "testimage: exit ${code%:*} -> status ${code#*:}" -- rc_is "${code#*:}"
	done
	guest env HERMIT_MEMORY=32M "$U" "$TI" info
	check "testimage: boot_info as the entry contract says" -- rc_is 0 -- \
		has_line "magic=0x434d5248" -- has_line "platform=2" -- has_line "cpu_count=1" -- \
		has_line "image_start=0x400000" -- has_line "symtab_nonzero=1" -- \
		has_line "strtab_after_symtab=1" -- has_line "loader_end=0x20000" -- \
		has_line "mem0_len=0x2000000" -- has_line "mem0_type=1" -- \
		has_line "boot_time_nonzero=1"
	/usr/bin/time -f 'maxrss %M' -o "$T/rss" "$U" -m 4064M "$TI" >/dev/null 2>&1
	local rss
	rss=$(awk '{print $2}' "$T/rss")
	check "uhyve -m 4064M maps guest memory lazily (max RSS ${rss} KiB)" -- [ "${rss:-999999}" -lt 65536 ]
}

bad_guest_tests() {
	uhyve "$TI" badfd
	check "testimage: WRITE to fd 7 returns -EBADF" -- rc_is 0 -- has_line "badfd-ret=-9"
	uhyve "$TI" badwrite
	check "testimage: WRITE past guest memory ends the guest" -- rc_is 70 -- \
		has "uhyve: hypercall WRITE: buffer 0x3fffff0 +100 outside guest memory" -- \
		lacks "misbehaviour survived"
	uhyve "$TI" badarg
	check "testimage: argument struct outside guest memory" -- rc_is 70 -- \
		has "uhyve: hypercall EXIT: argument struct 0xfffffff0 +8 outside guest memory"
	uhyve "$TI" badcall
	check "testimage: unknown hypercall" -- rc_is 70 -- has "uhyve: unknown hypercall 66"
	uhyve "$TI" port
	check "testimage: unknown I/O port" -- rc_is 70 -- has "uhyve: the guest used I/O port 0x3f8"
	uhyve "$TI" triple
	check "testimage: a triple fault is reported with registers" -- rc_is 71 -- \
		has "uhyve: the guest triple-faulted" -- has "<misbehave+" -- has "cr2"
	uhyve "$TI" sse
	if ((PROBE_RC == 0)); then
		check "testimage: SSE runs" -- has "misbehaviour survived: sse"
	else
		check "testimage: SSE on this KVM: one clear line, status 72" -- rc_is 72 -- \
			has "uhyve: this host's KVM cannot run this guest" -- \
			has "use hermit-qemu instead" -- [ "$(lines | grep -c '^uhyve:')" = 1 ]
	fi
}

# cpus_up N: the last run brought up exactly CPUs 0..N-1, each once, with
# APIC id = CPU id in the LAPIC and in CPUID and a good stack of its own.
cpus_up() {
	local i
	[[ $(lines | grep -cE '^cpu [0-9]+ up') == "$1" ]] || return 1
	for ((i = 0; i < $1; i++)); do
		has_line "cpu $i up (apic id $i, cpuid apic id $i, stack ok)" || return 1
	done
}

# timed_guest CMD...: guest CMD, with its time in whole seconds in ELAPSED
# (a vCPU that nothing stopped would keep it running until the timeout).
timed_guest() {
	local t0=$SECONDS
	guest "$@"
	ELAPSED=$((SECONDS - t0))
}

# Several vCPUs on the test image (integer-only, so they run here too).
smp_tests() {
	local n
	for n in 1 2 4; do
		uhyve -c "$n" "$TI" smp
		check "testimage -c $n: exactly $n CPU(s) up, exit status $n" -- rc_is "$n" -- cpus_up "$n" -- \
			lacks "smp:"
	done
	guest env HERMIT_CPUS=2 "$U" "$TI" smp
	check "testimage HERMIT_CPUS=2: 2 CPUs up" -- rc_is 2 -- cpus_up 2
	guest env HERMIT_CPUS=2 "$U" --cpus=3 "$TI" smp
	check "testimage --cpus=3 wins over HERMIT_CPUS=2" -- rc_is 3 -- cpus_up 3
	uhyve -c 64 "$TI" smp
	check "testimage -c 64: 64 CPUs up" -- rc_is 64 -- cpus_up 64
	uhyve -v -c 4 "$TI" smp
	check "uhyve -v -c 4 reports the vCPUs and their VM exits" -- rc_is 4 -- \
		has "64 MiB guest memory, 4 vCPUs," -- has "uhyve: VM exits:" -- \
		has "uhyve:   vCPU 0: " -- has "uhyve:   vCPU 3: " -- has "uhyve: exit status 4"
	uhyve -c 3 "$TI" info
	check "testimage -c 3: boot_info has 3 CPUs and their stacks in uhyve's area" -- \
		rc_is 0 -- has_line "cpu_count=3" -- has_line "loader_start=0x1000" -- \
		has_line "loader_end=0x28000"
	uhyve -c 4 "$TI" exit 42
	check "testimage -c 4: EXIT on CPU 0 ends the halted others" -- rc_is 42
	timed_guest "$U" -c 4 "$TI" smp-exit 7
	check "testimage -c 4: EXIT on vCPU 3 ends the guest while vCPU 0 computes" -- \
		rc_is 7 -- [ "$ELAPSED" -lt 20 ]
	uhyve -c 1 "$TI" smp-exit 9
	check "testimage -c 1 smp-exit" -- rc_is 9
	# stdin: a FIFO that this shell keeps open and never writes to
	mkfifo "$T/stdin"
	exec 7<>"$T/stdin"
	OUT=$T/out.read
	local t0=$SECONDS
	timeout -k 5 "$GUEST_TIMEOUT" "$U" -c 2 "$TI" smp-read 5 <"$T/stdin" >"$OUT" 2>&1
	RC=$? ELAPSED=$((SECONDS - t0))
	exec 7>&-
	check "testimage -c 2: EXIT on vCPU 1 ends the guest while vCPU 0 waits in READ" -- \
		rc_is 5 -- [ "$ELAPSED" -lt 20 ]
	uhyve -c 4 "$TI" smp-crash
	check "testimage -c 4: a triple fault on vCPU 3 ends the guest, reported once" -- \
		rc_is 71 -- has "uhyve: the guest triple-faulted on vCPU 3" -- \
		[ "$(lines | grep -c 'triple-faulted')" = 1 ] -- [ "$(lines | grep -c 'rip ')" = 1 ]
	uhyve -c 3 "$TI" smp-badcall
	check "testimage -c 3: a bad hypercall on vCPU 2 names it" -- rc_is 70 -- \
		has "uhyve: unknown hypercall 66 (port 0x542) (vCPU 2, rip "
	uhyve -c 4 "$TI" badwrite
	check "testimage -c 4: a bad WRITE on vCPU 0 while the others wait" -- rc_is 70 -- \
		has "outside guest memory (vCPU 0, rip "
	uhyve -c 4 "$TI" smp-spam 250
	check "testimage -c 4: 1000 WRITEs from 4 vCPUs, none split" -- rc_is 4 -- cpus_up 4 -- \
		[ "$(lines | grep -c '^spam')" = 1000 ] -- \
		[ "$(lines | grep -cE '^spam cpu [0-3] line [0-9]+: ([a-d])\1{119}$')" = 1000 ]
}

# hermit_build OUT SRC: hermit-gcc SRC into $T/OUT; says why not.
hermit_build() {
	[[ -x $BIN/hermit-gcc ]] || { echo "build/bin/hermit-gcc is missing (run make)"; return 1; }
	[[ -f $T/$1 ]] && return
	build "$1" "$2" -mgeneral-regs-only -fno-omit-frame-pointer >/dev/null ||
		{ echo "hermit-gcc failed on $2"; return 1; }
}

# kernel_run NAME SRC [uhyve args...]: build SRC and run it on uhyve; sets
# OUT/RC. Returns non-zero (after a FAIL or SKIP line) if it did not run.
kernel_run() {
	local name=$1 src=$2 out why
	out=$(basename "$src" .c)
	shift 2
	why=$(hermit_build "$out" "$src") || { fail "$name" "$why"; return 1; }
	uhyve "$@"
	! emulation_skip "$name"
}

# The integer-only hermit-c programs of uhyve/test/guest/: they print with
# fputs, not printf, so they run even where KVM emulates.
nofloat_tests() {
	local G=$ROOT/uhyve/test/guest c
	kernel_run "uhyve hello (tests/guest/hello.c)" "$ROOT/tests/guest/hello.c" "$T/hello" &&
		check "uhyve hello (tests/guest/hello.c)" -- rc_is 0 -- has_line "Hello, world!"
	for c in 0 1 42 255; do
		kernel_run "uhyve app exit($c) -> status $c" "$G/nofloat_exit.c" \
			"$T/nofloat_exit" "$c" &&
			check "uhyve app exit($c) -> status $c" -- rc_is "$c" -- \
				has "exiting with $c by exit"
	done
	kernel_run "uhyve app return 42 from main" "$G/nofloat_exit.c" \
		"$T/nofloat_exit" 42 return &&
		check "uhyve app return 42 from main" -- rc_is 42
	kernel_run "uhyve app argv/env with spaces and UTF-8" "$G/nofloat_args.c" \
		-e 'GREETING=héllo wörld' -e 'EMPTY=' "$T/nofloat_args" 'a b' 'ü ñ' '' "it's" -- &&
		check "uhyve app argv/env with spaces and UTF-8" -- rc_is 0 -- \
			has_line "argc=6" -- has_line "argv[0]=<$T/nofloat_args>" -- \
			has_line "argv[1]=<a b>" -- has_line "argv[2]=<ü ñ>" -- \
			has_line "argv[3]=<>" -- has_line "argv[4]=<it's>" -- \
			has_line "argv[5]=<-->" -- has "=<GREETING=héllo wörld>" -- has "=<EMPTY=>"
	kernel_run "uhyve app NULL dereference: fault report, status 139" "$G/nofloat_fault.c" \
		"$T/nofloat_fault" &&
		check "uhyve app NULL dereference: fault report, status 139" -- rc_is 139 -- \
			has "FAULT:" -- has "NULL pointer dereference" -- has "null_store" -- \
			has "null_caller"
}

# The programs of tests/guest/ (they use printf) on uhyve.
guest_program_tests() {
	local S=$ROOT/tests/guest
	kernel_run "uhyve tests/guest/args.c" "$S/args.c" -e 'GREETING=héllo wörld' \
		"$T/args" 'a b' 'ü ñ' '' &&
		check "uhyve tests/guest/args.c" -- rc_is 0 -- has_line "argc=4" -- \
			has_line "argv[1]=<a b>" -- has_line "argv[2]=<ü ñ>" -- has_line "argv[3]=<>" -- \
			has "=<GREETING=héllo wörld>"
	kernel_run "uhyve tests/guest/exitcode.c 42" "$S/exitcode.c" "$T/exitcode" 42 &&
		check "uhyve tests/guest/exitcode.c 42" -- rc_is 42
	kernel_run "uhyve tests/guest/fault_null.c" "$S/fault_null.c" "$T/fault_null" &&
		check "uhyve tests/guest/fault_null.c" -- rc_is 139 -- has "NULL pointer dereference"
	kernel_run "uhyve tests/guest/malloc_churn.c" "$S/malloc_churn.c" "$T/malloc_churn" &&
		check "uhyve tests/guest/malloc_churn.c" -- rc_is 0 -- \
			grep -qE '^[0-9]+ checks, 0 failed' "$OUT"
	printf '#include <stdio.h>\nint main(int c, char **v) { double x = c * 1.5;\n%s\n}\n' \
		'printf("float: %.2f\n", x * 7.25); return 0;' >"$T/float.c"
	if ((PROBE_RC == 0)); then
		kernel_run "uhyve floating point" "$T/float.c" "$T/float" &&
			check "uhyve floating point" -- rc_is 0 -- has_line "float: 10.88"
	else
		skip "uhyve floating point" "$PROBE_WHY"
	fi
}

# hermit-run picks uhyve where --check passes, else QEMU with one line why.
runner_tests() {
	[[ -f $T/hello ]] || return
	if [[ ! -x $BIN/hermit-qemu ]]; then
		skip "hermit-run" "build/bin/hermit-qemu is missing"
		return
	fi
	guest "$BIN/hermit-run" "$T/hello"
	if ((PROBE_RC == 0)); then
		check "hermit-run runs on uhyve" -- rc_is 0 -- has_line "Hello, world!" -- \
			lacks "running on QEMU"
	else
		check "hermit-run falls back to QEMU with one line why" -- rc_is 0 -- \
			has_line "Hello, world!" -- has "hermit-run: running on QEMU: this host's KVM cannot"
	fi
	guest env HERMIT_RUNNER=uhyve "$BIN/hermit-run" "$T/hello"
	check "hermit-run HERMIT_RUNNER=uhyve forces uhyve" -- rc_is 0 -- \
		has_line "Hello, world!" -- has "booted on uhyve"
}

unit_tests || exit 0
option_tests
image_error_tests
check_tests
if ((PROBE_RC == 69)); then
	skip "uhyve guest runs" "no usable KVM: $PROBE_WHY"
	exit 0
fi
testimage_tests
bad_guest_tests
smp_tests
nofloat_tests
guest_program_tests
runner_tests

# Host directories (--mount): files in and out, fsync and statfs reaching
# the host, and every escape refused with nothing outside the mount read
# or changed.
if [[ ! -w /dev/kvm ]]; then
	skip "uhyve --mount: guest file I/O, fsync, statfs and escapes" "no usable /dev/kvm"
elif build mount_io "$ROOT/tests/guest/mount_io.c"; then
	mt=$T/mt
	mkdir -p "$mt/host"
	echo secret >"$mt/outside.txt"
	echo "hello from the host" >"$mt/host/in.txt"
	ln -s /etc "$mt/host/escape"
	ln -s .. "$mt/host/up"
	# the host's statfs f_type of the directory, which the guest's statfs must give
	guest "$BIN/uhyve" --mount "$mt/host:/data" "$T/mount_io" "$(stat -f -c %t "$mt/host")"
	out_is() {
		[[ $(cat "$mt/host/out.txt" 2>/dev/null) == "written in the guest" &&
			$(cat "$mt/host/sync.txt" 2>/dev/null) == synced ]]
	}
	outside_same() { [[ $(cat "$mt/outside.txt") == secret && $(ls "$mt" | tr '\n' ' ') == "host outside.txt " ]]; }
	check "uhyve --mount: guest file I/O, fsync, statfs and escapes" -- rc_is 0 -- has "all checks passed" \
		-- out_is -- outside_same
else
	fail "uhyve --mount: guest file I/O, fsync, statfs and escapes" "hermit-gcc failed on mount_io.c"
fi
