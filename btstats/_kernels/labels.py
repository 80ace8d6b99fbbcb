"""Factorising a column of strings held in Arrow's layout (the label columns of large data).

Numba only.  A column of ``n`` strings is Arrow's pair of buffers: ``offsets`` (``n + 1``
int32 for Arrow's ``string``, int64 for ``large_string``; value ``i`` is the bytes
``data[offsets[i]:offsets[i + 1]]``) and ``data`` (uint8, the UTF-8 bytes of all values end
to end).  The validity bitmap is read in Python (``valid``: a bool per row, or an empty array
when no value is missing).  One pass hashes each value's bytes into an open-addressing table
(linear probing, grown at half load); a value already in the table is compared byte by byte
with the first row that held it, so equal codes mean equal strings, never equal hashes only.
The codes are numbered in order of first appearance, as ``pandas.factorize(sort=False)``
numbers them, and the first row of each distinct value is returned, from which Python builds
the uniques (a handful of rows, in the column's own dtype).  The codes array (one int64 per
row) is allocated by numpy and filled here (see :func:`.aggregate.aggregate_sorted` on why
numpy allocates the large arrays).
"""
import numpy as np
from numba import njit

_MUL = np.uint64(0x9E3779B97F4A7C15)
_MUL2 = np.uint64(0xBF58476D1CE4E5B9)


@njit(cache=True, inline="always")
def _hash_bytes(data, start, stop):
    """A 64-bit hash of ``data[start:stop]``: eight bytes at a time, then a final mix."""
    h = np.uint64(stop - start) * _MUL
    p = start
    while p + 8 <= stop:
        w = (np.uint64(data[p]) | (np.uint64(data[p + 1]) << np.uint64(8))
             | (np.uint64(data[p + 2]) << np.uint64(16))
             | (np.uint64(data[p + 3]) << np.uint64(24))
             | (np.uint64(data[p + 4]) << np.uint64(32))
             | (np.uint64(data[p + 5]) << np.uint64(40))
             | (np.uint64(data[p + 6]) << np.uint64(48))
             | (np.uint64(data[p + 7]) << np.uint64(56)))
        h = (h ^ w) * _MUL
        h ^= h >> np.uint64(29)
        p += 8
    w = np.uint64(0)
    shift = np.uint64(0)
    while p < stop:
        w |= np.uint64(data[p]) << shift
        shift += np.uint64(8)
        p += 1
    h = (h ^ w) * _MUL2
    h ^= h >> np.uint64(32)
    return h


@njit(cache=True, inline="always")
def _same_bytes(data, a0, a1, b0, b1):
    """Whether ``data[a0:a1]`` and ``data[b0:b1]`` hold the same bytes."""
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0):
        if data[a0 + k] != data[b0 + k]:
            return False
    return True


@njit(cache=True)
def hash_codes(offsets, data, valid, codes):
    """Codes of the strings of an Arrow string column in order of first appearance.

    Parameters
    ----------
    offsets : ndarray of int32 or int64, shape (n + 1,)
        Arrow's offsets of the ``n`` values (already moved by the array's offset, if sliced).
    data : ndarray of uint8
        Arrow's data buffer.
    valid : ndarray of bool, shape (n,) or (0,)
        Which rows hold a value (empty: all of them).
    codes : ndarray of int64, shape (n,)
        Filled with the code of each row: ``0, 1, ...`` in order of first appearance, ``-1``
        for a missing row.

    Returns
    -------
    first : ndarray of int64
        The first row holding each code.
    """
    n = offsets.shape[0] - 1
    check = valid.shape[0] > 0
    cap = 64                                   # table slots, a power of two
    table = np.full(cap, -1, np.int64)         # the code in each slot, -1 for an empty slot
    hashes = np.empty(16, np.uint64)           # the hash of each code's value
    first = np.empty(16, np.int64)             # the first row of each code
    k = 0                                      # codes so far
    for i in range(n):
        if check and not valid[i]:
            codes[i] = -1
            continue
        s0 = offsets[i]
        s1 = offsets[i + 1]
        h = _hash_bytes(data, s0, s1)
        slot = np.int64(h & np.uint64(cap - 1))
        while True:
            u = table[slot]
            if u < 0:
                break
            if hashes[u] == h:
                r = first[u]
                if _same_bytes(data, s0, s1, offsets[r], offsets[r + 1]):
                    break
            slot = (slot + 1) & (cap - 1)
        if u >= 0:
            codes[i] = u
            continue
        # a new value
        if k == first.shape[0]:
            grown = np.empty(2 * k, np.int64)
            grown[:k] = first
            first = grown
            grown_h = np.empty(2 * k, np.uint64)
            grown_h[:k] = hashes
            hashes = grown_h
        first[k] = i
        hashes[k] = h
        table[slot] = k
        codes[i] = k
        k += 1
        if 2 * k > cap:                        # half full: double and re-insert
            cap *= 2
            table = np.full(cap, -1, np.int64)
            for u in range(k):
                slot = np.int64(hashes[u] & np.uint64(cap - 1))
                while table[slot] >= 0:
                    slot = (slot + 1) & (cap - 1)
                table[slot] = u
    return first[:k].copy()


@njit(cache=True)
def first_rows(codes, n_codes):
    """The first row holding each of the integer codes ``0 .. n_codes - 1`` (a categorical's
    codes; ``-1``, a missing row, is skipped), ``-1`` for a code no row holds.  The walk stops
    once every code has been seen."""
    first = np.full(n_codes, -1, np.int64)
    left = n_codes
    for i in range(codes.shape[0]):
        c = codes[i]
        if c >= 0 and first[c] < 0:
            first[c] = i
            left -= 1
            if left == 0:
                break
    return first
