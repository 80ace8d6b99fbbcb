"""Ranking data: k-wise rankings with ties, partial rankings and weights.

A :class:`Rankings` holds many rankings, each of a subset of the items (partial rankings:
items a ranking does not list are simply absent from it), best first, with ties inside a
ranking allowed.  Inside it is plain arrays in CSR layout:

===========  ==============================================================================
``item``     int64 item codes into ``items``, ranking after ranking, best first
``level``    int64 position of the item's tie group in its ranking: 0 = best; tied items
             share a level, and levels run 0, 1, 2, ... without gaps
``offsets``  int64, ``n_rankings + 1``: ranking ``r`` is ``item[offsets[r]:offsets[r+1]]``
``weights``  float64 per ranking, or ``None`` (1 each)
``unranked`` int64 per ranking: how many of its last entries are in its choice set but not
             ranked (top-k rankings; they share the level after the last ranked group)
===========  ==============================================================================

plus ``items`` (a :class:`pandas.Index` of labels) and ``ids`` (the ranking ids).

Accepted inputs
---------------
=================================================  =========================================
one row per (ranking, item) with a rank            :meth:`Rankings.from_long`
one row per ranking, a column per item (ranks)     :meth:`Rankings.from_wide`
one row per ranking, columns first, second, ...    :meth:`Rankings.from_orderings`
coded arrays                                       :class:`Rankings` (the constructor)
=================================================  =========================================

Lower rank numbers are better; equal ranks in one ranking are a tie.  A top-k ranking lists
the items of its choice set that were not ranked with a missing rank (:meth:`from_long`): they
stay in every choice of the ranking and are never chosen.  :meth:`to_comparisons`
breaks the rankings into pairwise :class:`~btstats.Comparisons` (ties inside a ranking become
ties) carrying the ranking id as the ``cluster`` column, for cluster-robust Bradley-Terry
standard errors.
"""
import numpy as np
import pandas as pd

from .. import _validation as _v
from ..exceptions import DataError
from .comparisons import Comparisons

__all__ = ["Rankings"]

_MAX_SHOWN = 5
BREAKINGS = ("full", "adjacent")


def _shown(values):
    values = list(values)
    more = f" and {len(values) - _MAX_SHOWN} more" if len(values) > _MAX_SHOWN else ""
    return ", ".join(repr(v) for v in values[:_MAX_SHOWN]) + more


def _levels_within(group, rank):
    """Dense ranks (0 = best) of ``rank`` within each group of ``group`` (int codes, rows
    sorted by group then rank)."""
    new = np.ones(rank.shape[0], bool)
    new[1:] = (group[1:] != group[:-1]) | (rank[1:] != rank[:-1])
    start = np.ones(rank.shape[0], bool)
    start[1:] = group[1:] != group[:-1]
    cum = np.cumsum(new)
    first = np.maximum.accumulate(np.where(start, np.arange(rank.shape[0]), 0))
    return (cum - cum[first]).astype(np.int64)


class Rankings:
    """Rankings of subsets of items, best first, with ties and weights.

    Build it with :meth:`from_long`, :meth:`from_wide` or :meth:`from_orderings`; the
    constructor takes already coded arrays and checks them.

    Parameters
    ----------
    items : sequence of hashable
        Item labels; codes index into it.
    item : array_like of int
        Item codes, ranking after ranking, each ranking best first.
    level : array_like of int
        The tie group of each entry within its ranking: 0 for the best, equal for tied items,
        non-decreasing within a ranking and without gaps (0, 1, 1, 2, ...).
    offsets : array_like of int
        ``n_rankings + 1`` offsets: ranking ``r`` is ``item[offsets[r]:offsets[r + 1]]``.
    weights : array_like of float, optional
        Non-negative weight (count) of each ranking; ``None`` means 1 each.
    ids : sequence, optional
        Ranking ids (default ``0 .. n_rankings - 1``).
    unranked : array_like of int, optional
        Per ranking, how many of its last entries are in its choice set but not ranked
        (top-k rankings); they must share one level, the one after the last ranked group.
        Default: none.

    Raises
    ------
    DataError
        For a ranking with fewer than two items, an item listed twice in one ranking, codes
        outside ``0 .. n_items - 1``, levels that do not start at 0 or skip a value, or bad
        weights; the message names the rankings.

    Examples
    --------
    >>> import pandas as pd
    >>> import btstats
    >>> long = pd.DataFrame({"ranking": [1, 1, 1, 2, 2, 3, 3, 3],
    ...                      "item": ["a", "b", "c", "b", "c", "c", "a", "b"],
    ...                      "rank": [1, 2, 3, 1, 2, 1, 2, 2]})
    >>> r = btstats.Rankings.from_long(long)
    >>> r
    Rankings(3 items, 3 rankings of 2-3 items, 1 with ties)
    >>> r.to_frame()
       ranking item  rank
    0        1    a     1
    1        1    b     2
    2        1    c     3
    3        2    b     1
    4        2    c     2
    5        3    c     1
    6        3    a     2
    7        3    b     2
    >>> r.to_comparisons().counts_frame()
      item_a item_b  wins_a  wins_b  ties
    0      a      b     1.0     0.0   1.0
    1      a      c     1.0     1.0   0.0
    2      b      c     2.0     1.0   0.0
    """

    def __init__(self, items, item, level, offsets, weights=None, ids=None, unranked=None):
        self._items = pd.Index(items)
        if self._items.has_duplicates:
            dup = self._items[self._items.duplicated()].unique().tolist()
            raise DataError(f"item labels must be unique; repeated: {_shown(dup)}.")
        item = _int_array(item, "item")
        level = _int_array(level, "level")
        offsets = _int_array(offsets, "offsets")
        if item.shape != level.shape:
            raise DataError(f"`item` and `level` must have the same length; got "
                            f"{item.shape[0]} and {level.shape[0]}.")
        if offsets.shape[0] < 2 or offsets[0] != 0 or offsets[-1] != item.shape[0] or \
                np.any(np.diff(offsets) < 0):
            raise DataError("`offsets` must start at 0, never decrease and end at len(item) "
                            "(ranking r is item[offsets[r]:offsets[r + 1]]); at least one "
                            "ranking is needed.")
        n_rankings = offsets.shape[0] - 1
        self._ids = pd.Index(range(n_rankings) if ids is None else ids)
        if len(self._ids) != n_rankings:
            raise DataError(f"`ids` must have one entry per ranking ({n_rankings}); got "
                            f"{len(self._ids)}.")
        n = len(self._items)
        bad = np.flatnonzero((item < 0) | (item >= n))
        if bad.size:
            raise DataError(f"item codes must lie in 0..{n - 1} (one per label of `items`); "
                            f"entries {_v._rows_text(bad)} do not.")
        sizes = np.diff(offsets)
        rid = np.repeat(np.arange(n_rankings), sizes)
        small = np.flatnonzero(sizes < 2)
        if small.size:
            raise DataError(
                f"{small.size} ranking(s) hold fewer than two items (ids "
                f"{_shown(self._ids[small])}): a ranking of one item says nothing about the "
                f"others. Drop them, e.g. keep only rankings with at least two items.")
        first = np.zeros(item.shape[0], bool)
        first[offsets[:-1]] = True
        step = np.diff(level, prepend=0)
        wrong = (first & (level != 0)) | (~first & (step != 0) & (step != 1))
        if np.any(wrong):
            r = np.unique(rid[wrong])
            raise DataError(f"levels must start at 0 in every ranking and rise by 0 (a tie) or "
                            f"1; rankings {_shown(self._ids[r])} do not. Build the rankings "
                            f"with Rankings.from_long, which turns any rank numbers into "
                            f"levels.")
        order = np.lexsort((item, rid))
        dup = (np.diff(item[order]) == 0) & (np.diff(rid[order]) == 0)
        if np.any(dup):
            r = np.unique(rid[order][1:][dup])
            raise DataError(f"an item appears twice in rankings {_shown(self._ids[r])}; each "
                            f"item may be ranked at most once per ranking.")
        if unranked is None:
            unranked = np.zeros(n_rankings, np.int64)
        else:
            unranked = _int_array(unranked, "unranked")
            if unranked.shape != (n_rankings,):
                raise DataError(f"`unranked` must have one entry per ranking ({n_rankings}); "
                                f"got shape {unranked.shape}.")
            bad = np.flatnonzero((unranked < 0) | (unranked > sizes - 1))
            if bad.size:
                raise DataError(f"rankings {_shown(self._ids[bad])} have no ranked item: a "
                                f"ranking needs at least one ranked item (the rest of its "
                                f"choice set may be unranked).")
            tail = unranked > 0
            last = offsets[1:] - 1
            first_u = offsets[1:] - unranked
            ok = np.ones(n_rankings, bool)
            ok[tail] = (level[last[tail]] == level[first_u[tail]]) & \
                (level[first_u[tail]] == level[first_u[tail] - 1] + 1)
            if not np.all(ok):
                r = np.flatnonzero(~ok)
                raise DataError(f"the unranked entries of rankings {_shown(self._ids[r])} must "
                                f"come last and share the level after the last ranked group.")
        if weights is not None:
            weights = _v.as_weights(weights, n_rankings, "weights")
            if not np.any(weights > 0):
                raise DataError("every ranking has weight zero: there is nothing to fit.")
        self._item = item
        self._level = level
        self._offsets = offsets
        self._weights = weights
        self._unranked = unranked
        for a in (self._item, self._level, self._offsets, self._unranked) + \
                (() if weights is None else (self._weights,)):
            a.setflags(write=False)

    # ---------------------------------------------------------------- constructors
    @classmethod
    def from_long(cls, frame, *, ranking="ranking", item="item", rank="rank", weight=None):
        """Rankings from one row per (ranking, item) with the item's rank.

        Parameters
        ----------
        frame : DataFrame
            The rows (not modified).
        ranking, item, rank : str
            Columns of the ranking id, the item label and its rank (lower = better; equal
            ranks within a ranking are a tie; any numbers, not necessarily 1, 2, ...).  A
            missing rank marks an item of the ranking's choice set that was not ranked (a
            top-k ranking: the item stays in every choice of the ranking and is never
            chosen); an item a ranking never saw is simply left out of it.
        weight : str, optional
            A column of ranking weights (counts), constant within each ranking.

        Returns
        -------
        Rankings
            Rankings in the order of their first row; items sorted when the labels sort.

        Raises
        ------
        DataError
            Missing columns, missing ids or labels, non-numeric ranks, an item twice in one
            ranking, rankings with one item or no ranked item, weights that vary within a
            ranking; the message names the rows or rankings.
        """
        df = _v.as_frame(frame)
        cols = [ranking, item, rank] + ([weight] if weight is not None else [])
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise DataError(f"columns {missing} not found; the frame has {list(df.columns)}. "
                            f"Name the columns with ranking=, item=, rank= (and weight=).")
        if len(df) == 0:
            raise DataError("the ranking data are empty: there is nothing to fit.")
        for c, what in ((ranking, "ranking id"), (item, "item label")):
            bad = np.flatnonzero(df[c].isna().to_numpy())
            if bad.size:
                raise DataError(f"column {c!r} ({what}) is missing on rows "
                                f"{_v._rows_text(bad)}. Drop or fill those rows.")
        r = _rank_values(df[rank], rank)
        rid, ids = pd.factorize(df[ranking].reset_index(drop=True), sort=False)
        codes, items = _v.factorize_column(df[item], item)
        missing_rank = np.isnan(r)
        r = np.where(missing_rank, np.inf, r)       # unranked: one level after the ranked
        order = np.lexsort((codes, r, rid))
        rid_s = rid[order].astype(np.int64)
        sizes = np.bincount(rid_s, minlength=len(ids))
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        level = _levels_within(rid_s, r[order])
        unranked = np.bincount(rid[missing_rank], minlength=len(ids)).astype(np.int64)
        none = np.flatnonzero(unranked >= sizes)
        if none.size:
            raise DataError(f"rankings {_shown(ids[none])} rank none of their items (every "
                            f"rank in column {rank!r} is missing). Give their ranks or drop "
                            f"them.")
        dup = _duplicates(rid_s, codes[order])
        if dup.size:
            raise DataError(f"an item appears twice in rankings {_shown(ids[dup])} (columns "
                            f"{ranking!r}, {item!r}); each item may be ranked at most once "
                            f"per ranking. Drop the repeated rows.")
        w = None
        if weight is not None:
            wcol = _v.as_weights(df[weight].to_numpy(), len(df), f"column {weight!r}")
            ws = wcol[order]
            varies = np.flatnonzero(np.maximum.reduceat(ws, offsets[:-1]) !=
                                    np.minimum.reduceat(ws, offsets[:-1]))
            if varies.size:
                raise DataError(f"the weight column {weight!r} must be the same on every row "
                                f"of a ranking; rankings {_shown(ids[varies])} differ.")
            w = ws[offsets[:-1]]
        return cls(items, codes[order], level, offsets, w, ids,
                   unranked if unranked.any() else None)

    @classmethod
    def from_wide(cls, frame, *, items=None, weight=None, ranking=None):
        """Rankings from one row per ranking and one column per item holding its rank.

        Parameters
        ----------
        frame : DataFrame
            One row per ranking (not modified); a cell holds the item's rank (lower =
            better, equal ranks a tie) or NaN when the ranking does not include the item.
        items : list of str, optional
            The item columns (default: every column but ``weight`` and ``ranking``).
        weight : str, optional
            A column of ranking weights.
        ranking : str, optional
            A column of ranking ids (default: the frame's index).

        Returns
        -------
        Rankings

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import btstats
        >>> wide = pd.DataFrame({"a": [1, 2, np.nan], "b": [2, 1, 1], "c": [3, 3, 1]})
        >>> btstats.Rankings.from_wide(wide).to_frame()
           ranking item  rank
        0        0    a     1
        1        0    b     2
        2        0    c     3
        3        1    b     1
        4        1    a     2
        5        1    c     3
        6        2    b     1
        7        2    c     1
        """
        df = _v.as_frame(frame)
        special = [c for c in (weight, ranking) if c is not None]
        missing = [c for c in special if c not in df.columns]
        if missing:
            raise DataError(f"columns {missing} not found; the frame has {list(df.columns)}.")
        cols = [c for c in df.columns if c not in special] if items is None else list(items)
        absent = [c for c in cols if c not in df.columns]
        if absent:
            raise DataError(f"item columns {absent} not found; the frame has "
                            f"{list(df.columns)}.")
        if not cols:
            raise DataError("no item columns: pass items=[...] naming the columns of ranks.")
        ids = df[ranking].to_numpy() if ranking is not None else df.index.to_numpy()
        values = np.empty((len(df), len(cols)))
        for k, c in enumerate(cols):
            col = df[c]
            num = pd.to_numeric(col, errors="coerce")
            bad = np.flatnonzero(num.isna().to_numpy() & col.notna().to_numpy())
            if bad.size or pd.api.types.is_bool_dtype(col):
                raise DataError(f"item column {c!r} must hold rank numbers (NaN where the "
                                f"item is not ranked); rows {_v._rows_text(bad)} hold "
                                f"{col.iloc[bad[:_MAX_SHOWN]].tolist()}.")
            values[:, k] = num.to_numpy(dtype=float)
        inf = np.argwhere(np.isinf(values))
        if inf.size:
            raise DataError(f"ranks must be finite; rows {_v._rows_text(inf[:, 0])} hold "
                            f"infinite ranks.")
        rr, cc = np.nonzero(~np.isnan(values))
        long = pd.DataFrame({"ranking": rr, "item": np.asarray(cols, dtype=object)[cc],
                             "rank": values[rr, cc]})
        counts = np.bincount(rr, minlength=len(df))
        small = np.flatnonzero(counts < 2)
        if small.size:
            raise DataError(f"rows {_v._rows_text(small)} rank fewer than two items: a "
                            f"ranking of one item says nothing about the others. Drop them.")
        out = cls.from_long(long)
        w = None
        if weight is not None:
            w = _v.as_weights(df[weight].to_numpy(), len(df), f"column {weight!r}")
        # from_long keeps the rows' order (ids 0 .. n_rows - 1 in order)
        return cls(out.items, out.item, out.level, out.offsets, w, pd.Index(ids))

    @classmethod
    def from_orderings(cls, frame, *, columns=None, weight=None, ranking=None):
        """Rankings from one row per ranking listing the item labels best first.

        Parameters
        ----------
        frame : DataFrame or 2-d array_like
            Row ``r`` holds the labels of its items in order (columns ``first``, ``second``,
            ...); missing values (NaN / None) end a shorter ranking.  No ties (use
            :meth:`from_long` or :meth:`from_wide` for those).
        columns : list of str, optional
            The position columns, best first (default: every column but ``weight`` and
            ``ranking``, in the frame's order).
        weight, ranking : str, optional
            Columns of ranking weights and ids (default ids: the frame's index).

        Returns
        -------
        Rankings

        Examples
        --------
        >>> import pandas as pd
        >>> import btstats
        >>> df = pd.DataFrame({"first": ["a", "c"], "second": ["b", "a"],
        ...                    "third": ["c", None]})
        >>> btstats.Rankings.from_orderings(df)
        Rankings(3 items, 2 rankings of 2-3 items, 0 with ties)
        """
        if not isinstance(frame, pd.DataFrame) and np.ndim(frame) == 2 and \
                not hasattr(frame, "columns"):
            frame = pd.DataFrame(np.asarray(frame, dtype=object))
        df = _v.as_frame(frame)
        special = [c for c in (weight, ranking) if c is not None]
        missing = [c for c in special if c not in df.columns]
        if missing:
            raise DataError(f"columns {missing} not found; the frame has {list(df.columns)}.")
        cols = [c for c in df.columns if c not in special] if columns is None \
            else list(columns)
        absent = [c for c in cols if c not in df.columns]
        if absent:
            raise DataError(f"position columns {absent} not found; the frame has "
                            f"{list(df.columns)}.")
        labels = df[cols].to_numpy(dtype=object)
        present = ~pd.isna(df[cols]).to_numpy()
        gap = np.flatnonzero(np.any(~present[:, :-1] & present[:, 1:], axis=1)) \
            if len(cols) > 1 else np.zeros(0, np.int64)
        if gap.size:
            raise DataError(f"rows {_v._rows_text(gap)} have a missing label before a "
                            f"present one: list each ranking's items best first and leave "
                            f"only the trailing positions empty.")
        rr, cc = np.nonzero(present)
        long = pd.DataFrame({"ranking": rr, "item": labels[rr, cc], "rank": cc})
        counts = np.bincount(rr, minlength=len(df))
        small = np.flatnonzero(counts < 2)
        if small.size:
            raise DataError(f"rows {_v._rows_text(small)} list fewer than two items: a "
                            f"ranking of one item says nothing about the others. Drop them.")
        try:
            out = cls.from_long(long)
        except DataError as exc:
            raise DataError(str(exc).replace("(columns 'ranking', 'item')",
                                             "(rows of the frame)")) from exc
        ids = df[ranking].to_numpy() if ranking is not None else df.index.to_numpy()
        w = None
        if weight is not None:
            w = _v.as_weights(df[weight].to_numpy(), len(df), f"column {weight!r}")
        return cls(out.items, out.item, out.level, out.offsets, w, pd.Index(ids))

    # ---------------------------------------------------------------- accessors
    items = property(lambda self: self._items, doc="Item labels (a pandas Index).")
    ids = property(lambda self: self._ids, doc="Ranking ids (a pandas Index).")
    item = property(lambda self: self._item, doc="Item codes, ranking after ranking.")
    level = property(lambda self: self._level, doc="Tie-group level of each entry (0 best).")
    offsets = property(lambda self: self._offsets, doc="CSR offsets (n_rankings + 1).")
    weights = property(lambda self: self._weights, doc="Ranking weights or None.")
    unranked = property(lambda self: self._unranked,
                        doc="Per ranking, the number of unranked entries (top-k), last.")

    @property
    def n_items(self):
        return len(self._items)

    @property
    def n_rankings(self):
        return int(self._offsets.shape[0] - 1)

    @property
    def sizes(self):
        """Number of items in each ranking."""
        return np.diff(self._offsets)

    @property
    def weight_array(self):
        """Ranking weights as a float64 array (ones when unweighted)."""
        if self._weights is None:
            return np.ones(self.n_rankings)
        return np.asarray(self._weights, dtype=np.float64)

    @property
    def n_tied(self):
        """Number of rankings holding at least one tie."""
        ranked = self.sizes - self._unranked
        n_levels = self._level[self._offsets[:-1] + ranked - 1] + 1
        return int(np.sum(n_levels < ranked))

    @property
    def max_tie(self):
        """The largest tie group (1 when no ranking holds a tie)."""
        return int(_group_sizes(self._level, self._offsets, self._unranked).max())

    @property
    def is_ranked(self):
        """Per entry, whether it is ranked (False for the unranked entries of top-k
        rankings)."""
        return np.arange(self._item.shape[0]) < np.repeat(self._offsets[1:] - self._unranked,
                                                          self.sizes)

    def __len__(self):
        return self.n_rankings

    def __repr__(self):
        sizes = self.sizes
        span = f"{sizes.min()}" if sizes.min() == sizes.max() else f"{sizes.min()}-{sizes.max()}"
        w = "" if self._weights is None else f", total weight {self.weight_array.sum():g}"
        k = int(np.sum(self._unranked > 0))
        topk = f", {k} top-k" if k else ""
        return (f"Rankings({self.n_items} items, {self.n_rankings} rankings of {span} items, "
                f"{self.n_tied} with ties{topk}{w})")

    def summary(self):
        """A short text description: sizes, ties, and how often each item is ranked first.

        Returns
        -------
        str
        """
        sizes = self.sizes
        w = self.weight_array
        first = np.zeros(self.n_items)
        top = self._level == 0
        np.add.at(first, self._item[top], np.repeat(w, self.sizes)[top])
        seen = np.bincount(self._item, weights=np.repeat(w, sizes), minlength=self.n_items)
        tab = pd.DataFrame({"rankings": seen, "first": first}, index=self._items)
        lines = [repr(self),
                 f"items per ranking: min {sizes.min()}, median {np.median(sizes):g}, "
                 f"max {sizes.max()}",
                 f"largest tie group: {self.max_tie}", "", tab.to_string()]
        return "\n".join(lines)

    def to_frame(self):
        """The rankings in long form (``ranking``, ``item``, ``rank`` = level + 1, NaN for
        the unranked items of top-k rankings, and ``weight`` when weighted), which
        :meth:`from_long` reads back.

        Returns
        -------
        pandas.DataFrame
        """
        sizes = self.sizes
        cols = {"ranking": np.repeat(self._ids.to_numpy(), sizes),
                "item": self._items[self._item], "rank": self._level + 1}
        if np.any(self._unranked):
            cols["rank"] = np.where(self.is_ranked, self._level + 1.0, np.nan)
        if self._weights is not None:
            cols["weight"] = np.repeat(self.weight_array, sizes)
        return pd.DataFrame(cols)

    def subset(self, rankings):
        """The rankings at the given positions (an integer array; repeats allowed), with the
        same items.

        Returns
        -------
        Rankings
        """
        pos = np.asarray(rankings, dtype=np.int64).reshape(-1)
        if pos.size == 0:
            raise DataError("`rankings` must select at least one ranking.")
        if pos.min() < 0 or pos.max() >= self.n_rankings:
            raise IndexError(f"ranking positions must lie in 0..{self.n_rankings - 1}.")
        sizes = self.sizes[pos]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        take = np.repeat(self._offsets[pos] - offsets[:-1], sizes) + np.arange(offsets[-1])
        w = None if self._weights is None else self.weight_array[pos]
        return Rankings(self._items, self._item[take], self._level[take], offsets, w,
                        self._ids[pos], self._unranked[pos])

    # ---------------------------------------------------------------- rank breaking
    def to_comparisons(self, breaking="full"):
        """Break the rankings into pairwise comparisons.

        Parameters
        ----------
        breaking : {"full", "adjacent"}
            ``"full"``: every pair of items in a ranking is a comparison (the better one
            wins; tied items tie).  ``"adjacent"``: only items in consecutive tie groups are
            compared (each item of a group against each of the next), plus the ties within a
            group.  The unranked items of a top-k ranking lose to every ranked item
            (``"full"``) or to the last ranked group (``"adjacent"``) and are not compared
            with each other.

        Returns
        -------
        Comparisons
            One row per pair, weighted by the ranking's weight, with the ranking id as the
            ``cluster`` column (``extra["cluster"]``), so that
            ``btstats.fit(c, covariance_type="cluster")`` gives standard errors that allow for
            the dependence of the comparisons broken out of one ranking.

        Notes
        -----
        Full breaking of rankings of ``K`` items treats the ``K (K - 1) / 2`` comparisons as
        independent, which they are not: the Bradley-Terry estimates are consistent for the
        Plackett-Luce scores only approximately, and their model-based standard errors are
        too small; the cluster-robust ones are about right (see the ``rankings`` page of the
        docs).
        """
        _v.check_choice(breaking, "breaking", BREAKINGS)
        a, b, tie, rid = _break(self._item, self._level, self._offsets, self.is_ranked,
                                breaking)
        outcome = np.where(tie, 2, 0).astype(np.int8)
        weight = None if self._weights is None else self.weight_array[rid]
        extra = pd.DataFrame({"cluster": self._ids.to_numpy()[rid]})
        return Comparisons(self._items, a, b, outcome, weight, extra)


def _int_array(x, name):
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise DataError(f"`{name}` must be one-dimensional; got shape {arr.shape}.")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            return arr.astype(np.int64)
        raise DataError(f"`{name}` must hold integers; got dtype {arr.dtype}.")
    return np.ascontiguousarray(arr, dtype=np.int64).copy()


def _rank_values(col, name):
    """The rank column as floats (NaN where missing: unranked); non-numeric and infinite
    values are an error."""
    s = col.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(s):
        raise DataError(f"the rank column {name!r} must hold numbers (lower = better); got "
                        f"booleans.")
    num = pd.to_numeric(s, errors="coerce")
    bad = np.flatnonzero(num.isna().to_numpy() & s.notna().to_numpy())
    if bad.size:
        raise DataError(f"the rank column {name!r} must hold numbers (lower = better); rows "
                        f"{_v._rows_text(bad)} hold {s.iloc[bad[:_MAX_SHOWN]].tolist()}.")
    r = num.to_numpy(dtype=float)
    inf = np.flatnonzero(np.isinf(r))
    if inf.size:
        raise DataError(f"the rank column {name!r} must be finite; rows {_v._rows_text(inf)} "
                        f"are not.")
    return r


def _duplicates(rid, codes):
    """Ranking codes in which some item code repeats."""
    order = np.lexsort((codes, rid))
    same = (np.diff(codes[order]) == 0) & (np.diff(rid[order]) == 0)
    return np.unique(rid[order][1:][same])


def _group_sizes(level, offsets, unranked=None):
    """Sizes of every ranked tie group, rankings in order (the unranked tail of a top-k
    ranking is no group)."""
    new = np.ones(level.shape[0], bool)
    new[1:] = level[1:] != level[:-1]
    new[offsets[:-1]] = True
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, level.shape[0]))
    if unranked is not None and np.any(unranked):
        ranked_end = np.repeat(offsets[1:] - unranked, np.diff(offsets))
        sizes = sizes[starts < ranked_end[starts]]
    return sizes


def _break(item, level, offsets, ranked, breaking):
    """Pairs ``(a, b, tie, ranking)`` of the rank breaking: ``a`` above ``b`` (or tied);
    two unranked entries are no pair."""
    sizes = np.diff(offsets)
    a_parts, b_parts, r_parts = [], [], []
    # all pairs (p, q), p < q, of positions within a ranking, grouped by ranking size
    for k in np.unique(sizes):
        rk = np.flatnonzero(sizes == k)
        p, q = np.triu_indices(int(k), 1)
        base = offsets[rk][:, None]
        pa = (base + p[None, :]).reshape(-1)
        pb = (base + q[None, :]).reshape(-1)
        keep = ranked[pa].copy()
        if breaking == "adjacent":
            keep &= level[pb] - level[pa] <= 1
        a_parts.append(pa[keep])
        b_parts.append(pb[keep])
        r_parts.append(np.repeat(rk, p.shape[0])[keep])
    pa = np.concatenate(a_parts)
    pb = np.concatenate(b_parts)
    rid = np.concatenate(r_parts)
    order = np.argsort(rid, kind="stable")
    pa, pb, rid = pa[order], pb[order], rid[order]
    return item[pa], item[pb], level[pa] == level[pb], rid

