#!/bin/sh
# The kernel configuration chosen at build time (DESIGN.md D5), from the
# environment:
#   HERMIT_FEATURES          features, space- or comma-separated; "default"
#                            stands for the default set (smp pci acpi virtio-fs);
#                            unset or empty means the default set
#   HERMIT_LOG_LEVEL_FILTER  Off, Error, Warn, Info, Debug, Trace (any case;
#                            anything else means Info)
# usage: variant.sh name       the variant's build directory name
#        variant.sh features   the feature set, canonical order
#        variant.sh level      the log level
#        variant.sh cflags     the kernel's -D flags for this configuration
#        variant.sh notes      one line per accepted feature not yet implemented
# An unknown feature is an error (exit 2) with a message naming it.
known="smp pci acpi fsgsbase vga tcp dhcpv4 rtl8139 virtio-fs"
implemented="smp pci acpi vga fsgsbase virtio-fs tcp dhcpv4 rtl8139"
defaults="smp pci acpi virtio-fs"

level=$(printf '%s' "${HERMIT_LOG_LEVEL_FILTER:-info}" | tr 'A-Z' 'a-z')
case "$level" in
off | error | warn | info | debug | trace) ;;
*) level=info ;;
esac

want=$(printf '%s' "${HERMIT_FEATURES-default}" | tr ',' ' ')
[ -n "$(printf '%s' "$want" | tr -d ' \t')" ] || want=default
set=""
for f in $want; do
	case "$f" in
	default) set="$set $defaults" ;;
	smoltcp) set="$set tcp" ;; # the seed's name for the TCP/IP stack
	*)
		case " $known " in
		*" $f "*) set="$set $f" ;;
		*)
			echo "hermit: unknown feature '$f' (known: $known; smoltcp is an alias of tcp)" >&2
			exit 2
			;;
		esac
		;;
	esac
done
features=""
for f in $known; do
	case " $set " in *" $f "*) features="$features $f" ;; esac
done
features=${features# }
case " $features " in
*" virtio-fs "*) case " $features " in *" pci "*) ;; *)
	echo "hermit: feature 'virtio-fs' needs 'pci'" >&2
	exit 2
	;;
	esac ;;
esac
for f in rtl8139; do
	case " $features " in
	*" $f "*) case " $features " in *" tcp "*" pci "* | *" pci "*" tcp "*) ;; *)
		echo "hermit: feature '$f' needs 'tcp' (or its alias smoltcp) and 'pci'" >&2
		exit 2
		;;
		esac ;;
	esac
done
case " $features " in
*" dhcpv4 "*) case " $features " in *" tcp "*) ;; *)
	echo "hermit: feature 'dhcpv4' needs 'tcp' (or its alias smoltcp)" >&2
	exit 2
	;;
	esac ;;
esac

case "${1:-name}" in
name) echo "$level-$(printf '%s' "${features:-none}" | tr ' ' '+')" ;;
features) echo "$features" ;;
level) echo "$level" ;;
cflags)
	off=""
	for f in $known; do
		case " $features " in *" $f "*) ;; *) off="$off $f" ;; esac
	done
	out="-DHERMIT_FEATURES_STR='\"$features\"' -DHERMIT_FEATURES_OFF_STR='\"${off# }\"'"
	for f in $features; do
		out="$out -DHERMIT_FEATURE_$(printf '%s' "$f" | tr 'a-z-' 'A-Z_')=1"
	done
	echo "$out"
	;;
notes)
	for f in $features; do
		case " $implemented " in
		*" $f "*) ;;
		*) echo "hermit: feature '$f' is accepted but not implemented yet" ;;
		esac
	done
	;;
*)
	echo "usage: variant.sh [name|features|level|cflags|notes]" >&2
	exit 2
	;;
esac
