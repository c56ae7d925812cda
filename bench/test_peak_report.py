"""The report's use of the measured peak (bench/peak.py) on made-up numbers: merging two
measurements and an entry's share. Not a benchmark: it runs in every mode, smoke included."""

import json

from bench import peak


def test_best_keeps_the_higher_of_each_measurement():
    first = {"float32": {1: 100.0, 2: 150.0}, "float64": {1: 50.0, 2: 90.0}}
    last = {"float32": {1: 120.0, 2: 140.0}, "float64": {1: 40.0, 2: 95.0}}
    assert peak.best([first, last]) == {"float32": {1: 120.0, 2: 150.0},
                                        "float64": {1: 50.0, 2: 95.0}}


def test_share_against_the_entry_dtype_and_threads():
    peaks = {"float32": {1: 200.0, 2: 400.0}, "float64": {1: 100.0, 2: 200.0}}
    assert peak.share(peaks, {"gflops": 50.0, "dtype": "float32", "threads": 2}) == 0.125
    assert peak.share(peaks, {"gflops": 50.0, "dtype": "float64", "threads": 1}) == 0.5
    # a saved run: JSON turned the thread counts into strings
    saved = json.loads(json.dumps(peaks))
    assert peak.share(saved, {"gflops": 50.0, "dtype": "float64", "threads": 2}) == 0.25


def test_no_share_without_what_it_needs():
    peaks = {"float32": {1: 200.0}}
    assert peak.share(peaks, {"gflops": 50.0, "dtype": "float32", "threads": 2}) is None
    assert peak.share(peaks, {"gflops": 50.0, "dtype": "float16", "threads": 1}) is None
    assert peak.share(peaks, {"dtype": "float32", "threads": 1}) is None
    assert peak.share({}, {"gflops": 50.0, "dtype": "float32", "threads": 1}) is None
