"""Outcome sampling: the model's outcome probabilities turned into draws by uniforms.

Numba only: arrays and scalars in, arrays out, no exceptions, no random number generation.
The uniforms are drawn by the caller (``numpy.random.Generator``) and passed in, so a draw
depends only on the generator's state, never on the number of threads; every loop here is
serial.

The probabilities come from :func:`.links.log_cdf` and :func:`.links.log_tie`, the code of
the likelihood and therefore of every fit (:func:`.links.outcome_log_probs`), so sampling and
fitting cannot disagree about the model.  With ``d = s_a - s_b``, a link ``F`` and a tie
threshold ``eta``, an outcome is decided by inversion of one uniform ``u``::

    u < P(a wins) = F(d - eta)                  ->  1.0   (a wins)
    u < P(a wins) + P(tie)                      ->  0.5   (tie)
    otherwise                                   ->  0.0   (b wins)

With ``eta = 0`` the tie probability is exactly zero, so models without a tie threshold never
produce a tie.
"""
import math

import numpy as np
from numba import njit

from .links import log_cdf, log_tie

A_WINS = 1.0
TIE = 0.5
B_WINS = 0.0


@njit(cache=True)
def win_tie_probs(link, d, eta):
    """``(P(a wins), P(tie))`` at ``d = s_a - s_b``: ``exp`` of the likelihood's log-pieces."""
    p_a = math.exp(log_cdf(link, d - eta))
    p_tie = math.exp(log_tie(link, d, eta)) if eta > 0.0 else 0.0
    return p_a, p_tie


@njit(cache=True)
def _decide(u, p_a, p_tie):
    if u < p_a:
        return A_WINS
    if u < p_a + p_tie:
        return TIE
    return B_WINS


@njit(cache=True)
def outcomes(link, s, eta, a, b, u, out):
    """``out[k, r]``: outcome of draw ``r`` of comparison ``k`` (``a[k]`` against ``b[k]``).

    ``s`` are the scores, ``a`` and ``b`` integer codes into ``s``, ``u`` and ``out`` float64
    arrays of shape ``(m, n)``.  A row's probabilities are computed once for its ``n`` draws.
    """
    n = u.shape[1]
    for k in range(a.shape[0]):
        p_a, p_tie = win_tie_probs(link, s[a[k]] - s[b[k]], eta)
        for r in range(n):
            out[k, r] = _decide(u[k, r], p_a, p_tie)


@njit(cache=True)
def outcomes_1d(link, s, eta, a, b, u, out):
    """One outcome per comparison: :func:`outcomes` on flat arrays."""
    for k in range(a.shape[0]):
        p_a, p_tie = win_tie_probs(link, s[a[k]] - s[b[k]], eta)
        out[k] = _decide(u[k], p_a, p_tie)


@njit(cache=True)
def pair_table(link, s, eta):
    """``P(a wins)`` and ``P(tie)`` of every ordered pair of items, as two ``n x n`` arrays."""
    n_items = s.shape[0]
    p_a = np.zeros((n_items, n_items))
    p_tie = np.zeros((n_items, n_items))
    for i in range(n_items):
        for j in range(n_items):
            if i != j:
                p_a[i, j], p_tie[i, j] = win_tie_probs(link, s[i] - s[j], eta)
    return p_a, p_tie


@njit(cache=True)
def outcomes_table(p_a, p_tie, a, b, u, out):
    """:func:`outcomes_1d` with the probabilities looked up in :func:`pair_table`'s arrays.

    The tables hold the numbers :func:`outcomes_1d` computes, so the outcomes are identical;
    the lookup only saves the transcendental functions when comparisons outnumber pairs.
    """
    for k in range(a.shape[0]):
        i = a[k]
        j = b[k]
        out[k] = _decide(u[k], p_a[i, j], p_tie[i, j])


@njit(cache=True)
def annotated_outcomes(link, s, eta, a, b, annotator, b_first, beta, position_bias,
                       position_lapse, tie_propensity, u, out):
    """Outcomes of labels given by annotators, one uniform per label.

    Label ``k`` compares ``a[k]`` with ``b[k]``; annotator ``j = annotator[k]`` was shown
    ``b[k]`` first when ``b_first[k] != 0``.  With ``x = +1`` if ``a[k]`` was shown first and
    ``-1`` otherwise, ``t = tie_propensity[j]`` and ``q = position_lapse[j]`` the label is the
    mixture::

        P(tie)    = t + (1 - t)(1 - |q|) P_model(tie)
        P(a wins) = (1 - t)(1 - |q|) P_model(a wins) + (1 - t)|q| [a is the side q favours]

    ``P_model`` are the model's probabilities at ``beta[j] * (s[a] - s[b]) +
    position_bias[j] * x``; the side ``q`` favours is the one shown first when ``q > 0``,
    the one shown second when ``q < 0``.
    """
    for k in range(a.shape[0]):
        j = annotator[k]
        x = -1.0 if b_first[k] != 0 else 1.0
        d = beta[j] * (s[a[k]] - s[b[k]]) + position_bias[j] * x
        p_a, p_tie = win_tie_probs(link, d, eta)
        t = tie_propensity[j]
        q = position_lapse[j]
        w_pos = (1.0 - t) * abs(q)
        w_model = (1.0 - t) - w_pos
        p_a = w_model * p_a
        p_tie = t + w_model * p_tie
        if q != 0.0 and (b_first[k] == 0) == (q > 0.0):
            p_a += w_pos
        out[k] = _decide(u[k], p_a, p_tie)


@njit(cache=True)
def distinct_choices(n_pool, u, out):
    """``out[k, :]``: ``L = u.shape[1]`` distinct integers from ``0 .. n_pool - 1``.

    Sampling without replacement by sequential inversion: pick ``l`` is the
    ``floor(u[k, l] * (n_pool - l))``-th value not yet picked, so each ordered choice of
    ``L`` distinct values has probability ``1 / (n_pool (n_pool - 1) ... (n_pool - L + 1))``.
    """
    n_pick = u.shape[1]
    taken = np.empty(n_pick, np.int64)     # the picks so far, sorted
    for k in range(u.shape[0]):
        for m in range(n_pick):
            r = int(u[k, m] * (n_pool - m))
            if r > n_pool - m - 1:           # guard against rounding up at u just below 1
                r = n_pool - m - 1
            for i in range(m):               # shift r past each value already taken
                if taken[i] <= r:
                    r += 1
            out[k, m] = r
            pos = m
            while pos > 0 and taken[pos - 1] > r:
                taken[pos] = taken[pos - 1]
                pos -= 1
            taken[pos] = r
