#!/bin/bash
# Boot a Debian rootfs with a real systemd as PID 1 under systemd-nspawn, on a host whose own
# PID 1 is not systemd (as on CI's machines), and stop it again.
# (From the shared recipe nspawn_host.sh, plus NSPAWN_ARGS for extra options such as
# --private-network; copied so that the repository is self-contained.)
#   nspawn-host.sh boot ROOTFS NAME LOG   -> prints the container's PID 1 (use: nsenter -t PID -a CMD)
#   nspawn-host.sh stop NAME
# nspawn runs in a cgroup of its own (ci-nspawn-NAME), so nothing it makes lands in the host's
# root cgroup, and `stop` removes that cgroup again. `--register=no --keep-unit` are needed on a
# host without systemd.
set -eu
cmd=${1:-}; name=${3:-${2:-}}
case $cmd in
boot)
  rootfs=$2; name=$3; log=$4; state=/run/nspawn-host-$name.pid
  # shellcheck disable=SC2016
  setsid bash -c '
    for h in systemd unified; do
      [ -d /sys/fs/cgroup/$h ] || continue
      mkdir -p /sys/fs/cgroup/$h/ci-nspawn-'"$name"'
      echo $$ > /sys/fs/cgroup/$h/ci-nspawn-'"$name"'/cgroup.procs
    done
    exec systemd-nspawn --register=no --keep-unit --boot '"${NSPAWN_ARGS:-}"' -D "$0" -M '"$name"' ' "$rootfs" \
    </dev/null >"$log" 2>&1 &
  echo $! > "$state"
  for _ in $(seq 150); do
    leader=$(ps -o pid= --ppid "$(cat "$state")" | tr -d ' ' | head -n 1 || true)
    if [ -n "$leader" ] && nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null | grep -q -E 'running|degraded'; then
      echo "$leader"; exit 0
    fi
    sleep 0.2
  done
  echo "container did not reach running; see $log" >&2; exit 1 ;;
stop)
  name=$2; state=/run/nspawn-host-$name.pid
  [ -f "$state" ] || exit 0
  pid=$(cat "$state"); kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  for h in systemd unified; do
    d=/sys/fs/cgroup/$h/ci-nspawn-$name
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -f "$state" ;;
*) echo "usage: $0 boot ROOTFS NAME LOG | stop NAME" >&2; exit 2 ;;
esac
