"""Small dense linear algebra as plain compiled loops (Numba only).

Used for Newton directions and inverses of a few hundred to a few thousand rows, where a
compiled loop is as fast as LAPACK here and needs no BLAS thread pool (on 2 shared cores,
OpenBLAS with 2 threads took 50-150 ms for a 250 x 250 factorisation that takes ~1 ms
single-threaded), and gives the same result for any thread count.
"""
import math

import numpy as np
from numba import njit


@njit(cache=True)
def cholesky(a, low):
    """Lower Cholesky factor of the symmetric matrix ``a`` into ``low``; 0 if positive
    definite, 1 if not (a pivot <= 0 or not finite).

    A plain compiled loop, used instead of LAPACK for the joint fit's reduced information
    (a few hundred to a few thousand rows): no BLAS thread pool, the same result for any
    thread count.
    """
    p = a.shape[0]
    low[:, :] = 0.0
    for j in range(p):
        s = a[j, j]
        for k in range(j):
            s -= low[j, k] * low[j, k]
        if not s > 0.0 or not math.isfinite(s):
            return 1
        d = math.sqrt(s)
        low[j, j] = d
        for i in range(j + 1, p):
            t = a[i, j]
            for k in range(j):
                t -= low[i, k] * low[j, k]
            low[i, j] = t / d
    return 0


@njit(cache=True)
def cholesky_solve(low, b):
    """Solve ``L L' x = b`` for the factor ``low`` of :func:`cholesky`."""
    p = low.shape[0]
    y = np.empty(p)
    for i in range(p):
        t = b[i]
        for k in range(i):
            t -= low[i, k] * y[k]
        y[i] = t / low[i, i]
    x = np.empty(p)
    for i in range(p - 1, -1, -1):
        t = y[i]
        for k in range(i + 1, p):
            t -= low[k, i] * x[k]
        x[i] = t / low[i, i]
    return x


@njit(cache=True)
def cholesky_inverse(low):
    """``(L L')^-1`` from the factor ``low``: ``L^-T L^-1`` with ``L^-1`` by substitution."""
    p = low.shape[0]
    inv_l = np.zeros((p, p))         # row i of L^-1 (lower triangular)
    for i in range(p):
        inv_l[i, i] = 1.0 / low[i, i]
        for j in range(i):
            t = 0.0
            for k in range(j, i):
                t += low[i, k] * inv_l[k, j]
            inv_l[i, j] = -t / low[i, i]
    out = np.zeros((p, p))
    for i in range(p):
        for j in range(i + 1):
            t = 0.0
            for k in range(i, p):
                t += inv_l[k, i] * inv_l[k, j]
            out[i, j] = t
            out[j, i] = t
    return out


@njit(cache=True)
def spd_inverse(a):
    """``(status, a^-1)`` of a symmetric matrix: 0 and the inverse through :func:`cholesky`
    when ``a`` is positive definite, else 1 (and an empty matrix: the caller falls back to
    LAPACK's LU, which tells a singular matrix from an indefinite one)."""
    p = a.shape[0]
    low = np.empty((p, p))
    if cholesky(a, low) != 0:
        return 1, np.empty((0, 0))
    return 0, cholesky_inverse(low)


@njit(cache=True)
def congruence(b, m):
    """``b m b`` for symmetric ``b`` and ``m`` (the sandwich ``V G V``), exactly symmetric:
    ``t = m b`` then the upper triangle of ``b t``, mirrored."""
    p = b.shape[0]
    t = np.zeros((p, p))
    for i in range(p):
        for k in range(p):
            mik = m[i, k]
            if mik != 0.0:
                for j in range(p):
                    t[i, j] += mik * b[k, j]
    out = np.empty((p, p))
    for i in range(p):
        for j in range(i, p):
            s = 0.0
            for k in range(p):
                s += b[i, k] * t[k, j]
            out[i, j] = s
            out[j, i] = s
    return out
