"""Gradient ascent with mean anchoring: the textbook loop, made to converge.

Numba only.  Each iteration moves ``s <- s + step * D^-1 grad`` and ``eta <- eta + step *
g_eta / h_eta``, then re-centres ``s`` to sum to zero (mean anchoring).  ``D`` is the diagonal
of the information at the current point (``h_ii``, plus the penalty), so a step means the same
for busy and rare items and for saturated pairs.  The step follows Armijo's backtracking rule:
halved until the penalised log-likelihood rises by at least ``1e-4 * step * (g' D^-1 g)``,
doubled after every accepted step.  For a concave objective with a compact level set (the MLE
exists, or ``penalty > 0``), with ``D`` bounded above and below on it, this rule converges to
the maximum (Nocedal and Wright, *Numerical Optimization*, Theorem 3.2 with Zoutendijk's
condition).  When the gain asked for falls below the rounding of the log-likelihood, steps are
judged by the trapezoid rule on directional derivatives instead of by comparing values.

Status codes as in :mod:`.newton`.
"""
import math

import numpy as np
from numba import njit

from .likelihood import convergence_measure, penalised_derivatives


@njit(cache=True)
def gradient_ascent(link, fit_eta, s, eta, pi, pj, wab, wba, tie, penalty, tol, max_iter):
    """Convergence is judged by :func:`.likelihood.step_norm`."""
    # Returns ``(status, n_iter, eta, gnorm)``; ``s`` is updated in place.
    n = s.shape[0]
    grad = np.empty(n)
    grad_new = np.empty(n)
    hpair = np.empty(pi.shape[0])
    hpair_new = np.empty(pi.shape[0])
    cross = np.empty(n)
    hdiag = np.empty(n)
    scale = np.empty(n)
    s_new = np.empty(n)
    s -= s.mean()
    step = 1.0
    gnorm = math.inf
    f, g_eta, h_ee = penalised_derivatives(link, s, eta, pi, pj, wab, wba, tie, penalty, grad,
                                           hpair, cross)
    # the rounding of f, relative (so the rule does not depend on the scale of the weights)
    noise = 1e-12 * abs(f) + 1e-300
    for it in range(max_iter + 1):
        if not math.isfinite(f):
            return 3, it, eta, gnorm
        gnorm = convergence_measure(pi, pj, hpair, penalty, grad, g_eta, h_ee, fit_eta, hdiag)
        if gnorm <= tol:
            return 0, it, eta, gnorm
        if it == max_iter:
            return 1, it, eta, gnorm
        # the metric D: the diagonal of the information at the current point (positive on
        # the compact level set), so a step means the same for busy and rare items
        for i in range(n):
            scale[i] = hdiag[i] if hdiag[i] > 0.0 else 1.0
        d_eta = g_eta / (-h_ee) if (fit_eta and h_ee < 0.0) else 0.0
        slope = d_eta * g_eta
        for i in range(n):
            slope += grad[i] * grad[i] / scale[i]
        accepted = False
        for _ in range(80):
            eta_new = eta + step * d_eta
            if eta_new > 0.0 or not fit_eta:
                for i in range(n):
                    s_new[i] = s[i] + step * grad[i] / scale[i]
                # mean anchoring after every step
                s_new -= s_new.mean()
                f_new, g_eta_new, h_ee_new = penalised_derivatives(
                    link, s_new, eta_new, pi, pj, wab, wba, tie, penalty, grad_new, hpair_new,
                    cross)
                if math.isfinite(f_new):
                    if step * slope >= noise:
                        if f_new >= f + 1e-4 * step * slope:
                            accepted = True
                            break
                    else:
                        # the gain is below the rounding of f, so comparing f values is
                        # noise: judge the step by the trapezoid rule on the directional
                        # derivatives instead
                        slope_new = d_eta * g_eta_new
                        for i in range(n):
                            slope_new += grad_new[i] * grad[i] / scale[i]
                        if 0.5 * (slope + slope_new) >= 1e-4 * slope:
                            accepted = True
                            break
            step *= 0.5
        if not accepted:
            return 2, it, eta, gnorm
        s[:] = s_new
        grad, grad_new = grad_new, grad
        hpair, hpair_new = hpair_new, hpair
        h_ee = h_ee_new
        eta = eta_new
        f = f_new
        g_eta = g_eta_new
        step *= 2.0
    return 1, max_iter, eta, gnorm
