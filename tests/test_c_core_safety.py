"""The C core where it meets the edges of memory and of the system: the matrix product's
short tiles touch no row past A's end (a read past it fails under the sanitizer build,
tools/sanitize.sh), its unpacked kernel forms no pointer to a row a tile lacks (a harness
built with UBSan), and the runtime works on, to the same bits, when the system refuses a
thread-specific key, a thread attribute or a fork handler."""

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from bendernet import _kernels

DTYPES = (np.float32, np.float64)

# the narrow product's tiles take 1 to MR rows (MR = 12 for AVX-512, 6 AVX2, 4 or 8 portable)
SHORT_ROWS = range(1, 14)


@pytest.fixture(params=_kernels.GEMM_KERNELS)
def kernel(request):
    """Runs the test once per micro-kernel, skipping those this CPU cannot run."""
    if request.param not in _kernels.gemm_kernels_available():
        pytest.skip(f"this CPU does not run the {request.param} kernel")
    _kernels.gemm_select_kernel(request.param)
    yield request.param
    _kernels.gemm_select_kernel(None)


def assert_close_to_exact(C, A, B):
    exact = A.astype(np.float64) @ B.astype(np.float64)
    bound = 2 * (A.shape[1] + 2) * np.finfo(C.dtype).eps * (
        np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64))
    assert np.all(np.abs(C - exact) <= bound + np.finfo(C.dtype).tiny)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [3, 10, 17, 33])
def test_short_tiles_read_no_row_past_the_end_of_a(kernel, dtype, n):
    # A is the last rows of its buffer: a row past them is outside the allocation
    rng = np.random.default_rng(n)
    for m in SHORT_ROWS:
        A = rng.uniform(-1, 1, (m, 7)).astype(dtype)
        B = rng.uniform(-1, 1, (7, n)).astype(dtype)
        C = np.full((m, n), np.nan, dtype)
        _kernels.gemm(C, A, B)
        assert_close_to_exact(C, A, B)


# The AVX-512 unpacked kernel on a one-row tile of an A whose rows lie 3 * 2^60 bytes apart:
# a pointer to a row the tile lacks wraps around the address space, which UBSan reports.
# Only a direct call can pass such a stride: NumPy exports a one-row array's row stride
# as its length, so the product through the extension never sees it.
UNPACKED_HARNESS = """
#include <stddef.h>
#include <stdint.h>
#include "real.h"
#include "gemm/gemm_kernels.h"
int main(void)
{
    real a[9], b[9 * 10], c[10];
    for (int i = 0; i < 9; i++)
        a[i] = (real)i;
    for (int i = 0; i < 90; i++)
        b[i] = 1;
    ptrdiff_t far = ((ptrdiff_t)3 << 60) / (ptrdiff_t)sizeof(real);
    for (int sign = -1; sign <= 1; sign += 2)
        BN(bn_microkernel_avx512_unpacked)(c, 10, a, sign * far, 1, b, 10, 1, 10, 9, 0);
    return c[0] == 36 ? 0 : 3;
}
"""
CSRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "csrc")


def c_compiler():
    return shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")


@pytest.mark.skipif(not os.path.isdir(CSRC), reason="needs the C sources (a source checkout)")
@pytest.mark.skipif("avx512" not in _kernels.gemm_kernels_available(),
                    reason="this CPU does not run the avx512 kernel")
@pytest.mark.parametrize("precision", ["-DBN_FLOAT", "-UBN_FLOAT"])
def test_the_unpacked_kernel_forms_no_pointer_to_rows_a_tile_lacks(tmp_path, precision):
    if c_compiler() is None:
        pytest.skip("no C compiler")
    source = tmp_path / "harness.c"
    source.write_text(UNPACKED_HARNESS)
    program = tmp_path / "harness"
    subprocess.run([c_compiler(), "-std=gnu11", "-O1", precision, "-fsanitize=undefined",
                    "-fno-sanitize-recover=all", "-mavx512f", "-mavx512vl", "-mfma",
                    "-I", CSRC, str(source),
                    os.path.join(CSRC, "gemm", "gemm_kernels_avx512_unpacked.c"),
                    "-o", str(program)], check=True)
    env = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}
    run = subprocess.run([str(program)], env=env, capture_output=True, text=True)
    assert run.returncode == 0 and "runtime error" not in run.stderr, run.stderr


PRODUCTS = """
import hashlib
import numpy as np
from bendernet import _kernels
def products():
    out = []
    for dtype in (np.float32, np.float64):
        rng = np.random.default_rng(0)
        A = rng.standard_normal((300, 400)).astype(dtype)
        B = rng.standard_normal((400, 200)).astype(dtype)
        for kernel in _kernels.gemm_kernels_available():
            _kernels.gemm_select_kernel(kernel)
            C = np.empty((300, 200), dtype)
            _kernels.gemm(C, A, B)
            out.append(hashlib.sha256(C.tobytes()).hexdigest())
    _kernels.gemm_select_kernel(None)
    return out
"""


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=180, check=True).stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's thread keys")
def test_products_without_a_thread_key_left_give_the_same_bits():
    # every key taken before the first product: the scratch cannot be kept per thread, so
    # each product allocates its own; fits still run
    fit = """
import warnings
from bendernet import MLPClassifier
warnings.simplefilter("ignore")
X = np.random.default_rng(2).standard_normal((200, 30))
y = (X[:, 0] > 0).astype(int)
model = MLPClassifier(hidden_layer_sizes=(40,), max_iter=30, random_state=0).fit(X, y)
print(*products(), hashlib.sha256(model.predict_proba(X).tobytes()).hexdigest())
"""
    take_every_key = """
import ctypes
from bendernet import MLPClassifier  # scikit-learn and SciPy take their keys as they load
libc = ctypes.CDLL(None)
key = ctypes.c_uint()
taken = 0
while libc.pthread_key_create(ctypes.byref(key), None) == 0:
    taken += 1
assert taken > 0
"""
    assert run_python(PRODUCTS + take_every_key + fit) == run_python(PRODUCTS + fit)


# A shared library that makes the system refuse one call, preloaded into a Python process
REFUSALS = {
    "attr_init": """
        #include <errno.h>
        #include <pthread.h>
        int pthread_attr_init(pthread_attr_t *attr) { (void)attr; return ENOMEM; }
    """,
    # glibc's pthread_atfork is a static stub around this
    "atfork": """
        #include <errno.h>
        int __register_atfork(void (*prepare)(void), void (*parent)(void),
                              void (*child)(void), void *dso) {
            (void)prepare; (void)parent; (void)child; (void)dso; return ENOMEM; }
    """,
}


def refusing_library(tmp_path, call):
    compiler = c_compiler()
    if compiler is None:
        pytest.skip("no C compiler to build the refusing library")
    source = tmp_path / f"refuse_{call}.c"
    source.write_text(textwrap.dedent(REFUSALS[call]))
    library = tmp_path / f"refuse_{call}.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return str(library)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
@pytest.mark.parametrize("refused,new_threads", [(None, 1), ("attr_init", 0), ("atfork", 0)])
def test_when_the_system_refuses_the_pool_runs_on_the_caller(tmp_path, refused, new_threads):
    # without a thread attribute no thread can start; without a fork handler a forked child
    # could wait forever on a lock held at the fork, so the pool starts no thread. Either
    # way the callers do all the work, to the same bits, and a forked child too.
    code = PRODUCTS + """
import os
before = len(os.listdir("/proc/self/task"))
lines = products()
started = len(os.listdir("/proc/self/task")) - before
pid = os.fork()
if pid == 0:
    os._exit(0 if products() == lines else 3)
child = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
print(started, child)
print(*lines)
"""
    env = {"OMP_NUM_THREADS": "2"}
    if refused:
        preload = os.environ.get("LD_PRELOAD", "")   # the sanitizers' runtimes come first
        env["LD_PRELOAD"] = " ".join(filter(None, [preload, refusing_library(tmp_path, refused)]))
    started_and_child, digests = run_python(code, **env).splitlines()
    assert started_and_child == f"{new_threads} 0"
    assert digests == run_python(PRODUCTS + "\nprint(*products())").strip()
