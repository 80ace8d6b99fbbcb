"""Sums of outer products of score vectors over units of cells, for the general model core.

Numba only.  The score of one comparison in cell ``c`` (see :mod:`.cells`) is, in the
parameters ``(s, beta, theta)``, ``g_z (e_ci - e_cj)`` in the scores, ``g_z cx[c]`` in the
linear-predictor coefficients ``beta`` (order effect, covariates) and
``g_theta`` in the family parameters, with ``(g_z, g_theta)`` the row of
:func:`.cells.cell_scores` for the cell.  A *unit* is a sparse vector of cells with
coefficients (CSR ``ptr, cell, coef``) and a mass; its score is
``U = sum_e coef_e g_{cell_e}``, and :func:`meat_units` returns ``sum_u mass_u U_u U_u'``:

- the sandwich's meat with one unit per kind of comparison (``coef``: what one comparison
  adds to each cell, ``mass``: how many there are);
- the cluster-robust meat with one unit per cluster (``coef``: the cluster's total weight
  in each cell, ``mass`` 1);
- the expected (Fisher) information with one unit per (pair, order, category) (``coef`` 1,
  ``mass``: the group's count times the category's fitted probability).
"""
import numpy as np
from numba import njit, prange

#: Units per chunk of :func:`meat_units` (chunks fixed by the number of units, summed in
#: chunk order: the same result on any number of threads).
CHUNK_UNITS = 1 << 16
#: The chunks' private ``(n + q)^2`` sums hold at most this many doubles in all.
_CHUNK_DOUBLES = 1 << 22


def threads(n, q, n_units):
    """The ``threaded`` argument of :func:`meat_units`: ``True`` when its units make more
    than one chunk, else ``None`` (a serial loop; Numba then compiles no parallel code for
    the call, as in :func:`.cells.threads`).  Plain Python."""
    nk = min(n_units // CHUNK_UNITS, _CHUNK_DOUBLES // ((n + q) * (n + q)), 64)
    return True if nk >= 2 else None


@njit(cache=True)
def meat_units(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, threaded):
    """``sum_u mass_u U_u U_u'`` (size ``n + q``, ``q`` = ``n_lin`` linear-predictor
    coefficients and the family parameters), over fixed chunks of the units on Numba's
    threads when there are many and ``threaded`` (:func:`threads`) is True."""
    q = n_lin + gcell.shape[1] - 1
    n_units = ptr.shape[0] - 1
    if threaded is None:
        out = np.zeros((n + q, n + q))
        _meat_range(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, 0, n_units, out)
        return out
    nk = min(n_units // CHUNK_UNITS, _CHUNK_DOUBLES // ((n + q) * (n + q)), 64)
    if nk < 2:
        out = np.zeros((n + q, n + q))
        _meat_range(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, 0, n_units, out)
        return out
    part = np.zeros((nk, n + q, n + q))
    _meat_chunks(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, nk, part)
    out = part[0].copy()
    for k in range(1, nk):
        out += part[k]
    return out


@njit(cache=True, parallel=True)
def _meat_chunks(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, nk, part):
    n_units = ptr.shape[0] - 1
    for k in prange(nk):
        _meat_range(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, (k * n_units) // nk,
                    ((k + 1) * n_units) // nk, part[k])


@njit(cache=True)
def _meat_range(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, t0, t1, out):
    """Add ``sum_u mass_u U_u U_u'`` over the units ``t0 <= u < t1`` to ``out``."""
    p = gcell.shape[1] - 1
    off = n_lin
    q = off + p
    u = np.zeros(n)
    uq = np.zeros(q)
    touched = np.empty(n, np.int64)
    mark = np.zeros(n, np.bool_)
    for t in range(t0, t1):
        wt = mass[t]
        if wt == 0.0:
            continue
        nt = 0
        uq[:] = 0.0
        for e in range(ptr[t], ptr[t + 1]):
            c = cell[e]
            f = coef[e]
            gz = f * gcell[c, 0]
            i = ci[c]
            j = cj[c]
            if not mark[i]:
                mark[i] = True
                touched[nt] = i
                nt += 1
            if not mark[j]:
                mark[j] = True
                touched[nt] = j
                nt += 1
            u[i] += gz
            u[j] -= gz
            for l in range(n_lin):
                uq[l] += gz * cx[c, l]
            for a in range(p):
                uq[off + a] += f * gcell[c, 1 + a]
        for x_ in range(nt):
            x = touched[x_]
            ux = wt * u[x]
            for y_ in range(nt):
                y = touched[y_]
                out[x, y] += ux * u[y]
            for b in range(q):
                v = ux * uq[b]
                out[x, n + b] += v
                out[n + b, x] += v
        for a in range(q):
            for b in range(q):
                out[n + a, n + b] += wt * uq[a] * uq[b]
        for x_ in range(nt):
            x = touched[x_]
            u[x] = 0.0
            mark[x] = False


@njit(cache=True)
def meat_kinds(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, threaded):
    """:func:`meat_units` for units whose cells all share one pair and one linear-predictor
    row (the kinds of comparison of the sandwich: one cell, or the two halves of a halved
    tie, which differ only in the category).  Their score is ``U = g (e_i - e_j, x, 0) +
    (0, 0, g_theta)`` with ``g = sum_e coef_e g_z`` and ``g_theta`` likewise, so the outer
    products are added without a sparse vector per unit (a fifth of the time on 10**6
    rows).  Returns ``(meat, ok)``; ``ok`` is False (and the meat undefined) when some unit
    has cells of different pairs or rows: use :func:`meat_units` for those."""
    q = n_lin + gcell.shape[1] - 1
    n_units = ptr.shape[0] - 1
    nk = 1
    if threaded is not None:
        nk = max(1, min(n_units // CHUNK_UNITS, _CHUNK_DOUBLES // ((n + q) * (n + q)), 64))
    if nk < 2:
        out = np.zeros((n + q, n + q))
        ok = _kinds_range(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, 0, n_units,
                          out)
    else:
        part = np.zeros((nk, n + q, n + q))
        flags = np.zeros(nk, np.bool_)
        _kinds_chunks(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, nk, part, flags)
        out = part[0].copy()
        for k in range(1, nk):
            out += part[k]
        ok = bool(flags.all())
    # the score block was summed with the items as rows only: mirror it
    for a in range(n):
        for b in range(n, n + q):
            out[b, a] = out[a, b]
    return out, ok


@njit(cache=True, parallel=True)
def _kinds_chunks(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, nk, part, flags):
    n_units = ptr.shape[0] - 1
    for k in prange(nk):
        flags[k] = _kinds_range(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass,
                                (k * n_units) // nk, ((k + 1) * n_units) // nk, part[k])


@njit(cache=True)
def _kinds_range(n, n_lin, ci, cj, cx, gcell, ptr, cell, coef, mass, t0, t1, out):
    """Add the outer products of the units ``t0 <= u < t1`` (see :func:`meat_kinds`) to
    ``out`` (the item rows of the cross block only); False if a unit's cells differ in
    pair or row."""
    p = gcell.shape[1] - 1
    q = n_lin + p
    v = np.empty(q)
    qq = np.zeros((q, q))
    for t in range(t0, t1):
        wt = mass[t]
        if wt == 0.0:
            continue
        e0 = ptr[t]
        c0 = cell[e0]
        i = ci[c0]
        j = cj[c0]
        gz = 0.0
        for a in range(p):
            v[n_lin + a] = 0.0
        for e in range(e0, ptr[t + 1]):
            c = cell[e]
            if c != c0:
                if ci[c] != i or cj[c] != j:
                    return False
                for l in range(n_lin):
                    if cx[c, l] != cx[c0, l]:
                        return False
            f = coef[e]
            gz += f * gcell[c, 0]
            for a in range(p):
                v[n_lin + a] += f * gcell[c, 1 + a]
        for l in range(n_lin):
            v[l] = gz * cx[c0, l]
        wg = wt * gz
        h = wg * gz
        out[i, i] += h
        out[j, j] += h
        out[i, j] -= h
        out[j, i] -= h
        for b in range(q):
            u = wg * v[b]
            out[i, n + b] += u
            out[j, n + b] -= u
        for a in range(q):
            wa = wt * v[a]
            for b in range(a, q):
                qq[a, b] += wa * v[b]
    for a in range(q):
        for b in range(a, q):
            out[n + a, n + b] += qq[a, b]
            if b != a:
                out[n + b, n + a] += qq[a, b]
    return True


@njit(cache=True)
def halved_row_units(tie, cw):
    """Units of the sandwich of one-cell-per-row data with halved ties: row ``r`` of
    ``tie.shape[0]`` rows is cell ``r``, and the ``t``-th tie among them has its other half
    in cell ``len(tie) + t``.  Returns the CSR ``(ptr, cell, coef)`` (a row: one entry, or
    two with coefficients 1/2) and the masses (the row's weight, the halves' sum)."""
    m0 = tie.shape[0]
    n_entries = m0
    for r in range(m0):
        if tie[r]:
            n_entries += 1
    ptr = np.empty(m0 + 1, np.int64)
    cell = np.empty(n_entries, np.int64)
    coef = np.empty(n_entries)
    mass = np.empty(m0)
    e = 0
    half = m0
    ptr[0] = 0
    for r in range(m0):
        cell[e] = r
        if tie[r]:
            coef[e] = 0.5
            cell[e + 1] = half
            coef[e + 1] = 0.5
            mass[r] = cw[r] + cw[half]
            half += 1
            e += 2
        else:
            coef[e] = 1.0
            mass[r] = cw[r]
            e += 1
        ptr[r + 1] = e
    return ptr, cell, coef, mass


@njit(cache=True)
def row_units(row, weight, n_rows):
    """Units of the sandwich when every cell holds one entry (rows with continuous
    covariates): entry ``e`` of row ``row[e]`` with weight ``weight[e]`` is cell ``e``, and
    a row has one entry (coefficient 1) or two (a tie halved, coefficients 1/2).  Returns the
    CSR ``(ptr, cell, coef)`` and the masses (the row's total weight), rows in order."""
    first = np.full(n_rows, -1, np.int64)
    second = np.full(n_rows, -1, np.int64)
    for e in range(row.shape[0]):
        r = row[e]
        if first[r] < 0:
            first[r] = e
        else:
            second[r] = e
    n_units = 0
    n_entries = 0
    for r in range(n_rows):
        if first[r] >= 0:
            n_units += 1
            n_entries += 1 if second[r] < 0 else 2
    ptr = np.empty(n_units + 1, np.int64)
    cell = np.empty(n_entries, np.int64)
    coef = np.empty(n_entries)
    mass = np.empty(n_units)
    u = 0
    e = 0
    ptr[0] = 0
    for r in range(n_rows):
        c1 = first[r]
        if c1 < 0:
            continue
        c2 = second[r]
        cell[e] = c1
        if c2 < 0:
            coef[e] = 1.0
            mass[u] = weight[c1]
            e += 1
        else:
            coef[e] = 0.5
            cell[e + 1] = c2
            coef[e + 1] = 0.5
            mass[u] = weight[c1] + weight[c2]
            e += 2
        u += 1
        ptr[u] = e
    return ptr, cell, coef, mass
