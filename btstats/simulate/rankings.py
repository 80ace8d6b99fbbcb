r"""Simulated rankings from the Plackett-Luce model: :func:`simulate_rankings`.

The uniforms are drawn from the Generator (``rng`` turned into one once, at the boundary) and
passed to the compiled sampler (:func:`btstats._kernels.plackett_luce.sample_orderings`), so a
seed gives the same rankings whatever the machine.
"""
import numpy as np
import pandas as pd

from .. import _validation as _v
from .._kernels import plackett_luce as _pl
from ..data.rankings import Rankings

__all__ = ["simulate_rankings"]


def _simulate_rankings_iv(scores, n_rankings, n_ranked):
    if isinstance(scores, pd.Series):
        labels = pd.Index(scores.index)
        s = scores.to_numpy(dtype=float)
    else:
        try:
            s = np.asarray(scores, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError("`scores` must be a sequence of real numbers (log-worths) or a "
                             "pandas Series indexed by item label.") from exc
        labels = pd.RangeIndex(s.shape[0]) if s.ndim == 1 else None
    if s.ndim != 1 or s.shape[0] < 2 or not np.all(np.isfinite(s)):
        raise ValueError("`scores` must hold at least two finite log-worths, one per item.")
    n_rankings = int(_v.check_number(n_rankings, "n_rankings", low=1, integer=True))
    n = s.shape[0]
    if n_ranked is None:
        n_ranked = n
    n_ranked = int(_v.check_number(n_ranked, "n_ranked", low=2, integer=True))
    if n_ranked > n:
        raise ValueError(f"`n_ranked` must be at most the number of items ({n}); got "
                         f"{n_ranked}.")
    return s, labels, n_rankings, n_ranked


def simulate_rankings(scores, n_rankings: int, *, n_ranked: int | None = None,
                      rng: int | np.random.Generator | None = None) -> Rankings:
    r"""Draw rankings from the Plackett-Luce model (no ties).

    Parameters
    ----------
    scores : array_like or pandas.Series
        True log-worths ``s_i`` (any location; a Series gives the item labels, else the
        labels are ``0 .. n - 1``).
    n_rankings : int
        Number of rankings.
    n_ranked : int, optional
        Items per ranking: each ranking ranks a uniformly random subset of this many items
        (default: all items).
    rng : None, int or numpy.random.Generator
        Seeds the draws.

    Returns
    -------
    Rankings
        Ids ``0 .. n_rankings - 1``.

    Notes
    -----
    Sequential choice: the first item is drawn with probabilities ``exp(s_i) / sum_A
    exp(s_k)`` over the ranking's items ``A``, then the second from the rest, and so on,
    which is the Plackett-Luce distribution of the ordering.

    Examples
    --------
    >>> import btstats
    >>> from btstats.simulate.rankings import simulate_rankings
    >>> r = simulate_rankings([1.0, 0.0, -1.0, 0.5], n_rankings=3, n_ranked=3, rng=1)
    >>> r
    Rankings(4 items, 3 rankings of 3 items, 0 with ties)
    >>> r.to_frame().groupby("ranking")["item"].apply(list).tolist()
    [[0, 3, 2], [0, 1, 3], [3, 1, 0]]
    """
    s, labels, n_rankings, n_ranked = _simulate_rankings_iv(scores, n_rankings, n_ranked)
    gen = _v.as_generator(rng)
    n = s.shape[0]
    if n_ranked == n:
        pool = np.tile(np.arange(n, dtype=np.int64), n_rankings)
    else:
        pool = np.argsort(gen.random((n_rankings, n)), axis=1)[:, :n_ranked]
        pool = np.ascontiguousarray(pool.reshape(-1), dtype=np.int64)
    offsets = np.arange(n_rankings + 1, dtype=np.int64) * n_ranked
    u = gen.random(pool.shape[0])
    out = np.empty_like(pool)
    _pl.sample_orderings(np.ascontiguousarray(s - s.max()), pool, offsets, u, out)
    level = np.tile(np.arange(n_ranked, dtype=np.int64), n_rankings)
    return Rankings(labels, out, level, offsets)
