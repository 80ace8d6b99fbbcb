"""The inputs people have: table-like objects read as comparison data, and wide label tables
reshaped to the long form btstats reads.

Every entry point that takes comparison data (:meth:`Comparisons.from_frame`,
:meth:`~Comparisons.from_arena`, :meth:`~Comparisons.from_counts`, the evaluation and arena
readers) reads, besides a pandas DataFrame and a JSON / JSON-lines path:

==========================================  ===========================================
input                                       read with
==========================================  ===========================================
polars DataFrame / LazyFrame                ``.to_arrow()`` (``.to_pandas()`` without
                                            pyarrow); a LazyFrame is collected first
pyarrow Table / RecordBatch                 ``.to_pandas()``
pyarrow.dataset Dataset / Scanner           ``.to_table().to_pandas()``
pyarrow RecordBatchReader                   ``.read_all().to_pandas()`` (read once)
list of records (dicts), or an iterator     ``pd.DataFrame(records)`` (an iterator is
of them                                     read once)
dict of columns                             ``pd.DataFrame(columns)``
Arrow PyCapsule (``__arrow_c_stream__``)    ``pyarrow.table(obj).to_pandas()``
anything with ``to_pandas()``               ``obj.to_pandas()`` (a Hugging Face
                                            ``datasets.Dataset``)
numpy structured array                      ``pd.DataFrame(arr)``
==========================================  ===========================================

None of polars, pyarrow or ``datasets`` is imported by ``import btstats``: objects are
recognised by their type's module and by duck typing (:func:`as_pandas`).

Real preference data often come *wide*, one column per annotator (PandaLM's
``annotator1, annotator2, annotator3``); :func:`wide_to_long` turns them into one row per
(comparison, annotator) with an ``annotator`` column, the layout that
:meth:`Comparisons.from_frame`, :func:`btstats.agreement.agreement` and
:func:`btstats.fit_annotators` read.
"""
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _validation as _v
from .._tables import ACCEPTED, as_pandas, is_table_like
from ..exceptions import DataError

__all__ = ["as_pandas", "is_table_like", "wide_to_long", "ACCEPTED"]


def _wide_to_long_iv(df, annotators, annotator, outcome, codes, keep, row_id, dropna):
    """Checked arguments of :func:`wide_to_long`: ``(columns, labels, keep, codes)``."""
    cols = list(df.columns)
    if isinstance(annotators, (str, bytes)) or not isinstance(annotators, (Mapping, list,
                                                                            tuple, pd.Index)):
        raise TypeError(f"`annotators` must be a list of the annotator columns (e.g. "
                        f"['annotator1', 'annotator2']) or a dict column -> annotator label; "
                        f"got {annotators!r:.60}.")
    if isinstance(annotators, Mapping):
        names, labels = list(annotators), list(annotators.values())
    else:
        names = labels = list(annotators)
    if not names:
        raise DataError("`annotators` is empty: name the columns that hold one label per "
                        "annotator, e.g. annotators=['annotator1', 'annotator2'].")
    repeated = sorted({str(c) for c in names if names.count(c) > 1})
    if repeated:
        raise DataError(f"`annotators` names the columns {repeated} more than once.")
    missing = [c for c in names if c not in cols]
    if missing:
        raise DataError(f"`annotators` names columns that are not in the data: {missing}; "
                        f"columns are {sorted(map(str, cols))}.")
    if keep is None:
        keep = [c for c in cols if c not in names]
    else:
        if isinstance(keep, (str, bytes)):
            keep = [keep]
        keep = list(keep)
        absent = [c for c in keep if c not in cols]
        if absent:
            raise DataError(f"`keep` names columns that are not in the data: {absent}; "
                            f"columns are {sorted(map(str, cols))}.")
        both = [c for c in keep if c in names]
        if both:
            raise DataError(f"`keep` names the annotator columns {both}: an annotator column "
                            f"becomes the rows of `{outcome}`, it cannot also be kept.")
    new = [("annotator", annotator), ("outcome", outcome)]
    if row_id is not None:
        new.append(("row_id", row_id))
    if len({n for _, n in new}) != len(new):
        raise DataError(f"the new columns need distinct names; got "
                        f"{ {k: n for k, n in new} }.")
    for key, name in new:
        if name in keep:
            raise DataError(f"the data already have a column {name!r}, the name of the new "
                            f"{key} column: give the new column another name "
                            f"({key}='...') or leave that column out with keep=[...].")
    if codes is not None and not isinstance(codes, Mapping):
        raise TypeError(f"`codes` must be a dict from the labels in the annotator columns to "
                        f"outcomes, e.g. {{0: 'tie', 1: 'a', 2: 'b'}}; got {codes!r:.60}.")
    if dropna not in (True, False):
        raise TypeError(f"`dropna` must be True or False; got {dropna!r}.")
    return names, labels, keep, codes


def _check_codes(df, names, codes):
    """Refuse labels that ``codes`` does not map (missing labels are left to ``dropna``)."""
    keys = list(codes)
    for c in names:
        s = df[c]
        bad = np.flatnonzero((~s.isin(keys) & s.notna()).to_numpy())
        if bad.size:
            values = pd.unique(s.iloc[bad[:50]].astype(str))[:5].tolist()
            rows = ", ".join(map(str, bad[:5])) + (f" and {bad.size - 5} more"
                                                   if bad.size > 5 else "")
            raise DataError(f"column {c!r} has {bad.size} label(s) {values} that `codes` does "
                            f"not map (rows {rows}); `codes` maps {keys}. Add them to `codes` "
                            f"or fix those rows.")


def wide_to_long(data: Any, annotators: Sequence[Hashable] | Mapping[Hashable, Hashable], *,
                 annotator: str = "annotator", outcome: str = "outcome",
                 codes: Mapping[Any, Any] | None = None,
                 keep: Sequence[Hashable] | None = None, row_id: str | None = None,
                 dropna: bool = True) -> pd.DataFrame:
    """Reshape a wide label table (one column per annotator) to one row per label.

    Preference data often store the labels of one comparison side by side, one column per
    annotator (PandaLM: ``annotator1, annotator2, annotator3``).  btstats reads the long
    form: one row per (comparison, annotator), the comparison's columns repeated, an
    ``annotator`` column naming who gave the label and an ``outcome`` column holding it.

    Parameters
    ----------
    data : DataFrame or table-like
        The wide table: anything :meth:`Comparisons.from_frame` reads but a path (a polars
        or pyarrow table, a list of records, a dict of columns, ...).  Read a file first,
        e.g. ``pd.read_json(path)``.
    annotators : list of str or dict
        The annotator columns, each holding one label per row.  A list labels each
        annotator by its column name; a dict maps column -> annotator label (e.g.
        ``{"annotator1": "human1"}``).
    annotator, outcome : str
        Names of the two new columns: who gave the label (default ``"annotator"``) and the
        label (default ``"outcome"``, the outcome column of
        :meth:`Comparisons.from_frame`'s ``item_a, item_b, outcome`` layout).
    codes : dict, optional
        Recode the labels, e.g. PandaLM's ``{0: "tie", 1: "a", 2: "b"}``.  A label that is
        not a key is an error (missing labels are left to ``dropna``).  Without ``codes``
        the labels are kept as they are, and must then be btstats outcome codes: ``1`` /
        ``"a"`` (the first item wins), ``0`` / ``"b"`` (the second wins), ``0.5`` /
        ``"tie"``.  Beware of numeric codes of another convention: PandaLM's ``0`` is a tie
        but btstats' ``0`` means the second item won.
    keep : list of str, optional
        The columns repeated on every long row (default: every column that is not an
        annotator column).
    row_id : str, optional
        Name of a new column holding each label's row number in the wide table
        (0 .. n - 1): which labels belong to one comparison, e.g. as
        ``cluster=row_id`` or to group the agreement units.
    dropna : bool
        Drop the missing labels (NaN / None: an annotator who did not label that row),
        the default; with False they are kept, and reading them as comparisons raises
        :class:`DataError`.

    Returns
    -------
    DataFrame
        ``[row_id,] *keep, annotator, outcome``: one row per label, comparison by
        comparison (the labels of wide row ``i`` in the order of ``annotators``), on a
        new RangeIndex.  ``data`` is not changed.

    See Also
    --------
    btstats.Comparisons.from_frame : reads the long table.
    btstats.agreement.agreement : agreement of the annotators.
    btstats.fit_annotators : a quality per annotator.

    Examples
    --------
    Two PandaLM-style rows, three annotators coded ``0`` tie, ``1`` the first response
    better, ``2`` the second:

    >>> import pandas as pd
    >>> import btstats
    >>> wide = pd.DataFrame({"item_a": ["llama", "opt"], "item_b": ["opt", "bloom"],
    ...                      "annotator1": [1, 0], "annotator2": [1, 2],
    ...                      "annotator3": [2, None]})
    >>> long = btstats.wide_to_long(wide, ["annotator1", "annotator2", "annotator3"],
    ...                             codes={0: "tie", 1: "a", 2: "b"})
    >>> long
      item_a item_b   annotator outcome
    0  llama    opt  annotator1       a
    1  llama    opt  annotator2       a
    2  llama    opt  annotator3       b
    3    opt  bloom  annotator1     tie
    4    opt  bloom  annotator2       b
    >>> btstats.Comparisons.from_frame(long)
    Comparisons(3 items, 5 rows, 5 comparisons, 1 ties, 2 pairs)
    """
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        raise TypeError(f"wide_to_long takes a table, not a path ({data!r:.60}): read the "
                        f"file first, e.g. pd.read_json(path) or pd.read_csv(path).")
    df = as_pandas(data)
    _v.check_unique_columns(df)
    names, labels, keep, codes = _wide_to_long_iv(df, annotators, annotator, outcome, codes,
                                                  keep, row_id, dropna)
    if codes is not None:
        _check_codes(df, names, codes)
    n, k = len(df), len(names)
    # the labels annotator by annotator, then put comparison by comparison
    values = pd.concat([df[c].reset_index(drop=True) for c in names], ignore_index=True)
    order = np.arange(n * k).reshape(k, n).T.ravel()
    values = values.take(order).reset_index(drop=True)
    if codes is not None:
        values = values.map(dict(codes))
    rows = np.repeat(np.arange(n), k)
    who = np.tile(np.arange(k), n)
    if dropna:
        present = values.notna().to_numpy()
        rows, who, values = rows[present], who[present], values[present].reset_index(drop=True)
    long = df[keep].take(rows).reset_index(drop=True) if keep else \
        pd.DataFrame(index=pd.RangeIndex(rows.shape[0]))
    if row_id is not None:
        long.insert(0, row_id, rows)
    long[annotator] = pd.Index(labels).take(who)
    long[outcome] = values
    return long
