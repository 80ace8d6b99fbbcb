"""The categories of one predictor at once (:func:`btstats._kernels.families.pattern_terms`,
:func:`~btstats._kernels.families.pattern_terms3`) equal the weighted sum of the per-category
:func:`~btstats._kernels.families.cell_terms` to 1e-12 (relative to the terms' size), for
Davidson and the threshold family with ``K = 3 ... 7`` on both links, at gaps up to 300; and
the cell pass that groups consecutive cells of one predictor
(:func:`btstats._kernels.cells.cell_pass`) returns the same log-likelihood, gradient, cross
and parameter blocks, and per-pair Laplacian weights, as the full negative Hessian built
cell by cell from ``cell_terms`` -- on cells in key order (every pattern one run) and
shuffled (runs broken up).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btstats._kernels import cells as K
from btstats._kernels import families as F
from btstats._kernels.links import LOGISTIC, PROBIT

FAMILIES = [(F.DAVIDSON, LOGISTIC, 3)] + [(F.CUMULATIVE, link, k) for link in (LOGISTIC, PROBIT)
                                          for k in (3, 4, 5, 7)]


def _theta(rng, family, k):
    if family == F.DAVIDSON:
        return np.array([rng.exponential()])
    return np.cumsum(rng.exponential(size=F.n_family_params(family, k)))


def _weighted_cell_terms(family, link, k, z, theta, wk):
    p = F.n_family_params(family, k)
    lp, grad, hess = 0.0, np.zeros(1 + p), np.zeros((1 + p, 1 + p))
    for c in range(k):
        if wk[c] == 0.0:
            continue
        g, h = np.zeros(1 + p), np.zeros((1 + p, 1 + p))
        lp += wk[c] * F.cell_terms(family, link, k, z, c, theta, g, h)
        grad += wk[c] * g
        hess += wk[c] * h
    return lp, grad, hess


@given(case=st.sampled_from(FAMILIES), seed=st.integers(0, 2 ** 31),
       scale=st.sampled_from([0.1, 3.0, 30.0, 300.0]))
@settings(max_examples=150, deadline=None)
def test_pattern_terms_equal_the_weighted_cell_terms(case, seed, scale):
    family, link, k = case
    rng = np.random.default_rng(seed)
    p = F.n_family_params(family, k)
    z = scale * rng.normal()
    theta = _theta(rng, family, k)
    wk = rng.integers(0, 3, k).astype(float) * rng.choice([1.0, 0.5, 7.25])
    gap_e, gap_c, gap_logc = np.zeros(k), np.zeros(k), np.zeros(k)
    F.category_gaps(family, link, k, theta, gap_e, gap_c, gap_logc)
    grad, hess = np.zeros(1 + p), np.zeros((1 + p, 1 + p))
    work = np.empty(max(6, 7 * (k - 1)))
    lp = F.pattern_terms(family, link, k, z, theta, wk, gap_e, gap_c, gap_logc, grad, hess, work)
    l_ref, g_ref, h_ref = _weighted_cell_terms(family, link, k, z, theta, wk)
    if not np.isfinite(l_ref):
        assert lp == -np.inf
        return
    size = 1.0 + abs(l_ref) + np.abs(g_ref).max() + np.abs(h_ref).max()
    assert abs(lp - l_ref) <= 1e-12 * size
    np.testing.assert_allclose(grad, g_ref, rtol=0, atol=1e-12 * size)
    np.testing.assert_allclose(hess, h_ref, rtol=0, atol=1e-12 * size)
    if k == 3:
        scalars = F.pattern_terms3(family, link, z, theta[0], wk[0], wk[1], wk[2], gap_e[1],
                                   gap_c[1], gap_logc[1])
        assert scalars == (lp, grad[0], grad[1], hess[0, 0], hess[0, 1], hess[1, 1])


def _patterned_cells(rng, family, k, n, n_lin, n_patterns, shuffle):
    """Cells of ``n_patterns`` predictors (item pair and a row of a few discrete covariate
    values), each observed in a random subset of the categories, in key order or shuffled."""
    rows = []
    for _ in range(n_patterns):
        i = rng.integers(n)
        j = (i + rng.integers(1, n)) % n
        x = rng.integers(-1, 2, n_lin) * 0.5
        for c in np.flatnonzero(rng.random(k) < 0.6):
            rows.append((i, j, *x, c, rng.choice([1.0, 2.0, 0.5, 13.0])))
    rows = sorted(set(rows), key=lambda r: r[:-1])
    order = rng.permutation(len(rows)) if shuffle else np.arange(len(rows))
    a = np.array(rows, dtype=float)[order]
    ci, cj = a[:, 0].astype(np.int32), a[:, 1].astype(np.int32)
    cx = np.ascontiguousarray(a[:, 2:2 + n_lin])
    return ci, cj, cx, a[:, 2 + n_lin].astype(np.int64), a[:, 3 + n_lin].copy()


def _reference_pass(family, link, k, n_lin, s, extra, ci, cj, cx, ck, cw):
    """Log-likelihood, gradient and negative Hessian over (s, beta, theta), cell by cell."""
    n, q = s.shape[0], extra.shape[0]
    theta = extra[n_lin:]
    p = theta.shape[0]
    total, grad, neg_h = 0.0, np.zeros(n + q), np.zeros((n + q, n + q))
    for c in range(ci.shape[0]):
        v = np.zeros(n + q)            # dz / d(s, beta)
        v[ci[c]] += 1.0
        v[cj[c]] -= 1.0
        v[n:n + n_lin] = cx[c]
        z = s[ci[c]] - s[cj[c]] + cx[c] @ extra[:n_lin]
        g, h = np.zeros(1 + p), np.zeros((1 + p, 1 + p))
        lp = F.cell_terms(family, link, k, z, ck[c], theta, g, h)
        u = np.zeros((n + q, 1 + p))   # d(z, theta) / d(s, beta, theta)
        u[:, 0] = v
        u[n + n_lin:, 1:] = np.eye(p)
        total += cw[c] * lp
        grad += cw[c] * (u @ g)
        neg_h -= cw[c] * (u @ h @ u.T)
    return total, grad, neg_h


@given(case=st.sampled_from(FAMILIES), seed=st.integers(0, 2 ** 31),
       n_lin=st.integers(0, 2), shuffle=st.booleans())
@settings(max_examples=60, deadline=None)
def test_grouped_pass_equals_the_per_cell_hessian(case, seed, n_lin, shuffle):
    family, link, k = case
    rng = np.random.default_rng(seed)
    n = 5
    ci, cj, cx, ck, cw = _patterned_cells(rng, family, k, n, n_lin, 25, shuffle)
    if n_lin == 0:
        cx = np.zeros((ci.shape[0], 0))
    s = rng.normal(size=n)
    extra = np.concatenate([0.3 * rng.normal(size=n_lin), _theta(rng, family, k)])
    q = extra.shape[0]
    grad, hcell = np.empty(n + q), np.empty(ci.shape[0])
    cross, hpp = np.empty((n, q)), np.empty((q, q))
    total = K.cell_pass(family, link, k, n_lin, s, extra, ci, cj, cx, ck, cw, grad, hcell,
                        cross, hpp)
    t_ref, g_ref, h_ref = _reference_pass(family, link, k, n_lin, s, extra, ci, cj, cx, ck, cw)
    scale = 1.0 + np.abs(h_ref).max()
    assert total == pytest.approx(t_ref, rel=1e-12)
    np.testing.assert_allclose(grad, g_ref, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(cross, h_ref[:n, n:], rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(hpp, h_ref[n:, n:], rtol=0, atol=1e-12 * scale)
    # the Laplacian block: hcell summed over each pair's cells is -H[i, j]
    lap = np.zeros((n, n))
    np.add.at(lap, (ci, cj), hcell)
    lap = lap + lap.T
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(lap[off], -h_ref[:n, :n][off], rtol=0, atol=1e-12 * scale)
