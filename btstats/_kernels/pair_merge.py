"""Merging two sorted tables of pair counts into one (the running table of a streamed read).

Numba only.  A table is ``(pi, pj, wab, wba, tie)``: one record per unordered pair
``pi[k] < pj[k]``, in lexicographic order of ``(pi, pj)``, as the aggregation kernels of
:mod:`.aggregate` return it.  The merge walks both tables once, like the merge step of a merge
sort: a pair in both gets the sum of its counts, a pair in one keeps its own.  The size of the
result is counted by a first walk, so that the output is allocated by numpy at its exact size
(see :func:`.aggregate.aggregate_sorted` on why numpy allocates the large arrays).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def merged_size(pi1, pj1, pi2, pj2):
    """Number of distinct pairs in the union of two sorted pair tables."""
    n1 = pi1.shape[0]
    n2 = pi2.shape[0]
    i = 0
    j = 0
    m = 0
    while i < n1 and j < n2:
        k1 = (np.int64(pi1[i]) << 32) | np.int64(pj1[i])
        k2 = (np.int64(pi2[j]) << 32) | np.int64(pj2[j])
        if k1 <= k2:
            i += 1
        if k2 <= k1:
            j += 1
        m += 1
    return m + (n1 - i) + (n2 - j)


@njit(cache=True)
def merge_into(pi1, pj1, wab1, wba1, tie1, pi2, pj2, wab2, wba2, tie2,
               pi, pj, wab, wba, tie):
    """Write the union of two sorted pair tables into ``pi .. tie`` (of
    :func:`merged_size` records), adding the counts of a pair found in both."""
    n1 = pi1.shape[0]
    n2 = pi2.shape[0]
    i = 0
    j = 0
    k = 0
    while i < n1 or j < n2:
        if i < n1 and j < n2:
            k1 = (np.int64(pi1[i]) << 32) | np.int64(pj1[i])
            k2 = (np.int64(pi2[j]) << 32) | np.int64(pj2[j])
        elif i < n1:
            k1 = np.int64(0)
            k2 = np.int64(1)
        else:
            k1 = np.int64(1)
            k2 = np.int64(0)
        if k1 < k2:
            pi[k] = pi1[i]
            pj[k] = pj1[i]
            wab[k] = wab1[i]
            wba[k] = wba1[i]
            tie[k] = tie1[i]
            i += 1
        elif k2 < k1:
            pi[k] = pi2[j]
            pj[k] = pj2[j]
            wab[k] = wab2[j]
            wba[k] = wba2[j]
            tie[k] = tie2[j]
            j += 1
        else:
            pi[k] = pi1[i]
            pj[k] = pj1[i]
            wab[k] = wab1[i] + wab2[j]
            wba[k] = wba1[i] + wba2[j]
            tie[k] = tie1[i] + tie2[j]
            i += 1
            j += 1
        k += 1
