"""Rows of a :class:`Comparisons` as resampling / clustering units over (pair, outcome) cells.

Cell ``3 k + o`` of pair ``k`` (``pi[k] < pj[k]``) counts the wins of ``pi[k]`` (``o = 0``), of
``pj[k]`` (``o = 1``) and the ties (``o = 2``).  A unit (a cluster, or a row) is a sparse vector of
cell weights, stored as a CSR ``(ptr, cell, weight)``.  :func:`kernel_array` and
:func:`kernel_codes` give rows the one type the kernels are compiled for.
"""
import numpy as np
import pandas as pd

from .. import _validation as _v


def cluster_labels(comps, cluster):
    """Integer cluster codes per stored row from a column name of ``comps.extra`` or labels."""
    n_rows = comps.n_rows
    if isinstance(cluster, str):
        extra = comps.extra
        if extra is None or cluster not in extra.columns:
            have = [] if extra is None else list(extra.columns)
            raise _v.DataError(
                f"`cluster`={cluster!r} is not a per-row column of these comparisons (they "
                f"have {have or 'none'}). Build them with a cluster column, e.g. "
                f"Comparisons.from_frame(df, cluster='prompt'), or pass one label per row.")
        labels = extra[cluster].to_numpy()
        if labels.shape[0] * 3 == n_rows:  # pair-count records are stored as three rows
            labels = np.repeat(labels, 3)
    else:
        labels = np.asarray(cluster)
        if labels.ndim != 1 or labels.shape[0] != n_rows:
            raise _v.DataError(f"`cluster` must hold one label per row ({n_rows} rows); got "
                               f"shape {labels.shape}.")
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    if np.any(codes < 0):
        bad = np.flatnonzero(codes < 0)[:5].tolist()
        raise _v.DataError(f"the cluster column has missing labels in rows {bad}; give every "
                           f"row a cluster (e.g. its own id).")
    if uniques.shape[0] < 2:
        raise _v.DataError("clustering needs at least two clusters; the data have "
                           f"{uniques.shape[0]}.")
    return codes


def row_cells(comps, pi, pj):
    """Cell index (3 k + outcome relative to the pair's order) and weight of every row."""
    a, b, outcome, weight = comps.rows()
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    n = comps.n_items
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    keys = pi.astype(np.int64) * n + pj
    k = np.searchsorted(keys, lo * n + hi)
    o = np.zeros(a.shape[0], np.int64) if outcome is None else np.asarray(outcome, np.int64)
    # outcome 0: a wins, 1: b wins, 2: tie; relative to (lo, hi): lo wins is 0, hi wins is 1
    rel = np.where(o == 2, 2, np.where((o == 0) == (a == lo), 0, 1))
    w = np.ones(a.shape[0]) if weight is None else np.asarray(weight, dtype=float)
    return 3 * k + rel, w


def units(comps, pi, pj, labels):
    """Units as a CSR of (cell, weight): clusters (``labels``) or rows (``labels=None``)."""
    cell, w = row_cells(comps, pi, pj)
    keep = w > 0
    cell, w = cell[keep], w[keep]
    if labels is None:
        unit = np.arange(cell.shape[0], dtype=np.int64)
    else:
        unit = np.asarray(labels, np.int64)[keep]
    n_units = int(unit.max()) + 1 if unit.shape[0] else 0
    key = unit * (3 * pi.shape[0]) + cell
    uk, inv = np.unique(key, return_inverse=True)
    wsum = np.bincount(inv, weights=w)
    u_unit = uk // (3 * pi.shape[0])
    u_cell = uk % (3 * pi.shape[0])
    ptr = np.zeros(n_units + 1, np.int64)
    np.add.at(ptr, u_unit + 1, 1)
    np.cumsum(ptr, out=ptr)
    return ptr, u_cell.astype(np.int64), wsum, n_units


def kernel_array(x, dtype=None):
    """``x`` as the kernels take their inputs: C-contiguous, of ``dtype`` (default: its own)
    and read-only (a read-only *view* of a writable array: no copy).

    Numba compiles a kernel once per argument type, and writable and read-only arrays are
    different types: numpy arrays are writable, the columns pandas 3 hands out are not, so
    without this a session reading both would compile the aggregation twice.
    """
    arr = np.ascontiguousarray(x, dtype=dtype)
    if arr.flags.writeable:
        arr = arr.view()
        arr.setflags(write=False)
    return arr


def kernel_codes(a, b):
    """Item codes ``a``, ``b`` for the kernels: int32 when both are (the benchmarks' raw
    arrays), else int64 (numpy's default, and every code btstats makes), read-only
    (:func:`kernel_array`): at most two signatures of the aggregation, one per session."""
    dtype = np.int32 if a.dtype == np.int32 and b.dtype == np.int32 else np.int64
    return kernel_array(a, dtype), kernel_array(b, dtype)
