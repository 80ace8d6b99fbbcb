"""The logistic interval ``log(F(u) - F(v))`` of the tie and middle-grade probabilities.

For the logistic ``1 - F(v) / F(u) = (1 - e^{-(u - v)}) F(-v)`` exactly, so the passes take
the interval from the log-CDF at ``v`` and three constants of the gap ``u - v`` per pass
(:func:`btstats._kernels.links.logistic_interval`).  Checked against decimal
arithmetic (80 digits, no btstats code), including gaps of 1e-12 where the general form
``log F(u) + log(-expm1(log F(v) - log F(u)))`` loses up to half its digits.
"""
import math
from decimal import Decimal, getcontext

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from btstats._kernels import families as F
from btstats._kernels import likelihood as L
from btstats._kernels.links import LOGISTIC, PROBIT, pair_terms

getcontext().prec = 80


def _dec(*terms):
    """The exact sum of floats (``(sign, x)`` pairs) as a decimal."""
    return sum((Decimal(sg) * Decimal(x) for sg, x in terms), Decimal(0))


def _dec_log_interval(u, v):
    """``log(F(u) - F(v))`` of the logistic in 80-digit decimals (``u``, ``v`` decimals:
    the exact arguments, not their rounding to doubles)."""
    if u + v > 0:           # F(u) - F(v) = F(-v) - F(-u): no leading 1 to cancel
        u, v = -v, -u
    one = Decimal(1)
    fu = one / (one + (-u).exp())
    fv = one / (one + (-v).exp())
    return float((fu - fv).ln())


def _dec_log_cdf(x):
    return float((Decimal(1) / (Decimal(1) + (-x).exp())).ln())


gaps = st.one_of(st.floats(1e-12, 1e-6), st.floats(1e-6, 50.0))


@settings(max_examples=300, deadline=None)
@given(st.floats(-600.0, 600.0), gaps)
def test_tie_log_probability_to_the_last_digits(d, eta):
    out = np.empty(6)
    pair_terms(LOGISTIC, d, eta, 0.0, 0.0, 1.0, out)
    want = _dec_log_interval(_dec((1, d), (1, eta)), _dec((1, d), (-1, eta)))
    assert math.isfinite(out[0])
    assert abs(out[0] - want) <= 4e-15 * max(1.0, abs(want))


@settings(max_examples=300, deadline=None)
@given(st.floats(-600.0, 600.0), st.floats(1e-9, 3.0), st.floats(1e-9, 3.0),
       st.sampled_from([4, 5]))
def test_middle_grades_to_the_last_digits(z, t1, dt, k_cat):
    # K = 5: cutpoints (-t2, -t1, t1, t2); K = 4: (-t1, 0, t1)
    t2 = t1 + dt
    theta = np.array([t1, t2]) if k_cat == 5 else np.array([t1])
    cuts = [(-1, t2), (-1, t1), (1, t1), (1, t2)] if k_cat == 5 else [(-1, t1), (1, 0.0),
                                                                        (1, t1)]
    g = np.empty(1 + theta.size)
    h = np.empty((1 + theta.size, 1 + theta.size))
    for k in range(1, k_cat - 1):
        got = F.cell_terms(F.CUMULATIVE, LOGISTIC, k_cat, z, k, theta, g, h)
        want = _dec_log_interval(_dec(cuts[k], (-1, z)), _dec(cuts[k - 1], (-1, z)))
        assert abs(got - want) <= 4e-15 * max(1.0, abs(want)), (k, got, want)
    for k, x in ((0, _dec(cuts[0], (-1, z))), (k_cat - 1, _dec((1, z), (-cuts[-1][0],
                                                                        cuts[-1][1])))):
        got = F.cell_terms(F.CUMULATIVE, LOGISTIC, k_cat, z, k, theta, g, h)
        assert abs(got - _dec_log_cdf(x)) <= 4e-15 * max(1.0, abs(got)), (k, got)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([LOGISTIC, PROBIT]))
def test_a_pass_with_the_gap_once_equals_one_pair_at_a_time(seed, link):
    """:func:`likelihood.derivatives` computes the tie gap's constants once; the pieces equal
    :func:`pair_terms` pair by pair (which computes them per call)."""
    rng = np.random.default_rng(seed)
    n, m = 6, 15
    pi = rng.integers(0, n, m)
    pj = (pi + 1 + rng.integers(0, n - 1, m)) % n
    wab, wba, tie = (rng.integers(0, 4, m).astype(float) for _ in range(3))
    s = rng.normal(0.0, 3.0, n)
    eta = float(rng.uniform(0.01, 2.0))
    grad = np.empty(n)
    hpair = np.empty(m)
    cross = np.empty(n)
    f, g_eta, h_eta = L.derivatives(link, s, eta, pi, pj, wab, wba, tie, grad, hpair, cross)
    out = np.empty(6)
    tot = np.zeros(6)
    for k in range(m):
        pair_terms(link, s[pi[k]] - s[pj[k]], eta, wab[k], wba[k], tie[k], out)
        assert hpair[k] == -out[3]
        tot += out
    assert f == tot[0] and g_eta == tot[2] and h_eta == tot[5]
    assert L.loglik(link, s, eta, pi, pj, wab, wba, tie) == f


def test_unresolved_intervals_stay_unrepresentable():
    """Where ``log F`` does not tell ``u`` from ``v`` (a threshold far below the rounding of
    ``log F`` at the predictor) the tie is ``-inf``, as in the general form: the barrier the
    solvers step back from when a threshold runs to 0."""
    out = np.empty(6)
    pair_terms(LOGISTIC, -40.0, 1e-16, 0.0, 0.0, 1.0, out)
    assert out[0] == -math.inf
    g = np.empty(2)
    h = np.empty((2, 2))
    assert F.cell_terms(F.CUMULATIVE, LOGISTIC, 3, 40.0, 1, np.array([1e-16]), g, h) == -math.inf


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(-12.0, 12.0), st.sampled_from([0.0, -0.0, 10.0, -10.0, 1e-300])))
def test_probit_at_both_signs_is_two_evaluations(x):
    """One erfc and one exp give the probit's log-CDF pieces at x and -x: the same numbers,
    bit for bit, as two calls (the continued-fraction tail and 0 take two calls)."""
    from btstats._kernels.links import _probit_both, log_cdf_derivs

    got = _probit_both(x)
    want = log_cdf_derivs(PROBIT, x) + log_cdf_derivs(PROBIT, -x)
    assert got == want


@settings(max_examples=200, deadline=None)
@given(st.floats(-40.0, 40.0), st.sampled_from([0.0, 1e-9, 0.3, 2.0, 12.0]),
       st.tuples(*[st.sampled_from([0.0, 0.5, 1.0, 3.0])] * 3))
def test_probit_pair_terms_share_their_evaluations_exactly(d, eta, counts):
    """The probit pair pieces (Thurstone's two wins from one erfc; a tie's far argument from
    its win's) equal the sums of one evaluation per outcome."""
    from btstats._kernels.links import log_cdf_derivs, log_tie

    a, b, t = counts
    out = np.empty(6)
    pair_terms(PROBIT, d, eta, a, b, t, out)
    lf1 = log_cdf_derivs(PROBIT, d - eta)[0]
    lf2 = log_cdf_derivs(PROBIT, -d - eta)[0]
    want = (a * lf1 if a else 0.0) + (b * lf2 if b else 0.0)
    if t:
        want += t * log_tie(PROBIT, d, eta)
    if math.isfinite(want):
        assert abs(out[0] - want) <= 1e-12 * max(1.0, abs(want))
    else:
        assert out[0] == -math.inf
