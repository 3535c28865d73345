#!/bin/bash
# Download the pinned MediaMTX release for this machine into .cache/mediamtx/ (`make mediamtx`).
#
# The version is read from ansible/roles/mediamtx/defaults/main.yml (`mediamtx_version: "X.Y.Z"`),
# the one place it is written, so tests run the release the Ansible role installs. The archive
# is checked against the checksums.sha256 file published with that release; nothing is
# unpacked unless it matches. Without internet access this fails within a few seconds and says
# how to point the tests at a binary instead (MEDIAMTX_BIN=/path/to/mediamtx).
#
# Environment: MEDIAMTX_VERSION (override the pinned version), MEDIAMTX_CACHE (default
# .cache/mediamtx), MEDIAMTX_BASE_URL (default https://github.com/bluenviron/mediamtx/releases/download).
set -euo pipefail

cd "$(dirname "$0")/.."
DEFAULTS=ansible/roles/mediamtx/defaults/main.yml
BASE_URL=${MEDIAMTX_BASE_URL:-https://github.com/bluenviron/mediamtx/releases/download}
CACHE=${MEDIAMTX_CACHE:-.cache/mediamtx}
CONNECT_TIMEOUT=5
MAX_TIME=300

die() { echo "fetch-mediamtx: $*" >&2; exit 1; }

version=${MEDIAMTX_VERSION:-}
if [ -z "$version" ]; then
  [ -r "$DEFAULTS" ] || die "cannot read $DEFAULTS (it pins mediamtx_version)"
  version=$(sed -n 's/^mediamtx_version:[[:space:]]*["'\'']\{0,1\}\([0-9][0-9.]*\)["'\'']\{0,1\}[[:space:]]*\(#.*\)\{0,1\}$/\1/p' "$DEFAULTS" | head -n1)
  [ -n "$version" ] || die "no line like 'mediamtx_version: \"1.20.1\"' in $DEFAULTS"
fi
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a version: '$version'"

# MediaMTX's archive names per architecture; newer releases say arm64, older ones arm64v8
case "$(uname -m)" in
  x86_64 | amd64) arches="amd64" ;;
  aarch64 | arm64) arches="arm64 arm64v8" ;;
  armv7l | armv7*) arches="armv7" ;;
  armv6l | armv6*) arches="armv6" ;;
  *) die "no MediaMTX release for architecture $(uname -m)" ;;
esac

if [ -x "$CACHE/mediamtx" ] && [ "$(cat "$CACHE/VERSION" 2>/dev/null)" = "$version" ]; then
  echo "MediaMTX $version already in $CACHE/mediamtx"
  exit 0
fi

if command -v curl >/dev/null; then
  fetch() { curl -fsSL --connect-timeout "$CONNECT_TIMEOUT" --max-time "$MAX_TIME" -o "$2" "$1"; }
elif command -v wget >/dev/null; then
  fetch() { wget -q --connect-timeout="$CONNECT_TIMEOUT" --timeout="$MAX_TIME" --tries=1 -O "$2" "$1"; }
else
  die "neither curl nor wget is installed"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
release="$BASE_URL/v$version"

echo "fetching MediaMTX $version checksums from $release"
if ! fetch "$release/checksums.sha256" "$tmp/checksums.sha256"; then
  die "cannot download $release/checksums.sha256 (no internet access?).
  Get mediamtx_v${version}_linux_<arch>.tar.gz and its checksums.sha256 elsewhere, or run the
  MediaMTX tests with MEDIAMTX_BIN=/path/to/mediamtx (or a mediamtx on PATH)."
fi

archive=""
for arch in $arches; do
  name="mediamtx_v${version}_linux_${arch}.tar.gz"
  if grep -qE "^[0-9a-f]{64} [ *]${name//./\\.}\$" "$tmp/checksums.sha256"; then
    archive=$name
    break
  fi
done
[ -n "$archive" ] || die "checksums.sha256 of v$version lists no linux archive for: $arches"

echo "fetching $archive"
fetch "$release/$archive" "$tmp/$archive" || die "cannot download $release/$archive"

expected=$(grep -E " [ *]${archive//./\\.}\$" "$tmp/checksums.sha256" | head -n1 | cut -d' ' -f1)
actual=$(sha256sum "$tmp/$archive" | cut -d' ' -f1)
[ "$expected" = "$actual" ] || die "checksum mismatch for $archive: expected $expected, got $actual (not unpacked)"
echo "sha256 verified: $actual"

mkdir -p "$tmp/unpacked"
tar -xzf "$tmp/$archive" -C "$tmp/unpacked" mediamtx mediamtx.yml LICENSE \
  || die "$archive does not hold mediamtx, mediamtx.yml and LICENSE"
mkdir -p "$CACHE"
for f in mediamtx mediamtx.yml LICENSE; do
  mv -f "$tmp/unpacked/$f" "$CACHE/$f"
done
chmod 0755 "$CACHE/mediamtx"
echo "$version" >"$CACHE/VERSION"
echo "MediaMTX $version ready: $CACHE/mediamtx ($("$CACHE/mediamtx" --version 2>/dev/null || echo "version unknown"))"
