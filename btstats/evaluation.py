r"""Held-out evaluation of a scorer: splits, accuracy, log loss, Brier, calibration, ceilings.

=====================================  ===================================================
:func:`split`                          train / test split: random rows, or whole groups
                                       (prompts, annotators) held out
:func:`evaluate`                       pairwise accuracy, log loss and Brier score on
                                       held-out labels, compared with the Bayes ceilings
:class:`Evaluation`                    the result: ``to_frame()``, ``compare()``,
                                       ``calibration()``, ``plot_calibration()``
:func:`win_rate_scores`                the classification-style baseline of Sun, Shen &
                                       Ton (2024): logit of each item's marginal win rate
:func:`order_consistency`              Kendall's tau and the share of item pairs two score
                                       vectors order alike
=====================================  ===================================================

Ties in the labels: the *decisive* metrics (``accuracy``, ``log_loss``, ``brier``) use only
labels that name a winner, scoring the scorer's probability that ``a`` wins given that
someone wins, ``r = P(a) / (P(a) + P(b))``; the *all-label* metrics (``accuracy_all``,
``log_loss_all``, ``brier_all``) score the three outcomes, so a scorer without a tie
probability is always wrong on a tie label.  Each is compared with the matching ceiling of
:func:`btstats.agreement.ceilings`.

Every outcome family is scored through its outcome probabilities: graded categories are
summed by side (``a`` better by any grade, the middle grade a tie), and an order effect enters
through each test row's order indicator.  A graded scorer is also scored on the exact grades
(``accuracy_grades``, ``log_loss_grades``, ``brier_grades``).
"""
import math
import numbers
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from . import _validation as _v
from ._results import ResultBase
from .plotting import plot_calibration
from .inference.intervals import normal_quantile
from ._kernels import annotators as _ka
from ._kernels import ceilings_families as _kcf
from ._kernels.likelihood import log_probabilities as _log_probabilities
from .agreement.ceilings import Ceilings, _family_spec, _is_general_fit, _params_spec
from .agreement.ceilings import ceilings as _ceilings
from .data.comparisons import Comparisons, as_comparisons
from .exceptions import DataError
from .models.model import Model, get_model, pairwise_model

__all__ = ["AboveCeilingWarning", "Evaluation", "OrderConsistency", "evaluate",
           "order_consistency", "split", "win_rate_scores"]


class AboveCeilingWarning(UserWarning):
    """Held-out performance beats the Bayes ceiling by more than noise explains.

    The usual causes: test labels that are not held out (the same prompts or annotators in
    training and test), a reference fit that understates how predictable the labels are
    (e.g. fitted on other annotators), or a test set too small for the normal
    approximation.
    """


# =========================================================================== split
def split(data, *, test_size=0.2, by=None, rng=None, **columns):
    r"""Split labels into a training and a test set.

    Parameters
    ----------
    data : DataFrame or Comparisons
        The labels.  A DataFrame gives DataFrames back (rows in their original order and
        index); a :class:`~btstats.Comparisons` gives two Comparisons over the same items.
    test_size : float
        Share in ``(0, 1)`` of the rows (``by=None``) or of the groups (``by`` given) put in
        the test set, rounded to at least one and at most all but one.
    by : str, optional
        Hold out whole groups: one column name of the DataFrame (or a column role given in
        ``columns``), or for Comparisons ``"cluster"`` (alias ``"prompt"``) or
        ``"annotator"``.  A list of columns is not allowed.  Grouping by prompt keeps
        near-duplicate comparisons out of the test set; grouping by annotator measures how a
        scorer generalises to new labelers.
    rng : None, int or numpy.random.Generator
        Seed of the shuffle.
    **columns
        Column roles for a DataFrame when ``by`` names a role (``by="annotator"`` with
        ``annotator="worker"``).

    Returns
    -------
    (train, test)

    Raises
    ------
    TypeError
        When ``by`` is not a single column name (e.g. a list).
    DataError
        When ``by`` names no column, names a repeated column, or its column has missing
        values; when there are fewer than two rows (or groups).

    Examples
    --------
    >>> import pandas as pd
    >>> from btstats.evaluation import split
    >>> df = pd.DataFrame({"item_a": list("aabbc"), "item_b": list("bccaa"),
    ...                    "outcome": [1, 0, 1, 1, 0], "prompt": [1, 1, 2, 3, 3]})
    >>> train, test = split(df, test_size=0.34, by="prompt", rng=0)
    >>> test["prompt"].unique().tolist(), len(train)
    ([3], 3)
    """
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real) or \
            not 0.0 < test_size < 1.0:
        raise ValueError(f"`test_size` must be a share in (0, 1), e.g. 0.2; got {test_size!r}.")
    if by is not None:
        try:
            hash(by)
        except TypeError:
            raise TypeError(f"`by` must be None or one column name (a string such as "
                            f"'prompt' or 'annotator') whose groups are held out whole; got "
                            f"{type(by).__name__} {by!r}. To split rows at random leave `by` "
                            f"out and give the share with test_size=.") from None
    rng = _v.as_generator(rng)
    if isinstance(data, Comparisons):
        m = data.n_rows
        a, b, outcome, weight = data.rows()
        if m != len(a):  # pragma: no cover - from_counts stores 3 rows per pair
            raise DataError("split needs one row per comparison; the data are aggregated.")
        groups = None
        if by is not None:
            _v.check_choice(by, "by", ("cluster", "prompt", "annotator"))
            role = "cluster" if by == "prompt" else by
            if data.extra is None or role not in data.extra.columns:
                raise DataError(f"split(by={by!r}) needs a {role!r} column in the data.")
            groups = data.extra[role]
        test = _test_mask(m, groups, test_size, rng)

        def take(mask):
            ex = None if data.extra is None else data.extra.loc[mask].reset_index(drop=True)
            return Comparisons(data.items, a[mask], b[mask],
                               None if outcome is None else outcome[mask],
                               None if weight is None else weight[mask], ex)

        return take(~test), take(test)
    df = _v.as_frame(data)
    groups = None
    if by is not None:
        col = columns.get(by, by)
        try:
            present = col in df.columns
        except TypeError:
            present = False
        if not present:
            raise DataError(f"column {col!r} (given as `by`) is not in the data; columns are "
                            f"{sorted(map(str, df.columns))}.")
        if not isinstance(df.columns.get_loc(col), numbers.Integral):
            raise DataError(f"the data have several columns named {col!r} (given as `by`); "
                            f"rename or drop the repeats.")
        groups = df[col]
    test = _test_mask(len(df), groups, test_size, rng)
    return df.loc[~test], df.loc[test]


def _test_mask(m, groups, test_size, rng):
    if m < 2:
        raise DataError("split needs at least two rows.")
    if groups is None:
        n_test = min(max(int(round(test_size * m)), 1), m - 1)
        mask = np.zeros(m, bool)
        mask[rng.permutation(m)[:n_test]] = True
        return mask
    g = pd.Series(groups).reset_index(drop=True)
    if g.isna().any():
        raise DataError("the grouping column of `split` has missing values; fill them first.")
    codes, uniq = pd.factorize(g)
    n_groups = len(uniq)
    if n_groups < 2:
        raise DataError(f"split by group needs at least two groups; found {n_groups}.")
    n_test = min(max(int(round(test_size * n_groups)), 1), n_groups - 1)
    chosen = np.zeros(n_groups, bool)
    chosen[rng.permutation(n_groups)[:n_test]] = True
    return chosen[codes]


# =========================================================================== scorers
def _scorer_parts(scorer, model, theta, params=None, n_categories=None):
    """``(scores Series, Model, eta, family)`` from a fit or from scores; ``family`` is
    ``None`` for the pair-count models and otherwise the kernels' view of the outcome family
    (:func:`btstats.agreement.ceilings._family_spec` of a fit of the general core, or
    :func:`btstats.agreement.ceilings._params_spec` of plain scores with ``params``)."""
    if hasattr(scorer, "scores") and hasattr(scorer, "model") and \
            isinstance(getattr(scorer, "scores"), pd.Series):
        if params is not None or n_categories is not None:
            raise ValueError("`params` and `n_categories` are for plain scores; a fit brings "
                             "its own.")
        if _is_general_fit(scorer):
            return scorer.scores, get_model(scorer.model), 0.0, _family_spec(scorer)
        mdl = pairwise_model(scorer.model, "evaluate", scorer)
        eta = getattr(scorer, "eta", None)
        return (scorer.scores, mdl,
                (float(eta) if (mdl.has_ties and eta is not None) else 0.0), None)
    if isinstance(scorer, dict):
        try:
            scorer = pd.Series(scorer, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"a dict scorer must map item labels to numbers (scores); "
                            f"{exc}.") from exc
    if not isinstance(scorer, pd.Series):
        raise TypeError(f"`scorer` must be a fit (e.g. btstats.fit's PairwiseFit) or a "
                        f"pandas.Series of scores indexed by item; got {type(scorer).__name__}.")
    family = None
    mdl = get_model("bradley-terry" if model is None else model)
    if params is not None or n_categories is not None or not mdl.pairwise_kernel:
        family = _params_spec(mdl, params, n_categories, theta)
        eta = 0.0
    else:
        mdl = pairwise_model("bradley-terry" if model is None else model, "evaluate")
        from .models.model import _eta_from_theta

        eta = _eta_from_theta(mdl, theta)
    if scorer.index.has_duplicates:
        dup = scorer.index[scorer.index.duplicated()].unique()[:5].tolist()
        raise DataError(f"`scorer` must have one score per item; repeated labels: {dup}.")
    try:
        s = scorer.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"`scorer` scores must be numbers; {exc}.") from exc
    if not np.all(np.isfinite(s.to_numpy())):
        bad = s.index[~np.isfinite(s.to_numpy())][:5].tolist()
        raise DataError(f"`scorer` scores must be finite; items {bad} are not.")
    return s, mdl, eta, family


# =========================================================================== evaluation
@dataclass(frozen=True, eq=False)
class Evaluation(ResultBase):
    r"""Held-out metrics of a scorer (returned by :func:`evaluate`).

    Attributes
    ----------
    accuracy, log_loss, brier : float
        On decisive labels: share of labels whose winner the scorer ranks higher (equal
        scores count 1/2), mean ``-log r_label`` and mean ``(r - y)**2`` with
        ``r = P(a) / (P(a) + P(b))``, ``y = 1`` if ``a`` won.
    accuracy_all, log_loss_all, brier_all : float
        On all labels, three outcomes: the most probable outcome predicted (ties among
        maxima split), mean ``-log P(label)`` (``nan`` when a tie label gets probability 0
        under a model without ties) and the multi-class Brier score ``sum_o (p_o - y_o)**2``.
    n_labels, n_decisive : float
        Total weight of the labels and of the decisive ones.
    ceilings : Ceilings or None
        The Bayes ceilings over the test comparisons, when a reference was given.
    accuracy_grades, log_loss_grades, brier_grades : float
        For a graded scorer (``K > 3`` categories) on test labels with grades, the all-label
        metrics over the ``K`` grades: the most probable grade predicted (ties among maxima
        split), mean ``-log P(grade)`` (``nan`` when a tie grade meets a scale without one)
        and ``sum_k (p_k - y_k)**2``.  ``NaN`` otherwise.
    n_categories : int
        Number of outcome categories of the scorer's family (2: binary, 3: ties, more:
        grades).
    """

    accuracy: float
    log_loss: float
    brier: float
    accuracy_all: float
    log_loss_all: float
    brier_all: float
    n_labels: float
    n_decisive: float
    model: str
    ses: dict = field(repr=False)
    ceilings: Ceilings | None = field(repr=False, default=None)
    confidence_level: float = field(repr=False, default=0.95)
    _r: np.ndarray | None = field(repr=False, default=None)
    _y: np.ndarray | None = field(repr=False, default=None)
    _w: np.ndarray | None = field(repr=False, default=None)
    accuracy_grades: float = field(repr=False, default=math.nan)
    log_loss_grades: float = field(repr=False, default=math.nan)
    brier_grades: float = field(repr=False, default=math.nan)
    n_categories: int | None = field(repr=False, default=None)

    _METRICS = ("accuracy", "log_loss", "brier", "accuracy_all", "log_loss_all", "brier_all")
    _GRADE_METRICS = ("accuracy_grades", "log_loss_grades", "brier_grades")

    @property
    def metrics(self):
        """Names of the metrics: the six of every scorer, then the three grade metrics when
        the grades were scored."""
        if "accuracy_grades" in self.ses:
            return self._METRICS + self._GRADE_METRICS
        return self._METRICS

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        """Wald intervals ``metric -/+ z se`` of the held-out metrics (the standard errors
        of :func:`evaluate`: over labels, or over clusters with ``cluster=``).

        Returns
        -------
        ConfidenceInterval
            ``low`` and ``high`` as Series by metric (:attr:`metrics`).
        """
        _v.check_choice(interval, "interval", ("wald",))
        names = self.metrics
        return self._interval("wald", pd.Index(names, name="metric"),
                              estimate=np.array([getattr(self, k) for k in names], float),
                              standard_error=np.array([self.ses[k] for k in names], float),
                              confidence_level=confidence_level)

    def to_frame(self, confidence_level=0.95):
        """The six metrics (nine with grades) with standard errors and Wald intervals
        (columns ``estimate, se, low, high``), one row each."""
        names = self.metrics
        ci = self.confidence_interval(confidence_level)
        return pd.DataFrame({"estimate": [getattr(self, k) for k in names],
                             "se": [self.ses[k] for k in names],
                             "low": ci.low.to_numpy(), "high": ci.high.to_numpy()},
                            index=pd.Index(names, name="metric"))

    def compare(self, confidence_level=None):
        r"""Held-out metrics against the Bayes ceilings and the labelers' agreement.

        Returns
        -------
        pandas.DataFrame
            One row per metric with ``held_out``, ``se``, ``ceiling`` (the Bayes ceiling or
            loss floor) and its interval, ``agreement`` (model-implied labeler agreement,
            for the accuracies), ``excess`` (how far the scorer beats the ceiling: held-out
            minus ceiling for accuracies, floor minus held-out for losses), ``z`` (excess over
            the combined standard error of the metric and the ceiling) and
            ``above_ceiling`` (``z`` beyond the two-sided normal quantile).  The grade
            metrics of a graded scorer get rows too when the ceilings have grade quantities
            (a graded reference).
        """
        if self.ceilings is None:
            raise ValueError("no ceilings: pass reference= (a fit of the labels) or "
                             "ceilings= to evaluate().")
        level = self.confidence_level if confidence_level is None else \
            _v.check_confidence_level(confidence_level)
        c = self.ceilings
        ci = c.confidence_interval(level)
        cse = c.standard_errors()
        zq = normal_quantile(level)
        pairs = [("accuracy", "accuracy_no_ties", "agreement_no_ties", 1.0),
                 ("accuracy_all", "accuracy", "agreement", 1.0),
                 ("log_loss", "log_loss_no_ties", None, -1.0),
                 ("log_loss_all", "log_loss", None, -1.0),
                 ("brier", "brier_no_ties", None, -1.0),
                 ("brier_all", "brier", None, -1.0)]
        if "accuracy_grades" in self.ses and "accuracy_grades" in c.statistics:
            pairs += [("accuracy_grades", "accuracy_grades", "agreement_grades", 1.0),
                      ("log_loss_grades", "log_loss_grades", None, -1.0),
                      ("brier_grades", "brier_grades", None, -1.0)]
        rows = []
        for metric, ceil, agree, sign in pairs:
            held = getattr(self, metric)
            se = self.ses[metric]
            cval = getattr(c, ceil)
            sc = cse[ceil] if np.isfinite(cse[ceil]) else 0.0
            excess = sign * (held - cval)
            tot = math.sqrt(se * se + sc * sc) if np.isfinite(se) else math.nan
            z = excess / tot if tot and np.isfinite(tot) and tot > 0 else math.nan
            rows.append({"metric": metric, "held_out": held, "se": se, "ceiling": cval,
                         "ceiling_low": ci.low[ceil], "ceiling_high": ci.high[ceil],
                         "agreement": getattr(c, agree) if agree else np.nan,
                         "excess": excess, "z": z,
                         "above_ceiling": bool(np.isfinite(z) and z > zq)})
        return pd.DataFrame(rows).set_index("metric")

    def calibration(self, n_bins=10):
        r"""Reliability table of the decisive labels, folded at 1/2.

        Each decisive label is scored from the side the scorer favours:
        ``q = max(r, 1 - r)`` and ``hit = 1`` if the favoured item won (``r = 1/2``: item
        ``a`` is taken as favoured).  Labels are binned by ``q`` in ``n_bins`` equal bins of
        ``[1/2, 1]``.

        Returns
        -------
        pandas.DataFrame
            Per non-empty bin: ``bin_low``, ``bin_high``, ``n``, ``mean_predicted``,
            ``observed`` (share of hits), ``se`` (binomial) and ``gap`` (observed minus
            predicted).  ``attrs["ece"]`` holds the expected calibration error
            ``sum_b n_b |observed_b - predicted_b| / n``.
        """
        _v.check_number(n_bins, "n_bins", low=1, integer=True)
        _v.check_memory(8 * 12 * (int(n_bins) + 1), "n_bins", n_bins,
                        f"a reliability table of {int(n_bins):,} bins",
                        "Use n_bins=10 (the default) or another small number.")
        r, y, w = self._r, self._y, self._w
        fav_a = r >= 0.5
        q = np.where(fav_a, r, 1.0 - r)
        hit = np.where(fav_a, y, 1.0 - y)
        edges = np.linspace(0.5, 1.0, int(n_bins) + 1)
        b = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, int(n_bins) - 1)
        nb = np.bincount(b, weights=w, minlength=n_bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            pred = np.bincount(b, weights=w * q, minlength=n_bins) / nb
            obs = np.bincount(b, weights=w * hit, minlength=n_bins) / nb
            se = np.sqrt(obs * (1.0 - obs) / nb)
        keep = nb > 0
        df = pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], "n": nb,
                           "mean_predicted": pred, "observed": obs, "se": se,
                           "gap": obs - pred})[keep].reset_index(drop=True)
        df.attrs["ece"] = float(np.sum(nb[keep] * np.abs(obs[keep] - pred[keep])) / nb.sum())
        return df

    def plot_calibration(self, n_bins=10, ax=None):
        """Reliability diagram of :meth:`calibration` (needs matplotlib); returns the axes.
        See :func:`btstats.plotting.plot_calibration`."""
        return plot_calibration(self, n_bins, ax=ax)

    # summary() and _repr_html_() come from ResultBase: to_frame(), then the comparison with
    # the ceilings when there are some (no interval bars: the metrics are not on one scale)
    _frame_format = {"float_format": "%.4f"}
    _interval_columns = ()

    @property
    def _summary_title(self):
        return (f"Held-out evaluation ({self.model}): {self.n_labels:g} labels, "
                f"{self.n_decisive:g} decisive")

    def _sections(self, confidence_level=None):
        # compare() at the level given to evaluate() unless summary() is given one
        if self.ceilings is None:
            return []
        cmp = self.compare(confidence_level)[["held_out", "ceiling", "agreement", "excess",
                                              "z", "above_ceiling"]]
        return [("Against the Bayes ceilings (losses: the floor)", cmp)]


def _mean_se(values, w, groups=None):
    """Weighted mean and its standard error (cluster-robust when ``groups`` is given).

    The weights are divided by the largest one first, so that huge or subnormal weights
    neither overflow nor lose their precision; only the independent-labels standard error
    uses the absolute total weight (as a number of labels)."""
    top = float(w.max()) if w.size else 0.0
    if not top > 0:
        return math.nan, math.nan
    u = w / top
    tot_rel = float(u.sum())
    m = float(np.sum(u * values) / tot_rel)
    if not np.isfinite(m):
        return m, math.nan
    if groups is None:
        var = float(np.sum(u * (values - m) ** 2) / tot_rel)
        tot = top * tot_rel
        return m, math.sqrt(var) / math.sqrt(tot) if tot > 1 else math.nan
    sums = np.bincount(groups, weights=u * (values - m))
    g = int(np.count_nonzero(np.bincount(groups, weights=u)))
    if g < 2:
        return m, math.nan
    return m, math.sqrt(g / (g - 1) * float(np.sum(sums ** 2))) / tot_rel


def _test_order(comp, h):
    """The order indicators of the test rows, for a scorer with an order effect ``h``."""
    extra = comp.extra
    if extra is None or "order" not in extra.columns:
        raise DataError(f"the scorer has an order effect (h = {h:.4g}), so the test labels "
                        f"need the order of each comparison: a column `order` / `home` / "
                        f"`first` with 1 (item_a at home or shown first), -1 (item_b) or 0 "
                        f"(neutral); arena data (model_a shown first) have it implied.")
    return extra["order"].to_numpy(dtype=float)


def _grade_metrics(lpk, grades, w):
    """``(correct, log loss, Brier, impossible)`` of every test label over the ``K`` grades
    of a graded scorer with category log-probabilities ``lpk`` (rows: labels).

    A tie grade (0) under an even number of grades has probability 0, as a tie label under a
    binary model: never predicted, an infinite log loss (``impossible`` marks those rows),
    the Brier score of a grade outside the scale.  A grade beyond the scale is refused."""
    n_cat = lpk.shape[1]
    top = n_cat // 2
    g = np.asarray(grades, dtype=np.int64)
    odd = n_cat % 2 == 1
    k = g + top if odd else np.where(g > 0, g + top - 1, g + top)
    bad = (np.abs(g) > top) & (w > 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        allowed = f"-{top} .. {top}" if odd else f"-{top} .. -1 and 1 .. {top}"
        raise DataError(f"test row {row} has grade {int(g[row])}, which the scorer's graded "
                        f"model of {n_cat} categories does not have (its grades are "
                        f"{allowed}). Evaluate on labels of the same grade scale.")
    impossible = (g == 0) & (not odd)
    k = np.clip(k, 0, n_cat - 1)
    rows = np.arange(k.shape[0])
    p = np.exp(lpk)
    mx = p.max(axis=1, keepdims=True)
    is_max = p >= mx * (1 - 1e-12)
    correct = np.where(impossible, 0.0, is_max[rows, k] / is_max.sum(axis=1))
    ll = np.where(impossible, math.inf, -lpk[rows, k])
    onehot = np.zeros_like(p)
    onehot[rows, k] = 1.0
    brier = np.where(impossible, (p * p).sum(axis=1) + 1.0,
                     ((p - onehot) ** 2).sum(axis=1))
    return correct, ll, brier, impossible


def evaluate(scorer: Any, test: Any, *, model: str | Model | None = None,
             theta: float | None = None, reference: Any = None,
             ceilings: Ceilings | None = None, confidence_level: float = 0.95,
             n_draws: int = 1000, rng: int | np.random.Generator | None = None,
             params: Any = None, n_categories: int | None = None,
             **columns: Any) -> Evaluation:
    r"""Score a scorer on held-out labels and compare it with the Bayes ceilings.

    Parameters
    ----------
    scorer : PairwiseFit or pandas.Series
        A fit (its model gives the probabilities: any family, with or without an order
        effect) or scores indexed by item label (with ``model`` and ``theta``).
    test : DataFrame, Comparisons or path
        The held-out labels (rows may carry weights).  Every item must have a score.  For a
        scorer with an order effect the rows need their order indicator (an ``order`` /
        ``home`` / ``first`` column); for a graded scorer, a ``grade`` column adds the
        grade metrics.
    model, theta
        Model (default Bradley-Terry) and tie parameter for plain scores.
    params, n_categories
        For plain scores, the model's parameters beyond the scores and a graded model's
        number of grades, as in :func:`btstats.agreement.ceilings` (e.g.
        ``model="davidson", params={"nu": 0.8}``; ``params={"h": 0.3}`` adds an order
        effect).
    reference : PairwiseFit, optional
        A fit whose probabilities stand for the truth (e.g. fitted on all labels, or true
        scores' model); the Bayes ceilings are computed from it over the test comparisons,
        with intervals from ``n_draws`` parametric draws of its scores.
    ceilings : Ceilings, optional
        Ceilings computed beforehand (:func:`btstats.agreement.ceilings`), instead of
        ``reference``.
    confidence_level : float
        Level used by :meth:`Evaluation.compare` and the warning.
    n_draws : int
        Parametric draws for the reference ceilings' intervals.
    rng : None, int or numpy.random.Generator
        Seed of those draws.
    **columns
        Column roles of ``test``.

    Returns
    -------
    Evaluation

    Raises
    ------
    ValueError
        For a ``confidence_level`` outside ``(0, 1)`` or not a number (e.g. the string
        ``"0.9"``), and ``n_draws`` too large for memory.
    DataError
        When a test item has no score, or the test data are unusable (see
        :func:`btstats.Comparisons.from_frame`).

    Warns
    -----
    AboveCeilingWarning
        When an accuracy (``accuracy``, ``accuracy_all`` or ``accuracy_grades``) beats its
        Bayes ceiling by more than the two-sided normal quantile of ``confidence_level``
        times the combined standard error (:meth:`Evaluation.compare` shows the losses too).

    Notes
    -----
    With ``r = P(a) / (P(a) + P(b))`` the scorer's probability that ``a`` wins a decisive
    comparison and ``y = 1`` if it did: ``accuracy`` is the mean of ``1[(r - 1/2)(y - 1/2)
    > 0]`` (``1/2`` when ``r = 1/2``), ``log_loss`` the mean of ``-y log r - (1 - y) log(1 -
    r)`` and ``brier`` the mean of ``(r - y)**2``.  The all-label versions use the three
    outcome probabilities.  The log losses come from the log-probabilities of the fit's own
    log-CDF code (:mod:`btstats._kernels.links`), so an unlikely outcome at a score gap of
    800 (Bradley-Terry) or 40 (Thurstone) costs a finite ``800 + log1p(exp(-800))`` or
    ``-log Phi(-40)`` nats, not ``inf``.  Standard errors are cluster-robust (sums of residuals per
    cluster, with a ``G / (G - 1)`` correction) when the test data have a ``cluster`` /
    ``prompt`` column, since labels of one prompt are dependent; otherwise labels are taken
    as independent.

    A fit of the general core (Davidson ties, graded outcomes, an order effect) scores each
    label by its family's category probabilities at ``z = s_a - s_b + h o`` (``o`` the test
    row's order indicator), collapsed by side to ``P(a)`` (``a`` better by any grade),
    ``P(tie)`` (the middle grade of an odd number) and ``P(b)``; the six metrics use these
    (and ``z`` in place of the score gap for ``accuracy``), so they mean the same for every
    family.  A graded scorer (``K > 3`` grades) on test labels with a ``grade`` column is
    also scored on the exact grades (``accuracy_grades``, ``log_loss_grades``,
    ``brier_grades``), against the grade ceilings of a graded reference.

    No scorer can beat the Bayes ceiling in expectation on labels drawn from the reference
    model, so held-out accuracy above it (beyond noise) means the test labels were not
    independent of training, or the reference is wrong.  Accuracy above the labelers'
    *agreement* is expected of a good scorer and is no sign of overfitting.

    Examples
    --------
    >>> import numpy as np, pandas as pd, btstats
    >>> from btstats.evaluation import evaluate, split
    >>> rng = np.random.default_rng(0)
    >>> s = np.linspace(-1, 1, 5)
    >>> a = rng.integers(0, 5, 4000); b = (a + rng.integers(1, 5, 4000)) % 5
    >>> y = rng.random(4000) < 1 / (1 + np.exp(-(s[a] - s[b])))
    >>> df = pd.DataFrame({"item_a": a, "item_b": b, "outcome": y * 1})
    >>> train, test = split(df, rng=1)
    >>> fit = btstats.fit(train)
    >>> ev = evaluate(fit, test, reference=fit, rng=2)
    >>> ev.compare()[["held_out", "ceiling", "agreement"]].loc[["accuracy"]].round(3)
              held_out  ceiling  agreement
    metric
    accuracy      0.74    0.717      0.611

    This test set is lucky: its accuracy exceeds the ceiling by 1.3 standard errors, within
    noise, so no warning.
    """
    s, mdl, eta, family = _scorer_parts(scorer, model, theta, params, n_categories)
    level = _v.check_confidence_level(confidence_level)
    comp = as_comparisons(test, **columns)
    a, b, outcome, weight = comp.rows()
    if comp.n_rows != len(a):  # pragma: no cover
        raise DataError("evaluate needs the held-out labels one row each.")
    idx = s.index.get_indexer(comp.items)
    used = np.zeros(comp.n_items, bool)
    used[np.asarray(a)] = True
    used[np.asarray(b)] = True
    missing = used & (idx < 0)
    if missing.any():
        raise DataError(f"the scorer has no score for test items {list(comp.items[missing][:5])}"
                        f"; drop those rows or score those items.")
    sv = s.to_numpy(dtype=float)
    ia = idx[np.asarray(a)]
    ib = idx[np.asarray(b)]
    with np.errstate(over="ignore", invalid="ignore"):
        d = sv[ia] - sv[ib]
    if not np.all(np.isfinite(d)):
        row = int(np.flatnonzero(~np.isfinite(d))[0])
        raise DataError(f"`scorer` scores are so far apart that their difference overflows "
                        f"(row {row}: {comp.items[a[row]]!r} vs {comp.items[b[row]]!r}). Only "
                        f"differences matter: shrink the scores.")
    o = np.zeros(d.shape[0], np.int8) if outcome is None else np.asarray(outcome)
    w = np.ones(d.shape[0]) if weight is None else np.asarray(weight, dtype=float)
    has_ties = mdl.has_ties
    lpk = None
    if family is None:
        # log-probabilities by the fit's log-CDF code: finite log losses at any gap
        lpa, lpb, lpt = _log_probabilities(mdl.link, np.ascontiguousarray(d, dtype=float),
                                           float(eta))
    else:
        # the family's category log-probabilities at z = d + h o, collapsed by side
        fam, link, k_cat, h, th, names = family
        if "h" in names:
            d = d + h * _test_order(comp, h)
        out3 = np.empty((d.shape[0], 3))
        lpk = np.empty((d.shape[0], k_cat))
        _kcf.outcome_log_probabilities(fam, link, k_cat, np.ascontiguousarray(d, dtype=float),
                                       th, out3, lpk)
        lpa, lpb, lpt = out3[:, 0], out3[:, 1], out3[:, 2]
        has_ties = k_cat % 2 == 1
    pa, pb, pt = np.exp(lpa), np.exp(lpb), np.exp(lpt)
    dec = o != 2
    y = (o == 0).astype(float)
    lq = np.logaddexp(lpa, lpb)                     # log P(decisive)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.exp(lpa - lq)
        correct = np.where(d == 0, 0.5, ((d > 0) == (o == 0)).astype(float))
        ll_dec = -np.where(o == 0, lpa - lq, lpb - lq)
        br_dec = (r - y) ** 2
        probs = np.stack([pa, pb, pt], axis=1)
        mx = probs.max(axis=1, keepdims=True)
        is_max = probs >= mx * (1 - 1e-12)
        lab = np.where(o == 0, 0, np.where(o == 1, 1, 2))
        acc_all = is_max[np.arange(lab.shape[0]), lab] / is_max.sum(axis=1)
        ll_all = -np.stack([lpa, lpb, lpt], axis=1)[np.arange(lab.shape[0]), lab]
        onehot = np.zeros_like(probs)
        onehot[np.arange(lab.shape[0]), lab] = 1.0
        br_all = ((probs - onehot) ** 2).sum(axis=1)
    wd = w * dec
    overflow = np.isinf(ll_dec) & (wd > 0)
    if has_ties:
        overflow |= np.isinf(ll_all) & (w > 0)
    grades = None
    if lpk is not None and k_cat > 3 and comp.extra is not None and \
            "grade" in comp.extra.columns:
        *grades, impossible = _grade_metrics(lpk, comp.extra["grade"].to_numpy(), w)
        overflow |= np.isinf(grades[1]) & (w > 0) & ~impossible
    if overflow.any():
        row = int(np.flatnonzero(overflow)[0])
        raise DataError(f"the log loss of test row {row} overflows: the scorer's score gap "
                        f"there ({d[row]:.3g}) is so large that the observed outcome has a "
                        f"log-probability beyond the largest float. Shrink the scores.")
    groups = None
    extra = comp.extra
    if extra is not None and "cluster" in extra.columns:
        groups = pd.factorize(pd.Series(extra["cluster"]).astype(object).fillna("<NA>"))[0]
    vals = {}
    ses = {}
    for name, v, ww in (("accuracy", correct, wd), ("log_loss", ll_dec, wd),
                        ("brier", br_dec, wd), ("accuracy_all", acc_all, w),
                        ("log_loss_all", ll_all, w), ("brier_all", br_all, w)):
        v = np.where(ww > 0, v, 0.0)
        vals[name], ses[name] = _mean_se(v, ww, groups)
    if not np.isfinite(vals["log_loss_all"]):
        vals["log_loss_all"], ses["log_loss_all"] = math.nan, math.nan
    if grades is not None:
        for name, v in zip(Evaluation._GRADE_METRICS, grades):
            vals[name], ses[name] = _mean_se(np.where(w > 0, v, 0.0), w, groups)
        if not np.isfinite(vals["log_loss_grades"]):
            vals["log_loss_grades"], ses["log_loss_grades"] = math.nan, math.nan
    ceil = ceilings
    if ceil is None and reference is not None:
        ceil = _ceilings(reference, comp, n_draws=n_draws, rng=rng)
    if ceil is not None and not isinstance(ceil, Ceilings):
        raise TypeError("`ceilings` must be a Ceilings from btstats.agreement.ceilings().")
    res = Evaluation(accuracy=vals["accuracy"], log_loss=vals["log_loss"], brier=vals["brier"],
                     accuracy_all=vals["accuracy_all"], log_loss_all=vals["log_loss_all"],
                     brier_all=vals["brier_all"], n_labels=float(w.sum()),
                     n_decisive=float(wd.sum()), model=mdl.name, ses=ses, ceilings=ceil,
                     confidence_level=level, _r=r[dec], _y=y[dec], _w=w[dec],
                     accuracy_grades=vals.get("accuracy_grades", math.nan),
                     log_loss_grades=vals.get("log_loss_grades", math.nan),
                     brier_grades=vals.get("brier_grades", math.nan),
                     n_categories=(3 if mdl.has_ties else 2) if family is None else family[2])
    if ceil is not None:
        cmp = res.compare()
        cmp = cmp.loc[[m for m in ("accuracy", "accuracy_all", "accuracy_grades")
                       if m in cmp.index]]
        over = cmp[cmp["above_ceiling"]]
        if len(over):
            what = "; ".join(f"{m} {r['held_out']:.4f} > ceiling {r['ceiling']:.4f} "
                             f"(z = {r['z']:.1f})" for m, r in over.iterrows())
            warnings.warn(f"held-out accuracy beats the Bayes ceiling beyond noise: {what}. "
                          f"Check that the test labels are independent of training (split by "
                          f"prompt or annotator) and that the reference fit describes these "
                          f"labels.", AboveCeilingWarning, stacklevel=2)
    return res


# =========================================================================== baselines
def win_rate_scores(data: Comparisons | pd.DataFrame | str | os.PathLike[str], *,
                    smoothing: float = 0.5, **columns: Any) -> pd.Series:
    r"""Classification-style scores: the logit of each item's marginal win rate.

    Sun, Shen & Ton (2024) show that a reward model need only order responses consistently
    with the truth, and that a classifier trained on each response's marginal outcome (won
    or lost, whatever the opponent) does so.  Its population version is the logit of the
    item's win rate, a baseline against a Bradley-Terry fit.

    Parameters
    ----------
    data : DataFrame, Comparisons or path
        The comparisons.
    smoothing : float
        Pseudo-count added to the wins and to the losses (``0.5``: the Haldane-Anscombe
        correction), so that an item that never loses gets a finite score.
    **columns
        Column roles.

    Returns
    -------
    pandas.Series
        ``logit((wins + ties / 2 + smoothing) / (games + 2 smoothing))`` per item, centred
        to sum to zero.

    References
    ----------
    .. [1] Sun, H., Shen, Y., Ton, J.-F. (2024). Rethinking Bradley-Terry models in
       preference-based reward modeling: foundations, theory, and alternatives.
       arXiv:2411.04991.

    Examples
    --------
    >>> import btstats
    >>> from btstats.evaluation import win_rate_scores
    >>> win_rate_scores(btstats.load_example("citations")).round(3)
    Biometrika      0.998
    Comm Statist   -2.555
    JASA            0.535
    JRSS-B          1.021
    Name: win_rate_score, dtype: float64
    """
    smoothing = float(_v.check_number(smoothing, "smoothing", low=0.0))
    comp = as_comparisons(data, **columns)
    rec = comp.record_counts()
    wins = rec["wins"].to_numpy() + 0.5 * rec["ties"].to_numpy()
    games = rec["wins"].to_numpy() + rec["losses"].to_numpy() + rec["ties"].to_numpy()
    with np.errstate(divide="ignore"):
        sc = np.log(wins + smoothing) - np.log(games - wins + smoothing)
    if not np.all(np.isfinite(sc)):
        raise DataError("an item never wins or never loses: pass smoothing > 0.")
    return pd.Series(sc - sc.mean(), index=comp.items, name="win_rate_score")


@dataclass(frozen=True)
class OrderConsistency(ResultBase):
    """How alike two score vectors order the items (see :func:`order_consistency`).

    A description of two given vectors, with no sampling model behind it: it has no
    ``confidence_interval``.
    """

    kendall_tau: float
    fraction_concordant: float
    n_items: int
    n_pairs: int
    n_tied: int

    _summary_title = "Order consistency"

    def to_frame(self):
        """One row ``value`` with the five fields as columns."""
        return pd.DataFrame({"kendall_tau": [self.kendall_tau],
                             "fraction_concordant": [self.fraction_concordant],
                             "n_items": [self.n_items], "n_pairs": [self.n_pairs],
                             "n_tied": [self.n_tied]}, index=pd.Index(["value"]))


def order_consistency(x: pd.Series | ArrayLike, y: pd.Series | ArrayLike
                      ) -> OrderConsistency:
    r"""Kendall's tau and the share of item pairs ordered alike by two score vectors.

    Parameters
    ----------
    x, y : pandas.Series or array_like
        Scores.  Two Series are aligned on their common labels; arrays must be equally long.

    Returns
    -------
    OrderConsistency
        ``kendall_tau`` (tau-b, :func:`scipy.stats.kendalltau`), ``fraction_concordant``
        (concordant pairs over pairs untied in both), ``n_items``, ``n_pairs`` (all item
        pairs) and ``n_tied`` (pairs tied in either vector, left out of the fraction).

    Raises
    ------
    DataError
        For fewer than two items (in common), non-finite or repeated-label scores, and when
        the statistics are undefined: a constant score vector (every pair tied).

    Notes
    -----
    Sun, Shen & Ton (2024) call the probability that a scorer orders a random pair as the
    truth does its *order consistency*; it is what a reward model used for best-of-n or
    policy optimisation needs, whatever the scale of its scores.  Counted over all pairs in
    ``O(n**2)`` compiled loops.

    Examples
    --------
    >>> from btstats.evaluation import order_consistency
    >>> res = order_consistency([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0])
    >>> round(res.kendall_tau, 4), round(res.fraction_concordant, 4), res.n_pairs
    (0.6667, 0.8333, 6)
    """
    from scipy.stats import kendalltau

    if isinstance(x, pd.Series) and isinstance(y, pd.Series):
        for v, name in ((x, "x"), (y, "y")):
            if v.index.has_duplicates:
                dup = v.index[v.index.duplicated()].unique()[:5].tolist()
                raise DataError(f"`{name}` must have one score per item; repeated labels: "
                                f"{dup}.")
        common = x.index.intersection(y.index)
        try:
            xv = x.loc[common].to_numpy(dtype=float)
            yv = y.loc[common].to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"`x` and `y` must hold numbers (scores); {exc}.") from exc
    else:
        try:
            xv = np.asarray(x, dtype=float)
            yv = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"`x` and `y` must hold numbers (scores); {exc}.") from exc
        if xv.shape != yv.shape or xv.ndim != 1:
            raise DataError(f"`x` and `y` must be one-dimensional and equally long; got "
                            f"{xv.shape} and {yv.shape}.")
    if xv.shape[0] < 2:
        raise DataError("order consistency needs at least two items (in common).")
    if not (np.all(np.isfinite(xv)) and np.all(np.isfinite(yv))):
        raise DataError("scores must be finite.")
    con, dis, tied = _ka.pair_order_counts(np.ascontiguousarray(xv), np.ascontiguousarray(yv))
    n = xv.shape[0]
    for v, name in ((xv, "x"), (yv, "y")):
        if np.all(v == v[0]):
            raise DataError(f"`{name}` gives every item the same score, so every pair is tied "
                            f"and Kendall's tau is undefined (0 / 0).")
    frac = con / (con + dis)        # > 0: with neither vector constant some pair is untied
    tau = float(kendalltau(xv, yv).statistic)
    return OrderConsistency(kendall_tau=tau, fraction_concordant=float(frac), n_items=int(n),
                            n_pairs=int(n * (n - 1) // 2), n_tied=int(tied))
