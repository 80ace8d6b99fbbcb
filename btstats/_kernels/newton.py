"""Safeguarded Newton in the sum-to-zero subspace, joint in (scores, eta) for tie models.

Numba only.  The negative Hessian in the scores is the weighted graph Laplacian ``L`` of the
pairs (weights ``-d2l/dd2``).  Each step solves ``(L + c 11'/n + penalty I) x = b``: ``c 11'/n``
makes the matrix positive definite without changing the solution in the subspace.  For
``n <= dense_max`` the matrix is built and Cholesky-factorised; beyond, a Jacobi-preconditioned
conjugate-gradient solve uses only the pair list (no n x n matrix).  With a tie threshold the
bordered system is solved through its Schur complement.  Steps are damped by a backtracking
(Armijo) line search on the penalised log-likelihood that also keeps ``eta > 0``.

Status codes: 0 converged, 1 iteration limit, 2 line search could not improve (the gradient
is at the noise floor of floating point), 3 non-finite value.
"""
import math

import numpy as np
from numba import njit

from .likelihood import convergence_measure, penalised_derivatives
from .linalg import cholesky_solve


@njit(cache=True)
def laplacian_matvec(n, pi, pj, hpair, shift, c, x, y):
    """``y = (L + c 11'/n + diag(shift)) x`` using the pair list."""
    mean = 0.0
    for i in range(n):
        mean += x[i]
    mean *= c / n
    for i in range(n):
        y[i] = shift[i] * x[i] + mean
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        t = hpair[k] * (x[i] - x[j])
        y[i] += t
        y[j] -= t


@njit(cache=True)
def pcg(n, pi, pj, hpair, shift, c, diag, b, x, rtol, max_iter):
    """Jacobi-preconditioned CG for ``(L + c 11'/n + diag(shift)) x = b``; returns iterations."""
    r = b.copy()
    x[:] = 0.0
    z = r / diag
    p = z.copy()
    ap = np.empty(n)
    rz = np.dot(r, z)
    bnorm = math.sqrt(np.dot(b, b))
    if bnorm == 0.0:
        return 0
    for it in range(max_iter):
        laplacian_matvec(n, pi, pj, hpair, shift, c, p, ap)
        pap = np.dot(p, ap)
        if pap <= 0.0:
            return it
        alpha = rz / pap
        x += alpha * p
        r -= alpha * ap
        if math.sqrt(np.dot(r, r)) <= rtol * bnorm:
            return it + 1
        z = r / diag
        rz_new = np.dot(r, z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    return max_iter


@njit(cache=True)
def _dense_matrix(n, pi, pj, hpair, penalty, c):
    a = np.full((n, n), c / n)
    for i in range(n):
        a[i, i] += penalty
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        h = hpair[k]
        a[i, i] += h
        a[j, j] += h
        a[i, j] -= h
        a[j, i] -= h
    return a


@njit(cache=True, nogil=True)
def newton(link, fit_eta, s, eta, pi, pj, wab, wba, tie, penalty, tol, max_iter, dense_max):
    """Maximise the penalised log-likelihood from ``(s, eta)`` (``s`` updated in place).

    One pass over the pairs per trial point gives the objective and the next step's
    derivatives together.  Returns ``(status, n_iter, eta, gnorm)``; ``gnorm`` is the final
    scaled gradient norm.
    """
    n = s.shape[0]
    n_pairs = pi.shape[0]
    grad = np.empty(n)
    hpair = np.empty(n_pairs)
    cross = np.empty(n)
    grad_t = np.empty(n)
    hpair_t = np.empty(n_pairs)
    cross_t = np.empty(n)
    shift = np.full(n, penalty)
    hdiag = np.empty(n)
    s_new = np.empty(n)
    x1 = np.empty(n)
    x2 = np.empty(n)
    gnorm0 = -1.0
    gnorm = math.inf
    # centre once; every Newton step then stays in the subspace
    s -= s.mean()
    f, g_eta, h_ee = penalised_derivatives(link, s, eta, pi, pj, wab, wba, tie, penalty, grad,
                                           hpair, cross)
    for it in range(max_iter + 1):
        if not math.isfinite(f):
            return 3, it, eta, gnorm
        gnorm = convergence_measure(pi, pj, hpair, penalty, grad, g_eta, h_ee, fit_eta, hdiag)
        # without eta the one-coordinate steps bound the distance to the optimum; with eta a
        # strong score-eta coupling can hide it, so there the full Newton step must be small
        # too (checked below, once the direction is known)
        near = gnorm <= tol
        if near and not fit_eta:
            return 0, it, eta, gnorm
        if it == max_iter and not near:
            return 1, it, eta, gnorm
        if gnorm0 < 0.0:
            gnorm0 = gnorm
        # Newton direction.  c 11'/n fills the null space of the Laplacian; c is the mean
        # curvature so that it neither swamps nor vanishes against L (extreme counts).
        c = hdiag.mean() if hdiag.mean() > 0.0 else 1.0
        if n <= dense_max:
            a = _dense_matrix(n, pi, pj, hpair, penalty, c)
            # symmetric Jacobi scaling keeps Cholesky accurate when weights span many
            # orders of magnitude
            dsc = np.sqrt(np.diag(a).copy())
            for i in range(n):
                for j in range(n):
                    a[i, j] /= dsc[i] * dsc[j]
            factored = True
            try:
                low = np.linalg.cholesky(a)
            except Exception:  # numerically indefinite: weights differ by ~1e40 or more
                factored = False
                low = a
            if factored:
                x1[:] = cholesky_solve(low, grad / dsc) / dsc
                if fit_eta:
                    x2[:] = cholesky_solve(low, cross / dsc) / dsc
            else:
                # fall back to the diagonal (Jacobi) Newton direction for this step
                for i in range(n):
                    h = hdiag[i] if hdiag[i] > 0.0 else 1.0
                    x1[i] = grad[i] / h
                    if fit_eta:
                        x2[i] = cross[i] / h
        else:
            diag = hdiag + c / n
            rtol = min(0.1, gnorm / gnorm0) if math.isfinite(gnorm0) else 0.1
            rtol = max(rtol * rtol, 1e-14)
            pcg(n, pi, pj, hpair, shift, c, diag, grad, x1, rtol, 10 * n + 100)
            if fit_eta:
                pcg(n, pi, pj, hpair, shift, c, diag, cross, x2, rtol, 10 * n + 100)
        d_eta = 0.0
        if fit_eta:
            # bordered system [[A, -c], [-c', h]] [ds, de] = [g, g_eta], h = -d2l/deta2
            denom = -h_ee - np.dot(cross, x2)
            if denom > 0.0 and math.isfinite(denom):
                d_eta = (g_eta + np.dot(cross, x1)) / denom
                for i in range(n):
                    x1[i] += x2[i] * d_eta
            elif -h_ee > 0.0:
                # the Schur complement lost its precision (curvatures ~1e19 apart): a
                # diagonal step in eta this time
                d_eta = g_eta / -h_ee
        x1 -= x1.mean()
        if near:
            full = abs(d_eta)
            for i in range(n):
                if abs(x1[i]) > full:
                    full = abs(x1[i])
            if full <= 1e3 * tol or not math.isfinite(full):
                return 0, it, eta, gnorm
            if it == max_iter:
                return 1, it, eta, full
        slope = np.dot(grad, x1) + g_eta * d_eta
        # backtracking line search, keeping eta > 0
        step = 1.0
        if fit_eta:
            while eta + step * d_eta <= 0.0:
                step *= 0.5
        # below the rounding of f a comparison of f values is noise; there (inside Newton's
        # quadratic region) the full step is taken
        in_noise = slope <= 1e-13 * (abs(f) + 1.0)
        accepted = False
        for _ in range(60):
            for i in range(n):
                s_new[i] = s[i] + step * x1[i]
            eta_new = eta + step * d_eta
            f_new, g_eta_new, h_ee_new = penalised_derivatives(
                link, s_new, eta_new, pi, pj, wab, wba, tie, penalty, grad_t, hpair_t, cross_t)
            if math.isfinite(f_new) and (in_noise or f_new >= f + 1e-4 * step * slope):
                accepted = True
                break
            step *= 0.5
        if not accepted:
            # no ascent possible along the Newton direction: the gradient is at round-off
            return 2, it, eta, gnorm
        s[:] = s_new
        eta = eta_new
        f = f_new
        g_eta = g_eta_new
        h_ee = h_ee_new
        grad, grad_t = grad_t, grad
        hpair, hpair_t = hpair_t, hpair
        cross, cross_t = cross_t, cross
    return 1, max_iter, eta, gnorm
