"""One pass from oriented comparison rows to the cells of the general model core.

Numba only (and a plain-Python wrapper that picks the path).  Row ``r`` is
``(a[r], b[r], k[r], w[r], o[r])``: item codes, the outcome category in ``a``'s favour
(``0 .. K - 1``, ``K - 1``: ``a`` best), the weight and the order indicator of ``a`` (+1, 0,
-1).  A row with ``a > b`` is turned round: the sides swap, ``o -> -o`` and
``k -> K - 1 - k``.  The cells are the distinct ``(ci < cj, co, ck)`` with their summed
weight ``cw``, in ascending order of the key ``((ci n + cj) 3 + co + 1) K + ck``; cells whose
total weight is not positive are dropped.  This is exactly what
``np.unique(key, return_inverse=True)`` + ``np.bincount`` give, weights included: every path
adds the weights of a cell in row order, as ``np.bincount`` does.

Three paths give identical output:

- dense, when the table of every possible cell is small (see :data:`DENSE_MAX`): one
  increment per row into ``table[(p n_co + co + 1) K + ck]``, ``p`` the triangular index of
  the pair (``i < j`` only: half of an ``n x n`` table), ``n_co = 1`` (and ``co + 1`` read as
  0) when no row has an order indicator; then a scan for the positive entries, which come
  out in key order: no sort.
- sorted: the key of every row, the bit fields ``ci | cj | co + 1 | ck`` in one int64 (the
  order of ``(ci, cj, co, ck)``, decoded by shifts), is radix-sorted (LSD, stable, so equal
  keys keep their row order) with the weight as payload, then equal keys are merged.
- lexicographic, when those fields would need more than 62 bits (about 2**29 items): the
  same radix sort on ``cj | co + 1 | ck`` and then, stably, on ``ci``.

No validation (the caller validates): codes must lie in ``0 .. n - 1`` with ``a != b``,
categories in ``0 .. K - 1`` and order indicators in ``{-1, 0, 1}`` (the dense path writes at
the index they give), and ``n < 2**31`` (the item codes of the cells are int32).
"""
import numpy as np
from numba import njit

#: The dense path is taken while its table holds at most one entry per row and at most this
#: many entries (4 MiB of float64).  Measured on 10**4 .. 3 x 10**6 rows: the dense path is
#: 2-4x faster than sorting below both bounds; beyond one entry per row the scan of the table
#: costs more than the sort, and beyond 6-7 MiB every increment misses the cache (3 x 10**6
#: rows into 8.6 MiB: 73 ms dense, 49 ms sorted).
DENSE_MAX = 1 << 19

#: The widest radix digit, in bits (10 was the fastest for 10**6 keys of 24 to 45 bits, against
#: 6, 8, 9, 11, 12, 13 and 16).
_DIGIT_BITS = 10

#: Keys wider than this many bits take the lexicographic path.
_KEY_BITS = 62
#: The group codes of rows without groups (every row in group 0).
_NO_GROUP = np.empty(0, np.int64)


def _bits(x):
    return max(1, int(x).bit_length())


@njit(cache=True)
def any_nonzero(o):
    """True if some entry of ``o`` is not 0 (stops at the first)."""
    for r in range(o.shape[0]):
        if o[r] != 0.0:
            return True
    return False


@njit(cache=True)
def _orient(x, y, c, o_r, has_order, top):
    """``(ci, cj, s, ck)`` of one row, ``s = co + 1`` (0 without an order effect).

    Written as selects, not a branch on ``x > y`` (a coin flip on random rows): 1.6-2x
    faster with an order effect."""
    flip = x > y
    i = min(x, y)
    j = max(x, y)
    c = top - c if flip else c
    s = np.int64(o_r) + 1 if has_order else np.int64(0)
    s = 2 - s if (flip and has_order) else s
    return i, j, s, c


@njit(cache=True)
def dense_accumulate(a, b, k, w, o, has_order, n, n_cat, table):
    """``table[(p n_co + s) K + ck] += w`` for every row.

    ``p = i (2n - i - 1) / 2 + j - i - 1`` is the triangular index of the pair ``i < j``;
    ``n_co = 3`` (``s = co + 1``) with an order effect, else 1 (``s = 0``)."""
    n_co = np.int64(3) if has_order else np.int64(1)
    top = np.int64(n_cat - 1)
    twice_n1 = 2 * np.int64(n) - 1
    for r in range(a.shape[0]):
        i, j, s, c = _orient(np.int64(a[r]), np.int64(b[r]), np.int64(k[r]),
                             o[r] if has_order else 0.0, has_order, top)
        p = ((i * (twice_n1 - i)) >> 1) + j - i - 1
        table[(p * n_co + s) * n_cat + c] += w[r]


@njit(cache=True)
def dense_emit(table, has_order, n, n_cat):
    """The cells of the positive table entries, in key order: ``(ci, cj, co, ck, cw)``."""
    n_co = 3 if has_order else 1
    m = 0
    for t in range(table.shape[0]):
        if table[t] > 0.0:
            m += 1
    ci = np.empty(m, np.int32)
    cj = np.empty(m, np.int32)
    co = np.empty(m)
    ck = np.empty(m, np.int64)
    cw = np.empty(m)
    t = 0
    q = 0
    for i in range(n):
        for j in range(i + 1, n):
            for s in range(n_co):
                for c in range(n_cat):
                    v = table[t]
                    t += 1
                    if v > 0.0:
                        ci[q] = i
                        cj[q] = j
                        co[q] = np.float64(s - 1) if has_order else 0.0
                        ck[q] = c
                        cw[q] = v
                        q += 1
    return ci, cj, co, ck, cw


@njit(cache=True)
def _fields(n, n_cat, has_order):
    """Bit widths ``(hb, sb, kb)`` of an item code, ``s = co + 1`` and a category."""
    hb = 1
    while (np.int64(1) << hb) < n:
        hb += 1
    sb = 2 if has_order else 0
    kb = 1
    while (np.int64(1) << kb) < n_cat:
        kb += 1
    return hb, sb, kb


@njit(cache=True)
def radix_sort(keys, vals, tmp_k, tmp_v, lo, hi):
    """Stable LSD radix sort of ``keys`` (all in ``lo .. hi``), ``vals`` permuted alike.

    Digits of at most ``_DIGIT_BITS`` bits of ``key - lo``, equal widths; the histograms of
    every digit are counted in one read, and a digit that is the same for every key is
    skipped.  ``tmp_*`` are scratch arrays of the same shapes; returns the sorted arrays (one
    of each pair of buffers)."""
    m = keys.shape[0]
    span = np.int64(hi - lo)
    bits = 0
    while bits < 63 and (span >> bits) != 0:
        bits += 1
    if bits == 0 or m < 2:
        return keys, vals
    passes = (bits + _DIGIT_BITS - 1) // _DIGIT_BITS
    digit = (bits + passes - 1) // passes
    buckets = 1 << digit
    mask = np.int64(buckets - 1)
    count = np.zeros((passes, buckets), np.int64)
    for r in range(m):
        x = np.int64(keys[r]) - lo
        for p in range(passes):
            count[p, (x >> (p * digit)) & mask] += 1
    for p in range(passes):
        row = count[p]
        trivial = False
        total = np.int64(0)
        for d in range(buckets):
            c = row[d]
            if c == m:
                trivial = True
            row[d] = total
            total += c
        if trivial:
            continue
        shift = p * digit
        for r in range(m):
            x = keys[r]
            d = ((np.int64(x) - lo) >> shift) & mask
            pos = row[d]
            tmp_k[pos] = x
            tmp_v[pos] = vals[r]
            row[d] = pos + 1
        keys, tmp_k = tmp_k, keys
        vals, tmp_v = tmp_v, vals
    return keys, vals


@njit(cache=True)
def _merge_in_place(keys, vals):
    """Sum the weights of equal neighbours of sorted ``keys``, in order, into the front of
    ``keys`` / ``vals``; returns ``(u, kept)``: the number of distinct keys and of positive
    sums."""
    m = keys.shape[0]
    q = 0
    for t in range(1, m):
        if keys[t] != keys[q]:
            q += 1
            keys[q] = keys[t]
            vals[q] = vals[t]
        else:
            vals[q] += vals[t]
    u = q + 1 if m else 0
    kept = 0
    for q in range(u):
        if vals[q] > 0.0:
            kept += 1
    return u, kept


def _empty():
    e = np.empty(0, np.int32)
    return e, e.copy(), np.empty(0), np.empty(0, np.int64), np.empty(0)


def _key_fits(n, n_cat, has_order):
    """True if the packed key of :func:`group_row_keys` without group codes fits in
    ``_KEY_BITS`` bits."""
    return 2 * _bits(n - 1) + (2 if has_order else 0) + _bits(n_cat - 1) <= _KEY_BITS


def choose_path(n_rows, n_items, n_cat, has_order):
    """``"dense"``, ``"sort"`` or ``"lex"`` for these sizes (see the module docstring)."""
    n_co = 3 if has_order else 1
    n, m = int(n_items), int(n_rows)
    table = n * (n - 1) // 2 * n_co * int(n_cat)
    if table <= min(m, DENSE_MAX):
        return "dense"
    return "sort" if _key_fits(n, n_cat, has_order) else "lex"


def build_cells_arrays(a, b, k, w, o, n_items, n_cat, *, path=None):
    """The cells of rows ``(a, b, k, w, o)``: ``(ci, cj, co, ck, cw)``.

    Parameters
    ----------
    a, b : int64 arrays, item codes ``0 .. n_items - 1`` of each row (``a != b``).
    k : int64 array, the outcome category in ``a``'s favour, ``0 .. n_cat - 1``.
    w : float64 array, row weights.
    o : float64 array of order indicators of ``a`` in ``{-1, 0, 1}``, or None (no order
        effect: the same as all zeros).
    n_items, n_cat : int.
    path : None (choose by size), ``"dense"``, ``"sort"`` or ``"lex"``.

    Returns
    -------
    ci, cj : int32 arrays, ``ci < cj``.
    co : float64 array, the order indicator of ``ci`` (-1.0, 0.0, 1.0).
    ck : int64 array, the category in ``ci``'s favour.
    cw : float64 array, the summed weights (all positive).

    The cells are in ascending order of ``((ci n + cj) 3 + co + 1) n_cat + ck`` and equal,
    weights included, to what ``np.unique`` of that key with ``np.bincount`` give.  No
    validation: see the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([0, 1, 0, 2]), np.array([1, 0, 1, 1])
    >>> k = np.array([2, 0, 1, 0])           # a wins, a loses, a tie, a loses
    >>> w = np.array([1.0, 2.0, 0.5, 1.0])
    >>> ci, cj, co, ck, cw = build_cells_arrays(a, b, k, w, None, 3, 3)
    >>> ci.tolist(), cj.tolist(), co.tolist(), ck.tolist(), cw.tolist()
    ([0, 0, 1], [1, 1, 2], [0.0, 0.0, 0.0], [1, 2, 2], [0.5, 3.0, 1.0])
    """
    a = np.ascontiguousarray(a, dtype=np.int64)
    b = np.ascontiguousarray(b, dtype=np.int64)
    k = np.ascontiguousarray(k, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.float64)
    if o is None:
        o = np.zeros(1)
        has_order = False
    else:
        o = np.ascontiguousarray(o, dtype=np.float64)
        has_order = bool(any_nonzero(o))
    m = a.shape[0]
    n = int(n_items)
    n_cat = int(n_cat)
    if m == 0:
        return _empty()
    if path is None:
        path = choose_path(m, n, n_cat, has_order)
    if path == "dense":
        n_co = 3 if has_order else 1
        # numpy's calloc: the pages of a large table are zeroed on first touch only
        table = np.zeros(n * (n - 1) // 2 * n_co * n_cat)
        dense_accumulate(a, b, k, w, o, has_order, n, n_cat, table)
        return dense_emit(table, has_order, n, n_cat)
    if path == "sort":
        if not _key_fits(n, n_cat, has_order):
            raise ValueError("path='sort': the key of this many items does not fit in 62 "
                             "bits; use path='lex' or path=None.")
        # the group kernels with no group codes (every row in group 0: the same keys)
        keys = np.empty(m, np.int64)
        vals = np.empty(m)
        lo, hi = group_row_keys(_NO_GROUP, a, b, k, w, o, has_order, n, n_cat, keys, vals)
        keys, vals = radix_sort(keys, vals, np.empty_like(keys), np.empty_like(vals), lo, hi)
        return merge_sorted_groups(keys, vals, has_order, n, n_cat)[1:]
    if path == "lex":
        return group_lex_cells(_NO_GROUP, a, b, k, w, o, has_order, n, n_cat)[1:]
    raise ValueError(f"`path` must be None, 'dense', 'sort' or 'lex', not {path!r}.")


# ------------------------------------------------------------------ cells with a group key
# Rows ``(g[r], a[r], b[r], k[r], w[r], o[r])`` with a group code ``g`` (an annotator, say):
# the cells are the distinct ``(cg, ci < cj, co, ck)`` with their summed weights, in ascending
# order of ``(cg, ci, cj, co, ck)``.  Two paths give identical output: the packed key
# ``cg | ci | cj | co + 1 | ck`` radix-sorted (when it fits in 62 bits), or the two keys
# ``cg | ci`` and ``cj | co + 1 | ck`` sorted lexicographically.


@njit(cache=True)
def group_row_keys(g, a, b, k, w, o, has_order, n, n_cat, keys, vals):
    """``keys[r] = (((cg << hb | ci) << hb | cj) << sb | s) << kb | ck`` (see
    :func:`_fields`; the order of the key is that of ``(cg, ci, cj, co, ck)``) and
    ``vals[r] = w[r]``; returns the smallest and largest key.  An empty ``g`` puts every row
    in group 0."""
    hb, sb, kb = _fields(n, n_cat, has_order)
    has_group = g.shape[0] > 0
    top = np.int64(n_cat - 1)
    lo = np.int64(np.iinfo(np.int64).max)
    hi = np.int64(-1)
    for r in range(a.shape[0]):
        i, j, s, c = _orient(np.int64(a[r]), np.int64(b[r]), np.int64(k[r]),
                             o[r] if has_order else 0.0, has_order, top)
        cg = np.int64(g[r]) if has_group else np.int64(0)
        key = (((((cg << hb) | i) << hb | j) << sb | s) << kb) | c
        keys[r] = key
        vals[r] = w[r]
        lo = min(lo, key)
        hi = max(hi, key)
    return lo, hi


@njit(cache=True)
def merge_sorted_groups(keys, vals, has_order, n, n_cat):
    """The cells ``(cg, ci, cj, co, ck, cw)`` of sorted keys of :func:`group_row_keys`:
    equal keys summed in order, non-positive totals dropped.  Overwrites the inputs."""
    hb, sb, kb = _fields(n, n_cat, has_order)
    u, kept = _merge_in_place(keys, vals)
    cg = np.empty(kept, np.int64)
    ci = np.empty(kept, np.int32)
    cj = np.empty(kept, np.int32)
    co = np.empty(kept)
    ck = np.empty(kept, np.int64)
    cw = np.empty(kept)
    kmask = (np.int64(1) << kb) - 1
    smask = (np.int64(1) << sb) - 1
    hmask = (np.int64(1) << hb) - 1
    t = 0
    for q in range(u):
        v = vals[q]
        if v > 0.0:
            key = keys[q]
            ck[t] = key & kmask
            key >>= kb
            co[t] = np.float64((key & smask) - 1) if has_order else 0.0
            key >>= sb
            cj[t] = key & hmask
            key >>= hb
            ci[t] = key & hmask
            cg[t] = key >> hb
            cw[t] = v
            t += 1
    return cg, ci, cj, co, ck, cw


@njit(cache=True)
def group_lex_cells(g, a, b, k, w, o, has_order, n, n_cat):
    """The cells of :func:`merge_sorted_groups` by two stable radix sorts: on
    ``(cj << sb | s) << kb | ck``, then on ``cg << hb | ci`` (for keys too wide to pack).
    An empty ``g`` puts every row in group 0."""
    hb, sb, kb = _fields(n, n_cat, has_order)
    has_group = g.shape[0] > 0
    top = np.int64(n_cat - 1)
    m = a.shape[0]
    first = np.empty(m, np.int64)
    second = np.empty(m, np.int64)
    big = np.int64(np.iinfo(np.int64).max)
    lo1, hi1, lo2, hi2 = big, np.int64(-1), big, np.int64(-1)
    for r in range(m):
        i, j, s, c = _orient(np.int64(a[r]), np.int64(b[r]), np.int64(k[r]),
                             o[r] if has_order else 0.0, has_order, top)
        first[r] = ((np.int64(g[r]) if has_group else np.int64(0)) << hb) | i
        second[r] = ((j << sb | s) << kb) | c
        lo1 = min(lo1, first[r])
        hi1 = max(hi1, first[r])
        lo2 = min(lo2, second[r])
        hi2 = max(hi2, second[r])
    idx = np.arange(m)
    _, idx = radix_sort(second.copy(), idx, np.empty(m, np.int64), np.empty(m, np.int64),
                        lo2, hi2)
    key1, idx = radix_sort(first[idx], idx, np.empty(m, np.int64), np.empty(m, np.int64),
                           lo1, hi1)
    u1 = np.empty(m, np.int64)
    u2 = np.empty(m, np.int64)
    sums = np.empty(m)
    q = 0
    u1[0] = key1[0]
    u2[0] = second[idx[0]]
    sums[0] = w[idx[0]]
    for t in range(1, m):
        r = idx[t]
        if key1[t] != u1[q] or second[r] != u2[q]:
            q += 1
            u1[q] = key1[t]
            u2[q] = second[r]
            sums[q] = w[r]
        else:
            sums[q] += w[r]
    kept = 0
    for t in range(q + 1):
        if sums[t] > 0.0:
            kept += 1
    cg = np.empty(kept, np.int64)
    ci = np.empty(kept, np.int32)
    cj = np.empty(kept, np.int32)
    co = np.empty(kept)
    ck = np.empty(kept, np.int64)
    cw = np.empty(kept)
    kmask = (np.int64(1) << kb) - 1
    smask = (np.int64(1) << sb) - 1
    hmask = (np.int64(1) << hb) - 1
    c = 0
    for t in range(q + 1):
        if sums[t] > 0.0:
            key = u2[t]
            ck[c] = key & kmask
            key >>= kb
            co[c] = np.float64((key & smask) - 1) if has_order else 0.0
            cj[c] = key >> sb
            ci[c] = u1[t] & hmask
            cg[c] = u1[t] >> hb
            cw[c] = sums[t]
            c += 1
    return cg, ci, cj, co, ck, cw


def _group_key_fits(n_groups, n, n_cat, has_order):
    """True if the packed key of :func:`group_row_keys` fits in ``_KEY_BITS`` bits."""
    return (_bits(n_groups - 1) + 2 * _bits(n - 1) + (2 if has_order else 0)
            + _bits(n_cat - 1) <= _KEY_BITS)


def build_group_cells_arrays(g, a, b, k, w, o, n_groups, n_items, n_cat, *, path=None):
    """The cells of rows ``(g, a, b, k, w, o)`` with a group code ``g`` (one pass).

    Parameters
    ----------
    g : int64 array, the group code of each row, ``0 .. n_groups - 1`` (an annotator).
    a, b, k, w, o, n_items, n_cat : as in :func:`build_cells_arrays`.
    n_groups : int.
    path : None (the packed key when it fits in 62 bits), ``"sort"`` or ``"lex"``.

    Returns
    -------
    cg : int64 array, the group of each cell.
    ci, cj, co, ck, cw : as in :func:`build_cells_arrays`.

    The cells are the distinct ``(cg, ci < cj, co, ck)``, in ascending order of that tuple,
    with the weights of their rows summed in row order (non-positive totals dropped): per
    group, exactly the cells :func:`build_cells_arrays` gives for that group's rows.  No
    validation (see the module docstring; also ``0 <= g < n_groups < 2**31``).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.array([1, 0, 1, 1])
    >>> a, b = np.array([0, 1, 1, 0]), np.array([1, 0, 0, 1])
    >>> k = np.array([1, 0, 0, 1])           # a wins, a loses, a loses, a wins
    >>> cg, ci, cj, co, ck, cw = build_group_cells_arrays(g, a, b, k, np.ones(4), None,
    ...                                                   2, 2, 2)
    >>> cg.tolist(), ci.tolist(), cj.tolist(), ck.tolist(), cw.tolist()
    ([0, 1], [0, 0], [1, 1], [1, 1], [1.0, 3.0])
    """
    g = np.ascontiguousarray(g, dtype=np.int64)
    a = np.ascontiguousarray(a, dtype=np.int64)
    b = np.ascontiguousarray(b, dtype=np.int64)
    k = np.ascontiguousarray(k, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.float64)
    if o is None:
        o = np.zeros(1)
        has_order = False
    else:
        o = np.ascontiguousarray(o, dtype=np.float64)
        has_order = bool(any_nonzero(o))
    m = a.shape[0]
    n, n_cat, n_groups = int(n_items), int(n_cat), max(int(n_groups), 1)
    if m == 0:
        return (np.empty(0, np.int64),) + _empty()
    fits = _group_key_fits(n_groups, n, n_cat, has_order)
    if path is None:
        path = "sort" if fits else "lex"
    if path == "sort":
        if not fits:
            raise ValueError("path='sort': the key of this many groups and items does not "
                             "fit in 62 bits; use path='lex' or path=None.")
        keys = np.empty(m, np.int64)
        vals = np.empty(m)
        lo, hi = group_row_keys(g, a, b, k, w, o, has_order, n, n_cat, keys, vals)
        keys, vals = radix_sort(keys, vals, np.empty_like(keys), np.empty_like(vals), lo, hi)
        return merge_sorted_groups(keys, vals, has_order, n, n_cat)
    if path == "lex":
        return group_lex_cells(g, a, b, k, w, o, has_order, n, n_cat)
    raise ValueError(f"`path` must be None, 'sort' or 'lex', not {path!r}.")


@njit(cache=True)
def orient_covariate_rows(a, b, k, xt, src, n_cat):
    """Rows with covariates turned so that ``ci < cj``: ``(ci, cj, ck, cx)``, the sides
    swapped, the category mirrored (``K - 1 - k``) and the covariate row negated where
    ``a > b`` (``0.0`` for a negated zero).  Row ``r``'s covariates are the column
    ``xt[:, src[r]]`` (``xt``: columns x source rows; ``src``: a source row per row, so that
    the appended copies of halved ties need no copy of their covariates).  One cell per
    row: the fit with continuous covariates, where grouping cannot shrink the data."""
    m = a.shape[0]
    p = xt.shape[0]
    ci = np.empty(m, np.int32)
    cj = np.empty(m, np.int32)
    ck = np.empty(m, np.int64)
    cx = np.empty((m, p))
    top = n_cat - 1
    for r in range(m):
        t = src[r]
        if a[r] > b[r]:
            ci[r] = b[r]
            cj[r] = a[r]
            ck[r] = top - k[r]
            for l in range(p):
                cx[r, l] = 0.0 - xt[l, t]
        else:
            ci[r] = a[r]
            cj[r] = b[r]
            ck[r] = k[r]
            for l in range(p):
                cx[r, l] = xt[l, t] + 0.0
    return ci, cj, ck, cx


@njit(cache=True, nogil=True)
def dense_pair_structure(n, n_categories, ci, cj, ck):
    """``(cpair, cclass, pi, pj)`` of :func:`btstats.data.cells.pair_structure` through a
    table of the ``n * n`` ordered pairs (the caller checks that it is small): one pass to
    mark the pairs, one to number them and classify the cells."""
    m = ci.shape[0]
    slot = np.full(n * n, -1, np.int64)
    for c in range(m):
        slot[ci[c] * n + cj[c]] = 0
    n_pairs = 0
    for key in range(n * n):
        if slot[key] == 0:
            slot[key] = n_pairs
            n_pairs += 1
    pi = np.empty(n_pairs, np.int32)
    pj = np.empty(n_pairs, np.int32)
    for key in range(n * n):
        if slot[key] >= 0:
            pi[slot[key]] = key // n
            pj[slot[key]] = key % n
    mid2 = n_categories - 1          # twice the middle category
    cpair = np.empty(m, np.int64)
    cclass = np.empty(m, np.int64)
    for c in range(m):
        cpair[c] = slot[ci[c] * n + cj[c]]
        k2 = 2 * ck[c]
        cclass[c] = 0 if k2 > mid2 else (1 if k2 < mid2 else 2)
    return cpair, cclass, pi, pj


@njit(cache=True)
def weighted_gram(cx, cw):
    """``sum_c cw[c] cx[c] cx[c]'``: the weighted Gram matrix of the cells' linear-predictor
    columns, exactly symmetric (the upper triangle summed in cell order, then mirrored).
    One compiled pass: a BLAS product would wake OpenBLAS's threads, whose spinning after
    the call slowed the Numba passes that follow (10**6 cells: 0.2 s of CPU)."""
    p = cx.shape[1]
    gram = np.zeros((p, p))
    for c in range(cx.shape[0]):
        w = cw[c]
        for a in range(p):
            wa = w * cx[c, a]
            for b in range(a, p):
                gram[a, b] += wa * cx[c, b]
    for a in range(p):
        for b in range(a + 1, p):
            gram[b, a] = gram[a, b]
    return gram
