"""What a user installing the package gets: the version from one place, bendernet imported
from the installed package (never a source tree beside the tests), and the same fit from
every matrix-product kernel the CPU runs, each forced through BENDERNET_GEMM_KERNEL as a
user would force it. tools/wheel_check.sh runs the suite, this file included, against a
repaired wheel in a fresh environment."""

import json
import os
import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

import bendernet
from bendernet import _kernels

# Semantic versioning, MAJOR.MINOR.PATCH, with an optional pre-release or dev part.
VERSION = re.compile(r"^\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?$")


def test_version_is_the_installed_distributions():
    assert VERSION.match(bendernet.__version__), bendernet.__version__
    assert bendernet.__version__ == metadata.version("bendernet")


def editable_install():
    direct_url = metadata.distribution("bendernet").read_text("direct_url.json")
    return bool(direct_url) and json.loads(direct_url).get("dir_info", {}).get("editable", False)


def test_bendernet_is_imported_from_the_installed_package():
    if editable_install():
        pytest.skip("an editable install imports the checkout by design")
    install_dirs = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    for module in (bendernet, _kernels):
        path = Path(module.__file__).resolve()
        assert any(path.is_relative_to(folder) for folder in install_dirs), path


# A fit and a product whose every matrix product runs on the forced kernel; prints the kernel
# in use and the results, as JSON.
FORCED_RUN = """
import json, numpy as np
from sklearn.datasets import load_digits
from bendernet import MLPClassifier, _kernels
X, y = load_digits(return_X_y=True)
out = {}
for dtype in ("float64", "float32"):
    Xd = (X / 16.0).astype(dtype)
    model = MLPClassifier(hidden_layer_sizes=(40,), max_iter=5, random_state=0).fit(Xd, y)
    rng = np.random.default_rng(1)
    A, B = rng.uniform(-1, 1, (300, 500)).astype(dtype), rng.uniform(-1, 1, (500, 70)).astype(dtype)
    C = np.empty((300, 70), dtype)
    _kernels.gemm(C, A, B)
    out[dtype] = dict(loss_curve=[float(loss) for loss in model.loss_curve_],
                      proba=model.predict_proba(Xd).tolist(),
                      predict=model.predict(Xd).tolist(), product=C.tolist())
out["kernel"] = _kernels.gemm_kernel_name()
print(json.dumps(out))
"""


def forced_run(kernel):
    env = {**os.environ, "BENDERNET_GEMM_KERNEL": kernel}
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", FORCED_RUN], env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_every_kernel_forced_gives_the_same_fit():
    kernels = _kernels.gemm_kernels_available()
    runs = {kernel: forced_run(kernel) for kernel in kernels}
    for kernel, run in runs.items():
        assert run["kernel"] == kernel
    portable = runs["portable"]
    for kernel, run in runs.items():
        for dtype, rtol in (("float64", 1e-10), ("float32", 1e-4)):
            ours, theirs = run[dtype], portable[dtype]
            assert ours["predict"] == theirs["predict"], kernel
            np.testing.assert_allclose(ours["loss_curve"], theirs["loss_curve"], rtol=rtol)
            np.testing.assert_allclose(ours["proba"], theirs["proba"], rtol=rtol, atol=rtol)
            np.testing.assert_allclose(ours["product"], theirs["product"], rtol=rtol, atol=rtol)
    # AVX2 and AVX-512 both fuse each multiply-add and sum in the same order: the same bits.
    # The portable kernel on x86-64 rounds the product and the sum apart, hence the tolerance.
    if {"avx2", "avx512"} <= set(runs):
        assert runs["avx2"]["float64"] == runs["avx512"]["float64"]
        assert runs["avx2"]["float32"] == runs["avx512"]["float32"]
