"""Every script in examples/ runs in its smoke mode and prints what its figure shows."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bendernet import reference
from bendernet._codes import ACTIVATIONS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(name, tmp_path):
    """The example's printed lines; its figure must exist as a PNG in tmp_path."""
    pytest.importorskip("matplotlib", reason="the examples draw with matplotlib: "
                        "pip install '.[examples]'")
    if not EXAMPLES.is_dir():
        pytest.skip("examples/ is not beside these tests (an installed package's tests)")
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--smoke",
                           "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    figure = tmp_path / f"{name}.png"
    assert figure.read_bytes()[:8] == PNG_SIGNATURE
    return done.stdout.splitlines()


def numbers(line):
    return [float(x) for x in re.findall(r"[-+]?\d+\.\d+(?:e[-+]\d+)?", line)]


def test_the_package_never_imports_matplotlib():
    script = ("import sys, numpy as np, bendernet\n"
              "from bendernet import MLPClassifier, activations, ops, loss_gradient\n"
              "m = MLPClassifier(max_iter=5).fit(np.eye(4), [0, 1, 1, 0])\n"
              "loss_gradient(m, np.eye(4), [0, 1, 1, 0])\n"
              "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_every_example_is_tested():
    if not EXAMPLES.is_dir():
        pytest.skip("examples/ is not beside these tests (an installed package's tests)")
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    scripts = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    assert scripts <= tested


def test_perceptron(tmp_path):
    out = run("perceptron", tmp_path)
    assert "AND: targets [0, 0, 0, 1] perceptron [0, 0, 0, 1] accuracy 1.00" in out
    assert "OR: targets [0, 1, 1, 1] perceptron [0, 1, 1, 1] accuracy 1.00" in out
    xor = next(line for line in out if line.startswith("XOR: targets"))
    assert numbers(xor)[-1] < 1.0
    best = next(line for line in out if "random lines" in line)
    assert best.endswith("classifies 0.75 of the points right")


def test_activations(tmp_path):
    out = run("activations", tmp_path)
    at = np.array([-1.0, 0.0, 1.0])
    for name in ACTIVATIONS:
        line = next(line for line in out if line.split(":")[0].strip() == name)
        printed = np.array(numbers(line.split("=", 1)[1]))
        want = np.empty(6)
        alpha = {"prelu": 0.25, "elu": 1.0}.get(name, 0.0)
        code = ACTIVATIONS.index(name)
        reference.activation_forward(want[:3], at, code, alpha)
        reference.activation_derivative(want[3:], at, code, alpha)
        np.testing.assert_allclose(printed, want, atol=5e-7, err_msg=name)


def test_xor_by_hand(tmp_path):
    out = run("xor_by_hand", tmp_path)
    assert out[0] == "XOR predict: [0, 1, 1, 0]"
    assert "x = [1.0, 1.0]  h = relu(W x + b) = [2.0, 1.0]  U.h = +0" in out


def test_outputs(tmp_path):
    out = run("outputs", tmp_path)
    binary = next(line for line in out if line.startswith("binary"))
    three = next(line for line in out if line.startswith("three-class"))
    assert "output logistic, 2 probabilities" in binary
    assert "output softmax, 3 probabilities" in three
    for line in (binary, three):
        off_one = float(re.search(r"\|sum - 1\| on the grid (\S+),", line).group(1))
        assert off_one < 1e-12


def test_loss_curves(tmp_path):
    out = run("loss_curves", tmp_path)
    curves = [line for line in out if "loss after epoch 1" in line]
    assert len(curves) == 4
    for line in curves:
        first, last = numbers(line)[-2:]
        assert last < first, line


def test_backprop_check(tmp_path):
    out = run("backprop_check", tmp_path)
    largest = [line for line in out if "largest error" in line]
    assert [line.split(":")[0] for line in largest] == ["backend     c", "backend numpy"]
    for line in largest:
        assert numbers(line)[-1] < 1e-6, line


def test_digits_fit(tmp_path):
    out = run("digits_fit", tmp_path)
    assert any(line.startswith("same test predictions: True") for line in out)
    if importlib.util.find_spec("rich") and importlib.util.find_spec("sklearn.callback"):
        assert any(line.startswith("MLPClassifier - fit") for line in out)   # the bar
    ours = next(line for line in out if line.startswith("bendernet:"))
    theirs = next(line for line in out if line.startswith("scikit-learn:"))
    # same model: same epochs and scores; only the time differs
    assert ours.rsplit(", fit", 1)[0].split(":", 1)[1] == \
        theirs.rsplit(", fit", 1)[0].split(":", 1)[1]
