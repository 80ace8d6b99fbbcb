"""Gradient ascent with mean anchoring: the textbook loop, made to converge.

Numba only.  Each iteration moves ``s <- s + step * D^-1 grad`` (``D`` the fixed diagonal of
item weights, so a step means the same for busy and rare items; ``eta`` moves by
``step * g_eta / eta_scale``), then re-centres ``s`` to sum to zero.  The step follows
Armijo's backtracking rule: it is halved until the penalised log-likelihood rises by at least
``1e-4 * step * (g' D^-1 g)``, and doubled after every accepted step.  For a concave objective
whose gradient is Lipschitz on the starting level set (true here: the level set is compact
whenever the MLE exists or ``penalty > 0``), this rule converges to the maximum (Nocedal and
Wright, *Numerical Optimization*, Thm 3.2 with Zoutendijk's condition).

Status codes as in :mod:`.newton`.
"""
import math

import numpy as np
from numba import njit

from .likelihood import gradient
from .newton import objective, scaled_gradient_norm


@njit(cache=True)
def gradient_ascent(link, fit_eta, s, eta, pi, pj, wab, wba, tie, penalty, scale, eta_scale,
                    tol, max_iter):
    """Returns ``(status, n_iter, eta, gnorm)``; ``s`` is updated in place."""
    n = s.shape[0]
    grad = np.empty(n)
    grad_new = np.empty(n)
    s_new = np.empty(n)
    s -= s.mean()
    step = 1.0
    gnorm = math.inf
    f, g_eta = gradient(link, s, eta, pi, pj, wab, wba, tie, grad)
    f -= 0.5 * penalty * np.dot(s, s)
    noise = 1e-12 * (abs(f) + 1.0)
    for it in range(max_iter + 1):
        for i in range(n):
            grad[i] -= penalty * s[i]
        if not math.isfinite(f):
            return 3, it, eta, gnorm
        gnorm = scaled_gradient_norm(grad, g_eta, scale, eta_scale, fit_eta)
        if gnorm <= tol:
            return 0, it, eta, gnorm
        if it == max_iter:
            return 1, it, eta, gnorm
        d_eta = g_eta / eta_scale if fit_eta else 0.0
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
                f_new, g_eta_new = gradient(link, s_new, eta_new, pi, pj, wab, wba, tie,
                                            grad_new)
                f_new -= 0.5 * penalty * np.dot(s_new, s_new)
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
                            slope_new += (grad_new[i] - penalty * s_new[i]) * grad[i] / scale[i]
                        if 0.5 * (slope + slope_new) >= 1e-4 * slope:
                            accepted = True
                            break
            step *= 0.5
        if not accepted:
            return 2, it, eta, gnorm
        s[:] = s_new
        grad[:] = grad_new
        eta = eta_new
        f = f_new
        g_eta = g_eta_new
        step *= 2.0
    return 1, max_iter, eta, gnorm
