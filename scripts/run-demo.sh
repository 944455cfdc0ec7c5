#!/usr/bin/env bash
# `make run`: boot the demo on uhyve when this host's KVM can run it, else on
# QEMU (hermit-run says which and why).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/build/bin/hermit-run" "$root/build/examples/demo" "Hello" "from hermit-c"
