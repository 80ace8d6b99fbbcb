"""Strong connectivity of the comparison graph (when a finite MLE exists).

Numba only.  Edge ``i -> j`` when i beat j at least once (a tie gives both directions when the
model has ties).  The graph is strongly connected iff every item is reached from item 0 both
along the edges and against them.  Both searches first run as a few streaming sweeps over the
pair list (enough on well-mixed data); if those do not settle it, one adjacency list with a
direction flag per entry and two depth-first searches do, O(items + pairs).
"""
import numpy as np
from numba import njit

_FORWARD = 1    # the entry's owner beat the neighbour
_BACKWARD = 2   # the neighbour beat the owner


@njit(cache=True)
def _adjacency(n, pi, pj, wab, wba, tie, ties_both_ways):
    start = np.zeros(n + 1, np.int64)
    for k in range(pi.shape[0]):
        start[pi[k] + 1] += 1
        start[pj[k] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    nbr = np.empty(start[n], np.int32)
    flag = np.empty(start[n], np.int8)
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        t = ties_both_ways and tie[k] > 0.0
        f_ij = (_FORWARD if (wab[k] > 0.0 or t) else 0) | (_BACKWARD if (wba[k] > 0.0 or t)
                                                            else 0)
        f_ji = ((f_ij & _FORWARD) << 1) | ((f_ij & _BACKWARD) >> 1)
        nbr[fill[i]] = j
        flag[fill[i]] = f_ij
        fill[i] += 1
        nbr[fill[j]] = i
        flag[fill[j]] = f_ji
        fill[j] += 1
    return start, nbr, flag


@njit(cache=True)
def _reach_all(n, start, nbr, flag, direction):
    seen = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    stack[0] = 0
    seen[0] = True
    top = 1
    count = 1
    while top > 0:
        top -= 1
        v = stack[top]
        for e in range(start[v], start[v + 1]):
            if flag[e] & direction:
                w = nbr[e]
                if not seen[w]:
                    seen[w] = True
                    stack[top] = w
                    top += 1
                    count += 1
    return count == n


@njit(cache=True, nogil=True)
def sweep_reach(n, pi, pj, wab, wba, tie, ties_both_ways, max_sweeps):
    """Reachability from item 0 along and against the win edges by streaming sweeps.

    Each sweep passes over the pair list once (alternately forwards and backwards) and marks
    the far end of every edge whose near end is marked; the marks fit in cache, so a sweep
    costs about one read of the pairs.  Returns 1 when both searches reach every item, 0 when
    one stops growing short of that, -1 when ``max_sweeps`` ran out (long chains: use DFS).
    """
    m = pi.shape[0]
    # one byte per pair says which directions carry an edge, so that the sweeps read 9 bytes
    # a pair instead of 32
    flag = np.empty(m, np.int8)
    for k in range(m):
        both = ties_both_ways and tie[k] > 0.0
        flag[k] = (_FORWARD if (wab[k] > 0.0 or both) else 0) | \
            (_BACKWARD if (wba[k] > 0.0 or both) else 0)
    fwd = np.zeros(n, np.uint8)
    bwd = np.zeros(n, np.uint8)
    fwd[0] = 1
    bwd[0] = 1
    n_fwd = 1
    n_bwd = 1
    for sweep in range(max_sweeps):
        # branch-free marking: a mark spreads along (fwd) or against (bwd) each edge
        for t in range(m):
            k = t if sweep % 2 == 0 else m - 1 - t
            i = pi[k]
            j = pj[k]
            e_ij = flag[k] & _FORWARD
            e_ji = (flag[k] >> 1) & 1
            fi = fwd[i]
            fj = fwd[j]
            fwd[j] = fj | (fi & e_ij)
            fwd[i] = fi | (fj & e_ji)
            bi = bwd[i]
            bj = bwd[j]
            bwd[i] = bi | (bj & e_ij)
            bwd[j] = bj | (bi & e_ji)
        new_fwd = 0
        new_bwd = 0
        for i in range(n):
            new_fwd += fwd[i]
            new_bwd += bwd[i]
        if new_fwd == n and new_bwd == n:
            return 1
        if new_fwd == n_fwd and new_bwd == n_bwd:
            return 0
        n_fwd = new_fwd
        n_bwd = new_bwd
    return -1


#: Sweeps of :func:`sweep_reach` before the depth-first searches take over.
QUICK_SWEEPS = 8


@njit(cache=True, nogil=True)
def strongly_connected(n, pi, pj, wab, wba, tie, ties_both_ways):
    """True iff the win graph on ``n`` items is strongly connected."""
    if n <= 1:
        return True
    # (np.bool_, np.int64: literal arguments would compile sweep_reach once more)
    quick = sweep_reach(n, pi, pj, wab, wba, tie, np.bool_(ties_both_ways),
                        np.int64(QUICK_SWEEPS))
    if quick >= 0:
        return quick == 1
    start, nbr, flag = _adjacency(n, pi, pj, wab, wba, tie, ties_both_ways)
    # (np.int64: literal directions would compile _reach_all once per direction)
    return _reach_all(n, start, nbr, flag, np.int64(_FORWARD)) and \
        _reach_all(n, start, nbr, flag, np.int64(_BACKWARD))
