#!/bin/sh
# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer: builds the extension
# with BN_SANITIZE=ON (every finding aborts, see CMakeLists.txt) into a venv of its own, then
# runs pytest with the sanitizers' runtimes preloaded into Python, which is not built with
# them. Leak detection is off: CPython keeps its interned objects to the end on purpose.
#
#   tools/sanitize.sh                  # the whole suite
#   tools/sanitize.sh tests/test_gemm.py -k avx512     # arguments go to pytest
#
# BN_SANITIZE_VENV names the venv (default: .venv-sanitize in the repository).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${BN_SANITIZE_VENV:-$repo/.venv-sanitize}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "$repo[test]" -Ccmake.define.BN_SANITIZE=ON
cd "$repo"
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0 \
UBSAN_OPTIONS=print_stacktrace=1 \
    exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
