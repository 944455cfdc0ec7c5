#!/bin/sh
# Prints the kernel variant that the build-time configuration asks for, as
# the name of its build directory. Today that is the log level from
# HERMIT_LOG_LEVEL_FILTER (DESIGN.md D5: Off, Error, Warn, Info, Debug,
# Trace; any case; anything else means Info).
level=$(printf '%s' "${HERMIT_LOG_LEVEL_FILTER:-info}" | tr 'A-Z' 'a-z')
case "$level" in
off | error | warn | info | debug | trace) ;;
*) level=info ;;
esac
echo "$level"
