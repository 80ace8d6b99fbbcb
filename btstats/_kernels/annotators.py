"""Kernels of the annotator-quality model, the model-implied ceilings and the agreement sums.

Numba only: arrays in, arrays out, no pandas, no exceptions, no random numbers.

Annotator model.  The labels are aggregated to *cells* ``c`` (:func:`.cell_build.
build_group_cells_arrays`): an annotator code ``cg[c]``, two item codes ``ci[c] < cj[c]``, the
position code ``co[c]`` (``+1``: item ``ci`` was shown first, ``-1``: item ``cj`` was, ``0``:
unknown), the outcome category ``ck[c]`` in ``ci``'s favour (``0 .. K - 1``, see
:mod:`.families`) and the weight ``cw[c]``.  With ``d = s[ci] - s[cj]`` and the linear
predictor ``z = beta[g] * d + gamma[g] * x`` of annotator ``g``, the label's probability is
that of the outcome family, ``P(ck | z, theta)`` (:func:`.families.cell_terms`: binary,
threshold ties, Davidson, graded), and the derivatives follow by the chain rule through ``z``.
The parameter vector is laid out as ``(s[0..n-1], beta[0..A-1], gamma[0..A-1],
theta[0..p-1])`` (``gamma`` only when position bias is fitted; ``theta`` the family's
parameters).
"""
import math

import numpy as np
from numba import njit

from .families import CUMULATIVE, cell_terms, log_probabilities, n_family_params
from .links import outcome_log_probs

@njit(cache=True)
def cell_loglik(family, link, n_cat, s, beta, gamma, theta, cg, ci, cj, co, ck, cw):
    """Log-likelihood of the annotator cells (``-inf`` if a label has probability 0)."""
    p = n_family_params(family, n_cat)
    g = np.empty(1 + p)
    hh = np.empty((1 + p, 1 + p))
    total = 0.0
    for c in range(cg.shape[0]):
        w = cw[c]
        if w == 0.0:
            continue
        q = cg[c]
        z = beta[q] * (s[ci[c]] - s[cj[c]]) + gamma[q] * co[c]
        lp = cell_terms(family, link, n_cat, z, ck[c], theta, g, hh)
        if not math.isfinite(lp):
            return -math.inf
        total += w * lp
    return total


@njit(cache=True)
def cell_derivatives(family, link, n_cat, s, beta, gamma, theta, cg, ci, cj, co, ck, cw,
                     with_gamma, observed, grad, hess):
    """Log-likelihood, gradient and dense Hessian of the joint model; returns the loglik.

    ``grad`` (length ``P``) and ``hess`` (``P x P``) are overwritten, ``P = n + A`` (``+ A``
    with ``with_gamma``) ``+ p``.  With ``l = log P(k | z, theta)`` and ``J`` the Jacobian
    of ``z`` (``dz/ds_i = beta_g``, ``dz/ds_j = -beta_g``, ``dz/dbeta_g = d``,
    ``dz/dgamma_g = x``), a cell adds ``w J' l_zz J`` (and ``w J l_ztheta``, ``w
    l_thetatheta``); ``observed=True`` adds ``w l_z d2z`` (``d2z / (ds_i dbeta_g) = 1``,
    ``-1`` for ``s_j``), ``observed=False`` leaves it out (the Gauss-Newton matrix).
    """
    n = s.shape[0]
    n_ann = beta.shape[0]
    p = n_family_params(family, n_cat)
    t0 = n + n_ann * (2 if with_gamma else 1)
    grad[:] = 0.0
    hess[:, :] = 0.0
    g = np.empty(1 + p)
    hh = np.empty((1 + p, 1 + p))
    idx = np.empty(4, np.int64)
    jac = np.empty(4)
    total = 0.0
    for c in range(cg.shape[0]):
        w = cw[c]
        if w == 0.0:
            continue
        q = cg[c]
        i = ci[c]
        j = cj[c]
        d = s[i] - s[j]
        x = co[c]
        lp = cell_terms(family, link, n_cat, beta[q] * d + gamma[q] * x, ck[c], theta, g, hh)
        total += w * lp
        gz = w * g[0]
        hzz = w * hh[0, 0]
        idx[0] = i
        idx[1] = j
        idx[2] = n + q
        jac[0] = beta[q]
        jac[1] = -beta[q]
        jac[2] = d
        m = 3
        if with_gamma:
            idx[3] = n + n_ann + q
            jac[3] = x
            m = 4
        # the upper triangle only (mirrored at the end): the theta columns come last and
        # s_i, s_j < beta_g < gamma_g
        for a in range(m):
            ia = idx[a]
            ja = hzz * jac[a]
            grad[ia] += gz * jac[a]
            for b in range(a, m):
                ib = idx[b]
                if ia <= ib:
                    hess[ia, ib] += ja * jac[b]
                else:
                    hess[ib, ia] += ja * jac[b]
            for r in range(p):
                hess[ia, t0 + r] += w * hh[0, 1 + r] * jac[a]
        for r in range(p):
            grad[t0 + r] += w * g[1 + r]
            for u in range(r, p):
                hess[t0 + r, t0 + u] += w * hh[1 + r, 1 + u]
        if observed:
            hess[i, n + q] += gz
            hess[j, n + q] -= gz
    for r in range(hess.shape[0]):
        for u in range(r + 1, hess.shape[0]):
            hess[u, r] = hess[r, u]
    return total


@njit(cache=True)
def cell_blocks(family, link, n_cat, s, beta, gamma, theta, cg, ci, cj, co, ck, cw,
                with_gamma, grad, hess, grad_t, cross, hess_t):
    """The derivatives with the scores fixed, as an arrow: per annotator ``g`` the gradient
    ``grad[g]`` (2) and Hessian ``hess[g]`` (2 x 2) of ``(beta_g, gamma_g)`` (the ``gamma``
    entries left 0 without ``with_gamma``), their cross derivatives with ``theta``
    ``cross[g]`` (2 x p), and ``grad_t`` (p), ``hess_t`` (p x p) of ``theta``.  Returns the
    log-likelihood."""
    p = n_family_params(family, n_cat)
    grad[:, :] = 0.0
    hess[:, :, :] = 0.0
    cross[:, :, :] = 0.0
    grad_t[:] = 0.0
    hess_t[:, :] = 0.0
    g = np.empty(1 + p)
    hh = np.empty((1 + p, 1 + p))
    total = 0.0
    for c in range(cg.shape[0]):
        w = cw[c]
        if w == 0.0:
            continue
        q = cg[c]
        d = s[ci[c]] - s[cj[c]]
        x = co[c] if with_gamma else 0.0
        lp = cell_terms(family, link, n_cat, beta[q] * d + gamma[q] * co[c], ck[c], theta,
                        g, hh)
        total += w * lp
        gz = w * g[0]
        hzz = w * hh[0, 0]
        grad[q, 0] += gz * d
        grad[q, 1] += gz * x
        hess[q, 0, 0] += hzz * d * d
        hess[q, 0, 1] += hzz * d * x
        hess[q, 1, 0] += hzz * d * x
        hess[q, 1, 1] += hzz * x * x
        for r in range(p):
            v = w * hh[0, 1 + r]
            cross[q, 0, r] += v * d
            cross[q, 1, r] += v * x
            grad_t[r] += w * g[1 + r]
            for u in range(p):
                hess_t[r, u] += w * hh[1 + r, 1 + u]
    return total


@njit(cache=True)
def cell_accuracy(family, link, n_cat, s, beta, gamma, theta, cg, ci, cj, co, ck, cw, out):
    """Per annotator: sums over its decisive labels of the expected and observed accuracy.

    Accuracy is agreement with the order of the scores: a decisive label (any category but
    the middle one, a tie, of an odd ``K``) is accurate if it names the item with the larger
    score; its expected term is the model's probability of that given a decisive label.  A
    pair with equal scores counts 1/2 in both.  ``out`` has shape ``(A, 3)``: expected sum,
    observed sum, number of decisive labels.
    """
    out[:, :] = 0.0
    lp = np.empty(n_cat)
    half = n_cat // 2
    for c in range(cg.shape[0]):
        k = ck[c]
        w = cw[c]
        if w == 0.0 or (n_cat % 2 == 1 and k == half):
            continue
        q = cg[c]
        d = s[ci[c]] - s[cj[c]]
        if d == 0.0:
            out[q, 0] += 0.5 * w
            out[q, 1] += 0.5 * w
        else:
            log_probabilities(family, link, n_cat, beta[q] * d + gamma[q] * co[c], theta, lp)
            pa = 0.0
            pb = 0.0
            for u in range(half):
                pb += math.exp(lp[u])
                pa += math.exp(lp[n_cat - 1 - u])
            ci_wins = k >= n_cat - half
            if d > 0.0:
                out[q, 0] += w * (pa if n_cat == 2 else pa / (pa + pb))
                out[q, 1] += w if ci_wins else 0.0
            else:
                out[q, 0] += w * (pb if n_cat == 2 else pb / (pa + pb))
                out[q, 1] += 0.0 if ci_wins else w
        out[q, 2] += w


# ---------------------------------------------------------------- binary records (adapters)
# The record form ``(rk, ri, rj, rx, wab, wba)`` (``wab``: labels "``ri`` better", ``wba``:
# labels "``rj`` better") of a binary model, as two cells per record.


@njit(cache=True)
def _record_cells(rk, ri, rj, rx, wab, wba):
    m = rk.shape[0]
    cg = np.empty(2 * m, np.int64)
    ci = np.empty(2 * m, np.int64)
    cj = np.empty(2 * m, np.int64)
    co = np.empty(2 * m)
    ck = np.empty(2 * m, np.int64)
    cw = np.empty(2 * m)
    for r in range(m):
        for t in range(2):
            cg[2 * r + t] = rk[r]
            ci[2 * r + t] = ri[r]
            cj[2 * r + t] = rj[r]
            co[2 * r + t] = rx[r]
            ck[2 * r + t] = 1 - t
        cw[2 * r] = wab[r]
        cw[2 * r + 1] = wba[r]
    return cg, ci, cj, co, ck, cw


@njit(cache=True)
def annotator_loglik(link, s, beta, gamma, rk, ri, rj, rx, wab, wba):
    """:func:`cell_loglik` of binary records."""
    cg, ci, cj, co, ck, cw = _record_cells(rk, ri, rj, rx, wab, wba)
    return cell_loglik(CUMULATIVE, link, 2, s, beta, gamma, np.empty(0), cg, ci, cj, co, ck,
                       cw)


@njit(cache=True)
def annotator_derivatives(link, s, beta, gamma, rk, ri, rj, rx, wab, wba, with_gamma,
                          observed, grad, hess):
    """:func:`cell_derivatives` of binary records."""
    cg, ci, cj, co, ck, cw = _record_cells(rk, ri, rj, rx, wab, wba)
    return cell_derivatives(CUMULATIVE, link, 2, s, beta, gamma, np.empty(0), cg, ci, cj, co,
                            ck, cw, with_gamma, observed, grad, hess)


@njit(cache=True)
def annotator_blocks(link, s, beta, gamma, rk, ri, rj, rx, wab, wba, with_gamma, grad, hess):
    """The ``(beta_g, gamma_g)`` blocks of :func:`cell_blocks` of binary records."""
    cg, ci, cj, co, ck, cw = _record_cells(rk, ri, rj, rx, wab, wba)
    n_ann = beta.shape[0]
    return cell_blocks(CUMULATIVE, link, 2, s, beta, gamma, np.empty(0), cg, ci, cj, co, ck,
                       cw, with_gamma, grad, hess, np.empty(0), np.empty((n_ann, 2, 0)),
                       np.empty((0, 0)))


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
