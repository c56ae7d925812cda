"""W4 at one row, side by side in one process: bendernet's predict_proba, ONNX Runtime's
``run`` on scikit-learn's model exported with skl2onnx, and scikit-learn's predict_proba.

    python -m bench.one_row_vs_onnx [ROUNDS] [CALLS]      # defaults 9 and 3000

The W1 model (bench/workloads.py), the first digits row as a C-contiguous float64 array.
ONNX Runtime takes the export's input type, float64 (DoubleTensorType, zipmap off, so the
probabilities are one array), in one InferenceSession per thread count (2: the bench's
threads, and 1). Each round times CALLS calls of each system after 200 unmeasured ones,
in alternating order; the medians over the rounds are printed, wall clock and the
process's CPU time (which a busy machine inflates less), with bendernet's ratio to ONNX
Runtime. Needs ``pip install ".[onnx]"`` (onnxruntime, skl2onnx)."""

import sys
import time
import warnings

import numpy as np

from bench import workloads


def systems():
    """{name: a call of one one-row predict_proba}, each checked against scikit-learn's"""
    import onnxruntime
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from bendernet import MLPClassifier

    X, y, _, _ = workloads.W1_F64.arrays()
    row = np.ascontiguousarray(X[[0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SklearnMLP(**workloads.W1_F64.params()).fit(X, y)
        ours = MLPClassifier(**workloads.W1_F64.params()).fit(X, y)
    exported = convert_sklearn(theirs, initial_types=[("X", DoubleTensorType([None, 64]))],
                               options={id(theirs): {"zipmap": False}}).SerializeToString()
    calls = {"bendernet": lambda: ours.predict_proba(row),
             "sklearn": lambda: theirs.predict_proba(row)}
    for threads in (2, 1):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(exported, options,
                                               providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        calls[f"onnxruntime-{threads}t"] = (
            lambda session=session, name=name: session.run(None, {name: row})[1])
    expected = theirs.predict_proba(row)
    for name, call in calls.items():
        np.testing.assert_allclose(call(), expected, rtol=1e-9, atol=1e-12, err_msg=name)
    return calls


def measure(calls, rounds, n_calls):
    """{name: (wall microseconds per call, CPU microseconds per call)}, medians of rounds"""
    wall = {name: [] for name in calls}
    cpu = {name: [] for name in calls}
    names = list(calls)
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else names[::-1]:
            call = calls[name]
            for _ in range(200):
                call()
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(n_calls):
                call()
            wall[name].append((time.perf_counter() - start) / n_calls * 1e6)
            cpu[name].append((time.process_time() - start_cpu) / n_calls * 1e6)
    return {name: (float(np.median(wall[name])), float(np.median(cpu[name])))
            for name in names}


def main(rounds=9, n_calls=3000):
    times = measure(systems(), rounds, n_calls)
    for name, (wall, cpu) in times.items():
        print(f"{name:16s} {wall:8.2f} us wall {cpu:8.2f} us CPU")
    ours = times["bendernet"]
    for name in ("onnxruntime-2t", "onnxruntime-1t"):
        print(f"bendernet / {name}: {ours[0] / times[name][0]:.2f} wall, "
              f"{ours[1] / times[name][1]:.2f} CPU")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
