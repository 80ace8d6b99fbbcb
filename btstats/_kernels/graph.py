"""Strong connectivity of the comparison graph (when a finite MLE exists).

Numba only.  Edge ``i -> j`` when i beat j at least once (a tie gives both directions when the
model has ties).  The graph is strongly connected iff every item is reached from item 0 both
along the edges and against them: two breadth-first searches, O(items + pairs).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def _csr(n, src, dst, m):
    start = np.zeros(n + 1, np.int64)
    for e in range(m):
        start[src[e] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    adj = np.empty(m, np.int64)
    for e in range(m):
        adj[fill[src[e]]] = dst[e]
        fill[src[e]] += 1
    return start, adj


@njit(cache=True)
def _reach_all(n, start, adj):
    seen = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    top = 0
    stack[0] = 0
    seen[0] = True
    top = 1
    count = 1
    while top > 0:
        top -= 1
        v = stack[top]
        for e in range(start[v], start[v + 1]):
            w = adj[e]
            if not seen[w]:
                seen[w] = True
                stack[top] = w
                top += 1
                count += 1
    return count == n


@njit(cache=True)
def win_edges(pi, pj, wab, wba, tie, ties_both_ways):
    """Directed edges (winner -> loser) of the aggregated pairs."""
    m = 0
    for k in range(pi.shape[0]):
        t = ties_both_ways and tie[k] > 0.0
        if wab[k] > 0.0 or t:
            m += 1
        if wba[k] > 0.0 or t:
            m += 1
    src = np.empty(m, np.int64)
    dst = np.empty(m, np.int64)
    e = 0
    for k in range(pi.shape[0]):
        t = ties_both_ways and tie[k] > 0.0
        if wab[k] > 0.0 or t:
            src[e] = pi[k]
            dst[e] = pj[k]
            e += 1
        if wba[k] > 0.0 or t:
            src[e] = pj[k]
            dst[e] = pi[k]
            e += 1
    return src, dst


@njit(cache=True)
def strongly_connected(n, pi, pj, wab, wba, tie, ties_both_ways):
    """True iff the win graph on ``n`` items is strongly connected."""
    if n <= 1:
        return True
    src, dst = win_edges(pi, pj, wab, wba, tie, ties_both_ways)
    m = src.shape[0]
    start, adj = _csr(n, src, dst, m)
    if not _reach_all(n, start, adj):
        return False
    start, adj = _csr(n, dst, src, m)
    return _reach_all(n, start, adj)
