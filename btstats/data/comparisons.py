"""Comparison data: item labels, integer codes, outcomes, weights; aggregation to pair counts.

Every fit, bootstrap and simulator in btstats takes a :class:`Comparisons`.  Inside, the data
are weighted rows ``(a, b, outcome, weight)`` with integer item codes into ``items`` and the
outcome coded 0 = ``a`` wins, 1 = ``b`` wins, 2 = tie, plus optional per-row columns
(annotator, cluster, position).  On construction the rows are checked and aggregated, in one
compiled pass, to one record per unordered pair ``i < j`` (:class:`PairCounts`); every solver
works on that aggregate, so once built a fit costs the same for 10**3 or 10**8 rows.

Accepted inputs
---------------
=========================================  =============================================
input                                      constructor
=========================================  =============================================
winner / loser columns                     :meth:`Comparisons.from_frame`
two item columns + outcome column          :meth:`Comparisons.from_frame`
arena battles (model_a, model_b, winner)   :meth:`Comparisons.from_arena`
pair counts (item_a, item_b, wins_a, ...)  :meth:`Comparisons.from_counts`
square wins matrix (+ ties matrix)         :meth:`Comparisons.from_matrix`
integer winner / loser arrays              :meth:`Comparisons.from_arrays`
a file (.csv, .json, .jsonl, .parquet)     :func:`read_comparisons`
=========================================  =============================================

Outcome codes (column ``outcome``): ``1``, ``"a"`` or ``"win"`` = the first item wins;
``0``, ``"b"`` or ``"loss"`` = the second item wins; ``0.5``, ``"tie"`` or ``"draw"`` = a tie.
Arena ``winner`` values: ``"model_a"``, ``"model_b"``, ``"tie"``, ``"tie (bothbad)"``.
Anything else is an error, never silently a tie.  Both tie kinds are ties (outcome 2) for
every model; the data's distinction is kept as the boolean per-row column
``extra["bothbad"]`` (True on the ``"tie (bothbad)"`` rows), which :meth:`Comparisons.to_frame`
writes and :meth:`Comparisons.from_frame` reads back (a column ``bothbad``).
"""
import contextlib
import contextvars
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _progress
from .rows import kernel_array, kernel_codes
from .. import _validation as _v
from . import dask as _dask
from . import parquet as _parquet
from .. import _tables
from .._kernels import aggregate as _agg
from .._kernels import likelihood as _likelihood

__all__ = ["Comparisons", "PairCounts", "read_comparisons"]

#: Arena data: ``model_a`` was shown first, so the order indicator is +1 on every row.
_IMPLICIT_ORDER = object()

#: Above this many items (or when n**2 exceeds 4 x rows) aggregation uses the sort path.
_DENSE_MAX_ITEMS = 3000

_EXTRA_ROLES = ("annotator", "cluster", "position", "order", "grade", "bothbad")


@dataclass(frozen=True)
class PairCounts:
    """One record per unordered pair ``pi[k] < pj[k]`` that was compared.

    ``wab[k]``: weight of ``pi[k]`` beating ``pj[k]``; ``wba[k]`` the reverse; ``tie[k]`` ties.
    """

    n_items: int
    pi: np.ndarray
    pj: np.ndarray
    wab: np.ndarray
    wba: np.ndarray
    tie: np.ndarray

    @property
    def n_pairs(self):
        return int(self.pi.shape[0])

    def arrays(self):
        """``(pi, pj, wab, wba, tie)``, the kernels' argument order."""
        return self.pi, self.pj, self.wab, self.wba, self.tie

    def item_totals(self):
        """``(3, n_items)`` array: each item's total weight of wins, losses and ties."""
        return _likelihood.item_totals(self.n_items, *self.arrays())

    def weight_summary(self, tiny):
        """``(total weight, pairs with a positive weight below tiny)`` in one pass, which
        also keeps :meth:`positive_range` (so large data are not read again for it); no pass
        when the aggregation of unweighted rows gave the summary (:meth:`_known`)."""
        known = self.__dict__.get("_summary")
        if known is not None and tiny <= known[1]:
            return known[0], 0
        total, n_small, lo, hi = _agg.weight_range(self.wab, self.wba, self.tie, tiny)
        object.__setattr__(self, "_positive_range", (lo, hi))     # frozen: a cache
        return total, n_small

    def _known(self, total, lo, hi):
        """Keep the weight summary the aggregation found: ``total`` weight, smallest positive
        and largest cell weight (unweighted rows: rows, the smallest and largest count)."""
        object.__setattr__(self, "_summary", (total, lo, hi))
        object.__setattr__(self, "_positive_range", (lo, hi))
        return self

    def positive_range(self):
        """``(smallest positive, largest)`` cell weight (``(inf, 0)`` if none), kept by
        :meth:`weight_summary` (the validation of a :class:`Comparisons`) or read now."""
        found = self.__dict__.get("_positive_range")
        return found if found is not None else _agg.positive_range(self.wab, self.wba,
                                                                   self.tie)

    def with_ties_as_half(self):
        """Each tie counted as half a win each way."""
        return PairCounts(self.n_items, self.pi, self.pj, self.wab + 0.5 * self.tie,
                          self.wba + 0.5 * self.tie, np.zeros_like(self.tie))

    def without_ties(self):
        """Ties dropped (pairs left with no decisive result are removed)."""
        keep = (self.wab > 0) | (self.wba > 0)
        return PairCounts(self.n_items, self.pi[keep], self.pj[keep], self.wab[keep],
                          self.wba[keep], np.zeros(int(keep.sum())))


def _aggregate(items, a, b, outcome, weight, row_factor):
    """Check and aggregate rows; raise :class:`DataError` naming the first bad row."""
    pairs = _try_aggregate(len(items), a, b, outcome, weight)
    if pairs is None:
        _v.raise_bad_rows(items, a, b, outcome, weight, row_factor)
    return pairs


#: Rows up to which :func:`_try_aggregate` counts with numpy (:func:`_numpy_pairs`) instead
#: of the compiled kernels inside :func:`numpy_counts`: the bundled examples, loaded once,
#: so that the README's first command does not compile the aggregation (1.6 s in a new
#: environment).  Not for every small input: numpy's fixed cost (0.3 ms a call against
#: microseconds warm) would slow down every small fit.
NUMPY_MAX_ROWS = 20_000
_numpy_counts = contextvars.ContextVar("btstats_numpy_counts", default=False)


@contextlib.contextmanager
def numpy_counts():
    """Within this block, few rows (:data:`NUMPY_MAX_ROWS`) are aggregated with numpy."""
    token = _numpy_counts.set(True)
    try:
        yield
    finally:
        _numpy_counts.reset(token)


def _numpy_pairs(n, a, b, outcome, weight):
    """:func:`btstats._kernels.aggregate.aggregate_dense` in numpy, for a few rows: the same
    status, pairs (ascending ``i < j``, those with a non-zero count) and counts (summed in
    row order; with fractional weights a count may differ from the kernel's in the last
    bit, where the kernel sums each orientation apart first)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    m = a.shape[0]
    o = np.zeros(m, np.int64) if outcome is None else np.asarray(outcome, dtype=np.int64)
    w = np.ones(m) if weight is None else np.asarray(weight, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ((a < 0) | (a >= n) | (b < 0) | (b >= n) | (a == b) | (o < 0) | (o > 2)
               | ~((w >= 0.0) & (w < np.inf)))
    if bad.any():
        return _agg.BAD_ROWS, None, None, None, None, None
    flip = a > b
    i = np.where(flip, b, a)
    j = np.where(flip, a, b)
    key, inv = np.unique(i * n + j, return_inverse=True)
    first_wins = (o == 0) != flip          # a win of i = min(a, b)
    k = key.shape[0]
    wab = np.bincount(inv, weights=np.where((o != 2) & first_wins, w, 0.0), minlength=k)
    wba = np.bincount(inv, weights=np.where((o != 2) & ~first_wins, w, 0.0), minlength=k)
    tie = np.bincount(inv, weights=np.where(o == 2, w, 0.0), minlength=k)
    keep = (wab != 0.0) | (wba != 0.0) | (tie != 0.0)
    key = key[keep]
    return (_agg.OK, (key // n).astype(np.int32), (key % n).astype(np.int32), wab[keep] + 0.0,
            wba[keep] + 0.0, tie[keep] + 0.0)


def _try_aggregate(n, a, b, outcome, weight):
    """The pair counts of the rows for ``n`` items, or ``None`` if some row is bad."""
    if _numpy_counts.get() and np.asarray(a).shape[0] <= NUMPY_MAX_ROWS:
        status, pi, pj, wab, wba, tie = _numpy_pairs(n, a, b, outcome, weight)
        return None if status != _agg.OK else PairCounts(n, pi, pj, wab, wba, tie)
    has_outcome = outcome is not None
    has_weight = weight is not None
    o = kernel_array(outcome if has_outcome else np.zeros(0, np.int8))
    w = kernel_array(weight if has_weight else np.zeros(0), np.float64)
    a, b = kernel_codes(a, b)
    if n <= _DENSE_MAX_ITEMS and n * n <= max(4 * a.shape[0], 10_000):
        kernel = _agg.aggregate_dense
        path = "aggregate_weighted" if has_weight else (
            "aggregate_counts_threaded" if _agg.dense_threaded(n, a.shape[0], has_outcome)
            else "aggregate_counts")
    else:
        kernel, path = _agg.aggregate_sorted, "aggregate_sorted"
    # data are aggregated to be fitted: one message for both
    _progress.announce("fit", path, *(("aggregate_sorted_threaded",) if (
        kernel is _agg.aggregate_sorted and _agg.sorted_threaded(a.shape[0])) else ()))
    summary = []
    if kernel is _agg.aggregate_sorted:
        status, pi, pj, wab, wba, tie = kernel(n, a, b, o, w, has_outcome, has_weight, summary)
    else:
        status, pi, pj, wab, wba, tie = kernel(n, a, b, o, w, has_outcome, has_weight)
    if status != _agg.OK:
        return None
    pairs = PairCounts(n, pi, pj, wab, wba, tie)
    return pairs._known(*summary) if summary else pairs


def _aggregate_unlabelled(a, b, outcome, weight):
    """Aggregate integer codes whose item count is ``max code + 1``.

    The count is first guessed from the leading rows; the aggregation checks every row
    against it, so a wrong guess only costs a second pass with the exact count (one extra
    read of the arrays is what the guess saves in the common case).
    """
    head = min(a.shape[0], 4096)
    guess = int(_agg.code_range(*kernel_codes(a[:head], b[:head]))[1]) + 1
    if 0 < guess <= _max_implied_items(a.shape[0]):
        pairs = _try_aggregate(guess, a, b, outcome, weight)
        if pairs is not None and pairs.n_items == guess:
            return pairs
    lowest, highest = _agg.code_range(*kernel_codes(a, b))
    _check_implied_items(a, b, int(highest))
    return _try_aggregate(max(int(highest) + 1, 0), a, b, outcome, weight)


#: Item codes are stored as 32-bit integers inside the kernels.
MAX_ITEMS = 2 ** 31 - 1


def _max_implied_items(n_rows):
    """Most items that integer codes without ``items=`` may imply: every code a row names
    is one item, and beyond about a million, codes far above ``2 n_rows`` mean ids, not codes
    ``0 .. n_items - 1`` (most items would have no comparison and no estimate)."""
    return min(MAX_ITEMS, 2 * n_rows + 2 ** 20)


def _check_implied_items(a, b, highest):
    """Refuse codes that imply more items than the rows can mention (or than int32 holds)."""
    limit = _max_implied_items(a.shape[0])
    if highest + 1 <= limit:
        return
    row = int(np.flatnonzero((a > limit - 1) | (b > limit - 1))[0])
    what = ("more than the 2**31 - 1 items btstats' 32-bit item codes hold"
            if highest + 1 > MAX_ITEMS else
            f"far more than the {2 * a.shape[0]:,} item mentions of the {a.shape[0]:,} rows, "
            f"so most items would have no comparison")
    raise _v.DataError(
        f"item codes must be 0 .. n_items - 1, but code {highest:,} (first in row {row}: "
        f"{int(a[row])}, {int(b[row])}) implies {highest + 1:,} items, {what}. These look "
        f"like ids: recode them, e.g. codes = np.unique(np.concatenate([winners, losers]), "
        f"return_inverse=True)[1], or use Comparisons.from_frame, which takes any labels.")


#: Largest total weight accepted: the log-likelihood at the estimate is at least
#: ``-total log 3`` and AIC / BIC double it, so this leaves them finite with room to spare.
MAX_TOTAL_WEIGHT = 1e306
#: Smallest positive weight of a (pair, outcome) cell: the smallest normal double.  Subnormal
#: weights have lost their precision, and their information underflows.
MIN_CELL_WEIGHT = float(np.finfo(np.float64).tiny)


def _check_weight_range(pairs, items):
    """Refuse totals that overflow double precision and subnormal (pair, outcome) weights."""
    cells = (pairs.wab, pairs.wba, pairs.tie)
    total, n_small = pairs.weight_summary(MIN_CELL_WEIGHT)
    if not (total <= MAX_TOTAL_WEIGHT):
        raise _v.DataError(
            f"the weights (counts) add up to {total:.3g}, beyond the {MAX_TOTAL_WEIGHT:g} "
            f"that a log-likelihood in double precision can hold. Divide every weight by a "
            f"common factor (e.g. weights / max(weights)): the scores depend only on the "
            f"ratios of the weights, the standard errors scale with 1 / sqrt(total weight).")
    if n_small:
        tiny = np.zeros(pairs.n_pairs, bool)
        for c in cells:
            tiny |= (c > 0) & (c < MIN_CELL_WEIGHT)
        k = np.flatnonzero(tiny)
        shown = [(items[pairs.pi[i]], items[pairs.pj[i]]) for i in k[:5]]
        smallest = min(float(np.min(np.where((c > 0), c, np.inf))) for c in cells)
        raise _v.DataError(
            f"{k.size} pair(s) hold positive weights below {MIN_CELL_WEIGHT:.3g}, the "
            f"smallest normal double (e.g. {smallest:.3g}), where the arithmetic loses its "
            f"precision: pairs {shown}{' ...' if k.size > 5 else ''}. Set such weights to 0, "
            f"or multiply every weight by a common factor.")


def _record_frame(counts, items):
    wins, losses, ties = counts.item_totals()
    return pd.DataFrame({"wins": wins, "losses": losses, "ties": ties}, index=items)


class Comparisons:
    """Paired-comparison data, aggregated once to pair counts.

    Build it with one of the ``from_*`` constructors or :func:`read_comparisons`; the
    constructor itself takes already coded arrays.

    Parameters
    ----------
    items : sequence of hashable
        Item labels; codes index into it.
    a, b : ndarray of int
        Item codes of the two sides of each row.
    outcome : ndarray of int8, optional
        0 = ``a`` wins, 1 = ``b`` wins, 2 = tie.  ``None``: ``a`` won every row.
    weight : ndarray of float, optional
        Non-negative row weights (counts); ``None`` means 1 per row.
    extra : DataFrame, optional
        Per-row columns for later analyses: ``annotator``, ``cluster`` (e.g. a prompt id),
        ``position`` (which side was shown first).

    Examples
    --------
    >>> import btstats
    >>> c = btstats.Comparisons.from_arrays([0, 0, 1, 2], [1, 2, 2, 0],
    ...                                      items=["ann", "bob", "cy"])
    >>> c
    Comparisons(3 items, 4 rows, 4 comparisons, 0 ties, 3 pairs)
    >>> c.counts_frame()
      item_a item_b  wins_a  wins_b  ties
    0    ann    bob     1.0     0.0   0.0
    1    ann     cy     1.0     1.0   0.0
    2    bob     cy     1.0     0.0   0.0
    """

    def __init__(self, items, a, b, outcome=None, weight=None, extra=None, *, _row_factor=1,
                 _pairs=None):
        self._items = pd.Index(items)
        if len(self._items) > MAX_ITEMS:
            raise _v.DataError(f"{len(self._items):,} items are more than the 2**31 - 1 that "
                               f"btstats' 32-bit item codes hold.")
        if self._items.has_duplicates:
            dup = self._items[self._items.duplicated()].unique().tolist()[:5]
            raise _v.DataError(f"item labels must be unique; repeated: {dup}.")
        a = np.asarray(a)
        b = np.asarray(b)
        self._a = a
        self._b = b
        self._outcome = outcome
        self._weight = weight
        self._extra = extra
        if self.n_items == 0 or a.shape[0] == 0:
            raise _v.DataError("the comparison data are empty: there is nothing to fit. "
                               "Pass at least one comparison between two different items.")
        if _pairs is None or _pairs.n_items != self.n_items:
            _pairs = _aggregate(self._items, a, b, outcome, weight, _row_factor)
        self._pairs = _pairs
        if self._pairs.n_pairs == 0:
            raise _v.DataError("every comparison has weight zero: there is nothing to fit.")
        _check_weight_range(_pairs, self._items)

    # ---------------------------------------------------------------- constructors
    @classmethod
    def from_arrays(cls, winners, losers, *, weights=None, ties=None, items=None):
        """Comparisons from integer arrays of winners and losers.

        Parameters
        ----------
        winners, losers : array_like of int
            Item codes ``0 .. n_items - 1``; row ``r`` says ``winners[r]`` beat ``losers[r]``.
        weights : array_like of float, optional
            Non-negative weight (count) of each row.
        ties : array_like of bool, optional
            Rows that were ties between the two items instead of a win.
        items : sequence, optional
            Labels for the codes; default ``0 .. max code``.
        """
        winners = _v.as_codes(winners, "winners")
        losers = _v.as_codes(losers, "losers")
        if winners.shape != losers.shape:
            raise _v.DataError(f"`winners` and `losers` must have the same length; got "
                               f"{winners.shape[0]} and {losers.shape[0]}.")
        # arrays this long cannot be held in memory: only zero-copy (broadcast) views can be
        _v.check_memory(16 * winners.shape[0], "winners", winners.shape[0],
                        f"{winners.shape[0]:,} rows of winners and losers",
                        "Aggregate repeated rows into counts first (Comparisons.from_counts).")
        if items is not None and winners.shape[0]:
            lowest, highest = _agg.code_range(*kernel_codes(winners, losers))
            if lowest < 0 or highest >= len(items):
                bad = np.flatnonzero((winners < 0) | (winners >= len(items)) | (losers < 0) |
                                     (losers >= len(items)))
                raise _v.DataError(f"item codes must lie in 0..{len(items) - 1} (one per "
                                   f"label of `items`); rows {_v._rows_text(bad)} do not "
                                   f"(first: {int(winners[bad[0]])}, {int(losers[bad[0]])}).")
        weight = None if weights is None else _v.as_weights(weights, winners.shape[0])
        outcome = None
        if ties is not None:
            ties = _v.as_mask(ties, "ties")
            if ties.shape != winners.shape:
                raise _v.DataError("`ties` must be a boolean mask as long as `winners`.")
            outcome = np.where(ties, 2, 0).astype(np.int8)
        pairs = None
        if items is None:
            pairs = _aggregate_unlabelled(winners, losers, outcome, weight) \
                if winners.shape[0] else None
            if pairs is not None:
                items = pd.RangeIndex(pairs.n_items)
            else:
                lowest, highest = _agg.code_range(*kernel_codes(winners, losers))
                _check_implied_items(winners, losers, int(highest))
                items = pd.RangeIndex(max(int(highest) + 1, 0))
        return cls(items, winners, losers, outcome, weight, _pairs=pairs)

    @classmethod
    def from_frame(cls, df, *, winner=None, loser=None, item_a=None, item_b=None,
                   outcome=None, wins_a=None, wins_b=None, ties=None, weight=None,
                   annotator=None, cluster=None, position=None, order=None, grade=None,
                   bothbad=None, covariates=None):
        """Comparisons from a DataFrame, in any of the long or aggregated layouts.

        Column roles are given as keywords or inferred from the column names:

        - ``winner``, ``loser``: one row per comparison, the winner first;
        - ``model_a``, ``model_b``, ``winner``: the arena format (:meth:`from_arena`);
        - ``item_a``, ``item_b``, ``wins_a``, ``wins_b`` (``ties``): pair counts;
        - ``item_a``, ``item_b``, ``outcome``: 1 / 0 / 0.5 or ``"a"`` / ``"b"`` / ``"tie"``;
        - ``item_a``, ``item_b``, ``grade``: graded outcomes, integers ``-m .. m`` (``+m``:
          ``item_a`` much better, ``0``: a tie) or an ordered categorical; the sign of the
          grade is the outcome for the models without grades.

        Optional: ``weight`` (or a column ``weight`` / ``count``); ``order`` (or a column
        ``order`` / ``home`` / ``home_a`` / ``first``): 1 when ``item_a`` was at home or
        shown first, -1 when ``item_b`` was, 0 neutral, used by ``fit(...,
        order_effect=True)``; the per-row columns ``annotator``, ``cluster`` (or
        ``prompt``), ``position`` kept for later analyses; and ``bothbad`` (or a column
        ``bothbad`` / ``both_bad``): True on the ties that were "both bad" (the arena's
        ``"tie (bothbad)"``), kept as ``extra["bothbad"]``; every model reads them as ties;
        ``covariates``: a list of numeric columns kept in :attr:`extra` under their names,
        for ``fit(..., covariates=[...])`` (a row's values for its first item, ``item_a``
        or the winner, against the second: antisymmetric, swapping the sides negates them).
        """
        if _dask.is_dask_frame(df):        # aggregated to pair counts on its cluster
            return cls.from_dask(df, winner=winner, loser=loser, item_a=item_a,
                                 item_b=item_b, outcome=outcome, wins_a=wins_a,
                                 wins_b=wins_b, ties=ties, weight=weight,
                                 annotator=annotator, cluster=cluster, position=position,
                                 order=order, grade=grade, bothbad=bothbad,
                                 covariates=covariates)
        df = _v.as_frame(df)
        covariates = _v.covariate_names(covariates)
        missing = [c for c in covariates if c not in df.columns]
        if missing:
            raise _v.DataError(f"covariates {missing} are not columns of the data; columns "
                               f"are {sorted(map(str, df.columns))}.")
        cols = set(df.columns)
        roles = _v.infer_roles(cols, dict(winner=winner, loser=loser, item_a=item_a,
                                          item_b=item_b, outcome=outcome, wins_a=wins_a,
                                          wins_b=wins_b, ties=ties, weight=weight,
                                          annotator=annotator, cluster=cluster,
                                          position=position, order=order, grade=grade,
                                          bothbad=bothbad))
        layout = roles.pop("layout")
        if layout == "arena":
            return cls.from_arena(df, weight=roles.get("weight"), covariates=covariates,
                                  **{k: roles.get(k) for k in _EXTRA_ROLES
                                     if k not in ("grade", "bothbad")})
        if layout == "counts":
            return cls.from_counts(df, item_a=roles["item_a"], item_b=roles["item_b"],
                                   wins_a=roles["wins_a"], wins_b=roles["wins_b"],
                                   ties=roles.get("ties"), order=roles.get("order"),
                                   covariates=covariates)
        roles["covariates"] = covariates
        if layout == "winner":
            first, second = df[roles["winner"]], df[roles["loser"]]
            codes = None
        elif layout == "grade":
            first, second = df[roles["item_a"]], df[roles["item_b"]]
            g = _v.grade_codes(df[roles["grade"]], roles["grade"])
            codes = np.where(g > 0, 0, np.where(g < 0, 1, 2)).astype(np.int8)
        else:
            first, second = df[roles["item_a"]], df[roles["item_b"]]
            codes = _v.outcome_codes(df[roles["outcome"]], roles["outcome"])
        return cls._from_labels(first, second, codes, df, roles)

    @classmethod
    def from_dask(cls, ddf, *, split_out=1, **roles):
        """Comparisons from a Dask DataFrame, aggregated to pair counts on its cluster.

        The rows are counted per pair (and order / covariate values, when given) partition by
        partition and combined by a tree reduction (:func:`btstats.data.dask.pair_counts`);
        only the pair table comes back, and :meth:`from_counts` builds the object locally:
        what ``btstats.fit(ddf)`` and ``Comparisons.from_frame(ddf)`` do.  The scores and
        standard errors are those of the same rows fitted in memory (to rounding); the object
        stores the pair counts, three rows per pair, not the original rows.

        Parameters
        ----------
        ddf : dask.dataframe.DataFrame
            Comparisons in a layout of :meth:`from_frame`.
        split_out : int or True, default 1
            Output partitions of Dask's group-by (pass more beyond about 10**6 pairs).
        **roles
            Column roles as for :meth:`from_frame`.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> import btstats
        >>> rows = pd.DataFrame({"item_a": ["x", "y", "x", "z", "y", "z"],
        ...                      "item_b": ["y", "x", "z", "x", "z", "y"],
        ...                      "outcome": ["a", "a", "tie", "a", "b", "a"]})
        >>> btstats.Comparisons.from_dask(dd.from_pandas(rows, npartitions=3))
        Comparisons(3 items, 9 rows, 6 comparisons, 1 ties, 3 pairs)
        """
        counts, order, covariates = _dask.aggregate(ddf, split_out=split_out, **roles)
        return cls.from_counts(counts, order=order, covariates=covariates)

    @classmethod
    def from_arena(cls, data, *, model_a="model_a", model_b="model_b", winner="winner",
                   weight=None, annotator=None, cluster=None, position=None, order=None,
                   covariates=None):
        """Comparisons from arena battles (a DataFrame or a .json / .jsonl file).

        ``winner`` must be one of ``model_a``, ``model_b``, ``tie``, ``tie (bothbad)``;
        both tie kinds are ties for every model, and the distinction is kept: the boolean
        column ``extra["bothbad"]`` is True on the ``tie (bothbad)`` rows
        (:attr:`n_bothbad` is their total weight).  Any other value raises
        :class:`DataError`.  ``model_a``
        was shown first (on the left): that is the order indicator (+1 on every row) unless
        an ``order`` column says otherwise, so ``fit(..., order_effect=True)`` estimates the
        position bias.  ``covariates``: numeric columns for ``model_a`` against ``model_b``
        (see :meth:`from_frame`).
        """
        df = _v.as_frame(data)
        covariates = _v.covariate_names(covariates)
        optional = [c for c in (weight, annotator, cluster, position, order, *covariates)
                    if c is not None]
        for col in (model_a, model_b, winner, *optional):
            if col not in df.columns:
                raise _v.DataError(f"arena data need the columns {model_a!r}, {model_b!r} "
                                   f"and {winner!r} (and any column named by weight=, "
                                   f"annotator=, cluster=, position=); {col!r} is missing "
                                   f"(columns: {list(df.columns)}).")
        codes, bothbad = _v.arena_codes(df[winner], winner)
        roles = _v.extra_roles(set(df.columns), dict(annotator=annotator, cluster=cluster,
                                                     position=position, order=order))
        roles["weight"] = weight
        roles["grade"] = None
        roles["bothbad"] = bothbad
        if roles.get("order") is None:
            roles["order"] = _IMPLICIT_ORDER
        roles["covariates"] = covariates
        return cls._from_labels(df[model_a], df[model_b], codes, df, roles)

    @classmethod
    def from_counts(cls, df, *, item_a="item_a", item_b="item_b", wins_a="wins_a",
                    wins_b="wins_b", ties="ties", order=None, covariates=None):
        """Comparisons from pair counts: one row per pair with wins each way and ties.

        Repeated or reversed pairs are added up.  This is the format of the reference data
        (``item_a,item_b,wins_a,wins_b,ties``).  ``order`` names a column of the order /
        home indicator of each row (1: ``item_a`` at home or shown first, -1: ``item_b``,
        0: neutral), for ``fit(..., order_effect=True)``; ``covariates`` numeric columns
        for ``item_a`` against ``item_b`` (see :meth:`from_frame`).
        """
        df = _v.as_frame(df)
        covariates = _v.covariate_names(covariates)
        need = [item_a, item_b, wins_a, wins_b]
        missing = [c for c in need if c not in df.columns]
        if missing:
            raise _v.DataError(f"pair counts need the columns {need} (and optionally "
                               f"{ties!r}); missing {missing}.")
        m = len(df)
        counts = [_v.as_weights(df[wins_a], m, wins_a), _v.as_weights(df[wins_b], m, wins_b)]
        has_ties = ties is not None and ties in df.columns
        counts.append(_v.as_weights(df[ties], m, ties) if has_ties else np.zeros(m))
        first = np.repeat(df[item_a].to_numpy(), 3)
        second = np.repeat(df[item_b].to_numpy(), 3)
        outcome = np.tile(np.array([0, 1, 2], np.int8), m)
        weight = np.stack(counts, axis=1).ravel()
        extra = None
        if order is not None:
            if order not in df.columns:
                raise _v.DataError(f"column {order!r} (given as `order`) is not in the data; "
                                   f"columns are {sorted(map(str, df.columns))}.")
            extra = pd.DataFrame({"order": np.repeat(_v.order_codes(df[order], order), 3)})
        if covariates:
            missing = [c for c in covariates if c not in df.columns]
            if missing:
                raise _v.DataError(f"covariates {missing} are not columns of the data; "
                                   f"columns are {sorted(map(str, df.columns))}.")
            cov = pd.DataFrame({c: np.repeat(_v.covariate_values(df[c], c), 3)
                                for c in covariates})
            extra = cov if extra is None else pd.concat([extra, cov], axis=1)
        roles = {"order": "order"} if order is not None else {}
        roles["covariates"] = tuple(covariates)
        return cls._from_labels(pd.Series(first), pd.Series(second), outcome, extra, roles,
                                weight=weight, row_factor=3)

    @classmethod
    def from_matrix(cls, wins, ties=None):
        """Comparisons from a square matrix ``wins[i, j]`` = times item i beat item j.

        Parameters
        ----------
        wins : ndarray or DataFrame
            Square, non-negative, zero diagonal.  A DataFrame's index gives the labels (its
            columns must be the same labels).
        ties : ndarray or DataFrame, optional
            Ties between i and j: a symmetric matrix (each tie in both ``[i, j]`` and
            ``[j, i]``) or a triangular one (each tie once).
        """
        items, w = _v.square_matrix(wins, "wins")
        m = w.shape[0]
        if ties is not None:
            t_items, t = _v.square_matrix(ties, "ties")
            if t.shape != w.shape or (isinstance(ties, pd.DataFrame) and
                                      not t_items.equals(items)):
                raise _v.DataError("`ties` must have the same shape and labels as `wins`.")
            if np.allclose(t, t.T):
                t = np.triu(t)
            elif np.any(np.triu(t) != 0) and np.any(np.tril(t) != 0):
                raise _v.DataError("`ties` must be symmetric (each tie in [i, j] and [j, i]) "
                                   "or triangular (each tie once); it is neither.")
        else:
            t = np.zeros_like(w)
        ii, jj = np.nonzero((w + w.T + t + t.T) > 0)
        keep = ii < jj
        ii, jj = ii[keep], jj[keep]
        a = np.repeat(ii, 3).astype(np.int64)
        b = np.repeat(jj, 3).astype(np.int64)
        outcome = np.tile(np.array([0, 1, 2], np.int8), ii.shape[0])
        weight = np.stack([w[ii, jj], w[jj, ii], t[ii, jj] + t[jj, ii]], axis=1).ravel()
        diag = np.nonzero((np.diag(w) != 0) | (np.diag(t) != 0))[0]
        if diag.size:
            raise _v.DataError(f"the diagonal of the matrix must be zero (an item cannot be "
                               f"compared with itself); non-zero for items "
                               f"{list(items[diag][:5])}.")
        if m == 0:
            raise _v.DataError("the wins matrix is empty: there is nothing to fit.")
        return cls(items, a, b, outcome, weight, _row_factor=3)

    @classmethod
    def from_parquet(cls, source, *, batch_size=None, **roles):
        """:class:`Comparisons` from Parquet, streamed in record batches into pair counts.

        Memory grows with the number of distinct pairs, not with the number of rows: 10**8
        comparisons of 10**6 integer ids over 5 x 10**6 pairs are read in 5-25 s (the machine
        quiet or loaded) with a peak of 1.9 GB resident (``benchmarks/bench_parquet.py``).

        Parameters
        ----------
        source : str, path, or list of paths
            A Parquet file, a directory of them (a partitioned data set: hive ``key=value``
            folders become columns, as with ``pd.read_parquet``), a glob such as
            ``"battles/*.parquet"``, or a list of files.
        batch_size : int, optional
            Rows per record batch (default ``2**20``).  Memory is a few batches plus a buffer of
            ``max(4 * batch_size, pairs so far)`` rows plus the pair table (module docstring).
        winner, loser, item_a, item_b, outcome, wins_a, wins_b, ties, weight : str, optional
            Column roles, given or inferred from the column names as in
            :meth:`Comparisons.from_frame`: winner / loser; item_a / item_b / outcome (1 / 0 /
            0.5, ``True`` / ``False`` or the words ``"a"`` / ``"b"`` / ``"tie"``); arena battles
            (model_a / model_b / winner); pair counts (item_a / item_b / wins_a / wins_b /
            ties, added up).  ``weight``: a column of non-negative weights (counts).
        annotator, cluster, position, order, grade, bothbad, covariates
            Per-row columns: refused (:class:`RowsNeededError`), since pair counts cannot hold
            them; read such data whole with ``Comparisons.from_frame(pd.read_parquet(path))``.

        Returns
        -------
        Comparisons
            Items sorted as :meth:`Comparisons.from_frame` sorts them; three weighted rows per
            pair (the wins of each side and the ties), as from :meth:`Comparisons.from_counts`.

        Raises
        ------
        DataError
            For a missing file, a pattern without matches, a file that is not Parquet, a layout
            that cannot be told from the columns, missing labels, self-comparisons, unknown
            outcomes and bad weights (the message names the file and rows, counted from 0 in
            each file); :class:`RowsNeededError` for per-row columns.

        Examples
        --------
        >>> import os, tempfile
        >>> import pandas as pd
        >>> import btstats
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     for k, rows in enumerate([[("x", "y"), ("y", "z")], [("z", "x"), ("x", "z")]]):
        ...         pd.DataFrame(rows, columns=["winner", "loser"]).to_parquet(
        ...             os.path.join(folder, f"part-{k}.parquet"))
        ...     comps = btstats.Comparisons.from_parquet(folder)
        >>> comps
        Comparisons(3 items, 9 rows, 4 comparisons, 0 ties, 3 pairs)
        >>> comps.counts_frame()
          item_a item_b  wins_a  wins_b  ties
        0      x      y     1.0     0.0   0.0
        1      x      z     1.0     1.0   0.0
        2      y      z     1.0     0.0   0.0
        """
        items, n_items, pi, pj, wab, wba, tie = _parquet.pair_counts(
            source, batch_size=batch_size, **roles)
        pairs = PairCounts(n_items, pi, pj, wab, wba, tie)
        m = pi.shape[0]
        a = np.repeat(pi.astype(np.int64), 3)
        b = np.repeat(pj.astype(np.int64), 3)
        codes = np.tile(np.array([0, 1, 2], np.int8), m)
        w = np.stack([wab, wba, tie], axis=1).ravel()
        return cls(items, a, b, codes, w, _row_factor=3, _pairs=pairs)

    @classmethod
    def _from_labels(cls, first, second, outcome, df, roles, weight=None, row_factor=1):
        """Factorise two label columns into codes and build the object."""
        items, a, b = _v.factorize_pair(first, second, row_factor)
        if weight is None and roles.get("weight") is not None:
            weight = _v.as_weights(df[roles["weight"]], len(df), roles["weight"])
        extra = None
        present = {k: roles[k] for k in _EXTRA_ROLES if roles.get(k) is not None}
        covariates = tuple(roles.get("covariates") or ())
        if (present or covariates) and df is not None:
            cols = {}
            for k, c in present.items():
                if c is _IMPLICIT_ORDER:
                    cols[k] = np.ones(len(df))
                elif k == "order":
                    cols[k] = _v.order_codes(df[c], c)
                elif k == "grade":
                    cols[k] = _v.grade_codes(df[c], c)
                elif k == "bothbad":
                    # arena data derive it from `winner`; a frame names a boolean column
                    cols[k] = c if isinstance(c, np.ndarray) else \
                        _v.bothbad_flags(df[c], c, outcome)
                else:
                    cols[k] = df[c].to_numpy()
            for c in covariates:
                # from_counts passes its own extra frame (columns already expanded)
                cols[c] = _v.covariate_values(df[c], c)
            extra = pd.DataFrame(cols)
        return cls(items, a, b, outcome, weight, extra, _row_factor=row_factor)

    # ---------------------------------------------------------------- accessors
    @property
    def items(self):
        """Item labels (a :class:`pandas.Index`); codes index into it."""
        return self._items

    @property
    def n_items(self):
        return len(self._items)

    @property
    def n_rows(self):
        """Number of stored rows (pair-count and matrix inputs store three per pair)."""
        return int(self._a.shape[0])

    @property
    def pairs(self):
        """The aggregate, one record per compared unordered pair (:class:`PairCounts`)."""
        return self._pairs

    @property
    def n_comparisons(self):
        """Total weight of all comparisons (the number of comparisons when unweighted)."""
        p = self._pairs
        return float(p.wab.sum() + p.wba.sum() + p.tie.sum())

    @property
    def n_ties(self):
        return float(self._pairs.tie.sum())

    @property
    def n_bothbad(self):
        """Total weight of the ties marked "both bad" (``extra["bothbad"]``, the arena's
        ``"tie (bothbad)"``); 0 when the data do not make the distinction.  They are
        among :attr:`n_ties`: every model reads them as ties."""
        if self._extra is None or "bothbad" not in self._extra.columns:
            return 0.0
        flags = self._extra["bothbad"].to_numpy(dtype=bool)
        w = np.ones(flags.shape[0]) if self._weight is None else np.asarray(self._weight)
        return float(w[flags].sum())

    @property
    def extra(self):
        """Per-row columns (annotator, cluster, position) or ``None``."""
        return self._extra

    def rows(self):
        """``(a, b, outcome, weight)`` arrays of the stored rows (outcome/weight may be None)."""
        return self._a, self._b, self._outcome, self._weight

    def record_counts(self):
        """Per item: total weight of wins, losses and ties (a DataFrame indexed by label)."""
        return _record_frame(self._pairs, self._items)

    def counts_frame(self):
        """The aggregate as a DataFrame ``item_a, item_b, wins_a, wins_b, ties`` with labels."""
        p = self._pairs
        return pd.DataFrame({"item_a": self._items[p.pi], "item_b": self._items[p.pj],
                             "wins_a": p.wab, "wins_b": p.wba, "ties": p.tie})

    def to_frame(self):
        """The stored rows as a long DataFrame that :meth:`from_frame` reads back.

        Columns ``item_a``, ``item_b`` (labels), ``outcome`` (1.0: ``item_a`` won, 0.0:
        ``item_b`` won, 0.5: a tie), ``weight`` when the rows are weighted, then the per-row
        columns of :attr:`extra` (``annotator``, ``cluster``, ``position``, ``order``,
        ``grade``, ``bothbad``).

        Examples
        --------
        >>> import pandas as pd
        >>> import btstats
        >>> battles = pd.DataFrame({"model_a": ["x", "x", "y"], "model_b": ["y", "z", "z"],
        ...                         "winner": ["model_a", "tie", "tie (bothbad)"]})
        >>> c = btstats.Comparisons.from_arena(battles)
        >>> c.n_ties, c.n_bothbad
        (2.0, 1.0)
        >>> c.to_frame()
          item_a item_b  outcome  order  bothbad
        0      x      y      1.0    1.0    False
        1      x      z      0.5    1.0    False
        2      y      z      0.5    1.0     True
        """
        m = self.n_rows
        o = np.zeros(m, np.int8) if self._outcome is None else np.asarray(self._outcome)
        cols = {"item_a": self._items[np.asarray(self._a)],
                "item_b": self._items[np.asarray(self._b)],
                "outcome": np.where(o == 0, 1.0, np.where(o == 1, 0.0, 0.5))}
        if self._weight is not None:
            cols["weight"] = np.asarray(self._weight, dtype=float)
        df = pd.DataFrame(cols)
        if self._extra is not None:
            for k in self._extra.columns:
                df[k] = self._extra[k].to_numpy()
        return df

    def wins_matrix(self):
        """Dense ``wins[i, j]`` DataFrame (for small item sets)."""
        p = self._pairs
        n = self.n_items
        w = np.zeros((n, n))
        np.add.at(w, (p.pi, p.pj), p.wab)
        np.add.at(w, (p.pj, p.pi), p.wba)
        return pd.DataFrame(w, index=self._items, columns=self._items)

    def __len__(self):
        return self.n_rows

    def __repr__(self):
        return (f"Comparisons({self.n_items} items, {self.n_rows} rows, "
                f"{self.n_comparisons:g} comparisons, {self.n_ties:g} ties, "
                f"{self._pairs.n_pairs} pairs)")


def read_comparisons(path: str | os.PathLike[str], **roles: Any) -> Comparisons:
    """Read comparisons from a ``.csv``, ``.json``, ``.jsonl`` or ``.parquet`` file.

    The layout is inferred from the column names as in :meth:`Comparisons.from_frame`
    (keywords override it).  JSON may be a list of records or JSON lines.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise _v.DataError(f"no such file: {path!r}.")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".tsv", ".txt"):
        try:
            df = pd.read_csv(path, sep="\t" if ext == ".tsv" else ",")
        except pd.errors.EmptyDataError as exc:
            raise _v.DataError(f"{path}: the file is empty: it holds no comparisons.") from exc
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise _v.DataError(f"{path}: not a readable {ext[1:].upper()} table ({exc}).") \
                from exc
    elif ext in (".json", ".jsonl", ".ndjson"):
        df = _v.read_json_records(path)
    elif ext in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(path)
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("reading Parquet needs pyarrow: pip install 'btstats[parquet]'"
                              ) from exc
        except (ValueError, OSError) as exc:     # pyarrow's ArrowInvalid is a ValueError
            raise _v.DataError(f"{path}: not a readable Parquet file ({exc}).") from exc
    else:
        raise _v.DataError(f"cannot read {path!r}: the extension must be one of .csv, "
                           f".tsv, .json, .jsonl, .parquet.")
    return Comparisons.from_frame(df, **roles)



def read_path(path, *, stream=True, **roles):
    """The comparisons of a path as ``btstats fit PATH`` reads them.

    A Parquet source (a ``.parquet`` / ``.pq`` file, a directory of them or a glob;
    :func:`btstats.data.parquet.is_parquet_source`) is streamed into pair counts by
    :meth:`Comparisons.from_parquet` when ``stream`` is true and the data do not need their
    rows; it is read whole otherwise (``stream=False``, e.g. for an order effect, or when the
    stream refuses per-row roles or graded outcomes with
    :class:`~btstats.data.parquet.RowsNeededError`).  Any other file goes to
    :func:`read_comparisons`.
    """
    if not _parquet.is_parquet_source(path):
        return read_comparisons(path, **roles)
    if stream:
        try:
            return Comparisons.from_parquet(path, **roles)
        except _parquet.RowsNeededError:
            pass
    if os.path.isfile(os.fspath(path)):
        return read_comparisons(path, **roles)
    return Comparisons.from_frame(_parquet.read_frame(path), **roles)


def as_comparisons(data, **roles):
    """Turn what a user passed (Comparisons, DataFrame, path) into :class:`Comparisons`."""
    if isinstance(data, Comparisons):
        if any(v is not None for v in roles.values()):
            raise TypeError("column keywords apply to a DataFrame, not to Comparisons.")
        return data
    if _dask.is_dask_frame(data):          # aggregated on its cluster (btstats.data.dask)
        return Comparisons.from_frame(data, **roles)
    if isinstance(data, pd.DataFrame) or _tables.is_table_like(data):
        # pandas, polars, pyarrow, records, a dict of columns, Arrow PyCapsule, to_pandas()
        return Comparisons.from_frame(data, **roles)
    if isinstance(data, (str, os.PathLike)):
        return read_comparisons(data, **roles)
    raise TypeError(f"`data` must be a Comparisons, a DataFrame or a file path; got "
                    f"{type(data).__name__}. For arrays of winners and losers use "
                    f"Comparisons.from_arrays.")

