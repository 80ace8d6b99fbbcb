"""Rank inference: max statistics over families of score differences, ranks of draws.

Numba only: float64 / int64 arrays in, arrays out, no exceptions, no random numbers (the
Gaussian draws of :func:`btstats.inference.ranks.rank_confidence_sets` are made by the caller's
``numpy.random.Generator`` and passed in as ``zt``).

The kernels are serial: on the two-core machines we target, Numba's OpenMP threads and
OpenBLAS's threads (used by the eigendecomposition and draws just before) slowed each other
down more than the parallel loops gained.  Loops are blocked over draws so the innermost
loop runs over contiguous memory.

Shapes: ``zt`` is ``(n_items, n_draws)`` (draws of the error, transposed); ``x`` is
``(n_draws, n_items)``; a *pair* ``p`` is the ordered pair ``(first[p], second[p])`` of item
codes; a *family* ``f`` is the slice ``ptr[f]:ptr[f + 1]`` of the pair arrays.
"""
import numpy as np
from numba import njit


#: Draws handled together: a block of ``zt`` (``n_items x _BLOCK`` floats) stays in cache
#: while every pair is visited, and the innermost loop runs over contiguous draws.
_BLOCK = 256


@njit(cache=True)
def family_max(zt, first, second, weight, ptr, out):
    """``out[b, f] = max over p in ptr[f]:ptr[f + 1] of
    (zt[first[p], b] - zt[second[p], b]) * weight[p]`` (``-inf`` for an empty family).

    The studentised max statistic of the rank confidence sets: ``zt`` is the transposed
    ``(n_items, n_draws)`` array of error draws, ``weight`` one over the standard error of
    the difference.
    """
    n_draws = zt.shape[1]
    n_fam = ptr.shape[0] - 1
    m = np.empty(_BLOCK)
    for b0 in range(0, n_draws, _BLOCK):
        nb = min(_BLOCK, n_draws - b0)
        for f in range(n_fam):
            m[:nb] = -np.inf
            for p in range(ptr[f], ptr[f + 1]):
                za = zt[first[p], b0:b0 + nb]
                zc = zt[second[p], b0:b0 + nb]
                w = weight[p]
                for t in range(nb):
                    m[t] = max(m[t], (za[t] - zc[t]) * w)
            for t in range(nb):
                out[b0 + t, f] = m[t]


@njit(cache=True)
def difference_variance(zt):
    """``v[j, k]``: sample variance (divisor ``n_draws - 1``) of ``zt[j] - zt[k]``.

    ``zt`` is ``(n_items, n_draws)``.  One pass on data shifted by the first draw's
    difference (the shifted-data algorithm), so a large common offset of the draws does not
    cancel digits.  ``v`` is symmetric with a zero diagonal; ``v[j, k]`` and ``v[k, j]``
    come from the same operations on the same numbers whatever the order of the items
    (``(a - b)**2 == (b - a)**2`` exactly), so relabelling the items permutes ``v`` exactly.
    ``n_draws`` must be at least 2.
    """
    n, n_draws = zt.shape
    s1 = np.zeros((n, n))
    s2 = np.zeros((n, n))
    for b0 in range(0, n_draws, _BLOCK):
        nb = min(_BLOCK, n_draws - b0)
        for j in range(n):
            zj = zt[j, b0:b0 + nb]
            for k in range(j + 1, n):
                zk = zt[k, b0:b0 + nb]
                shift = zt[j, 0] - zt[k, 0]
                a1 = 0.0
                a2 = 0.0
                for t in range(nb):
                    d = (zj[t] - zk[t]) - shift
                    a1 += d
                    a2 += d * d
                s1[j, k] += a1
                s2[j, k] += a2
    v = np.zeros((n, n))
    for j in range(n):
        for k in range(j + 1, n):
            var = (s2[j, k] - s1[j, k] * s1[j, k] / n_draws) / (n_draws - 1)
            var = max(var, 0.0)
            v[j, k] = var
            v[k, j] = var
    return v


@njit(cache=True)
def rank_counts(x):
    """``(greater, greater_equal)``: per draw ``b`` and item ``j``, the number of items ``k``
    with ``x[b, k] > x[b, j]`` and with ``x[b, k] >= x[b, j]`` (``j`` itself included).

    Min ranks are ``1 + greater``, max ranks ``greater_equal``.  One sort per draw.
    """
    n_draws, n = x.shape
    greater = np.empty((n_draws, n), np.int64)
    greater_equal = np.empty((n_draws, n), np.int64)
    for b in range(n_draws):
        order = np.argsort(-x[b])          # best first
        start = 0
        while start < n:
            stop = start + 1
            while stop < n and x[b, order[stop]] == x[b, order[start]]:
                stop += 1
            for t in range(start, stop):
                greater[b, order[t]] = start
                greater_equal[b, order[t]] = stop
            start = stop
    return greater, greater_equal


@njit(cache=True)
def superiority_counts(x):
    """``c[i, j] = #{b: x[b, i] > x[b, j]} + #{b: x[b, i] == x[b, j]} / 2`` (so
    ``c + c.T = n_draws`` and the diagonal is ``n_draws / 2``)."""
    n_draws, n = x.shape
    c = np.zeros((n, n))
    for i in range(n):
        for b in range(n_draws):
            xi = x[b, i]
            for j in range(n):
                xj = x[b, j]
                if xi > xj:
                    c[i, j] += 1.0
                elif xi == xj:
                    c[i, j] += 0.5
    return c
