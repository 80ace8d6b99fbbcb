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
from numba import njit, prange

from .families import (binary_terms, category_gaps, cell_terms, cell_terms_gap, in_domain,
                       is_binary, n_family_params, pattern_terms, pattern_terms3,
                       shares_terms)
from .links import LOGISTIC, log_cdf_grad
from .linalg import cholesky, cholesky_solve
from .newton import _dense_matrix, pcg


#: Unit-weight logistic cells whose ``r`` are multiplied before one ``log`` in
#: :func:`cell_pass` (``r >= 1/2``: the product stays above ``2**-256``).
_PRODUCT_RUN = 256
#: The smallest ``e = exp(-|x|)`` whose cell joins the product of :func:`cell_pass`.
_PRODUCT_MIN_E = 1.0 / 64.0


@njit(cache=True)
def n_extra(family, n_categories, n_lin):
    return n_family_params(family, n_categories) + n_lin


@njit(cache=True)
def _same_row(cx, c, d, n_lin):
    """Whether cells ``c`` and ``d`` have the same row of the linear-predictor columns."""
    for l in range(n_lin):
        if cx[c, l] != cx[d, l]:
            return False
    return True


@njit(cache=True)
def cell_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, grad, hcell,
              cross, hpp):
    """Log-likelihood of the cells, with its gradient and negative-Hessian pieces.

    Fills ``grad`` (n + q: scores, then ``extra``), ``hcell`` (``-w d2l/dz2`` per cell, the
    Laplacian weights), ``cross`` (n x q: ``-d2l/(ds_i d extra_a)``) and ``hpp`` (q x q:
    ``-d2l/(d extra)^2``).  Returns the log-likelihood (``-inf`` if any observed cell has
    probability 0 in double precision).

    For the families whose categories share their evaluations
    (:func:`.families.shares_terms`: Davidson, ``K = 3``), consecutive cells of one predictor
    (the same two items and row of ``cx``: the categories of a pattern, adjacent in the
    cells' key order) are taken at once by :func:`.families.pattern_terms`, and the first of
    them carries their summed Laplacian weight in ``hcell`` (0 on the others: every user of
    ``hcell`` sums it over the cells of a pair).  Measured on the bootstrap's refits (100
    items, 2 x 10**5 comparisons, one thread, one pass): Davidson 1.48 ms cell by cell,
    0.26 ms by pattern (14,753 cells); Rao-Kupper with an order effect 2.54 -> 0.89 ms
    (27,712 cells); graded ``K = 5`` 2.39 -> 1.8 ms (23,795 cells).
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
    # the cells of one predictor (same items and row of cx: consecutive in the cells' key
    # order) at once, when the family's categories share their evaluations
    grouped = shares_terms(family, n_categories)
    three = grouped and n_categories == 3       # Davidson, Rao-Kupper, Glenn-David
    wk = np.zeros(n_categories)
    work = np.empty(max(6, 7 * (n_categories - 1)))
    gap_e = np.empty(n_categories)
    gap_c = np.empty(n_categories)
    gap_logc = np.empty(n_categories)
    category_gaps(family, link, n_categories, theta, gap_e, gap_c, gap_logc)
    grad[:] = 0.0
    cross[:, :] = 0.0
    hpp[:, :] = 0.0
    total = 0.0
    prod = 1.0
    n_prod = 0
    m = ci.shape[0]
    c = 0
    while c < m:
        w = cw[c]
        i = ci[c]
        j = cj[c]
        nxt = c + 1
        if three:
            w_b = 0.0
            w_t = 0.0
            w_a = 0.0
            d = c
            while True:
                k = ck[d]
                if k == 0:
                    w_b += cw[d]
                elif k == 1:
                    w_t += cw[d]
                else:
                    w_a += cw[d]
                hcell[d] = 0.0
                d += 1
                if not (d < m and ci[d] == i and cj[d] == j and _same_row(cx, c, d, n_lin)):
                    break
            nxt = d
            w = w_b + w_t + w_a
        elif grouped:
            wk[:] = 0.0
            wk[ck[c]] = w
            hcell[c] = 0.0
            while nxt < m and ci[nxt] == i and cj[nxt] == j and _same_row(cx, c, nxt, n_lin):
                wk[ck[nxt]] += cw[nxt]
                hcell[nxt] = 0.0
                nxt += 1
            w = 0.0
            for k in range(n_categories):
                w += wk[k]
        if w == 0.0:
            hcell[c] = 0.0
            c = nxt
            continue
        z = s[i] - s[j]
        for l in range(n_lin):
            xr[l] = cx[c, l]
            z += extra[l] * xr[l]
        if three:
            # the weights are in w_k: the terms come weighted, as scalars
            lp, gz, g_t, hzz, h_zt, h_tt = pattern_terms3(family, link, z, theta[0], w_b, w_t,
                                                          w_a, gap_e[1], gap_c[1], gap_logc[1])
            g[1] = g_t
            hh[0, 1] = h_zt
            hh[1, 1] = h_tt
            w = 1.0
        elif grouped:
            # the weights are in wk: the terms come weighted
            lp = pattern_terms(family, link, n_categories, z, theta, wk, gap_e, gap_c,
                               gap_logc, g, hh, work)
            w = 1.0
            gz = g[0]
            hzz = hh[0, 0]
        elif binary and link == LOGISTIC:
            # log F(x) = min(x, 0) - log1p(e), e = e^-|x|: for unit-weight cells with
            # e >= _PRODUCT_MIN_E the log is taken of a running product of their
            # r = 1 / (1 + e), once per _PRODUCT_RUN cells, instead of one log1p a cell (a
            # third of the pass over 10**6 rows).  The product costs at most one rounding a
            # cell, 1.1e-16 absolute, which is 7e-15 of a term -log1p(e) >= log1p(1/64);
            # smaller terms (near-certain outcomes) keep log1p, exact to 1e-16 of themselves
            k = ck[c]
            x = z if k == 1 else -z
            e = math.exp(-abs(x))
            r = 1.0 / (1.0 + e)
            lam = (e if x >= 0.0 else 1.0) * r        # F(-x) = d log F(x) / dx
            hzz = -lam * ((1.0 if x >= 0.0 else e) * r)
            gz = lam if k == 1 else -lam
            lmin = min(x, 0.0)
            if math.isnan(z) or lmin == -math.inf:    # P = 0 (or undefined)
                return -math.inf
            total += w * lmin
            if w == 1.0 and e >= _PRODUCT_MIN_E:
                prod *= r
                n_prod += 1
                if n_prod == _PRODUCT_RUN:
                    total += math.log(prod)
                    prod = 1.0
                    n_prod = 0
            else:
                total -= w * math.log1p(e)
            lp = 0.0
        elif binary:
            lp, gz, hzz = binary_terms(link, z, ck[c])
        else:
            k = ck[c]
            lp = cell_terms_gap(family, link, n_categories, z, k, theta, gap_e[k], gap_c[k],
                                gap_logc[k], g, hh)
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
        c = nxt
    total += math.log(prod)
    # the linear-predictor blocks were summed above the diagonal only
    for l in range(n_lin):
        grad[n + l] = g_lin[l]
        for l2 in range(l, n_lin):
            hpp[l, l2] = h_lin[l, l2]
            hpp[l2, l] = h_lin[l, l2]
        for a in range(p):
            hpp[off + a, l] = hpp[l, off + a]
    return total


#: Cells per chunk of :func:`chunked_pass`.  The chunks are fixed by the number of cells
#: (not by the number of threads), so the sums, taken chunk by chunk in a fixed order, are
#: the same on any number of threads.
CHUNK_CELLS = 1 << 16
#: The chunks' private copies of the gradient and the cross block hold at most this many
#: doubles (many items: fewer chunks, down to the plain pass).
_CHUNK_DOUBLES = 1 << 22


@njit(cache=True)
def n_chunks(m, n, q):
    """Number of chunks of :func:`chunked_pass` for ``m`` cells, ``n`` items and ``q`` extra
    parameters (1: the plain :func:`cell_pass`)."""
    k = m // CHUNK_CELLS
    if k < 2:
        return 1
    cap = _CHUNK_DOUBLES // (n * (q + 1) + q * q + 1)
    return max(1, min(k, cap, 64))


def threads(m, n, q):
    """The ``threaded`` argument of the passes for ``m`` cells, ``n`` items and ``q`` extra
    parameters: ``True`` (fixed chunks on Numba's threads) when :func:`n_chunks` makes more
    than one chunk, else ``None`` (the plain pass).  Plain Python, called before a kernel:
    Numba prunes the branch of a ``None`` argument when it compiles that signature, so a
    small fit never compiles the parallel kernels."""
    return True if n_chunks(m, n, q) > 1 else None


@njit(cache=True, parallel=True)
def _chunk_passes(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, nk, f_part,
                  g_part, c_part, h_part, hcell):
    m = ci.shape[0]
    for k in prange(nk):
        lo = (k * m) // nk
        hi = ((k + 1) * m) // nk
        f_part[k] = cell_pass(family, link, n_categories, n_lin, s, extra, ci[lo:hi],
                              cj[lo:hi], cx[lo:hi], ck[lo:hi], cw[lo:hi], g_part[k],
                              hcell[lo:hi], c_part[k], h_part[k])


@njit(cache=True)
def chunked_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, threaded,
                 grad, hcell, cross, hpp):
    """:func:`cell_pass` over fixed chunks of the cells on Numba's threads, the chunks' sums
    then added in chunk order (the same result on any number of threads; it differs from the
    plain pass only by the order of the additions).  ``threaded=None`` (:func:`threads` for
    small data, and a caller that is itself a parallel kernel: the bootstrap's replicates)
    runs the plain pass, and its compiled signature holds no parallel code."""
    if threaded is None:
        return cell_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw,
                         grad, hcell, cross, hpp)
    n = s.shape[0]
    q = extra.shape[0]
    nk = n_chunks(ci.shape[0], n, q)
    if nk == 1:
        return cell_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw,
                         grad, hcell, cross, hpp)
    f_part = np.empty(nk)
    g_part = np.empty((nk, n + q))
    c_part = np.empty((nk, n, q))
    h_part = np.empty((nk, q, q))
    _chunk_passes(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, nk, f_part,
                  g_part, c_part, h_part, hcell)
    total = 0.0
    grad[:] = 0.0
    cross[:, :] = 0.0
    hpp[:, :] = 0.0
    for k in range(nk):
        if not math.isfinite(f_part[k]):
            return -math.inf
        total += f_part[k]
        for a in range(n + q):
            grad[a] += g_part[k, a]
        for i in range(n):
            for a in range(q):
                cross[i, a] += c_part[k, i, a]
        for a in range(q):
            for b in range(q):
                hpp[a, b] += h_part[k, a, b]
    return total


@njit(cache=True)
def penalised_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, penalty,
                   threaded, grad, hcell, cross, hpp):
    """:func:`cell_pass` of ``l(s, extra) - penalty / 2 |s|^2``: the penalty taken off the
    log-likelihood and the score gradient (a non-finite log-likelihood is returned as it
    is)."""
    f = chunked_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, threaded,
                     grad, hcell, cross, hpp)
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
    return _step_size(n, grad, hpp, hdiag)


@njit(cache=True)
def _step_size(n, grad, hpp, hdiag):
    """:func:`_measure` given the diagonal ``hdiag`` of the scores' block."""
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


@njit(cache=True, nogil=True)
def newton_cells(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, penalty,
                 tol, max_iter, dense_max, threaded):
    """Maximise ``l(s, extra) - penalty / 2 |s|^2`` from ``(s, extra)`` (both updated in
    place); ``threaded``: ``True`` runs the passes over many cells in chunks on Numba's
    threads (:func:`chunked_pass`), ``None`` the plain passes (:func:`threads`; ``None``
    inside a parallel kernel).

    Returns ``(status, n_iter, gnorm, hcell, cross, hpp)``: the pieces of the negative
    Hessian of the log-likelihood (without the penalty) from the pass at the returned
    ``(s, extra)`` (see :func:`cell_pass`), so that the observed information of a converged
    fit needs no further pass (:func:`information_from_pass`)."""
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
                       penalty, threaded, grad, hcell, cross, hpp)
    gnorm = math.inf
    gnorm0 = -1.0
    lap = np.empty((0, 0))
    for it in range(max_iter + 1):
        if not math.isfinite(f):
            return 3, it, gnorm, hcell, cross, hpp
        dense = n <= dense_max
        if dense:
            # the Laplacian of the scores once (its diagonal for the step size, then the
            # Newton matrix): one loop over the cells instead of two
            lap = _dense_matrix(n, ci, cj, hcell, 0.0, 0.0)
            for i in range(n):
                hdiag[i] = lap[i, i] + penalty
            gnorm = _step_size(n, grad, hpp, hdiag)
        else:
            gnorm = _measure(n, ci, cj, hcell, penalty, grad, hpp, hdiag)
        # the one-coordinate steps can hide a strong coupling of the scores with the other
        # parameters: with any, the full Newton step must be small too (checked below)
        near = gnorm <= tol
        if near and q == 0:
            return 0, it, gnorm, hcell, cross, hpp
        if it == max_iter and not near:
            return 1, it, gnorm, hcell, cross, hpp
        if gnorm0 < 0.0:
            gnorm0 = gnorm
        c = hdiag.mean() if hdiag.mean() > 0.0 else 1.0
        g_s = grad[:n].copy()
        if dense:
            a = lap
            for i in range(n):
                a[i, i] += penalty
                for j in range(n):
                    a[i, j] += c / n
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
                return 0, it, gnorm, hcell, cross, hpp
            if it == max_iter:
                return 1, it, full, hcell, cross, hpp
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
                                       cj, cx, ck, cw, penalty, threaded, grad_t, hcell_t,
                                       cross_t, hpp_t)
                if math.isfinite(f_new) and (in_noise or f_new >= f + 1e-4 * step * slope):
                    accepted = True
                    break
            step *= 0.5
        if not accepted:
            return 2, it, gnorm, hcell, cross, hpp
        s[:] = s_new
        extra[:] = e_new
        f = f_new
        grad, grad_t = grad_t, grad
        hcell, hcell_t = hcell_t, hcell
        cross, cross_t = cross_t, cross
        hpp, hpp_t = hpp_t, hpp
    return 1, max_iter, gnorm, hcell, cross, hpp


@njit(cache=True)
def loglik_cells(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, threaded):
    """Log-likelihood of the cells (``threaded``: :func:`threads`)."""
    n = s.shape[0]
    q = extra.shape[0]
    grad = np.empty(n + q)
    hcell = np.empty(ci.shape[0])
    cross = np.empty((n, q))
    hpp = np.empty((q, q))
    return chunked_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw,
                        threaded, grad, hcell, cross, hpp)


@njit(cache=True)
def information_cells(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw,
                      threaded):
    """Dense observed information (negative Hessian) of ``(s, extra)``, size ``n + q``
    (``threaded``: :func:`threads`)."""
    n = s.shape[0]
    q = extra.shape[0]
    grad = np.empty(n + q)
    hcell = np.empty(ci.shape[0])
    cross = np.empty((n, q))
    hpp = np.empty((q, q))
    chunked_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, threaded,
                 grad, hcell, cross, hpp)
    return information_from_pass(n, ci, cj, hcell, cross, hpp)


@njit(cache=True)
def information_from_pass(n, ci, cj, hcell, cross, hpp):
    """The dense observed information of ``(s, extra)`` from the pieces of a pass
    (:func:`cell_pass`: the Laplacian weights ``hcell``, the cross block and the small
    block), size ``n + q``."""
    q = hpp.shape[0]
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
def cell_scores(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, threaded):
    """Per-cell score vectors of one comparison: ``d log P / d (z, theta)`` (rows), for the
    sandwich (``threaded=True``: chunks of the cells on Numba's threads; each row is computed
    alone, so the result does not depend on the chunks; ``None``: one serial loop, see
    :func:`threads`)."""
    p = n_family_params(family, n_categories)
    m = ci.shape[0]
    out = np.zeros((m, 1 + p))
    if threaded is None:
        _scores_range(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, 0, m, out)
        return out
    nk = m // CHUNK_CELLS
    if nk < 2:
        _scores_range(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, 0, m, out)
    else:
        _scores_chunks(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, nk, out)
    return out


@njit(cache=True, parallel=True)
def _scores_chunks(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, nk, out):
    m = ci.shape[0]
    for k in prange(nk):
        _scores_range(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck,
                      (k * m) // nk, ((k + 1) * m) // nk, out)


@njit(cache=True)
def _scores_range(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, c0, c1, out):
    p = n_family_params(family, n_categories)
    theta = extra[n_lin:]
    g = np.empty(1 + p)
    hh = np.empty((1 + p, 1 + p))
    binary = is_binary(family, n_categories)
    for c in range(c0, c1):
        z = s[ci[c]] - s[cj[c]]
        for l in range(n_lin):
            z += extra[l] * cx[c, l]
        if binary:
            # d log F(sgn z) / dz (binary_terms without the log-probability)
            sgn = 1.0 if ck[c] == 1 else -1.0
            out[c, 0] = sgn * log_cdf_grad(link, sgn * z)
            continue
        cell_terms(family, link, n_categories, z, ck[c], theta, g, hh)
        for a in range(1 + p):
            out[c, a] = g[a]
