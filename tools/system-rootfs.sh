#!/bin/bash
# Build (once) a minimal Debian 12 rootfs for the system test and cache it as a tar.zst.
#   system-rootfs.sh CACHE_DIR [EXTRA_PACKAGE...]   -> prints the path of the tarball
# The tarball's name carries a hash of the package list, so a changed list builds a new one.
# The base list is the recipe's (a booting systemd, python3-apt for Ansible's apt module,
# iproute2 for `ss`) plus openssh-server (testinfra over ssh); EXTRA_PACKAGEs are the .deb's
# runtime Depends, baked in so that installing the .deb needs no network.
set -euo pipefail
cache=$1; shift
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=(systemd systemd-sysv dbus python3 python3-apt iproute2 openssh-server ca-certificates)
pkgs=$(printf '%s\n' "${base[@]}" "$@" | sort -u | tr '\n' ',' | sed 's/,$//')
key=$(printf '%s %s' "$mirror" "$pkgs" | sha256sum | cut -c1-12)
tarball=$cache/rootfs-bookworm-$key.tar.zst
if [ -s "$tarball" ]; then echo "$tarball"; exit 0; fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/rootfs-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "debootstrap bookworm with: $pkgs" >&2
debootstrap --variant=minbase --include="$pkgs" bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
# a clean image: no cached .debs, no machine-id (systemd makes one per boot), apt lists kept
# small is fine: the .deb is installed from a file
rm -rf "$work/root/var/cache/apt/archives/"*.deb
: > "$work/root/etc/machine-id"
# packed under this build's own name, checked, then moved into place: a tarball in the cache
# is whole (two CI runs had a corrupt one, written while other builds ran)
for try in 1 2; do
  tar --zstd -C "$work/root" --numeric-owner -cpf "$work/rootfs.tar.zst" .
  if zstd -tq "$work/rootfs.tar.zst"; then
    mv "$work/rootfs.tar.zst" "$tarball"
    echo "$tarball"
    exit 0
  fi
  echo "system-rootfs: the packed rootfs does not decompress (try $try of 2)" >&2
done
exit 1
