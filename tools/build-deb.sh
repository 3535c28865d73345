#!/bin/bash
# Build the Debian package from a copy of the working tree, so the tree stays clean.
#   build-deb.sh OUTDIR [VERSION]
# VERSION (optional) builds the same sources under another package version (a new changelog
# entry in the copy; used by the system test to make an "N+1" for the upgrade scenario).
# Runs `dpkg-buildpackage -us -uc -b`, then `lintian --fail-on warning` on the result
# (LINTIAN=0 skips it). The .deb, .buildinfo, .changes and lintian.txt land in OUTDIR.
set -euo pipefail
# Debian tools with Debian's python3 only (a pyenv or venv python on PATH would be picked up)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH VIRTUAL_ENV PYENV_VERSION
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
version=${2:-}
work=$(mktemp -d /tmp/camera-service-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
tar -C "$top" --exclude=./.git --exclude=./.venv --exclude=./.cache --exclude=./dist \
    --exclude=./.run --exclude=./build --exclude='*.egg-info' --exclude=__pycache__ \
    --exclude=./.pybuild --exclude=./.mypy_cache --exclude=./.ruff_cache --exclude=./.pytest_cache \
    --exclude=./debian/camera-service --exclude=./debian/.debhelper --warning=no-file-changed \
    -cf - . | tar -C "$work/src" -xf - || [ "${PIPESTATUS[0]}" = 1 ]  # 1: a file changed while read
cd "$work/src"
if [ -n "$version" ]; then
  { printf 'camera-service (%s) unstable; urgency=medium\n\n  * Rebuild as %s.\n\n' "$version" "$version"
    printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
    cat debian/changelog; } > debian/changelog.new
  mv debian/changelog.new debian/changelog
fi
dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log" >&2; exit 1; }
v=$(dpkg-parsechangelog -S Version)
cp "$work"/camera-service_"$v"_all.deb "$work"/camera-service_"$v"_*.buildinfo "$work"/camera-service_"$v"_*.changes "$out/"
changes=$(ls "$work"/camera-service_"$v"_*.changes)
if [ "${LINTIAN:-1}" != 0 ]; then
  # (lintian's "running with root privileges is not recommended!" notice goes to stderr)
  lintian --fail-on warning --info "$changes" > "$out/lintian-$v.txt" 2>"$work/lintian.err" || {
    cat "$out/lintian-$v.txt" "$work/lintian.err" >&2; echo "lintian failed for $v" >&2; exit 1; }
fi
echo "$out/camera-service_${v}_all.deb"
