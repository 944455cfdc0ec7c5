#!/usr/bin/env bash
# The feature `vga` (DESIGN.md D5, issue 4): the kernel log and the app's
# stdout and stderr on the 80x25 VGA text screen, read back from guest
# memory and compared with what was printed.
#
# A test program prints known lines, says "vga-test ready" and sleeps;
# meanwhile the suite talks QMP (QEMU's monitor protocol) on a unix socket:
# it pauses the guest, saves the text window (pmemsave 0xb8000, 4000 bytes),
# reads the hardware cursor with the monitor's port commands (o/i on
# 0x3d4/0x3d5), lets the guest go on, and decodes the screen. The lines must
# be there in order with their colours (a run-time log level brings warning
# and debug lines), the screen must scroll, and an image without `vga` must
# leave our text off the screen. The demo runs under gdb, which stops it at
# power_exit to save the final screen; that screen must be the serial
# output, line for line. Then kernels of other feature sets boot: one
# without `acpi` and one with `vga` alone, the latter on uhyve too.
. "$(dirname "$0")/../lib.sh"
hello=$ROOT/tests/guest/hello.c

cat >"$T/vga_test.c" <<'EOF'
/* Known lines for the screen; "vga_test N" adds N numbered lines to make
 * it scroll. Then a marker, and a pause in which the screen is read. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	int lines = argc > 1 ? atoi(argv[1]) : 0;
	struct timespec pause = { 3, 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vga-test stdout one\n");
	fprintf(stderr, "vga-test stderr two\n");
	printf("tab\tX\n");
	printf("abc\rZ\n");
	printf("abc\bY\n");
	printf("esc \033[1;31mred\033[0m utf8 \303\251!\n");
	printf("%080d\nafter80\n", 0);
	printf("%085d\n", 0);
	for (int i = 1; i <= lines; i++)
		printf("scroll %d\n", i);
	printf("vga-test ready\n");
	nanosleep(&pause, NULL);
	return 0;
}
EOF

# screen.py: the host side.
#   screen.py qmp SOCKET SERIAL-LOG SCREEN-MARKER|- PREFIX
#     waits for the app's marker on the serial console, pauses the guest,
#     saves the text window into PREFIX.bin, reads the cursor into
#     PREFIX.cursor ("ROW COL", from 0), lets the guest go on, and decodes.
#     With a SCREEN-MARKER it reads again until that row is on the screen
#     too (the UART gets each line before the screen does).
#   screen.py decode PREFIX
#     PREFIX.bin into PREFIX.txt (25 rows, trailing blanks cut) and
#     PREFIX.attr (each row's first non-blank attribute in hex, "--" if none).
cat >"$T/screen.py" <<'EOF'
import json, os, re, socket, sys, time

def rows(data):
    return [data[r * 160:(r + 1) * 160:2].decode("cp437").rstrip() for r in range(25)]

def decode(prefix):
    with open(prefix + ".bin", "rb") as b:
        data = b.read()
    with open(prefix + ".txt", "w") as t:
        t.write("\n".join(rows(data)) + "\n")
    with open(prefix + ".attr", "w") as a:
        for r in range(25):
            cells = data[r * 160:(r + 1) * 160]
            attrs = [cells[i + 1] for i in range(0, 160, 2) if cells[i] != 0x20]
            a.write("%02x\n" % attrs[0] if attrs else "--\n")

def qmp(sock_path, serial, screen_marker, prefix):
    deadline = time.time() + 90

    def wait(cond, what):
        while not cond():
            if time.time() > deadline:
                sys.exit("screen.py: timed out waiting for " + what)
            time.sleep(0.05)

    def cmd(name, **args):
        f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                sys.exit("screen.py: QEMU closed the monitor during " + name)
            r = json.loads(line)
            if "error" in r:
                sys.exit("screen.py: %s: %s" % (name, r["error"]))
            if "return" in r:
                return r["return"]

    def crtc(reg):
        cmd("human-monitor-command", **{"command-line": "o /b 0x3d4 0x%x" % reg})
        out = cmd("human-monitor-command", **{"command-line": "i /b 0x3d5"})
        return int(re.search(r"= (0x[0-9a-f]+)", out).group(1), 16)

    wait(lambda: os.path.exists(sock_path), "the QMP socket")
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    f = s.makefile("rw")
    f.readline()  # the greeting
    cmd("qmp_capabilities")
    wait(lambda: "vga-test ready" in open(serial, errors="replace").read(), "the app's marker")
    for attempt in range(50):
        cmd("stop")
        cmd("pmemsave", val=0xb8000, size=4000, filename=prefix + ".bin")
        with open(prefix + ".bin", "rb") as b:
            if screen_marker == "-" or screen_marker in rows(b.read()):
                break
        cmd("cont")
        time.sleep(0.1)
    cursor = crtc(0x0e) << 8 | crtc(0x0f)
    cmd("cont")
    with open(prefix + ".cursor", "w") as c:
        c.write("%d %d\n" % divmod(cursor, 80))

if sys.argv[1] == "qmp":
    qmp(*sys.argv[2:6])
    decode(sys.argv[5])
else:
    decode(sys.argv[2])
EOF

# screen_run NAME MARKER|- [hermit-qemu options] IMAGE [args]: boot IMAGE
# on QEMU with a QMP socket and read its screen into $T/NAME.{txt,attr,cursor};
# sets OUT, RC and SRC (screen.py's status; its messages are in $T/NAME.log).
screen_run() {
	local name=$1 marker=$2 pid
	shift 2
	OUT=$T/$name.out
	timeout -k 5 "$GUEST_TIMEOUT" "$BIN/hermit-qemu" --timeout 100 \
		--qemu -qmp --qemu "unix:$T/$name.qmp,server=on,wait=off" "$@" \
		>"$OUT" 2>&1 </dev/null &
	pid=$!
	python3 "$T/screen.py" qmp "$T/$name.qmp" "$OUT" "$marker" "$T/$name" >"$T/$name.log" 2>&1
	SRC=$?
	wait "$pid"
	RC=$?
}

# gdb_screen_run NAME IMAGE [args]: boot IMAGE on QEMU paused, under gdb,
# which stops it when the kernel powers off and saves the screen; decoded
# into $T/NAME.{txt,attr}. Sets OUT, RC and SRC as screen_run does.
gdb_screen_run() {
	local name=$1 img=$2 pid
	shift 2
	OUT=$T/$name.out
	timeout -k 5 "$GUEST_TIMEOUT" "$BIN/hermit-qemu" --timeout 100 --qemu -S \
		--qemu -gdb --qemu "unix:$T/$name.gdb,server=on,wait=off" "$img" "$@" \
		>"$OUT" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 300); do [[ -S $T/$name.gdb ]] && break; sleep 0.1; done
	timeout -k 5 100 gdb -q -batch -nx "$img" -ex "target remote $T/$name.gdb" \
		-ex 'break power_exit' -ex continue \
		-ex "dump binary memory $T/$name.bin 0xb8000 0xb8fa0" -ex detach \
		>"$T/$name.log" 2>&1 </dev/null &&
		python3 "$T/screen.py" decode "$T/$name" >>"$T/$name.log" 2>&1
	SRC=$?
	wait "$pid"
	RC=$?
}

# The screen of the last run, for a failure's details.
screen_show() {
	sed 's/^/    | /' "$T/$1.log"
	[[ -f $T/$1.txt ]] && paste -d' ' "$T/$1.attr" "$T/$1.txt" | sed 's/^/    screen| /'
}

# row_of NAME ERE: the first row (from 1) that the ERE matches as a whole.
row_of() { RE="^($2)\$" awk '$0 ~ ENVIRON["RE"] { print NR; exit }' "$T/$1.txt"; }

# in_order NAME ERE...: rows matching the EREs, in this order.
in_order() {
	local name=$1 prev=0 n
	shift
	for re; do
		n=$(P=$prev RE="^($re)\$" awk 'NR > ENVIRON["P"] && $0 ~ ENVIRON["RE"] { print NR; exit }' \
			"$T/$name.txt")
		[[ -n $n ]] || { echo "    not on the screen after row $prev: $re"; return 1; }
		prev=$n
	done
}

# block NAME ERE...: consecutive rows matching the EREs, from the first
# row that the first one matches.
block() {
	local name=$1 r
	r=$(row_of "$name" "$2")
	[[ -n $r ]] || { echo "    not on the screen: $2"; return 1; }
	shift
	for re; do
		RE="^($re)\$" awk -v r="$r" 'NR == r && $0 ~ ENVIRON["RE"] { ok = 1 } END { exit !ok }' \
			"$T/$name.txt" || { echo "    row $r is not: $re"; return 1; }
		r=$((r + 1))
	done
}

# attr_is NAME ERE HEX: the row that ERE matches starts in colour HEX.
attr_is() {
	local r a
	r=$(row_of "$1" "$2")
	a=$([[ -n $r ]] && sed -n "${r}p" "$T/$1.attr")
	[[ $a == "$3" ]] || { echo "    the row '$2' has attribute '${a:-none}', not $3"; return 1; }
}

cursor_is() {
	[[ $(cat "$T/$1.cursor") == "$2 $3" ]] ||
		{ echo "    cursor at $(cat "$T/$1.cursor"), not $2 $3"; return 1; }
}
lacks_row() { [[ -z $(row_of "$1" "$2") ]] || { echo "    on the screen: $2"; return 1; }; }
screen_ok() { [[ $SRC == 0 ]]; }

# used_rows NAME: the screen up to its last non-blank row.
used_rows() { awk '{ row[NR] = $0 } NF { n = NR } END { for (i = 1; i <= n; i++) print row[i] }' "$T/$1.txt"; }

# screen_is_serial NAME: the used rows are the serial output cut into rows
# of 80 columns.
screen_is_serial() {
	diff <(tr -d '\r' <"$OUT" | fold -w 80) <(used_rows "$1") | sed 's/^/    diff| /'
	((PIPESTATUS[0] == 0))
}

# screen_check NAME TEST-NAME -- COND...: check, with the screen as details
# on failure.
screen_check() {
	local name=$1 out
	shift
	out=$(check "$@")
	printf '%s\n' "$out"
	[[ $out == PASS* ]] || screen_show "$name"
}

zeros80=$(printf '%080d' 0)
boot_re='\[hermit [0-9.]+\] INFO  hermit-c booted on QEMU/multiboot: .*'
features_re='\[hermit [0-9.]+\] INFO  features:'
off_re='( \(off: [a-z0-9 -]+\))?'
app=(
	'vga-test stdout one'
	'vga-test stderr two'
	'tab     X'
	'Zbc'
	'abY'
	'esc red utf8 \?!'
	"$zeros80"
	'after80'
	"$zeros80"
	'00000'
	'vga-test ready'
)

if build vga_test "$T/vga_test.c" --features=smp,acpi,vga; then
	screen_run plain "vga-test ready" "$T/vga_test"
	ready=$(row_of plain 'vga-test ready')
	screen_check plain "vga: log and app lines read back from the screen, in order" -- \
		rc_is 0 -- screen_ok -- in_order plain "$boot_re" \
		"$features_re smp acpi vga$off_re" 'vga-test stdout one' -- \
		block plain "${app[@]}"
	screen_check plain "vga: a colour per level and stream (info 07, stdout 0f, stderr 0b)" -- \
		screen_ok -- attr_is plain "$boot_re" 07 -- attr_is plain 'vga-test stdout one' 0f -- \
		attr_is plain 'vga-test stderr two' 0b
	screen_check plain "vga: the hardware cursor follows the text" -- \
		screen_ok -- cursor_is plain "${ready:-?}" 0

	screen_run warn "vga-test ready" -e HERMIT_LOG_LEVEL_FILTER=bogus "$T/vga_test"
	screen_check warn "vga: a warning is yellow (0e)" -- rc_is 0 -- screen_ok -- \
		attr_is warn '\[hermit [0-9.]+\] WARN  log: unknown level .*' 0e
	screen_run debug "vga-test ready" -e HERMIT_LOG_LEVEL_FILTER=debug "$T/vga_test"
	screen_check debug "vga: debug lines are dark grey (08)" -- rc_is 0 -- screen_ok -- \
		attr_is debug '\[hermit [0-9.]+\] DEBUG app: .*' 08

	screen_run scroll "vga-test ready" "$T/vga_test" 40
	scrolled=()
	for i in $(seq 18 40); do scrolled+=("scroll $i"); done
	screen_check scroll "vga: the screen scrolls (the last 24 lines stay, the cursor on the last row)" -- \
		rc_is 0 -- screen_ok -- block scroll "${scrolled[@]}" 'vga-test ready' '' -- \
		cursor_is scroll 24 0
else
	fail "vga: screen tests" "hermit-gcc --features=smp,acpi,vga failed"
fi

if build novga_test "$T/vga_test.c" --features=default; then
	screen_run novga - "$T/novga_test"
	screen_check novga "vga: an image without vga leaves our text off the screen" -- \
		rc_is 0 -- screen_ok -- has "vga-test stdout one" -- lacks_row novga '.*vga-test.*' \
		-- lacks_row novga '\[hermit.*'
else
	fail "vga: image without vga" "hermit-gcc --features=default failed"
fi

if ! command -v gdb >/dev/null; then
	skip "vga: the demo's screen" "gdb is not installed (scripts/setup.sh installs it)"
elif build demo "$ROOT/examples/demo/demo.c" --features=smp,acpi,vga; then
	gdb_screen_run demo "$T/demo" one 'two words'
	screen_check demo "vga: the demo's final screen is its serial output" -- \
		rc_is 0 -- screen_ok -- has "pi = 3.14159" -- screen_is_serial demo
	[[ -f $T/demo.txt ]] && used_rows demo | sed 's/^/    demo screen| /'
else
	fail "vga: the demo's screen" "hermit-gcc --features=smp,acpi,vga failed on the demo"
fi

# Other feature sets boot and say which features they have.
features_line() { tr -d '\r' <"$OUT" | grep -qE "^$features_re $1$off_re\$"; }
for set in smp,pci vga; do
	if ! build "hello-$set" "$hello" "--features=$set"; then
		fail "vga: a kernel with features $set" "hermit-gcc failed"
		continue
	fi
	qemu --timeout 60 "$T/hello-$set"
	check "vga: a kernel with features '$set' boots and reports them" -- rc_is 0 \
		-- has "Hello, world!" -- features_line "${set//,/ }"
done

# uhyve has no VGA: a vga image runs there as any other (hello needs no
# SSE, so even a KVM that emulates instructions runs it).
if [[ ! -x $BIN/uhyve ]]; then
	skip "vga: image on uhyve" "uhyve is not built"
elif [[ ! -f $T/hello-vga ]]; then
	fail "vga: image on uhyve" "the vga image was not built"
else
	guest "$BIN/uhyve" "$T/hello-vga"
	if [[ $RC == 69 || $RC == 72 ]]; then
		skip "vga: image on uhyve" "$(grep -m1 '^uhyve: ' "$OUT" | sed 's/^uhyve: //')"
	else
		check "vga: a vga image on uhyve (no VGA there) runs" -- rc_is 0 -- \
			has "Hello, world!" -- features_line vga
	fi
fi
