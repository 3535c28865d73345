#!/bin/bash
# `make test`: every suite, in two pytest processes at once, with one table and one exit code.
#   test-suites.sh PYTHON [PYTEST_ARG...]
# The `system` suite (two .deb builds, a debootstrap, a container booted and driven through
# Ansible and testinfra: about 10 minutes, mostly network, disk and waiting on the container)
# runs beside the other suites instead of after them, in a second process that first runs the
# `mediamtx` suite (its tests wait on MediaMTX and ffmpeg while the system suite's packages
# and root file system are built in a thread) and then the `browser` suite: the two processes
# take about as long as each other. That process's output goes to build/test-results/system.log
# and is printed when the other ends; then the table of every suite with both processes'
# counts added up. The exit code is the first failing process's, so `make test` fails on any
# failure in either.
# PYTEST_ARGs that only change how tests run (-x, -v, --durations=N, --timeout=N) go to both
# processes; a selection (-m, -k, a path to tests) is one process, as it says.
set -uo pipefail
py=$1
shift
for arg in "$@"; do
  case $arg in
    -m | -m* | -k | -k*) exec "$py" -m pytest "$@" ;;
  esac
  if [ "${arg:0:1}" != - ] && [ -e "${arg%%::*}" ]; then
    exec "$py" -m pytest "$@"
  fi
done
out=build/test-results
rm -rf "$out"
mkdir -p "$out"

# job control: the system process gets a process group of its own, so a Ctrl-C on the
# terminal interrupts the foreground process only and reaches it through the trap below
# (SIGINT lets pytest tear its container down; a background job would otherwise ignore it)
set -m
beside="system or mediamtx or browser"
"$py" -m pytest -m "$beside" --suites-json="$out/system.json" "$@" >"$out/system.log" 2>&1 &
system=$!
trap 'kill -INT "$system" 2>/dev/null; wait "$system"' INT TERM

"$py" -m pytest -m "not ($beside)" --suites-json="$out/others.json" "$@"
others_rc=$?
if [ "$others_rc" = 2 ]; then  # interrupted: stop the system suite too
  kill -INT "$system" 2>/dev/null
fi
if kill -0 "$system" 2>/dev/null; then
  echo "waiting for the system, mediamtx and browser suites (running beside the others since the start; log: $out/system.log)"
fi
wait "$system"
system_rc=$?
trap - INT TERM

echo
echo "===================== the system, mediamtx and browser suites ====================="
cat "$out/system.log"
echo
echo "================================ every suite ================================"
PYTHONPATH="tests${PYTHONPATH:+:$PYTHONPATH}" "$py" -m support.suites "$out/others.json" "$out/system.json"
table_rc=$?
echo "pytest exit codes: system suite $system_rc, the others $others_rc"
for rc in "$others_rc" "$system_rc" "$table_rc"; do
  if [ "$rc" != 0 ]; then
    exit "$rc"
  fi
done
exit 0
