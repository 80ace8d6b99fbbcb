"""Gradient ascent on cells for every outcome family of the general core.

Numba only.  The loop of :mod:`.gradient` over the family interface of :mod:`.cells`: each
iteration moves every score and every family / linear-predictor parameter by its gradient over
its own curvature, ``x <- x + step * g_a / H_aa`` (``H_aa`` the diagonal of the negative Hessian:
the Laplacian degree of a score, ``-d2l/d extra_a^2`` of a parameter), re-centres the scores
(mean anchoring), and accepts the step by Armijo's rule (halved until the penalised
log-likelihood rises by at least ``1e-4 * step * g' D^-1 g``, doubled after each accepted
step).  A step that leaves the family's domain (a threshold not positive and increasing,
Davidson's ``nu`` not positive) is halved like a failed one.  When the asked-for gain falls
below the rounding of the log-likelihood, steps are judged by the trapezoid rule on the
directional derivatives.

It stops when the largest scale-free step ``|g_a| / H_aa`` (:func:`.cells._measure`, the
Newton solver's first test) is at most ``tol``.  Status codes as in :mod:`.newton`.
"""
import math

import numpy as np
from numba import njit

from .cells import _measure, feasible, penalised_pass


@njit(cache=True)
def gradient_cells(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, penalty,
                   tol, max_iter, threaded):
    """Maximise ``l(s, extra) - penalty / 2 |s|^2`` from ``(s, extra)`` (both updated in
    place; ``threaded``: :func:`.cells.threads`).  Returns ``(status, n_iter, gnorm)``."""
    n = s.shape[0]
    q = extra.shape[0]
    m = ci.shape[0]
    grad = np.empty(n + q)
    grad_t = np.empty(n + q)
    hcell = np.empty(m)
    hcell_t = np.empty(m)
    cross = np.empty((n, q))
    hpp = np.empty((q, q))
    hpp_t = np.empty((q, q))
    hdiag = np.empty(n)
    scale = np.empty(n + q)
    s_new = np.empty(n)
    e_new = np.empty(q)
    s -= s.mean()
    f = penalised_pass(family, link, n_categories, n_lin, s, extra, ci, cj, cx, ck, cw, penalty,
                       threaded, grad, hcell, cross, hpp)
    noise = 1e-12 * abs(f) + 1e-300
    step = 1.0
    gnorm = math.inf
    for it in range(max_iter + 1):
        if not math.isfinite(f):
            return 3, it, gnorm
        gnorm = _measure(n, ci, cj, hcell, penalty, grad, hpp, hdiag)
        if gnorm <= tol:
            return 0, it, gnorm
        if it == max_iter:
            return 1, it, gnorm
        for i in range(n):
            scale[i] = hdiag[i] if hdiag[i] > 0.0 else 1.0
        for b in range(q):
            scale[n + b] = hpp[b, b] if hpp[b, b] > 0.0 else 1.0
        slope = 0.0
        for a in range(n + q):
            slope += grad[a] * grad[a] / scale[a]
        accepted = False
        for _ in range(80):
            for i in range(n):
                s_new[i] = s[i] + step * grad[i] / scale[i]
            s_new -= s_new.mean()
            for b in range(q):
                e_new[b] = extra[b] + step * grad[n + b] / scale[n + b]
            if feasible(family, n_categories, n_lin, e_new):
                f_new = penalised_pass(family, link, n_categories, n_lin, s_new, e_new, ci, cj,
                                   cx, ck, cw, penalty, threaded, grad_t, hcell_t, cross,
                                   hpp_t)
                if math.isfinite(f_new):
                    if step * slope >= noise:
                        if f_new >= f + 1e-4 * step * slope:
                            accepted = True
                            break
                    else:
                        slope_new = 0.0
                        for a in range(n + q):
                            slope_new += grad_t[a] * grad[a] / scale[a]
                        if 0.5 * (slope + slope_new) >= 1e-4 * slope:
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
        hpp, hpp_t = hpp_t, hpp
        step *= 2.0
    return 1, max_iter, gnorm
