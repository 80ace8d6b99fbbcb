"""Model-implied ceilings: expected agreement, the Bayes accuracy ceiling, the entropy and
the smallest Brier score of a design under a fitted or true model."""
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .. import _validation as _v
from .._kernels import annotators as _ka
from .._kernels import ceilings_families as _kcf
from ..data.comparisons import Comparisons
from ..exceptions import DataError
from ..models.model import Model, _as_scores, _outcomes_iv, get_model, pairwise_model
from .._intervals import symmetric_root
from .._results import ResultBase
from ._common import CEILING_STATISTICS, GRADE_STATISTICS


# =========================================================================== ceilings
@dataclass(frozen=True, eq=False)
class Ceilings(ResultBase):
    r"""Model-implied agreement and the best achievable held-out scores (see :func:`ceilings`).

    Attributes
    ----------
    agreement : float
        Expected agreement of two independent labels: mean of ``P(a)**2 + P(b)**2 +
        P(tie)**2``.
    agreement_no_ties : float
        Expected agreement over pairs of decisive labels:
        ``sum (P(a)**2 + P(b)**2) / sum (P(a) + P(b))**2``.
    accuracy : float
        Bayes accuracy ceiling over all labels: mean of ``max(P(a), P(b), P(tie))``.
    accuracy_no_ties : float
        Bayes ceiling of the accuracy on decisive labels:
        ``sum max(P(a), P(b)) / sum (P(a) + P(b))``.
    log_loss, log_loss_no_ties : float
        Smallest expected log loss (nats): the mean entropy of the labels, and of the
        decisive labels given that they are decisive.
    brier, brier_no_ties : float
        Smallest expected Brier score: ``1 - agreement`` (multi-class Brier over the three
        outcomes) and the binary Brier score ``r (1 - r)``, ``r = P(a) / (P(a) + P(b))``, on
        decisive labels.
    n_comparisons : float
        Total weight of the design's comparisons.
    draws : ndarray or None
        ``(n_draws, 8)`` values of the eight quantities over draws of the scores (``(n_draws,
        12)`` with the four grade quantities of a graded family, in :attr:`statistics` order).
    n_categories : int or None
        Number of outcome categories ``K`` of the model's family (2: binary, 3: ties, more:
        grades).
    agreement_grades, accuracy_grades, log_loss_grades, brier_grades : float
        For a graded family with ``K > 3`` categories, the same quantities over the ``K``
        grades instead of the three outcomes: the probability that two independent labels
        give the same grade ``sum_k p_k**2``, the Bayes accuracy of predicting the exact
        grade ``max_k p_k``, the entropy of the grade and ``1 - agreement_grades``, each a
        weighted mean over the comparisons.  ``NaN`` for ``K <= 3``, where the grades are
        the outcomes (they would equal ``agreement``, ``accuracy``, ``log_loss``, ``brier``).

    Notes
    -----
    For every family the eight main quantities are defined on the *outcome* of a
    comparison, its categories collapsed by side: ``P(a) = sum_{k > (K - 1) / 2} P(k)``
    (a better, by any grade), ``P(b)`` likewise, ``P(tie) = P(k = (K - 1) / 2)`` (odd ``K``;
    0 for even ``K``).  So a graded model's ceilings compare with :func:`agreement` of the
    three outcomes and with the accuracy of a scorer that predicts who wins
    (:func:`btstats.evaluation.evaluate`); the ``*_grades`` quantities are those of the
    exact grades.
    """

    agreement: float
    agreement_no_ties: float
    accuracy: float
    accuracy_no_ties: float
    log_loss: float
    log_loss_no_ties: float
    brier: float
    brier_no_ties: float
    n_comparisons: float
    model: str
    draws: np.ndarray | None = field(repr=False, default=None)
    source: str = field(repr=False, default="scores")
    n_categories: int | None = field(repr=False, default=None)
    agreement_grades: float = field(repr=False, default=math.nan)
    accuracy_grades: float = field(repr=False, default=math.nan)
    log_loss_grades: float = field(repr=False, default=math.nan)
    brier_grades: float = field(repr=False, default=math.nan)

    @property
    def statistics(self):
        """Names of the quantities with estimates and intervals, in the order of the draws:
        the eight of every family, then the four grade quantities when ``K > 3``."""
        if self.n_categories is not None and self.n_categories > 3:
            return CEILING_STATISTICS + GRADE_STATISTICS
        return CEILING_STATISTICS

    @property
    def estimates(self):
        return np.array([getattr(self, k) for k in self.statistics])

    def confidence_interval(self, confidence_level=0.95, *, interval="basic"):
        """Intervals from the draws of the scores (``NaN`` without draws).

        Parameters
        ----------
        confidence_level : float
            Coverage aimed at.
        interval : {"basic", "percentile"}
            ``"basic"`` (default): ``[2 c - q_high, 2 c - q_low]`` with ``c`` the plug-in
            value and ``q`` the quantiles of the draws.  The ceilings are convex in the
            score gaps, so draws around the estimate sit above it as the estimate sits above
            the truth; the basic interval undoes that shift.  ``"percentile"``:
            ``[q_low, q_high]``.

        Returns
        -------
        ConfidenceInterval
            ``low`` and ``high`` as Series by quantity (:attr:`statistics`).
        """
        _v.check_choice(interval, "interval", ("basic", "percentile"))
        return self._interval(interval, pd.Index(self.statistics, name="quantity"),
                              estimate=self.estimates, draws=self.draws,
                              confidence_level=confidence_level)

    def bias(self):
        """Mean of the draws minus the plug-in value: the estimated upward bias of each
        quantity (``NaN`` without draws)."""
        names = pd.Index(self.statistics, name="quantity")
        if self.draws is None:
            return pd.Series(np.nan, index=names, name="bias")
        return pd.Series(np.nanmean(self.draws, axis=0) - self.estimates, index=names,
                         name="bias")

    def standard_errors(self):
        """Standard deviation of each quantity over the draws (``NaN`` without draws)."""
        names = pd.Index(self.statistics, name="quantity")
        if self.draws is None or self.draws.shape[0] < 2:
            return pd.Series(np.nan, index=names, name="se")
        return pd.Series(np.nanstd(self.draws, axis=0, ddof=1), index=names, name="se")

    def to_frame(self, confidence_level=0.95, *, interval="basic"):
        """The eight quantities (twelve for a graded family) with their bias estimate and
        intervals (columns ``estimate, bias, low, high``), one row each."""
        ci = self.confidence_interval(confidence_level, interval=interval)
        df = pd.DataFrame({"estimate": self.estimates, "bias": self.bias().to_numpy()},
                          index=pd.Index(self.statistics, name="quantity"))
        return pd.concat([df, ci.to_frame()], axis=1)

    # summary() and _repr_html_() come from ResultBase: the quantities by row, all labels /
    # decisive labels (/ the grades) by column, each cell "estimate [low, high]"
    _frame_format = {}
    _SUMMARY_ROWS = (("labeler agreement", "agreement"), ("Bayes accuracy ceiling", "accuracy"),
                     ("smallest log loss (nats)", "log_loss"),
                     ("smallest Brier score", "brier"))

    @property
    def _summary_title(self):
        return f"Model-implied ceilings ({self.model}, {self.n_comparisons:g} comparisons)"

    def _header(self):
        if self.draws is None:
            return [("intervals", "none (no draws of the scores)")]
        return [("draws", f"{self.draws.shape[0]} of the scores: {self.source}")]

    def _summary_frame(self, confidence_level=0.95, *, interval="basic"):
        ci = self.confidence_interval(confidence_level, interval=interval)
        columns = {"all labels": "", "decisive labels": "_no_ties"}
        if GRADE_STATISTICS[0] in self.statistics:
            columns[f"{self.n_categories} grades"] = "_grades"

        def cell(key):
            lo, hi = ci.low[key], ci.high[key]
            iv = f" [{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) else ""
            return f"{getattr(self, key):.4f}{iv}"

        frame = pd.DataFrame({col: [cell(key + end) for _, key in self._SUMMARY_ROWS]
                              for col, end in columns.items()},
                             index=[label for label, _ in self._SUMMARY_ROWS])
        if self.draws is not None:
            frame.columns.name = f"{100 * ci.confidence_level:g}% {interval} intervals"
        return frame


def _ceiling_values(sums, total):
    """The eight quantities from the kernel's weighted sums (last axis of length 9)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        agree = sums[..., 0] / total
        return np.stack([agree, sums[..., 1] / sums[..., 2], sums[..., 3] / total,
                         sums[..., 4] / sums[..., 5], sums[..., 6] / total,
                         sums[..., 7] / sums[..., 5], 1.0 - agree,
                         sums[..., 8] / sums[..., 5]], axis=-1)


def _design_arrays(design, items, n_items):
    """``(pi, pj, w)``: the design's comparisons as codes into ``items`` with weights."""
    if isinstance(design, Comparisons):
        p = design.pairs
        w = p.wab + p.wba + p.tie
        if items is not None and not design.items.equals(items):
            idx = items.get_indexer(design.items)
            if np.any(idx < 0):
                unknown = list(design.items[idx < 0][:5])
                raise KeyError(f"the design compares items the scores do not have: {unknown}.")
            return idx[p.pi].astype(np.int64), idx[p.pj].astype(np.int64), w
        return p.pi.astype(np.int64), p.pj.astype(np.int64), w
    if hasattr(design, "a") and hasattr(design, "b") and not isinstance(design, pd.DataFrame):
        pairs = np.column_stack([np.asarray(design.a), np.asarray(design.b)])
    elif isinstance(design, pd.DataFrame):
        return _design_arrays(Comparisons.from_frame(design), items, n_items)
    else:
        pairs = design
    from ..models.model import _as_pairs

    a, b = _as_pairs(pairs, n_items, name="design")
    if a.shape[0] == 0:
        raise DataError("`design` is empty: give at least one comparison.")
    return a.astype(np.int64), b.astype(np.int64), np.ones(a.shape[0])


def _draws_from(bootstrap, n_items, has_ties):
    """(score draws (D x n), eta draws or None) from an array or a bootstrap result."""
    arr = getattr(bootstrap, "bootstrap_distribution", bootstrap)
    try:
        arr = np.asarray(arr, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError("`bootstrap` must be an array of score draws (n_draws x n_items) or "
                        "a result with a `bootstrap_distribution` attribute.") from exc
    if arr.ndim != 2 or arr.shape[1] not in (n_items, n_items + 1):
        raise DataError(f"`bootstrap` draws must have shape (n_draws, {n_items}) (or "
                        f"{n_items + 1} columns with theta last); got {arr.shape}.")
    ok = np.all(np.isfinite(arr), axis=1)
    arr = arr[ok]
    if arr.shape[0] == 0:
        raise DataError("`bootstrap` holds no finite draw.")
    theta = None
    if arr.shape[1] == n_items + 1:
        theta = arr[:, -1]
        arr = arr[:, :-1]
        if not has_ties:
            raise DataError("`bootstrap` has a theta column but the model has no ties.")
        if np.any(theta < 1.0):
            raise DataError("the last column of `bootstrap` is read as theta (>= 1), but it "
                            "holds values below 1. Pass score draws only, or theta draws.")
    return np.ascontiguousarray(arr), theta


def _is_general_fit(source):
    """Whether ``source`` is a fit of the general model core (:class:`btstats.estimation.core.CoreFit`:
    Davidson ties, graded outcomes, order effects), read through its public ``params``,
    ``n_categories`` and ``order_effect``."""
    return isinstance(getattr(source, "params", None), pd.Series) and \
        hasattr(source, "n_categories") and hasattr(source, "order_effect")


def _family_spec(fit):
    """``(family code, link, K, h, theta, names)`` of a fit of the general core: the kernels'
    view of ``fit.params`` (``h`` the order effect, 0 without one; ``theta`` the family
    parameters, thresholds or Davidson's ``nu``; ``names`` those of ``fit.params``)."""
    if getattr(fit, "covariates", ()):
        raise ValueError(f"this is not yet available for fits with comparison-level "
                         f"covariates ({list(fit.covariates)}): the outcome probabilities "
                         f"depend on each comparison's covariate values. Refit without "
                         f"covariates= for this.")
    mdl = get_model(fit.model)
    fam = mdl.family.code
    params = fit.params
    names = [str(k) for k in params.index]
    vals = params.to_numpy(dtype=float)
    h = float(vals[names.index("h")]) if "h" in names else 0.0
    theta = np.array([v for k, v in zip(names, vals) if k != "h"], dtype=float)
    return fam, mdl.link, int(fit.n_categories), h, theta, names


def _project_params(family, names, d):
    """Draws of ``fit.params`` (columns ``names``) to ``(h, theta)`` draws inside the family's
    parameter space (:meth:`btstats.models.families.Family.project`: ``nu >= 0``; thresholds
    ``0 <= t_1 <= ... <= t_p``, each clipped at 0 and at the one before, as the Rao-Kupper
    ``eta`` is clipped at 0)."""
    h = d[:, names.index("h")] if "h" in names else np.zeros(d.shape[0])
    cols = [c for c, k in enumerate(names) if k != "h"]
    theta = family.project(d[:, cols])
    return np.ascontiguousarray(h, dtype=float), np.ascontiguousarray(theta, dtype=float)


def _design_rows(design, items, n_items, need_order):
    """``(pi, pj, po, w)``: the design's comparisons as codes into ``items``, with their order
    indicators and weights, oriented ``pi < pj`` (the order negated) and summed over
    repeats of the same ``(pair, order)`` (every ceiling term is mirror-symmetric)."""
    what = ("the model has an order effect, so `design` needs the order of each comparison: "
            "a Comparisons (or DataFrame) with an order column, an (m, 3) array of (a, b, "
            "order) or an object with arrays `a`, `b` and `order` (+1: a at home / shown "
            "first, -1: b, 0: neutral).")
    if isinstance(design, pd.DataFrame):
        design = Comparisons.from_frame(design)
    o = None
    if isinstance(design, Comparisons):
        a, b, _, weight = design.rows()
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        w = np.ones(a.shape[0]) if weight is None else np.asarray(weight, dtype=float)
        extra = design.extra
        if extra is not None and "order" in extra.columns:
            o = extra["order"].to_numpy(dtype=float)
        if items is not None and not design.items.equals(items):
            idx = items.get_indexer(design.items)
            if np.any(idx < 0):
                unknown = list(design.items[idx < 0][:5])
                raise KeyError(f"the design compares items the scores do not have: {unknown}.")
            a, b = idx[a].astype(np.int64), idx[b].astype(np.int64)
        elif items is None and design.n_items > n_items:
            raise DataError(f"the design has {design.n_items} items but there are "
                            f"{n_items} scores; give the scores as a Series by item label.")
    else:
        from ..models.model import _as_pairs

        if hasattr(design, "a") and hasattr(design, "b"):
            pairs = np.column_stack([np.asarray(design.a), np.asarray(design.b)])
            o = getattr(design, "order", None)
        else:
            pairs = np.asarray(design)
            if pairs.ndim == 2 and pairs.shape[1] == 3:
                pairs, o = pairs[:, :2], pairs[:, 2]
        a, b = _as_pairs(pairs, n_items, name="design")
        if a.shape[0] == 0:
            raise DataError("`design` is empty: give at least one comparison.")
        a, b = a.astype(np.int64), b.astype(np.int64)
        w = np.ones(a.shape[0])
        if o is not None:
            try:
                o = np.asarray(o, dtype=float).reshape(-1)
            except (TypeError, ValueError) as exc:
                raise DataError(f"the order indicators of `design` must be numbers; {exc}."
                                ) from exc
            if o.shape[0] != a.shape[0] or not np.all(np.isfinite(o)):
                raise DataError(f"the order indicators of `design` must be finite, one per "
                                f"comparison ({a.shape[0]}); got {o.shape[0]}.")
    if o is None:
        if need_order:
            raise DataError(what)
        o = np.zeros(a.shape[0])
    keep = w > 0
    a, b, o, w = a[keep], b[keep], o[keep], w[keep]
    flip = a > b
    key = np.column_stack([np.where(flip, b, a), np.where(flip, a, b)]).astype(float)
    key = np.column_stack([key, np.where(flip, -o, o)])
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    cw = np.bincount(inv.reshape(-1), weights=w, minlength=uniq.shape[0])
    return (np.ascontiguousarray(uniq[:, 0], dtype=np.int64),
            np.ascontiguousarray(uniq[:, 1], dtype=np.int64),
            np.ascontiguousarray(uniq[:, 2]), np.ascontiguousarray(cw))


def _parametric_draws(fit, mean_of, n_draws, n_params, per_draw, rng):
    """``n_draws`` multivariate-normal draws from the fit's ``parameter_covariance`` around
    ``mean_of(cov)`` (a symmetric square root, so a singular covariance is fine); the memory
    asked for (``per_draw`` extra floats per draw besides ``3 n_params``) is checked first."""
    _v.check_memory(8 * int(n_draws) * (3 * n_params + per_draw), "n_draws", n_draws,
                    f"{int(n_draws):,} parametric draws of {n_params:,} parameters",
                    "Use n_draws=1000 (the default) or fewer; 0 for point values only.")
    try:
        cov = fit.parameter_covariance.to_numpy(dtype=float)
    except (MemoryError, np.linalg.LinAlgError) as exc:
        raise type(exc)(f"parametric draws need the fit's covariance, which is not "
                        f"available ({str(exc).splitlines()[0]}); pass n_draws=0 for "
                        f"point values or bootstrap= draws.") from exc
    root = symmetric_root(*np.linalg.eigh(0.5 * (cov + cov.T)))
    z = rng.standard_normal((int(n_draws), cov.shape[0]))
    return mean_of(cov) + z @ root.T


def _general_draws_from(bootstrap, n_items, names):
    """(score draws (D x n), parameter draws (D x len(names)) or None) from an array or a
    bootstrap result of a fit of the general core: scores, then the columns of
    ``fit.params`` (by name when the result has an ``estimate`` Series; a ``theta`` column
    stands for ``eta = log(theta)``)."""
    arr = getattr(bootstrap, "bootstrap_distribution", bootstrap)
    try:
        arr = np.asarray(arr, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError("`bootstrap` must be an array of draws (n_draws x (n_items + "
                        "n_params)) or a result with a `bootstrap_distribution` attribute."
                        ) from exc
    p = len(names)
    if arr.ndim != 2 or arr.shape[1] not in (n_items, n_items + p):
        raise DataError(f"`bootstrap` draws must have shape (n_draws, {n_items}) (scores "
                        f"only) or (n_draws, {n_items + p}) (scores, then {names}); got "
                        f"{arr.shape}.")
    arr = arr[np.all(np.isfinite(arr), axis=1)]
    if arr.shape[0] == 0:
        raise DataError("`bootstrap` holds no finite draw.")
    if arr.shape[1] == n_items:
        return np.ascontiguousarray(arr), None
    est = getattr(bootstrap, "estimate", None)
    given = [str(k) for k in est.index[n_items:]] if isinstance(est, pd.Series) and \
        len(est) == arr.shape[1] else names
    cols = []
    for k in names:
        if k in given:
            cols.append(arr[:, n_items + given.index(k)])
        elif k == "eta" and "theta" in given:
            th = arr[:, n_items + given.index("theta")]
            if np.any(th < 1.0):
                raise DataError("the theta column of `bootstrap` holds values below 1.")
            cols.append(np.log(th))
        else:
            raise DataError(f"`bootstrap` has the parameter columns {given}; the fit's are "
                            f"{names}.")
    return np.ascontiguousarray(arr[:, :n_items]), np.column_stack(cols)


def _grade_values(sums, total):
    """The four grade quantities from the category sums (columns 9 .. 11) of
    :func:`._kernels.ceilings_families.ceiling_sums`."""
    with np.errstate(invalid="ignore", divide="ignore"):
        agree = sums[..., 9] / total
        return np.stack([agree, sums[..., 10] / total, sums[..., 11] / total, 1.0 - agree],
                        axis=-1)


def _params_spec(mdl, params, n_categories, theta):
    """The kernels' view ``(family code, link, K, h, theta, names)`` of plain scores' model:
    ``params`` named as :attr:`btstats.estimation.core.CoreFit.params` (``h``, ``eta``, ``nu``,
    ``t1 .. tp``), ``n_categories`` for a graded model, ``theta`` (Rao-Kupper's) allowed for
    the threshold-tie models instead of ``eta``."""
    spec = _outcomes_iv(mdl, params, n_categories, theta, "theta")
    return spec.family, mdl.link, spec.n_categories, spec.h, spec.theta, list(spec.names)


def _general_ceilings(spec, s, items, design, bootstrap, n_draws, rng, *, fit=None,
                      model=None):
    """:func:`ceilings` through the outcome families (any family, order effects): of a fit
    of the general core (``fit``) or of plain scores with ``params``."""
    fam, link, k_cat, h, theta, names = spec
    n = s.shape[0]
    pi, pj, po, w = _design_rows(design, items, n, "h" in names)
    total = float(w.sum())
    out = np.empty((1, _kcf.N_SUMS))
    _kcf.ceiling_sums(fam, link, k_cat, s[None, :], np.array([h]), theta[None, :], pi, pj, po,
                      w, out)
    est = [float(x) for x in _ceiling_values(out[0], total)]
    grades = [float(x) for x in _grade_values(out[0], total)] if k_cat > 3 else \
        [math.nan] * 4
    label = "fit" if fit is not None else "scores"
    rest = iter(theta)
    mean_p = np.array([h if k == "h" else next(rest) for k in names], dtype=float)
    draws_s = draws_p = None
    if bootstrap is not None:
        draws_s, draws_p = _general_draws_from(bootstrap, n, names)
        label = "bootstrap"
    elif fit is not None and n_draws > 0:
        d = _parametric_draws(fit, lambda cov: np.concatenate([s, mean_p]), n_draws,
                              n + len(names), 24, rng)
        draws_s, draws_p = np.ascontiguousarray(d[:, :n]), d[:, n:]
        label = "parametric (multivariate normal from the fit's covariance)"
    draws = None
    if draws_s is not None:
        if draws_p is None:
            draws_p = np.tile(mean_p, (draws_s.shape[0], 1))
        dh, dtheta = _project_params(get_model(model).family, names, draws_p)
        sums = np.empty((draws_s.shape[0], _kcf.N_SUMS))
        _kcf.ceiling_sums(fam, link, k_cat, draws_s, dh, dtheta, pi, pj, po, w, sums)
        draws = _ceiling_values(sums, total)
        if k_cat > 3:
            draws = np.concatenate([draws, _grade_values(sums, total)], axis=1)
    return Ceilings(*est, n_comparisons=total, model=model, draws=draws, source=label,
                    n_categories=k_cat, agreement_grades=grades[0], accuracy_grades=grades[1],
                    log_loss_grades=grades[2], brier_grades=grades[3])


def ceilings(source: Any, design: Any = None, *, model: str | Model | None = None,
             theta: float | None = None, bootstrap: Any = None,
             theta_draws: ArrayLike | None = None, n_draws: int = 1000,
             rng: int | np.random.Generator | None = None, params: Any = None,
             n_categories: int | None = None) -> Ceilings:
    r"""Model-implied labeler agreement and the Bayes ceilings of held-out scores.

    Parameters
    ----------
    source : PairwiseFit, or array_like / pandas.Series of scores
        A fit (its model, scores and tie parameter are used; for a fit of the general core,
        :class:`btstats.estimation.core.CoreFit`, its family and ``params``: Davidson ties, graded
        outcomes, an order effect), or true scores (with ``model`` and, for Rao-Kupper,
        ``theta``, or ``params``).  Anything with ``scores`` (a Series) and ``model``
        attributes counts as a fit.
    design : Comparisons, DataFrame, Design or array_like, optional
        The comparisons to average over: a :class:`~btstats.Comparisons` (its pairs weighted
        by their number of comparisons, ties included), an ``(m, 2)`` array of item codes,
        or an object with arrays ``a`` and ``b`` (:class:`btstats.simulate.Design`).
        Default: the comparisons the fit was made on.  With an order effect every
        comparison needs its order indicator (+1: ``a`` at home / shown first, -1: ``b``,
        0: neutral): the ``order`` column of a Comparisons, the third column of an
        ``(m, 3)`` array ``(a, b, order)``, or an ``order`` array beside ``a`` and ``b``.
    model : str, optional
        The model for plain scores (default ``"bradley-terry"``); ignored for a fit.
    theta : float, optional
        Rao-Kupper tie parameter for plain scores.
    bootstrap : BootstrapResult or array_like, optional
        Draws of the scores for intervals: an ``(n_draws, n_items)`` array of centred scores
        (or ``n_items + 1`` columns with ``theta`` last) or any object with such a
        ``bootstrap_distribution`` attribute.  For a fit of the general core (or plain
        scores with ``params``) the columns after the scores are those of ``fit.params``
        (``h``, ``eta`` / ``nu`` / ``t1 .. tp``), matched by name when the object has an
        ``estimate`` Series; with score columns only the parameters stay at their estimates.
    theta_draws : array_like, optional
        Draws of ``theta`` matching ``bootstrap`` (for a tie model, when the array has no
        theta column).
    n_draws : int
        Without ``bootstrap``, the number of parametric draws of the scores from the fit's
        covariance (multivariate normal, and ``eta = log theta`` jointly for Rao-Kupper);
        0 for none.  Plain scores get no intervals unless ``bootstrap`` is given.
    rng : None, int or numpy.random.Generator
        Seed of the parametric draws.
    params : dict or pandas.Series, optional
        For plain scores, the parameters of the model beyond the scores, named as in
        :attr:`btstats.estimation.core.CoreFit.params`: ``"h"`` an order effect, ``"eta"`` the threshold
        of a tie model (or ``theta``), ``"nu"`` Davidson's tie parameter (required for
        ``model="davidson"``), ``"t1" .. "tp"`` the thresholds of ``model="graded"``
        (``0 <= t1 <= ... <= tp``).
    n_categories : int, optional
        For plain scores of a graded model, its number of grades: ``2p + 1`` (the default,
        grade 0 a tie) or ``2p + 2`` with ``p`` thresholds.

    Returns
    -------
    Ceilings

    Notes
    -----
    For comparison ``k`` with outcome probabilities ``p_k = (P(a), P(tie), P(b))`` under the
    model, and weights ``w_k`` (the number of comparisons of that pair)::

        agreement = sum_k w_k sum_o p_ko**2 / sum_k w_k     two independent labels agree
        accuracy  = sum_k w_k max_o p_ko    / sum_k w_k     Bayes accuracy ceiling
        log_loss  = sum_k w_k H(p_k)        / sum_k w_k     entropy: the log-loss floor

    The Bayes ceiling is the held-out accuracy of the rule "predict the most probable label",
    which no scorer beats in expectation on labels drawn from the model; the entropy is the
    same bound for the log loss.  Agreement is lower than the accuracy ceiling whenever
    labels are noisy: with ``P(a) = p > 1/2`` and no ties, ``p**2 + (1 - p)**2 < p``.  So a
    scorer whose held-out accuracy exceeds the labelers' agreement is not overfit for that
    reason; only accuracy above the Bayes ceiling (beyond noise) is suspicious.

    The ``_no_ties`` versions restrict to decisive labels, as the "without ties" agreement
    and an accuracy that ignores tie labels do: ``agreement_no_ties = sum w (P(a)**2 +
    P(b)**2) / sum w (P(a) + P(b))**2`` and ``accuracy_no_ties = sum w max(P(a), P(b)) /
    sum w (P(a) + P(b))``.

    Every outcome family enters through its outcome probabilities.  For a comparison with
    the linear predictor ``z = s_a - s_b + h o`` (``o`` its order indicator, ``h = 0``
    without an order effect) the family gives ``P(k)`` for its ``K`` categories
    (:func:`btstats._kernels.families.log_probabilities`), and the outcome collapses them by
    side: ``P(a) = sum_{k > (K - 1) / 2} P(k)``, ``P(b) = sum_{k < (K - 1) / 2} P(k)``,
    ``P(tie) = P((K - 1) / 2)`` for odd ``K`` (0 for even ``K``).  So for a graded model
    ``agreement`` is the probability that two independent labels agree on who is better
    (or on a tie), whatever their grades, and ``accuracy`` the ceiling of a scorer that
    predicts who wins (the outcome, as :func:`agreement` and
    :func:`btstats.evaluation.evaluate` count).  With ``K > 3`` grades the same four
    quantities over the exact grades are reported as well (``agreement_grades``: two labels
    give the same grade, ``sum_k P(k)**2``; ``accuracy_grades``: ``max_k P(k)``;
    ``log_loss_grades``: the entropy of the grade; ``brier_grades = 1 -
    agreement_grades``).  For the binary and tie families (``K <= 3``) the two coincide.

    The parametric draws of a fit of the general core are drawn jointly for the scores and
    ``fit.params`` from :attr:`PairwiseFit.parameter_covariance`; a drawn ``nu`` or
    threshold below 0 is set to 0 and a threshold below the one before it to that one (as
    the Rao-Kupper ``eta`` is clipped at 0), so every draw is a valid model.

    Ceilings computed from fitted scores are plug-in estimates: the max and the squares are
    convex in the score gaps, so noise in the scores biases them upward (by about
    :meth:`Ceilings.bias`, the mean of the draws minus the estimate).  The default intervals
    are basic bootstrap intervals over the draws, which correct for that shift
    (:meth:`Ceilings.confidence_interval`).

    Examples
    --------
    Two items with ``P(a) = 0.8``, i.e. a score gap of ``logit(0.8)``:

    >>> import math
    >>> from btstats.agreement import ceilings
    >>> res = ceilings([math.log(4), 0.0], [[0, 1]])
    >>> round(res.agreement, 4), round(res.accuracy, 4), round(res.log_loss, 4)
    (0.68, 0.8, 0.5004)

    Five grades (cumulative logit, thresholds 0.5 and 2) at a gap of 0.5: the side is
    guessed right half the time, the exact grade less than a third of the time:

    >>> res = ceilings([0.5, 0.0], [[0, 1]], model="graded", params={"t1": 0.5, "t2": 2.0})
    >>> round(res.accuracy, 4), round(res.accuracy_grades, 4), res.n_categories
    (0.5, 0.3176, 5)
    """
    rng = _v.as_generator(rng)
    _v.check_number(n_draws, "n_draws", low=0, integer=True)
    if isinstance(source, pd.DataFrame):
        raise TypeError(f"`source` must be a fit (e.g. btstats.fit(df)) or true scores (a "
                        f"Series by item); got a DataFrame with columns "
                        f"{list(source.columns)[:6]}. For comparison data, fit them first: "
                        f"ceilings(btstats.fit(df)).")
    is_fit = hasattr(source, "scores") and hasattr(source, "model") and \
        isinstance(getattr(source, "scores"), pd.Series)
    if is_fit and _is_general_fit(source):
        spec = _family_spec(source)
        if theta_draws is not None:
            raise ValueError(f"`theta_draws` applies to the pair-count models; for the "
                             f"{source.model} fit pass draws of its parameters as the last "
                             f"columns of `bootstrap` (the scores, then {spec[5]}).")
        if params is not None or n_categories is not None:
            raise ValueError("`params` and `n_categories` are for plain scores; a fit brings "
                             "its own.")
        if design is None:
            design = getattr(source, "comparisons", None)
            if design is None:
                raise DataError("give `design`: the source has no comparisons to average "
                                "over.")
        # centred as plain scores are below (a fit's scores sum to zero only up to
        # rounding): a fit and its scores with its params give the same numbers, bit for bit
        s = source.scores.to_numpy(dtype=float)
        s = np.ascontiguousarray(s - s.mean())
        return _general_ceilings(spec, s, source.scores.index, design, bootstrap,
                                 int(n_draws), rng, fit=source, model=source.model)
    if not is_fit and (params is not None or n_categories is not None or
                       not get_model("bradley-terry" if model is None else model
                                     ).pairwise_kernel):
        mdl = get_model("bradley-terry" if model is None else model)
        spec = _params_spec(mdl, params, n_categories, theta)
        if theta_draws is not None:
            raise ValueError(f"`theta_draws` does not apply with `params`; pass draws of "
                             f"{spec[5]} as the last columns of `bootstrap`.")
        s = _as_scores(source)
        s = np.ascontiguousarray(s - s.mean())
        if design is None:
            raise DataError("give `design`: the comparisons to average over (e.g. a "
                            "Comparisons, or an (m, 2) array of item codes).")
        return _general_ceilings(spec, s, source.index if isinstance(source, pd.Series)
                                 else None, design, bootstrap, int(n_draws), rng,
                                 model=mdl.name)
    if is_fit:
        mdl = pairwise_model(source.model, "ceilings", source)
        scores = source.scores
        items = scores.index
        s = scores.to_numpy(dtype=float)
        s = np.ascontiguousarray(s - s.mean())      # as plain scores (see above)
        eta_hat = getattr(source, "eta", None)
        eta = float(eta_hat) if (mdl.has_ties and eta_hat is not None) else 0.0
        if design is None:
            comps = getattr(source, "comparisons", None)
            if comps is None:
                raise DataError("give `design`: the source has no comparisons to average "
                                "over.")
            design = comps
        label = "fit"
    else:
        mdl = pairwise_model("bradley-terry" if model is None else model, "ceilings")
        items = source.index if isinstance(source, pd.Series) else None
        s = _as_scores(source)
        s = np.ascontiguousarray(s - s.mean())
        from ..models.model import _eta_from_theta

        eta = _eta_from_theta(mdl, theta)
        if design is None:
            raise DataError("give `design`: the comparisons to average over (e.g. a "
                            "Comparisons, or an (m, 2) array of item codes).")
        label = "scores"
    n = s.shape[0]
    pi, pj, w = _design_arrays(design, items, n)
    keep = w > 0
    pi, pj, w = (np.ascontiguousarray(x[keep]) for x in (pi, pj, w))
    total = float(w.sum())
    out = np.empty((1, 9))
    _ka.ceiling_sums(mdl.link, s[None, :], np.array([eta]), pi, pj, w, out)
    est = _ceiling_values(out[0], total)

    draws_s = draws_eta = None
    if bootstrap is not None:
        draws_s, th = _draws_from(bootstrap, n, mdl.has_ties)
        if th is None and theta_draws is not None:
            th = np.asarray(theta_draws, dtype=float)
            if th.shape != (draws_s.shape[0],) or np.any(th < 1.0):
                raise DataError("`theta_draws` must hold one theta >= 1 per score draw.")
        if mdl.has_ties:
            draws_eta = np.log(th) if th is not None else np.full(draws_s.shape[0], eta)
        label = "bootstrap"
    elif is_fit and n_draws > 0:
        # per draw: the normal deviates, the draws and their scores, the 9 sums and 8
        # quantities
        d = _parametric_draws(source, lambda cov: s if cov.shape[0] == n else np.append(s, eta),
                              n_draws, n + (1 if mdl.has_ties else 0), 20, rng)
        draws_s = np.ascontiguousarray(d[:, :n])
        if mdl.has_ties:
            draws_eta = np.maximum(d[:, n], 0.0) if d.shape[1] > n else np.full(d.shape[0], eta)
        label = "parametric (multivariate normal from the fit's covariance)"
    draws = None
    if draws_s is not None:
        if draws_eta is None:
            draws_eta = np.zeros(draws_s.shape[0])
        sums = np.empty((draws_s.shape[0], 9))
        _ka.ceiling_sums(mdl.link, draws_s, np.ascontiguousarray(draws_eta, dtype=float),
                         pi, pj, w, sums)
        draws = _ceiling_values(sums, total)
    # (mypy cannot match the unpacked estimates to the fields they fill)
    return Ceilings(*[float(x) for x in est],  # type: ignore[misc, arg-type]
                    n_comparisons=total, model=mdl.name,
                    draws=draws, source=label, n_categories=3 if mdl.has_ties else 2)
