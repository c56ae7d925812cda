"""The machine's FMA peak (bendernet._kernels.fma_peak, csrc/runtime/peak.c): its arguments
and the kind of answer it gives. It is a timing, so nothing here compares two timings."""

import numpy as np
import pytest

from bendernet import _kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", np.dtype("float64")])
@pytest.mark.parametrize("threads", [1, 2])
def test_peak_is_a_positive_finite_rate(dtype, threads):
    peak = _kernels.fma_peak(dtype, threads, 0.01)
    assert isinstance(peak, float)
    # at least one burst of FMAs ran: far above a megaFLOP/s on any machine
    assert np.isfinite(peak) and peak > 1e6


@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.complex128])
def test_peak_only_for_float32_and_float64(dtype):
    with pytest.raises(ValueError, match="float32 or float64"):
        _kernels.fma_peak(dtype, 1, 0.01)


@pytest.mark.parametrize("threads", [0, -1, 1025, 1.0, True, "2", None])
def test_peak_threads_checked(threads):
    with pytest.raises(ValueError, match="threads"):
        _kernels.fma_peak(np.float32, threads, 0.01)


@pytest.mark.parametrize("seconds", [0, -0.1, 61, float("nan"), float("inf"), "1", None])
def test_peak_seconds_checked(seconds):
    with pytest.raises(ValueError, match="seconds"):
        _kernels.fma_peak(np.float32, 1, seconds)
