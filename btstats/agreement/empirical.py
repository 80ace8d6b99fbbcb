"""Empirical agreement of repeated labels: units, raw agreement, kappas per annotator pair,
the bounds agreement puts on accuracy."""
import codecs
import math
import numbers
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import _validation as _v
from .._kernels import annotators as _ka
from .._results import ResultBase
from ..data.comparisons import as_comparisons
from ..exceptions import DataError
from ._common import AGREEMENT_STATISTICS, _BOOT_BLOCK, _CATEGORIES
from .kappas import _alpha_from_sums, _fleiss_from_sums, _kappa_from_table, _kappa_stats


# =========================================================================== labels -> units
@dataclass(frozen=True, eq=False)
class _Labels:
    """Labels oriented to their units (internal)."""

    unit: np.ndarray            # unit code of each label
    cat: np.ndarray             # 0 = item_1 wins, 1 = item_2 wins, 2 = tie
    annotator: np.ndarray       # annotator code of each label, or None
    annotators: pd.Index        # annotator labels, or None
    units: pd.DataFrame         # one row per unit: [cluster,] item_1, item_2
    counts: np.ndarray          # units x 3 label counts


def _read_labels(path, encoding="utf-8"):
    """A label file (.csv, .tsv, .json, .jsonl or .parquet) as a DataFrame; CSV and TSV in
    the text ``encoding``."""
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise DataError(f"`encoding` {encoding!r} is not a text encoding Python knows; use "
                        f"e.g. encoding='utf-8' (the default), 'latin-1' or 'cp1252'.") from None
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DataError(f"no such file: {path!r}.")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".tsv", ".txt"):
        try:
            return pd.read_csv(path, sep="\t" if ext == ".tsv" else ",", encoding=encoding)
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: cannot decode the file as {encoding} ({exc.reason} at "
                            f"byte {exc.start}); pass `encoding`, e.g. encoding='latin-1'."
                            ) from exc
        except pd.errors.EmptyDataError as exc:
            raise DataError(f"{path}: the file is empty: it holds no labels.") from exc
    if ext in (".json", ".jsonl", ".ndjson"):
        return _v.read_json_records(path)
    if ext in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raise DataError(f"cannot read {path!r}: the extension must be one of .csv, .tsv, .json, "
                    f".jsonl, .parquet.")


def _recode_ties(outcome, tie_values):
    """The outcome column with the values in ``tie_values`` (compared as stripped text)
    replaced by ``"tie"``."""
    tie = outcome.astype(str).str.strip().isin([str(v).strip() for v in tie_values])
    return outcome.astype(object).where(~tie.to_numpy(), "tie")


def _within_items(group, items):
    """Item labels made distinct per group: ``"<group>:<item>"``."""
    return group.astype(str).to_numpy() + ":" + items.astype(str).to_numpy()


def _tie_values_iv(tie_values):
    if tie_values is None:
        return ()
    if isinstance(tie_values, (str, bytes, numbers.Number)):
        return (tie_values,)
    try:
        return tuple(tie_values)
    except TypeError:
        raise TypeError(f"`tie_values` must be a list of outcome values (e.g. ['s']); got "
                        f"{type(tie_values).__name__}.") from None


def _label_table(data, columns, tie_values=(), within=None, encoding=None):
    """``data`` and its column roles after the keywords that rewrite the label table:
    ``encoding`` (a CSV / TSV path read in that text encoding), ``tie_values`` (outcome
    values that mean a tie) and ``within`` (items compared only within groups of a column,
    which is also the cluster unless ``cluster`` is given)."""
    tie_values = _tie_values_iv(tie_values)
    if encoding is None and not tie_values and within is None:
        return data, columns
    if isinstance(data, (str, os.PathLike)):
        data = _read_labels(data, "utf-8" if encoding is None else encoding)
    elif encoding is not None:
        raise TypeError(f"`encoding` is the text encoding of a label file: it applies when "
                        f"`data` is a path; got a {type(data).__name__}.")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`tie_values` and `within` rewrite the label table: pass it as a "
                        f"DataFrame or a path; got a {type(data).__name__}.")
    df = data.copy()
    columns = dict(columns)
    roles = _v.infer_roles(set(df.columns), {role: columns.get(role) for role in _v._NAMES})
    layout = roles["layout"]
    if tie_values:
        if layout != "outcome":
            raise DataError(f"`tie_values` recode an outcome column (item_a, item_b, outcome "
                            f"layout); these data are in the {layout} layout. Name the "
                            f"outcome column with outcome='<column>'.")
        df[roles["outcome"]] = _recode_ties(df[roles["outcome"]], tie_values)
    if within is not None:
        if within not in df.columns:
            raise DataError(f"column {within!r} (given as `within`) is not in the data; "
                            f"columns are {sorted(map(str, df.columns))}.")
        sides = {"winner": ("winner", "loser"), "arena": ("model_a", "model_b")}.get(
            layout, ("item_a", "item_b"))
        for side in sides:
            col = roles.get(side, side)
            df[col] = _within_items(df[within], df[col])
        columns.setdefault("cluster", within)
    return df, columns


def _as_labels(data, columns, orientation="sorted", tie_values=(), within=None,
               encoding=None):
    _v.check_choice(orientation, "orientation", ("sorted", "given"))
    data, columns = _label_table(data, columns, tie_values, within, encoding)
    comparisons = as_comparisons(data, **columns)
    a, b, outcome, weight = comparisons.rows()
    if comparisons.n_rows != len(a) or (weight is not None and np.any(weight != 1.0)):
        raise DataError("agreement needs individual labels, one row each; the data are "
                        "weighted or aggregated (pair counts). Pass one row per label.")
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    o = np.zeros(a.shape[0], np.int8) if outcome is None else np.asarray(outcome)
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    extra = comparisons.extra
    n = comparisons.n_items
    cols = {}
    if extra is not None and "cluster" in extra.columns:
        cl_codes, cl_labels = _v.factorize_column(extra["cluster"], "cluster")
        key = (cl_codes * n + lo) * n + hi
    else:
        cl_codes = None
        key = lo * n + hi
    ukey, unit = np.unique(key, return_inverse=True)
    unit = unit.astype(np.int64).ravel()
    first = np.zeros(ukey.shape[0], np.int64)
    first[unit[::-1]] = np.arange(unit.shape[0])[::-1]
    item_1 = lo[first] if orientation == "sorted" else a[first]
    item_2 = hi[first] if orientation == "sorted" else b[first]
    winner = np.where(o == 0, a, b)
    cat = np.where(o == 2, 2, np.where(winner == item_1[unit], 0, 1)).astype(np.int64)
    if cl_codes is not None:
        cols["cluster"] = cl_labels[cl_codes[first]]
    cols["item_1"] = comparisons.items[item_1]
    cols["item_2"] = comparisons.items[item_2]
    units = pd.DataFrame({k: np.asarray(v) for k, v in cols.items()})
    n_units = ukey.shape[0]
    counts = np.bincount(unit * 3 + cat, minlength=n_units * 3).reshape(n_units, 3)
    ann = None
    ann_labels = None
    if extra is not None and "annotator" in extra.columns:
        ann, ann_labels = _v.factorize_column(extra["annotator"], "annotator")
    return _Labels(unit=unit, cat=cat, annotator=ann, annotators=ann_labels, units=units,
                   counts=counts.astype(float))


def label_units(data, *, orientation="sorted", tie_values=None, within=None, encoding=None,
                **columns):
    """One row per unit with its label counts and majority label.

    Parameters
    ----------
    data : DataFrame, Comparisons or path
        Individual labels in the long format of :meth:`btstats.Comparisons.from_frame`
        (``item_a, item_b, outcome``, optional ``annotator`` and ``cluster`` / ``prompt``).
    orientation : {"sorted", "given"}
        How each unit's two items are ordered: by label (``"sorted"``, MT-Bench's
        convention) or as in the unit's first row (``"given"``, e.g. the order shown).
    tie_values, within, encoding
        As for :func:`agreement`.
    **columns
        Column roles, e.g. ``annotator="worker"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``[cluster,] item_1, item_2`` (the unit, its items in label order),
        ``n_item_1, n_item_2, n_tie`` (label counts), ``n_labels`` and ``majority``
        (``"item_1"``, ``"item_2"``, ``"tie"``, or ``None`` when no category has a strict
        plurality).

    Examples
    --------
    >>> import pandas as pd
    >>> from btstats.agreement import label_units
    >>> df = pd.DataFrame({"item_a": ["x", "y", "x"], "item_b": ["y", "x", "y"],
    ...                    "outcome": ["a", "b", "tie"], "annotator": [1, 2, 3]})
    >>> label_units(df)
      item_1 item_2  n_item_1  n_item_2  n_tie  n_labels majority
    0      x      y         2         0      1         3   item_1
    """
    lab = _as_labels(data, columns, orientation, tie_values, within, encoding)
    return _unit_frame(lab)


def _majority(counts):
    mx = counts.max(axis=1)
    n_max = (counts == mx[:, None]).sum(axis=1)
    arg = counts.argmax(axis=1)
    return np.where((n_max == 1) & (mx > 0), arg, -1)


def _unit_frame(lab):
    df = lab.units.copy()
    c = lab.counts.astype(np.int64)
    df["n_item_1"] = c[:, 0]
    df["n_item_2"] = c[:, 1]
    df["n_tie"] = c[:, 2]
    df["n_labels"] = c.sum(axis=1)
    maj = _majority(lab.counts)
    df["majority"] = pd.Series([_CATEGORIES[m] if m >= 0 else None for m in maj],
                               dtype=object)
    return df


# =========================================================================== agreement
def _pair_stats(counts):
    """Per unit: agreeing label pairs, label pairs, and the same without tie labels."""
    m = counts.sum(axis=1)
    dec = counts[:, 0] + counts[:, 1]
    pairs2 = lambda x: x * (x - 1.0) / 2.0  # noqa: E731
    return np.column_stack([pairs2(counts).sum(axis=1), pairs2(m),
                            pairs2(counts[:, 0]) + pairs2(counts[:, 1]), pairs2(dec)])


def _agreement_values(sums):
    """(agreement, agreement_no_ties, fleiss, alpha) from summed unit statistics."""
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(sums[..., 1] > 0, sums[..., 0] / sums[..., 1], np.nan)
        dec = np.where(sums[..., 3] > 0, sums[..., 2] / sums[..., 3], np.nan)
    ks = sums[..., 4:]
    return np.stack([raw, dec, _fleiss_from_sums(ks), _alpha_from_sums(ks)], axis=-1)


def _unit_bootstrap(stats, n_resamples, rng):
    """Sums of ``stats`` rows over ``n_resamples`` resamples of the units (with replacement)."""
    n_units = stats.shape[0]
    out = np.empty((n_resamples, stats.shape[1]))
    stats = np.ascontiguousarray(stats, dtype=float)
    for start in range(0, n_resamples, _BOOT_BLOCK):
        stop = min(start + _BOOT_BLOCK, n_resamples)
        idx = rng.integers(0, n_units, size=(stop - start, n_units))
        _ka.resampled_sums(idx, stats, out[start:stop])
    return out


@dataclass(frozen=True, eq=False)
class Agreement(ResultBase):
    r"""Empirical agreement of repeated labels (returned by :func:`agreement`).

    Attributes
    ----------
    agreement : float
        Share of agreeing label pairs among all pairs of labels of the same unit (ties are a
        category).
    agreement_no_ties : float
        The same over the pairs in which neither label is a tie.
    fleiss_kappa, krippendorff_alpha : float
        Chance-corrected agreement (:func:`fleiss_kappa`, :func:`krippendorff_alpha`) of the
        three categories ``item_1`` / ``item_2`` / tie; ``nan`` when undefined (every label
        of the repeatedly labelled units is the same category), where the functions
        themselves raise :class:`~btstats.DataError`.
    n_units, n_labels, n_pairs, n_pairs_no_ties : int
        Units, labels, label pairs (with and without ties).
    cohen : pandas.DataFrame or None
        Cohen's kappa of every pair of annotators that share at least ``min_common`` units
        (columns ``annotator_1, annotator_2, n_units, agreement, kappa, se``); ``None``
        without an annotator column.
    annotators : pandas.DataFrame or None
        Per annotator: ``n_labels``, ``tie_rate``, ``n_scored`` (labels on units where the
        other labels have a strict plurality), ``majority_agreement`` (share of those that
        equal that plurality), ``pairwise_agreement`` (share of agreeing pairs among the
        pairs of this annotator's label and another label of the same unit).
    units : pandas.DataFrame
        One row per unit: see :func:`label_units`.
    bootstrap_distribution : ndarray
        ``(n_resamples, 4)`` values of the four statistics over resamples of the units.
    """

    agreement: float
    agreement_no_ties: float
    fleiss_kappa: float
    krippendorff_alpha: float
    n_units: int
    n_labels: int
    n_pairs: int
    n_pairs_no_ties: int
    cohen: pd.DataFrame = field(repr=False)
    annotators: pd.DataFrame = field(repr=False)
    units: pd.DataFrame = field(repr=False)
    bootstrap_distribution: np.ndarray = field(repr=False)
    agreeing_pairs: int = field(repr=False, default=0)
    agreeing_pairs_no_ties: int = field(repr=False, default=0)

    @property
    def estimates(self):
        return np.array([self.agreement, self.agreement_no_ties, self.fleiss_kappa,
                         self.krippendorff_alpha])

    def confidence_interval(self, confidence_level=0.95, *, interval="percentile"):
        """Bootstrap intervals (units resampled with replacement).

        Parameters
        ----------
        confidence_level : float
            Coverage of the two-sided interval.
        interval : {"percentile", "basic"}
            ``"percentile"``: the quantiles of the resampled statistics (their non-finite
            values left out); ``"basic"``: those reflected about the estimate.

        Returns
        -------
        ConfidenceInterval
            ``low`` and ``high`` as Series by statistic (:data:`AGREEMENT_STATISTICS`);
            ``NaN`` without resamples.
        """
        _v.check_choice(interval, "interval", ("percentile", "basic"))
        return self._interval(interval, pd.Index(AGREEMENT_STATISTICS, name="statistic"),
                              estimate=self.estimates, draws=self.bootstrap_distribution,
                              confidence_level=confidence_level)

    def accuracy_bounds(self):
        """Bounds on the Bayes accuracy ceiling from the agreement alone
        (:func:`accuracy_bounds`): all labels (three categories) and decisive labels (two).

        Returns
        -------
        pandas.DataFrame
            Columns ``agreement``, ``lower``, ``upper``; rows ``all_labels`` and
            ``decisive_labels``.
        """
        rows = {}
        for name, a, k in (("all_labels", self.agreement, 3),
                           ("decisive_labels", self.agreement_no_ties, 2)):
            lo, hi = accuracy_bounds(a, k) if np.isfinite(a) else (np.nan, np.nan)
            rows[name] = {"agreement": a, "lower": lo, "upper": hi}
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_frame(self, confidence_level=0.95, *, interval="percentile"):
        """The four statistics with counts and intervals, one row each (columns
        ``estimate, numerator, denominator, low, high``)."""
        ci = self.confidence_interval(confidence_level, interval=interval)
        df = pd.DataFrame({"estimate": self.estimates,
                           "numerator": [self.agreeing_pairs, self.agreeing_pairs_no_ties,
                                         np.nan, np.nan],
                           "denominator": [self.n_pairs, self.n_pairs_no_ties, np.nan,
                                           np.nan]},
                          index=pd.Index(AGREEMENT_STATISTICS, name="statistic"))
        return pd.concat([df, ci.to_frame()], axis=1)

    # summary() and _repr_html_() come from ResultBase: this header, the statistics with
    # their intervals, then the kappas of the annotator pairs and the annotator table
    _frame_format = {"float_format": "%.4f"}

    @property
    def _summary_title(self):
        return f"Labeler agreement: {self.n_units} units, {self.n_labels} labels"

    def _header(self):
        n = self.bootstrap_distribution.shape[0]
        return [("bootstrap", f"{n} resamples of the units" if n else
                 "none (n_resamples=0: no intervals)")]

    def _summary_frame(self, confidence_level=0.95, *, interval="percentile"):
        ci = self.confidence_interval(confidence_level, interval=interval)
        names = [f"raw agreement ({self.agreeing_pairs}/{self.n_pairs})",
                 f"without ties ({self.agreeing_pairs_no_ties}/{self.n_pairs_no_ties})",
                 "Fleiss' kappa", "Krippendorff alpha"]
        frame = pd.DataFrame({"estimate": self.estimates, "low": ci.low.to_numpy(),
                              "high": ci.high.to_numpy()}, index=names)
        frame.columns.name = f"{100 * ci.confidence_level:g}% {interval} intervals"
        return frame

    def _sections(self, confidence_level=0.95, *, interval="percentile"):
        out = []
        if self.cohen is not None and len(self.cohen):
            out.append(("Cohen's kappa by annotator pair", self.cohen.head(20),
                        {"index": False, "float_format": "%.4f"}))
        if self.annotators is not None:
            out.append(("Annotators", self.annotators, {"float_format": "%.4f"}))
        return out

    def __repr__(self):
        return (f"Agreement(agreement={self.agreement:.4f}, agreement_no_ties="
                f"{self.agreement_no_ties:.4f}, fleiss_kappa={self.fleiss_kappa:.4f}, "
                f"krippendorff_alpha={self.krippendorff_alpha:.4f}, n_units={self.n_units}, "
                f"n_labels={self.n_labels})")


def _annotator_table(lab):
    """Per-annotator agreement with the other labels of the same units."""
    ann = lab.annotator
    k = len(lab.annotators)
    own = np.zeros((ann.shape[0], 3))
    own[np.arange(ann.shape[0]), lab.cat] = 1.0
    others = lab.counts[lab.unit] - own
    n_others = others.sum(axis=1)
    maj = _majority(others)
    scored = maj >= 0
    agree_maj = scored & (maj == lab.cat)
    agree_pairs = others[np.arange(ann.shape[0]), lab.cat]

    def per(x):
        return np.bincount(ann, weights=np.asarray(x, float), minlength=k)

    n_labels = per(np.ones(ann.shape[0]))
    n_scored = per(scored)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = pd.DataFrame({
            "n_labels": n_labels.astype(np.int64),
            "tie_rate": per(lab.cat == 2) / n_labels,
            "n_scored": n_scored.astype(np.int64),
            "majority_agreement": np.where(n_scored > 0, per(agree_maj) / n_scored, np.nan),
            "pairwise_agreement": np.where(per(n_others) > 0,
                                           per(agree_pairs) / per(n_others), np.nan),
        }, index=pd.Index(lab.annotators, name="annotator"))
    return df


def _cohen_table(lab, min_common):
    """Cohen's kappa of every annotator pair sharing >= min_common singly-labelled units."""
    from scipy import sparse

    k = len(lab.annotators)
    n_units = lab.counts.shape[0]
    key = lab.unit * k + lab.annotator
    uniq, cnt = np.unique(key, return_counts=True)
    single = np.isin(key, uniq[cnt == 1])
    u = lab.unit[single]
    a = lab.annotator[single]
    c = lab.cat[single]
    lab_mat = np.full((n_units, k), -1, np.int8) if n_units * k <= 5e7 else None
    ind = sparse.csr_matrix((np.ones(u.shape[0]), (u, a)), shape=(n_units, k))
    common = (ind.T @ ind).tocoo()
    sel = (common.row < common.col) & (common.data >= min_common)
    rows = []
    if lab_mat is not None:
        lab_mat[u, a] = c
    for p, q in zip(common.row[sel], common.col[sel]):
        if lab_mat is not None:
            x = lab_mat[:, p]
            y = lab_mat[:, q]
        else:  # pragma: no cover - very many units x annotators
            x = np.full(n_units, -1)
            y = np.full(n_units, -1)
            x[u[a == p]] = c[a == p]
            y[u[a == q]] = c[a == q]
        both = (x >= 0) & (y >= 0)
        t = np.bincount(x[both].astype(np.int64) * 3 + y[both], minlength=9).reshape(3, 3)
        kap, se, n, po, _ = _kappa_from_table(t)
        rows.append((p, q, lab.annotators[p], lab.annotators[q], n, po, kap, se))
    rows.sort(key=lambda r: (r[0], r[1]))
    return pd.DataFrame([r[2:] for r in rows], columns=["annotator_1", "annotator_2",
                                                       "n_units", "agreement", "kappa", "se"])


def agreement(data, *, confidence_level=0.95, n_resamples=2000, min_common=10,
              orientation="sorted", rng=None, tie_values=None, within=None, encoding=None,
              **columns):
    r"""Agreement between labelers who labelled the same comparisons.

    Parameters
    ----------
    data : DataFrame, Comparisons or path
        Individual labels, one row each, in the long format of
        :meth:`btstats.Comparisons.from_frame`: ``item_a, item_b, outcome`` (1 / 0 / 0.5
        or ``a`` / ``b`` / ``tie``), optionally ``annotator`` (who labelled) and ``cluster``
        or ``prompt`` (part of what defines a unit).
    confidence_level : float
        Level of the intervals shown by :meth:`Agreement.summary` and ``to_frame``.
    n_resamples : int
        Bootstrap resamples of the units (0: no intervals).
    min_common : int
        Annotator pairs must share at least this many units to get a Cohen's kappa.
    orientation : {"sorted", "given"}
        Which item of a unit is ``item_1``: the first in label order (default, as MT-Bench
        sorts the two models), or ``item_a`` of the unit's first row (e.g. the side shown
        first).  Raw agreement does not depend on it; the kappas and alpha do (see Notes).
    rng : None, int or numpy.random.Generator
        Seed of the bootstrap, through :func:`numpy.random.default_rng`.
    tie_values : list, optional
        Extra outcome values that mean a tie (e.g. ``["s"]`` for "same"), compared as
        stripped text; they become ``"tie"`` (the item_a, item_b, outcome layout).
    within : str, optional
        Items are only compared within the groups of this column (e.g. a search query): item
        labels become ``"<group>:<item>"`` and the column is the cluster (unless ``cluster=``
        names another).
    encoding : str, optional
        Text encoding of a CSV / TSV file given as ``data`` (default UTF-8), e.g.
        ``"latin-1"``.
    **columns
        Column roles, e.g. ``annotator="worker", cluster="query"``.

    Returns
    -------
    Agreement

    Notes
    -----
    *Units.* A unit is an unordered pair of items within a cluster (without a ``cluster`` /
    ``prompt`` column: an unordered pair).  Each label is oriented to the unit (``item_1``
    wins, ``item_2`` wins, tie), as MT-Bench's agreement script sorts the two models of each
    question.

    *Raw agreement* follows MT-Bench's convention (Zheng et al. 2023, FastChat
    ``compute_agreement.py``): every unordered pair of labels of the same unit counts once,
    so a unit with ``m_u`` labels of which ``n_uc`` are of category ``c`` adds
    ``sum_c n_uc (n_uc - 1) / 2`` agreeing pairs out of ``m_u (m_u - 1) / 2``.  *Without
    ties* drops every pair in which either label is a tie.  Both are ratios of sums over
    units, so they weight units by their number of label pairs.

    *Chance agreement* (Cohen's and Fleiss' kappa, alpha) pools the categories over units,
    so it depends on which item of each unit is called ``item_1``: "``item_1`` wins" must
    mean the same kind of event in every unit.  Label order (default) suits data whose
    sides are arbitrary; ``orientation="given"`` keeps the order of the data (for PandaLM
    both are response 1 / response 2; for side-by-side tasks, the order shown).

    *Intervals* resample units (pairs of items), not labels, with replacement: the labels of
    one unit are dependent.  The statistics are recomputed from the resampled unit sums
    (percentile intervals).

    *Per annotator*, each label is compared with the other labels of its unit: with their
    strict plurality (``majority_agreement``; units where the others tie for the plurality
    are not scored) and with each of them (``pairwise_agreement``).

    References
    ----------
    .. [1] Zheng, L. et al. (2023). Judging LLM-as-a-judge with MT-Bench and Chatbot Arena.
       NeurIPS Datasets and Benchmarks.

    Examples
    --------
    >>> import pandas as pd
    >>> import btstats.agreement as ba
    >>> df = pd.DataFrame({
    ...     "item_a":    ["x", "x", "x", "y", "y", "y"],
    ...     "item_b":    ["y", "y", "y", "z", "z", "z"],
    ...     "outcome":   ["a", "a", "tie", "a", "b", "b"],
    ...     "annotator": ["ann", "bob", "cy", "ann", "bob", "cy"]})
    >>> res = ba.agreement(df, rng=1)
    >>> res.agreeing_pairs, res.n_pairs, round(res.agreement, 4)
    (2, 6, 0.3333)
    >>> res.agreeing_pairs_no_ties, res.n_pairs_no_ties
    (2, 4)
    >>> res.annotators[["n_labels", "majority_agreement"]]
               n_labels  majority_agreement
    annotator
    ann               2                 0.0
    bob               2                 NaN
    cy                2                 0.0

    ``bob``'s two labels both sit on units where the other two labels disagree, so neither
    has a majority to compare with.
    """
    _v.check_confidence_level(confidence_level)
    _check_resamples(n_resamples)
    _v.check_number(min_common, "min_common", low=1, integer=True)
    rng = _v.as_generator(rng)
    lab = _as_labels(data, columns, orientation, tie_values, within, encoding)
    return _agreement_from_labels(lab, int(n_resamples), int(min_common), rng)


def _check_resamples(n_resamples):
    """``n_resamples``: an integer >= 0 whose bootstrap table fits in memory."""
    _v.check_number(n_resamples, "n_resamples", low=0, integer=True)
    # the resampled unit sums (11 columns) and the four statistics, with temporaries
    _v.check_memory(8 * 24 * int(n_resamples), "n_resamples", n_resamples,
                    f"{int(n_resamples):,} bootstrap resamples of the units",
                    "Use n_resamples=2000 (the default) or fewer; 0 for no intervals.")
    return int(n_resamples)


def _agreement_from_labels(lab, n_resamples, min_common, rng):
    stats = np.column_stack([_pair_stats(lab.counts), _kappa_stats(lab.counts)])
    sums = stats.sum(axis=0)
    if sums[1] == 0:
        raise DataError(
            f"no comparison was labelled twice: all {lab.counts.shape[0]} units (item pairs, "
            f"within a prompt when there is a cluster column) have a single label, so there "
            f"is no agreement to measure. Agreement needs repeated labels of the same pair; "
            f"check the item, annotator and cluster columns.")
    est = _agreement_values(sums)
    boot = (_agreement_values(_unit_bootstrap(stats, n_resamples, rng)) if n_resamples
            else np.empty((0, 4)))
    has_ann = lab.annotator is not None
    return Agreement(
        agreement=float(est[0]), agreement_no_ties=float(est[1]), fleiss_kappa=float(est[2]),
        krippendorff_alpha=float(est[3]), n_units=int(lab.counts.shape[0]),
        n_labels=int(lab.cat.shape[0]), n_pairs=int(round(sums[1])),
        n_pairs_no_ties=int(round(sums[3])),
        cohen=_cohen_table(lab, min_common) if has_ann else None,
        annotators=_annotator_table(lab) if has_ann else None,
        units=_unit_frame(lab), bootstrap_distribution=boot,
        agreeing_pairs=int(round(sums[0])), agreeing_pairs_no_ties=int(round(sums[2])))


def agreement_by(data, by, *, confidence_level=0.95, n_resamples=0, orientation="sorted",
                 rng=None, **columns):
    r"""The agreement statistics of :func:`agreement` for each group of units.

    Parameters
    ----------
    data : DataFrame
        Individual labels (see :func:`agreement`).
    by : str
        Column whose values define the groups (e.g. the query of a search task); it should
        be constant within a unit.
    confidence_level, n_resamples, rng
        As in :func:`agreement`; by default no intervals (``n_resamples=0``).
    **columns
        Column roles, and :func:`agreement`'s ``tie_values`` and ``within``.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n_units, n_labels, agreement, agreement_no_ties, fleiss_kappa,
        krippendorff_alpha`` (and ``*_low`` / ``*_high`` interval columns with resamples).

    Examples
    --------
    >>> import pandas as pd
    >>> from btstats.agreement import agreement_by
    >>> df = pd.DataFrame({"q": [1, 1, 2, 2], "item_a": ["x", "x", "u", "u"],
    ...                    "item_b": ["y", "y", "v", "v"], "outcome": ["a", "a", "a", "b"]})
    >>> agreement_by(df, "q")[["n_units", "agreement"]]
       n_units  agreement
    q
    1        1        1.0
    2        1        0.0
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a DataFrame for agreement_by; got "
                        f"{type(data).__name__}.")
    try:
        hash(by)
    except TypeError:
        raise TypeError(f"`by` must be one column name (e.g. a string); got "
                        f"{type(by).__name__} {by!r}.") from None
    if by not in data.columns:
        raise DataError(f"column {by!r} (given as `by`) is not in the data; columns are "
                        f"{sorted(map(str, data.columns))}.")
    if not isinstance(data.columns.get_loc(by), numbers.Integral):
        raise DataError(f"the data have several columns named {by!r} (given as `by`); "
                        f"rename or drop the repeats.")
    _v.check_confidence_level(confidence_level)
    _check_resamples(n_resamples)
    rng = _v.as_generator(rng)
    codes, groups = _v.factorize_column(data[by], by)
    rows = {}
    for code, key in enumerate(groups):
        sub = data.loc[codes == code]
        res = agreement(sub.reset_index(drop=True), confidence_level=confidence_level,
                        n_resamples=n_resamples, orientation=orientation, rng=rng,
                        **columns)
        row = {"n_units": res.n_units, "n_labels": res.n_labels}
        ci = res.confidence_interval(confidence_level)
        for name, est in zip(AGREEMENT_STATISTICS, res.estimates):
            row[name] = est
            if n_resamples:
                row[f"{name}_low"] = ci.low[name]
                row[f"{name}_high"] = ci.high[name]
        rows[key] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def accuracy_bounds(agreement: float, n_categories: int = 2) -> tuple[float, float]:
    r"""Bounds on the Bayes accuracy ceiling implied by the labelers' agreement alone.

    Parameters
    ----------
    agreement : float
        Expected agreement of two independent labels of the same unit, ``E[sum_c p_c**2]``
        (e.g. :attr:`Agreement.agreement_no_ties` with ``n_categories=2`` for decisive
        labels, :attr:`Agreement.agreement` with ``n_categories=3`` for labels with ties).
    n_categories : int
        Number of label categories ``k``.

    Returns
    -------
    (float, float)
        ``(lower, upper)``: every label distribution with that mean agreement has a Bayes
        accuracy ``E[max_c p_c]`` in this range.

    Notes
    -----
    For one unit, ``sum_c p_c**2 <= max_c p_c`` (so ``lower = agreement``), and with
    ``x = max_c p_c`` the other categories share ``1 - x``, so ``sum_c p_c**2 >= x**2 +
    (1 - x)**2 / (k - 1)``, i.e. ``x <= g(a) = (1 + sqrt((k - 1)(k a - 1))) / k``.  As ``g``
    is concave, Jensen's inequality gives ``E[max p] <= g(E[a])``: the upper bound is reached
    when every unit is equally hard.  For two categories ``g(a) = (1 + sqrt(2 a - 1)) / 2``:
    agreement 0.68 allows at most 0.80.  Both sides weight units alike, which holds when
    every unit has the same number of labels.

    Examples
    --------
    >>> from btstats.agreement import accuracy_bounds
    >>> [round(x, 4) for x in accuracy_bounds(0.68)]
    [0.68, 0.8]
    """
    a = float(_v.check_number(agreement, "agreement", low=0.0))
    k = int(_v.check_number(n_categories, "n_categories", low=2, integer=True))
    if not 1.0 / k - 1e-12 <= a <= 1.0 + 1e-12:
        raise ValueError(f"`agreement` of {k} categories lies in [1/{k}, 1]; got {a!r}.")
    upper = (1.0 + math.sqrt(max((k - 1) * (k * a - 1.0), 0.0))) / k
    return a, min(upper, 1.0)
