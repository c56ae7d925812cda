#!/usr/bin/env bash
# Proves the release files of tools/wheel_build.sh as a user would meet them:
#  1. the repaired wheel: libgomp inside it, installed with --only-binary :all: into a fresh
#     venv on a PATH that has no C compiler, where the test suite (copied out of the checkout,
#     so `import bendernet` can only find the installed package) passes and the demo runs;
#  2. that PATH really cannot build: the sdist fails there for want of a compiler;
#  3. the sdist: it holds what builds and tests the package, and installs from itself into
#     a fresh venv (with the compiler), where bendernet fits.
#
#   tools/wheel_check.sh DIST_DIR         (the folder tools/wheel_build.sh wrote)
set -euo pipefail
dist=$(cd "$1" && pwd)
wheel=$(ls "$dist"/bendernet-*manylinux*.whl)
sdist=$(ls "$dist"/bendernet-*.tar.gz)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

echo "== the wheel: $(basename "$wheel"), $(du -k "$wheel" | cut -f1) KiB"
auditwheel show "$wheel" 2>/dev/null
python - "$wheel" <<'PY'
import sys, zipfile
vendored = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("bendernet.libs/")]
print("vendored:", ", ".join(vendored))
if not any(n.startswith("bendernet.libs/libgomp") for n in vendored):
    sys.exit("FAIL: libgomp is not vendored in bendernet.libs/")
PY

# A PATH of only the venv's bin and a folder holding `cat` (joblib reads the CPU quota with it):
# no cc, gcc, c++ or clang to be found.
mkdir "$work/bare" && ln -s "$(command -v cat)" "$work/bare/cat"
no_compiler="$work/venv/bin:$work/bare"
python -m venv "$work/venv"
env PATH="$no_compiler" python -c '
import shutil, sys
found = [c for c in ("cc", "gcc", "c++", "g++", "clang", "tcc") if shutil.which(c)]
sys.exit(f"FAIL: a compiler is on the PATH: {found}" if found else None)'
env PATH="$no_compiler" python -m pip install --quiet --upgrade pip
env PATH="$no_compiler" python -m pip install --quiet --only-binary :all: "$wheel[test]"

echo "== a build from source on that PATH fails for want of a compiler"
if env PATH="$no_compiler" python -m pip wheel --no-deps --wheel-dir "$work/never" "$sdist" \
     > "$work/source-build.log" 2>&1; then
  echo "FAIL: the sdist built without a compiler on the PATH"; exit 1
fi
grep -m1 "CMAKE_C_COMPILER" "$work/source-build.log" ||
  { tail -20 "$work/source-build.log"; echo "FAIL: the build failed for another reason"; exit 1; }

echo "== the test suite against the installed wheel, no compiler on the PATH"
mkdir "$work/suite" && cp -r "$root/tests" "$work/suite/"
find "$work/suite" -name __pycache__ -prune -exec rm -rf {} +
printf '[pytest]\ntestpaths = tests\n' > "$work/suite/pytest.ini"
(cd "$work/suite" && env PATH="$no_compiler" python - <<'PY'
import bendernet, sysconfig
from bendernet import _kernels
assert bendernet.__file__.startswith(sysconfig.get_paths()["platlib"]), bendernet.__file__
print("bendernet", bendernet.__version__, "from", bendernet.__file__)
print("kernels this CPU runs:", ", ".join(_kernels.gemm_kernels_available()))
PY
)
(cd "$work/suite" && env PATH="$no_compiler" python -m pytest -q -p no:cacheprovider -rs)
(cd "$work/suite" && env PATH="$no_compiler" python -m bendernet)
echo "== the wheel checked in $((SECONDS - start)) s"

echo "== the sdist: $(basename "$sdist"), $(du -k "$sdist" | cut -f1) KiB"
top=$(basename "$sdist" .tar.gz)
tar -tzf "$sdist" > "$work/sdist.txt"
for needed in CMakeLists.txt pyproject.toml LICENSE CHANGELOG.md README.md csrc/bendernet.h \
              src/bendernet/_kernels.pyx tests/conftest.py tests/data/models_b2d5e66.pkl; do
  grep -qx "$top/$needed" "$work/sdist.txt" || { echo "FAIL: the sdist lacks $needed"; exit 1; }
done
python -m venv "$work/sdist-venv"
"$work/sdist-venv/bin/python" -m pip install --quiet --upgrade pip
"$work/sdist-venv/bin/python" -m pip install --quiet "$sdist"
(cd "$work" && "$work/sdist-venv/bin/python" - <<'PY'
import bendernet, sysconfig
from sklearn.datasets import load_digits
from bendernet import MLPClassifier
assert bendernet.__file__.startswith(sysconfig.get_paths()["platlib"]), bendernet.__file__
X, y = load_digits(return_X_y=True)
score = MLPClassifier(max_iter=30, random_state=0).fit(X / 16, y).score(X / 16, y)
print(f"bendernet {bendernet.__version__} from the sdist: digits training accuracy {score:.3f}")
assert score > 0.9
PY
)
echo "== wheel and sdist checked in $((SECONDS - start)) s"
