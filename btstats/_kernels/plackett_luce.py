r"""Plackett-Luce log-likelihood, derivatives and the MM pass, on rankings in CSR layout.

Numba only: float64 / int64 arrays in and out.  A ranking ``r`` is
``item[offsets[r]:offsets[r+1]]`` (best first), ``level`` its tie groups (0 = best), ``w[r]``
its weight; ``s`` are log-worths.

Without ties (:func:`free_pass`, :func:`free_hessian`) a ranking of ``m`` items has the
stages ``j = 0 .. m - 2`` (``0 .. k - 1`` for a top-k ranking whose last ``m - k`` entries
are unranked: they stay in every choice set): the item at position ``j`` is chosen from the items at positions
``>= j`` with probability ``exp(s_j - L_j)``, ``L_j = log sum_{k >= j} exp(s_k)`` (kept as a
running log-sum-exp from the end, so no worth over- or underflows).

With ties (:func:`tie_derivatives`, Turner et al. 2020) the stage of tie group ``G`` chosen
from the remaining set ``A`` has probability ``f(G) / Z(A)``,
``f(S) = delta_|S| exp(mean_{i in S} s_i)``, ``Z(A) = sum_{d <= D} delta_d e_d(x^(d))`` with
``e_d`` the elementary symmetric polynomial of degree ``d`` of ``x^(d)_i = exp(s_i / d)`` over
``A``.  Scaled by ``exp(-max_A s)`` (a common factor of every term), the ``e_d`` and the sums
over subsets containing one item (``x_t e_{d-1}(x without t)``) or two items are built from
prefix and suffix tables of elementary symmetric polynomials: sums of positive terms only,
with no cancellation.  ``O(|A| D^2)`` per stage for the gradient, ``O(|A|^2 D^2)`` with the
Hessian.
"""
import math

import numpy as np
from numba import njit

from .graph import strongly_connected


# ---------------------------------------------------------------------------- without ties
@njit(cache=True)
def _suffix_lse(s, item, e0, e1, lse):
    """``lse[k - e0] = log sum_{p >= k} exp(s[item[p]])`` for ``k`` in ``e0 .. e1 - 1``."""
    acc = -np.inf
    for k in range(e1 - 1, e0 - 1, -1):
        v = s[item[k]]
        if acc == -np.inf:
            acc = v
        elif v > acc:
            acc = v + math.log1p(math.exp(acc - v))
        else:
            acc = acc + math.log1p(math.exp(v - acc))
        lse[k - e0] = acc


#: Worths ``exp(s - max s)`` are used directly while the scores span at most this much
#: (then no worth, sum of worths or squared inverse sum over- or underflows); beyond, the
#: kernels work with running log-sum-exps.
EXP_SAFE = 300.0


@njit(cache=True)
def _worths(s, alpha):
    """``alpha = exp(s - max s)``; returns whether the scores span at most ``EXP_SAFE``."""
    smax = -np.inf
    smin = np.inf
    for i in range(s.shape[0]):
        smax = max(smax, s[i])
        smin = min(smin, s[i])
    if not (smax - smin <= EXP_SAFE):
        return False, smax
    for i in range(s.shape[0]):
        alpha[i] = math.exp(s[i] - smax)
    return True, smax


@njit(cache=True)
def free_pass(n, item, offsets, unranked, w, s, grad, expected, hdiag, with_loglik):
    """One pass of the tie-free model: returns the log-likelihood (0 unless
    ``with_loglik``) and fills ``grad`` (its gradient), ``expected`` (``Q_i = sum_stages w
    p_i``, the expected number of times ``i`` is chosen) and ``hdiag`` (the diagonal of the
    information).

    MM (Hunter 2004) is ``s_i <- s_i + log W_i - log Q_i`` with ``W_i = grad_i + Q_i`` the
    weight of the stages that chose ``i``.  With worths ``a`` and ``S_j`` the sum of the worths
    at positions ``>= j``, ``p_ij = a_i / S_j``, so ``Q_i`` gathers ``a_i sum_{j <= t_i} 1 /
    S_j`` and the diagonal ``a_i sum 1 / S_j - a_i^2 sum 1 / S_j^2``: one division per entry.
    """
    grad[:] = 0.0
    expected[:] = 0.0
    hdiag[:] = 0.0
    n_rank = offsets.shape[0] - 1
    kmax = 1
    for r in range(n_rank):
        kmax = max(kmax, offsets[r + 1] - offsets[r])
    lse = np.empty(kmax)
    alpha = np.empty(n)
    safe, smax = _worths(s, alpha)
    ll = 0.0
    for r in range(n_rank):
        e0 = offsets[r]
        e1 = offsets[r + 1]
        wr = w[r]
        if wr == 0.0:
            continue
        m = e1 - e0
        n_stages = m - max(unranked[r], 1)
        if safe:
            acc = 0.0
            for k in range(e1 - 1, e0 - 1, -1):
                acc += alpha[item[k]]
                lse[k - e0] = acc          # the suffix sums S_j
            c1 = 0.0
            c2 = 0.0
            for t in range(m):
                i = item[e0 + t]
                if t < n_stages:
                    inv = 1.0 / lse[t]
                    c1 += inv
                    c2 += inv * inv
                    grad[i] += wr
                    if with_loglik:
                        ll += wr * (s[i] - smax - math.log(lse[t]))
                a = alpha[i]
                p1 = a * c1
                expected[i] += wr * p1
                grad[i] -= wr * p1
                hdiag[i] += wr * (p1 - a * a * c2)
            continue
        _suffix_lse(s, item, e0, e1, lse)
        # c1 = sum_{j <= t} exp(ref - L_j), c2 = sum_{j <= t} exp(2 (ref - L_j)); ref = L_0
        ref = lse[0]
        c1 = 0.0
        c2 = 0.0
        for t in range(m):
            i = item[e0 + t]
            if t < n_stages:
                ll += wr * (s[i] - lse[t])
                grad[i] += wr
                q = math.exp(ref - lse[t])
                c1 += q
                c2 += q * q
            a = math.exp(s[i] - ref)
            p1 = a * c1
            p2 = a * a * c2
            expected[i] += wr * p1
            grad[i] -= wr * p1
            hdiag[i] += wr * (p1 - p2)
    return ll


@njit(cache=True)
def free_loglik(item, offsets, unranked, w, s):
    """The tie-free log-likelihood alone."""
    n_rank = offsets.shape[0] - 1
    kmax = 1
    for r in range(n_rank):
        kmax = max(kmax, offsets[r + 1] - offsets[r])
    lse = np.empty(kmax)
    alpha = np.empty(s.shape[0])
    safe, smax = _worths(s, alpha)
    ll = 0.0
    for r in range(n_rank):
        e0 = offsets[r]
        e1 = offsets[r + 1]
        if w[r] == 0.0:
            continue
        if safe:
            acc = 0.0
            for k in range(e1 - 1, e0 - 1, -1):
                acc += alpha[item[k]]
                lse[k - e0] = acc
            tot = 0.0
            for t in range(e1 - e0 - max(unranked[r], 1)):
                tot += s[item[e0 + t]] - smax - math.log(lse[t])
            ll += w[r] * tot
            continue
        _suffix_lse(s, item, e0, e1, lse)
        tot = 0.0
        for t in range(e1 - e0 - max(unranked[r], 1)):
            tot += s[item[e0 + t]] - lse[t]
        ll += w[r] * tot
    return ll


@njit(cache=True)
def free_hessian(n, item, offsets, unranked, w, s, info):
    """Adds the information (minus the Hessian of the log-likelihood) of the tie-free model
    to ``info`` (n x n).

    Stage ``j`` adds ``diag(p_j) - p_j p_j'`` over the items at positions ``>= j``; summed over
    a ranking's stages, entry ``(i, k)`` of the outer products is
    ``a_i a_k sum_{j <= min(t_i, t_k)} 1 / S_j^2`` (worths ``a``, suffix sums ``S_j``): one
    cumulative sum per ranking, ``O(m^2)`` per ranking instead of ``O(m^3)``.
    """
    n_rank = offsets.shape[0] - 1
    kmax = 1
    for r in range(n_rank):
        kmax = max(kmax, offsets[r + 1] - offsets[r])
    lse = np.empty(kmax)
    a = np.empty(kmax)
    c2 = np.empty(kmax)
    alpha = np.empty(n)
    off = np.zeros((n, n))
    safe, smax = _worths(s, alpha)
    for r in range(n_rank):
        e0 = offsets[r]
        e1 = offsets[r + 1]
        wr = w[r]
        if wr == 0.0:
            continue
        m = e1 - e0
        n_stages = m - max(unranked[r], 1)
        if safe:
            acc = 0.0
            for k in range(e1 - 1, e0 - 1, -1):
                acc += alpha[item[k]]
                lse[k - e0] = acc
            acc1 = 0.0
            acc2 = 0.0
            for t in range(m):
                if t < n_stages:
                    inv = 1.0 / lse[t]
                    acc1 += inv
                    acc2 += inv * inv
                i = item[e0 + t]
                a[t] = alpha[i]
                c2[t] = acc2
                info[i, i] += wr * a[t] * acc1
        else:
            _suffix_lse(s, item, e0, e1, lse)
            ref = lse[0]
            acc1 = 0.0
            acc2 = 0.0
            for t in range(m):
                if t < n_stages:
                    q = math.exp(ref - lse[t])
                    acc1 += q
                    acc2 += q * q
                i = item[e0 + t]
                a[t] = math.exp(s[i] - ref)
                c2[t] = acc2
                info[i, i] += wr * a[t] * acc1
        for t in range(m):
            i = item[e0 + t]
            at = wr * a[t] * c2[t]           # min(t, u) = t for u >= t
            info[i, i] -= at * a[t]
            for u in range(t + 1, m):
                # one triangle here (whichever (i, k) falls in), the other at the end
                off[i, item[e0 + u]] += at * a[u]
    for i in range(n):
        for k in range(i + 1, n):
            v = off[i, k] + off[k, i]
            info[i, k] -= v
            info[k, i] -= v


# ---------------------------------------------------------------------------- with ties
@njit(cache=True)
def _esp_tables(x, m, d, pre, suf):
    """Prefix ``pre[t, r] = e_r(x_0 .. x_{t-1})`` and suffix ``suf[t, r] = e_r(x_t ..
    x_{m-1})`` for ``r <= d``."""
    for r in range(d + 1):
        pre[0, r] = 0.0
        suf[m, r] = 0.0
    pre[0, 0] = 1.0
    suf[m, 0] = 1.0
    for t in range(m):
        pre[t + 1, 0] = 1.0
        for r in range(1, d + 1):
            pre[t + 1, r] = pre[t, r] + x[t] * pre[t, r - 1]
    for t in range(m - 1, -1, -1):
        suf[t, 0] = 1.0
        for r in range(1, d + 1):
            suf[t, r] = suf[t + 1, r] + x[t] * suf[t + 1, r - 1]


@njit(cache=True)
def _stage(s, idx, m, D, delta, order, x, pre, suf, mid, gz, hz, gdz, hsd):
    """``log Z(A)`` of the remaining set ``A = idx[:m]`` and, for ``order >= 1``, its gradient
    in the scores (``gz[:m]``) and in ``log delta_d`` (``gdz[d]``), for ``order >= 2`` its
    Hessian in the scores (``hz[:m, :m]``) and the cross terms ``hsd[t, d]`` (the Hessian in
    ``log delta`` is ``diag(gdz) - gdz gdz'``, formed by the caller)."""
    smax = -np.inf
    for t in range(m):
        smax = max(smax, s[idx[t]])
    z = 0.0
    if order >= 1:
        for t in range(m):
            gz[t] = 0.0
        for d in range(D + 1):
            gdz[d] = 0.0
    if order >= 2:
        for t in range(m):
            for u in range(m):
                hz[t, u] = 0.0
            for d in range(D + 1):
                hsd[t, d] = 0.0
    top = min(D, m)
    for d in range(1, top + 1):
        dl = delta[d]
        if dl <= 0.0:
            continue
        for t in range(m):
            x[t] = math.exp((s[idx[t]] - smax) / d)
        _esp_tables(x, m, d, pre, suf)
        ed = dl * pre[m, d]
        z += ed
        if order >= 1:
            gdz[d] = ed
            for t in range(m):
                acc = 0.0
                for a in range(d):
                    acc += pre[t, a] * suf[t + 1, d - 1 - a]
                g = dl * x[t] * acc            # delta_d * sum over subsets containing t
                gz[t] += g / d
                if order >= 2:
                    hz[t, t] += g / (d * d)
                    hsd[t, d] = g / d
            if order >= 2 and d >= 2:
                c = dl / (d * d)
                for t in range(m):
                    for r in range(d - 1):
                        mid[r] = 0.0
                    mid[0] = 1.0
                    for u in range(t + 1, m):
                        # e_{d-2} of x without t and u: prefix of t, middle, suffix of u
                        acc = 0.0
                        for a in range(d - 1):
                            for b in range(d - 1 - a):
                                acc += pre[t, a] * mid[b] * suf[u + 1, d - 2 - a - b]
                        v = c * x[t] * x[u] * acc
                        hz[t, u] += v
                        hz[u, t] += v
                        for r in range(d - 2, 0, -1):
                            mid[r] += x[u] * mid[r - 1]
    logz = smax + math.log(z)
    if order >= 1:
        for t in range(m):
            gz[t] /= z
        for d in range(D + 1):
            gdz[d] /= z
    if order >= 2:
        for t in range(m):
            for u in range(m):
                hz[t, u] = hz[t, u] / z - gz[t] * gz[u]
            for d in range(D + 1):
                hsd[t, d] = hsd[t, d] / z - gz[t] * gdz[d]
    return logz


@njit(cache=True)
def tie_derivatives(n, D, item, level, offsets, unranked, w, s, log_delta, order, grad,
                    info):
    """Log-likelihood of the model with ties of up to ``D`` items; for ``order >= 1`` its
    gradient in ``(s, log delta_2 .. log delta_D)`` into ``grad`` (``n + D - 1``), for
    ``order >= 2`` the information (minus the Hessian) into ``info`` (square, same size).

    ``log_delta[d]`` for ``d = 0 .. D`` (entries 0 and 1 unused: ``delta_1 = 1``); an entry of
    ``-inf`` is a tie order held at ``delta_d = 0`` (its gradient entry is then meaningless).
    A stage whose remaining set is a single item has probability 1 and is skipped; the last
    ``unranked[r]`` entries of ranking ``r`` (top-k) are in every choice set and never
    chosen.
    """
    n_rank = offsets.shape[0] - 1
    kmax = 1
    for r in range(n_rank):
        kmax = max(kmax, offsets[r + 1] - offsets[r])
    delta = np.zeros(D + 1)
    delta[1] = 1.0
    for d in range(2, D + 1):
        delta[d] = math.exp(log_delta[d])
    x = np.empty(kmax)
    pre = np.empty((kmax + 1, D + 1))
    suf = np.empty((kmax + 2, D + 1))
    mid = np.empty(D + 1)
    gz = np.empty(kmax)
    hz = np.empty((kmax, kmax)) if order >= 2 else np.empty((1, 1))
    gdz = np.empty(D + 1)
    hsd = np.empty((kmax, D + 1)) if order >= 2 else np.empty((1, D + 1))
    idx = np.empty(kmax, np.int64)
    if order >= 1:
        grad[:] = 0.0
    if order >= 2:
        info[:, :] = 0.0
    ll = 0.0
    for r in range(n_rank):
        wr = w[r]
        if wr == 0.0:
            continue
        e0 = offsets[r]
        e1 = offsets[r + 1]
        ranked_end = e1 - unranked[r]
        g0 = e0
        while g0 < ranked_end:
            g1 = g0 + 1
            while g1 < e1 and level[g1] == level[g0]:
                g1 += 1
            m = e1 - g0
            size = g1 - g0
            if m == 1:
                break
            for t in range(m):
                idx[t] = item[g0 + t]
            logz = _stage(s, idx, m, D, delta, order, x, pre, suf, mid, gz, hz, gdz, hsd)
            mean = 0.0
            for t in range(size):
                mean += s[idx[t]]
            ll += wr * (log_delta[size] if size >= 2 else 0.0) + wr * (mean / size - logz)
            if order >= 1:
                for t in range(size):
                    grad[idx[t]] += wr / size
                if size >= 2:
                    grad[n + size - 2] += wr
                for t in range(m):
                    grad[idx[t]] -= wr * gz[t]
                for d in range(2, D + 1):
                    grad[n + d - 2] -= wr * gdz[d]
            if order >= 2:
                for t in range(m):
                    i = idx[t]
                    for u in range(m):
                        info[i, idx[u]] += wr * hz[t, u]
                    for d in range(2, D + 1):
                        info[i, n + d - 2] += wr * hsd[t, d]
                        info[n + d - 2, i] += wr * hsd[t, d]
                for d in range(2, D + 1):
                    for e in range(2, D + 1):
                        v = -gdz[d] * gdz[e]
                        if d == e:
                            v += gdz[d]
                        info[n + d - 2, n + e - 2] += wr * v
            g0 = g1
    return ll


# ---------------------------------------------------------------------------- existence
@njit(cache=True)
def ranking_edges(item, level, offsets, unranked, w):
    """Edges ``(src, dst)`` of the graph ``i -> j`` when ``i`` is ranked above ``j``: between
    consecutive ranked entries of a ranking (the same reachability as every pair; tied items
    both ways) and from its last ranked entry to each unranked one; rankings of weight 0
    left out."""
    m = item.shape[0]
    src = np.empty(2 * m, np.int64)
    dst = np.empty(2 * m, np.int64)
    k = 0
    for r in range(offsets.shape[0] - 1):
        if w[r] <= 0.0:
            continue
        e0 = offsets[r]
        end = offsets[r + 1] - unranked[r]
        for p in range(e0, end - 1):
            src[k] = item[p]
            dst[k] = item[p + 1]
            k += 1
            if level[p] == level[p + 1]:
                src[k] = item[p + 1]
                dst[k] = item[p]
                k += 1
        for p in range(end, offsets[r + 1]):
            src[k] = item[end - 1]
            dst[k] = item[p]
            k += 1
    return src[:k], dst[:k]


@njit(cache=True)
def win_graph_connected(n, item, level, offsets, unranked, w):
    """Whether the graph of :func:`ranking_edges` is strongly connected: every item reached
    from item 0 along the edges and against them."""
    if n <= 1:
        return True
    src, dst = ranking_edges(item, level, offsets, unranked, w)
    # the edges as a pair list of one win each: the win-graph check of the pairwise fits
    k = src.shape[0]
    ones = np.ones(k)
    zeros = np.zeros(k)
    return strongly_connected(n, src, dst, ones, zeros, zeros, np.bool_(False))


# ---------------------------------------------------------------------------- simulation
@njit(cache=True)
def sample_orderings(s, pool, offsets, u, out):
    """Plackett-Luce orderings of the item sets ``pool[offsets[r]:offsets[r+1]]`` into
    ``out`` (same layout), drawn with the uniforms ``u`` (one per entry) by sequential choice:
    at each stage the next item is chosen from the remaining ones with probability
    proportional to ``exp(s)`` (the log-sum-exp of the remaining worths kept from the max)."""
    n_rank = offsets.shape[0] - 1
    kmax = 1
    for r in range(n_rank):
        kmax = max(kmax, offsets[r + 1] - offsets[r])
    rem = np.empty(kmax, np.int64)
    wt = np.empty(kmax)
    for r in range(n_rank):
        e0 = offsets[r]
        m = offsets[r + 1] - e0
        smax = -np.inf
        for t in range(m):
            rem[t] = pool[e0 + t]
            smax = max(smax, s[rem[t]])
        for t in range(m):
            wt[t] = math.exp(s[rem[t]] - smax)
        left = m
        for j in range(m):
            total = 0.0
            for t in range(left):
                total += wt[t]
            target = u[e0 + j] * total
            pick = left - 1
            acc = 0.0
            for t in range(left):
                acc += wt[t]
                if target < acc:
                    pick = t
                    break
            out[e0 + j] = rem[pick]
            rem[pick] = rem[left - 1]
            wt[pick] = wt[left - 1]
            left -= 1
