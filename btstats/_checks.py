"""What fit() and the general core share: the solver names, the covariance types, the
existence check of the MLE and the solvers' status messages (a module of its own so that
neither imports the other)."""
import math

import numpy as np

from ._kernels import graph as _graph
from .exceptions import NoMLEError

METHODS = ("auto", "newton", "mm", "gradient")
#: Newton factorises the dense (n x n) Laplacian up to this many items, then uses CG.
DENSE_MAX = 500
#: Covariance estimators of :class:`PairwiseFit`.
COVARIANCE_TYPES = ("observed", "expected", "sandwich", "cluster")
#: Standard errors without an n x n matrix (:mod:`btstats.inference.large`): the largest
#: envelope (entries of the profile of the grounded information, RCM-ordered) factorised
#: for exact variances of all items (8 bytes each: 200 MB) ...
MAX_ENVELOPE_ENTRIES = 25_000_000
#: ... and the largest work for it, ``sum_r width_r**2`` (about 10 s of LDL' and selected
#: inversion).
MAX_ENVELOPE_WORK = 2.0e10


def _win_edges(pi, pj, wab, wba, tie, ties_both_ways):
    """Directed edges ``winner -> loser`` of the aggregated pairs (numpy; a tie is an edge
    both ways with ``ties_both_ways``)."""
    pi = np.asarray(pi, dtype=np.int64)
    pj = np.asarray(pj, dtype=np.int64)
    both = (np.asarray(tie) > 0.0) if ties_both_ways else np.zeros(pi.shape[0], bool)
    fwd = (np.asarray(wab) > 0.0) | both
    bwd = (np.asarray(wba) > 0.0) | both
    return np.concatenate([pi[fwd], pj[bwd]]), np.concatenate([pj[fwd], pi[bwd]])


def _strong_components(n, src, dst):
    """Number of strongly connected components of the graph ``src -> dst`` on ``n`` nodes."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    adj = coo_matrix((np.ones(src.shape[0]), (src, dst)), shape=(n, n)).tocsr()
    return connected_components(adj, directed=True, connection="strong")[0]


def strongly_connected(n, pi, pj, wab, wba, tie, ties_both_ways):
    """:func:`btstats._kernels.graph.strongly_connected` from Python: the streaming sweeps
    first, the kernel with its depth-first searches only when they cannot settle it (long
    chains), so that a first fit compiles the sweeps alone.  (scipy's strong components,
    :func:`_strong_components`, answer too, but cost 0.4 ms a call against microseconds:
    the diagnosis alone uses them.)"""
    if n <= 1:
        return True
    quick = _graph.sweep_reach(n, pi, pj, wab, wba, tie, ties_both_ways, _graph.QUICK_SWEEPS)
    if quick >= 0:
        return quick == 1
    return bool(_graph.strongly_connected(n, pi, pj, wab, wba, tie, ties_both_ways))


def check_mle_exists(counts, items, ties_both_ways):
    """Raise :class:`NoMLEError` unless the win graph is strongly connected."""
    pi, pj, wab, wba, tie = counts.arrays()
    n = len(items)
    if strongly_connected(n, pi, pj, wab, wba, tie, ties_both_ways):
        return
    src, dst = _win_edges(pi, pj, wab, wba, tie, ties_both_ways)
    n_groups = _strong_components(n, src, dst)
    out_deg = np.bincount(src, minlength=n)
    in_deg = np.bincount(dst, minlength=n)
    touched = np.zeros(n, bool)
    touched[pi] = True
    touched[pj] = True
    never_win = list(items[(out_deg == 0) & touched])
    never_lose = list(items[(in_deg == 0) & touched])
    isolated = list(items[~touched])
    parts = [f"No finite maximum-likelihood estimate exists: the win graph (a -> b when a "
             f"beat b{', ties both ways' if ties_both_ways else ''}) splits into {n_groups} "
             f"strongly connected groups, so some scores run off to +/- infinity."]
    if never_win:
        parts.append(f"Items that never win: {_head(never_win)}.")
    if never_lose:
        parts.append(f"Items that never lose: {_head(never_lose)}.")
    if isolated:
        parts.append(f"Items with no comparisons: {_head(isolated)}.")
    parts.append("Fix: pass penalty= (an L2 prior on the scores, e.g. penalty=0.01), or add "
                 "comparisons that connect the groups.")
    raise NoMLEError(" ".join(parts), n_groups=n_groups, never_win=never_win,
                     never_lose=never_lose)


def _head(labels, k=5):
    shown = ", ".join(repr(x) for x in labels[:k])
    return shown + (f" and {len(labels) - k} more" if len(labels) > k else "")


def _status_message(status, n_iter, gnorm, tol, method):
    if status == 0:
        return True, f"converged in {n_iter} iterations (step estimate {gnorm:.1e} <= tol {tol:g})"
    if status == 1:
        return False, (f"{method} did not converge in {n_iter} iterations: step estimate "
                       f"max|g_i|/h_ii = {gnorm:.1e} > tol {tol:g}. Raise max_iter, try method='newton', or add "
                       f"a small penalty= if some items are nearly unbeaten.")
    if status == 2:
        ok = gnorm <= 1e3 * tol
        if ok:
            hint = ""
        elif not math.isfinite(gnorm):
            hint = (" The curvature of some pairs underflows (score gaps beyond what double "
                    "precision resolves at these weights): add a small penalty= or rescale "
                    "the weights.")
        elif method != "newton":
            hint = " Loosen tol or try method='newton'."
        else:
            hint = " Loosen tol or add a small penalty=."
        return ok, (f"{method} stopped after {n_iter} iterations at the floating-point limit "
                    f"(step estimate {gnorm:.1e}, tol {tol:g})." + hint)
    return False, (f"{method} met a non-finite log-likelihood after {n_iter} iterations; the "
                   f"scores may be diverging. Add penalty= or check the data.")

