"""The C core's portable path, the only one off x86-64: the matrix product built without
the x86 kernels, by this machine's C compiler and, when the tools are there
(gcc-aarch64-linux-gnu and qemu-user), for aarch64, run under qemu. The program is
tests/c/gemm_portable_check.c; it checks error bounds and bits (see there)."""

import glob
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(ROOT, "csrc")
# The tests copied out and run against an installed wheel (tools/wheel_check.sh) have no
# C sources beside them, and there no compiler either: nothing here can run.
pytestmark = pytest.mark.skipif(
    not os.path.isdir(CSRC),
    reason="needs the C sources and a C compiler (a source checkout), not an installed wheel")
# compiled once per precision (csrc/real.h), then once for both
PER_PRECISION = ["gemm/gemm.c", "gemm/gemm_packed.c", "gemm/gemm_narrow.c", "gemm/gemm_pack.c",
                 "gemm/gemm_scratch.c", "gemm/gemm_kernels_portable.c", "network/activations.c"]
SHARED = ["network/index.c", "gemm/gemm_select.c", "runtime/pool.c", "runtime/shares.c",
          "runtime/core_distance.c", "runtime/usable_cpus.c", "runtime/alloc.c"]
FLAGS = ["-O2", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-I", CSRC]


def build_and_run(compiler, run_prefix, directory):
    jobs = [(source, flag) for source in PER_PRECISION for flag in ("-DBN_FLOAT", "")]
    jobs += [(source, "") for source in SHARED]

    def compile_one(job):
        source, flag = job
        out = os.path.join(directory, f"{source.replace('/', '_')}{flag}.o")
        subprocess.run([compiler, *FLAGS, *([flag] if flag else []), "-c",
                        os.path.join(CSRC, source), "-o", out], check=True)
        return out

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        objects = list(pool.map(compile_one, jobs))
    program = os.path.join(directory, "gemm_portable_check")
    subprocess.run([compiler, *FLAGS, "-static", os.path.join(ROOT, "tests", "c",
                    "gemm_portable_check.c"), *objects, "-o", program, "-lm", "-lpthread"],
                   check=True)
    return subprocess.run([*run_prefix, program], capture_output=True, text=True, timeout=600)


def test_portable_product_on_this_machine(tmp_path):
    compiler = os.environ.get("CC", "cc")
    if not shutil.which(compiler):
        pytest.fail(f"no C compiler ({compiler}): the package itself needs one to build")
    result = build_and_run(compiler, [], tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout


@pytest.mark.skipif(not (shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64")),
                    reason="needs gcc-aarch64-linux-gnu and qemu-user (Debian packages)")
def test_portable_product_on_aarch64_under_qemu(tmp_path):
    result = build_and_run("aarch64-linux-gnu-gcc", ["qemu-aarch64"], tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout


@pytest.mark.skipif(not shutil.which("aarch64-linux-gnu-gcc"),
                    reason="needs gcc-aarch64-linux-gnu (a Debian package)")
def test_whole_c_core_compiles_for_aarch64(tmp_path):
    """Every C file of an aarch64 build (all but the x86 kernels, whose names say avx), in
    both precisions, warnings as errors: what the aarch64 wheels compile (pyproject.toml's
    cibuildwheel settings) short of the Cython module, which needs that Python's headers."""
    sources = sorted(path for path in glob.glob(os.path.join(CSRC, "**", "*.c"), recursive=True)
                     if "avx" not in os.path.basename(path))
    assert any(path.endswith("epoch.c") for path in sources)

    def compile_one(job):
        index, (source, flag) = job
        return subprocess.run(["aarch64-linux-gnu-gcc", *FLAGS, "-Wall", "-Wextra",
                               "-Wswitch-enum", "-Werror", flag, "-c", source,
                               "-o", os.path.join(tmp_path, f"{index}.o")],
                              capture_output=True, text=True)

    jobs = enumerate((source, flag) for source in sources for flag in ("-DBN_FLOAT", "-UBN_FLOAT"))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = [run.stderr for run in pool.map(compile_one, jobs) if run.returncode != 0]
    assert not failures, failures[0]
