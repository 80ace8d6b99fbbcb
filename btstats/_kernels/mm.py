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
from numba import njit, prange

from .likelihood import convergence_measure, derivatives, step_norm
from .linalg import cholesky, cholesky_solve
from .links import LOGISTIC


@njit(cache=True)
def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


#: Strengths ``exp(s)`` are used directly while ``max |s|`` stays below this.
_EXP_SAFE = 300.0


@njit(cache=True)
def _newman_pass(s, strength, use_strength, pi, pj, wab, wba, acc):
    """Newman's sums over all pairs, into ``acc`` (n x 4, column 3 unused padding):
    ``acc[i, 0] = num_i = sum_k w_ik F(s_k - s_i)``, ``acc[i, 1] = den_i = sum_k w_ki F(s_i - s_k)``
    (their difference is the gradient) and ``acc[i, 2]`` the diagonal of the information.

    The three sums of an item sit in one cache line, so the scattered updates of the second
    item touch one line instead of three (a quarter to a third faster on 10,000 items).  Pairs
    come sorted by their first item, so that item's sums are kept in registers while it
    repeats and written once.  The result does not depend on the order, only the speed does.
    """
    acc[:] = 0.0
    m = pi.shape[0]
    if m == 0:
        return
    cur = pi[0]
    acc_num = 0.0
    acc_den = 0.0
    acc_hd = 0.0
    for k in range(m):
        i = pi[k]
        j = pj[k]
        if i != cur:
            acc[cur, 0] += acc_num
            acc[cur, 1] += acc_den
            acc[cur, 2] += acc_hd
            cur = i
            acc_num = 0.0
            acc_den = 0.0
            acc_hd = 0.0
        if use_strength:
            inv = 1.0 / (strength[i] + strength[j])
            p_ij = strength[i] * inv
            p_ji = strength[j] * inv
        else:
            p_ij = _sigmoid(s[i] - s[j])
            p_ji = _sigmoid(s[j] - s[i])
        a = wab[k]
        b = wba[k]
        h = (a + b) * p_ij * p_ji
        acc_num += a * p_ji
        acc_den += b * p_ij
        acc_hd += h
        acc[j, 0] += b * p_ij
        acc[j, 1] += a * p_ji
        acc[j, 2] += h
    acc[cur, 0] += acc_num
    acc[cur, 1] += acc_den
    acc[cur, 2] += acc_hd


#: Pairs per chunk of the threaded Newman pass; below two chunks the plain pass runs.
CHUNK_PAIRS = 1 << 18
#: The chunks' private sums hold at most this many doubles (many items: fewer chunks).
_CHUNK_DOUBLES = 1 << 22
#: At most this many chunks, each with at least this many pairs per item of its sums (the
#: chunks' sums are added in one pass over ``chunks x n``, which must stay small beside
#: the pass over the pairs).
_MAX_CHUNKS = 8
_PAIRS_PER_ITEM = 4


@njit(cache=True)
def n_chunks(m, n):
    """Number of chunks of the threaded Newman pass for ``m`` pairs and ``n`` items (1: the
    plain :func:`_newman_pass`).  It depends on the data only, never on the number of
    threads, so the result is the same on any machine."""
    k = m // CHUNK_PAIRS
    if k < 2:
        return 1
    k = min(k, _MAX_CHUNKS, _CHUNK_DOUBLES // (4 * n), m // (_PAIRS_PER_ITEM * n))
    return max(1, k)


def threads(m, n):
    """The ``threaded`` argument of :func:`mm_bradley_terry` for ``m`` pairs and ``n``
    items: ``True`` (fixed chunks on Numba's threads) when :func:`n_chunks` makes more than
    one chunk, else ``None`` (the plain pass; Numba prunes the branch of a ``None``
    argument, so a small fit compiles no parallel code).  Plain Python."""
    return True if n_chunks.py_func(m, n) > 1 else None


@njit(cache=True, parallel=True)
def _chunk_newman_passes(s, strength, use_strength, pi, pj, wab, wba, part):
    nk = part.shape[0]
    m = pi.shape[0]
    for k in prange(nk):
        lo = (k * m) // nk
        hi = ((k + 1) * m) // nk
        _newman_pass(s, strength, use_strength, pi[lo:hi], pj[lo:hi], wab[lo:hi], wba[lo:hi],
                     part[k])


@njit(cache=True)
def _pass(s, strength, use_strength, pi, pj, wab, wba, acc, part, threaded):
    """Newman's sums into ``acc``: the plain pass, or (``threaded`` not None and ``part``
    holding more than one chunk) fixed chunks of the pairs on Numba's threads, each into its
    slice of ``part``, then added in chunk order (the same on any number of threads; it
    differs from the plain pass only by the order of the additions)."""
    if threaded is None:
        _newman_pass(s, strength, use_strength, pi, pj, wab, wba, acc)
        return
    nk = part.shape[0]
    if nk < 2:
        _newman_pass(s, strength, use_strength, pi, pj, wab, wba, acc)
        return
    _chunk_newman_passes(s, strength, use_strength, pi, pj, wab, wba, part)
    n = s.shape[0]
    for i in range(n):
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        for k in range(nk):
            a0 += part[k, i, 0]
            a1 += part[k, i, 1]
            a2 += part[k, i, 2]
        acc[i, 0] = a0
        acc[i, 1] = a1
        acc[i, 2] = a2


@njit(cache=True, parallel=True)
def _exp_threaded(s, out):
    """``out = exp(s)`` on Numba's threads (elementwise: the same numbers as a loop)."""
    for i in prange(s.shape[0]):
        out[i] = math.exp(s[i])


@njit(cache=True, parallel=True)
def _newman_steps_threaded(s, acc, omega, out):
    """Newman's step ``out = s + omega log(num / den)`` on Numba's threads (elementwise)."""
    for i in prange(s.shape[0]):
        out[i] = s[i] + omega * math.log(acc[i, 0] / acc[i, 1])


#: Bits of the items per side of a tile of :func:`tiled_pairs` (16,384 items): a tile's
#: sums (32 bytes an item) and strengths of both sides, about 1.3 MB, stay in a core's 2 MB
#: L2 cache.
TILE_BITS = 14
#: Fixed chunks of the pairs of :func:`tiled_pairs` (the order does not depend on them).
_TILE_CHUNKS = 16


@njit(cache=True, parallel=True)
def tiled_pairs(pi, pj, wab, wba, n):
    """Copies of the pairs in tile order: tiles of ``2**TILE_BITS`` first items by
    ``2**TILE_BITS`` second items, in row-major order, the pairs of a tile in their order
    here (a stable counting sort by tile, over fixed chunks of the pairs on Numba's threads).

    Newman's pass scatters into the second item's sums.  In the order of the first item
    those are spread over all ``n`` items (3.2 MB at 10**5 items, beyond the L2 cache); in
    tile order they stay within one tile's items.  On 5 x 10**6 pairs of 10**5 items a
    threaded pass went 43 -> 24 ms (1.75x) on the 2-core machine, for a copy of 61 ms (most
    of it the first touch of the copy's 120 MB); the sums change only by the order of their
    additions.  Pairs sorted by first item stay sorted by it within a tile, so the first
    item's sums still accumulate in registers.
    """
    m = pi.shape[0]
    nb = ((n - 1) >> TILE_BITS) + 1
    nt = nb * nb
    nc = _TILE_CHUNKS
    count = np.zeros((nc, nt), np.int64)
    for c in prange(nc):
        for k in range(c * m // nc, (c + 1) * m // nc):
            count[c, (pi[k] >> TILE_BITS) * nb + (pj[k] >> TILE_BITS)] += 1
    offset = np.empty((nc, nt), np.int64)
    run = 0
    for t in range(nt):
        for c in range(nc):
            offset[c, t] = run
            run += count[c, t]
    ti = np.empty_like(pi)
    tj = np.empty_like(pj)
    ta = np.empty_like(wab)
    tb = np.empty_like(wba)
    for c in prange(nc):
        at = offset[c].copy()
        for k in range(c * m // nc, (c + 1) * m // nc):
            t = (pi[k] >> TILE_BITS) * nb + (pj[k] >> TILE_BITS)
            d = at[t]
            at[t] = d + 1
            ti[d] = pi[k]
            tj[d] = pj[k]
            ta[d] = wab[k]
            tb[d] = wba[k]
    return ti, tj, ta, tb


#: Depth of the Anderson acceleration of Newman's iteration.
_AA_DEPTH = 5


@njit(cache=True)
def _anderson_mix(g, rhs, dg, gram, n_hist, out):
    """Anderson (type II) extrapolation into ``out``: ``g - dG' gamma``, centred, with
    ``gamma`` minimising ``|f - dF' gamma|`` over the last ``n_hist`` differences
    (ridge-regularised normal equations, tiny; ``gram`` holds ``dF dF'`` and ``rhs`` the
    products ``dF f``, both kept up to date by the caller in its one loop over the items).
    Plain loops and :func:`.linalg.cholesky`: ``np.dot``, ``np.linalg.solve`` and array
    expressions cost seconds of compilation here.  A factorisation that fails (rounding)
    gives ``g``, the plain step."""
    n = g.shape[0]
    a = np.empty((n_hist, n_hist))
    trace = 0.0
    for p in range(n_hist):
        for q in range(n_hist):
            a[p, q] = gram[p, q]
        trace += a[p, p]
    ridge = 1e-12 * (trace + 1e-300)
    for p in range(n_hist):
        a[p, p] += ridge
    low = np.empty((n_hist, n_hist))
    if cholesky(a, low) != 0:
        for i in range(n):
            out[i] = g[i]
        return
    gamma = cholesky_solve(low, rhs)
    mean = 0.0
    for i in range(n):
        t = g[i]
        for p in range(n_hist):
            t -= gamma[p] * dg[p, i]
        out[i] = t
        mean += t
    mean /= n
    for i in range(n):
        out[i] -= mean


@njit(cache=True, nogil=True)
def mm_bradley_terry(s, pi, pj, wab, wba, tie, tol, max_iter, threaded):
    """Newman's iteration for Bradley-Terry with Anderson acceleration; ``s`` updated in place.

    The map ``G(s) = centre(s + log num(s) - log den(s))`` is Newman's update.  Each pass
    gives the gradient ``num - den`` at the current scores for free, so convergence is judged
    on the gradient every iteration (never on the change per iteration).  The last
    ``_AA_DEPTH`` steps extrapolate the next one (Anderson 1965; Walker and Ni 2011); an
    extrapolated point whose convergence measure is worse than its predecessor's is replaced
    by the plain Newman step and the history restarts, so the iteration is never worse than
    Newman's own.  The sums over the pairs are one pass (:func:`_newman_pass`), or with
    ``threaded=True`` (:func:`threads`: many pairs) fixed chunks of it on Numba's threads
    (:func:`_pass`; 40 -> 25 ms a pass on 5 x 10**6 pairs and 10**5 items, 2 cores).
    ``threaded=None`` compiles no parallel code; the bootstrap, whose replicates already run
    on threads, passes it.  Returns ``(status, n_iter, gnorm)``.
    """
    n = s.shape[0]
    acc = np.empty((n, 4))
    hd = np.empty(n)
    grad = np.empty(n)
    strength = np.empty(n)
    dg = np.zeros((_AA_DEPTH, n))
    df = np.zeros((_AA_DEPTH, n))
    gram = np.zeros((_AA_DEPTH, _AA_DEPTH))
    grow = np.zeros(_AA_DEPTH)
    rhs = np.zeros(_AA_DEPTH)
    g_prev = np.empty(n)
    f_prev = np.empty(n)
    plain = np.empty(n)
    f = np.empty(n)
    part = np.empty((n_chunks(pi.shape[0], n) if threaded is not None else 0, n, 4))
    if threaded is not None and n > (1 << TILE_BITS):
        # many pairs of many items: the passes read a tiled copy (see tiled_pairs)
        pi, pj, wab, wba = tiled_pairs(pi, pj, wab, wba, n)
    n_hist = 0
    head = 0
    have_prev = False
    accelerated = False
    gnorm = math.inf
    prev = math.inf
    for it in range(max_iter + 1):
        big = 0.0              # max |s| (NaN if any is: then no strengths)
        if threaded is None:
            for i in range(n):
                a = abs(s[i])
                if a > big or a != a:
                    big = a
                # (computed with the maximum, used only if it is below _EXP_SAFE)
                strength[i] = math.exp(s[i])
        else:
            for i in range(n):
                a = abs(s[i])
                if a > big or a != a:
                    big = a
            _exp_threaded(s, strength)
        use_strength = big < _EXP_SAFE
        _pass(s, strength, use_strength, pi, pj, wab, wba, acc, part, threaded)
        for i in range(n):
            grad[i] = acc[i, 0] - acc[i, 1]
            hd[i] = acc[i, 2]
        # (np.bool_: a literal False would compile step_norm a second time)
        gnorm = step_norm(grad, 0.0, hd, 1.0, np.bool_(False))
        if gnorm <= tol:
            return 0, it, gnorm
        if it == max_iter:
            return 1, it, gnorm
        if accelerated and not gnorm < prev:
            # the extrapolation did not help: take the plain step instead, restart history
            for i in range(n):
                s[i] = plain[i]
            n_hist = 0
            head = 0
            have_prev = False
            accelerated = False
            continue
        if not math.isfinite(gnorm):
            return 3, it, gnorm
        # Newman's step; without acceleration, simultaneous updates can overshoot (for two
        # items the full step exactly doubles the error), so halve it when the measure stalls
        omega = 1.0 if (n_hist > 0 or gnorm < 0.9 * prev) else 0.5
        mean = 0.0
        if threaded is None:
            for i in range(n):
                plain[i] = s[i] + omega * math.log(acc[i, 0] / acc[i, 1])
                mean += plain[i]
        else:
            _newman_steps_threaded(s, acc, omega, plain)
            for i in range(n):
                mean += plain[i]
        mean /= n
        # one loop over the items: the step f, the new history row (dG, dF), the new row of
        # dF dF' (the others are unchanged) and dF f, each sum in item order as a separate
        # dot product would take it
        n_new = min(n_hist + 1, _AA_DEPTH) if have_prev else n_hist
        for q in range(n_new):
            grow[q] = 0.0
            rhs[q] = 0.0
        for i in range(n):
            p_i = plain[i] - mean
            plain[i] = p_i
            f_i = p_i - s[i]
            f[i] = f_i
            if have_prev:
                dg[head, i] = p_i - g_prev[i]
                d_i = f_i - f_prev[i]
                df[head, i] = d_i
                for q in range(n_new):
                    grow[q] += d_i * df[q, i]
                    rhs[q] += df[q, i] * f_i
            g_prev[i] = p_i
            f_prev[i] = f_i
        if have_prev:
            n_hist = n_new
            for q in range(n_hist):
                gram[head, q] = gram[q, head] = grow[q]
            head = (head + 1) % _AA_DEPTH
        have_prev = True
        prev = gnorm
        if n_hist > 0:
            _anderson_mix(plain, rhs, dg, gram, n_hist, s)
            accelerated = True
        else:
            for i in range(n):
                s[i] = plain[i]
            accelerated = False
    return 1, max_iter, gnorm


@njit(cache=True)
def mm_rao_kupper(s, eta, pi, pj, wab, wba, tie, tol, max_iter):
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
    hpair = np.empty(pi.shape[0])
    cross = np.empty(n)
    hdiag = np.empty(n)
    t_total = 0.0
    for k in range(pi.shape[0]):
        w[pi[k]] += wab[k] + tie[k]
        w[pj[k]] += wba[k] + tie[k]
        t_total += tie[k]
    gnorm = math.inf
    for it in range(max_iter + 1):
        if it % 4 == 0 or it == max_iter:
            _, g_eta, h_ee = derivatives(LOGISTIC, s, eta, pi, pj, wab, wba, tie, grad, hpair,
                                         cross)
            gnorm = convergence_measure(pi, pj, hpair, 0.0, grad, g_eta, h_ee, True, hdiag)
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
