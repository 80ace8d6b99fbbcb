"""Designs: which pairs are compared and how often."""
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .. import _validation as _v
from .._results import ResultBase
from ..exceptions import DataError
from ..models.model import _as_pairs
from ._common import _BYTES_PER_ITEM, _BYTES_PER_ROW, _MAX_ITEMS


# --------------------------------------------------------------------------- designs
@dataclass(frozen=True, eq=False, repr=False)
class Design(ResultBase):
    """Which pairs are compared: row ``k`` compares item ``a[k]`` (side a) with ``b[k]``.

    Build it with :func:`round_robin`, :func:`random_pairs`, :func:`sparse_connected` or
    :func:`given_pairs`.  Codes index the scores passed to :func:`simulate`; a design built
    from labels (``items`` not ``None``) is matched to the scores by label.

    Attributes
    ----------
    a, b : ndarray of int32
        Item codes of the two sides of each comparison (do not modify them).
    n_items : int
        Number of items the codes refer to.
    kind : str
        Which constructor made it.
    ensure_mle : bool
        Whether :func:`simulate` should redraw outcomes until a finite MLE exists.
    items : pandas.Index or None
        Labels of the codes, for designs given by label.
    """

    a: np.ndarray
    b: np.ndarray
    n_items: int
    kind: str
    ensure_mle: bool = False
    items: pd.Index = None
    exact: bool = True        # False: the scores may have more items than the codes reach

    @property
    def n_comparisons(self):
        return int(self.a.shape[0])

    @property
    def pairs(self):
        """``(m, 2)`` array of the item codes, one row ``(a, b)`` per comparison."""
        return np.stack([self.a, self.b], axis=1)

    def _labels(self):
        return pd.RangeIndex(self.n_items) if self.items is None else pd.Index(self.items)

    def to_frame(self):
        """One row per comparison: ``item_a``, ``item_b`` (labels for a design given by
        label, else codes)."""
        labels = self._labels()
        return pd.DataFrame({"item_a": labels[self.a], "item_b": labels[self.b]})

    def item_counts(self):
        """Per item: ``comparisons`` (rows it is in) and ``opponents`` (distinct items it
        meets), by item label or code."""
        n = self.n_items
        a = self.a.astype(np.int64)
        b = self.b.astype(np.int64)
        pair = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
        lo, hi = pair // n, pair % n
        distinct = lo != hi
        return pd.DataFrame(
            {"comparisons": np.bincount(a, minlength=n) + np.bincount(b, minlength=n),
             "opponents": np.bincount(lo[distinct], minlength=n) +
             np.bincount(hi[distinct], minlength=n)},
            index=pd.Index(self._labels(), name="item"))

    # summary() and _repr_html_() come from ResultBase: this header, then item_counts() (a
    # design is not an estimate: it has no confidence_interval)
    _frame_format = {"max_rows": 20}

    @property
    def _summary_title(self):
        return f"Design ({self.kind})"

    def _header(self):
        return [("items", f"{self.n_items:,}"), ("comparisons", f"{self.n_comparisons:,}"),
                ("ensure_mle", f"{self.ensure_mle}")]

    def _summary_frame(self):
        return self.item_counts()

    def __repr__(self):
        mle = ", ensure_mle=True" if self.ensure_mle else ""
        return (f"Design({self.kind!r}, {self.n_items:,} items, {self.n_comparisons:,} "
                f"comparisons{mle})")


def _design(a, b, n_items, kind, ensure_mle=False, items=None, exact=True):
    # (kept writeable: a read-only array would make Numba compile each kernel a second time)
    a = np.ascontiguousarray(a, dtype=np.int32)
    b = np.ascontiguousarray(b, dtype=np.int32)
    return Design(a, b, int(n_items), kind, bool(ensure_mle), items, exact)


def _n_items_iv(n_items, name="n_items"):
    _v.check_number(n_items, name, integer=True)
    if n_items < 2:
        raise ValueError(f"`{name}` must be >= 2: a comparison needs two items; got "
                         f"{n_items!r}.")
    if n_items > _MAX_ITEMS:
        raise ValueError(f"`{name}` must be at most {_MAX_ITEMS:,} (designs hold 32-bit item "
                         f"codes); got {n_items:,}.")
    return int(n_items)


def _check_rows(n_rows, name, value, fix):
    """Refuse a simulation of ``n_rows`` comparisons (labels) that cannot fit in memory."""
    return _v.check_memory(_BYTES_PER_ROW * int(n_rows), name, value,
                           f"{int(n_rows):,} simulated comparisons", fix)


def _check_items(n_items, name, value, fix, bytes_per_item=_BYTES_PER_ITEM):
    """Refuse ``n_items`` scores (and their labels) that cannot fit in memory."""
    return _v.check_memory(bytes_per_item * int(n_items), name, value,
                           f"the scores of {int(n_items):,} items", fix)


def round_robin(n_items: int, k: int = 1) -> Design:
    """Every unordered pair of ``n_items`` items compared ``k`` times.

    Parameters
    ----------
    n_items : int
        Number of items, at least 2.
    k : int, default 1
        Comparisons per pair (rounds of the tournament), at least 1.

    Returns
    -------
    Design
        ``k * n_items * (n_items - 1) / 2`` comparisons, round by round: each round holds
        every pair ``i < j`` once, listed ``(i, j)`` in even rounds and ``(j, i)`` in odd
        ones (home and away, as in a double round robin).

    Examples
    --------
    >>> from btstats.simulate import round_robin
    >>> d = round_robin(3, 2)
    >>> d
    Design('round-robin', 3 items, 6 comparisons)
    >>> d.pairs.tolist()
    [[0, 1], [0, 2], [1, 2], [1, 0], [2, 0], [2, 1]]
    """
    n_items = _n_items_iv(n_items)
    _v.check_number(k, "k", low=1, integer=True)
    n_pairs = n_items * (n_items - 1) // 2
    # the n x n mask behind triu_indices, the pair list, then the rows
    _v.check_memory(n_items * n_items + 16 * n_pairs, "n_items", n_items,
                    f"the {n_pairs:,} pairs of a round robin",
                    "Use random_pairs() or sparse_connected() for many items.")
    _check_rows(int(k) * n_pairs, "k", k, f"Use fewer rounds: {int(k):,} rounds of {n_pairs:,} "
                f"pairs is {int(k) * n_pairs:,} comparisons.")
    i, j = np.triu_indices(n_items, 1)
    rounds = np.arange(int(k)) % 2 == 1
    a = np.where(rounds[:, None], j[None, :], i[None, :]).ravel()
    b = np.where(rounds[:, None], i[None, :], j[None, :]).ravel()
    return _design(a, b, n_items, "round-robin")


def _uniform_pairs(n_items, m, rng):
    """``m`` ordered pairs ``a != b``, uniform over the ``n (n - 1)`` ordered pairs."""
    a = rng.integers(0, n_items, m, dtype=np.int32)
    b = rng.integers(0, n_items - 1, m, dtype=np.int32)
    b += b >= a
    return a, b


def _pair_weights_iv(weights, n_items):
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`weights` must be a numeric (n_items, n_items) matrix; {exc}.") \
            from exc
    if w.shape != (n_items, n_items):
        raise ValueError(f"`weights` must be an (n_items, n_items) = ({n_items}, {n_items}) "
                         f"matrix of pair weights; got shape {w.shape}.")
    if not np.all(np.isfinite(w) & (w >= 0)):
        raise ValueError("`weights` must be finite and non-negative.")
    if np.any(np.diag(w) != 0):
        raise ValueError("`weights` must have a zero diagonal (an item is never compared with "
                         "itself); set it with np.fill_diagonal(weights, 0).")
    if not w.sum() > 0:
        raise ValueError("`weights` must have at least one positive entry off the diagonal.")
    return w


def random_pairs(n_items: int, n_comparisons: int, *, weights: ArrayLike | None = None,
                 rng: int | np.random.Generator | None = None) -> Design:
    r"""``n_comparisons`` pairs drawn independently, uniformly or by given pair weights.

    Parameters
    ----------
    n_items : int
        Number of items, at least 2.
    n_comparisons : int
        Number of comparisons, at least 1.
    weights : array_like, shape (n_items, n_items), optional
        Pair weights: a comparison lists item ``i`` as side a and ``j`` as side b with
        probability ``weights[i, j] / weights.sum()``.  Non-negative, zero diagonal; a
        symmetric matrix gives each pair both orientations equally often.  Weights
        proportional to a product of item popularities are
        ``w = np.outer(p, p); np.fill_diagonal(w, 0)``.  Default: uniform over all
        ``n (n - 1)`` ordered pairs.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Design

    Notes
    -----
    Uniform pairs are drawn as ``a ~ U{0..n-1}``, ``b' ~ U{0..n-2}``, ``b = b' + [b' >= a]``;
    weighted pairs by inverting the cumulative weights.  Items may be left out, and the
    comparison graph need not be connected: use :func:`sparse_connected` when it must be.

    Examples
    --------
    >>> from btstats.simulate import random_pairs
    >>> random_pairs(4, 5, rng=0).pairs.tolist()
    [[3, 0], [2, 0], [2, 0], [1, 0], [1, 3]]
    """
    n_items = _n_items_iv(n_items)
    _v.check_number(n_comparisons, "n_comparisons", low=1, integer=True)
    _check_rows(n_comparisons, "n_comparisons", n_comparisons,
                "Simulate fewer comparisons, or in batches.")
    m = int(n_comparisons)
    rng = _v.as_generator(rng)
    if weights is None:
        a, b = _uniform_pairs(n_items, m, rng)
        return _design(a, b, n_items, "random")
    w = _pair_weights_iv(weights, n_items).ravel()
    cdf = np.cumsum(w)
    last = int(np.nonzero(w)[0][-1])
    idx = np.minimum(np.searchsorted(cdf, rng.random(m) * cdf[-1], side="right"), last)
    return _design(idx // n_items, idx % n_items, n_items, "random-weighted")


def sparse_connected(n_items: int, n_comparisons: int, *, ensure_mle: bool = False,
                     rng: int | np.random.Generator | None = None) -> Design:
    r"""A sparse design whose comparison graph is always connected.

    A random permutation ``pi`` of the items gives the spanning cycle
    ``pi[0] - pi[1] - ... - pi[n-1] - pi[0]`` (``n_items`` comparisons); the other
    ``n_comparisons - n_items`` comparisons are uniform random pairs.  Every row's
    orientation is then flipped with probability 1/2 and the rows are shuffled.

    Parameters
    ----------
    n_items : int
        Number of items, at least 2.
    n_comparisons : int
        Number of comparisons, at least ``n_items`` (the cycle).
    ensure_mle : bool, default False
        Ask :func:`simulate` to redraw the outcomes until a finite MLE exists (see Notes).
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Design

    Notes
    -----
    The cycle makes the graph connected and every item compared at least twice, so a
    strongly connected *win* graph, the condition for a finite maximum-likelihood estimate
    (Hunter 2004, Ford 1957), is possible (the cycle won all the way round) but not
    certain: it depends on the outcomes, which a design cannot fix.  ``ensure_mle=True``
    therefore makes :func:`simulate` draw the outcomes again, up to
    :data:`MAX_MLE_ATTEMPTS` times, until the win graph is strongly connected, and raise
    :class:`~btstats.NoMLEError` if it never is.  The data are then a draw from the model
    *conditional on* a finite MLE existing; with few comparisons per item and well spread
    scores that condition is far from harmless (it removes the data in which a strong item
    never loses), so use it to test pipelines, not to study the estimator's bias.

    Examples
    --------
    >>> from btstats.simulate import sparse_connected
    >>> d = sparse_connected(1000, 3000, rng=0)
    >>> d
    Design('sparse-connected', 1,000 items, 3,000 comparisons)
    """
    n_items = _n_items_iv(n_items)
    _v.check_number(n_comparisons, "n_comparisons", integer=True)
    if n_comparisons < n_items:
        raise ValueError(f"`n_comparisons` must be >= `n_items` ({n_items}): the spanning "
                         f"cycle alone needs one comparison per item; got {n_comparisons!r}.")
    if not isinstance(ensure_mle, (bool, np.bool_)):
        raise ValueError(f"`ensure_mle` must be True or False; got {ensure_mle!r}.")
    # the cycle, the pairs, their flips and the shuffle: about twice a plain random design
    _v.check_memory(2 * _BYTES_PER_ROW * int(n_comparisons), "n_comparisons", n_comparisons,
                    f"{int(n_comparisons):,} simulated comparisons",
                    "Simulate fewer comparisons, or in batches.")
    m = int(n_comparisons)
    rng = _v.as_generator(rng)
    perm = rng.permutation(n_items).astype(np.int32)
    ra, rb = _uniform_pairs(n_items, m - n_items, rng)
    a = np.concatenate([perm, ra])
    b = np.concatenate([np.roll(perm, -1), rb])
    flip = rng.random(m) < 0.5
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    order = rng.permutation(m)
    return _design(a[order], b[order], n_items, "sparse-connected", ensure_mle)


def given_pairs(pairs: ArrayLike, *, n_items: int | None = None) -> Design:
    """A design from a user-given list of pairs.

    Parameters
    ----------
    pairs : array_like, shape (m, 2)
        One row ``(a, b)`` per comparison: integer codes into the scores, or item labels
        (anything else: strings, tuples, ...), matched to the labels of a
        :class:`pandas.Series` of scores.
    n_items : int, optional
        Number of items the codes refer to; default ``max code + 1`` (the scores may then
        have more items than the pairs reach).

    Returns
    -------
    Design

    Examples
    --------
    >>> from btstats.simulate import given_pairs
    >>> given_pairs([["x", "y"], ["y", "z"]])
    Design('given', 3 items, 2 comparisons)
    """
    p = _pairs_array(pairs)
    if p.ndim == 2 and p.shape[1] == 2 and p.dtype.kind not in "iufb":
        first = pd.Series(p[:, 0])
        second = pd.Series(p[:, 1])
        if first.isna().any() or second.isna().any():
            raise DataError("`pairs` holds missing (NaN / None) labels; drop those rows.")
        codes, items = pd.factorize(pd.concat([first, second], ignore_index=True))
        m = p.shape[0]
        a, b = _as_pairs(np.stack([codes[:m], codes[m:]], axis=1), len(items))
        if m == 0:
            raise DataError("`pairs` is empty: give at least one comparison.")
        return _design(a, b, len(items), "given", items=pd.Index(items))
    if n_items is None:
        a, b = _as_pairs(p, None)
        if a.shape[0] == 0:
            raise DataError("`pairs` is empty: give at least one comparison.")
        n = max(int(a.max()), int(b.max())) + 1
        return _design(a, b, n, "given", exact=False)
    n_items = _n_items_iv(n_items)
    a, b = _as_pairs(p, n_items)
    if a.shape[0] == 0:
        raise DataError("`pairs` is empty: give at least one comparison.")
    return _design(a, b, n_items, "given")


def _pairs_array(pairs):
    """``pairs`` as an ``(m, 2)`` array; rows of labels of any hashable kind (tuples too)
    become an object array, so a tuple label is not read as two columns."""
    if isinstance(pairs, (np.ndarray, pd.DataFrame)) or not hasattr(pairs, "__iter__"):
        return np.asarray(pairs)
    rows = list(pairs)
    if not all(isinstance(r, (list, tuple, np.ndarray)) and len(r) == 2 for r in rows):
        return np.asarray(rows, dtype=object)
    if all(isinstance(x, numbers.Real) and not isinstance(x, bool) for r in rows for x in r):
        return np.asarray(rows)
    out = np.empty((len(rows), 2), dtype=object)
    for k, (x, y) in enumerate(rows):
        out[k, 0] = x
        out[k, 1] = y
    return out
