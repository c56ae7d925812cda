"""Shared pytest set-up: a hypothesis profile that keeps the whole suite fast on two cores.

Select another with HYPOTHESIS_PROFILE: "thorough" for a longer search before a release,
"smoke" for a few examples under valgrind."""

import os

from hypothesis import HealthCheck, settings

# Examples are cheap but numerous; a deadline would only make timing on a loaded machine
# look like a failure, and the suite asserts no timings.
settings.register_profile(
    "fast", max_examples=100, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "thorough", max_examples=500, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "smoke", max_examples=5, deadline=None, database=None,
    suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
