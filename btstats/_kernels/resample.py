"""Bootstrap replicates of the pair counts: the draws (the refits, by the fit's own kernels, and
the threads they run in are :mod:`btstats.inference.bootstrap`'s).

Numba only.  Counts live in *cells*: cell ``3 k + o`` of pair ``k`` holds the wins of ``pi[k]``
(``o = 0``), of ``pj[k]`` (``o = 1``) or the ties (``o = 2``).

Every replicate seeds Numba's generator with its own seed (drawn by the caller from the
user's ``numpy.random.Generator``), so a replicate's draw depends on its seed alone, never on
which thread runs it or how many threads there are.

Resampling kinds (``KIND_*``):

- cells: a multinomial draw of ``N`` comparisons over the cells with probabilities
  ``count / N``, as sequential binomials.  It is exactly the distribution of resampling the
  ``N`` comparison rows with replacement and aggregating them.
- units: ``G`` units (clusters, or rows with fractional weights), each a sparse vector of cell
  weights; ``G`` units are drawn with replacement (a uniform multinomial) and their cell
  weights summed with multiplicity.
- parametric: per pair, a multinomial draw of its total count over the three outcomes with
  the fitted model's probabilities.

Status codes per replicate: 0 converged, 1 not converged (iteration limit), 2 stopped at
round-off (fine), 3 non-finite, and +10 when the replicate had no finite MLE and was refitted
with the fallback penalty (``+20`` when it was left out instead, its row of the output is NaN).
"""
import math
import os

# Numba's OpenMP threads otherwise keep spinning after a parallel region and slow the BLAS
# calls that follow (a 100 x 100 eigh went from 8 ms to 138 ms on 2 cores); a user's own
# setting wins.  It must be set before the first parallel region starts OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

KIND_CELLS = 0
KIND_UNITS = 1
KIND_PARAMETRIC = 2

METHOD_NEWTON = 0
METHOD_MM = 1

TIES_KEEP = 0
TIES_DROP = 1
TIES_HALF = 2

DEGENERATE_PENALIZE = 0
DEGENERATE_DROP = 1


@njit(cache=True)
def _draw_cells_sequential(cells, mass, total, out):
    """``out ~ Multinomial(total, cells / mass)`` by sequential binomials (the fallback)."""
    remaining = total
    for c in range(cells.shape[0]):
        p = cells[c]
        if remaining <= 0 or p <= 0.0:
            out[c] = 0.0
        elif p >= mass:
            out[c] = remaining
            remaining = 0
        else:
            x = np.random.binomial(remaining, min(1.0, p / mass))
            out[c] = x
            remaining -= x
        mass -= p
    # rounding can leave the last positive cell short of the remainder
    if remaining > 0:
        for c in range(cells.shape[0] - 1, -1, -1):
            if cells[c] > 0.0:
                out[c] += remaining
                break


def poisson_mean_scale(total, mass):
    """``lam / mass`` of the Poissonised draw: ``lam = total - 3 sqrt(total)`` (see
    :func:`draw_cells`); 0 when ``total`` is too small for it (sequential binomials)."""
    lam = total - 3.0 * math.sqrt(total)
    return lam / mass if lam >= 16.0 and mass > 0.0 else 0.0


@njit(cache=True)
def alias_table(weights):
    """Walker's alias table of the distribution ``weights / sum(weights)`` (Vose's
    construction): ``(prob, alias)`` such that drawing ``i`` uniformly and keeping it with
    probability ``prob[i]``, else taking ``alias[i]``, samples the distribution in O(1)."""
    m = weights.shape[0]
    total = weights.sum()
    scaled = weights * (m / total)
    prob = np.ones(m)
    alias = np.arange(m)
    small = np.empty(m, np.int64)
    large = np.empty(m, np.int64)
    ns = 0
    nl = 0
    for i in range(m):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        lo = small[ns]
        nl -= 1
        hi = large[nl]
        prob[lo] = scaled[lo]
        alias[lo] = hi
        scaled[hi] = (scaled[hi] + scaled[lo]) - 1.0
        if scaled[hi] < 1.0:
            small[ns] = hi
            ns += 1
        else:
            large[nl] = hi
            nl += 1
    # what is left is 1 up to rounding (prob stays 1); a zero-weight cell is never kept
    for i in range(m):
        if weights[i] <= 0.0:
            prob[i] = 0.0
    return prob, alias


#: Cells whose Poisson mean is at most this are drawn from a table of their distribution
#: (:func:`poisson_tables`); larger means by Numba's ``np.random.poisson``.
POISSON_TABLE_MAX_MEAN = 256.0
#: Tables are made for at most this many distinct means (cells of equal counts share one;
#: beyond it, as for weights of many distinct values, no tables).
POISSON_TABLE_MAX_TABLES = 4096


def _table_length(lam):
    """Entries of a table: ``P(X = 0) .. P(X = K - 1)`` and the tail ``P(X >= K)``, which is
    below ``1e-20`` for every mean up to :data:`POISSON_TABLE_MAX_MEAN`
    (``K = lam + 10 sqrt(lam) + 12``); a draw of the tail is continued exactly
    (:func:`_poisson_tail`)."""
    return np.ceil(lam + 10.0 * np.sqrt(lam) + 13.0).astype(np.int64)


@njit(cache=True)
def _poisson_tail_mass(mu, k0):
    """``(P(X = k0), P(X >= k0))`` of ``X ~ Poisson(mu)`` for ``k0 > mu`` (the terms
    decrease from ``k0`` on), by the recurrence ``p_{k+1} = p_k mu / (k + 1)``."""
    p = math.exp(k0 * math.log(mu) - mu - math.lgamma(k0 + 1.0))
    tail = 0.0
    q = p
    k = k0
    while q > 0.0:
        tail += q
        k += 1
        q *= mu / k
        if q <= tail * 1e-17:
            break
    return p, tail


@njit(cache=True)
def _poisson_tail(mu, k0):
    """``X ~ Poisson(mu)`` given ``X >= k0 > mu``, by inversion of the conditional
    distribution function, summed upwards from ``k0`` with one uniform."""
    p, tail = _poisson_tail_mass(mu, k0)
    u = np.random.random() * tail
    k = k0
    q = p
    acc = p
    while u > acc and q > 0.0:
        k += 1
        q *= mu / k
        acc += q
    return k


@njit(cache=True)
def _fill_poisson_tables(mu, ptr, prob, alias):
    """Walker alias tables (:func:`alias_table`) of ``P(X = 0), .., P(X = K - 1), P(X >= K)``
    for every mean ``mu[t]``, into ``prob[ptr[t]:ptr[t + 1]]``, ``alias[...]`` (``K + 1``
    entries, the last the tail); the alias indices are local to the table."""
    for t in range(mu.shape[0]):
        lo = ptr[t]
        size = ptr[t + 1] - lo
        k_tail = size - 1
        log_mu = math.log(mu[t])
        w = np.empty(size)
        for k in range(k_tail):
            w[k] = math.exp(k * log_mu - mu[t] - math.lgamma(k + 1.0))
        if mu[t] < k_tail:
            w[k_tail] = _poisson_tail_mass(mu[t], k_tail)[1]
        else:  # a table cut shorter than its mean: the tail is the rest (tests only)
            w[k_tail] = max(0.0, 1.0 - w[:k_tail].sum())
        pr, al = alias_table(w)
        prob[lo:lo + size] = pr
        alias[lo:lo + size] = al


def poisson_tables(lam):
    """``(lam, which, ptr, prob, alias)``: the means and the alias tables of the
    distributions of the distinct means ``0 < lam <=`` :data:`POISSON_TABLE_MAX_MEAN`: cell
    ``c`` uses table ``which[c]`` (-1: none), whose ``P(X = 0), P(X = 1), ..`` and last the
    tail are sampled from ``prob[ptr[t]:ptr[t + 1]]``, ``alias[ptr[t]:ptr[t + 1]]``
    (:func:`_poisson_from_table`).  Cells of equal counts have equal means, so a bootstrap
    of counts needs a few small tables, which stay in the cache; no tables when there are
    more than :data:`POISSON_TABLE_MAX_TABLES` distinct means."""
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    which = np.full(lam.shape[0], -1, np.int64)
    use = (lam > 0.0) & (lam <= POISSON_TABLE_MAX_MEAN)
    mu, inv = np.unique(lam[use], return_inverse=True)
    if mu.shape[0] > POISSON_TABLE_MAX_TABLES:
        mu = mu[:0]
    else:
        which[use] = inv
    ptr = np.zeros(mu.shape[0] + 1, np.int64)
    np.cumsum(_table_length(mu), out=ptr[1:])
    prob = np.empty(int(ptr[-1]))
    alias = np.empty(int(ptr[-1]), np.int64)
    _fill_poisson_tables(mu, ptr, prob, alias)
    return lam, which, ptr, prob, alias


def no_tables():
    """The empty tables (of a draw that uses none): sequential binomials."""
    return (np.zeros(0), np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0),
            np.zeros(0, np.int64))


@njit(cache=True)
def _alias_entry(prob, alias, lo, hi):
    """An entry of the alias table ``prob[lo:hi]``, ``alias[lo:hi]``: one uniform picks an
    entry and, by its fraction, the entry or its alias (no search, so no branch that depends
    on the draw)."""
    size = hi - lo
    u = np.random.random() * size
    i = min(int(u), size - 1)
    j = alias[lo + i]
    return i if u - i < prob[lo + i] else j


@njit(cache=True)
def _poisson_from_table(mu, prob, alias, lo, hi):
    """``X ~ Poisson(mu)`` from its table (:func:`poisson_tables`): an alias draw of the
    entries; the last entry, the tail ``X >= hi - lo - 1`` (below ``1e-20``), is continued by
    :func:`_poisson_tail`."""
    k = _alias_entry(prob, alias, lo, hi)
    if k == hi - lo - 1:
        return _poisson_tail(mu, k)
    return k


@njit(cache=True)
def draw_cells(cells, cum, total, lam, alias_prob, alias_idx, out):
    """``out ~ Multinomial(total, cells / sum(cells))``, exactly.

    ``cum`` is the running sum of ``cells``; ``lam`` the :func:`poisson_tables` of
    ``cells * poisson_mean_scale(total, sum(cells))`` (no means when that scale is 0) and
    ``alias_prob``, ``alias_idx`` the :func:`alias_table` of ``cells``
    (:func:`sampling_tables` makes them all).

    Poissonisation: with ``X_c ~ Poisson(lam p_c)`` independent and ``S = sum X``, ``X`` given
    ``S = s`` is ``Multinomial(s, p)``; adding ``total - s`` independent categorical draws
    (alias method) makes it ``Multinomial(total, p)``.  ``lam = total - 3 sqrt(total)`` keeps
    ``s <= total`` but for a ~0.1% chance, in which case the replicate is drawn by sequential
    binomials instead; the mixture is exactly multinomial either way.  The Poisson draws
    sample each cell's tabled distribution by the alias method (one uniform a cell; for the
    14,850 cells of 2 x 10**5 comparisons 0.76 ms with ``np.random.poisson``, 0.46-0.59 ms
    by inversion of the tabled distribution function, 0.22-0.23 ms by alias), the cells of
    large means use Numba's ``np.random.poisson``.
    """
    mass = cum[cum.shape[0] - 1]
    means, which, ptr, tprob, talias = lam
    if means.shape[0] != cells.shape[0]:
        _draw_cells_sequential(cells, mass, total, out)
        return
    s = 0
    tails = 0
    for c in range(cells.shape[0]):
        mu = means[c]
        t = which[c]
        if mu <= 0.0:
            x = 0
        elif t >= 0:
            # _alias_entry, written out: a call of a kernel that draws (np.random) costs
            # 20 ns a cell more than the draw itself (0.45 against 0.21 ms here); the tail
            # entry is continued after the loop for the same reason
            lo = ptr[t]
            size = ptr[t + 1] - lo
            u = np.random.random() * size
            i = min(int(u), size - 1)
            j = talias[lo + i]
            x = i if u - i < tprob[lo + i] else j
            tails += x == size - 1
        else:
            x = np.random.poisson(mu)
        out[c] = x
        s += x
    if tails > 0:
        for c in range(cells.shape[0]):
            t = which[c]
            if means[c] > 0.0 and t >= 0 and out[c] == ptr[t + 1] - ptr[t] - 1:
                x = _poisson_tail(means[c], int(out[c]))
                s += x - int(out[c])
                out[c] = x
    if s > total:
        _draw_cells_sequential(cells, mass, total, out)
        return
    m = cells.shape[0]
    for _ in range(total - s):
        u = np.random.random() * m
        i = min(int(u), m - 1)
        if u - i >= alias_prob[i]:
            i = alias_idx[i]
        out[i] += 1.0


def sampling_tables(cells, total):
    """``(cum, lam, alias_prob, alias_idx)`` for :func:`draw_cells` (once per design);
    ``lam`` is the :func:`poisson_tables` of the Poisson means."""
    cells = np.ascontiguousarray(cells, dtype=np.float64)
    cum = np.cumsum(cells)
    scale = poisson_mean_scale(total, float(cum[-1]) if cum.shape[0] else 0.0)
    if scale > 0:
        lam = poisson_tables(cells * scale)
        prob, idx = alias_table(cells)
    else:
        lam = no_tables()
        prob, idx = np.zeros(0), np.zeros(0, np.int64)
    return cum, lam, prob, idx


@njit(cache=True)
def draw_units(unit_ptr, unit_cell, unit_weight, unit_ones, unit_cum, unit_lam, unit_aprob,
               unit_aidx, out):
    """Cell weights of ``G`` units drawn uniformly with replacement: multiplicities
    ``~ Multinomial(G, 1/G, ..., 1/G)`` (``unit_ones`` is ``G`` ones, with ``unit_cum`` and
    ``unit_lam`` from :func:`sampling_tables`), then each unit's cell weights times its
    multiplicity."""
    n_units = unit_ones.shape[0]
    mult = np.empty(n_units)
    draw_cells(unit_ones, unit_cum, n_units, unit_lam, unit_aprob, unit_aidx, mult)
    out[:] = 0.0
    for g in range(n_units):
        c = mult[g]
        if c == 0.0:
            continue
        for e in range(unit_ptr[g], unit_ptr[g + 1]):
            out[unit_cell[e]] += c * unit_weight[e]


@njit(cache=True)
def draw_parametric(totals, prob, out):
    """Per pair ``k``: ``(a, b, tie) ~ Multinomial(totals[k], prob[:, k])``; ``prob`` rows are
    P(pi wins), P(tie), P(pj wins)."""
    for k in range(totals.shape[0]):
        n = int(totals[k])
        pa = prob[0, k]
        pt = prob[1, k]
        xa = np.random.binomial(n, min(1.0, max(0.0, pa))) if n > 0 else 0
        rest = n - xa
        xt = 0
        if rest > 0 and pt > 0.0:
            q = pt / (1.0 - pa) if pa < 1.0 else 0.0
            xt = np.random.binomial(rest, min(1.0, max(0.0, q)))
        out[3 * k] = xa
        out[3 * k + 1] = rest - xt
        out[3 * k + 2] = xt


@njit(cache=True)
def split_cells(w3, ties, wab, wba, tie):
    """Cell weights into the three per-pair arrays, applying the tie handling."""
    for k in range(wab.shape[0]):
        a = w3[3 * k]
        b = w3[3 * k + 1]
        t = w3[3 * k + 2]
        if ties == TIES_DROP:
            t = 0.0
        elif ties == TIES_HALF:
            a += 0.5 * t
            b += 0.5 * t
            t = 0.0
        wab[k] = a
        wba[k] = b
        tie[k] = t


@njit(cache=True, nogil=True)
def draw_replicate(kind, seed, cells, cum, lam, aprob, aidx, total, unit_ptr, unit_cell,
                   unit_weight, unit_ones, unit_cum, unit_lam, unit_aprob, unit_aidx, prob,
                   totals, ties, w3, wab, wba, tie):
    """One replicate's counts: seed Numba's generator (the calling thread's) with ``seed``,
    draw the cells into ``w3`` by the resampling ``kind`` and split them into ``wab``,
    ``wba``, ``tie`` with the tie handling ``ties``.

    The refit is not here: the caller runs the fit's own kernels on the counts
    (:func:`.graph.strongly_connected`, :func:`.mm.mm_bradley_terry`, :func:`.newton.newton`,
    all ``nogil``, like this one), so that a bootstrap compiles only this kernel (a
    ``parallel=True`` block kernel calling the refit took 40 s to compile, most of it
    optimising the solvers' code again), and the replicates run in the caller's threads.
    """
    np.random.seed(seed)
    if kind == KIND_CELLS:
        draw_cells(cells, cum, total, lam, aprob, aidx, w3)
    elif kind == KIND_UNITS:
        draw_units(unit_ptr, unit_cell, unit_weight, unit_ones, unit_cum, unit_lam, unit_aprob,
                   unit_aidx, w3)
    else:
        draw_parametric(totals, prob, w3)
    split_cells(w3, ties, wab, wba, tie)


@njit(cache=True, nogil=True)
def newton_start(s_hat, eta_hat, fit_eta, pi, pj, wab, wba, tie, gd, ge, cov, penalty, out_s):
    """``(out_s, eta) = (s_hat, eta_hat) + cov g``: one Newton step from the full-data
    estimate with its information (``cov``: its inverse in the sum-to-zero subspace, ``n``
    square, ``n + 1`` with ``fit_eta``) and the gradient ``g`` of the replicate's counts
    there, from the scores ``gd, ge`` of one comparison per cell at the estimate
    (:func:`.robust.cell_scores`, cells ``3 k + o``).  No log-probability is evaluated: the
    step costs a pass over the pairs without transcendentals and a matrix-vector product,
    and saves the refit one of its three or four passes.  Returns ``eta`` (``eta_hat``
    without a threshold)."""
    n = s_hat.shape[0]
    size = cov.shape[0]
    grad = np.zeros(size)
    for k in range(pi.shape[0]):
        a = wab[k]
        b = wba[k]
        t = tie[k]
        g = a * gd[3 * k] + b * gd[3 * k + 1] + t * gd[3 * k + 2]
        grad[pi[k]] += g
        grad[pj[k]] -= g
        if fit_eta:
            grad[n] += a * ge[3 * k] + b * ge[3 * k + 1] + t * ge[3 * k + 2]
    for i in range(n):
        grad[i] -= penalty * s_hat[i]
    eta = eta_hat
    for x in range(size):
        step = 0.0
        for y in range(size):
            step += cov[x, y] * grad[y]
        if x < n:
            out_s[x] = s_hat[x] + step
        else:
            eta = eta_hat + step
    return eta
