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


@njit(cache=True)
def draw_cells(cells, cum, total, lam, alias_prob, alias_idx, out):
    """``out ~ Multinomial(total, cells / sum(cells))``, exactly.

    ``cum`` is the running sum of ``cells``; ``lam`` is
    ``cells * poisson_mean_scale(total, sum(cells))`` (empty when that scale is 0) and
    ``alias_prob``, ``alias_idx`` the :func:`alias_table` of ``cells``.

    Poissonisation: with ``X_c ~ Poisson(lam p_c)`` independent and ``S = sum X``, ``X`` given
    ``S = s`` is ``Multinomial(s, p)``; adding ``total - s`` independent categorical draws
    (alias method) makes it ``Multinomial(total, p)``.  ``lam = total - 3 sqrt(total)`` keeps
    ``s <= total`` but for a ~0.1% chance, in which case the replicate is drawn by sequential
    binomials instead; the mixture is exactly multinomial either way.
    """
    mass = cum[cum.shape[0] - 1]
    if lam.shape[0] != cells.shape[0]:
        _draw_cells_sequential(cells, mass, total, out)
        return
    s = 0
    for c in range(cells.shape[0]):
        x = np.random.poisson(lam[c]) if lam[c] > 0.0 else 0
        out[c] = x
        s += x
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
    """``(cum, lam, alias_prob, alias_idx)`` for :func:`draw_cells` (once per design)."""
    cells = np.ascontiguousarray(cells, dtype=np.float64)
    cum = np.cumsum(cells)
    scale = poisson_mean_scale(total, float(cum[-1]) if cum.shape[0] else 0.0)
    lam = cells * scale if scale > 0 else np.zeros(0)
    if scale > 0:
        prob, idx = alias_table(cells)
    else:
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
