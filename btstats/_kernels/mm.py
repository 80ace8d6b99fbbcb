"""MM iterations on the log scale (logistic link only).

Numba only.  Bradley-Terry uses Newman's (2023) iteration,
``pi_i <- sum_k w_ik pi_k / (pi_i + pi_k) / sum_k w_ki / (pi_i + pi_k)``, written as
``s_i <- s_i + log(sum_k w_ik F(s_k - s_i)) - log(sum_k w_ki F(s_i - s_k))`` with the logistic
``F`` so that no strength over- or underflows.  Rao-Kupper uses Hunter's (2004, section 5) MM:
with ``n_ij`` the number of factors ``pi_i + theta pi_j`` (wins of i over j plus ties) and
``W_i = sum_j n_ij``,
``s_i <- log W_i - log sum_j [n_ij F(s_j - s_i + eta)... ]`` (see :func:`mm_rao_kupper`),
then ``theta = (T + sqrt(T^2 + C^2)) / C`` for the tie total ``T``.

Status codes as in :mod:`.newton`.
"""
import math

import numpy as np
from numba import njit

from .likelihood import gradient
from .links import LOGISTIC
from .newton import scaled_gradient_norm


@njit(cache=True)
def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True)
def mm_bradley_terry(s, pi, pj, wab, wba, tie, scale, tol, max_iter):
    """Newman's iteration for Bradley-Terry; ``s`` updated in place.

    Returns ``(status, n_iter, gnorm)``.
    """
    n = s.shape[0]
    num = np.empty(n)
    den = np.empty(n)
    grad = np.empty(n)
    gnorm = math.inf
    for it in range(max_iter + 1):
        # convergence is judged on the gradient, not on the change per iteration
        if it % 4 == 0 or it == max_iter:
            gradient(LOGISTIC, s, 0.0, pi, pj, wab, wba, tie, grad)
            gnorm = scaled_gradient_norm(grad, 0.0, scale, 1.0, False)
            if not math.isfinite(gnorm):
                return 3, it, gnorm
            if gnorm <= tol:
                return 0, it, gnorm
            if it == max_iter:
                return 1, it, gnorm
        num[:] = 0.0
        den[:] = 0.0
        for k in range(pi.shape[0]):
            i = pi[k]
            j = pj[k]
            p_ij = _sigmoid(s[i] - s[j])      # pi_i / (pi_i + pi_j)
            p_ji = 1.0 - p_ij if p_ij < 0.5 else _sigmoid(s[j] - s[i])
            # i's numerator: wins over j weighted by pi_j/(pi_i+pi_j); denominator: losses
            # to j weighted by pi_i/(pi_i+pi_j)
            num[i] += wab[k] * p_ji
            den[i] += wba[k] * p_ij
            num[j] += wba[k] * p_ij
            den[j] += wab[k] * p_ji
        for i in range(n):
            s[i] += math.log(num[i]) - math.log(den[i])
        s -= s.mean()
    return 1, max_iter, gnorm


@njit(cache=True)
def mm_rao_kupper(s, eta, pi, pj, wab, wba, tie, scale, eta_scale, tol, max_iter):
    """Hunter's (2004) MM for Rao-Kupper, alternating scores and theta = exp(eta).

    With ``n_ij = w_ij + t_ij`` and ``W_i = sum_j n_ij``, the score step is
    ``s_i <- log W_i - log sum_j [n_ij F(s_i - s_j - eta) + n_ji F(s_i - s_j + eta)] + s_i``
    and the theta step maximises ``T log(theta^2 - 1) - theta C`` with
    ``C = sum_(i,j) n_ij pi_j / (pi_i + theta pi_j)``.  Returns ``(status, n_iter, eta, gnorm)``.
    """
    n = s.shape[0]
    w = np.zeros(n)
    den = np.empty(n)
    grad = np.empty(n)
    t_total = 0.0
    for k in range(pi.shape[0]):
        w[pi[k]] += wab[k] + tie[k]
        w[pj[k]] += wba[k] + tie[k]
        t_total += tie[k]
    gnorm = math.inf
    for it in range(max_iter + 1):
        if it % 4 == 0 or it == max_iter:
            _, g_eta = gradient(LOGISTIC, s, eta, pi, pj, wab, wba, tie, grad)
            gnorm = scaled_gradient_norm(grad, g_eta, scale, eta_scale, True)
            if not math.isfinite(gnorm):
                return 3, it, eta, gnorm
            if gnorm <= tol:
                return 0, it, eta, gnorm
            if it == max_iter:
                return 1, it, eta, gnorm
        den[:] = 0.0
        for k in range(pi.shape[0]):
            i = pi[k]
            j = pj[k]
            d = s[i] - s[j]
            n_ij = wab[k] + tie[k]
            n_ji = wba[k] + tie[k]
            den[i] += n_ij * _sigmoid(d - eta) + n_ji * _sigmoid(d + eta)
            den[j] += n_ji * _sigmoid(-d - eta) + n_ij * _sigmoid(-d + eta)
        for i in range(n):
            s[i] += math.log(w[i]) - math.log(den[i])
        s -= s.mean()
        # theta step: C = sum n_ij pi_j / (pi_i + theta pi_j) = sum n_ij F(s_j - s_i + eta) / theta
        theta = math.exp(eta)
        c = 0.0
        for k in range(pi.shape[0]):
            d = s[pi[k]] - s[pj[k]]
            c += (wab[k] + tie[k]) * _sigmoid(-d + eta) + (wba[k] + tie[k]) * _sigmoid(d + eta)
        c /= theta
        theta = (t_total + math.sqrt(t_total * t_total + c * c)) / c
        eta = math.log(theta)
    return 1, max_iter, eta, gnorm
