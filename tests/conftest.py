"""Shared pytest set-up: a hypothesis profile that keeps the whole suite fast on two cores.

Select another with HYPOTHESIS_PROFILE: "thorough" for a longer search before a release,
"smoke" for a few examples under valgrind.

The default profile is derandomized: every run, on any machine, tries the same examples
(for a given hypothesis version and test), so that a red run in CI (which runs the suite
three times: alone, beside busy loops and under the sanitizers) is red again wherever it
is rerun, and a green one does not turn red by luck. Searching for new failures is the
thorough profile's job: random, five times the examples, failures kept in the example
database (.hypothesis/) and printed with a blob for @reproduce_failure. The property tests
(tests/test_properties_*.py) scale their example counts with the profile (helpers.examples)."""

import os

import pytest
from hypothesis import HealthCheck, settings
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

# Examples are cheap but numerous; a deadline would only make timing on a loaded machine
# look like a failure, and the suite asserts no timings.
settings.register_profile(
    "fast", max_examples=100, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "thorough", max_examples=500, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "smoke", max_examples=5, deadline=None, database=None, derandomize=True,
    suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture(scope="module")
def iris():
    """scikit-learn's iris, standardised (a test file may define its own iris instead)"""
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y
