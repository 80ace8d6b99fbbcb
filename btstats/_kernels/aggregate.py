"""One pass from raw comparison rows to one record per unordered pair.

Numba only.  Rows are ``(a[r], b[r], outcome[r], weight[r])`` with integer item codes, outcome
0 = a wins, 1 = b wins, 2 = tie (``has_outcome=False``: every row is a win of ``a``; the
``outcome`` array is then ignored), weight 1 when ``has_weight=False``.  The result is the
pairs ``i < j`` that occur with a non-zero count, in lexicographic order, with ``wab`` (wins
of i over j), ``wba`` and ``tie`` summed over rows.

Two paths give identical output: a dense n x n count for few items (one random increment per
row into a table that stays in cache), and for many items a two-pass counting sort (LSD radix
on the pair key) followed by a merge of equal keys, O(rows + items) memory, never n x n.

The rows are checked in the same pass.  The first element returned is a status: 0 fine,
1 an item code out of range, 2 a self-comparison, 3 a negative or non-finite weight, 4 an
outcome code outside {0, 1, 2}; the second the first offending row (-1 when fine).
"""
import numpy as np
from numba import njit

OK = 0
BAD_CODE = 1
SELF = 2
BAD_WEIGHT = 3
BAD_OUTCOME = 4


@njit(cache=True)
def _empty_result():
    e = np.empty(0, np.int64)
    z = np.empty(0)
    return e, e.copy(), z, z.copy(), z.copy()


@njit(cache=True)
def _check_row(n, x, y, o, w):
    if x < 0 or x >= n or y < 0 or y >= n:
        return BAD_CODE
    if x == y:
        return SELF
    if o < 0 or o > 2:
        return BAD_OUTCOME
    if not (w >= 0.0 and w < np.inf):
        return BAD_WEIGHT
    return OK


@njit(cache=True)
def aggregate_dense(n, a, b, outcome, weight, has_outcome, has_weight):
    """Dense path.  Returns ``(status, bad_row, pi, pj, wab, wba, tie)``."""
    wins = np.zeros(n * n)
    ties = np.zeros(n * n if has_outcome else 1)
    for r in range(a.shape[0]):
        x = a[r]
        y = b[r]
        w = weight[r] if has_weight else 1.0
        o = outcome[r] if has_outcome else 0
        status = _check_row(n, x, y, o, w)
        if status != OK:
            pi, pj, wab, wba, tie = _empty_result()
            return status, r, pi, pj, wab, wba, tie
        if o == 0:
            wins[x * n + y] += w
        elif o == 1:
            wins[y * n + x] += w
        elif x < y:
            ties[x * n + y] += w
        else:
            ties[y * n + x] += w
    m = 0
    for i in range(n):
        for j in range(i + 1, n):
            t = ties[i * n + j] if has_outcome else 0.0
            if wins[i * n + j] != 0.0 or wins[j * n + i] != 0.0 or t != 0.0:
                m += 1
    pi = np.empty(m, np.int64)
    pj = np.empty(m, np.int64)
    wab = np.empty(m)
    wba = np.empty(m)
    tie = np.zeros(m)
    k = 0
    for i in range(n):
        for j in range(i + 1, n):
            u = wins[i * n + j]
            v = wins[j * n + i]
            t = ties[i * n + j] if has_outcome else 0.0
            if u != 0.0 or v != 0.0 or t != 0.0:
                pi[k] = i
                pj[k] = j
                wab[k] = u
                wba[k] = v
                tie[k] = t
                k += 1
    return OK, -1, pi, pj, wab, wba, tie


@njit(cache=True)
def _counting_sort(keys, order_in, n):
    """Stable counting sort of ``order_in`` by ``keys[order_in]`` (keys in [0, n))."""
    count = np.zeros(n + 1, np.int64)
    for r in range(order_in.shape[0]):
        count[keys[order_in[r]] + 1] += 1
    for i in range(n):
        count[i + 1] += count[i]
    out = np.empty_like(order_in)
    for r in range(order_in.shape[0]):
        key = keys[order_in[r]]
        out[count[key]] = order_in[r]
        count[key] += 1
    return out


@njit(cache=True)
def aggregate_sorted(n, a, b, outcome, weight, has_outcome, has_weight):
    """Sparse path.  Returns ``(status, bad_row, pi, pj, wab, wba, tie)``."""
    rows = a.shape[0]
    lo = np.empty(rows, np.int64)
    hi = np.empty(rows, np.int64)
    for r in range(rows):
        x = a[r]
        y = b[r]
        w = weight[r] if has_weight else 1.0
        o = outcome[r] if has_outcome else 0
        status = _check_row(n, x, y, o, w)
        if status != OK:
            pi, pj, wab, wba, tie = _empty_result()
            return status, r, pi, pj, wab, wba, tie
        if x < y:
            lo[r] = x
            hi[r] = y
        else:
            lo[r] = y
            hi[r] = x
    order = np.arange(rows)
    order = _counting_sort(hi, order, n)
    order = _counting_sort(lo, order, n)
    m = 0
    prev_lo = -1
    prev_hi = -1
    for t in range(rows):
        r = order[t]
        if lo[r] != prev_lo or hi[r] != prev_hi:
            m += 1
            prev_lo = lo[r]
            prev_hi = hi[r]
    pi = np.empty(m, np.int64)
    pj = np.empty(m, np.int64)
    wab = np.zeros(m)
    wba = np.zeros(m)
    tie = np.zeros(m)
    k = -1
    prev_lo = -1
    prev_hi = -1
    for t in range(rows):
        r = order[t]
        if lo[r] != prev_lo or hi[r] != prev_hi:
            k += 1
            prev_lo = lo[r]
            prev_hi = hi[r]
            pi[k] = prev_lo
            pj[k] = prev_hi
        w = weight[r] if has_weight else 1.0
        o = outcome[r] if has_outcome else 0
        if o == 2:
            tie[k] += w
        elif (o == 0) == (a[r] == prev_lo):
            wab[k] += w
        else:
            wba[k] += w
    pi, pj, wab, wba, tie = _drop_empty(pi, pj, wab, wba, tie)
    return OK, -1, pi, pj, wab, wba, tie


@njit(cache=True)
def _drop_empty(pi, pj, wab, wba, tie):
    """Remove pair records whose three counts are all zero (rows of weight zero)."""
    keep = 0
    for k in range(pi.shape[0]):
        if wab[k] != 0.0 or wba[k] != 0.0 or tie[k] != 0.0:
            keep += 1
    if keep == pi.shape[0]:
        return pi, pj, wab, wba, tie
    idx = np.empty(keep, np.int64)
    keep = 0
    for k in range(pi.shape[0]):
        if wab[k] != 0.0 or wba[k] != 0.0 or tie[k] != 0.0:
            idx[keep] = k
            keep += 1
    return pi[idx], pj[idx], wab[idx], wba[idx], tie[idx]
