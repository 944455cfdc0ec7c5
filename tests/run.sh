#!/usr/bin/env bash
# The test runner: runs every suite in tests/suites/ (or the ones named on
# the command line), shows each result line, and ends with the one plain
# line "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# A suite is an executable bash script that prints one line per test:
#   PASS <name>            the test ran and its checks held
#   FAIL <name>: <why>     a check failed (or the test could not run)
#   SKIP <name>: <why>     the test cannot run on this machine
# Other lines are details and are shown indented.
set -u
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 skip=0
suites=("$@")
((${#suites[@]})) || suites=("$here"/suites/*.sh)
for s in "${suites[@]}"; do
	[[ -f $s ]] || s=$here/suites/$s.sh
	name=$(basename "$s" .sh)
	echo "== $name"
	exec 3< <(bash "$s" 2>&1; echo "SUITE-EXIT $?")
	while IFS= read -r line <&3; do
		case "$line" in
		PASS\ *) pass=$((pass + 1)); echo "  $line" ;;
		FAIL\ *) fail=$((fail + 1)); echo "  $line" ;;
		SKIP\ *) skip=$((skip + 1)); echo "  $line" ;;
		SUITE-EXIT\ 0) ;;
		SUITE-EXIT\ *) fail=$((fail + 1)); echo "  FAIL $name: the suite itself exited with ${line#SUITE-EXIT }" ;;
		*) echo "      $line" ;;
		esac
	done
	exec 3<&-
done
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
