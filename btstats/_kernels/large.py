"""Standard errors without an n x n matrix: the pieces of the information per pair, a block
conjugate-gradient solver on the pair list, and an envelope (profile) LDL' factorisation with
its selected inverse.

Numba only; plain arrays in and out.  The information in the scores is the weighted graph
Laplacian ``L`` of the pairs (weight ``w[e]`` on pair ``(pi[e], pj[e])``), plus
``diag(shift)`` (the penalty).  Blocks of right-hand sides are ``(n, k)`` C-ordered arrays,
one column per vector, so that one pass over the pairs serves all ``k`` of them.

The envelope storage of a symmetric ``m x m`` matrix keeps, for each row ``r``, the entries
of the columns ``g[r] .. r`` contiguously from ``ptr[r]`` (entry ``(r, c)`` at
``ptr[r] + c - g[r]``), with ``g`` non-decreasing (a monotone profile), so that column ``j``
is the contiguous run of rows ``j .. last[j]``.  The LDL' factors overwrite it (``L`` below the
diagonal, ``D`` on it): no fill outside the envelope (George and Liu 1981, ch. 4), and the
selected inverse (Takahashi, Fagan and Chen 1973) on the same envelope overwrites the
factors in turn.
"""
import math

import numpy as np
from numba import njit

from .likelihood import pair_information as _pair_information


@njit(cache=True)
def pair_information(link, s, eta, pi, pj, wab, wba, tie, expected, with_eta):
    """Per pair: ``-d2l/dd2``, ``-d2l/(dd deta)`` and ``-d2l/deta2`` of its counts (observed),
    or their expectations for the pair's total count (``expected=True``), as
    :func:`.likelihood.information` sums them into the dense matrix (both through
    :func:`.likelihood.pair_information`)."""
    m = pi.shape[0]
    hdd = np.empty(m)
    hde = np.empty(m)
    hee = np.empty(m)
    out = np.empty(6)
    lp = np.empty(3)
    for k in range(m):
        hdd[k], hde[k], hee[k] = _pair_information(link, s[pi[k]] - s[pj[k]], eta, wab[k],
                                                   wba[k], tie[k], expected, with_eta, out,
                                                   lp)
    return hdd, hde, hee


@njit(cache=True)
def laplacian_block(n, pi, pj, w, shift, c, x, y):
    """``y = (L + diag(shift) + c 11'/n) x`` for a block ``x`` of shape ``(n, k)``."""
    k = x.shape[1]
    mean = np.zeros(k)
    for i in range(n):
        for q in range(k):
            mean[q] += x[i, q]
    for q in range(k):
        mean[q] *= c / n
    for i in range(n):
        for q in range(k):
            y[i, q] = shift[i] * x[i, q] + mean[q]
    for e in range(pi.shape[0]):
        i = pi[e]
        j = pj[e]
        we = w[e]
        for q in range(k):
            t = we * (x[i, q] - x[j, q])
            y[i, q] += t
            y[j, q] -= t


@njit(cache=True)
def block_pcg(n, pi, pj, w, shift, c, diag, b, x, rtol, max_iter):
    """Jacobi-preconditioned conjugate gradients, one independent CG per column of ``b``,
    for ``(L + diag(shift) + c 11'/n) x = b``.

    Column ``q`` stops when ``||r_q|| <= rtol ||b_q||`` (its iterate is then frozen: its step
    length is set to 0 while the others go on).  Returns the iterations each column took
    (``max_iter`` for a column that did not reach ``rtol``) and writes the solutions into
    ``x``.
    """
    k = b.shape[1]
    x[:, :] = 0.0
    r = b.copy()
    z = np.empty((n, k))
    for i in range(n):
        inv = 1.0 / diag[i]
        for q in range(k):
            z[i, q] = r[i, q] * inv
    p = z.copy()
    ap = np.empty((n, k))
    rz = np.zeros(k)
    bb = np.zeros(k)
    for i in range(n):
        for q in range(k):
            rz[q] += r[i, q] * z[i, q]
            bb[q] += b[i, q] * b[i, q]
    active = np.ones(k, np.bool_)
    iters = np.full(k, max_iter, np.int64)
    n_active = k
    for q in range(k):
        if bb[q] == 0.0:
            active[q] = False
            iters[q] = 0
            n_active -= 1
    alpha = np.zeros(k)
    beta = np.zeros(k)
    pap = np.zeros(k)
    rr = np.zeros(k)
    rz_new = np.zeros(k)
    for it in range(max_iter):
        if n_active == 0:
            break
        laplacian_block(n, pi, pj, w, shift, c, p, ap)
        pap[:] = 0.0
        for i in range(n):
            for q in range(k):
                pap[q] += p[i, q] * ap[i, q]
        for q in range(k):
            if active[q] and not pap[q] > 0.0:
                # breakdown (the residual is at the rounding level): stop this column
                active[q] = False
                iters[q] = it
                n_active -= 1
            alpha[q] = rz[q] / pap[q] if active[q] else 0.0
        rr[:] = 0.0
        rz_new[:] = 0.0
        for i in range(n):
            inv = 1.0 / diag[i]
            for q in range(k):
                x[i, q] += alpha[q] * p[i, q]
                ri = r[i, q] - alpha[q] * ap[i, q]
                r[i, q] = ri
                zi = ri * inv
                z[i, q] = zi
                rr[q] += ri * ri
                rz_new[q] += ri * zi
        for q in range(k):
            if active[q] and rr[q] <= rtol * rtol * bb[q]:
                active[q] = False
                iters[q] = it + 1
                n_active -= 1
            beta[q] = rz_new[q] / rz[q] if active[q] else 0.0
            if active[q]:
                rz[q] = rz_new[q]
        for i in range(n):
            for q in range(k):
                p[i, q] = z[i, q] + beta[q] * p[i, q]
    return iters


# ---------------------------------------------------------------------------- envelope
@njit(cache=True)
def envelope_profile(m, indptr, indices):
    """The monotone profile of a symmetric pattern given by the CSR of its lower triangle
    (diagonal included): ``g[r]`` = the first column stored in row ``r`` (the smallest column
    of row ``r`` or of any later row), ``ptr`` the row offsets (length ``m + 1``).  Returns
    ``(g, ptr)``; ``ptr[m]`` is the envelope's size (diagonal included)."""
    f = np.empty(m, np.int64)
    for r in range(m):
        lo = r
        for e in range(indptr[r], indptr[r + 1]):
            if indices[e] < lo:
                lo = indices[e]
        f[r] = lo
    g = np.empty(m, np.int64)
    run = m
    for r in range(m - 1, -1, -1):
        if f[r] < run:
            run = f[r]
        g[r] = run
    ptr = np.empty(m + 1, np.int64)
    ptr[0] = 0
    for r in range(m):
        ptr[r + 1] = ptr[r] + r - g[r] + 1
    return g, ptr


@njit(cache=True)
def envelope_fill(m, indptr, indices, data, g, ptr):
    """The envelope array of the matrix whose lower triangle is the CSR ``(indptr, indices,
    data)`` (duplicates added)."""
    val = np.zeros(ptr[m])
    for r in range(m):
        base = ptr[r] - g[r]
        for e in range(indptr[r], indptr[r + 1]):
            val[base + indices[e]] += data[e]
    return val


@njit(cache=True)
def envelope_ldl(m, g, ptr, val):
    """LDL' of the envelope matrix in place (``L`` unit lower below the diagonal, ``D`` on
    it), by rows (the bordering method).  Returns the first row whose pivot is not positive
    (the matrix is not positive definite in double precision), or ``-1``."""
    for r in range(m):
        gr = g[r]
        br = ptr[r] - gr
        # t_c = L_rc D_c = A_rc - sum_{k < c} t_k L_ck, stored in place, then divided
        for c in range(gr, r):
            gc = g[c]
            bc = ptr[c] - gc
            lo = gr if gr > gc else gc
            acc = val[br + c]
            for k in range(lo, c):
                acc -= val[br + k] * val[bc + k]
            val[br + c] = acc
        dr = val[br + r]
        for c in range(gr, r):
            t = val[br + c]
            lrc = t / val[ptr[c] + c - g[c]]
            dr -= t * lrc
            val[br + c] = lrc
        if not dr > 0.0 or not math.isfinite(dr):
            return r
        val[br + r] = dr
    return -1


@njit(cache=True)
def envelope_solve(m, g, ptr, val, b):
    """Solve ``L D L' x = b`` in place for a block ``b`` of shape ``(m, k)``."""
    k = b.shape[1]
    for r in range(m):
        br = ptr[r] - g[r]
        for c in range(g[r], r):
            lrc = val[br + c]
            if lrc != 0.0:
                for q in range(k):
                    b[r, q] -= lrc * b[c, q]
    for r in range(m):
        d = val[ptr[r] + r - g[r]]
        for q in range(k):
            b[r, q] /= d
    for r in range(m - 1, -1, -1):
        br = ptr[r] - g[r]
        for c in range(g[r], r):
            lrc = val[br + c]
            if lrc != 0.0:
                for q in range(k):
                    b[c, q] -= lrc * b[r, q]


@njit(cache=True)
def envelope_selected_inverse(m, g, ptr, val):
    """Overwrite the LDL' factors with the entries of the inverse on the envelope
    (Takahashi's recurrences) and return its diagonal.

    Columns from the last to the first: with ``l`` column ``i`` of ``L`` below the
    diagonal (rows ``i+1 .. last[i]``) and ``Z_B`` the block of the inverse over those rows
    (already computed: all its entries lie in the envelope), ``y = Z_B l`` gives the column
    ``Z[i+1 .., i] = -y`` and ``Z_ii = 1/d_i + l'y`` (Takahashi's ``Z = D^-1 L^-1 +
    (I - L') Z``).  Work: the sum of the squared column heights.
    """
    last = np.empty(m, np.int64)
    r = m - 1
    for j in range(m - 1, -1, -1):
        while g[r] > j:
            r -= 1
        last[j] = r
    out = np.empty(m)
    lcol = np.empty(m)
    y = np.empty(m)
    for i in range(m - 1, -1, -1):
        hi = last[i]
        nb = hi - i
        di = val[ptr[i] + i - g[i]]
        for t in range(nb):
            kk = i + 1 + t
            lcol[t] = val[ptr[kk] - g[kk] + i]
            y[t] = 0.0
        for t in range(nb):
            kk = i + 1 + t
            bk = ptr[kk] - g[kk] + i + 1
            lk = lcol[t]
            acc = 0.0
            for u in range(t):
                zv = val[bk + u]
                acc += zv * lcol[u]
                y[u] += zv * lk
            acc += val[bk + t] * lk
            y[t] += acc
        s = 0.0
        for t in range(nb):
            kk = i + 1 + t
            val[ptr[kk] - g[kk] + i] = -y[t]
            s += lcol[t] * y[t]
        zii = 1.0 / di + s
        val[ptr[i] + i - g[i]] = zii
        out[i] = zii
    return out
