r"""Tests between fits and of contrasts: :func:`compare` (likelihood-ratio tests between
nested fits, an analysis-of-deviance table with AIC and BIC) and :func:`contrast` (a linear
contrast ``c's`` of the scores with its standard error), which
:meth:`btstats.PairwiseFit.contrast` calls with a fit's scores and covariance.

Both work on what a fit exposes (``loglik``, ``n_params``, ``n_comparisons``, ``items``,
``comparisons``, ``scores``, ``covariance``), so this module does not import the estimation
package.
"""
import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .._results import ResultBase
from .._validation import check_choice
from ..exceptions import ConvergenceWarning, DataError

__all__ = ["Contrast", "ModelComparison", "ModelComparisonWarning", "compare", "contrast"]

_SHOWN = 10


class ModelComparisonWarning(RuntimeWarning):
    """:func:`compare` found fits whose likelihood-ratio test may not mean what it says: a
    larger model with a lower log-likelihood than a smaller one (the models are not nested,
    or one fit is not at its maximum), models of different families, or penalised (MAP)
    fits."""


# ============================================================================ contrasts
@dataclass(frozen=True, eq=False)
class Contrast(ResultBase):
    r"""A linear contrast ``c's`` of the centred scores, with its Wald test and interval
    (see :func:`contrast` and :meth:`btstats.PairwiseFit.contrast`).

    Attributes
    ----------
    estimate : float
        ``c's`` (for ``contrast(a, b)``: ``s_a - s_b``, the log odds of ``a`` beating ``b``
        under Bradley-Terry, before any order effect).
    standard_error : float
        ``sqrt(c' V c)``, ``V`` the covariance of the centred scores (observed, expected,
        sandwich or cluster, as the fit carries: :attr:`covariance_type`).
    weights : pandas.Series
        ``c`` by item (zero for the items not in the contrast); sums to zero.
    label : str
        The contrast written out, e.g. ``"Milwaukee - Baltimore"``.
    covariance_type : str
        The covariance the standard error comes from.
    statistic, pvalue : float
        ``z = estimate / standard_error`` and the two-sided ``p = 2 Phi(-|z|)`` of
        ``H0: c's = 0`` (NaN for a zero standard error).
    """

    estimate: float
    standard_error: float
    weights: pd.Series
    label: str
    covariance_type: str = "observed"

    _summary_title = "Contrast of scores"
    _frame_format = {"float_format": lambda x: f"{x:.4f}",
                     "formatters": {"p": lambda x: f"{x:.4g}"}}

    @property
    def statistic(self):
        """``z = estimate / standard_error`` (NaN for a zero standard error)."""
        se = self.standard_error
        return self.estimate / se if se > 0 else math.nan

    @property
    def pvalue(self):
        """Two-sided ``p = 2 Phi(-|z|)`` of ``H0: c's = 0``."""
        z = self.statistic
        return float(2.0 * ndtr(-abs(z))) if math.isfinite(z) else math.nan

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        """The Wald interval ``estimate -/+ z_{1 - alpha} standard_error``.

        Returns
        -------
        ConfidenceInterval
            Float limits (one statistic).
        """
        check_choice(interval, "interval", ("wald",))
        return self._interval("wald", None, estimate=self.estimate,
                              standard_error=self.standard_error,
                              confidence_level=confidence_level)

    def to_frame(self, confidence_level=0.95):
        """One row (indexed by :attr:`label`): ``estimate, se, z, p, ci_low, ci_high``."""
        low, high = self.confidence_interval(confidence_level)
        return pd.DataFrame({"estimate": [self.estimate], "se": [self.standard_error],
                             "z": [self.statistic], "p": [self.pvalue], "ci_low": [low],
                             "ci_high": [high]},
                            index=pd.Index([self.label], name="contrast", dtype=object))

    def _header(self):
        return [("covariance", self.covariance_type)]

    def __repr__(self):
        return (f"Contrast({self.label!r}, estimate={self.estimate:.6g}, "
                f"standard_error={self.standard_error:.6g}, pvalue={self.pvalue:.4g})")


def _labels_array(labels):
    arr = np.empty(len(labels), dtype=object)
    arr[:] = list(labels)
    return arr


def _positions(items, labels, name):
    """Positions of ``labels`` in ``items``; a KeyError naming the unknown ones."""
    arr = _labels_array(labels)
    try:
        idx = items.get_indexer(pd.Index(arr, dtype=object))
    except TypeError as exc:
        raise TypeError(f"`{name}` must hold item labels (hashable values such as strings); "
                        f"got {list(labels)!r:.80}.") from exc
    if np.any(idx < 0):
        unknown = pd.unique(arr[idx < 0])[:5].tolist()
        raise KeyError(f"unknown item label(s) in `{name}`: {unknown}. Known items: "
                       f"{list(items[:_SHOWN])}{' ...' if len(items) > _SHOWN else ''}.")
    return idx


def _is_weights(x):
    return isinstance(x, (dict, pd.Series, list, np.ndarray))


def _contrast_iv(items, a, b):
    """``(c, label)``: the weights over ``items`` (a float array summing to zero) and the
    contrast written out."""
    n = len(items)
    if b is not None:
        if _is_weights(a) or _is_weights(b) or isinstance(b, pd.Index):
            raise TypeError("contrast(a, b) takes two item labels; for a general contrast "
                            "pass one weight vector or dict as `a` (and no `b`).")
        ia, ib = _positions(items, [a], "a")[0], _positions(items, [b], "b")[0]
        if ia == ib:
            raise ValueError(f"`a` and `b` are the same item ({a!r}): the contrast s_a - s_b "
                             f"is 0 with no uncertainty. Give two different items.")
        c = np.zeros(n)
        c[ia], c[ib] = 1.0, -1.0
        return c, f"{a} - {b}"
    if isinstance(a, (dict, pd.Series)):
        keys = list(a.keys()) if isinstance(a, dict) else list(a.index)
        values = list(a.values()) if isinstance(a, dict) else list(a.to_numpy())
        idx = _positions(items, keys, "weights")
        if len(set(idx.tolist())) != len(idx):
            raise ValueError("the weights name an item more than once; give each item once.")
        c = np.zeros(n)
        c[idx] = _weight_values(values)
    elif isinstance(a, (list, np.ndarray)):
        values = np.asarray(a, dtype=object).ravel() if np.ndim(a) else None
        if values is None or np.ndim(a) != 1 or values.shape[0] != n:
            raise ValueError(f"a weight vector must have one entry per item, in the order of "
                             f"`items` ({n} entries); got shape {np.shape(a)}. Or pass a dict "
                             f"{{label: weight}}.")
        c = _weight_values(values)
    else:
        raise TypeError(f"contrast() takes two item labels (contrast(a, b): s_a - s_b) or "
                        f"one weight vector / dict / Series {{label: weight}} summing to 0; got "
                        f"{a!r:.60} alone.")
    scale = float(np.abs(c).sum())
    if scale == 0.0:
        raise ValueError("the contrast weights are all zero: give nonzero weights that sum to "
                         "0, e.g. {'A': 1, 'B': -1}.")
    total = float(c.sum())
    if abs(total) > 1e-10 * scale:
        raise ValueError(f"contrast weights must sum to 0 (the scores are identified only up "
                         f"to a common shift, so c's is estimable only when sum(c) = 0); "
                         f"these sum to {total:.6g}. For the difference of two items use "
                         f"contrast(a, b).")
    return c, _written(items, c)


def _weight_values(values):
    out = np.empty(len(values))
    for k, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating, np.integer)):
            raise TypeError(f"contrast weights must be real numbers; got {v!r:.40}.")
        out[k] = float(v)
    if not np.all(np.isfinite(out)):
        raise ValueError("contrast weights must be finite.")
    return out


def _written(items, c):
    """``"0.5 A + 0.5 B - C"``: the positive terms, then the negative ones, in item order."""
    terms = []
    for sign in (1.0, -1.0):
        for k in np.flatnonzero(sign * c > 0):
            w = abs(c[k])
            coef = "" if w == 1.0 else f"{w:g} "
            terms.append(("+ " if sign > 0 else "- ") + coef + str(items[k]))
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else "-" + text[1:]


def contrast(scores, covariance, a, b=None, *, covariance_type="observed"):
    r"""A linear contrast of scores with its standard error, z and two-sided p.

    Parameters
    ----------
    scores : pandas.Series
        Scores by item label (a fit's centred scores).
    covariance : pandas.DataFrame or array_like
        Their covariance, ``n_items x n_items`` in the order of ``scores``.
    a, b : item labels, or a weight vector / dict as ``a`` alone
        ``contrast(scores, cov, a, b)`` is ``s_a - s_b``.  ``contrast(scores, cov, weights)``
        is ``c's`` for weights given as a dict or Series ``{label: c_label}`` (items left out
        weigh 0) or a list / array with one entry per item; they must sum to zero.
    covariance_type : str
        Recorded on the result (which covariance ``covariance`` is).

    Returns
    -------
    Contrast

    Raises
    ------
    KeyError
        For an unknown item label (the message names it).
    ValueError
        For weights that do not sum to zero, are all zero, or have the wrong length.

    Notes
    -----
    The scores are identified only up to a common shift, so only contrasts with
    ``sum(c) = 0`` are estimable; for those, ``c's`` and ``c' V c`` are the same whatever the
    identification (sum-to-zero here, a reference item in R's ``BTm``):

    .. math:: \hat\delta = c' s, \quad \operatorname{se} = \sqrt{c' V c}, \quad
              z = \hat\delta / \operatorname{se}, \quad p = 2 \Phi(-|z|).

    Examples
    --------
    >>> import btstats
    >>> from btstats.inference.comparison import contrast
    >>> fit = btstats.fit(btstats.load_example("baseball"))
    >>> res = contrast(fit.scores, fit.covariance, "Milwaukee", "Baltimore")
    >>> round(res.estimate, 4), round(res.standard_error, 4), round(res.pvalue, 6)
    (1.5814, 0.3433, 4e-06)
    """
    if not isinstance(scores, pd.Series):
        raise TypeError(f"`scores` must be a pandas Series indexed by item; got "
                        f"{type(scores).__name__}.")
    items = pd.Index(scores.index, dtype=object)
    cov = np.asarray(covariance, dtype=float)
    n = len(items)
    if cov.shape != (n, n):
        raise ValueError(f"`covariance` must be {n} x {n} (one row and column per score); "
                         f"got shape {cov.shape}.")
    c, label = _contrast_iv(items, a, b)
    est = float(c @ scores.to_numpy(dtype=float))
    var = float(c @ cov @ c)
    return Contrast(estimate=est, standard_error=math.sqrt(max(var, 0.0)),
                    weights=pd.Series(c, index=scores.index, name="weight"), label=label,
                    covariance_type=str(covariance_type))


# ============================================================================ compare
_COLUMNS = ["n_params", "loglik", "deviance", "aic", "bic", "df", "lr_statistic", "p"]


def _blank(fmt):
    return lambda x: "" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt(x)


_COMPARE_FORMAT = {"na_rep": "", "formatters": {
    "n_params": _blank(lambda x: f"{int(x)}"), "loglik": _blank(lambda x: f"{x:.4f}"),
    "deviance": _blank(lambda x: f"{x:.4f}"), "aic": _blank(lambda x: f"{x:.4f}"),
    "bic": _blank(lambda x: f"{x:.4f}"), "df": _blank(lambda x: f"{int(x)}"),
    "lr_statistic": _blank(lambda x: f"{x:.4f}"), "p": _blank(lambda x: f"{x:.4g}")}}


@dataclass(frozen=True, eq=False)
class ModelComparison(ResultBase):
    """Likelihood-ratio tests between nested fits (see :func:`compare`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per fit, fewest parameters first, indexed by ``model`` (a label per fit):
        ``n_params, loglik, deviance, aic, bic``, and for each fit after the first the test
        against the one before it: ``df`` (the difference in ``n_params``), ``lr_statistic``
        (``2 (loglik - loglik_before)``) and ``p`` (chi-square upper tail); NaN in the first
        row.
    fits : tuple
        The fits, in the order of the table.
    n_comparisons : float
        The (common) total weight of the comparisons.
    outcomes : str
        The (common) outcome space, e.g. ``"binary"`` or ``"3 categories (win / tie /
        loss)"``.
    """

    table: pd.DataFrame
    fits: tuple
    n_comparisons: float
    outcomes: str

    _summary_title = "Analysis of deviance (likelihood-ratio tests)"
    _frame_format = _COMPARE_FORMAT

    def to_frame(self):
        """:attr:`table` (a copy)."""
        return self.table.copy()

    def _tests(self, column):
        return self.table[column].iloc[1:].copy()

    @property
    def statistic(self):
        """Likelihood-ratio statistics ``2 delta loglik``, one per consecutive pair, indexed
        by the larger model (a Series; ``.iloc[0]`` for two fits)."""
        return self._tests("lr_statistic")

    @property
    def df(self):
        """Degrees of freedom of the tests (differences in ``n_params``), as
        :attr:`statistic`."""
        return self._tests("df")

    @property
    def pvalue(self):
        """Chi-square p-values of the tests, as :attr:`statistic`."""
        return self._tests("p")

    def _header(self):
        return [("comparisons", f"{self.n_comparisons:g}"), ("outcomes", self.outcomes),
                ("test", "each model against the one above it")]

    def __repr__(self):
        return (f"ModelComparison({len(self.fits)} fits, n_comparisons="
                f"{self.n_comparisons:g})\n{self.table.to_string(**self._frame_format)}")


def _coefficient_names(fit):
    """The parameters beyond the scores, from the public attributes of a fit."""
    params = getattr(fit, "params", None)
    if isinstance(params, pd.Series):
        return [str(x) for x in params.index]
    return ["eta"] if getattr(fit, "eta", None) is not None else []


def _label(fit):
    extra = _coefficient_names(fit)
    return f"{fit.model} ({', '.join(extra)})" if extra else str(fit.model)


def _n_categories(fit):
    k = getattr(fit, "n_categories", None)
    if k is None:
        k = 3 if getattr(fit, "eta", None) is not None else 2
    return int(k)


def _outcomes(fit):
    """What the likelihood is a distribution over: the outcome space."""
    k = _n_categories(fit)
    if k == 2:
        if fit.comparisons.n_ties > 0:
            how = {"drop": "ties dropped", "half": "ties as half a win each way"}.get(
                fit.ties, f"ties={fit.ties!r}")
            return f"binary ({how})"
        return "binary"
    if k == 3:
        return "3 categories (win / tie / loss)"
    return f"{k} graded categories"


def _pair_table(fit, items):
    """``(pair keys, counts)`` of the fitted data, items mapped to positions in ``items``
    and each pair oriented low-high, summed by pair; rows of zero weight left out."""
    p = fit.comparisons.pairs
    pos = items.get_indexer(pd.Index(_labels_array(fit.items), dtype=object))
    i, j = pos[np.asarray(p.pi)], pos[np.asarray(p.pj)]
    wab, wba, tie = (np.asarray(x, dtype=float) for x in (p.wab, p.wba, p.tie))
    swap = i > j
    lo, hi = np.where(swap, j, i), np.where(swap, i, j)
    w_lo, w_hi = np.where(swap, wba, wab), np.where(swap, wab, wba)
    key = lo.astype(np.int64) * len(items) + hi
    uniq, inv = np.unique(key, return_inverse=True)
    counts = np.zeros((uniq.shape[0], 3))
    for col, w in enumerate((w_lo, w_hi, tie)):
        np.add.at(counts[:, col], inv, w)
    keep = counts.sum(axis=1) > 0
    return uniq[keep], counts[keep]


def _same_data(fits, labels):
    """Refuse fits of different comparisons, naming what differs."""
    first = fits[0]
    items = pd.Index(_labels_array(first.items), dtype=object)
    out0 = _outcomes(first)
    for fit, lab in zip(fits[1:], labels[1:]):
        other = pd.Index(_labels_array(fit.items), dtype=object)
        if len(other) != len(items) or not other.isin(items).all():
            only_0 = items[~items.isin(other)][:5].tolist()
            only_1 = other[~other.isin(items)][:5].tolist()
            raise DataError(f"compare() needs fits of the same comparisons; {labels[0]!r} "
                            f"and {lab!r} have different items (only in the first: {only_0}, "
                            f"only in the second: {only_1}).")
        out1 = _outcomes(fit)
        if out1 != out0:
            raise DataError(f"compare() needs fits of the same outcomes: {labels[0]!r} models "
                            f"{out0} and {lab!r} models {out1}. Their likelihoods are "
                            f"densities on different outcome spaces, so a likelihood-ratio "
                            f"test, AIC or BIC between them means nothing; compare tie models "
                            f"with tie models and binary models fitted with the same `ties=`.")
        n0, n1 = float(first.n_comparisons), float(fit.n_comparisons)
        if not math.isclose(n0, n1, rel_tol=1e-12, abs_tol=0.0):
            raise DataError(f"compare() needs fits of the same comparisons; {labels[0]!r} has "
                            f"a total weight of {n0:g} comparisons and {lab!r} {n1:g}.")
        k0, c0 = _pair_table(first, items)
        k1, c1 = _pair_table(fit, items)
        if k0.shape != k1.shape or not np.array_equal(k0, k1) or \
                not np.allclose(c0, c1, rtol=1e-9, atol=0.0):
            keys = np.union1d(k0, k1)
            t0 = dict(zip(k0.tolist(), c0))
            t1 = dict(zip(k1.tolist(), c1))
            bad = next(k for k in keys.tolist() if not (
                k in t0 and k in t1 and np.allclose(t0[k], t1[k], rtol=1e-9, atol=0.0)))
            a, b = items[bad // len(items)], items[bad % len(items)]
            w0 = t0.get(bad, np.zeros(3)).tolist()
            w1 = t1.get(bad, np.zeros(3)).tolist()
            raise DataError(f"compare() needs fits of the same comparisons; {labels[0]!r} and "
                            f"{lab!r} have the same items and total weight but different "
                            f"counts for the pair ({a!r}, {b!r}): (a wins, b wins, ties) = "
                            f"{w0} against {w1}.")
    return out0


def _compare_iv(fits, names):
    if len(fits) == 1 and isinstance(fits[0], (list, tuple)):
        fits = tuple(fits[0])
    if len(fits) < 2:
        raise ValueError(f"compare() needs at least two fits (e.g. compare(fit0, fit1)); got "
                         f"{len(fits)}.")
    for k, f in enumerate(fits):
        missing = [a for a in ("loglik", "n_params", "n_comparisons", "items", "comparisons",
                               "model", "converged") if not hasattr(f, a)]
        if missing:
            raise TypeError(f"compare() takes fits (btstats.fit results); argument {k} is a "
                            f"{type(f).__name__} without {missing}.")
    if names is None:
        labels = [_label(f) for f in fits]
        seen = {}
        for k, lab in enumerate(labels):
            seen[lab] = seen.get(lab, 0) + 1
        count = {}
        for k, lab in enumerate(labels):
            if seen[lab] > 1:
                count[lab] = count.get(lab, 0) + 1
                labels[k] = f"{lab} [{count[lab]}]"
    else:
        if isinstance(names, str) or len(names) != len(fits):
            raise ValueError(f"`names` must be one label per fit ({len(fits)}); got "
                             f"{names!r:.80}.")
        labels = [str(x) for x in names]
        if len(set(labels)) != len(labels):
            raise ValueError(f"`names` must be distinct; got {labels}.")
    order = sorted(range(len(fits)), key=lambda k: fits[k].n_params)   # stable
    return tuple(fits[k] for k in order), [labels[k] for k in order]


def _check_sizes(fits, labels):
    for k in range(1, len(fits)):
        if fits[k].n_params == fits[k - 1].n_params:
            raise ValueError(f"{labels[k - 1]!r} and {labels[k]!r} both have "
                             f"{fits[k].n_params} free parameters: models of the same size "
                             f"cannot be nested, and their likelihood-ratio test would have 0 "
                             f"degrees of freedom. Compare their `aic` / `bic` directly.")


def compare(*fits: Any, names: Sequence[str] | None = None) -> ModelComparison:
    r"""Likelihood-ratio tests between nested fits of the same comparisons: an
    analysis-of-deviance table with AIC and BIC.

    Parameters
    ----------
    *fits : PairwiseFit
        Two or more fits of the same comparisons (same items, same outcomes and counts, the
        same ``ties=`` handling), each a special case of the next larger one: Bradley-Terry
        inside Bradley-Terry with ``order_effect=True``, Rao-Kupper inside Rao-Kupper with an
        order effect, Davidson inside Davidson with one.  Any order; the table sorts them by
        ``n_params`` (a list or tuple of fits is also accepted).
    names : sequence of str, optional
        Row labels, one per fit in the order given (default: the model name and its
        parameters beyond the scores, e.g. ``"bradley-terry (h)"``).

    Returns
    -------
    ModelComparison
        ``to_frame()``: ``n_params, loglik, deviance, aic, bic, df, lr_statistic, p`` by
        model; ``statistic``, ``df``, ``pvalue`` as Series; ``summary()``, ``_repr_html_()``.

    Raises
    ------
    DataError
        When the fits are of different comparisons: other items, another outcome space (a
        tie model against a binary model, or binary models with different ``ties=``), another
        total weight or other pair counts; the message says which.
    ValueError
        Fewer than two fits, or two fits with the same number of parameters.

    Warns
    -----
    ModelComparisonWarning
        When a larger model has a lower log-likelihood than a smaller one (by more than
        ``1e-8`` relative: they are not nested, or a fit is not at its maximum; its
        ``lr_statistic`` is negative and ``p`` is 1), when consecutive fits are of different
        models (so nesting is not assured), or for penalised (MAP) fits, whose ``loglik`` is
        not the maximum of the likelihood.
    ConvergenceWarning
        For a fit that did not converge.

    Notes
    -----
    For consecutive fits ``0 ⊂ 1`` (``k_0 < k_1`` free parameters),

    .. math:: \mathrm{LR} = 2 (\ell_1 - \ell_0) = D_0 - D_1, \qquad
              p = P(\chi^2_{k_1 - k_0} > \mathrm{LR}),

    Wilks' chi-square approximation, with ``D = -2 l`` the fits' :attr:`deviance`.  This is
    R's ``anova(fit0, fit1, test = "Chisq")`` for ``glm`` / ``BTm`` fits and ``anova()`` of
    ``ordinal::clm`` fits (R's deviances against the saturated model of the aggregated counts
    differ from ``-2 l`` by a constant, which cancels).  AIC is ``-2 l + 2 k`` and BIC
    ``-2 l + k log(n)`` with ``n`` the total weight of the comparisons
    (:attr:`PairwiseFit.bic`): R's ``BIC()`` of a ``glm`` on one row per comparison, not of
    one on aggregated binomial counts, which uses the number of rows.  Smaller is better for
    both; they also rank models that are not nested (of the same data and outcomes).

    Examples
    --------
    >>> import btstats
    >>> data = btstats.load_example("baseball_home")
    >>> fit0 = btstats.fit(data)
    >>> fit1 = btstats.fit(data, order_effect=True)
    >>> res = btstats.compare(fit0, fit1)
    >>> res.to_frame()[["n_params", "loglik", "df", "lr_statistic", "p"]].round(5)
                       n_params     loglik   df  lr_statistic        p
    model
    bradley-terry             6 -172.24818  NaN           NaN      NaN
    bradley-terry (h)         7 -169.54287  1.0       5.41061  0.02001
    """
    fits, labels = _compare_iv(fits, names)
    outcomes = _same_data(fits, labels)
    _check_sizes(fits, labels)
    for fit, lab in zip(fits, labels):
        if not fit.converged:
            warnings.warn(f"{lab!r} did not converge: its log-likelihood is not the maximum, "
                          f"so the likelihood-ratio tests that involve it are not valid. "
                          f"Refit it with a larger max_iter= (see its `message`).",
                          ConvergenceWarning, stacklevel=2)
        if getattr(fit, "penalty", 0.0):
            warnings.warn(f"{lab!r} is a penalised (MAP) fit (penalty={fit.penalty:g}): its "
                          f"loglik is the likelihood at the MAP estimate, not the maximum, so "
                          f"the chi-square reference of the likelihood-ratio test and AIC / BIC "
                          f"do not hold exactly. Compare maximum-likelihood fits (penalty=0).",
                          ModelComparisonWarning, stacklevel=2)
    ll = np.array([float(f.loglik) for f in fits])
    k = np.array([int(f.n_params) for f in fits], dtype=float)
    n = float(fits[0].n_comparisons)
    df = np.full(len(fits), np.nan)
    lr = np.full(len(fits), np.nan)
    p = np.full(len(fits), np.nan)
    for r in range(1, len(fits)):
        df[r] = k[r] - k[r - 1]
        stat = 2.0 * (ll[r] - ll[r - 1])
        tol = 1e-8 * max(1.0, abs(ll[r]), abs(ll[r - 1]))
        if stat < 0:
            if stat >= -2.0 * tol:
                stat = 0.0      # equal to rounding: the larger model adds nothing
            else:
                warnings.warn(f"{labels[r]!r} ({int(k[r])} parameters) has a lower "
                              f"log-likelihood ({ll[r]:.6f}) than {labels[r - 1]!r} "
                              f"({int(k[r - 1])} parameters, {ll[r - 1]:.6f}): the models are "
                              f"not nested, or a fit is not at its maximum. Its likelihood-"
                              f"ratio statistic is negative and p is 1.",
                              ModelComparisonWarning, stacklevel=2)
        if fits[r].model != fits[r - 1].model:
            warnings.warn(f"{labels[r - 1]!r} and {labels[r]!r} are different models, so the "
                          f"first need not be a special case of the second; the chi-square "
                          f"reference of their likelihood-ratio test assumes it is.",
                          ModelComparisonWarning, stacklevel=2)
        lr[r] = stat
        # scipy.stats is imported here, not with btstats (0.5 s of the import)
        from scipy.stats import chi2
        p[r] = float(chi2.sf(max(stat, 0.0), df[r]))
    table = pd.DataFrame({"n_params": k.astype(int), "loglik": ll,
                          "deviance": [float(getattr(f, "deviance", -2.0 * f.loglik))
                                       for f in fits],
                          "aic": [float(f.aic) for f in fits],
                          "bic": [float(f.bic) for f in fits],
                          "df": df, "lr_statistic": lr, "p": p},
                         index=pd.Index(labels, name="model", dtype=object))
    return ModelComparison(table=table[_COLUMNS], fits=fits, n_comparisons=n,
                           outcomes=outcomes)
