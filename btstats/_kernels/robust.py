"""The "meat" of sandwich covariances: sums of outer products of per-comparison scores.

Numba only.  The score of one comparison with outcome ``o`` of pair ``(i, j)`` is
``g_d (e_i - e_j)`` in the item scores and ``g_eta`` in the tie threshold, with ``g_d``, ``g_eta``
the derivatives of ``log P(o)`` in ``(d, eta)`` (:func:`.links.pair_terms` with a unit count).
Cells are ``3 k + o`` as in :mod:`.resample` (``o``: 0 ``pi`` wins, 1 ``pj`` wins, 2 tie).
"""
import numpy as np
from numba import njit

from .links import pair_terms


@njit(cache=True)
def cell_scores(link, s, eta, pi, pj, has_ties):
    """``(g_d, g_eta)`` of one comparison in every cell: two arrays of length ``3 m`` (zero in
    the tie cells of a model without ties)."""
    m = pi.shape[0]
    gd = np.empty(3 * m)
    ge = np.empty(3 * m)
    out = np.empty(6)
    for k in range(m):
        d = s[pi[k]] - s[pj[k]]
        gd[3 * k + 2] = 0.0
        ge[3 * k + 2] = 0.0
        for o in range(3 if has_ties else 2):
            pair_terms(link, d, eta, 1.0 if o == 0 else 0.0, 1.0 if o == 1 else 0.0,
                       1.0 if o == 2 else 0.0, out)
            gd[3 * k + o] = out[1]
            ge[3 * k + o] = out[2]
    return gd, ge


@njit(cache=True)
def meat_cells(n, pi, pj, w3, gd, ge, with_eta):
    """``sum over comparisons of g g'``: each comparison is its own cluster, so a cell of
    count ``w`` adds ``w g_c g_c'`` (size ``n`` (+1 with ``with_eta``))."""
    size = n + 1 if with_eta else n
    g = np.zeros((size, size))
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        dd = 0.0
        de = 0.0
        ee = 0.0
        for o in range(3):
            w = w3[3 * k + o]
            if w == 0.0:
                continue
            a = gd[3 * k + o]
            b = ge[3 * k + o]
            dd += w * a * a
            de += w * a * b
            ee += w * b * b
        g[i, i] += dd
        g[j, j] += dd
        g[i, j] -= dd
        g[j, i] -= dd
        if with_eta:
            g[i, n] += de
            g[n, i] += de
            g[j, n] -= de
            g[n, j] -= de
            g[n, n] += ee
    return g


@njit(cache=True)
def meat_clusters(n, pi, pj, unit_ptr, unit_cell, unit_weight, gd, ge, with_eta):
    """``sum over clusters of U_g U_g'`` with ``U_g`` the sum of the scores of the cluster's
    comparisons (``unit_*``: a CSR of each cluster's (cell, weight) entries)."""
    size = n + 1 if with_eta else n
    g = np.zeros((size, size))
    u = np.zeros(size)
    touched = np.empty(size, np.int64)
    mark = np.zeros(size, np.bool_)
    for c in range(unit_ptr.shape[0] - 1):
        nt = 0
        for e in range(unit_ptr[c], unit_ptr[c + 1]):
            cell = unit_cell[e]
            k = cell // 3
            w = unit_weight[e]
            i = pi[k]
            j = pj[k]
            a = w * gd[cell]
            if not mark[i]:
                mark[i] = True
                touched[nt] = i
                nt += 1
            if not mark[j]:
                mark[j] = True
                touched[nt] = j
                nt += 1
            u[i] += a
            u[j] -= a
            if with_eta:
                if not mark[n]:
                    mark[n] = True
                    touched[nt] = n
                    nt += 1
                u[n] += w * ge[cell]
        for p in range(nt):
            x = touched[p]
            for q in range(nt):
                y = touched[q]
                g[x, y] += u[x] * u[y]
        for p in range(nt):
            x = touched[p]
            u[x] = 0.0
            mark[x] = False
    return g
