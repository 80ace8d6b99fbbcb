r"""LMArena's style features and battle weights, for fits with comparison-level covariates.

LMArena's style-controlled leaderboard (arena-rank 0.1.1, leaderboard changelog 2025-07-23)
fits ``P(a beats b) = logistic(s_a - s_b + x_ab' beta)`` with ``x_ab`` the *style features*
of the battle: for each per-side count (response tokens, markdown headers, bold spans, list
items) the normalised difference ``(a_k - b_k) / (a_k + b_k)``, z-scored over the battles.
It weights every battle by ``1 / max(n_pair, 50)`` (mean-normalised), ``n_pair`` being the
number of battles of its unordered pair.  This module builds those inputs:

- :func:`read_arena_style` reads LMArena's battle records (a list of dicts, JSON or JSON
  lines) and flattens their ``conv_metadata`` into per-side count columns
  (``sum_assistant_tokens_a`` / ``_b``, ``header_count_a`` / ``_b``, ...);
- :func:`style_features` turns per-side count columns into the antisymmetric, z-scored
  features (and keeps the constants, so new battles get the same transform);
- :func:`battle_weights` gives the per-battle weights.

The features are the ``covariates=`` of :func:`btstats.fit`:

>>> import numpy as np, pandas as pd
>>> from btstats import arena
>>> rng = np.random.default_rng(7)
>>> battles = pd.DataFrame({"model_a": rng.choice(list("pqrs"), 8),
...                         "len_a": rng.integers(0, 500, 8),
...                         "len_b": rng.integers(0, 500, 8)})
>>> sf = arena.style_features(battles, ["len"])
>>> sf.features.round(3).T
         0      1      2      3      4      5      6      7
len -0.759 -0.841  0.959  0.731  0.216 -1.925  0.492  1.127
>>> sf.to_frame().round(4)
    column_a column_b    mean   scale
len    len_a    len_b -0.0482  0.4809

Then ``btstats.fit(battles.join(sf.features), covariates=sf.names, ties="half",
covariance_type="sandwich")`` is LMArena's style-controlled fit (the ``weight`` column
from :func:`battle_weights` adds its reweighting).
"""
import json
import math
import numbers
import os
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scipy.special import ndtr

from . import _validation as _v
from ._intervals import wald as _wald
from ._results import ResultBase
from ._scale import ELO_BASE, ELO_PER_UNIT
from .data.comparisons import Comparisons
from .estimation.fit import fit as _fit
from .exceptions import DataError
from .inference.ranks import rank_upper_bound
from .plotting import forest_plot

__all__ = ["ARENA_STYLE_FEATURES", "ARENA_PAIR_FLOOR", "StyleFeatures", "MissingStyleWarning",
           "Leaderboard", "leaderboard",
           "style_features", "read_arena_style", "battle_weights"]

#: LMArena's four style counts, in the order of arena-rank's example notebook
#: (``examples/lmarena.ipynb``: ``feature_cols``): response tokens, headers, bold, lists.
ARENA_STYLE_FEATURES = ("sum_assistant_tokens", "header_count", "bold_count", "list_count")

#: ``min_pair_count`` of arena-rank's ``ContextualPairDataset.from_pandas``.
ARENA_PAIR_FLOOR = 50

_STANDARDIZE = (True, False, "scale")


class MissingStyleWarning(UserWarning):
    """Some battle records carry no style counts (no ``conv_metadata``, or one without some
    of the style fields); the message says how many and what was done with them."""


# ------------------------------------------------------------------------ style features
@dataclass(frozen=True, eq=False)
class StyleFeatures(ResultBase):
    """LMArena's style features of a set of battles (see :func:`style_features`).

    Attributes
    ----------
    features : pandas.DataFrame
        One column per feature (named by the feature), indexed like the input frame:
        ``(d - mean) / scale`` with ``d = (a - b) / (a + b)`` (0 when ``a + b == 0``).
        Swapping the sides of every battle negates every column.
    names : list of str
        The feature names (the columns of ``features``), for ``fit(..., covariates=names)``.
    columns_a, columns_b : pandas.Series
        The count columns read for each feature (side a, side b).
    mean, scale : pandas.Series
        The standardisation constants by feature: ``mean`` of ``d`` over the rows (0 when
        ``standardize`` is ``"scale"`` or ``False``) and its standard deviation with
        ``ddof`` (1 when ``standardize`` is ``False``).
    standardize : {True, "scale", False}
        As given to :func:`style_features`.
    ddof : int
        Delta degrees of freedom of ``scale``.
    n_rows : int
        Number of battles the constants were computed on.
    """

    features: pd.DataFrame
    names: list
    columns_a: pd.Series
    columns_b: pd.Series
    mean: pd.Series
    scale: pd.Series
    standardize: object
    ddof: int
    n_rows: int

    _summary_title = "Style features (LMArena's normalised differences)"

    def to_frame(self):
        """One row per feature: ``column_a``, ``column_b``, ``mean``, ``scale``."""
        return pd.DataFrame({"column_a": self.columns_a, "column_b": self.columns_b,
                             "mean": self.mean, "scale": self.scale})

    def _header(self):
        kind = {True: "centred and scaled (z-scores)", "scale": "scaled, not centred",
                False: "raw normalised differences"}[self.standardize]
        return [("battles", f"{self.n_rows}"), ("standardisation", kind),
                ("ddof", f"{self.ddof}")]

    def transform(self, frame):
        """The same features for other battles, with these constants (``mean``, ``scale``).

        Parameters
        ----------
        frame : DataFrame
            Battles with the count columns ``columns_a`` and ``columns_b``.

        Returns
        -------
        pandas.DataFrame
            One column per feature, indexed like ``frame``.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"`frame` must be a pandas DataFrame of battles with the count "
                            f"columns; got {type(frame).__name__}.")
        cols_a, cols_b = list(self.columns_a), list(self.columns_b)
        missing = [c for pair in zip(cols_a, cols_b) for c in pair if c not in frame.columns]
        if missing:
            raise DataError(f"the battles lack the count column(s) {missing} that these "
                            f"features were computed from; columns are "
                            f"{sorted(map(str, frame.columns))[:20]}.")
        d = _normalised_differences(frame, list(self.names), cols_a, cols_b)
        return (d - self.mean) / self.scale


def _style_features_iv(frame, features, side_a, side_b, standardize, ddof):
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame of battles with per-side count "
                        f"columns; got {type(frame).__name__}.")
    _v.check_unique_columns(frame)
    for name, tpl in (("side_a", side_a), ("side_b", side_b)):
        if not isinstance(tpl, str) or tpl.count("{}") != 1:
            raise ValueError(f"`{name}` must be a column-name template with one '{{}}' for "
                             f"the feature name, e.g. '{{}}_a'; got {tpl!r}.")
    if side_a == side_b:
        raise ValueError(f"`side_a` and `side_b` must differ; both are {side_a!r}.")
    _v.check_choice(standardize, "standardize", _STANDARDIZE)
    ddof = int(_v.check_number(ddof, "ddof", low=0, integer=True))
    if features is None:
        features = list(ARENA_STYLE_FEATURES)
    elif isinstance(features, str):
        features = [features]
    else:
        try:
            features = list(features)
        except TypeError:
            raise TypeError(f"`features` must be a list of feature names (e.g. "
                            f"['sum_assistant_tokens', 'header_count']); got "
                            f"{type(features).__name__}.") from None
    if not features:
        raise ValueError("`features` is empty: name at least one per-side count, e.g. "
                         "['sum_assistant_tokens'].")
    bad = [f for f in features if not isinstance(f, str) or not f]
    if bad:
        raise TypeError(f"`features` must hold non-empty strings (feature names); got "
                        f"{bad[:5]}.")
    if len(set(features)) != len(features):
        raise ValueError(f"`features` names a feature twice: {features}.")
    cols_a = [side_a.format(f) for f in features]
    cols_b = [side_b.format(f) for f in features]
    missing = [c for pair in zip(cols_a, cols_b) for c in pair if c not in frame.columns]
    if missing:
        raise DataError(f"the battles lack the count column(s) {missing} (from `features` = "
                        f"{features} with side_a={side_a!r}, side_b={side_b!r}); columns are "
                        f"{sorted(map(str, frame.columns))[:20]}. Name the features present "
                        f"with `features=`, or read LMArena records with read_arena_style().")
    if len(frame) == 0:
        raise DataError("the battles frame has no rows: style features need at least one.")
    return features, cols_a, cols_b, standardize, ddof


def _count_values(frame, col):
    """A count column as float64 (numbers only; NaN where missing)."""
    s = frame[col]
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float)
    if not (pd.api.types.is_numeric_dtype(s) or s.dtype == object):
        raise DataError(f"count column {col!r} must be numeric; it has dtype {s.dtype} "
                        f"(values such as {s.iloc[:3].tolist()!r:.80}).")
    if s.dtype == object:
        bad = [x for x in s if not _is_number(x)]
        if bad:
            raise DataError(f"count column {col!r} must be numeric; it holds "
                            f"{[x for x in bad[:3]]!r:.120}.")
    return s.to_numpy(dtype=float, na_value=np.nan)


def _is_number(x):
    return x is None or x is pd.NA or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def _normalised_differences(frame, features, cols_a, cols_b):
    """``(a - b) / (a + b)`` (0 where both are 0) for each feature, as a DataFrame; counts
    checked (numeric, finite, not negative, not missing)."""
    out = {}
    nan_rows, neg_rows, inf_rows = {}, {}, {}
    for f, ca, cb in zip(features, cols_a, cols_b):
        va, vb = _count_values(frame, ca), _count_values(frame, cb)
        for col, v in ((ca, va), (cb, vb)):
            nan = np.isnan(v)
            if nan.any():
                nan_rows[col] = np.nonzero(nan)[0]
            inf = np.isinf(v)
            if inf.any():
                inf_rows[col] = np.nonzero(inf)[0]
            neg = v < 0
            if neg.any():
                neg_rows[col] = np.nonzero(neg)[0]
        if not (nan_rows or inf_rows or neg_rows):
            tot = va + vb
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f] = np.where(tot > 0, (va - vb) / np.where(tot > 0, tot, 1.0), 0.0)
    for what, found, fix in (("missing (NaN or None)", nan_rows,
                              "Drop or fill those rows (read_arena_style() drops records "
                              "without style counts by default)."),
                             ("infinite", inf_rows, "Counts must be finite."),
                             ("negative", neg_rows,
                              "Style counts (tokens, headers, bold, lists) cannot be "
                              "negative: check the columns named.")):
        if found:
            rows = np.unique(np.concatenate(list(found.values())))
            where = "; ".join(f"{c}: rows {_v._rows_text(r)}" for c, r in found.items())
            labels = ""
            if not frame.index.equals(pd.RangeIndex(len(frame))):
                labels = f", index labels {_v._rows_text(frame.index[rows])}"
            raise DataError(f"{rows.size} row(s) have a {what} count: rows "
                            f"{_v._rows_text(rows)}{labels} ({where}). {fix}")
    return pd.DataFrame(out, index=frame.index, columns=features)


def style_features(frame, features=None, *, side_a="{}_a", side_b="{}_b", standardize=True,
                   ddof=0):
    r"""LMArena's style features from per-side counts: normalised differences, z-scored.

    Parameters
    ----------
    frame : DataFrame
        One row per battle, with a count column per side for every feature, e.g.
        ``sum_assistant_tokens_a`` and ``sum_assistant_tokens_b`` (what
        :func:`read_arena_style` makes of LMArena's records).
    features : list of str, optional
        Feature names; the columns read are ``side_a.format(name)`` and
        ``side_b.format(name)``.  Default: LMArena's four, :data:`ARENA_STYLE_FEATURES`
        (``sum_assistant_tokens``, ``header_count``, ``bold_count``, ``list_count``).
    side_a, side_b : str
        Templates of the count columns of the two sides (one ``{}`` for the feature name).
    standardize : {True, "scale", False}
        ``True`` (LMArena's): subtract the mean over the rows and divide by the standard
        deviation.  ``"scale"``: divide by the standard deviation only, so that a battle whose
        two sides have equal counts has feature 0 (see Notes).  ``False``: the normalised
        differences as they are.
    ddof : int, default 0
        Delta degrees of freedom of the standard deviation; 0 is what arena-rank's model
        sees (see Notes).

    Returns
    -------
    StyleFeatures
        ``features`` (a DataFrame indexed like ``frame``, one column per feature), ``names``,
        the constants ``mean`` and ``scale`` and :meth:`StyleFeatures.transform` to apply them
        to new battles.

    Raises
    ------
    DataError
        A count column is missing (named), not numeric, or holds NaN, infinite or negative
        values (rows named); or a feature is constant over the rows (it cannot be scaled).

    Notes
    -----
    For a feature with counts ``a_k`` and ``b_k`` in battle ``k``,

    .. math::  d_k = \frac{a_k - b_k}{a_k + b_k} \;(0 \text{ if } a_k + b_k = 0), \qquad
               x_k = \frac{d_k - \bar d}{\sigma_d}, \quad
               \sigma_d^2 = \frac{1}{n - \mathrm{ddof}} \sum_k (d_k - \bar d)^2.

    ``d`` lies in ``[-1, 1]`` and is antisymmetric: swapping the sides of a battle negates
    it.  Swapping the sides of *every* battle negates ``mean`` too, so every ``x_k`` is
    negated.  The centred feature of one battle is a number attached to its row (the fit
    negates it when it swaps the row's sides); recomputed from swapped counts with the
    *same* constants it would be ``-x_k - 2 mean / scale``.  Centring therefore adds an
    implicit position term ``-beta' mean / scale`` for side a; LMArena's battles are
    randomly oriented, so ``mean`` is near 0.  ``standardize="scale"`` drops it.

    arena-rank's pipeline standardises twice: its example notebook
    (``examples/example_utils.py``, ``add_style_feature_cols``) computes ``d`` with a zero
    total replaced by 1 and z-scores it with pandas' ``std()`` (``ddof=1``), then
    ``ContextualPairDataset.from_pandas(normalize_features=True)`` z-scores the result again
    with ``jnp.std`` (``ddof=0``).  The second step undoes the first's scale, so the model
    sees ``(d - mean) / std_ddof0(d)``: ``ddof=0`` here.  arena-rank replaces a zero standard
    deviation by 1 (a constant column of zeros, whose coefficient is not identified); here a
    constant feature is an error that names it.  FastChat's older recipe divided by
    ``a + b + 1`` instead.

    References
    ----------
    .. [1] Li, T., Angelopoulos, A., Chiang, W.-L. (2024). Does style matter? Disentangling
       style and substance in Chatbot Arena. LMSYS blog, 2024-08-28.
    .. [2] LMArena, arena-rank 0.1.1 (``arena_rank.utils.data_utils.ContextualPairDataset``)
       and its ``examples/lmarena.ipynb``.

    Examples
    --------
    >>> import pandas as pd
    >>> from btstats.arena import style_features
    >>> df = pd.DataFrame({"len_a": [300, 100, 0, 50], "len_b": [100, 300, 0, 150]})
    >>> sf = style_features(df, ["len"], standardize=False)
    >>> sf.features["len"].tolist()
    [0.5, -0.5, 0.0, -0.5]
    >>> z = style_features(df, ["len"]).features["len"]
    >>> print(f"{z.mean():.12f} {z.std(ddof=0):.12f}")
    0.000000000000 1.000000000000
    >>> swapped = df.rename(columns={"len_a": "len_b", "len_b": "len_a"})
    >>> bool((style_features(swapped, ["len"]).features["len"] == -z).all())
    True
    """
    features, cols_a, cols_b, standardize, ddof = _style_features_iv(
        frame, features, side_a, side_b, standardize, ddof)
    d = _normalised_differences(frame, features, cols_a, cols_b)
    n = len(d)
    if standardize is False:
        mean = pd.Series(0.0, index=features)
        scale = pd.Series(1.0, index=features)
    else:
        if n - ddof <= 0:
            raise DataError(f"{n} row(s) cannot be standardised with ddof={ddof}: the "
                            f"standard deviation needs more than {ddof} row(s).")
        mean = d.mean(axis=0) if standardize is True else pd.Series(0.0, index=features)
        # two-pass (centred) sums, as numpy / jax compute std
        dev = d.to_numpy() - d.to_numpy().mean(axis=0)
        sd = np.sqrt((dev ** 2).sum(axis=0) / (n - ddof))
        scale = pd.Series(sd, index=features)
        const = [f for f, s in zip(features, sd) if not s > 0]
        if const:
            raise DataError(f"the feature(s) {const} have the same normalised difference "
                            f"in every row, so they cannot be standardised and their "
                            f"coefficients could not be estimated: drop them from "
                            f"`features` (or pass standardize=False).")
    if standardize is True:
        x = (d - mean) / scale
    else:
        x = d / scale
    return StyleFeatures(
        features=x, names=list(features),
        columns_a=pd.Series(cols_a, index=features, name="column_a"),
        columns_b=pd.Series(cols_b, index=features, name="column_b"),
        mean=mean.rename("mean"), scale=scale.rename("scale"),
        standardize=standardize, ddof=ddof, n_rows=n)


# ------------------------------------------------------------------------ arena records
# a side-specific key of conv_metadata: "<pre>_a" or "<pre>_a_<post>" (e.g.
# "sum_assistant_a_tokens" -> "sum_assistant_tokens_a", "header_count_b" -> itself)
_SIDE_KEY = re.compile(r"^(?P<pre>.+?)_(?P<side>[ab])(?P<post>_.+)?$")


def _flat_name(key):
    m = _SIDE_KEY.match(key)
    if m is None:
        return None
    return f"{m['pre']}{m['post'] or ''}_{m['side']}"


def _metadata_value(value, row, key):
    """A count: a number as it is, a dict of counts summed (LMArena's header_count holds
    h1..h6, list_count ordered / unordered, bold_count ** / __), None missing."""
    if value is None:
        return np.nan
    if isinstance(value, dict):
        total = 0.0
        for k, v in value.items():
            if v is None:
                return np.nan
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise DataError(f"record {row}: conv_metadata[{key!r}][{k!r}] is {v!r}; "
                                f"style counts must be numbers.")
            total += float(v)
        return total
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(f"record {row}: conv_metadata[{key!r}] is {value!r:.60}; style counts "
                        f"must be numbers (or dicts of numbers, which are summed).")
    return float(value)


def _records(path_or_records):
    if isinstance(path_or_records, pd.DataFrame):
        _v.check_unique_columns(path_or_records)
        return path_or_records.to_dict("records")
    if isinstance(path_or_records, (str, bytes)) or hasattr(path_or_records, "__fspath__"):
        if not os.path.exists(path_or_records):
            raise DataError(f"{path_or_records}: no such file.")
        return _v.read_json_records(path_or_records).to_dict("records")
    if isinstance(path_or_records, dict):
        raise TypeError("`path_or_records` must be a list of battle records (dicts), a "
                        "DataFrame or a JSON / JSON-lines path; got one dict (wrap it in a "
                        "list).")
    try:
        records = list(path_or_records)
    except TypeError:
        raise TypeError(f"`path_or_records` must be a list of battle records (dicts), a "
                        f"DataFrame or a JSON / JSON-lines path; got "
                        f"{type(path_or_records).__name__}.") from None
    bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if bad:
        raise DataError(f"{len(bad)} record(s) are not dicts: records {_v._rows_text(bad)} "
                        f"(the first is a {type(records[bad[0]]).__name__}).")
    return records


def read_arena_style(path_or_records, *, missing="drop", features=None):
    """Read LMArena battle records and flatten their ``conv_metadata`` style counts.

    Parameters
    ----------
    path_or_records : list of dict, DataFrame or path
        LMArena's public battle rows (``model_a``, ``model_b``, ``winner``, ...,
        ``conv_metadata``), as a list of dicts, a DataFrame with a ``conv_metadata`` column
        (e.g. ``datasets.load_dataset(...).to_pandas()``) or a JSON / JSON-lines file.
    missing : {"drop", "keep", "raise"}
        What to do with records that carry no style counts (no ``conv_metadata``, or one
        lacking a style field of ``features``): drop them, keep them with NaN counts (which
        :func:`style_features` then refuses by row), or raise :class:`DataError`.  Unless
        ``"raise"``, their number is reported with a :class:`MissingStyleWarning`.
    features : list of str, optional
        The style fields that must be present, by flattened feature name (default
        :data:`ARENA_STYLE_FEATURES`).

    Returns
    -------
    pandas.DataFrame
        The records' top-level fields except ``conv_metadata``, plus one column per
        side-specific key of ``conv_metadata``, renamed so that the side comes last
        (``sum_assistant_a_tokens`` -> ``sum_assistant_tokens_a``, ``context_b_tokens`` ->
        ``context_tokens_b``, ``header_count_a`` unchanged), and the other numeric keys
        (``sum_user_tokens``, ``turns``) under their names (``conv_metadata_<key>`` if a
        top-level field has that name).  A dict of counts is summed; a key of
        ``conv_metadata`` outside ``features`` that holds something else (a string, a
        list) is not read (NaN), while a style field of ``features`` that does is an error.
        Indexed by record position (dropped records leave gaps).  ``attrs["arena_style"]``
        holds the counts ``n_records``, ``n_no_metadata`` and ``n_incomplete``.

    Raises
    ------
    DataError
        With ``missing="raise"`` when records lack style counts; when a count is not a
        number; when the file is not JSON.

    Notes
    -----
    LMArena's ``conv_metadata`` (``lmarena-ai/arena-human-preference-140k``; FastChat's
    ``STYLE_CONTROL_ELEMENTS_V1``) holds ``sum_assistant_a_tokens`` /
    ``sum_assistant_b_tokens`` (integers), ``header_count_a`` / ``_b`` (``{"h1": .., ...,
    "h6": ..}``), ``list_count_a`` / ``_b`` (``{"ordered": .., "unordered": ..}``) and
    ``bold_count_a`` / ``_b`` (``{"**": .., "__": ..}``), besides ``context_a_tokens``,
    ``sum_user_tokens`` and ``turns``.  arena-rank's notebook sums the dicts as here, but
    counts a header / list / bold value that is not a dict as 0; FastChat keeps an integer
    as it is, as here.

    Examples
    --------
    >>> from btstats.arena import read_arena_style, style_features
    >>> rec = [{"model_a": "p", "model_b": "q", "winner": "model_a",
    ...         "conv_metadata": {"sum_assistant_a_tokens": 300, "sum_assistant_b_tokens": 100,
    ...                           "header_count_a": {"h1": 1, "h2": 2}, "header_count_b":
    ...                           {"h1": 0, "h2": 0}, "list_count_a": {"ordered": 0,
    ...                           "unordered": 4}, "list_count_b": {"ordered": 2,
    ...                           "unordered": 2}, "bold_count_a": {"**": 1, "__": 0},
    ...                           "bold_count_b": {"**": 3, "__": 0}, "turns": 1}},
    ...        {"model_a": "q", "model_b": "p", "winner": "tie"}]
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     df = read_arena_style(rec)
    >>> print(w[0].message)                        # doctest: +NORMALIZE_WHITESPACE
    1 of 2 battle record(s) carry no style counts (1 without conv_metadata,
    0 lacking a style field); dropped them.
    >>> df.T
                                  0
    model_a                       p
    model_b                       q
    winner                  model_a
    sum_assistant_tokens_a    300.0
    sum_assistant_tokens_b    100.0
    header_count_a              3.0
    header_count_b              0.0
    bold_count_a                1.0
    bold_count_b                3.0
    list_count_a                4.0
    list_count_b                4.0
    turns                       1.0
    >>> style_features(df, standardize=False).features.T
                            0
    sum_assistant_tokens  0.5
    header_count          1.0
    bold_count           -0.5
    list_count            0.0
    """
    _v.check_choice(missing, "missing", ("drop", "keep", "raise"))
    if features is None:
        features = list(ARENA_STYLE_FEATURES)
    elif isinstance(features, str):
        features = [features]
    else:
        features = list(features)
    required = [f"{f}_{s}" for f in features for s in ("a", "b")]
    required_set = set(required)
    records = _records(path_or_records)
    n = len(records)
    if n == 0:
        raise DataError("no battle records to read.")
    top_keys = {}
    for r in records:
        for k in r:
            if k != "conv_metadata":
                top_keys.setdefault(k, None)
    meta_cols = {}          # flattened name -> list of values (NaN default)
    no_meta = []
    incomplete = {}         # required column -> rows lacking it
    for i, r in enumerate(records):
        meta = r.get("conv_metadata")
        if isinstance(meta, str):
            try:
                meta = json.loads(meta)
            except json.JSONDecodeError:
                raise DataError(f"record {i}: conv_metadata is a string that is not JSON "
                                f"({meta[:60]!r}).") from None
        if meta is None or (isinstance(meta, float) and math.isnan(meta)):
            no_meta.append(i)
            continue
        if not isinstance(meta, dict):
            raise DataError(f"record {i}: conv_metadata must be a dict of style counts; got "
                            f"a {type(meta).__name__}.")
        seen = set()
        for key, value in meta.items():
            name = _flat_name(key)
            if name is None:
                name = key if key not in top_keys else f"conv_metadata_{key}"
            if name in required_set:
                v = _metadata_value(value, i, key)
            else:
                # other keys are read when they hold counts, else left out (NaN)
                try:
                    v = _metadata_value(value, i, key)
                except DataError:
                    continue
            col = meta_cols.get(name)
            if col is None:
                col = meta_cols[name] = np.full(n, np.nan)
            col[i] = v
            if not np.isnan(v):
                seen.add(name)
        for c in required:
            if c not in seen:
                incomplete.setdefault(c, []).append(i)
    bad_incomplete = sorted({i for rows in incomplete.values() for i in rows})
    lacking = np.zeros(n, bool)
    lacking[no_meta] = True
    lacking[bad_incomplete] = True
    n_lacking = int(lacking.sum())
    if n_lacking:
        detail = (f"{len(no_meta)} without conv_metadata, {len(bad_incomplete)} lacking a "
                  f"style field")
        if missing == "raise":
            fields = "; ".join(f"{c}: records {_v._rows_text(r)}" for c, r in
                               list(incomplete.items())[:4])
            raise DataError(
                f"{n_lacking} of {n} battle record(s) carry no style counts ({detail}): "
                f"records {_v._rows_text(np.nonzero(lacking)[0])}"
                + (f" ({fields})" if fields else "")
                + ". Pass missing='drop' to leave them out, or fill their conv_metadata.")
        what = "dropped them" if missing == "drop" else "kept them with NaN counts"
        warnings.warn(f"{n_lacking} of {n} battle record(s) carry no style counts ({detail}); "
                      f"{what}.", MissingStyleWarning, stacklevel=2)
    top = pd.DataFrame.from_records(records, columns=list(top_keys))
    for c in required:
        meta_cols.setdefault(c, np.full(n, np.nan))
    order = required + [c for c in meta_cols if c not in required]
    meta = pd.DataFrame({c: meta_cols[c] for c in order})
    clash = [c for c in meta.columns if c in top.columns]
    if clash:
        raise DataError(f"the records have top-level fields {clash} that are also "
                        f"conv_metadata style fields; rename them before reading.")
    out = pd.concat([top, meta], axis=1)
    if missing == "drop" and n_lacking:
        out = out.loc[~lacking]
    out.attrs["arena_style"] = {"n_records": n, "n_no_metadata": len(no_meta),
                                "n_incomplete": len(bad_incomplete)}
    return out


# ------------------------------------------------------------------------ battle weights
def _labels(x, name):
    if isinstance(x, pd.Series):
        return x.reset_index(drop=True)
    if isinstance(x, (str, bytes, dict)) or np.ndim(x) == 0 and not hasattr(x, "__len__"):
        raise TypeError(f"`{name}` must be a column of model labels (a list, array or Series); "
                        f"got {type(x).__name__}.")
    try:
        return pd.Series(list(x), dtype=object)
    except TypeError:
        raise TypeError(f"`{name}` must be a column of model labels (a list, array or "
                        f"Series); got {type(x).__name__}.") from None


def battle_weights(item_a, item_b, *, floor=ARENA_PAIR_FLOOR):
    r"""LMArena's per-battle weights ``1 / max(n_pair, floor)``, normalised to mean 1.

    Parameters
    ----------
    item_a, item_b : array-like
        The two models of every battle (labels of any hashable kind).
    floor : float, default 50
        Pairs with fewer battles than ``floor`` are weighted as if they had ``floor``
        (arena-rank's ``min_pair_count``).

    Returns
    -------
    numpy.ndarray
        One float weight per battle, with mean 1.

    Raises
    ------
    DataError
        Different lengths, no battles, a missing label or a battle of a model with itself
        (rows named).

    Notes
    -----
    With ``n_ab`` the number of battles of the unordered pair ``{a, b}`` (``(a, b)`` and
    ``(b, a)`` counted together), battle ``k`` of that pair gets

    .. math::  w_k = \frac{1 / \max(n_{ab}, f)}{\frac{1}{N} \sum_l 1 / \max(n_{a_l b_l}, f)}.

    Every pair with at least ``floor`` battles then carries the same total weight, so
    heavily sampled pairs do not dominate the fit (inverse-propensity weighting at the pair
    level, as arena-rank's ``ContextualPairDataset.from_pandas(reweighted=True)``).  These
    are importance weights: in a sandwich covariance each battle's score enters as
    ``w_k g_k`` (arena-rank's meat is ``sum (w_k (y_k - p_k))^2 x_k x_k'``).

    Examples
    --------
    >>> from btstats.arena import battle_weights
    >>> a = ["p"] * 3 + ["q"] + ["r"]
    >>> b = ["q", "q", "q", "r", "q"]
    >>> battle_weights(a, b, floor=1).round(4)      # pairs {p, q}: 3 battles, {q, r}: 2
    array([0.8333, 0.8333, 0.8333, 1.25  , 1.25  ])
    >>> battle_weights(a, b).tolist()     # every pair below the floor: equal weights
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    floor = float(_v.check_number(floor, "floor", low=0.0))
    a, b = _labels(item_a, "item_a"), _labels(item_b, "item_b")
    if len(a) != len(b):
        raise DataError(f"`item_a` and `item_b` must be two columns of the same length; got "
                        f"{len(a)} and {len(b)} labels.")
    if len(a) == 0:
        raise DataError("no battles: `item_a` and `item_b` are empty.")
    items, ca, cb = _v.factorize_pair(a, b)
    same = np.nonzero(ca == cb)[0]
    if same.size:
        raise DataError(f"{same.size} battle(s) pit a model against itself: rows "
                        f"{_v._rows_text(same)} (model {items[ca[same[0]]]!r}). Drop them.")
    lo, hi = np.minimum(ca, cb), np.maximum(ca, cb)
    _, inverse, counts = np.unique(lo * len(items) + hi, return_inverse=True,
                                   return_counts=True)
    n_pair = counts[inverse.ravel()].astype(float)
    w = 1.0 / np.maximum(n_pair, floor)
    return w / w.mean()


# =========================================================================== the leaderboard
@dataclass(frozen=True, eq=False)
class Leaderboard(ResultBase):
    """LMArena's style-controlled leaderboard, from :func:`leaderboard`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model, best first: ``rank_ub`` (LMArena's Rank (UB)), ``model``,
        ``rating`` (Elo scale), ``ci_low`` / ``ci_high`` (Wald from the sandwich), ``se``,
        ``n_battles``.
    style : pandas.DataFrame
        The style coefficients (log-odds per standard deviation of the feature): estimate,
        se, z, p, ci_low, ci_high; empty with ``style=False``.
    fit : PairwiseFit
        The fit behind it.
    covariance_type : str
        How the intervals were computed.
    covariance : pandas.DataFrame
        The covariance of the centred scores (log scale) the table uses.
    confidence_level : float
    """

    table: pd.DataFrame
    style: pd.DataFrame
    fit: object
    covariance_type: str
    covariance: pd.DataFrame
    confidence_level: float
    _rating_se: pd.Series
    _rating: pd.Series

    _summary_title = "Arena leaderboard (Bradley-Terry, Elo scale)"

    def to_frame(self):
        """The leaderboard table (a copy)."""
        return self.table.copy()

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        """Wald intervals of the ratings (Elo scale) at any level, from the same
        covariance."""
        return self._interval(interval, self._rating.index, estimate=self._rating,
                              standard_error=self._rating_se,
                              confidence_level=confidence_level)

    def plot(self, *, ax=None):
        """Forest plot of the ratings with their intervals (needs matplotlib).

        Returns
        -------
        matplotlib.axes.Axes
        """
        frame = self.table.rename(columns={"model": "item", "rating": "score"})
        return forest_plot(frame, ax=ax, xlabel="rating (Elo scale)",
                           title=f"{self.confidence_level:.0%} intervals: "
                                 f"{self.covariance_type}")

    def _header(self):
        rows = [("battles", f"{self.fit.n_comparisons:,.0f}"),
                ("covariance", self.covariance_type),
                ("intervals", f"{self.confidence_level:.0%} Wald"),
                ("converged", f"{self.fit.converged} ({self.fit.message})")]
        for name, r in self.style.iterrows():
            rows.append((f"style: {name}", f"{r['estimate']:+.4f} (se {r['se']:.4f})"))
        return rows


def _leaderboard_iv(battles, style, reweight, cluster, anchor, confidence_level, model_a,
                    model_b):
    level = _v.check_confidence_level(confidence_level)
    if not isinstance(style, bool):
        raise TypeError(f"`style` must be True or False; got {style!r}.")
    if not isinstance(reweight, bool):
        raise TypeError(f"`reweight` must be True or False; got {reweight!r}.")
    if isinstance(battles, pd.DataFrame):
        frame = battles.copy()
        side = [f"{f}_a" for f in ARENA_STYLE_FEATURES]
        if style and "conv_metadata" in frame.columns and not set(side) <= set(frame.columns):
            frame = read_arena_style(frame)
    else:
        frame = read_arena_style(battles) if style else _v.as_frame(battles).copy()
    for col in (model_a, model_b):
        if col not in frame.columns:
            raise DataError(f"the battles need the column {col!r} (columns: "
                            f"{list(frame.columns)}).")
    if cluster is not None and cluster not in frame.columns:
        raise DataError(f"`cluster={cluster!r}` is not a column of the battles (columns: "
                        f"{list(frame.columns)}).")
    if anchor is not None:
        if not (isinstance(anchor, dict) and len(anchor) == 1):
            raise TypeError("`anchor` must be a one-entry dict {model: rating}, e.g. "
                            "{'gpt-4-0613': 1200}.")
        (name, value), = anchor.items()
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"the anchor rating must be a finite number; got {value!r}.")
    return frame.reset_index(drop=True), level


def leaderboard(battles, *, style=True, reweight=True, features=None, cluster=None,
                anchor=None, confidence_level=0.95, model_a="model_a", model_b="model_b",
                winner="winner", tol=1e-10):
    r"""LMArena's style-controlled leaderboard in one call, converged and reproducible.

    Bradley-Terry with the style features as comparison-level covariates,
    ``P(a beats b) = logistic(s_a - s_b + x_ab' beta)`` (ties count half a win each way, as
    LMArena counts them), each battle weighted by ``1 / max(n_pair, 50)`` (mean 1), the
    sandwich covariance, ratings on the Elo scale and LMArena's Rank (UB).

    Parameters
    ----------
    battles : DataFrame, list of dicts or path (JSON / JSON lines)
        Arena battles: ``model_a``, ``model_b``, ``winner`` (``model_a``, ``model_b``,
        ``tie``, ``tie (bothbad)``) and, for ``style=True``, either ``conv_metadata``
        (flattened by :func:`read_arena_style`) or the per-side count columns
        ``<feature>_a`` / ``<feature>_b``.
    style : bool, default True
        Control for style (:func:`style_features` of ``features``).
    reweight : bool, default True
        LMArena's per-battle weights (:func:`battle_weights`).  They are *importance*
        weights: the sandwich's meat is ``sum_i (w_i g_i)(w_i g_i)'`` over battles (what
        arena-rank computes), not the frequency-weight ``sum_i w_i g_i g_i'``.
    features : sequence of str, optional
        The per-side counts (default :data:`ARENA_STYLE_FEATURES`).
    cluster : str, optional
        A column (prompt, user) to cluster the sandwich by; default: each battle its own
        unit (HC0, no finite-sample factor, as arena-rank).
    anchor : dict, optional
        ``{model: rating}``: shift the ratings so that this model has this rating (default:
        the mean model at 1000).
    confidence_level : float, default 0.95
    model_a, model_b, winner : str
        Column names.
    tol : float, default 1e-10
        Convergence tolerance of the fit (the scale-free Newton step, not a change in the
        mean loss: the fit stops at the maximum, not where the loss stops moving).

    Returns
    -------
    Leaderboard

    Notes
    -----
    Unlike arena-rank's ``ContextualBradleyTerry`` defaults, there is no L2 penalty on the
    style coefficients (its ``reg=1.0`` on the mean loss shrinks them about tenfold at
    10**6 battles) and no ridge added to the Hessian (its ``hessian_reg``): the scores are
    identified by centring, so the sandwich needs none.  Clustered intervals use the
    finite-sample factor ``C/(C-1) (N-1)/(N-K)`` of :meth:`PairwiseFit.with_covariance`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import btstats
    >>> rng = np.random.default_rng(3)
    >>> m = 3000
    >>> a = rng.choice(list("ABCDE"), m)
    >>> b = np.array([rng.choice([x for x in "ABCDE" if x != y]) for y in a])
    >>> ta, tb = rng.integers(50, 800, m), rng.integers(50, 800, m)
    >>> s = dict(zip("ABCDE", [0.6, 0.3, 0.0, -0.3, -0.6]))
    >>> z = np.array([s[x] - s[y] for x, y in zip(a, b)]) + 0.8 * (ta - tb) / (ta + tb)
    >>> win = np.where(rng.random(m) < 1 / (1 + np.exp(-z)), "model_a", "model_b")
    >>> battles = pd.DataFrame({"model_a": a, "model_b": b, "winner": win,
    ...                         "sum_assistant_tokens_a": ta, "sum_assistant_tokens_b": tb})
    >>> lb = btstats.arena.leaderboard(battles, features=["sum_assistant_tokens"])
    >>> lb.table[["rank_ub", "model"]].to_numpy().tolist()
    [[1, 'A'], [2, 'B'], [3, 'C'], [4, 'D'], [5, 'E']]
    >>> lb.table[["rating", "ci_low", "ci_high"]].round(0).iloc[0].tolist()
    [...]
    >>> bool(lb.style.loc["sum_assistant_tokens", "p"] < 1e-6)
    True
    """
    frame, level = _leaderboard_iv(battles, style, reweight, cluster, anchor,
                                   confidence_level, model_a, model_b)
    covs, feature_of = [], {}
    if style:
        sf = style_features(frame, ARENA_STYLE_FEATURES if features is None else features)
        # the feature columns, renamed where a battle column already has the name
        feature_of = {(f"style_{c}" if c in frame.columns else c): c for c in sf.names}
        feats = sf.features.set_axis(list(feature_of), axis=1)
        covs = list(feature_of)
        frame = pd.concat([frame, feats], axis=1)
    weight_col = unit_col = None
    if reweight:
        weight_col = "_battle_weight"
        frame[weight_col] = battle_weights(frame[model_a], frame[model_b])
    if cluster is None:
        unit_col = "_battle"
        frame[unit_col] = np.arange(len(frame))
    comps = Comparisons.from_arena(frame, model_a=model_a, model_b=model_b, winner=winner,
                                   weight=weight_col, cluster=cluster or unit_col,
                                   covariates=covs or None)
    res = _fit(comps, "bradley-terry", ties="half", covariates=covs or None, tol=tol)
    res = res.with_covariance("cluster")
    cov = res.covariance.to_numpy()
    if cluster is None:
        # each battle its own unit: undo the clustered finite-sample factor (HC0)
        factor = 1.0 / res._cluster_factor(len(frame))
        kind = "sandwich (HC0, each battle a unit" + (", importance weights)" if reweight
                                                      else ")")
    else:
        factor = 1.0
        kind = f"cluster sandwich by {cluster!r} (C/(C-1) (N-1)/(N-K))"
    cov = cov * factor
    coef = res.coefficients
    if covs:
        params_cov = coef.loc[covs].copy()
        params_cov["se"] = params_cov["se"] * math.sqrt(factor)
        with np.errstate(divide="ignore", invalid="ignore"):
            params_cov["z"] = params_cov["estimate"] / params_cov["se"]
        params_cov["p"] = 2.0 * ndtr(-np.abs(params_cov["z"]))
        lo, hi = _wald(params_cov["estimate"].to_numpy(), params_cov["se"].to_numpy(), level)
        params_cov["ci_low"], params_cov["ci_high"] = lo, hi
        params_cov.index = pd.Index([feature_of[c] for c in covs], name="feature")
    else:
        params_cov = coef.iloc[0:0]
    items = res.items
    rating = ELO_BASE + ELO_PER_UNIT * res.scores
    if anchor is not None:
        (name, value), = anchor.items()
        if name not in items:
            raise DataError(f"the anchor model {name!r} is not in the battles.")
        rating = rating + (float(value) - rating[name])
    se = pd.Series(ELO_PER_UNIT * np.sqrt(np.maximum(np.diag(cov), 0.0)), index=items)
    lo, hi = _wald(rating.to_numpy(), se.to_numpy(), level)
    n_battles = (pd.concat([frame[model_a], frame[model_b]]).value_counts()
                 .reindex(items).fillna(0).astype(int))
    table = pd.DataFrame({"model": items, "rating": rating.to_numpy(), "ci_low": lo,
                          "ci_high": hi, "se": se.to_numpy(),
                          "n_battles": n_battles.to_numpy()})
    table.insert(0, "rank_ub", rank_upper_bound(lo, hi).to_numpy())
    table = table.sort_values(["rating"], ascending=False, kind="stable").reset_index(drop=True)
    return Leaderboard(table=table, style=params_cov, fit=res, covariance_type=kind,
                       covariance=pd.DataFrame(cov, index=items, columns=items),
                       confidence_level=level, _rating_se=se.rename("se"),
                       _rating=rating.rename("rating"))
