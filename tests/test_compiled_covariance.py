"""The covariance of fits whose passes run threaded is inverted and sandwiched by compiled
loops (``btstats._kernels.linalg.spd_inverse`` and ``congruence``) instead of LAPACK / BLAS,
so that OpenBLAS's threads do not spin beside the next passes.  The loops give LAPACK's
numbers to rounding; an information matrix that is not positive definite is left to LAPACK
(status 1); small fits keep LAPACK (``_COMPILED_MIN_PASS``)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import btstats
from btstats._kernels import linalg as L
from btstats.estimation import results as R


@settings(max_examples=60, deadline=None)
@given(p=st.integers(1, 40), seed=st.integers(0, 2**31), cond=st.floats(0.0, 8.0))
def test_inverse_and_sandwich_equal_numpy(p, seed, cond):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(p, p)))
    a = (q * np.logspace(0.0, -cond, p)) @ q.T
    a = 0.5 * (a + a.T)
    status, inv = L.spd_inverse(a)
    assert status == 0
    ref = np.linalg.inv(a)
    np.testing.assert_allclose(inv, ref, rtol=0, atol=1e-12 * 10 ** cond * np.abs(ref).max())
    m = rng.normal(size=(p, p))
    m = m @ m.T
    out = L.congruence(inv, m)
    want = inv @ m @ inv
    assert np.array_equal(out, out.T)
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-11 * 10 ** cond * np.abs(want).max())


@pytest.mark.parametrize("matrix", [np.array([[1.0, 2.0], [2.0, 1.0]]),     # indefinite
                                    np.array([[1.0, 1.0], [1.0, 1.0]]),     # singular
                                    np.array([[np.nan, 0.0], [0.0, 1.0]])])
def test_not_positive_definite_is_left_to_lapack(matrix):
    status, inv = L.spd_inverse(matrix)
    assert status == 1 and inv.shape == (0, 0)


@pytest.mark.parametrize("spec", [dict(model="bradley-terry"),
                                  dict(model="rao-kupper"),
                                  dict(model="davidson", order_effect=True)])
@pytest.mark.parametrize("covariance_type", ["observed", "sandwich"])
def test_fits_through_the_compiled_loops_equal_lapack(monkeypatch, spec, covariance_type):
    data = btstats.load_example("home_ties")
    ties = {} if spec["model"] != "bradley-terry" else {"ties": "half"}
    kw = dict(covariance_type=covariance_type, **ties, **spec)
    lapack = btstats.fit(data, **kw)._full_covariance()
    monkeypatch.setattr(R, "_COMPILED_MIN_PASS", 0)
    compiled = btstats.fit(data, **kw)._full_covariance()
    np.testing.assert_allclose(compiled, lapack, rtol=1e-12, atol=1e-15)


def test_small_fits_keep_lapack_and_large_ones_use_the_loops(monkeypatch):
    calls = []
    real = L.spd_inverse

    def spy(a):
        calls.append(a.shape[0])
        return real(a)

    monkeypatch.setattr(R._linalg, "spd_inverse", spy)
    btstats.fit(btstats.load_example("baseball")).standard_errors
    assert calls == []
    monkeypatch.setattr(R, "_COMPILED_MIN_PASS", 1)
    btstats.fit(btstats.load_example("baseball")).standard_errors
    assert calls == [7]
