"""The network's C sources (csrc/network/) compile without a warning under -Wall -Wextra
-Wswitch-enum, in both precisions: a switch over the activation, output or optimizer codes
lists every code, so a code added to an enum without its case is a warning here, not a
silent fall into another case's work."""

import glob
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(ROOT, "csrc")
SOURCES = sorted(os.path.relpath(path, CSRC)
                 for path in glob.glob(os.path.join(CSRC, "network", "**", "*.c"),
                                       recursive=True))
# The tests copied out and run against an installed wheel (tools/wheel_check.sh) have no
# C sources beside them, and there no compiler either: nothing here can run.
pytestmark = pytest.mark.skipif(
    not os.path.isdir(CSRC),
    reason="needs the C sources and a C compiler (a source checkout), not an installed wheel")
FLAGS = ["-std=gnu11", "-fsyntax-only", "-Wall", "-Wextra", "-Wswitch-enum", "-Werror",
         "-I", CSRC]


@pytest.mark.parametrize("precision", [["-DBN_FLOAT"], []], ids=["float", "double"])
@pytest.mark.parametrize("source", SOURCES)
def test_network_source_compiles_without_warnings(source, precision):
    compiler = os.environ.get("CC", "cc")
    if not shutil.which(compiler):
        pytest.fail(f"no C compiler ({compiler}): the package itself needs one to build")
    result = subprocess.run([compiler, *FLAGS, *precision, os.path.join(CSRC, source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_network_source_is_checked():
    assert "network/epoch.c" in SOURCES and "network/optimizers/adam.c" in SOURCES
