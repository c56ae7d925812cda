"""bendernet.reference, the NumPy oracle, imports and runs without the compiled extension."""

import subprocess
import sys
import textwrap

import bendernet

BLOCKED_RUN = textwrap.dedent("""
    import sys
    sys.modules["bendernet._kernels"] = None      # any import of it now raises ImportError

    import numpy as np
    import bendernet.reference as R
    from bendernet._layout import Layout

    rng = np.random.default_rng(0)
    units = np.array([3, 4, 2], dtype=np.int64)
    P = rng.standard_normal(R.param_count(units, R.TANH))
    X = rng.standard_normal((6, 3))
    T = np.eye(2)[rng.integers(0, 2, 6)]
    G = np.empty_like(P)
    X_parts = (X.reshape(-1), None, None, 6, 3)     # a dense layer input, as the kernels take it
    loss = R.loss_grad(G, None, P, units, R.TANH, R.OUT_SOFTMAX, 0.0, *X_parts, T, None)
    assert np.isfinite(loss) and np.isfinite(G).all() and np.any(G != 0)

    from types import SimpleNamespace
    from bendernet._optimizer import SGD

    before = P.copy()
    network = SimpleNamespace(units=units, activation=R.TANH, output=R.OUT_SOFTMAX)
    optimizer = SGD(P.size, P.dtype, 0.1, momentum=0.9, nesterov=True)
    R.train_epoch(network, optimizer, np.arange(6, dtype=np.int64), P=P, G=G, workspace=None,
                  X=X_parts, T=T, sw=None, l2=0.0, batch_size=3)
    assert np.any(P != before) and np.any(optimizer.velocity != 0)

    try:
        import bendernet._kernels
    except ImportError:
        pass
    else:
        raise AssertionError("the extension was not blocked")
    print("ran", sorted(name for name, module in sys.modules.items()
                        if name.startswith("bendernet") and module is not None))
""")


def test_reference_imports_and_runs_with_the_extension_blocked():
    done = subprocess.run([sys.executable, "-c", BLOCKED_RUN], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split("ran", 1)[1]
    assert "bendernet._kernels" not in loaded and "bendernet.activations" not in loaded


def test_the_package_still_offers_its_public_names():
    assert set(bendernet.__all__) <= set(dir(bendernet))
    for name in bendernet.__all__:
        assert getattr(bendernet, name) is not None
    from bendernet import MLPClassifier, MLPRegressor  # noqa: F401
    assert bendernet.MLPClassifier.__module__ == "bendernet._estimators"
    try:
        bendernet.not_a_name
    except AttributeError as error:
        assert "not_a_name" in str(error)
    else:
        raise AssertionError("an unknown name did not raise AttributeError")
