# bench/bench.mk: no rules of its own. `make bench` builds everything (make
# all) and then runs bench/run.sh, which builds the hello it times twice,
# with hermit-gcc and with musl-gcc -static, and compares the two on QEMU.
