"""Comparisons from a Dask DataFrame: the rows are aggregated to pair counts on the cluster.

``btstats.fit(ddf)`` and ``Comparisons.from_frame(ddf)`` accept a
:class:`dask.dataframe.DataFrame` in the long layouts of :meth:`Comparisons.from_frame`
(winner / loser; item_a / item_b / outcome; arena model_a / model_b / winner; pair counts).
The aggregation is a map-reduce and runs where the data are:

1. per partition (``map_partitions``): the outcome of each row becomes weights ``(wins_a,
   wins_b, ties)``; each pair is oriented so that ``item_a <= item_b`` (the counts swapped, an
   order indicator and the covariates negated); the rows are checked (missing labels,
   self-comparisons, unknown outcomes, bad weights, order values or covariates: counted, with
   the bad values, not raised); the rows are summed by ``(item_a, item_b[, order][,
   covariates])``;
2. a groupby-sum across partitions (Dask's tree reduction; ``split_out`` spreads the pairs
   over several output partitions);
3. on the client: the problems of every partition, if any, become one :class:`DataError`;
   otherwise the pair counts (one row per key) are fetched and
   :meth:`Comparisons.from_counts` builds the :class:`Comparisons`, and the fit runs locally.

Memory on the client is that of the aggregated table: one row per distinct key, about 60
bytes fetched plus the labels, 0.5 to 0.8 KB at the peak of building the
:class:`Comparisons` (``docs/dask.md`` gives the limits and what to do beyond them).

What is aggregated: the weights (or counts), the outcome, an order / home column (in the key,
so ``fit(..., order_effect=True)`` works; arena data, where ``model_a`` was shown first, carry
the implicit order like :meth:`Comparisons.from_arena`), and comparison-level covariates (in
the key: discrete covariates shrink the table, continuous ones leave about one row per
comparison).  What cannot be: ``annotator``, ``cluster``, ``position``, ``grade`` and
``bothbad`` columns named by keyword are refused (:class:`DataError`); found by their names
only, they are ignored (arena ``tie (bothbad)`` rows count as ties, and ``n_bothbad`` is 0).

Orientation: pairs are put in label order so that a pair's rows from every partition meet in
one group.  Labels of one numeric, boolean, datetime or string dtype are compared as values;
any other (object columns of mixed types, categoricals of them, two columns of different
kinds) by their string form.  The orientation only decides in which of a pair's two rows
its counts land: :meth:`Comparisons.from_counts` adds up reversed pairs, so it never changes
the counts or the fit, only how far the table shrinks (two labels with the same string form,
``1`` and ``"1"``, keep two rows for their pair).

Dask is imported inside the functions only: ``import btstats`` does not import it, and
:func:`is_dask_frame` recognises a Dask DataFrame by its type's module.
"""
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import _validation as _v
from ..exceptions import DataError


__all__ = ["aggregate", "pair_counts", "is_dask_frame"]

#: Column roles of :meth:`Comparisons.from_frame`.
_ROLES = ("winner", "loser", "item_a", "item_b", "outcome", "wins_a", "wins_b", "ties",
          "weight", "annotator", "cluster", "position", "order", "grade", "bothbad")
#: Per-row roles that do not aggregate to pair counts.
_REFUSED = ("annotator", "cluster", "position", "grade", "bothbad")
_COUNTS = ("wins_a", "wins_b", "ties")
#: Distinct bad values kept per check and partition (the rest are counted together).
_SHOWN = 5
#: A column with more distinct values than this in one partition, some of them not outcome
#: codes, is reported as not an outcome column (finding each bad value would cost too much).
_MAX_DISTINCT = 2000
_MORE = "\x00more"
_MISSING = "\x00missing"


def is_dask_frame(data: object) -> bool:
    """True for a :class:`dask.dataframe.DataFrame` (without importing Dask)."""
    root = type(data).__module__.split(".", 1)[0]
    return root in ("dask", "dask_expr") and hasattr(data, "map_partitions") and \
        hasattr(data, "npartitions") and hasattr(data, "columns")


def _import_dask():
    try:
        import dask
        import dask.dataframe  # noqa: F401  (the groupby of the collection)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("a Dask DataFrame needs dask: pip install 'btstats[dask]'") from exc
    return dask


@dataclass(frozen=True)
class _Spec:
    """What the partitions are asked to do (sent to the workers; plain data only)."""

    layout: str            # "winner", "outcome", "arena" or "counts"
    first: str
    second: str
    outcome: object        # outcome / winner column, or None
    counts: tuple          # counts layout: (wins_a, wins_b, ties or None)
    weight: object
    order: object          # order column, None, or True for arena's implicit +1
    covariates: tuple
    by_string: bool        # orient by the labels' string form
    checks: tuple          # (kind, column) of each check; a problem's code is index + 1

    @property
    def keys(self):
        return ("item_a", "item_b") + (("order",) if self.order is not None else ()) + \
            self.covariates


def _resolve(ddf, roles):
    """The :class:`_Spec` of a Dask frame from its columns and dtypes (no data are read)."""
    meta = ddf._meta
    _v.check_unique_columns(meta)
    covariates = _v.covariate_names(roles.pop("covariates", None))
    cols = set(meta.columns)
    missing = [c for c in covariates if c not in cols]
    if missing:
        raise DataError(f"covariates {missing} are not columns of the data; columns are "
                        f"{sorted(map(str, cols))}.")
    clash = [c for c in covariates if c in ("item_a", "item_b", "order") + _COUNTS]
    if clash:
        raise DataError(f"covariates cannot be named {clash} in a Dask frame: those are the "
                        f"columns of the aggregated pair counts. Rename them.")
    given = {k: v for k, v in roles.items() if v is not None}
    refused = [k for k in _REFUSED if k in given]
    if refused:
        raise DataError(
            f"{', '.join(f'{k}={given[k]!r}' for k in refused)}: a Dask DataFrame is "
            f"aggregated to pair counts on the cluster, and per-row "
            f"{'columns' if len(refused) > 1 else 'column'} {refused} cannot be aggregated "
            f"(cluster-robust covariances, annotator models, graded outcomes and the "
            f"both-bad flag need the rows). Fit the rows in memory instead "
            f"(btstats.fit(ddf.compute(), ...)), or leave the keyword out to fit the pair "
            f"counts.")
    r = _v.infer_roles(cols, {k: roles.get(k) for k in _ROLES})
    layout = r.pop("layout")
    order = r.get("order")
    weight = r.get("weight")
    if layout == "grade":
        raise DataError(f"graded outcomes (column {r['grade']!r}) cannot be aggregated to "
                        f"pair counts of wins and ties on the cluster. Fit the rows in "
                        f"memory (btstats.fit(ddf.compute(), ...)), or give an outcome "
                        f"column (1 / 0 / 0.5).")
    if layout == "arena":
        first, second, outcome = "model_a", "model_b", "winner"
        order = True if order is None else order
    elif layout == "winner":
        first, second, outcome = r["winner"], r["loser"], None
    else:
        first, second = r["item_a"], r["item_b"]
        outcome = r["outcome"] if layout == "outcome" else None
    counts = ()
    if layout == "counts":
        weight = None                      # as Comparisons.from_counts: counts are weights
        counts = (r["wins_a"], r["wins_b"], r.get("ties"))
    numeric = [("weight", weight)] if weight is not None else []
    numeric += [(k, c) for k, c in zip(_COUNTS, counts) if c is not None]
    for k, c in numeric + [("covariate", c) for c in covariates]:
        dtype = meta[c].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise DataError(f"the {k} column {c!r} must be numeric; its dtype is {dtype}. "
                            f"Cast it on the cluster first, e.g. ddf[{c!r}] = "
                            f"ddf[{c!r}].astype(float).")
    checks = [("label", (first, second)), ("self", (first, second))]
    if outcome is not None:
        checks.append(("arena" if layout == "arena" else "outcome", outcome))
    checks += [("count", c) for _, c in numeric]
    if isinstance(order, str):
        checks.append(("order", order))
    checks += [("covariate", c) for c in covariates]
    return _Spec(layout=layout, first=first, second=second, outcome=outcome, counts=counts,
                 weight=weight, order=order, covariates=covariates,
                 by_string=_by_string(meta[first].dtype, meta[second].dtype),
                 checks=tuple(checks))


def _value_kind(dtype):
    """How labels of ``dtype`` compare as values (None: only by their string form)."""
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return f"datetime {dtype}"
    if pd.api.types.is_string_dtype(dtype) and dtype != object:
        return "string"
    return None


def _by_string(first, second):
    kind = _value_kind(first)
    return kind is None or kind != _value_kind(second)


# ------------------------------------------------------------------ on the workers
def _item_codes(a, b, by_string):
    """Codes of the labels of two columns, ranked by label (by value, or by string form)
    so that comparing codes compares labels: ``(codes_a, codes_b, labels)`` with
    ``labels[code]`` the label and ``-1`` for a missing one."""
    a = a.reset_index(drop=True)
    b = b.reset_index(drop=True)
    both = pd.concat([a, b], ignore_index=True)
    if isinstance(both.dtype, pd.CategoricalDtype):
        both = both.astype(both.cat.categories.dtype)
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    uniques = pd.Index(uniques)
    try:
        order = uniques.argsort() if not by_string else None
    except TypeError:                   # values that do not compare: orient by string form
        order = None
    if order is None:
        order = pd.Index(uniques.astype(str)).argsort()
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    ranked = np.where(codes < 0, -1, rank[np.maximum(codes, 0)] if len(rank) else -1)
    n = len(a)
    return ranked[:n], ranked[n:], uniques[order]


def _failing(values, check):
    """Mask of the entries of ``values`` that ``check`` refuses (it raises
    :class:`DataError` for a Series holding any), found by halving: ``k`` bad values among
    ``m`` cost about ``2 k log2(m / k)`` calls."""
    bad = np.zeros(len(values), bool)
    stack = [(0, len(values))]
    while stack:
        lo, hi = stack.pop()
        try:
            check(values.iloc[lo:hi])
        except DataError:
            if hi - lo == 1:
                bad[lo] = True
            else:
                mid = (lo + hi) // 2
                stack += [(lo, mid), (mid, hi)]
    return bad


def _coded(col, check):
    """``(codes, bad, text)``: ``check``'s code of each row (0 on the bad rows), which rows it
    refuses or are missing, and the text of each row's value.  ``check`` maps a Series of
    values to codes and raises :class:`DataError` when one is bad, so the rules are those of
    the in-memory readers; the values are factorised first, so it sees each distinct value
    once."""
    idx, uniques = pd.factorize(col.reset_index(drop=True), use_na_sentinel=True)
    u = pd.Series(uniques)
    text = np.array([str(x) for x in uniques] + [_MISSING], dtype=object)
    refused = np.zeros(len(u), bool)
    try:
        lut = np.asarray(check(u), dtype=float)
    except DataError:
        lut = np.zeros(len(u))
        if len(u) > _MAX_DISTINCT:
            text[:-1] = f"\x00many {len(u):,}: " + ", ".join(repr(str(x)) for x in uniques[:3])
            refused[:] = True
        else:
            refused = _failing(u, check)
            if (~refused).any():
                lut[~refused] = np.asarray(check(u[~refused]), dtype=float)
    lut = np.append(lut, 0.0)           # idx == -1 (a missing value) reads the last entry
    refused = np.append(refused, True)
    return lut[idx], refused[idx], text[idx]


def _numbers(col):
    s = col.reset_index(drop=True)
    return s.to_numpy(dtype=float, na_value=np.nan)


def _summary(check, bad, text):
    """Problem records ``(check, value, n_rows, first_row)`` of the rows in ``bad``; the text
    of their values is ``text`` per row, or ``text(rows)`` of the bad rows only."""
    rows = np.flatnonzero(bad)
    if rows.size == 0:
        return []
    if text is None:
        text = np.full(rows.size, "", dtype=object)
    elif callable(text):
        text = np.asarray(text(rows), dtype=object)
    else:
        text = np.asarray(text, dtype=object)[rows]
    values, first, n = np.unique(text.astype(str), return_index=True, return_counts=True)
    by_first = np.argsort(first, kind="stable")
    out = [(check, values[k], int(n[k]), int(rows[first[k]])) for k in by_first[:_SHOWN]]
    if by_first.size > _SHOWN:
        rest = by_first[_SHOWN:]
        out.append((check, _MORE, int(n[rest].sum()), int(rows[first[rest].min()])))
    return out


def _partition_cells(df, spec, partition_info=None):
    """One partition's pair counts (``_problem == 0``) and its problems (``_problem > 0``,
    one record per check and distinct bad value, the count in ``_n``)."""
    part = -1 if partition_info is None else int(partition_info["number"])
    n = len(df)
    problems = []
    checks = {kind_col: k + 1 for k, kind_col in enumerate(spec.checks)}
    ca, cb, labels = _item_codes(df[spec.first], df[spec.second], spec.by_string)
    missing = (ca < 0) | (cb < 0)
    problems += _summary(checks["label", (spec.first, spec.second)], missing, None)
    same = (ca == cb) & ~missing
    problems += _summary(checks["self", (spec.first, spec.second)], same,
                         lambda rows: labels.take(ca[rows]).astype(str))
    ok = ~(missing | same)
    swap = ca > cb

    if spec.layout == "counts":
        wa, wb = _numbers(df[spec.counts[0]]), _numbers(df[spec.counts[1]])
        t = _numbers(df[spec.counts[2]]) if spec.counts[2] is not None else np.zeros(n)
        for c, w in zip(spec.counts, (wa, wb, t)):
            if c is not None:
                bad = ~(np.isfinite(w) & (w >= 0))
                problems += _summary(checks["count", c], bad, lambda r: w[r].astype(str))
                ok &= ~bad
    else:
        w = np.ones(n) if spec.weight is None else _numbers(df[spec.weight])
        if spec.weight is not None:
            bad = ~(np.isfinite(w) & (w >= 0))
            problems += _summary(checks["count", spec.weight], bad,
                                 lambda r: w[r].astype(str))
            ok &= ~bad
        if spec.outcome is None:
            code = np.zeros(n)
        else:
            kind = "arena" if spec.layout == "arena" else "outcome"
            name = spec.outcome
            check = (lambda s: _v.arena_codes(s, name)[0]) if kind == "arena" else \
                (lambda s: _v.outcome_codes(s, name))
            code, bad, text = _coded(df[name], check)
            problems += _summary(checks[kind, name], bad, text)
            ok &= ~bad
        wa = np.where(code == 0, w, 0.0)
        wb = np.where(code == 1, w, 0.0)
        t = np.where(code == 2, w, 0.0)

    cols = {"item_a": np.where(swap, cb, ca), "item_b": np.where(swap, ca, cb)}
    if spec.order is True:
        cols["order"] = np.where(swap, -1.0, 1.0)
    elif spec.order is not None:
        o, bad, text = _coded(df[spec.order], lambda s: _v.order_codes(s, spec.order))
        problems += _summary(checks["order", spec.order], bad, text)
        ok &= ~bad
        cols["order"] = np.where(swap, -o, o)
    for c in spec.covariates:
        x = _numbers(df[c])
        bad = ~np.isfinite(x)
        problems += _summary(checks["covariate", c], bad, lambda r: x[r].astype(str))
        ok &= ~bad
        cols[c] = np.where(swap, -x, x)
    cols["wins_a"] = np.where(swap, wb, wa)
    cols["wins_b"] = np.where(swap, wa, wb)
    cols["ties"] = t
    keys = list(spec.keys)
    # summed by item codes (integers group fast), then labelled
    good = pd.DataFrame(cols)[ok].groupby(keys, sort=False, as_index=False)[list(_COUNTS)].sum()
    m = len(good)
    out = {"item_a": labels.take(good["item_a"].to_numpy()),
           "item_b": labels.take(good["item_b"].to_numpy())}
    out.update({k: good[k].to_numpy() for k in keys[2:] + list(_COUNTS)})
    out.update(_problem=np.zeros(m, np.int64), _value=pd.Index([""] * m, dtype=str),
               _n=np.zeros(m, np.int64), _part=np.full(m, part, np.int64),
               _row=np.full(m, -1, np.int64))
    out = pd.DataFrame(out)
    if not problems:
        return out
    # one record per problem; the key columns are placeholders (dropped on the client)
    k = len(problems)
    fill = labels.take(np.zeros(k, np.int64)) if len(labels) else np.full(k, None, object)
    bad = {"item_a": fill, "item_b": fill}
    bad.update({c: np.zeros(k) for c in keys[2:] + list(_COUNTS)})
    bad.update(_problem=np.array([p[0] for p in problems], np.int64),
               _value=pd.Index([p[1] for p in problems], dtype=str),
               _n=np.array([p[2] for p in problems], np.int64),
               _part=np.full(k, part, np.int64),
               _row=np.array([p[3] for p in problems], np.int64))
    return pd.concat([out, pd.DataFrame(bad)], ignore_index=True)


# ------------------------------------------------------------------ on the client
def _problem_text(spec, problems):
    """One :class:`DataError` message for the problems of every partition."""
    g = problems.groupby(["_problem", "_value"], sort=False).agg(
        n=("_n", "sum"), part=("_part", "min"))
    first = problems.sort_values(["_part", "_row"]).groupby("_problem", sort=True).first()
    parts = []
    for code, row in first.iterrows():
        kind, col = spec.checks[int(code) - 1]
        counts = g.loc[code]
        total = int(counts["n"].sum())
        shown = [(v, int(k)) for v, k in counts["n"].items() if v != _MORE]
        shown = sorted(shown, key=lambda vk: -vk[1])[:_SHOWN]
        many = [v for v, _ in shown if v.startswith("\x00many ")]
        values = ", ".join(("missing" if v == _MISSING else repr(v)) +
                           f" ({k:,} row{'s' if k != 1 else ''})" for v, k in shown)
        more = " and others" if len(counts) > len(shown) else ""
        where = f"first in partition {int(row['_part'])}, row {int(row['_row'])}"
        if kind == "label":
            parts.append(f"{total:,} row(s) have a missing (NaN or None) item label in "
                         f"{col[0]!r} or {col[1]!r} ({where}). Drop or fill them, e.g. "
                         f"ddf.dropna(subset={list(col)}).")
        elif kind == "self":
            parts.append(f"{total:,} row(s) compare an item with itself (items {values}"
                         f"{more}; {where}). A self-comparison carries no information; "
                         f"drop those rows, e.g. ddf[ddf[{col[0]!r}] != ddf[{col[1]!r}]].")
        elif many and kind in ("outcome", "arena"):
            parts.append(f"column {col!r} holds more than {_MAX_DISTINCT:,} distinct values "
                         f"in a partition ({many[0].split(': ', 1)[1]}, ...; {where}), not "
                         f"all of them outcome codes: it does not look like an outcome "
                         f"column. Name the outcome column with outcome='<column>'.")
        elif kind == "outcome":
            parts.append(f"column {col!r} has {total:,} unknown or missing outcome code(s): "
                         f"{values}{more} ({where}). Use 1 / 'a' (first item wins), 0 / 'b' "
                         f"(second item wins) or 0.5 / 'tie'.")
        elif kind == "arena":
            parts.append(f"column {col!r} has {total:,} unknown or missing winner label(s): "
                         f"{values}{more} ({where}). Allowed: 'model_a', 'model_b', 'tie', "
                         f"'tie (bothbad)'. Fix or drop those rows; they are not read as "
                         f"ties.")
        elif kind == "count":
            parts.append(f"column {col!r} must be finite and non-negative; {total:,} row(s) "
                         f"are not: {values}{more} ({where}). Drop those rows or fix the "
                         f"weights.")
        elif kind == "order":
            parts.append(f"column {col!r} (the order / home indicator) has {total:,} "
                         f"value(s) other than 1 (first item at home or shown first), -1 "
                         f"(second item) or 0 (neutral): {values}{more} ({where}).")
        else:
            parts.append(f"covariate {col!r} has {total:,} missing or infinite value(s): "
                         f"{values}{more} ({where}); fill or drop those rows.")
    return ("the Dask data have bad rows (checked on the cluster; partitions and rows "
            "within a partition count from 0): " + " ".join(parts))


def pair_counts(ddf: Any, *, split_out: int | bool = 1, **roles: Any) -> pd.DataFrame:
    """Aggregate a Dask DataFrame of comparisons to pair counts, on its cluster.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Comparisons in a layout of :meth:`Comparisons.from_frame`: winner / loser;
        item_a / item_b / outcome; arena model_a / model_b / winner; or pair counts
        item_a / item_b / wins_a / wins_b (/ ties), which are added up.
    split_out : int, default 1
        Output partitions of the groupby across partitions (Dask's ``split_out``).  1: a
        tree reduction (eight partitions' counts combined per task) into one partition,
        right while the pair table is small next to a worker's memory; more (or ``True``,
        Dask's choice): the pairs are hashed into that many partitions by a shuffle, so no
        worker holds the whole table before the client fetches it.
    **roles
        Column roles as for :meth:`Comparisons.from_frame` (``winner=``, ``weight=``,
        ``order=``, ``covariates=``, ...).

    Returns
    -------
    DataFrame
        One row per pair, oriented ``item_a <= item_b`` (by value, or by string form for
        mixed labels), with ``order`` when the data have an order column (or are arena
        battles) and the covariates, all in the key: ``item_a, item_b[, order][,
        covariates], wins_a, wins_b, ties``.  :meth:`Comparisons.from_counts` reads it.

    Raises
    ------
    DataError
        Before reading the data when a column is missing, a weight or covariate column is
        not numeric, or a per-row column that cannot be aggregated is named (``annotator``,
        ``cluster``, ``position``, ``grade``, ``bothbad``); after the pass, for missing
        labels, self-comparisons, unknown outcomes, bad weights, order values or covariates,
        with the bad values, their row counts over all partitions and where the first one is.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from btstats.data.dask import pair_counts
    >>> rows = pd.DataFrame({"winner": ["x", "y", "x", "z", "y"],
    ...                      "loser": ["y", "x", "z", "x", "z"]})
    >>> pair_counts(dd.from_pandas(rows, npartitions=2))
      item_a item_b  wins_a  wins_b  ties
    0      x      y     1.0     1.0   0.0
    1      x      z     1.0     1.0   0.0
    2      y      z     1.0     0.0   0.0
    """
    return _aggregate(ddf, split_out, roles)[0]


def _aggregate(ddf, split_out, roles):
    """``(counts, spec)``: the pair counts of :func:`pair_counts` and how they were made."""
    dask = _import_dask()
    spec = _resolve(ddf, dict(roles))
    keys = list(spec.keys)
    cells = ddf.map_partitions(_partition_cells, spec,
                               meta=_partition_cells(ddf._meta, spec))
    problems = cells[cells["_problem"] > 0][["_problem", "_value", "_n", "_part", "_row"]]
    good = cells[cells["_problem"] == 0][keys + list(_COUNTS)]
    agg = good.groupby(keys, sort=False, observed=True).sum(split_out=split_out)
    problems, counts = dask.compute(problems, agg)
    if len(problems):
        raise DataError(_problem_text(spec, problems))
    counts = counts.reset_index()[keys + list(_COUNTS)]
    # a fixed row order, whatever order the partitions were combined in
    by = (lambda s: s.astype(str)) if spec.by_string else None
    counts = counts.sort_values(keys, kind="stable", ignore_index=True,
                                key=None if by is None else
                                (lambda s: by(s) if s.name in ("item_a", "item_b") else s))
    return counts, spec


def aggregate(ddf: Any, *, split_out: int | bool = 1, **roles: Any):
    """``(counts, order, covariates)``: the pair counts of a Dask DataFrame (aggregated on its
    cluster by :func:`pair_counts`, as a pandas DataFrame), the name of their order column
    (or None) and their covariate columns, for :meth:`Comparisons.from_counts`: what
    :meth:`btstats.Comparisons.from_dask` builds on."""
    counts, spec = _aggregate(ddf, split_out, roles)
    return (counts, "order" if spec.order is not None else None,
            list(spec.covariates) or None)
