"""The general model core: passes over cells and a Newton solver, for any outcome family.

Numba only.  The data are *cells*: ``(ci[c], cj[c], cx[c], ck[c], cw[c])`` = the two items
(codes ``ci < cj`` not required), the row ``cx[c, :]`` of the ``n_lin`` linear-predictor
columns for ``ci`` against ``cj`` (antisymmetric: ``cj`` against ``ci`` has ``-cx[c]``; the
order indicator, +1 ``ci`` at home / shown first, -1 ``cj``, 0 neutral, is one such column,
comparison-level covariates are the others), the outcome category in ``ci``'s favour
(``0 .. K - 1``, see :mod:`.families`) and the weight (a count).  The linear predictor of a
cell is ``z = s[ci] - s[cj] + sum_l beta_l cx[c, l]``.

The parameters beyond the scores are ``extra = (beta_0, ..., beta_{n_lin - 1}, theta_1, ...,
theta_p)``; the negative Hessian is bordered: a weighted graph Laplacian in the scores
(weights ``-w d2l/dz2`` per cell), a cross block ``C`` (n x q) and a small block ``P``
(q x q).  A Newton step solves it through the Schur complement: ``L x1 = g_s`` and
``L X2 = C`` (dense Cholesky up to ``dense_max`` items, preconditioned conjugate gradients on
the cell list beyond, no n x n matrix), then ``(P - C' X2) dq = g_q + C' x1``.

Status codes as in :mod:`.newton`.
"""
import math

import numpy as np
from numba import njit

from .families import binary_terms, cell_terms, in_domain, is_binary, n_family_params
from .linalg import cholesky, cholesky_solve
from .newton import _dense_matrix, pcg


@njit(cache=True)
def n_extra(family, n_categories, n_lin):
    return n_family_params(family, n_categories) + n_lin


@njit(cache=True)
def cell_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, grad, hcell,
              cross, hpp):
    """Log-likelihood of the cells, with its gradient and negative-Hessian pieces.

    Fills ``grad`` (n + q: scores, then ``extra``), ``hcell`` (``-w d2l/dz2`` per cell, the
    Laplacian weights), ``cross`` (n x q: ``-d2l/(ds_i d extra_a)``) and ``hpp`` (q x q:
    ``-d2l/(d extra)^2``).  Returns the log-likelihood (``-inf`` if any observed cell has
    probability 0 in double precision).
    """
    n = s.shape[0]
    p = n_family_params(family, n_categories)
    off = n_lin
    theta = extra[off:]
    g = np.empty(1 + p)
    hh = np.empty((1 + p, 1 + p))
    # the sums over cells of the small blocks are kept in local arrays (not the outputs,
    # which the compiler must assume may alias the others): 1.7x faster with 4 covariates
    g_lin = np.zeros(n_lin)
    h_lin = np.zeros((n_lin, n_lin))
    xr = np.empty(n_lin)
    binary = is_binary(family, n_categories)
    grad[:] = 0.0
    cross[:, :] = 0.0
    hpp[:, :] = 0.0
    total = 0.0
    for c in range(ci.shape[0]):
        w = cw[c]
        if w == 0.0:
            hcell[c] = 0.0
            continue
        i = ci[c]
        j = cj[c]
        z = s[i] - s[j]
        for l in range(n_lin):
            xr[l] = cx[c, l]
            z += extra[l] * xr[l]
        if binary:
            lp, gz, hzz = binary_terms(link, z, ck[c])
        else:
            lp = cell_terms(family, link, n_categories, z, ck[c], theta, g, hh)
            gz = g[0]
            hzz = hh[0, 0]
        if not math.isfinite(lp):
            return -math.inf
        total += w * lp
        gz *= w
        grad[i] += gz
        grad[j] -= gz
        hzz *= w
        hcell[c] = -hzz
        for l in range(n_lin):
            x = xr[l]
            g_lin[l] += gz * x
            hx = hzz * x
            cross[i, l] -= hx
            cross[j, l] += hx
            for l2 in range(l, n_lin):
                h_lin[l, l2] -= hx * xr[l2]
        for a in range(p):
            grad[n + off + a] += w * g[1 + a]
            hza = w * hh[0, 1 + a]
            cross[i, off + a] -= hza
            cross[j, off + a] += hza
            for l in range(n_lin):
                hpp[l, off + a] -= hza * xr[l]
            for b in range(p):
                hpp[off + a, off + b] -= w * hh[1 + a, 1 + b]
    # the linear-predictor blocks were summed above the diagonal only
    for l in range(n_lin):
        grad[n + l] = g_lin[l]
        for l2 in range(l, n_lin):
            hpp[l, l2] = h_lin[l, l2]
            hpp[l2, l] = h_lin[l, l2]
        for a in range(p):
            hpp[off + a, l] = hpp[l, off + a]
    return total


@njit(cache=True)
def penalised_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, penalty,
                   grad, hcell, cross, hpp):
    """:func:`cell_pass` of ``l(s, extra) - penalty / 2 |s|^2``: the penalty taken off the
    log-likelihood and the score gradient (a non-finite log-likelihood is returned as it
    is)."""
    f = cell_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, grad,
                  hcell, cross, hpp)
    if penalty != 0.0 and math.isfinite(f):
        f -= 0.5 * penalty * np.dot(s, s)
        for i in range(s.shape[0]):
            grad[i] -= penalty * s[i]
    return f


@njit(cache=True)
def feasible(family, n_categories, n_lin, extra):
    """Whether the family parameters are inside their domain (thresholds positive and
    increasing; Davidson's ``nu`` positive) and the linear-predictor coefficients finite."""
    for l in range(n_lin):
        if not math.isfinite(extra[l]):
            return False
    return in_domain(family, n_categories, extra, n_lin)


@njit(cache=True)
def _measure(n, ci, cj, hcell, penalty, grad, hpp, hdiag):
    """``max |g_a| / H_aa`` over scores and extra parameters (the scale-free step size)."""
    hdiag[:] = penalty
    for k in range(ci.shape[0]):
        hdiag[ci[k]] += hcell[k]
        hdiag[cj[k]] += hcell[k]
    m = 0.0
    for a in range(grad.shape[0]):
        g = abs(grad[a])
        if g == 0.0:
            continue
        d = hdiag[a] if a < n else hpp[a - n, a - n]
        v = g / d if d > 0.0 else math.inf
        if v > m:
            m = v
    return m


@njit(cache=True)
def newton_cells(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, penalty,
                 tol, max_iter, dense_max):
    """Maximise ``l(s, extra) - penalty / 2 |s|^2`` from ``(s, extra)`` (both updated in
    place).  Returns ``(status, n_iter, gnorm)``."""
    n = s.shape[0]
    q = extra.shape[0]
    m = ci.shape[0]
    grad = np.empty(n + q)
    grad_t = np.empty(n + q)
    hcell = np.empty(m)
    hcell_t = np.empty(m)
    cross = np.empty((n, q))
    cross_t = np.empty((n, q))
    hpp = np.empty((q, q))
    hpp_t = np.empty((q, q))
    hdiag = np.empty(n)
    shift = np.full(n, penalty)
    s_new = np.empty(n)
    e_new = np.empty(q)
    x1 = np.empty(n)
    x2 = np.empty((n, q))
    col = np.empty(n)
    s -= s.mean()
    f = penalised_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw,
                       penalty, grad, hcell, cross, hpp)
    gnorm = math.inf
    gnorm0 = -1.0
    for it in range(max_iter + 1):
        if not math.isfinite(f):
            return 3, it, gnorm
        gnorm = _measure(n, ci, cj, hcell, penalty, grad, hpp, hdiag)
        # the one-coordinate steps can hide a strong coupling of the scores with the other
        # parameters: with any, the full Newton step must be small too (checked below)
        near = gnorm <= tol
        if near and q == 0:
            return 0, it, gnorm
        if it == max_iter and not near:
            return 1, it, gnorm
        if gnorm0 < 0.0:
            gnorm0 = gnorm
        c = hdiag.mean() if hdiag.mean() > 0.0 else 1.0
        g_s = grad[:n].copy()
        if n <= dense_max:
            a = _dense_matrix(n, ci, cj, hcell, penalty, c)
            dsc = np.sqrt(np.diag(a).copy())
            for i in range(n):
                for j in range(n):
                    a[i, j] /= dsc[i] * dsc[j]
            low = np.empty((n, n))
            if cholesky(a, low) == 0:
                x1[:] = cholesky_solve(low, g_s / dsc) / dsc
                for b in range(q):
                    col[:] = cross[:, b]
                    x2[:, b] = cholesky_solve(low, col / dsc) / dsc
            else:
                for i in range(n):
                    d = hdiag[i] if hdiag[i] > 0.0 else 1.0
                    x1[i] = g_s[i] / d
                    for b in range(q):
                        x2[i, b] = cross[i, b] / d
        else:
            diag = hdiag + c / n
            rtol = min(0.1, gnorm / gnorm0) if math.isfinite(gnorm0) else 0.1
            rtol = max(rtol * rtol, 1e-14)
            pcg(n, ci, cj, hcell, shift, c, diag, g_s, x1, rtol, 10 * n + 100)
            for b in range(q):
                col[:] = cross[:, b]
                out = np.empty(n)
                pcg(n, ci, cj, hcell, shift, c, diag, col, out, rtol, 10 * n + 100)
                x2[:, b] = out
        # Schur complement: (P - C' X2) dq = g_q + C' x1, with C = -cross (the negative
        # Hessian's off-diagonal block is +cross here: cross holds -d2l/(ds da))
        dq = np.zeros(q)
        if q > 0:
            sch = hpp.copy()
            rhs = grad[n:].copy()
            for a_ in range(q):
                for i in range(n):
                    rhs[a_] -= cross[i, a_] * x1[i]
                for b in range(q):
                    t = 0.0
                    for i in range(n):
                        t += cross[i, a_] * x2[i, b]
                    sch[a_, b] -= t
            low_q = np.empty((q, q))
            if cholesky(sch, low_q) == 0:
                dq[:] = cholesky_solve(low_q, rhs)
            else:
                for a_ in range(q):
                    d = hpp[a_, a_] if hpp[a_, a_] > 0.0 else 1.0
                    dq[a_] = rhs[a_] / d
            for i in range(n):
                for b in range(q):
                    x1[i] -= x2[i, b] * dq[b]
        x1 -= x1.mean()
        if near:
            full = 0.0
            for i in range(n):
                full = max(full, abs(x1[i]))
            for b in range(q):
                full = max(full, abs(dq[b]))
            if full <= 1e3 * tol or not math.isfinite(full):
                return 0, it, gnorm
            if it == max_iter:
                return 1, it, full
        slope = np.dot(grad[:n], x1) + np.dot(grad[n:], dq)
        in_noise = slope <= 1e-13 * abs(f)
        step = 1.0
        accepted = False
        for _ in range(60):
            for i in range(n):
                s_new[i] = s[i] + step * x1[i]
            for b in range(q):
                e_new[b] = extra[b] + step * dq[b]
            if feasible(family, n_categories, n_lin, e_new):
                f_new = penalised_pass(family, link, n_categories, n_lin, s_new, e_new, ci,
                                       cj, cx, ck, cw, penalty, grad_t, hcell_t, cross_t,
                                       hpp_t)
                if math.isfinite(f_new) and (in_noise or f_new >= f + 1e-4 * step * slope):
                    accepted = True
                    break
            step *= 0.5
        if not accepted:
            return 2, it, gnorm
        s[:] = s_new
        extra[:] = e_new
        f = f_new
        grad, grad_t = grad_t, grad
        hcell, hcell_t = hcell_t, hcell
        cross, cross_t = cross_t, cross
        hpp, hpp_t = hpp_t, hpp
    return 1, max_iter, gnorm


@njit(cache=True)
def loglik_cells(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw):
    """Log-likelihood of the cells."""
    n = s.shape[0]
    q = extra.shape[0]
    grad = np.empty(n + q)
    hcell = np.empty(ci.shape[0])
    cross = np.empty((n, q))
    hpp = np.empty((q, q))
    return cell_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, grad,
                     hcell, cross, hpp)


@njit(cache=True)
def information_cells(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw):
    """Dense observed information (negative Hessian) of ``(s, extra)``, size ``n + q``."""
    n = s.shape[0]
    q = extra.shape[0]
    grad = np.empty(n + q)
    hcell = np.empty(ci.shape[0])
    cross = np.empty((n, q))
    hpp = np.empty((q, q))
    cell_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, grad, hcell,
              cross, hpp)
    info = np.zeros((n + q, n + q))
    for k in range(ci.shape[0]):
        i = ci[k]
        j = cj[k]
        v = hcell[k]
        info[i, i] += v
        info[j, j] += v
        info[i, j] -= v
        info[j, i] -= v
    for i in range(n):
        for a in range(q):
            info[i, n + a] = cross[i, a]
            info[n + a, i] = cross[i, a]
    for a in range(q):
        for b in range(q):
            info[n + a, n + b] = hpp[a, b]
    return info


@njit(cache=True)
def cell_scores(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck):
    """Per-cell score vectors of one comparison: ``d log P / d (z, theta)`` (rows), for the
    sandwich."""
    p = n_family_params(family, n_categories)
    theta = extra[n_lin:]
    out = np.zeros((ci.shape[0], 1 + p))
    g = np.empty(1 + p)
    hh = np.empty((1 + p, 1 + p))
    binary = is_binary(family, n_categories)
    for c in range(ci.shape[0]):
        z = s[ci[c]] - s[cj[c]]
        for l in range(n_lin):
            z += extra[l] * cx[c, l]
        if binary:
            out[c, 0] = binary_terms(link, z, ck[c])[1]
            continue
        cell_terms(family, link, n_categories, z, ck[c], theta, g, hh)
        for a in range(1 + p):
            out[c, a] = g[a]
    return out
