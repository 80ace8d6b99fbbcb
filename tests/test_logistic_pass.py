"""The logistic binary branch of the core's cell pass (:func:`btstats._kernels.cells.cell_pass`)
takes the logs of unit-weight cells from a running product of ``r = F(|x|)``, once per
``_PRODUCT_RUN`` cells.  Its log-likelihood equals the sum of the per-cell log-CDFs computed
with exact rational arithmetic around ``log1p`` (math.fsum of ``min(x, 0) - log1p(e^-|x|)``)
to 1e-14 relative, at gaps up to 800, with weights 1, 1/2 and counts; its gradient and
Laplacian weights equal :func:`btstats._kernels.families.binary_terms`' to 1e-15; a cell
whose predictor is -inf or nan makes the pass -inf.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btstats._kernels import cells as K
from btstats._kernels.families import binary_terms
from btstats._kernels.links import LOGISTIC
from btstats.models.families import BINARY as _BINARY

BINARY = _BINARY.code


def _cells(rng, m, n, n_lin, scale, weights):
    ci = rng.integers(0, n, m).astype(np.int32)
    cj = ((ci + rng.integers(1, n, m)) % n).astype(np.int32)
    cx = rng.normal(size=(m, n_lin))
    ck = rng.integers(0, 2, m).astype(np.int64)
    cw = rng.choice(np.asarray(weights, dtype=float), m)
    s = scale * rng.normal(size=n)
    s -= s.mean()
    extra = rng.normal(size=n_lin)
    return s, extra, ci, cj, np.ascontiguousarray(cx), ck, cw


def _reference(s, extra, ci, cj, cx, ck, cw):
    terms, grad, hcell = [], np.zeros(s.shape[0]), np.empty(ci.shape[0])
    for c in range(ci.shape[0]):
        z = s[ci[c]] - s[cj[c]]
        for l in range(extra.shape[0]):   # in the pass's order
            z += extra[l] * cx[c, l]
        x = z if ck[c] == 1 else -z
        terms.append(cw[c] * (min(x, 0.0) - math.log1p(math.exp(-abs(x)))))
        _, gz, hzz = binary_terms(LOGISTIC, z, ck[c])
        grad[ci[c]] += cw[c] * gz
        grad[cj[c]] -= cw[c] * gz
        hcell[c] = -cw[c] * hzz
    return math.fsum(terms), grad, hcell


def _pass(s, extra, ci, cj, cx, ck, cw):
    n, q = s.shape[0], extra.shape[0]
    grad, hcell = np.empty(n + q), np.empty(ci.shape[0])
    cross, hpp = np.empty((n, q)), np.empty((q, q))
    f = K.cell_pass(BINARY, LOGISTIC, 2, q, s, extra, ci, cj, cx, ck, cw, grad, hcell, cross,
                    hpp)
    return f, grad, hcell


@pytest.mark.parametrize("scale", [0.5, 5.0, 200.0])
@pytest.mark.parametrize("weights", [(1.0,), (1.0, 0.5), (1.0, 3.0, 0.25, 17.0)])
def test_loglik_gradient_and_weights_match_the_per_cell_forms(scale, weights):
    rng = np.random.default_rng(int(scale * 10) + len(weights))
    data = _cells(rng, 3 * K._PRODUCT_RUN + 77, 12, 2, scale, weights)
    f, grad, hcell = _pass(*data)
    f_ref, g_ref, h_ref = _reference(*data)
    assert f == pytest.approx(f_ref, rel=1e-14, abs=1e-300)
    np.testing.assert_allclose(grad[:12], g_ref, rtol=1e-13, atol=1e-13 * np.abs(g_ref).max())
    np.testing.assert_allclose(hcell, h_ref, rtol=1e-15, atol=0)   # 1 ulp a division


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 700), gap=st.floats(0.0, 800.0), seed=st.integers(0, 2**31))
def test_product_runs_equal_the_sum_of_logs(m, gap, seed):
    rng = np.random.default_rng(seed)
    data = _cells(rng, m, 5, 1, 1.0, (1.0,))
    s = data[0]
    s[0] += gap                       # one item far ahead: log F near 0 and near -gap
    f, _, _ = _pass(s, *data[1:])
    f_ref, _, _ = _reference(s, *data[1:])
    assert math.isfinite(f)
    assert f == pytest.approx(f_ref, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("bad", [-math.inf, math.nan])
def test_a_cell_with_probability_zero_or_undefined_makes_the_pass_minus_inf(bad):
    rng = np.random.default_rng(3)
    s, extra, ci, cj, cx, ck, cw = _cells(rng, 600, 6, 1, 1.0, (1.0,))
    ck[:] = 1
    s[ci[400]] = bad
    s[cj[400]] = 0.0 if bad != bad else s[cj[400]]
    f, _, _ = _pass(s, extra, ci, cj, cx, ck, cw)
    assert f == -math.inf
