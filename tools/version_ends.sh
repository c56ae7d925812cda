#!/usr/bin/env bash
# The two ends of the supported range (README, "Supported versions"), each in a venv of its
# own: bendernet built from this checkout and tested against
#   oldest: the oldest Python on the machine from 3.10 on, and the pins in
#           tools/oldest-versions.txt (the floors in pyproject.toml, SciPy's and joblib's
#           included);
#   newest: the newest Python on the machine, and the newest releases pip finds.
# The extension uses no NumPy C API (arrays cross by the buffer protocol), so the build,
# which does not install NumPy, is the same for any NumPy: the oldest end shows it loading
# and working beside NumPy 1.25.
#
#   tools/version_ends.sh                    # both ends
#   tools/version_ends.sh oldest             # one end
#
# Tests: the suite but for its two C programs (test_c_core_safety.py and
# test_portable_build.py compile C with gcc alone: no Python package version reaches them).
# VERSION_ENDS_VENVS names the folder of the venvs (default: the repository).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venvs=${VERSION_ENDS_VENVS:-$repo}

# An interpreter of Python 3.minor that runs: the pyenv build or the system's
interpreter() {
  local minor=$1 candidate
  local pyenv_root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "${HOME:-/root}/.pyenv")}
  for candidate in "$pyenv_root"/versions/3."$minor".*/bin/python3."$minor" \
                   "$(command -v python3."$minor" || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c "import venv" 2>/dev/null
    then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# The first of the given minor versions that the machine has
first_interpreter() {
  local minor
  for minor in "$@"; do
    interpreter "$minor" && return 0
  done
  echo "no Python among 3.${*// /, 3.} on this machine" >&2
  return 1
}

run_end() {
  local name=$1 python=$2 start=$SECONDS
  local venv="$venvs/.ci-venv-$name"
  shift 2
  echo "== $name end: $("$python" --version)"
  "$python" -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet "$@" "$repo[test]"
  "$venv/bin/python" - <<'EOF'
import platform
from importlib.metadata import version
print("   Python", platform.python_version(), *(f"{name} {version(name)}" for name in
      ("numpy", "scipy", "scikit-learn", "threadpoolctl", "joblib")), sep=", ")
EOF
  (cd "$repo" && "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider \
     --ignore=tests/test_c_core_safety.py --ignore=tests/test_portable_build.py)
  echo "== $name end: $((SECONDS - start)) s"
}

ends=${*:-oldest newest}
for end in $ends; do
  case $end in
    oldest) run_end oldest "$(first_interpreter 10 11 12 13 14)" \
              --constraint "$repo/tools/oldest-versions.txt" ;;
    newest) run_end newest "$(first_interpreter 14 13 12 11 10)" ;;
    *) echo "unknown end: $end (oldest or newest)" >&2; exit 2 ;;
  esac
done
