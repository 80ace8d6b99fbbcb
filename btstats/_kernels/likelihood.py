"""Passes over the aggregated pairs: log-likelihood, gradient, Hessian pieces.

Numba only.  The data are one record per unordered pair ``(pi[k], pj[k])`` with ``wab[k]``
wins of ``pi[k]`` over ``pj[k]``, ``wba[k]`` wins the other way and ``tie[k]`` ties (all
float64, fractional weights allowed).  ``link`` is a code from :mod:`.links`; ``eta`` the
tie threshold (0 for models without ties).
"""
import math

import numpy as np
from numba import njit

from .links import outcome_log_probs, pair_terms, pair_terms_gap, tie_gap


@njit(cache=True)
def loglik(link, s, eta, pi, pj, wab, wba, tie):
    """Log-likelihood, sum over comparisons of log P(observed outcome)."""
    gap_e, gap_c, gap_logc = tie_gap(link, eta)
    total = 0.0
    for k in range(pi.shape[0]):
        total += pair_terms_gap(link, s[pi[k]] - s[pj[k]], eta, gap_e, gap_c, gap_logc, wab[k],
                                wba[k], tie[k])[0]
    return total


@njit(cache=True)
def derivatives(link, s, eta, pi, pj, wab, wba, tie, grad, hpair, cross):
    """One pass: returns ``(loglik, dl/deta, d2l/deta2)``.

    Fills ``grad`` (dl/ds), ``hpair[k] = -d2l/dd2`` of pair k (the Laplacian weight, >= 0 by
    log-concavity) and ``cross`` (d2l/(ds deta), summing to zero).
    """
    grad[:] = 0.0
    cross[:] = 0.0
    total = 0.0
    g_eta = 0.0
    h_eta = 0.0
    gap_e, gap_c, gap_logc = tie_gap(link, eta)
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        l_, g_d, g_e, h_dd, h_de, h_ee = pair_terms_gap(link, s[i] - s[j], eta, gap_e, gap_c,
                                                        gap_logc, wab[k], wba[k], tie[k])
        total += l_
        grad[i] += g_d
        grad[j] -= g_d
        g_eta += g_e
        hpair[k] = -h_dd
        cross[i] += h_de
        cross[j] -= h_de
        h_eta += h_ee
    return total, g_eta, h_eta


@njit(cache=True)
def curvature_diag(pi, pj, hpair, penalty, out):
    """``out[i] = penalty + sum of hpair over i's pairs``: the diagonal of the information."""
    out[:] = penalty
    for k in range(pi.shape[0]):
        out[pi[k]] += hpair[k]
        out[pj[k]] += hpair[k]


@njit(cache=True)
def step_norm(grad, g_eta, hdiag, h_eta, fit_eta):
    """The convergence measure: ``max_i |g_i| / h_ii`` (and ``|g_eta| / h_eta``).

    Each ratio is the size of a Newton step in that coordinate alone, so it estimates the
    distance to the optimum on the score scale whatever the amount of data.
    """
    m = 0.0
    for i in range(grad.shape[0]):
        g = abs(grad[i])
        if g > 0.0:
            v = g / hdiag[i] if hdiag[i] > 0.0 else math.inf
            if v > m:
                m = v
    if fit_eta and g_eta != 0.0:
        v = abs(g_eta) / h_eta if h_eta > 0.0 else math.inf
        if v > m:
            m = v
    return m


@njit(cache=True)
def penalised_derivatives(link, s, eta, pi, pj, wab, wba, tie, penalty, grad, hpair, cross):
    """:func:`derivatives` of ``l(s, eta) - penalty / 2 * sum(s**2)``."""
    f, g_eta, h_eta = derivatives(link, s, eta, pi, pj, wab, wba, tie, grad, hpair, cross)
    if penalty != 0.0:
        f -= 0.5 * penalty * np.dot(s, s)
        for i in range(s.shape[0]):
            grad[i] -= penalty * s[i]
    return f, g_eta, h_eta


@njit(cache=True)
def convergence_measure(pi, pj, hpair, penalty, grad, g_eta, h_eta, fit_eta, hdiag):
    """Fill ``hdiag`` (:func:`curvature_diag`) and return :func:`step_norm`."""
    curvature_diag(pi, pj, hpair, penalty, hdiag)
    return step_norm(grad, g_eta, hdiag, -h_eta, fit_eta)


@njit(cache=True)
def pair_information(link, d, eta, wab, wba, tie, expected, with_eta, out, lp):
    """``(h_dd, h_de, h_ee)`` of one pair at score difference ``d``: ``-d2l/dd2``,
    ``-d2l/(dd deta)`` and ``-d2l/deta2`` of its counts (observed), or their expectations for
    the pair's total count (``expected=True``: ``sum_o n p_o g_o g_o'``, ``g_o`` the gradient
    of ``log p_o`` in ``(d, eta)``).  ``out`` (6) and ``lp`` (3) are scratch."""
    if not expected:
        pair_terms(link, d, eta, wab, wba, tie, out)
        return -out[3], -out[4], -out[5]
    total = wab + wba + tie
    outcome_log_probs(link, d, eta, lp)
    h_dd = 0.0
    h_de = 0.0
    h_ee = 0.0
    for o in range(3 if with_eta else 2):
        p = np.exp(lp[o])
        if p == 0.0:
            continue
        pair_terms(link, d, eta, 1.0 if o == 0 else 0.0, 1.0 if o == 1 else 0.0,
                   1.0 if o == 2 else 0.0, out)
        h_dd += total * p * out[1] * out[1]
        h_de += total * p * out[1] * out[2]
        h_ee += total * p * out[2] * out[2]
    return h_dd, h_de, h_ee


@njit(cache=True)
def information(link, s, eta, pi, pj, wab, wba, tie, expected, with_eta):
    """Dense information matrix (negative Hessian), size n (+1 with ``with_eta``).

    ``expected=True`` gives the Fisher (expected) information for the observed design:
    per pair ``sum_o n p_o g_o g_o'`` with ``g_o`` the gradient of ``log p_o`` in (d, eta)
    (:func:`pair_information`).
    """
    n = s.shape[0]
    m = n + 1 if with_eta else n
    info = np.zeros((m, m))
    out = np.empty(6)
    lp = np.empty(3)
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        h_dd, h_de, h_ee = pair_information(link, s[i] - s[j], eta, wab[k], wba[k], tie[k],
                                            expected, with_eta, out, lp)
        info[i, i] += h_dd
        info[j, j] += h_dd
        info[i, j] -= h_dd
        info[j, i] -= h_dd
        if with_eta:
            # -d2l/(ds_i deta) = h_de for i (d = s_i - s_j), -h_de for j
            info[i, n] += h_de
            info[n, i] += h_de
            info[j, n] -= h_de
            info[n, j] -= h_de
            info[n, n] += h_ee
    return info


@njit(cache=True)
def probabilities(link, d, eta):
    """``P(a wins), P(tie), P(b wins)`` for each score difference in ``d`` (rows of the result)."""
    res = np.empty((3, d.shape[0]))
    lp = np.empty(3)
    for k in range(d.shape[0]):
        outcome_log_probs(link, d[k], eta, lp)
        res[0, k] = np.exp(lp[0])
        res[1, k] = np.exp(lp[2])
        res[2, k] = np.exp(lp[1])
    return res


@njit(cache=True, nogil=True)
def item_totals(n_items, pi, pj, wab, wba, tie):
    """Per item: total weight of wins, losses and ties (rows of a 3 x n array)."""
    out = np.zeros((3, n_items))
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        out[0, i] += wab[k]
        out[1, i] += wba[k]
        out[0, j] += wba[k]
        out[1, j] += wab[k]
        out[2, i] += tie[k]
        out[2, j] += tie[k]
    return out


@njit(cache=True, nogil=True)
def start_scores(n_items, pi, pj, wab, wba, tie):
    """Starting scores and the total weight: half the log of each item's
    ``(wins + ties/2 + c) / (losses + ties/2 + c)``, centred, with ``c = min(1, wins, losses)/2``
    (``1/2`` when either is zero) keeping it finite.  Exact for two items without ties."""
    tot = item_totals(n_items, pi, pj, wab, wba, tie)
    s = np.empty(n_items)
    total = 0.0
    for i in range(n_items):
        w = tot[0, i] + 0.5 * tot[2, i]
        lo = tot[1, i] + 0.5 * tot[2, i]
        both = min(w, lo) if (w > 0.0 and lo > 0.0) else 1.0
        c = 0.5 * min(1.0, both)
        s[i] = 0.5 * (math.log(w + c) - math.log(lo + c))
        total += tot[0, i] + tot[2, i] * 0.5
    # centred by a loop: the array expression ``s -= s.mean()`` compiles for longer
    mean = 0.0
    for i in range(n_items):
        mean += s[i]
    mean /= n_items
    for i in range(n_items):
        s[i] -= mean
    return s, total


@njit(cache=True)
def log_probabilities(link, d, eta):
    """``log P(a wins), log P(b wins), log P(tie)`` per score difference (rows of the result),
    by the fit's own log-CDF code (finite at score gaps of several hundred)."""
    res = np.empty((3, d.shape[0]))
    lp = np.empty(3)
    for k in range(d.shape[0]):
        outcome_log_probs(link, d[k], eta, lp)
        res[0, k] = lp[0]
        res[1, k] = lp[1]
        res[2, k] = lp[2]
    return res
