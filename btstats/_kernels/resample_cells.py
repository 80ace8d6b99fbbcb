"""Bootstrap and jackknife replicates of the general model core: redraw the cells, refit.

Numba only.  The data are the cells of :mod:`.cells` (``ci, cj, cx, ck`` and a weight per
cell); a replicate is a new weight vector over the same cells, refitted by
:func:`.cells.newton_cells` from the full-data estimate.

Every replicate seeds Numba's generator with its own seed (drawn by the caller from the
user's ``numpy.random.Generator``), so a replicate depends on its seed alone, never on which
thread runs it or how many threads there are (as in :mod:`.resample`).

Resampling kinds (``KIND_*``):

- cells: ``Multinomial(total, cw / sum(cw))`` over the cells (:func:`.resample.draw_cells`),
  exactly the distribution of resampling ``total`` comparisons with replacement when every
  comparison adds one to one cell.
- atoms: an *atom* is a sparse vector of cell weights (CSR ``ptr, cell, coef``) with a mass:
  ``total`` atoms are drawn with probabilities proportional to the masses and their vectors
  added up with multiplicity.  With unit masses and ``total`` the number of atoms, the atoms
  are clusters drawn uniformly with replacement; with the masses of comparison types (a tie
  counted as half a win each way adds 1/2 to two cells) it is the row bootstrap.
- parametric: the cells are laid out by group (one ``(pair, order)`` group per ``K``
  consecutive cells, one per category); each group's total count is redrawn over its ``K``
  categories with the fitted probabilities (sequential binomials).

Degenerate replicates: when ``penalty == 0`` a replicate whose pair counts (cells classified
by ``cclass``: 0 a win of ``pi``, 1 of ``pj``, 2 a tie, counted both ways) do not form a
strongly connected win graph, or (with an order effect or covariates) whose outcomes are
separated along one linear-predictor column (:func:`order_separable`), has no finite MLE; it is refitted with ``fallback_penalty``
(status + 10) or left out (status 20, its rows NaN).  So is a replicate whose fit runs off
(iteration limit or a non-finite likelihood) all the same.  Other status codes are those of
:func:`.cells.newton_cells`.

Every refit starts from the full-data estimate moved by one Newton step with the full-data
information (:func:`newton_start`: a matrix-vector product, no likelihood pass), which saves
one of the three or four passes over the cells a replicate costs.  The jackknife of large
data takes that step with the exact leave-one-out information instead of refitting
(:func:`jackknife_one_step`).
"""
import numpy as np
from numba import njit, prange

from .cells import feasible, newton_cells
from .families import cell_terms, log_probabilities
from .graph import strongly_connected
from .resample import DEGENERATE_DROP, draw_cells

KIND_CELLS = 0
KIND_ATOMS = 1
KIND_PARAMETRIC = 2


@njit(cache=True)
def draw_atoms(ptr, cell, coef, cum, total, lam, aprob, aidx, mass, out):
    """Cell weights of ``total`` atoms drawn with probabilities ``mass / sum(mass)`` (``cum``,
    ``lam``, ``aprob``, ``aidx``: :func:`.resample.sampling_tables` of ``mass``)."""
    n_atoms = mass.shape[0]
    mult = np.empty(n_atoms)
    draw_cells(mass, cum, total, lam, aprob, aidx, mult)
    out[:] = 0.0
    for a in range(n_atoms):
        c = mult[a]
        if c == 0.0:
            continue
        for e in range(ptr[a], ptr[a + 1]):
            out[cell[e]] += c * coef[e]


@njit(cache=True)
def draw_groups(totals, prob, out):
    """``out[g K : (g + 1) K] ~ Multinomial(totals[g], prob[g])`` for every group ``g``, by
    sequential binomials (the last category takes the rest)."""
    k_cat = prob.shape[1]
    for g in range(totals.shape[0]):
        rest = int(totals[g])
        mass = 1.0
        base = g * k_cat
        for k in range(k_cat):
            p = prob[g, k]
            if rest <= 0:
                x = 0
            elif k == k_cat - 1 or p >= mass:
                x = rest
            elif p <= 0.0:
                x = 0
            else:
                x = np.random.binomial(rest, min(1.0, p / mass))
            out[base + k] = x
            rest -= x
            mass -= p


@njit(cache=True)
def category_probabilities(family, link, n_categories, n_lin, s, extra, ci, cj, cx):
    """``P(k | z)`` of every category (columns) at ``z = s[ci] - s[cj] + cx beta`` (rows)."""
    theta = extra[n_lin:].copy()
    out = np.empty((ci.shape[0], n_categories))
    row = np.empty(n_categories)
    for g in range(ci.shape[0]):
        z = s[ci[g]] - s[cj[g]]
        for l in range(n_lin):
            z += extra[l] * cx[g, l]
        log_probabilities(family, link, n_categories, z, theta, row)
        tot = 0.0
        for k in range(n_categories):
            out[g, k] = np.exp(row[k])
            tot += out[g, k]
        for k in range(n_categories):
            out[g, k] /= tot
    return out


@njit(cache=True)
def pair_counts(cpair, cclass, w, wab, wba, tie):
    """Per pair: the weight of the cells that are wins of ``pi``, of ``pj`` and ties."""
    wab[:] = 0.0
    wba[:] = 0.0
    tie[:] = 0.0
    for c in range(w.shape[0]):
        x = w[c]
        if x == 0.0:
            continue
        k = cpair[c]
        if cclass[c] == 0:
            wab[k] += x
        elif cclass[c] == 1:
            wba[k] += x
        else:
            tie[k] += x


@njit(cache=True)
def _difference_feasible(n, fwd, bwd, pi, pj):
    """Whether the difference constraints ``x_pj - x_pi <= fwd[k]``, ``x_pi - x_pj <=
    bwd[k]`` (``inf``: none) hold for some ``x``: no negative cycle.  A negative two-cycle
    within a pair is looked for first (it settles real data at once), then Bellman-Ford."""
    m = pi.shape[0]
    for k in range(m):
        if fwd[k] + bwd[k] < 0.0:
            return False
    dist = np.zeros(n)
    for _ in range(n + 1):
        changed = False
        for k in range(m):
            i = pi[k]
            j = pj[k]
            if fwd[k] < np.inf and dist[i] + fwd[k] < dist[j]:
                dist[j] = dist[i] + fwd[k]
                changed = True
            if bwd[k] < np.inf and dist[j] + bwd[k] < dist[i]:
                dist[i] = dist[j] + bwd[k]
                changed = True
        if not changed:
            return True
    return False


@njit(cache=True, nogil=True)
def separable_columns(n, cx, cclass, w, cpair, pi, pj):
    """``out[l, s]``: whether a direction ``(x, beta_l = +1 (s = 0) or -1 (s = 1))``, the
    other coefficients 0, weakly separates the outcomes: ``x_ci - x_cj + beta_l cx[c, l] >=
    0`` for the wins of ``ci``, ``<= 0`` for its losses, ``= 0`` for ties.

    Then the log-likelihood does not decrease along it, so that coefficient (an order
    effect, a covariate) has no finite (or no unique) MLE although the win graph may be
    strongly connected.  The conditions are difference constraints ``x_v - x_u <= c`` (an
    edge ``u -> v`` of weight ``c`` per pair, direction and the smallest ``c``), gathered for
    every column and sign in one pass over the cells; they hold for some ``x`` iff the
    edges close no negative cycle (:func:`_difference_feasible`).
    """
    m = pi.shape[0]
    n_lin = cx.shape[1]
    # lo[l, k] / hi[l, k]: the smallest / largest column value among the wins (class != 1)
    # and the losses (class != 0) of pair k
    win_lo = np.full((n_lin, m), np.inf)
    win_hi = np.full((n_lin, m), -np.inf)
    los_lo = np.full((n_lin, m), np.inf)
    los_hi = np.full((n_lin, m), -np.inf)
    for c in range(w.shape[0]):
        if w[c] == 0.0:
            continue
        k = cpair[c]
        cl = cclass[c]
        for l in range(n_lin):
            v = cx[c, l]
            if cl != 1:
                win_lo[l, k] = min(win_lo[l, k], v)
                win_hi[l, k] = max(win_hi[l, k], v)
            if cl != 0:
                los_lo[l, k] = min(los_lo[l, k], v)
                los_hi[l, k] = max(los_hi[l, k], v)
    out = np.zeros((n_lin, 2), np.bool_)
    fwd = np.empty(m)
    bwd = np.empty(m)
    for l in range(n_lin):
        for s in range(2):
            # sign +1: fwd = min over wins of x, bwd = min over losses of -x; sign -1: the
            # same of -x
            for k in range(m):
                if s == 0:
                    fwd[k] = win_lo[l, k]
                    bwd[k] = -los_hi[l, k]
                else:
                    fwd[k] = -win_hi[l, k]
                    bwd[k] = los_lo[l, k]
            out[l, s] = _difference_feasible(n, fwd, bwd, pi, pj)
    return out


@njit(cache=True)
def order_separable(n, co, cclass, w, cpair, pi, pj, sign):
    """:func:`separable_columns` of the one column ``co`` with the sign ``sign`` (+1 or -1)."""
    col = np.empty((co.shape[0], 1))
    col[:, 0] = co
    return separable_columns(n, col, cclass, w, cpair, pi, pj)[0, 0 if sign > 0 else 1]


@njit(cache=True)
def has_mle(n, n_lin, cx, cclass, w, cpair, pi, pj):
    """The existence check of a replicate: a strongly connected win graph (ties both ways)
    and no separation along any one linear-predictor column (the order effect, a covariate;
    :func:`order_separable`).  (Separation along a combination of columns and runaway
    thresholds are not looked for; a fit that runs off is caught by its status.)"""
    m = pi.shape[0]
    wab = np.empty(m)
    wba = np.empty(m)
    tie = np.empty(m)
    pair_counts(cpair, cclass, w, wab, wba, tie)
    if not strongly_connected(n, pi, pj, wab, wba, tie, True):
        return False
    if n_lin > 0 and separable_columns(n, cx, cclass, w, cpair, pi, pj).any():
        return False
    return True


@njit(cache=True)
def deletions_have_mle(del_ptr, del_cell, del_weight, cw, n, n_lin, cx, cclass, cpair, pi,
                       pj, out):
    """``out[u]``: whether the data ``cw`` without unit ``u`` (CSR ``del_*``) pass
    :func:`has_mle`."""
    w = cw.copy()
    for u in range(del_ptr.shape[0] - 1):
        for e in range(del_ptr[u], del_ptr[u + 1]):
            w[del_cell[e]] = max(0.0, cw[del_cell[e]] - del_weight[e])
        out[u] = has_mle(n, n_lin, cx, cclass, w, cpair, pi, pj)
        for e in range(del_ptr[u], del_ptr[u + 1]):
            w[del_cell[e]] = cw[del_cell[e]]


@njit(cache=True)
def newton_start(n_lin, s_hat, e_hat, ci, cj, cx, w, gcell, cov, penalty, out_s, out_e):
    """``(out_s, out_e) = (s_hat, e_hat) + cov g``: one Newton step from the full-data
    estimate with its information (``cov``, its inverse in the sum-to-zero subspace) and the
    gradient ``g`` of the weights ``w`` there, from the per-cell scores ``gcell`` of one
    comparison (no log-probability evaluated: a replicate's first step for the price of a
    matrix-vector product)."""
    n = s_hat.shape[0]
    q = e_hat.shape[0]
    off = n_lin
    p = gcell.shape[1] - 1
    grad = np.zeros(n + q)
    for c in range(w.shape[0]):
        x = w[c]
        if x == 0.0:
            continue
        gz = x * gcell[c, 0]
        grad[ci[c]] += gz
        grad[cj[c]] -= gz
        for l in range(n_lin):
            grad[n + l] += gz * cx[c, l]
        for a in range(p):
            grad[n + off + a] += x * gcell[c, 1 + a]
    for i in range(n):
        grad[i] -= penalty * s_hat[i]
    for x in range(n + q):
        t = 0.0
        for y in range(n + q):
            t += cov[x, y] * grad[y]
        if x < n:
            out_s[x] = s_hat[x] + t
        else:
            out_e[x - n] = e_hat[x - n] + t


@njit(cache=True)
def refit_cells(family, link, n_categories, n_lin, s_hat, e_hat, ci, cj, cx, ck, w, cpair,
                cclass, pi, pj, gcell, cov, penalty, degenerate, fallback_penalty, tol,
                max_iter, dense_max, out_s, out_e):
    """Warm-started fit of the cell weights ``w`` into ``(out_s, out_e)``, with the no-MLE
    handling; returns the status.

    The fit starts from the full-data estimate, moved by :func:`newton_start` when ``cov``
    is given (``n + q`` square; ``0 x 0`` for none) and the replicate has an MLE; the step
    is not taken if it leaves the parameter domain.
    """
    n = s_hat.shape[0]
    flag = 0
    if penalty == 0.0:
        if not has_mle(n, n_lin, cx, cclass, w, cpair, pi, pj):
            if degenerate == DEGENERATE_DROP:
                out_s[:] = np.nan
                out_e[:] = np.nan
                return 20
            penalty = fallback_penalty
            flag = 10
    out_s[:] = s_hat
    out_e[:] = e_hat
    if flag == 0 and cov.shape[0] == n + e_hat.shape[0]:
        newton_start(n_lin, s_hat, e_hat, ci, cj, cx, w, gcell, cov, penalty, out_s, out_e)
        ok = feasible(family, n_categories, n_lin, out_e)
        for i in range(n):
            ok = ok and np.isfinite(out_s[i])
        if not ok:
            out_s[:] = s_hat
            out_e[:] = e_hat
    status = newton_cells(family, link, n_categories, n_lin, out_s, out_e, ci, cj, cx,
                                ck, w, penalty, tol, max_iter, dense_max, None)[0]
    if flag == 0 and penalty == 0.0 and (status == 1 or status == 3):
        # a connected win graph, yet no finite MLE: the outcomes are separated along the
        # order effect (or a threshold), which the graph does not see
        if degenerate == DEGENERATE_DROP:
            out_s[:] = np.nan
            out_e[:] = np.nan
            return 20
        out_s[:] = s_hat
        out_e[:] = e_hat
        status = newton_cells(family, link, n_categories, n_lin, out_s, out_e, ci, cj,
                                    cx, ck, w, fallback_penalty, tol, max_iter, dense_max,
                                    None)[0]
        flag = 10
    return status + flag


@njit(cache=True, nogil=True)
def bootstrap_cells_block(kind, seeds, mass, cum, lam, aprob, aidx, total, a_ptr, a_cell,
                          a_coef, g_totals, g_prob, family, link, n_categories, n_lin, s_hat,
                          e_hat, ci, cj, cx, ck, cpair, cclass, pi, pj, gcell, cov, penalty,
                          degenerate, fallback_penalty, tol, max_iter, dense_max, out_s, out_e,
                          out_status):
    """Replicates ``r = 0 .. len(seeds) - 1`` into row ``r`` of the outputs, one after
    the other.  ``nogil``: the caller runs blocks of replicates in threads of its own
    (:func:`btstats.inference.bootstrap.in_threads`).  A ``parallel=True`` version took 14.6 s
    to compile cold against 8.3 s for this one: the parallel lowering optimised the whole
    Newton call tree again.

    ``mass`` (with its sampling tables ``cum, lam, aprob, aidx`` and ``total`` draws) is what
    is drawn: the cell weights (``KIND_CELLS``) or the atom masses (``KIND_ATOMS``, atoms
    ``a_ptr, a_cell, a_coef``); ``g_totals, g_prob`` serve ``KIND_PARAMETRIC``.
    """
    for r in range(seeds.shape[0]):
        np.random.seed(seeds[r])
        w = np.empty(ci.shape[0])
        if kind == KIND_CELLS:
            draw_cells(mass, cum, total, lam, aprob, aidx, w)
        elif kind == KIND_ATOMS:
            draw_atoms(a_ptr, a_cell, a_coef, cum, total, lam, aprob, aidx, mass, w)
        else:
            draw_groups(g_totals, g_prob, w)
        out_status[r] = refit_cells(family, link, n_categories, n_lin, s_hat, e_hat, ci, cj,
                                    cx, ck, w, cpair, cclass, pi, pj, gcell, cov, penalty,
                                    degenerate, fallback_penalty, tol, max_iter, dense_max,
                                    out_s[r], out_e[r])


@njit(cache=True)
def _solve_small(a, b):
    """``a x = b`` for a small square ``a`` (Gaussian elimination with partial pivoting;
    both overwritten, ``x`` returned in ``b``).  Returns False when ``a`` is singular."""
    r = a.shape[0]
    for col in range(r):
        piv = col
        for i in range(col + 1, r):
            if abs(a[i, col]) > abs(a[piv, col]):
                piv = i
        if not abs(a[piv, col]) > 0.0:
            return False
        if piv != col:
            for j in range(r):
                a[col, j], a[piv, j] = a[piv, j], a[col, j]
            b[col], b[piv] = b[piv], b[col]
        for i in range(col + 1, r):
            f = a[i, col] / a[col, col]
            if f != 0.0:
                for j in range(col, r):
                    a[i, j] -= f * a[col, j]
                b[i] -= f * b[col]
    for i in range(r - 1, -1, -1):
        t = b[i]
        for j in range(i + 1, r):
            t -= a[i, j] * b[j]
        b[i] = t / a[i, i]
    return True


@njit(parallel=True, cache=True)
def jackknife_one_step(family, link, n_categories, n_lin, s_hat, e_hat, ci, cj, cx, ck, cov,
                       del_ptr, del_cell, del_weight, out_s, out_e, out_ok):
    """Leave-one-unit-out estimates by one Newton step from the full-data estimate.

    Deleting the weights ``d_e`` from the cells ``c_e`` of unit ``u`` leaves the gradient
    ``-B gamma`` and the information ``J - B M B'`` at the estimate, with ``B`` the columns
    ``e_ci - e_cj + sum_l cx[c, l] e_{beta_l}`` (one per cell) and the family-parameter directions, ``gamma``
    the deleted scores and ``M`` the deleted negative Hessian in those coordinates.  With
    ``V = cov`` the inverse of ``J`` in the sum-to-zero subspace (Woodbury), the step is
    ``-V B (I - M S)^{-1} gamma``, ``S = B' V B``: ``O(n r)`` per unit, ``r`` = cells of
    the unit + family parameters.  ``out_ok[u]`` is False when ``I - M S`` is singular.
    """
    n = s_hat.shape[0]
    q = e_hat.shape[0]
    off = n_lin
    p = q - off
    theta = e_hat[off:].copy()
    size = n + q
    for u in prange(del_ptr.shape[0] - 1):
        lo = del_ptr[u]
        n_c = del_ptr[u + 1] - lo
        r = n_c + p
        g = np.empty(1 + p)
        hh = np.empty((1 + p, 1 + p))
        gam = np.zeros(r)
        mm = np.zeros((r, r))
        vb = np.empty((size, r))
        for e in range(n_c):
            c = del_cell[lo + e]
            d = del_weight[lo + e]
            i = ci[c]
            j = cj[c]
            z = s_hat[i] - s_hat[j]
            for l in range(n_lin):
                z += e_hat[l] * cx[c, l]
            cell_terms(family, link, n_categories, z, ck[c], theta, g, hh)
            # the deleted comparisons: score d g, negative Hessian -d hh (so M = -d hh)
            gam[e] += d * g[0]
            mm[e, e] -= d * hh[0, 0]
            for a in range(p):
                gam[n_c + a] += d * g[1 + a]
                mm[e, n_c + a] -= d * hh[0, 1 + a]
                mm[n_c + a, e] -= d * hh[1 + a, 0]
                for b in range(p):
                    mm[n_c + a, n_c + b] -= d * hh[1 + a, 1 + b]
            for x in range(size):
                v = cov[x, i] - cov[x, j]
                for l in range(n_lin):
                    v += cx[c, l] * cov[x, n + l]
                vb[x, e] = v
        for a in range(p):
            for x in range(size):
                vb[x, n_c + a] = cov[x, n + off + a]
        # S = B' V B, row by row: B' picks rows ci - cj + cx beta (cells) and n + off + a
        sm = np.empty((r, r))
        for e in range(n_c):
            c = del_cell[lo + e]
            for b in range(r):
                v = vb[ci[c], b] - vb[cj[c], b]
                for l in range(n_lin):
                    v += cx[c, l] * vb[n + l, b]
                sm[e, b] = v
        for a in range(p):
            for b in range(r):
                sm[n_c + a, b] = vb[n + off + a, b]
        # (I - M S) y = gamma; the step is -V B y
        a_ = np.eye(r)
        for x in range(r):
            for b in range(r):
                t = 0.0
                for k in range(r):
                    t += mm[x, k] * sm[k, b]
                a_[x, b] -= t
        y = gam.copy()
        ok = _solve_small(a_, y)
        out_ok[u] = ok
        for x in range(n):
            t = 0.0
            for b in range(r):
                t += vb[x, b] * y[b]
            out_s[u, x] = s_hat[x] - t
        for a in range(q):
            t = 0.0
            for b in range(r):
                t += vb[n + a, b] * y[b]
            out_e[u, a] = e_hat[a] - t


@njit(cache=True, nogil=True)
def jackknife_cells_block(del_ptr, del_cell, del_weight, cw, family, link, n_categories,
                          n_lin, s_hat, e_hat, ci, cj, cx, ck, cpair, cclass, pi, pj, gcell, cov,
                          penalty, degenerate, fallback_penalty, tol, max_iter, dense_max, out_s,
                          out_e, out_status):
    """Leave-one-unit-out refits: unit ``u`` removes ``del_weight`` from the cells
    ``del_cell[del_ptr[u]:del_ptr[u + 1]]`` of the full data ``cw``; one after the other
    (``nogil``: the caller runs blocks of units in threads, as for
    :func:`bootstrap_cells_block`)."""
    for u in range(del_ptr.shape[0] - 1):
        w = cw.copy()
        for e in range(del_ptr[u], del_ptr[u + 1]):
            w[del_cell[e]] = max(0.0, w[del_cell[e]] - del_weight[e])
        out_status[u] = refit_cells(family, link, n_categories, n_lin, s_hat, e_hat, ci, cj,
                                    cx, ck, w, cpair, cclass, pi, pj, gcell, cov, penalty,
                                    degenerate, fallback_penalty, tol, max_iter, dense_max,
                                    out_s[u], out_e[u])

