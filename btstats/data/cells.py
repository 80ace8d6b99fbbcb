"""Comparison rows to the cells of the general model core.

A cell is one distinct ``(pair, linear-predictor row, outcome category)`` with its total
weight: items ``ci < cj``, the row ``cx[c]`` of the ``n_lin`` linear-predictor columns for
``ci`` against ``cj`` (the order indicator, +1 ``ci`` at home / shown first, -1, 0, when an
order effect is fitted, then the comparison-level covariates; all antisymmetric, so turning
a row round so that ``ci < cj`` negates them), the category ``ck`` in ``ci``'s favour
(``0 .. K - 1``, ``K - 1``: ``ci`` best) and the weight ``cw``.  Without covariates every fit
of the general core costs the same for 10**3 or 10**8 rows once the cells are built; with
continuous covariates there is about one cell per row.
"""
from dataclasses import dataclass

import numpy as np

from .._kernels import cell_build as _build
from .._kernels import robust_cells as _krc
from ..exceptions import DataError
from .rows import kernel_array


@dataclass(frozen=True)
class Cells:
    """The kernels' view of the data (see the module docstring)."""

    n_items: int
    n_categories: int
    ci: np.ndarray
    cj: np.ndarray
    cx: np.ndarray
    ck: np.ndarray
    cw: np.ndarray
    #: with covariates: the cell of every row of :func:`row_categories` (else None)
    row_cell: np.ndarray | None = None
    #: with covariates: the weight of every row of :func:`row_categories` (else None), so
    #: that :func:`row_cells` need not derive the rows again (the sandwich at 10**6 rows)
    row_weight: np.ndarray | None = None
    #: whether cell ``r`` is row ``r`` of :func:`row_categories` (continuous covariates: one
    #: cell per row, in row order)
    rows_are_cells: bool = False

    def arrays(self):
        return self.ci, self.cj, self.cx, self.ck, self.cw

    @property
    def n_lin(self):
        """Number of linear-predictor columns (order indicator, covariates)."""
        return self.cx.shape[1]

    @property
    def n_comparisons(self):
        return float(self.cw.sum())


def row_categories(comparisons, mdl, ties):
    """``(a, b, k, weight, n_categories)`` of every row with ``k`` the category in ``a``'s
    favour; int64 codes and categories, float64 weights, read-only (:func:`_kernel_rows`)."""
    a, b, outcome, weight = comparisons.rows()
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    m = a.shape[0]
    w = np.ones(m) if weight is None else np.asarray(weight, dtype=float)
    o = np.zeros(m, np.int8) if outcome is None else np.asarray(outcome)
    extra = comparisons.extra
    keep = w > 0
    if not keep.all():
        a, b, o, w = a[keep], b[keep], o[keep], w[keep]
        extra = None if extra is None else extra.loc[keep].reset_index(drop=True)
    # the family maps each row's outcome (or grade) to a category, and says how many
    a, b, k, w, n_cat = mdl.family.row_categories(a, b, o, w, extra, ties=ties,
                                                  model=mdl.name)
    return (*_kernel_rows(a, b, k, w), n_cat)


def _positive_rows(comparisons):
    """The mask of the stored rows with a positive weight (what :func:`row_categories`
    keeps)."""
    weight = comparisons.rows()[3]
    return None if weight is None else np.asarray(weight) > 0


def _row_columns(comparisons, names, m):
    """The ``extra`` columns ``names`` of the rows of :func:`row_categories` (``m`` rows):
    ``(xt, src)`` with ``xt`` the columns of the stored rows (float64, names x stored rows,
    each column contiguous) and ``src`` the stored row of each of the ``m`` rows (int64;
    ``ties="half"`` appends copies of the tie rows), so that the kernels gather the rows
    without a copy of the rows x names matrix."""
    extra = comparisons.extra
    xt = np.stack([extra[c].to_numpy(dtype=float) for c in names]) if names else \
        np.zeros((0, comparisons.n_rows))
    keep = _positive_rows(comparisons)
    src = np.arange(comparisons.n_rows, dtype=np.int64) if keep is None else \
        np.flatnonzero(keep).astype(np.int64)
    if src.shape[0] != m:
        # ties="half" appended copies of the tie rows
        outcome = np.asarray(comparisons.rows()[2])
        src = np.concatenate([src, src[outcome[src] == 2]])
    return np.ascontiguousarray(xt), src


def _check_columns(comparisons, order_effect, covariates):
    extra = comparisons.extra
    if order_effect and (extra is None or "order" not in extra.columns):
        raise DataError("order_effect=True needs the order of presentation (or home "
                        "advantage) of each comparison: a column `order` / `home` / "
                        "`first` with 1 (item_a at home or shown first), -1 (item_b) or 0 "
                        "(neutral), or arena data (model_a is shown first).")
    missing = [c for c in covariates if extra is None or c not in extra.columns]
    if missing:
        raise DataError(f"covariates {missing} are not columns of the comparisons: pass a "
                        f"DataFrame with these columns to fit(..., covariates=[...]), or build "
                        f"the data with Comparisons.from_frame(df, covariates=[...]).")


def build_cells(comparisons, mdl, ties, order_effect, covariates=()):
    """The :class:`Cells` of ``comparisons`` for the model ``mdl`` (linear-predictor columns:
    the order indicator with ``order_effect``, then the ``covariates`` columns of
    ``comparisons.extra``)."""
    covariates = list(covariates)
    _check_columns(comparisons, order_effect, covariates)
    a, b, k, w, n_cat = row_categories(comparisons, mdl, ties)
    m = a.shape[0]
    n = comparisons.n_items
    if covariates:
        names = (["order"] if order_effect else []) + covariates
        xt, src_rows = _row_columns(comparisons, names, m)
        return _covariate_cells(a, b, k, w, xt, src_rows, n, n_cat)
    if order_effect:
        xt, src_rows = _row_columns(comparisons, ["order"], m)
        o = xt[0, src_rows]
    else:
        o = None
    # one compiled pass: orient every row so that ci < cj (swapping the sides negates the
    # order indicator and mirrors the category), then sum the weights per distinct
    # (pair, order, category), sorted by the key of :func:`_cell_keys`
    ci, cj, co, ck, cw = _build.build_cells_arrays(a, b, k, w, o, n, n_cat)
    cx = co.reshape(-1, 1) if order_effect else np.zeros((ci.shape[0], 0))
    return Cells(n, n_cat, ci, cj, np.ascontiguousarray(cx), ck, cw)


def _kernel_rows(a, b, k, w):
    """Rows as the cell kernels take them: int64 codes and categories, float64 weights, all
    read-only (:func:`btstats.data.rows.kernel_array`; no copy when they are of these
    types), so that one Numba signature serves rows from numpy arrays and from pandas 3's
    read-only columns, with or without rows of weight 0 removed."""
    return (kernel_array(a, np.int64), kernel_array(b, np.int64), kernel_array(k, np.int64),
            kernel_array(w, np.float64))


def drop_covariates(cells, n_keep):
    """The cells of the same comparisons with only the first ``n_keep`` (0, or 1: the order
    indicator) linear-predictor columns: cells that differed only in the covariates merged
    (the compiled pass of :func:`build_cells`, the rows never read again)."""
    o = np.ascontiguousarray(cells.cx[:, 0]) if n_keep else None
    ci, cj, co, ck, cw = _build.build_cells_arrays(
        *_kernel_rows(cells.ci, cells.cj, cells.ck, cells.cw), o, cells.n_items,
        cells.n_categories)
    cx = co.reshape(-1, 1) if n_keep else np.zeros((ci.shape[0], 0))
    return Cells(cells.n_items, cells.n_categories, ci, cj, np.ascontiguousarray(cx), ck, cw)


def build_item_cells(comparisons, mdl, ties, order_effect, covariates, item_x, separate):
    """The :class:`Cells` of a fit with item covariates (structured scores).

    The linear-predictor columns are the order indicator (with ``order_effect``), the
    comparison-level ``covariates``, then ``item_x[a] - item_x[b]`` (``item_x``: one row of
    item covariates per item code, 0 for the items in ``separate``), then one column per item
    code in ``separate`` (+1 when it is ``a``, -1 when it is ``b``: its own ability).
    """
    covariates = list(covariates)
    _check_columns(comparisons, order_effect, covariates)
    a, b, k, w, n_cat = row_categories(comparisons, mdl, ties)
    m = a.shape[0]
    names = (["order"] if order_effect else []) + covariates
    parts = []
    if names:
        xt, src_rows = _row_columns(comparisons, names, m)
        parts.append(xt[:, src_rows].T)
    parts.append(item_x[a] - item_x[b])
    separate = np.asarray(separate, dtype=np.int64)
    if separate.shape[0]:
        parts.append((a[:, None] == separate[None, :]).astype(float)
                     - (b[:, None] == separate[None, :]).astype(float))
    xt = np.ascontiguousarray(np.column_stack(parts).T, dtype=float)
    return _covariate_cells(a, b, k, w, xt, np.arange(m, dtype=np.int64), comparisons.n_items,
                            n_cat)


def _row_hash(cx):
    """A 64-bit hash of every covariate row (its float64 bit patterns, mixed column by
    column); equal rows have equal hashes."""
    bits = np.ascontiguousarray(cx, dtype=np.float64).view(np.uint64)
    h = bits[:, 0].copy()
    with np.errstate(over="ignore"):
        for col in range(1, bits.shape[1]):
            h = (h * np.uint64(0x9E3779B97F4A7C15)) ^ bits[:, col]
    return h


def _group_order(ci, cj, ck, cx):
    """A stable order of the rows with every ``(pair, covariate row)`` group consecutive and
    its categories in order.  Sorts on ``(pair, a 64-bit hash of the covariate row, ck)``
    (three keys instead of ``3 + n_lin``: 0.34 s against 0.97 s for 10**6 rows and four
    covariates); if two different covariate rows of one pair share a hash, the exact
    lexicographic sort on every column is used instead."""
    n_rows = ci.shape[0]
    if n_rows < 2 or cx.shape[1] == 0:
        return np.lexsort([ck, cj, ci])
    h = _row_hash(cx)
    pair = ci.astype(np.int64) * (int(cj.max()) + 1) + cj
    order = np.lexsort([ck, h, pair])
    so, prev = order[1:], order[:-1]
    same = (pair[so] == pair[prev]) & (h[so] == h[prev])
    if np.any(same & np.any(cx[so] != cx[prev], axis=1)):
        keys = [ck] + [cx[:, col] for col in range(cx.shape[1] - 1, -1, -1)] + [cj, ci]
        return np.lexsort(keys)
    return order


#: Rows of covariates sampled by :func:`_worth_grouping`.
_GROUP_SAMPLE = 4096


def _worth_grouping(xt):
    """Whether rows with equal covariate rows are common enough to group: more than half
    of an evenly spaced sample of :data:`_GROUP_SAMPLE` rows repeats another row of the
    sample (discrete covariates; an order indicator alone).  Continuous covariates (a
    length ratio, z-scored counts) make every row its own pattern: grouping them (a sort
    of every row) cost 1.3 s for 10**6 rows and saved nothing.  Either answer gives the
    same likelihood: cells are a sum over rows."""
    m = xt.shape[1]
    if m <= _GROUP_SAMPLE:
        return True
    sample = xt[:, np.linspace(0, m - 1, _GROUP_SAMPLE).astype(np.int64)].T
    distinct = np.unique(_row_hash(sample)).shape[0]
    return distinct <= _GROUP_SAMPLE // 2


def _covariate_cells(a, b, k, w, xt, src, n, n_cat):
    """Cells with covariates: rows oriented so that ``ci < cj`` (covariates negated, the
    category mirrored), then grouped by ``(ci, cj, cx row, ck)`` (a stable sort, so the
    weights of a cell add up in row order; :func:`_group_order`): the ``(pair, cx)`` groups
    are consecutive, sorted by pair, their categories in order.  ``xt``: the covariate
    columns (columns x source rows), ``src``: the source row of each row ``(a, b, k, w)``."""
    a, b, k, w = _kernel_rows(a, b, k, w)
    xt = kernel_array(xt, np.float64)
    # one compiled pass: the rows gathered and turned so that ci < cj (category mirrored,
    # covariates negated, 0.0 for a negated zero)
    ci, cj, ck, cx = _build.orient_covariate_rows(a, b, k, xt, kernel_array(src, np.int64),
                                                  n_cat)
    if not _worth_grouping(xt):
        # continuous covariates: (almost) every row is a pattern of its own, so a sort
        # would cost more than it saves; one cell per row, in row order (the rows of
        # row_categories all have positive weights)
        cw = np.array(w, dtype=float)
        return Cells(n, n_cat, ci, cj, cx, ck, cw, np.arange(ci.shape[0], dtype=np.int64),
                     cw, rows_are_cells=True)
    order = _group_order(ci, cj, ck, cx)
    m = order.shape[0]
    new = np.ones(m, np.bool_)
    if m > 1:
        so, prev = order[1:], order[:-1]
        new[1:] = ((ci[so] != ci[prev]) | (cj[so] != cj[prev]) | (ck[so] != ck[prev])
                   | np.any(cx[so] != cx[prev], axis=1))
    first = order[new]
    cell_sorted = np.cumsum(new) - 1
    cw = np.bincount(cell_sorted, weights=np.asarray(w, dtype=float)[order])
    row_cell = np.empty(m, np.int64)
    row_cell[order] = cell_sorted
    if np.any(cw <= 0):
        # cells whose weights add up to nothing (cannot arise from positive rows) dropped
        keep = cw > 0
        remap = np.cumsum(keep) - 1
        row_cell = np.where(keep[row_cell], remap[row_cell], -1)
        first, cw = first[keep], cw[keep]
    return Cells(n, n_cat, ci[first].astype(np.int32), cj[first].astype(np.int32),
                 np.ascontiguousarray(cx[first]), ck[first], cw, row_cell,
                 np.asarray(w, dtype=float))


def column_gram(cells):
    """``cx' diag(cw) cx``: the weighted Gram matrix of the linear-predictor columns of
    ``cells``, exactly symmetric (:func:`btstats._kernels.cell_build.weighted_gram`)."""
    return _build.weighted_gram(cells.cx, cells.cw)


def start_extra(mdl, cells, n_lin):
    """Start values of ``(beta, theta)``: ``beta = 0`` (``n_lin`` linear-predictor
    coefficients) and the family's start values from the observed category shares
    (:meth:`btstats.models.families.Family.start`)."""
    counts = np.bincount(cells.ck, weights=cells.cw, minlength=cells.n_categories)
    theta = mdl.family.start(counts, mdl.link_function)
    return np.concatenate([np.zeros(int(n_lin)), np.asarray(theta, dtype=float)])


# ---------------------------------------------------------------- rows, units and groups
def _cell_keys(n, n_cat, ci, cj, co, ck):
    """The sort key of :func:`btstats.data.cells.build_cells` (cells are sorted by it)."""
    ci = np.asarray(ci, dtype=np.int64)
    cj = np.asarray(cj, dtype=np.int64)
    return ((ci * n + cj) * 3 + (np.asarray(co).astype(np.int64) + 1)) * n_cat + ck


def row_cells(comparisons, mdl, ties, order_effect, cells):
    """``(row, cell, weight)``: every stored row of ``comparisons`` (index into ``rows()``)
    with the cell it adds to and how much.

    A row adds its weight to one cell, except a tie under a binary model with
    ``ties="half"``, which adds half of it to each of two cells (the mapping of
    :func:`btstats.data.cells.build_cells`, rows of weight 0 left out).
    """
    if cells.row_cell is not None:
        # cells with covariates know the cell and the weight of every row
        w = cells.row_weight
    else:
        a, b, k, w, _ = row_categories(comparisons, mdl, ties)
    _, _, outcome, weight = comparisons.rows()
    row = (np.arange(comparisons.n_rows) if weight is None
           else np.flatnonzero(np.asarray(weight) > 0))
    if row.shape[0] != w.shape[0]:
        # a binary model with the ties dropped or halved (appended at the end)
        is_tie = np.asarray(outcome)[row] == 2
        row = row[~is_tie] if ties == "drop" else np.concatenate([row, row[is_tie]])
    if row.shape[0] != w.shape[0]:
        raise RuntimeError("internal error: the rows do not map onto the fitted cells.")
    if cells.row_cell is not None:
        return row, cells.row_cell, w
    n_cat = cells.n_categories
    if order_effect:
        o = comparisons.extra["order"].to_numpy(dtype=float)[row]
    else:
        o = np.zeros(row.shape[0])
    co = cells.cx[:, 0] if order_effect else np.zeros(cells.ci.shape[0])
    flip = a > b
    key = _cell_keys(comparisons.n_items, n_cat, np.where(flip, b, a), np.where(flip, a, b),
                     np.where(flip, -o, o), np.where(flip, n_cat - 1 - k, k))
    ckey = _cell_keys(cells.n_items, n_cat, cells.ci, cells.cj, co, cells.ck)
    cell = np.minimum(np.searchsorted(ckey, key), ckey.shape[0] - 1)
    if not np.array_equal(ckey[cell], key):
        raise RuntimeError("internal error: the rows do not map onto the fitted cells.")
    return row, cell, np.asarray(w, dtype=float)


def row_atoms(comparisons, cells):
    """:func:`comparison_atoms` of cells that are the rows of :func:`row_categories`
    (``cells.rows_are_cells``) with the ties halved: the stored rows of positive weight are
    the first cells, in order, and each tie among them has its other half appended, in
    order.  A kind is a row: one cell, or the row's cell and its tie's half (coefficients
    1/2); its mass is the row's weight.  (One compiled pass: a sixth of the time of
    :func:`row_cells` and :func:`comparison_atoms` for 10**6 rows.)"""
    _, _, outcome, weight = comparisons.rows()
    tie = np.asarray(outcome) == 2
    if weight is not None:
        tie = tie[np.asarray(weight) > 0]
    cw = cells.cw
    if tie.shape[0] + int(tie.sum()) != cw.shape[0]:
        raise RuntimeError("internal error: the rows do not map onto the fitted cells.")
    return _krc.halved_row_units(kernel_array(tie, np.bool_), kernel_array(cw, np.float64))


def comparison_atoms(row, cell, weight, n_cells):
    """The kinds of comparison as a CSR ``(ptr, cell, coef)`` with their masses.

    A kind is what one comparison adds to the cells: 1 to one cell, or 1/2 to each of two (a
    tie under ``ties="half"``); its mass is the total weight of the rows of that kind.
    """
    if cell.shape[0] == n_cells and np.array_equal(cell, np.arange(n_cells)):
        # one entry per cell (continuous covariates): the rows are the kinds, in one pass
        return _krc.row_units(np.asarray(row, dtype=np.int64), np.asarray(weight, float),
                              int(row.max()) + 1 if row.shape[0] else 0)
    n_entries = np.bincount(row)[row]
    one = n_entries == 1
    if np.any(n_entries > 2):
        raise RuntimeError("internal error: a row adds to more than two cells.")
    mass1 = np.bincount(cell[one], weights=weight[one], minlength=n_cells)
    c1 = np.flatnonzero(mass1 > 0)
    ptr = [np.arange(c1.shape[0] + 1, dtype=np.int64)]
    cells = [c1.astype(np.int64)]
    coefs = [np.ones(c1.shape[0])]
    masses = [mass1[c1]]
    if not one.all():
        two = ~one
        order = np.lexsort((cell[two], row[two]))
        c = cell[two][order]
        w = weight[two][order]
        pair = c[0::2] * n_cells + c[1::2]
        uniq, inv = np.unique(pair, return_inverse=True)
        mass2 = np.bincount(inv, weights=w[0::2] + w[1::2])
        ptr.append(ptr[0][-1] + 2 * np.arange(1, uniq.shape[0] + 1, dtype=np.int64))
        cells.append(np.column_stack([uniq // n_cells, uniq % n_cells]).ravel())
        coefs.append(np.full(2 * uniq.shape[0], 0.5))
        masses.append(mass2)
    return (np.concatenate(ptr), np.concatenate(cells).astype(np.int64), np.concatenate(coefs),
            np.concatenate(masses))


def cluster_units(row, cell, weight, labels, n_cells):
    """Clusters as a CSR ``(ptr, cell, weight)`` of their total weight per cell, and their
    number (``labels``: a cluster code per stored row)."""
    unit = np.asarray(labels, dtype=np.int64)[row]
    n_units = int(unit.max()) + 1
    key = unit * n_cells + cell
    uk, inv = np.unique(key, return_inverse=True)
    wsum = np.bincount(inv, weights=weight)
    ptr = np.zeros(n_units + 1, np.int64)
    np.add.at(ptr, uk // n_cells + 1, 1)
    np.cumsum(ptr, out=ptr)
    return ptr, (uk % n_cells).astype(np.int64), wsum, n_units


def cell_groups(cells):
    """The ``(pair, linear-predictor row)`` groups of the cells (``(pair, order)`` without
    covariates): ``(gi, gj, gx, totals)`` per group, with the group's total weight (the
    cells are sorted by group, then category)."""
    ci, cj, cx = cells.ci, cells.cj, cells.cx
    m = ci.shape[0]
    new = np.ones(m, np.bool_)
    if m > 1:
        new[1:] = (ci[1:] != ci[:-1]) | (cj[1:] != cj[:-1])
        if cx.shape[1]:
            new[1:] |= np.any(cx[1:] != cx[:-1], axis=1)
    first = np.flatnonzero(new)
    totals = np.bincount(np.cumsum(new) - 1, weights=cells.cw)
    return ci[first], cj[first], np.ascontiguousarray(cx[first]), totals


def expand_groups(gi, gj, gx, n_categories):
    """Cell arrays ``(ci, cj, cx, ck)`` with every category of every group (``K`` cells per
    group, group-major)."""
    k = n_categories
    return (np.repeat(gi, k), np.repeat(gj, k), np.ascontiguousarray(np.repeat(gx, k, axis=0)),
            np.tile(np.arange(k, dtype=np.int64), gi.shape[0]))


def pair_structure(n, n_categories, ci, cj, ck):
    """``(cpair, cclass, pi, pj)``: the pair of every cell, whether it is a win of ``pi``
    (0), of ``pj`` (1) or a tie (2), and the pairs (for the existence checks)."""
    if n * n <= max(4 * ci.shape[0], 1 << 16):
        # a table of every possible pair (no larger than a few times the cells): no sort
        return _build.dense_pair_structure(n, n_categories, kernel_array(ci, np.int64),
                                           kernel_array(cj, np.int64),
                                           kernel_array(ck, np.int64))
    key = ci.astype(np.int64) * n + cj
    uniq, cpair = np.unique(key, return_inverse=True)
    mid = (n_categories - 1) / 2.0
    cclass = np.where(ck > mid, 0, np.where(ck < mid, 1, 2)).astype(np.int64)
    return (cpair.astype(np.int64), cclass, (uniq // n).astype(np.int32),
            (uniq % n).astype(np.int32))
