"""The model-implied ceilings of any outcome family (see :func:`btstats.agreement.ceilings`).

Numba only: arrays in, arrays out, no pandas, no exceptions, no random numbers.

A comparison has the linear predictor ``z = s[pi] - s[pj] + h * po`` and the category
probabilities ``P(k | z, theta)``, ``k = 0 .. K - 1`` (``K - 1``: ``pi`` best), of
:func:`.families.log_probabilities`.  Its *outcome* collapses the categories by side:
``pa = sum_{k > (K - 1) / 2} P(k)`` (``pi`` better), ``pb = sum_{k < (K - 1) / 2} P(k)``
(``pj`` better) and ``pt = P((K - 1) / 2)`` for odd ``K`` (a tie; 0 for even ``K``).  For
``K <= 3`` the outcomes are the categories.
"""
import math

import numpy as np
from numba import njit

from .families import log_probabilities

#: Columns of :func:`ceiling_sums`: the 9 outcome sums of :func:`.annotators.ceiling_sums`,
#: then 3 sums over the categories.
N_SUMS = 12


@njit(cache=True)
def _log_sum(lp, lo, hi):
    """``log sum_{k = lo}^{hi - 1} exp(lp[k])`` (``-inf`` for an empty or all-zero range)."""
    top = -math.inf
    for k in range(lo, hi):
        if lp[k] > top:
            top = lp[k]
    if top == -math.inf:
        return -math.inf
    acc = 0.0
    for k in range(lo, hi):
        acc += math.exp(lp[k] - top)
    return top + math.log(acc)


@njit(cache=True)
def ceiling_sums(family, link, n_categories, scores, h, theta, pi, pj, po, w, out):
    """Weighted sums of the per-comparison ceiling terms, one row per parameter draw.

    ``scores`` is ``(D, n)``, ``h`` (length ``D``) the order effect of each draw (0 without
    one), ``theta`` ``(D, p)`` the family parameters (thresholds or Davidson's ``nu``),
    ``pi, pj, po, w`` the comparisons, their order indicators and weights.  With the outcome
    probabilities ``(pa, pt, pb)`` (see the module docstring), ``q = pa + pb``,
    ``r = pa / q`` and the category probabilities ``p_k``, row ``t`` of ``out`` (shape
    ``(D, 12)``) receives the sums over comparisons of ``w`` times

    0. ``pa**2 + pb**2 + pt**2``          (agreement of two independent outcomes)
    1. ``pa**2 + pb**2``                  (both decisive and equal)
    2. ``q**2``                           (both decisive)
    3. ``max(pa, pb, pt)``                (Bayes accuracy, all outcomes)
    4. ``max(pa, pb)``                    (Bayes accuracy on decisive labels, numerator)
    5. ``q``                              (share of decisive labels)
    6. ``-sum p log p`` over the outcomes (entropy: the smallest expected log loss)
    7. ``q * H(r)``                       (binary entropy given a decisive label)
    8. ``q * r * (1 - r)``                (smallest binary Brier score given decisive)
    9. ``sum_k p_k**2``                   (agreement of two independent categories)
    10. ``max_k p_k``                     (Bayes accuracy over the categories)
    11. ``-sum_k p_k log p_k``            (entropy of the category)
    """
    k_cat = n_categories
    half = k_cat // 2
    odd = k_cat % 2 == 1
    lp = np.empty(k_cat)
    th = np.empty(theta.shape[1])
    for t in range(scores.shape[0]):
        for c in range(out.shape[1]):
            out[t, c] = 0.0
        for q in range(th.shape[0]):
            th[q] = theta[t, q]
        ht = h[t]
        for m in range(pi.shape[0]):
            z = scores[t, pi[m]] - scores[t, pj[m]] + ht * po[m]
            log_probabilities(family, link, k_cat, z, th, lp)
            la = _log_sum(lp, k_cat - half, k_cat)
            lb = _log_sum(lp, 0, half)
            lt = lp[half] if odd else -math.inf
            pa = math.exp(la)
            pb = math.exp(lb)
            pt = math.exp(lt)
            q = pa + pb
            wm = w[m]
            ent = 0.0
            if pa > 0.0:
                ent -= pa * la
            if pb > 0.0:
                ent -= pb * lb
            if pt > 0.0:
                ent -= pt * lt
            out[t, 0] += wm * (pa * pa + pb * pb + pt * pt)
            out[t, 1] += wm * (pa * pa + pb * pb)
            out[t, 2] += wm * q * q
            out[t, 3] += wm * max(pa, pb, pt)
            out[t, 4] += wm * max(pa, pb)
            out[t, 5] += wm * q
            out[t, 6] += wm * ent
            if q > 0.0:
                r = pa / q
                h2 = 0.0
                lq = math.log(q)
                if pa > 0.0:
                    h2 -= r * (la - lq)
                if pb > 0.0:
                    h2 -= (1.0 - r) * (lb - lq)
                out[t, 7] += wm * q * h2
                out[t, 8] += wm * q * r * (1.0 - r)
            sq = 0.0
            top = 0.0
            ent_k = 0.0
            for k in range(k_cat):
                p = math.exp(lp[k])
                sq += p * p
                if p > top:
                    top = p
                if p > 0.0:
                    ent_k -= p * lp[k]
            out[t, 9] += wm * sq
            out[t, 10] += wm * top
            out[t, 11] += wm * ent_k


@njit(cache=True)
def outcome_log_probabilities(family, link, n_categories, z, theta, out_outcomes,
                              out_categories):
    """Per linear predictor ``z[m]``: ``out_outcomes[m] = (log pa, log pb, log pt)`` (the
    outcomes of the module docstring) and ``out_categories[m, k] = log P(k)``."""
    k_cat = n_categories
    half = k_cat // 2
    odd = k_cat % 2 == 1
    lp = np.empty(k_cat)
    for m in range(z.shape[0]):
        log_probabilities(family, link, k_cat, z[m], theta, lp)
        out_outcomes[m, 0] = _log_sum(lp, k_cat - half, k_cat)
        out_outcomes[m, 1] = _log_sum(lp, 0, half)
        out_outcomes[m, 2] = lp[half] if odd else -math.inf
        for k in range(k_cat):
            out_categories[m, k] = lp[k]
