"""Gaussian draws from a covariance use its symmetric square root ``V diag(sqrt(lam)) V'``.

Unlike ``V diag(sqrt(lam))`` it does not depend on the signs LAPACK gives the eigenvectors,
nor on the basis it picks for a repeated eigenvalue, so a seed's draws move continuously with
the covariance: a perturbation at the level of rounding (another BLAS, another summation
order) leaves the draws, and the intervals made from them, where they were.
"""
import numpy as np
import pandas as pd

from btstats.agreement.ceilings import _parametric_draws
from btstats.inference.ranks import _rank_confidence_sets_iv


def _balanced(n, c=0.04):
    """The covariance of centred scores of a balanced round robin: ``c (I - 11'/n)``, one
    eigenvalue of multiplicity ``n - 1`` (every basis of that space is an eigenbasis)."""
    return c * (np.eye(n) - 1.0 / n)


def _nudged(s, seed, size=1e-15):
    e = np.random.default_rng(seed).standard_normal(s.shape)
    return s + size * (e + e.T)


def _rank_factor(s):
    x = np.zeros(s.shape[0])
    return _rank_confidence_sets_iv(x, None, s, 0.95, True, 100, True, None)[4][1]


def test_rank_draw_factor_is_the_symmetric_root():
    s = _balanced(8)
    f = _rank_factor(s)
    np.testing.assert_allclose(f, f.T, atol=1e-15)
    np.testing.assert_allclose(f @ f, s, atol=1e-14)


def test_rank_draws_move_continuously_with_the_covariance():
    s = _balanced(8)
    f0 = _rank_factor(s)
    for seed in range(5):
        f1 = _rank_factor(_nudged(s, seed))
        # the null eigenvalue moves by ~1e-15 and its root by ~3e-8: continuous, not
        # Lipschitz; the old root moved by the size of the draws themselves
        assert np.max(np.abs(f1 - f0)) < 1e-6


class _Fit:
    def __init__(self, cov):
        self.parameter_covariance = pd.DataFrame(cov)


def test_parametric_ceiling_draws_move_continuously_with_the_covariance():
    s = _balanced(6)

    def draws(cov):
        return _parametric_draws(_Fit(cov), lambda c: np.zeros(c.shape[0]), 200, 6, 0,
                                 np.random.default_rng(7))

    d0 = draws(s)
    np.testing.assert_allclose(np.cov(d0.T), s, atol=0.02)
    for seed in range(5):
        assert np.max(np.abs(draws(_nudged(s, seed)) - d0)) < 1e-6
