# Helpers shared by the benchmark scripts; source it after defining die().

# median N...: the middle value (the lower one of the two middles).
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

# ratio A B: A/B with two decimals, in integer arithmetic (B of 0 counts as 1).
ratio() {
	local a=$1 b=$2
	((b > 0)) || b=1
	local r=$(((100 * a + b / 2) / b))
	printf '%d.%02d' $((r / 100)) $((r % 100))
}

# free_port: a TCP port nobody listens on at 127.0.0.1, for linux-guest.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	die "no free TCP port"
}
