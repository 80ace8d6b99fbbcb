"""Kernels of the annotator-quality model, the model-implied ceilings and the agreement sums.

Numba only: arrays in, arrays out, no pandas, no exceptions, no random numbers.

Annotator model.  The labels are aggregated to records ``r`` with an annotator code
``rk[r]``, two item codes ``ri[r]``, ``rj[r]``, a position code ``rx[r]`` (``+1``: item
``ri`` was shown first, ``-1``: item ``rj`` was, ``0``: unknown) and the weights ``wab[r]``
(labels "``ri`` is better") and ``wba[r]`` (labels "``rj`` is better").  With
``d = s[ri] - s[rj]`` and the linear predictor ``z = beta[k] * d + gamma[k] * x``::

    P(label ri) = F(z),   P(label rj) = F(-z)

with the link ``F`` of :mod:`.links` (``LOGISTIC`` or ``PROBIT``).  The parameter vector is
laid out as ``(s[0..n-1], beta[0..K-1], gamma[0..K-1])`` (``gamma`` only when position bias
is fitted).
"""
import math

import numpy as np
from numba import njit

from .links import outcome_log_probs, pair_terms


@njit(cache=True)
def annotator_loglik(link, s, beta, gamma, rk, ri, rj, rx, wab, wba):
    """Log-likelihood of the annotator model (sum over labels of log P(label))."""
    out = np.empty(6)
    total = 0.0
    for r in range(rk.shape[0]):
        k = rk[r]
        z = beta[k] * (s[ri[r]] - s[rj[r]]) + gamma[k] * rx[r]
        pair_terms(link, z, 0.0, wab[r], wba[r], 0.0, out)
        total += out[0]
    return total


@njit(cache=True)
def annotator_derivatives(link, s, beta, gamma, rk, ri, rj, rx, wab, wba, with_gamma,
                          observed, grad, hess):
    """Log-likelihood, gradient and dense Hessian of the joint model; returns the loglik.

    ``grad`` (length ``p``) and ``hess`` (``p x p``) are overwritten, ``p = n + K`` (+ ``K``
    with ``with_gamma``).  ``observed=False`` drops the terms ``dl/dz * d2z`` (the
    Gauss-Newton matrix: negative semi-definite because ``log F`` is concave).
    """
    n = s.shape[0]
    n_ann = beta.shape[0]
    grad[:] = 0.0
    hess[:, :] = 0.0
    out = np.empty(6)
    idx = np.empty(4, np.int64)
    jac = np.empty(4)
    total = 0.0
    for r in range(rk.shape[0]):
        k = rk[r]
        i = ri[r]
        j = rj[r]
        d = s[i] - s[j]
        x = rx[r]
        z = beta[k] * d + gamma[k] * x
        pair_terms(link, z, 0.0, wab[r], wba[r], 0.0, out)
        total += out[0]
        g = out[1]
        h = out[3]
        idx[0] = i
        idx[1] = j
        idx[2] = n + k
        jac[0] = beta[k]
        jac[1] = -beta[k]
        jac[2] = d
        m = 3
        if with_gamma:
            idx[3] = n + n_ann + k
            jac[3] = x
            m = 4
        for a in range(m):
            grad[idx[a]] += g * jac[a]
            for b in range(m):
                hess[idx[a], idx[b]] += h * jac[a] * jac[b]
        if observed:
            # d2z / (ds_i dbeta_k) = 1, d2z / (ds_j dbeta_k) = -1
            hess[i, n + k] += g
            hess[n + k, i] += g
            hess[j, n + k] -= g
            hess[n + k, j] -= g
    return total


@njit(cache=True)
def annotator_blocks(link, s, beta, gamma, rk, ri, rj, rx, wab, wba, with_gamma, grad, hess):
    """Per-annotator gradient and Hessian of ``(beta_k, gamma_k)`` with the scores fixed.

    ``grad`` has shape ``(K, 2)`` and ``hess`` ``(K, 2, 2)``; the second column / row is
    for ``gamma`` (left zero without ``with_gamma``).  Returns the log-likelihood.
    """
    grad[:, :] = 0.0
    hess[:, :, :] = 0.0
    out = np.empty(6)
    total = 0.0
    for r in range(rk.shape[0]):
        k = rk[r]
        d = s[ri[r]] - s[rj[r]]
        x = rx[r]
        z = beta[k] * d + gamma[k] * x
        pair_terms(link, z, 0.0, wab[r], wba[r], 0.0, out)
        total += out[0]
        g = out[1]
        h = out[3]
        grad[k, 0] += g * d
        hess[k, 0, 0] += h * d * d
        if with_gamma:
            grad[k, 1] += g * x
            hess[k, 0, 1] += h * d * x
            hess[k, 1, 0] += h * d * x
            hess[k, 1, 1] += h * x * x
    return total


@njit(cache=True)
def annotator_accuracy(link, s, beta, gamma, rk, ri, rj, rx, wab, wba, out):
    """Per annotator: sums over its labels of the expected and the observed accuracy.

    Accuracy is agreement with the order of the scores: the expected term of a label is
    ``P(label = the item with the larger score)`` under the annotator's parameters, the
    observed term is 1 if the label names that item; a pair with equal scores counts 1/2 in
    both.  ``out`` has shape ``(K, 3)``: expected sum, observed sum, number of labels.
    """
    out[:, :] = 0.0
    lp = np.empty(3)
    for r in range(rk.shape[0]):
        k = rk[r]
        d = s[ri[r]] - s[rj[r]]
        z = beta[k] * d + gamma[k] * rx[r]
        w = wab[r] + wba[r]
        if d == 0.0:
            out[k, 0] += 0.5 * w
            out[k, 1] += 0.5 * w
        else:
            outcome_log_probs(link, z, 0.0, lp)
            if d > 0.0:
                out[k, 0] += w * math.exp(lp[0])
                out[k, 1] += wab[r]
            else:
                out[k, 0] += w * math.exp(lp[1])
                out[k, 1] += wba[r]
        out[k, 2] += w


@njit(cache=True)
def ceiling_sums(link, scores, eta, pi, pj, w, out):
    """Weighted sums of the per-comparison ceiling terms, one row per score vector.

    ``scores`` is ``(D, n)`` (one draw per row), ``eta`` the tie threshold of each draw
    (length ``D``), ``pi, pj, w`` the comparisons and their weights.  With
    ``(pa, pt, pb)`` the outcome probabilities, ``q = pa + pb`` and ``r = pa / q``, row
    ``t`` of ``out`` (shape ``(D, 9)``) receives the sums over comparisons of ``w`` times

    0. ``pa**2 + pb**2 + pt**2``          (agreement of two independent labels)
    1. ``pa**2 + pb**2``                  (both decisive and equal)
    2. ``q**2``                           (both decisive)
    3. ``max(pa, pb, pt)``                (Bayes accuracy, all labels)
    4. ``max(pa, pb)``                    (Bayes accuracy on decisive labels, numerator)
    5. ``q``                              (share of decisive labels)
    6. ``-sum p log p``                   (entropy: the smallest expected log loss)
    7. ``q * H(r)``                       (binary entropy given a decisive label)
    8. ``q * r * (1 - r)``                (smallest binary Brier score given decisive)
    """
    lp = np.empty(3)
    for t in range(scores.shape[0]):
        for c in range(9):
            out[t, c] = 0.0
        e = eta[t]
        for k in range(pi.shape[0]):
            d = scores[t, pi[k]] - scores[t, pj[k]]
            outcome_log_probs(link, d, e, lp)
            pa = math.exp(lp[0])
            pb = math.exp(lp[1])
            pt = math.exp(lp[2]) if e > 0.0 else 0.0
            q = pa + pb
            wk = w[k]
            ent = 0.0
            if pa > 0.0:
                ent -= pa * lp[0]
            if pb > 0.0:
                ent -= pb * lp[1]
            if pt > 0.0:
                ent -= pt * lp[2]
            out[t, 0] += wk * (pa * pa + pb * pb + pt * pt)
            out[t, 1] += wk * (pa * pa + pb * pb)
            out[t, 2] += wk * q * q
            out[t, 3] += wk * max(pa, pb, pt)
            out[t, 4] += wk * max(pa, pb)
            out[t, 5] += wk * q
            out[t, 6] += wk * ent
            if q > 0.0:
                r = pa / q
                h2 = 0.0
                # binary entropy from the log-probabilities: log r = lp0 - log q
                lq = math.log(q)
                if pa > 0.0:
                    h2 -= r * (lp[0] - lq)
                if pb > 0.0:
                    h2 -= (1.0 - r) * (lp[1] - lq)
                out[t, 7] += wk * q * h2
                out[t, 8] += wk * q * r * (1.0 - r)


@njit(cache=True)
def resampled_sums(idx, stats, out):
    """``out[b] = sum over u of stats[idx[b, u]]``: column sums of resampled unit rows."""
    n_stats = stats.shape[1]
    for b in range(idx.shape[0]):
        for c in range(n_stats):
            out[b, c] = 0.0
        for u in range(idx.shape[1]):
            row = idx[b, u]
            for c in range(n_stats):
                out[b, c] += stats[row, c]


@njit(cache=True)
def pair_order_counts(x, y):
    """Over all item pairs ``i < j``: ``(concordant, discordant, tied in x or y)``."""
    n = x.shape[0]
    con = 0.0
    dis = 0.0
    tied = 0.0
    for i in range(n):
        xi = x[i]
        yi = y[i]
        for j in range(i + 1, n):
            p = (xi - x[j]) * (yi - y[j])
            if p > 0.0:
                con += 1.0
            elif p < 0.0:
                dis += 1.0
            else:
                tied += 1.0
    return con, dis, tied


@njit(cache=True)
def reduce_matrix(m, sign, keep, e1, e2, c1, c2, out):
    """``out = Z' (sign * m) Z`` for ``Z`` the identity on ``keep`` plus rows ``e1 = c1``,
    ``e2 = c2`` (the elimination of two linear constraints), in one pass."""
    r = keep.shape[0]
    m11 = m[e1, e1]
    m22 = m[e2, e2]
    m12 = m[e1, e2]
    for a in range(r):
        ka = keep[a]
        ca1 = c1[a]
        ca2 = c2[a]
        ma1 = m[ka, e1]
        ma2 = m[ka, e2]
        for b in range(r):
            kb = keep[b]
            v = (m[ka, kb] + ma1 * c1[b] + ca1 * m[e1, kb] + ma2 * c2[b] + ca2 * m[e2, kb]
                 + m11 * ca1 * c1[b] + m22 * ca2 * c2[b] + m12 * (ca1 * c2[b] + ca2 * c1[b]))
            out[a, b] = sign * v
