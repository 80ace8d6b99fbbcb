"""One pass from raw comparison rows to one record per unordered pair.

Numba only.  Rows are ``(a[r], b[r], outcome[r], weight[r])`` with integer item codes, outcome
0 = a wins, 1 = b wins, 2 = tie (``has_outcome=False``: every row is a win of ``a`` and the
``outcome`` array is ignored), weight 1 when ``has_weight=False``.  The result is the pairs
``i < j`` that occur with a non-zero count, in lexicographic order, with ``wab`` (wins of i
over j), ``wba`` and ``tie`` summed over rows.

Two paths give identical output:

- dense, for few items: one increment per row into a table of ``(n + 1)**2`` cells per
  outcome that stays in cache.  Codes are clamped into a sentinel row/column ``n`` instead of
  branching, so the loop runs at the speed of reading the input; bad rows show up afterwards
  as counts in the sentinel cells or on the diagonal.
- sorted, for many items: the pair key ``(min << hb | max) << 2 | outcome`` (``hb`` bits per
  code; 32-bit up to 32768 items) is radix-sorted (two passes of at most 16-bit digits) and equal pairs merged, O(rows + items) memory, never n x n.

Both return a status first: 0 fine, else at least one row has an item code out of range, a
self-comparison, a bad outcome code or a negative / non-finite weight; the Python layer then
finds and names the rows (an error path, so it can afford numpy passes).
"""
import math

import numpy as np
from numba import njit, prange

OK = 0
BAD_ROWS = 1

#: The fixed number of blocks the threaded kernels split rows into: fixed by the code, not
#: by the number of threads, so their results never depend on the machine.
_SORT_BLOCKS = 4

#: Digit width of the radix sort of keys over 32 bits: three passes up to 42 bits (the pair
#: keys of 10**5 items have 36); 16,384 counts stay in cache (101 -> 77 ms on 5 x 10**6 keys
#: against 11-bit digits, four passes).
_DIGIT_BITS = 14


@njit(cache=True)
def code_range(a, b):
    """``(min, max)`` over both code arrays in one pass."""
    lo = np.int64(0)
    hi = np.int64(-1)
    if a.shape[0]:
        lo = min(np.int64(a[0]), np.int64(b[0]))
    for r in range(a.shape[0]):
        x = np.int64(a[r])
        y = np.int64(b[r])
        lo = min(lo, min(x, y))
        hi = max(hi, max(x, y))
    return lo, hi


@njit(cache=True)
def _empty_result():
    e = np.empty(0, np.int32)
    z = np.empty(0)
    return e, e.copy(), z, z.copy(), z.copy()


#: Unweighted rows are counted in uint32 cells (half the cache footprint of float64: a table
#: of 100 x 100 items stays in L1) and flushed into the float64 table every this many rows,
#: so no cell can overflow.
_FLUSH_ROWS = 1 << 31


@njit(cache=True)
def _count_u32(n, a, b, outcome, has_outcome, small):
    """``small[o * (n + 1)**2 + min(a, n) * (n + 1) + min(b, n)] += 1`` for every row, with
    ``o = min(outcome, 3)`` (0 without outcomes): bad codes land in the sentinel cells.

    Loops over ``range(len(a))`` of sliced views: with ``range(lo, hi)`` Numba cannot prove the
    index non-negative and tests for wraparound on every access (1.7x slower here)."""
    un = np.uint32(n)
    un1 = np.uint32(n + 1)
    ulayer = np.uint32((n + 1) * (n + 1))
    one = np.uint32(1)
    if has_outcome:
        u3 = np.uint32(3)
        for r in range(a.shape[0]):
            ux = min(np.uint32(a[r]), un)
            uy = min(np.uint32(b[r]), un)
            uo = min(np.uint32(outcome[r]), u3)
            small[uo * ulayer + ux * un1 + uy] += one
    else:
        for r in range(a.shape[0]):
            ux = min(np.uint32(a[r]), un)
            uy = min(np.uint32(b[r]), un)
            small[ux * un1 + uy] += one


@njit(cache=True)
def _count_unweighted(n, a, b, outcome, has_outcome, cnt):
    """Add every (unweighted) row into ``cnt``; bad rows show up in the sentinel cells."""
    m = a.shape[0]
    small = np.zeros(cnt.shape[0], np.uint32)
    for start in range(0, m, _FLUSH_ROWS):
        stop = min(m, start + _FLUSH_ROWS)
        o = outcome[start:stop] if has_outcome else outcome
        _count_u32(n, a[start:stop], b[start:stop], o, has_outcome, small)
        for c in range(cnt.shape[0]):
            cnt[c] += small[c]
            small[c] = 0


@njit(cache=True)
def _count_weighted(n, a, b, outcome, weight, has_outcome, cnt):
    """Add every weighted row into ``cnt``; returns True if a row is bad."""
    m = a.shape[0]
    bad = False
    n1 = n + 1
    un = np.uint64(n)
    un1 = np.uint64(n1)
    ulayer = np.uint64(n1 * n1)
    u3 = np.uint64(3)
    for r in range(m):
        ux = min(np.uint64(a[r]), un)
        uy = min(np.uint64(b[r]), un)
        uo = min(np.uint64(outcome[r]), u3) if has_outcome else np.uint64(0)
        w = weight[r]
        # checked explicitly here: a row of weight zero leaves no trace in the table
        bad |= (ux >= un) | (uy >= un) | (ux == uy) | (uo >= u3) | \
            (not (w >= 0.0 and w < np.inf))
        cnt[uo * ulayer + ux * un1 + uy] += w
    return bad


def aggregate_dense(n, a, b, outcome, weight, has_outcome, has_weight):
    """Dense path.  Returns ``(status, pi, pj, wab, wba, tie)``.

    Unweighted and weighted rows are counted by kernels of their own, so that a call
    compiles only the counting it needs (0.6 s less to compile than one kernel for both)."""
    if has_weight:
        return _dense_weighted(n, a, b, outcome, weight, has_outcome)
    if dense_threaded(n, a.shape[0], has_outcome):
        return _dense_unweighted_threaded(n, a, b, outcome, has_outcome)
    return _dense_unweighted(n, a, b, outcome, has_outcome)


#: Unweighted rows from which the dense path counts in fixed blocks on Numba's threads, and
#: the largest table (cells) it copies per block for that.
THREADED_COUNT_ROWS = 1 << 19
_THREADED_COUNT_CELLS = 1 << 16


def dense_threaded(n, rows, has_outcome):
    """Whether :func:`aggregate_dense` counts unweighted rows on the threads: many rows, and
    a table small enough to copy per block (plain Python, before the kernel)."""
    cells = (4 if has_outcome else 1) * (n + 1) * (n + 1)
    return rows >= THREADED_COUNT_ROWS and cells <= _THREADED_COUNT_CELLS


@njit(cache=True, parallel=True)
def _dense_unweighted_threaded(n, a, b, outcome, has_outcome):
    """:func:`_dense_unweighted` with the rows counted in ``_SORT_BLOCKS`` fixed blocks on
    Numba's threads, each into a table of its own, the tables then added.  The cells hold
    whole counts, so the sums are exact and the result is the serial one on any number of
    threads.  10**6 rows of 100 items on 2 cores: 0.99 -> 0.80 ms without outcomes, 1.65 ->
    1.06 ms with them (reading the codes is most of it).  Only small tables gain: copying
    and adding a table per block made 3 x 10**5 rows of 500 items with outcomes (10**6
    cells) 4.4 -> 8.0 ms, and below about 5 x 10**5 rows starting the threads costs more
    than it saves."""
    size = (4 if has_outcome else 1) * (n + 1) * (n + 1)
    rows = a.shape[0]
    nb = _SORT_BLOCKS
    part = np.zeros((nb, size))
    for t in prange(nb):
        lo = t * rows // nb
        hi = (t + 1) * rows // nb
        _count_unweighted(n, a[lo:hi], b[lo:hi], outcome[lo:hi] if has_outcome else outcome,
                          has_outcome, part[t])
    cnt = np.zeros(size)
    for t in range(nb):
        for c in range(size):
            cnt[c] += part[t, c]
    return _dense_pairs(n, cnt, has_outcome, np.bool_(False))


@njit(cache=True)
def _dense_unweighted(n, a, b, outcome, has_outcome):
    cnt = np.zeros((4 if has_outcome else 1) * (n + 1) * (n + 1))
    _count_unweighted(n, a, b, outcome, has_outcome, cnt)
    # (np.bool_: a literal False would compile _dense_pairs a second time)
    return _dense_pairs(n, cnt, has_outcome, np.bool_(False))


@njit(cache=True)
def _dense_weighted(n, a, b, outcome, weight, has_outcome):
    cnt = np.zeros((4 if has_outcome else 1) * (n + 1) * (n + 1))
    bad = _count_weighted(n, a, b, outcome, weight, has_outcome, cnt)
    return _dense_pairs(n, cnt, has_outcome, bad)


@njit(cache=True)
def _dense_pairs(n, cnt, has_outcome, bad_weight):
    """The pairs of the count table ``cnt`` (``(status, pi, pj, wab, wba, tie)``)."""
    n1 = n + 1
    layer = n1 * n1
    layers = 4 if has_outcome else 1
    # bad rows: a sentinel row or column, the diagonal, the sentinel outcome layer, weights
    bad = bad_weight
    for i in range(n1):
        for o in range(layers - 1 if has_outcome else 1):
            base = o * layer
            bad |= cnt[base + i * n1 + n] != 0.0 or cnt[base + n * n1 + i] != 0.0
            bad |= cnt[base + i * n1 + i] != 0.0
    if has_outcome:
        for c in range(layer):
            bad |= cnt[3 * layer + c] != 0.0
    if bad:
        pi, pj, wab, wba, tie = _empty_result()
        return BAD_ROWS, pi, pj, wab, wba, tie
    m = 0
    for i in range(n):
        for j in range(i + 1, n):
            ij = i * n1 + j
            ji = j * n1 + i
            if cnt[ij] != 0.0 or cnt[ji] != 0.0:
                m += 1
            elif has_outcome and (cnt[layer + ij] != 0.0 or cnt[layer + ji] != 0.0 or
                                  cnt[2 * layer + ij] != 0.0 or cnt[2 * layer + ji] != 0.0):
                m += 1
    pi = np.empty(m, np.int32)
    pj = np.empty(m, np.int32)
    wab = np.empty(m)
    wba = np.empty(m)
    tie = np.zeros(m)
    k = 0
    for i in range(n):
        for j in range(i + 1, n):
            ij = i * n1 + j
            ji = j * n1 + i
            u = cnt[ij]
            v = cnt[ji]
            t = 0.0
            if has_outcome:
                # layer 1 holds "b wins" rows at [a, b]: a win of b over a
                u += cnt[layer + ji]
                v += cnt[layer + ij]
                t = cnt[2 * layer + ij] + cnt[2 * layer + ji]
            if u != 0.0 or v != 0.0 or t != 0.0:
                pi[k] = i
                pj[k] = j
                wab[k] = u
                wba[k] = v
                tie[k] = t
                k += 1
    return OK, pi[:k], pj[:k], wab[:k], wba[:k], tie[:k]


@njit(cache=True)
def _radix_sort(keys, tmp_k, payload, tmp_p, bits, with_payload):
    """LSD radix sort of ``keys`` (non-negative, < 2**bits), ``payload`` permuted alike.

    Two passes while the digits stay at most 16 bits (count tables in cache), else
    ``_DIGIT_BITS``-bit digits.  ``tmp_*`` are scratch arrays of the same shapes; returns
    the sorted arrays (one of each pair of buffers)."""
    n = keys.shape[0]
    digit = (bits + 1) // 2 if bits <= 32 else _DIGIT_BITS
    mask = (np.int64(1) << digit) - 1
    buckets = 1 << digit
    count = np.empty(buckets + 1, np.int64)
    shift = 0
    while shift < bits:
        count[:] = 0
        for r in range(n):
            count[((np.int64(keys[r]) >> shift) & mask) + 1] += 1
        for d in range(buckets):
            count[d + 1] += count[d]
        for r in range(n):
            d = (np.int64(keys[r]) >> shift) & mask
            pos = count[d]
            tmp_k[pos] = keys[r]
            if with_payload:
                tmp_p[pos] = payload[r]
            count[d] = pos + 1
        keys, tmp_k = tmp_k, keys
        if with_payload:
            payload, tmp_p = tmp_p, payload
        shift += digit
    return keys, payload


#: Rows from which :func:`aggregate_sorted` builds, sorts and merges the keys in fixed blocks
#: on Numba's threads (:func:`_pair_keys_threaded`, :func:`_radix_sort_threaded`,
#: :func:`_count_blocks`, :func:`_merge_blocks`).
THREADED_SORT_ROWS = 1 << 20


def sorted_threaded(rows):
    """Whether :func:`aggregate_sorted` works on the threads for ``rows`` rows."""
    return rows >= THREADED_SORT_ROWS


@njit(cache=True, parallel=True)
def _radix_sort_threaded(keys, tmp_k, payload, tmp_p, bits, with_payload):
    """:func:`_radix_sort` over ``_SORT_BLOCKS`` fixed blocks of the keys on Numba's threads:
    each pass counts the digits of every block in parallel, gives each (digit, block) its
    offset (digits first, then blocks in order) and scatters the blocks in parallel.  The
    sort is stable, so the result is exactly the serial sort's, on any number of threads
    (5 x 10**6 keys of 36 bits, 2 cores: 73 -> 47 ms)."""
    n = keys.shape[0]
    digit = (bits + 1) // 2 if bits <= 32 else _DIGIT_BITS
    mask = (np.int64(1) << digit) - 1
    buckets = 1 << digit
    nb = _SORT_BLOCKS
    count = np.empty((nb, buckets), np.int64)
    shift = 0
    while shift < bits:
        count[:, :] = 0
        for t in prange(nb):
            for r in range(t * n // nb, (t + 1) * n // nb):
                count[t, (np.int64(keys[r]) >> shift) & mask] += 1
        pos = 0
        for d in range(buckets):
            for t in range(nb):
                c = count[t, d]
                count[t, d] = pos
                pos += c
        for t in prange(nb):
            for r in range(t * n // nb, (t + 1) * n // nb):
                d = (np.int64(keys[r]) >> shift) & mask
                at = count[t, d]
                tmp_k[at] = keys[r]
                if with_payload:
                    tmp_p[at] = payload[r]
                count[t, d] = at + 1
        keys, tmp_k = tmp_k, keys
        if with_payload:
            payload, tmp_p = tmp_p, payload
        shift += digit
    return keys, payload


@njit(cache=True, parallel=True)
def _pair_keys_threaded(n, a, b, outcome, weight, has_outcome, has_weight, keys, payload):
    """:func:`_pair_keys` over ``_SORT_BLOCKS`` fixed blocks of the rows on Numba's
    threads (the same keys)."""
    rows = a.shape[0]
    nb = _SORT_BLOCKS
    bad = np.zeros(nb, np.bool_)
    hbs = np.zeros(nb, np.int64)
    for t in prange(nb):
        lo = t * rows // nb
        hi = (t + 1) * rows // nb
        bad[t], hbs[t] = _pair_keys(n, a[lo:hi], b[lo:hi],
                                    outcome[lo:hi] if has_outcome else outcome,
                                    weight[lo:hi] if has_weight else weight, has_outcome,
                                    has_weight, keys[lo:hi],
                                    payload[lo:hi] if has_weight else payload, lo)
    return bad.any(), hbs[0]


@njit(cache=True)
def _pair_keys(n, a, b, outcome, weight, has_outcome, has_weight, keys, payload, first):
    """Fill ``keys[r] = (min << hb | max) << 2 | outcome`` (outcome from the smaller code's
    side: 0 it wins, 1 it loses, 2 tie) and ``payload[r] = first + r`` when weighted (the
    rows are ``first, first + 1, ...`` of the data).

    Shifts and masks, no division, decode the key.  Returns ``(bad, hb)``."""
    hb = 1
    while (np.int64(1) << hb) < n:
        hb += 1
    bad = False
    for r in range(a.shape[0]):
        x = np.int64(a[r])
        y = np.int64(b[r])
        o = np.int64(outcome[r]) if has_outcome else 0
        bad |= (x < 0) | (x >= n) | (y < 0) | (y >= n) | (x == y) | (o < 0) | (o > 2)
        if has_weight:
            w = weight[r]
            bad |= not (w >= 0.0 and w < np.inf)
            payload[r] = first + r
        if x > y:
            x, y = y, x
            if o < 2:
                o = 1 - o
        if not bad:
            keys[r] = ((x << hb | y) << 2) | (o & 3)
    return bad, hb


@njit(cache=True)
def _count_pairs(keys):
    """``(pairs, shortest, longest run of equal keys)`` of the sorted keys: the number of
    pair records and, for unweighted rows, the smallest and largest (pair, outcome)
    count."""
    m = 0
    prev = np.int64(-1)
    rows = keys.shape[0]
    run = 0
    shortest = rows
    longest = 0
    for t in range(rows):
        key = np.int64(keys[t])
        pair = key >> 2
        if pair != prev:
            m += 1
            prev = pair
        run += 1
        if t == rows - 1 or np.int64(keys[t + 1]) != key:
            shortest = min(shortest, run)
            longest = max(longest, run)
            run = 0
    return m, shortest, longest


@njit(cache=True)
def _merge_pairs(keys, payload, weight, has_weight, hb, pi, pj, wab, wba, tie):
    """Sum the sorted rows of each pair into the output records."""
    hmask = (np.int64(1) << hb) - 1
    k = -1
    prev = np.int64(-1)
    for t in range(keys.shape[0]):
        key = np.int64(keys[t])
        pair = key >> 2
        if pair != prev:
            k += 1
            prev = pair
            pi[k] = pair >> hb
            pj[k] = pair & hmask
            wab[k] = 0.0
            wba[k] = 0.0
            tie[k] = 0.0
        w = weight[payload[t]] if has_weight else 1.0
        o = key & 3
        if o == 0:
            wab[k] += w
        elif o == 1:
            wba[k] += w
        else:
            tie[k] += w


@njit(cache=True, parallel=True)
def _count_blocks(keys):
    """The sorted keys cut into ``_SORT_BLOCKS`` blocks at pair boundaries, and
    :func:`_count_pairs` of each on Numba's threads: ``(starts, pairs, shortest, longest)``
    (empty blocks count no pairs and shortest = their length, 0)."""
    rows = keys.shape[0]
    nb = _SORT_BLOCKS
    starts = np.empty(nb + 1, np.int64)
    starts[0] = 0
    starts[nb] = rows
    for t in range(1, nb):
        r = max(t * rows // nb, starts[t - 1])
        while 0 < r < rows and (np.int64(keys[r]) >> 2) == (np.int64(keys[r - 1]) >> 2):
            r += 1
        starts[t] = r
    pairs = np.zeros(nb, np.int64)
    shortest = np.zeros(nb, np.int64)
    longest = np.zeros(nb, np.int64)
    for t in prange(nb):
        pairs[t], shortest[t], longest[t] = _count_pairs(keys[starts[t]:starts[t + 1]])
    return starts, pairs, shortest, longest


@njit(cache=True, parallel=True)
def _merge_blocks(keys, payload, weight, has_weight, hb, starts, offsets, pi, pj, wab, wba,
                  tie):
    """:func:`_merge_pairs` of each block of :func:`_count_blocks` into its records
    (``offsets[t]``: the block's first record) on Numba's threads: the same records as one
    merge of all the keys, since no pair straddles two blocks."""
    for t in prange(starts.shape[0] - 1):
        lo = starts[t]
        hi = starts[t + 1]
        a = offsets[t]
        e = offsets[t + 1]
        _merge_pairs(keys[lo:hi], payload[lo:hi] if has_weight else payload, weight,
                     has_weight, hb, pi[a:e], pj[a:e], wab[a:e], wba[a:e], tie[a:e])


def aggregate_sorted(n, a, b, outcome, weight, has_outcome, has_weight, summary=None):
    """Sparse path.  Returns ``(status, pi, pj, wab, wba, tie)``.

    ``summary`` (a list, optional) receives, for unweighted rows, ``(total, smallest
    positive, largest)`` cell weight: the number of rows and the smallest and largest
    (pair, outcome) count, found while counting the pairs, so the validation need not read the counts
    again (:meth:`btstats.data.comparisons.PairCounts.weight_summary`).

    Keys are 32-bit while ``(min << hb | max) << 2`` fits (n <= 32768), halving the memory
    traffic.  The large arrays are allocated here by numpy rather than inside the compiled
    code: numpy asks the kernel for transparent huge pages, which halves the cost of first
    touching tens of megabytes (page faults were half the time of this path).
    """
    rows = a.shape[0]
    threaded = sorted_threaded(rows)
    keys = np.empty(rows, np.uint32 if n <= 32768 else np.int64)
    payload = np.empty(rows if has_weight else 0, np.int64)
    if threaded:
        bad, hb = _pair_keys_threaded(n, a, b, outcome, weight, has_outcome, has_weight, keys,
                                      payload)
    else:
        bad, hb = _pair_keys(n, a, b, outcome, weight, has_outcome, has_weight, keys, payload,
                             0)
    if bad:
        return (BAD_ROWS,) + _empty_result()
    sort = _radix_sort_threaded if threaded else _radix_sort
    keys, payload = sort(keys, np.empty_like(keys), payload, np.empty_like(payload),
                         2 * hb + 2, has_weight)
    if threaded:
        starts, pairs, shortest, longest = _count_blocks(keys)
        full = pairs > 0
        m = int(pairs.sum())
        shortest = int(shortest[full].min()) if full.any() else 0
        longest = int(longest.max())
    else:
        m, shortest, longest = _count_pairs(keys)
    if summary is not None and not has_weight and rows:
        summary[:] = [float(rows), float(shortest), float(longest)]
    pi = np.empty(m, np.int32)
    pj = np.empty(m, np.int32)
    wab = np.empty(m)
    wba = np.empty(m)
    tie = np.empty(m)
    if threaded:
        offsets = np.concatenate([[0], np.cumsum(pairs)]).astype(np.int64)
        _merge_blocks(keys, payload, weight, has_weight, hb, starts, offsets, pi, pj, wab, wba,
                      tie)
    else:
        _merge_pairs(keys, payload, weight, has_weight, hb, pi, pj, wab, wba, tie)
    if has_weight:
        pi, pj, wab, wba, tie = _drop_empty(pi, pj, wab, wba, tie)
    return OK, pi, pj, wab, wba, tie


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


@njit(cache=True)
def weight_range(wab, wba, tie, tiny):
    """``(total, n_small, lo, hi)``: the sum of every cell weight, the number of pairs
    holding a positive weight below ``tiny``, and :func:`positive_range` (one pass over the
    aggregate)."""
    total = 0.0
    n_small = 0
    lo = math.inf
    hi = 0.0
    for k in range(wab.shape[0]):
        x = wab[k]
        y = wba[k]
        z = tie[k]
        total += x + y + z
        if (0.0 < x < tiny) or (0.0 < y < tiny) or (0.0 < z < tiny):
            n_small += 1
        lo, hi = _widen(lo, hi, x, y, z)
    return total, n_small, lo, hi


@njit(cache=True)
def positive_range(wab, wba, tie):
    """``(smallest positive, largest)`` cell weight of the aggregate (``(inf, 0)`` if none)."""
    lo = math.inf
    hi = 0.0
    for k in range(wab.shape[0]):
        lo, hi = _widen(lo, hi, wab[k], wba[k], tie[k])
    return lo, hi


@njit(cache=True)
def _widen(lo, hi, x, y, z):
    """``(lo, hi)`` widened by the positive ones of ``x, y, z``."""
    for v in (x, y, z):
        if v > 0.0:
            if v < lo:
                lo = v
            if v > hi:
                hi = v
    return lo, hi
