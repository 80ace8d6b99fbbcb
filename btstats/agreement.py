r"""Labeler agreement and the ceilings it puts on held-out accuracy.

Two different numbers are often confused:

* **Agreement** -- how often two labelers give the same label to the same comparison.  If a
  comparison's outcome probabilities are ``p = (P(a), P(tie), P(b))`` and both labels are
  independent draws, they agree with probability ``sum p**2``.
* **The Bayes accuracy ceiling** -- the best held-out accuracy any scorer can reach on labels
  drawn from ``p``: predict the most probable label, right with probability ``max p``.

For a comparison with ``P(a) = 0.8`` two labelers agree ``0.8**2 + 0.2**2 = 0.68`` of the
time, but the best scorer is right ``0.80`` of the time: agreement is *lower* than the
ceiling, so a reward model whose accuracy exceeds the labelers' agreement is not for that
reason overfit.  See ``docs/agreement.md``.

Empirical agreement (repeated labels of the same comparison)
------------------------------------------------------------
=====================================  ===================================================
:func:`agreement`                      raw agreement (with / without ties, bootstrap
                                       intervals over units), Fleiss' kappa, Krippendorff's
                                       alpha, Cohen's kappa of every pair of annotators,
                                       per-annotator agreement with the others' majority
:func:`agreement_by`                   the same statistics per group (e.g. per query)
:func:`cohen_kappa`                    two raters, labels or a contingency table
:func:`fleiss_kappa`                   many raters, missing labels allowed
:func:`krippendorff_alpha`             nominal alpha, missing labels allowed
=====================================  ===================================================

A *unit* is what is labelled repeatedly: an unordered pair of items within a cluster (the
``cluster`` or ``prompt`` column), or an unordered pair of items when there is no cluster
column.  Labels are oriented to the unit's items in label order (``item_1 < item_2``), so
every label is one of three categories: ``item_1`` wins, ``item_2`` wins, tie.

Model-implied ceilings
----------------------
:func:`ceilings` takes a fit (or true scores and a model) and a design and returns the
expected agreement, the Bayes accuracy ceiling, the smallest expected log loss (the entropy)
and Brier score, each over all labels and over decisive labels only, with intervals from
bootstrap draws of the scores or a seeded parametric draw from the fit's covariance.  Every
outcome family serves (binary, threshold and Davidson ties, graded outcomes, order effects):
through its outcome probabilities (graded categories summed by side), and for graded models
also over the exact grades.
"""
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _validation as _v
from ._kernels import annotators as _ka
from ._kernels import ceilings_families as _kcf
from ._kernels import families as _kf
from .data import Comparisons, as_comparisons
from .exceptions import DataError
from .models import _as_scores, get_model, pairwise_model

__all__ = ["Agreement", "Ceilings", "KappaResult", "accuracy_bounds", "agreement",
           "agreement_by", "ceilings", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha",
           "label_units"]

#: Statistics of :class:`Agreement` that have bootstrap intervals, in this order.
AGREEMENT_STATISTICS = ("agreement", "agreement_no_ties", "fleiss_kappa", "krippendorff_alpha")
#: Quantities of :class:`Ceilings`, in this order.
CEILING_STATISTICS = ("agreement", "agreement_no_ties", "accuracy", "accuracy_no_ties",
                      "log_loss", "log_loss_no_ties", "brier", "brier_no_ties")
#: Quantities over the categories of a graded family (more than three categories), after
#: those of CEILING_STATISTICS.
GRADE_STATISTICS = ("agreement_grades", "accuracy_grades", "log_loss_grades", "brier_grades")
_CATEGORIES = ("item_1", "item_2", "tie")
#: Resamples drawn per block by the unit bootstrap (bounds its memory).
_BOOT_BLOCK = 256


# =========================================================================== validation
def _check_level(confidence_level):
    return _v.check_confidence_level(confidence_level)


def _percentile_interval(draws, confidence_level, n_columns):
    """Arrays ``low``, ``high``: percentile interval of each column of ``draws`` (NaN-safe)."""
    low = np.full(n_columns, np.nan)
    high = np.full(n_columns, np.nan)
    if draws is None or draws.shape[0] == 0:
        return low, high
    alpha = (1.0 - confidence_level) / 2.0
    for c in range(n_columns):
        col = draws[:, c]
        col = col[np.isfinite(col)]
        if col.size:
            low[c], high[c] = np.quantile(col, [alpha, 1.0 - alpha])
    return low, high


# =========================================================================== generic kappas
def _nominal_codes(data, name):
    """Units x raters labels (NaN / None missing) -> (int codes with -1 missing, categories)."""
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        arr = np.asarray(data, dtype=object)
        if arr.ndim != 2:
            raise DataError(f"`{name}` must be two-dimensional: one row per unit, one column "
                            f"per rater; got shape {arr.shape}.")
        frame = pd.DataFrame(arr)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"`{name}` is empty: give at least one unit and one rater.")
    # row by row (unit by unit), whatever the column labels (repeated rater names included)
    values = frame.to_numpy(dtype=object).ravel()
    missing = np.asarray(pd.isna(values), dtype=bool)
    codes = np.full(values.shape[0], -1, np.int64)
    if (~missing).any():
        labels = pd.Series(values[~missing], dtype=object)
        try:
            try:
                c, cats = pd.factorize(labels, sort=True)
            except TypeError:
                c, cats = pd.factorize(labels, sort=False)
        except TypeError as exc:
            kind = type(labels.iloc[0]).__name__
            raise DataError(f"`{name}` must hold one hashable label per cell (a string or a "
                            f"number, NaN / None for missing); got {kind} values such as "
                            f"{labels.iloc[0]!r}.") from exc
        codes[~missing] = c
    else:
        cats = pd.Index([])
    return codes.reshape(frame.shape), pd.Index(cats)


def _counts_from(data, counts, name):
    """A units x categories matrix of label counts from ratings or from counts."""
    if counts:
        try:
            m = np.asarray(data, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"`{name}` must hold label counts (numbers); {exc}.") from exc
        if m.ndim != 2:
            raise DataError(f"`{name}` must be a units x categories matrix of counts; got "
                            f"shape {m.shape}.")
        if m.shape[0] == 0 or m.shape[1] == 0:
            raise DataError(f"`{name}` is empty (shape {m.shape}): give at least one unit "
                            f"(row) and one category (column) of counts.")
        if not np.all(np.isfinite(m) & (m >= 0)):
            bad = np.argwhere(~(np.isfinite(m) & (m >= 0)))[:5].tolist()
            raise DataError(f"`{name}` counts must be finite and non-negative; not so at "
                            f"(row, column) {bad}.")
        return m
    codes, cats = _nominal_codes(data, name)
    return _counts_from_codes(codes, cats)


def _counts_from_codes(codes, cats):
    """Units x categories counts from :func:`_nominal_codes` output."""
    n_units = codes.shape[0]
    c = max(len(cats), 1)
    rows = np.repeat(np.arange(n_units), codes.shape[1])
    flat = codes.ravel()
    keep = flat >= 0
    return np.bincount(rows[keep] * c + flat[keep], minlength=n_units * c).reshape(
        n_units, c).astype(float)


def _count_scale(counts):
    """The unit in which :func:`_kappa_stats` expresses counts: 1, or the largest count when
    that is above 1e100 (so that sums and squares of counts up to 1e308 do not overflow)."""
    top = float(counts.max()) if counts.size else 0.0
    return top if top > 1e100 else 1.0


def _kappa_stats(counts, scale=1.0):
    """Per-unit sums behind Fleiss' kappa and Krippendorff's alpha.

    Columns: ``o_u`` (alpha's disagreement of the unit), ``m_u``, ``P_u`` (Fleiss' share of
    agreeing label pairs), ``1`` (a pairable unit), then the unit's count per category.
    Units with fewer than two labels are not pairable and get a row of zeros.  ``o_u``,
    ``m_u`` and the counts are in units of ``scale`` (see :func:`_count_scale`; pass
    ``one=1/scale`` to :func:`_alpha_from_sums`); every per-unit quantity is computed from
    the unit's shares ``p_uc = n_uc / m_u``, so no count is squared::

        P_u = (sum_c p_uc**2 - 1/m_u) / (1 - 1/m_u)
        o_u = m_u (1 - sum_c p_uc**2) / (1 - 1/m_u)
    """
    top = counts.max(axis=1)
    rel = counts / np.where(top > 0, top, 1.0)[:, None]      # <= 1
    srel = rel.sum(axis=1)                                  # m_u / top_u, <= n_categories
    with np.errstate(over="ignore"):
        m = top * srel                                      # may overflow to inf: then 1/m = 0
    ok = m >= 2
    stats = np.zeros((counts.shape[0], 4 + counts.shape[1]))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        inv_m = np.where(ok, 1.0 / m, 0.5)
        share_sq = np.where(ok[:, None], rel / np.where(srel > 0, srel, 1.0)[:, None],
                            0.0) ** 2
        sq = share_sq.sum(axis=1)
        m_scaled = (top / scale) * srel
        stats[:, 0] = np.where(ok, m_scaled * (1.0 - sq) / (1.0 - inv_m), 0.0)
        stats[:, 1] = np.where(ok, m_scaled, 0.0)
        stats[:, 2] = np.where(ok, (sq - inv_m) / (1.0 - inv_m), 0.0)
    stats[:, 3] = ok
    stats[:, 4:] = np.where(ok[:, None], counts / scale, 0.0)
    return stats


def _alpha_from_sums(sums, one=1.0):
    """Krippendorff's nominal alpha from summed :func:`_kappa_stats` columns (last axis);
    ``one`` is a count of one in the units of the columns."""
    n_tot = sums[..., 1]
    nc = sums[..., 4:]
    denom = n_tot * n_tot - (nc * nc).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 1.0 - (n_tot - one) * sums[..., 0] / np.where(
            denom > 0, denom, 1.0), np.nan)


def _undefined(statistic, sums, categories):
    """Raise the :class:`DataError` of a chance-corrected statistic that is 0 / 0."""
    if sums[3] == 0:
        raise DataError(f"{statistic} is undefined: no unit has two or more labels, so no "
                        f"pair of labels can agree or disagree. Each unit (row of `data`) "
                        f"needs at least two non-missing labels (with counts=True: counts "
                        f"summing to at least 2).")
    used = np.nonzero(sums[4:] > 0)[0]
    which = ""
    if used.size:
        which = (f" (column {used[0]} of the counts)" if categories is None
                 else f" ({categories[used[0]]!r})")
    raise DataError(f"{statistic} is undefined: every label of the units with two or more "
                    f"labels is the same category{which}, so chance agreement is 1 and the "
                    f"statistic is 0 / 0. It needs labels of at least two categories; the "
                    f"raw agreement (1.0) is the meaningful number here.")


def _chance_corrected(data, counts):
    """Summed :func:`_kappa_stats` columns, the category labels and the count unit."""
    if not isinstance(counts, (bool, np.bool_)):
        raise TypeError(f"`counts` must be True (`data` holds counts per category) or False "
                        f"(labels per rater); got {counts!r}.")
    if counts:
        c = _counts_from(data, True, "data")
        cats = None
    else:
        codes, cats = _nominal_codes(data, "data")
        c = _counts_from_codes(codes, cats)
    scale = _count_scale(c)
    return _kappa_stats(c, scale).sum(axis=0), cats, scale


def _fleiss_from_sums(sums):
    """Fleiss' kappa from summed :func:`_kappa_stats` columns (last axis)."""
    n_tot = sums[..., 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        p_bar = sums[..., 2] / sums[..., 3]
        pc = sums[..., 4:] / n_tot[..., None]
        p_e = (pc * pc).sum(axis=-1)
        return np.where(p_e < 1.0, (p_bar - p_e) / (1.0 - p_e), np.nan)


def fleiss_kappa(data, *, counts=False):
    r"""Fleiss' kappa for many raters and nominal labels; missing labels allowed.

    Parameters
    ----------
    data : array_like or DataFrame
        With ``counts=False`` (default): one row per unit (the thing rated), one column per
        rater, any hashable labels, ``NaN`` / ``None`` where a rater gave no label.  With
        ``counts=True``: one row per unit, one column per category, the number of labels of
        that category.
    counts : bool
        Whether ``data`` already holds counts per category.

    Returns
    -------
    float
        Kappa.

    Raises
    ------
    DataError
        When kappa is undefined (0 / 0): no unit has two or more labels, or every label of
        those units is the same category (chance agreement is 1); and for data that are
        empty, not two-dimensional, hold unhashable labels, or (``counts=True``) counts that
        are negative or not finite.
    TypeError
        When ``counts`` is not True or False.

    Notes
    -----
    With ``n_uc`` labels of category ``c`` on unit ``u``, ``m_u = sum_c n_uc`` and only
    units with ``m_u >= 2`` taken::

        P_u   = sum_c n_uc (n_uc - 1) / (m_u (m_u - 1))       agreeing share of label pairs
        P_bar = mean_u P_u,   p_c = sum_u n_uc / sum_u m_u,   P_e = sum_c p_c**2
        kappa = (P_bar - P_e) / (1 - P_e)

    With the same number of labels on every unit this is Fleiss (1971) exactly.  With
    missing labels each unit's ``P_u`` uses its own ``m_u`` and ``p_c`` pools all labels (one
    of the usual generalisations; Gwet 2014, ch. 2, averages the per-unit proportions
    instead).  Each unit's term is computed from its shares ``n_uc / m_u``, so counts up to
    the largest float (``1e308``) give a finite kappa rather than overflowing.

    References
    ----------
    .. [1] Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
       Psychological Bulletin 76(5), 378-382.
    .. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced
       Analytics.

    Examples
    --------
    The worked example of the Wikipedia article "Fleiss' kappa" (10 subjects, 14 raters,
    5 categories, given as counts):

    >>> from btstats.agreement import fleiss_kappa
    >>> table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...          [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...          [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> round(fleiss_kappa(table, counts=True), 3)
    0.21
    """
    sums, cats, _ = _chance_corrected(data, counts)
    value = float(_fleiss_from_sums(sums))
    if sums[3] == 0 or not np.isfinite(value):
        _undefined("Fleiss' kappa", sums, cats)
    return value


def krippendorff_alpha(data, *, counts=False):
    r"""Krippendorff's alpha for nominal labels, any number of raters, missing labels allowed.

    Parameters
    ----------
    data : array_like or DataFrame
        With ``counts=False`` (default): one row per unit, one column per rater (note: the
        ``krippendorff`` package takes the transpose, raters in rows), ``NaN`` / ``None``
        for a missing label.  With ``counts=True``: units x categories counts.
    counts : bool
        Whether ``data`` already holds counts per category.

    Returns
    -------
    float
        Alpha.

    Raises
    ------
    DataError
        When alpha is undefined (0 / 0): no unit has two or more labels (none is pairable),
        or every pairable label is the same category (the expected disagreement is 0); and
        for data that are empty, not two-dimensional, hold unhashable labels, or
        (``counts=True``) counts that are negative or not finite.
    TypeError
        When ``counts`` is not True or False.

    Notes
    -----
    Units with fewer than two labels are not pairable and are left out.  With ``n_uc`` the
    count of category ``c`` on unit ``u``, ``m_u = sum_c n_uc``, ``n_c = sum_u n_uc`` and
    ``n = sum_u m_u`` over pairable units, the nominal observed and expected disagreements
    are::

        D_o = (1 / n) sum_u (m_u**2 - sum_c n_uc**2) / (m_u - 1)
        D_e = (n**2 - sum_c n_c**2) / (n (n - 1))
        alpha = 1 - D_o / D_e

    Each unit's term is computed from its shares ``n_uc / m_u`` and counts above ``1e100``
    are expressed in units of the largest count, so counts up to the largest float
    (``1e308``) give a finite alpha rather than overflowing.

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg
       School for Communication, University of Pennsylvania, departmental paper 43.
    .. [2] Hayes, A. F., Krippendorff, K. (2007). Answering the call for a standard
       reliability measure for coding data. Communication Methods and Measures 1(1), 77-89.

    Examples
    --------
    Krippendorff's (2011) example with four observers, twelve units and missing values
    (units in rows, observers in columns):

    >>> import numpy as np
    >>> from btstats.agreement import krippendorff_alpha
    >>> nan = np.nan
    >>> data = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...                  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...                  [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...                  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]).T
    >>> round(krippendorff_alpha(data), 3)
    0.743
    """
    sums, cats, scale = _chance_corrected(data, counts)
    if sums[3] == 0:
        _undefined("Krippendorff's alpha", sums, cats)
    value = float(_alpha_from_sums(sums, 1.0 / scale))
    if not np.isfinite(value):
        _undefined("Krippendorff's alpha", sums, cats)
    return value


@dataclass(frozen=True, eq=False)
class KappaResult:
    """Cohen's kappa of two raters with its large-sample standard error.

    Attributes
    ----------
    kappa : float
        ``(p_o - p_e) / (1 - p_e)``.
    se : float
        Large-sample standard error (Fleiss, Cohen & Everitt 1969), not assuming kappa = 0.
    n : int
        Units rated by both.
    observed, expected : float
        Observed agreement ``p_o`` and chance agreement ``p_e``.
    table : pandas.DataFrame
        The contingency table (rater 1 in rows, rater 2 in columns).
    """

    kappa: float
    se: float
    n: int
    observed: float
    expected: float
    table: pd.DataFrame = field(repr=False)

    def confidence_interval(self, confidence_level=0.95):
        """Wald interval ``kappa -/+ z se`` as ``(low, high)``."""
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + _check_level(confidence_level) / 2.0)
        return self.kappa - z * self.se, self.kappa + z * self.se


def _kappa_from_table(t):
    """``(kappa, se, n, p_o, p_e)`` of a contingency table; NaN when undefined (``n = 0`` or
    ``p_e = 1``).  Scale-free: the shares come from the table over its largest cell, so
    counts up to 1e308 neither overflow nor lose the standard error (``se -> 0`` as
    ``n -> inf``)."""
    t = np.asarray(t, dtype=float)
    top = float(t.max()) if t.size else 0.0
    if not top > 0:
        return math.nan, math.nan, 0, math.nan, math.nan
    rel = t / top
    total_rel = float(rel.sum())
    p = rel / total_rel
    with np.errstate(over="ignore"):
        n_float = top * total_rel
    if math.isfinite(n_float):
        n_int = int(round(n_float))
    else:   # beyond the largest float: count exactly in Python integers
        n_int = sum(int(v) for v in np.rint(t).ravel())
    pr = p.sum(axis=1)
    pc = p.sum(axis=0)
    po = float(np.trace(p))
    pe = float(pr @ pc)
    if pe >= 1.0:
        return math.nan, math.nan, n_int, po, pe
    k = (po - pe) / (1.0 - pe)
    diag = np.diag(p)
    a = float(np.sum(diag * (1.0 - (pr + pc) * (1.0 - k)) ** 2))
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    b = (1.0 - k) ** 2 * float(np.sum(off * (pc[:, None] + pr[None, :]) ** 2))
    c = (k - pe * (1.0 - k)) ** 2
    se = math.sqrt(max(a + b - c, 0.0)) / (1.0 - pe) / math.sqrt(n_float)
    return float(k), se, n_int, po, pe


def cohen_kappa(rater_1, rater_2=None):
    r"""Cohen's (unweighted) kappa of two raters, with its large-sample standard error.

    Parameters
    ----------
    rater_1 : array_like
        The first rater's labels (any hashable; ``NaN`` / ``None`` missing), or, when
        ``rater_2`` is ``None``, a square contingency table of counts (rater 1 in rows).
    rater_2 : array_like, optional
        The second rater's labels, as long as ``rater_1``.  Units missing either label are
        left out.

    Returns
    -------
    KappaResult

    Raises
    ------
    DataError
        When kappa is undefined: no unit carries a label from both raters (empty input,
        every pair missing, an all-zero table), or both raters used one and the same
        category only (chance agreement ``p_e`` is 1, so kappa is 0 / 0); and for raters of
        different lengths, labels that are not one-dimensional or not hashable, and tables
        that are not square or hold negative or non-finite counts.

    Notes
    -----
    With ``p_ij`` the share of units labelled ``i`` by rater 1 and ``j`` by rater 2,
    ``p_o = sum_i p_ii``, ``p_e = sum_i p_i. p_.i`` and ``kappa = (p_o - p_e) / (1 - p_e)``.
    The variance is that of Fleiss, Cohen & Everitt (1969), the "ASE" of SAS PROC FREQ::

        var = [sum_i p_ii (1 - (p_i. + p_.i)(1 - kappa))**2
               + (1 - kappa)**2 sum_{i != j} p_ij (p_.i + p_j.)**2
               - (kappa - p_e (1 - kappa))**2] / ((1 - p_e)**2 n)

    Only the shares ``p_ij`` enter kappa, so a table of counts is first divided by its
    largest cell: counts up to the largest float (``1e308``) give a finite kappa.

    References
    ----------
    .. [1] Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
       Psychological Measurement 20(1), 37-46.
    .. [2] Fleiss, J. L., Cohen, J., Everitt, B. S. (1969). Large sample standard errors of
       kappa and weighted kappa. Psychological Bulletin 72(5), 323-327.

    Examples
    --------
    A SAS PROC FREQ example (kappa 0.4842, ASE 0.1380):

    >>> from btstats.agreement import cohen_kappa
    >>> res = cohen_kappa([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    >>> round(res.kappa, 4), round(res.se, 4)
    (0.4842, 0.138)
    """
    if rater_2 is None:
        t = _counts_from(rater_1, True, "rater_1")
        if t.shape[0] != t.shape[1]:
            raise DataError(f"a contingency table must be square (categories of rater 1 in "
                            f"rows, of rater 2 in columns); got shape {t.shape}.")
        table = pd.DataFrame(t)
    else:
        x_arr = _label_vector(rater_1, "rater_1")
        y_arr = _label_vector(rater_2, "rater_2")
        if x_arr.shape != y_arr.shape:
            raise DataError(f"`rater_1` and `rater_2` must be one-dimensional and equally "
                            f"long (one label per unit each); got {x_arr.shape[0]} and "
                            f"{y_arr.shape[0]} labels.")
        x = pd.Series(x_arr, dtype=object)
        y = pd.Series(y_arr, dtype=object)
        keep = (~x.isna() & ~y.isna()).to_numpy()
        m = int(keep.sum())
        if m == 0:
            raise DataError(f"Cohen's kappa is undefined: no unit has a label from both "
                            f"raters ({x.shape[0]} unit(s), each missing a label from one "
                            f"or both). Give `rater_1` and `rater_2` at least one unit "
                            f"labelled by both (NaN / None mark a missing label).")
        both = pd.concat([x[keep], y[keep]], ignore_index=True)
        try:
            try:
                codes, cats = pd.factorize(both, sort=True)
            except TypeError:
                codes, cats = pd.factorize(both, sort=False)
        except TypeError as exc:
            raise DataError(f"`rater_1` and `rater_2` must hold hashable labels (strings or "
                            f"numbers); got {type(both.iloc[0]).__name__} values such as "
                            f"{both.iloc[0]!r}.") from exc
        c = max(len(cats), 1)
        t = np.bincount(codes[:m] * c + codes[m:], minlength=c * c).reshape(c, c).astype(float)
        table = pd.DataFrame(t, index=pd.Index(cats, name="rater_1"),
                             columns=pd.Index(cats, name="rater_2"))
    k, se, n, po, pe = _kappa_from_table(t)
    if not t.max() > 0:
        raise DataError("Cohen's kappa is undefined: the contingency table `rater_1` holds "
                        "no unit (every count is 0). Give a table of counts with at least "
                        "one positive cell.")
    if not math.isfinite(k):
        used = np.nonzero(t.sum(axis=0) + t.sum(axis=1) > 0)[0]
        which = f" ({table.index[used[0]]!r})" if used.size else ""
        raise DataError(f"Cohen's kappa is undefined: both raters gave every one of the {n} "
                        f"unit(s) the same single category{which}, so chance agreement is 1 "
                        f"and kappa is 0 / 0. Kappa needs at least two categories in use; the "
                        f"observed agreement is {po:g}.")
    return KappaResult(kappa=k, se=se, n=n, observed=po, expected=pe, table=table)


def _label_vector(x, name):
    """A one-dimensional object array of one rater's labels."""
    if isinstance(x, (pd.Series, pd.Index)):
        arr = x.to_numpy(dtype=object)
    else:
        try:
            arr = np.asarray(x, dtype=object)
        except (TypeError, ValueError) as exc:
            raise DataError(f"`{name}` must be a one-dimensional sequence of labels; "
                            f"{exc}.") from exc
    if arr.ndim != 1:
        raise DataError(f"`{name}` must be one-dimensional (one label per unit); got shape "
                        f"{arr.shape}. For a contingency table pass it alone: "
                        f"cohen_kappa(table).")
    return arr


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


def _as_labels(data, columns, orientation="sorted"):
    _v.check_choice(orientation, "orientation", ("sorted", "given"))
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


def label_units(data, *, orientation="sorted", **columns):
    """One row per unit with its label counts and majority label.

    Parameters
    ----------
    data : DataFrame, Comparisons or path
        Individual labels in the long format of :meth:`btstats.Comparisons.from_frame`
        (``item_a, item_b, outcome``, optional ``annotator`` and ``cluster`` / ``prompt``).
    orientation : {"sorted", "given"}
        How each unit's two items are ordered: by label (``"sorted"``, MT-Bench's
        convention) or as in the unit's first row (``"given"``, e.g. the order shown).
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
    lab = _as_labels(data, columns, orientation)
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
class Agreement:
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

    def confidence_interval(self, confidence_level=0.95):
        """Percentile bootstrap intervals (units resampled with replacement).

        Returns
        -------
        pandas.DataFrame
            Columns ``low``, ``high``, indexed by statistic; ``NaN`` without resamples.
        """
        low, high = _percentile_interval(self.bootstrap_distribution,
                                         _check_level(confidence_level),
                                         len(AGREEMENT_STATISTICS))
        return pd.DataFrame({"low": low, "high": high},
                            index=pd.Index(AGREEMENT_STATISTICS, name="statistic"))

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

    def to_frame(self, confidence_level=0.95):
        """The four statistics with counts and intervals, one row each."""
        ci = self.confidence_interval(confidence_level)
        df = pd.DataFrame({"estimate": self.estimates,
                           "numerator": [self.agreeing_pairs, self.agreeing_pairs_no_ties,
                                         np.nan, np.nan],
                           "denominator": [self.n_pairs, self.n_pairs_no_ties, np.nan,
                                           np.nan]},
                          index=pd.Index(AGREEMENT_STATISTICS, name="statistic"))
        return pd.concat([df, ci], axis=1)

    def summary(self, confidence_level=0.95):
        """A text report: the statistics with intervals, then the annotator table."""
        ci = self.confidence_interval(confidence_level)
        pct = f"{100 * confidence_level:g}%"
        lines = [f"Labeler agreement: {self.n_units} units, {self.n_labels} labels",
                 "=" * 40]
        names = {"agreement": f"raw agreement ({self.agreeing_pairs}/{self.n_pairs})",
                 "agreement_no_ties": f"without ties ({self.agreeing_pairs_no_ties}/"
                                      f"{self.n_pairs_no_ties})",
                 "fleiss_kappa": "Fleiss' kappa", "krippendorff_alpha": "Krippendorff alpha"}
        for key, est in zip(AGREEMENT_STATISTICS, self.estimates):
            lo, hi = ci.loc[key, "low"], ci.loc[key, "high"]
            iv = f"  [{lo:.4f}, {hi:.4f}]" if np.isfinite(lo) else ""
            lines.append(f"{names[key]:<34}{est:8.4f}{iv}")
        if np.isfinite(ci["low"]).any():
            lines.append(f"({pct} percentile intervals, {self.bootstrap_distribution.shape[0]}"
                         f" resamples of the units)")
        if self.cohen is not None and len(self.cohen):
            lines += ["", "Cohen's kappa by annotator pair",
                      self.cohen.head(20).to_string(index=False, float_format="%.4f")]
        if self.annotators is not None:
            lines += ["", "Annotators", self.annotators.to_string(float_format="%.4f")]
        return "\n".join(lines)

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
              orientation="sorted", rng=None, **columns):
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
    _check_level(confidence_level)
    _check_resamples(n_resamples)
    _v.check_number(min_common, "min_common", low=1, integer=True)
    rng = _v.as_generator(rng)
    lab = _as_labels(data, columns, orientation)
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
        Column roles.

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
    _check_level(confidence_level)
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
                row[f"{name}_low"] = ci.loc[name, "low"]
                row[f"{name}_high"] = ci.loc[name, "high"]
        rows[key] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def accuracy_bounds(agreement, n_categories=2):
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


# =========================================================================== ceilings
@dataclass(frozen=True, eq=False)
class Ceilings:
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
    draws: np.ndarray = field(repr=False, default=None)
    source: str = field(repr=False, default="scores")
    n_categories: int = field(repr=False, default=None)
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

    def confidence_interval(self, confidence_level=0.95, *, kind="basic"):
        """Intervals from the draws of the scores (``NaN`` without draws).

        Parameters
        ----------
        confidence_level : float
            Coverage aimed at.
        kind : {"basic", "percentile"}
            ``"basic"`` (default): ``[2 c - q_high, 2 c - q_low]`` with ``c`` the plug-in
            value and ``q`` the quantiles of the draws.  The ceilings are convex in the
            score gaps, so draws around the estimate sit above it as the estimate sits above
            the truth; the basic interval undoes that shift.  ``"percentile"``:
            ``[q_low, q_high]``.

        Returns
        -------
        pandas.DataFrame
            Columns ``low``, ``high``, indexed by quantity.
        """
        _v.check_choice(kind, "kind", ("basic", "percentile"))
        names = self.statistics
        low, high = _percentile_interval(self.draws, _check_level(confidence_level),
                                         len(names))
        if kind == "basic":
            est = self.estimates
            low, high = 2.0 * est - high, 2.0 * est - low
        return pd.DataFrame({"low": low, "high": high},
                            index=pd.Index(names, name="quantity"))

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

    def to_frame(self, confidence_level=0.95, *, kind="basic"):
        """The eight quantities (twelve for a graded family) with their bias estimate and
        intervals, one row each."""
        ci = self.confidence_interval(confidence_level, kind=kind)
        df = pd.DataFrame({"estimate": self.estimates, "bias": self.bias().to_numpy()},
                          index=pd.Index(self.statistics, name="quantity"))
        return pd.concat([df, ci], axis=1)

    def summary(self, confidence_level=0.95):
        """A text report of the ceilings."""
        ci = self.confidence_interval(confidence_level)
        lines = [f"Model-implied ceilings ({self.model}, {self.n_comparisons:g} comparisons)",
                 "=" * 56, f"{'':<28}{'all labels':>22}{'decisive labels':>22}"]
        rows = [("labeler agreement", "agreement"), ("Bayes accuracy ceiling", "accuracy"),
                ("smallest log loss (nats)", "log_loss"), ("smallest Brier score", "brier")]
        for label, key in rows:
            cells = []
            for k in (key, f"{key}_no_ties"):
                lo, hi = ci.loc[k, "low"], ci.loc[k, "high"]
                iv = f" [{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) else ""
                cells.append(f"{getattr(self, k):.4f}{iv}")
            lines.append(f"{label:<28}{cells[0]:>22}{cells[1]:>22}")
        if GRADE_STATISTICS[0] in self.statistics:
            lines.append(f"{'':<28}{f'over the {self.n_categories} grades':>22}")
            for label, key in rows:
                k = f"{key}_grades"
                lo, hi = ci.loc[k, "low"], ci.loc[k, "high"]
                iv = f" [{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) else ""
                lines.append(f"{label:<28}{f'{getattr(self, k):.4f}{iv}':>22}")
        if self.draws is not None:
            lines.append(f"({100 * confidence_level:g}% basic intervals over "
                         f"{self.draws.shape[0]} draws of the scores: {self.source})")
        return "\n".join(lines)


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
    from .models import _as_pairs

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
    """Whether ``source`` is a fit of the general model core (:class:`btstats.core.CoreFit`:
    Davidson ties, graded outcomes, order effects), read through its public ``params``,
    ``n_categories`` and ``order_effect``."""
    return isinstance(getattr(source, "params", None), pd.Series) and \
        hasattr(source, "n_categories") and hasattr(source, "order_effect")


def _family_spec(fit):
    """``(family code, link, K, h, theta, names)`` of a fit of the general core: the kernels'
    view of ``fit.params`` (``h`` the order effect, 0 without one; ``theta`` the family
    parameters, thresholds or Davidson's ``nu``; ``names`` those of ``fit.params``)."""
    mdl = get_model(fit.model)
    fam = _kf.DAVIDSON if mdl.family == "davidson" else _kf.CUMULATIVE
    params = fit.params
    names = [str(k) for k in params.index]
    vals = params.to_numpy(dtype=float)
    h = float(vals[names.index("h")]) if "h" in names else 0.0
    theta = np.array([v for k, v in zip(names, vals) if k != "h"], dtype=float)
    return fam, mdl.link, int(fit.n_categories), h, theta, names


def _project_params(fam, names, d):
    """Draws of ``fit.params`` (columns ``names``) to ``(h, theta)`` draws inside the family's
    parameter space: ``nu >= 0``; thresholds ``0 <= t_1 <= ... <= t_p`` (each clipped at 0
    and at the one before, as the Rao-Kupper ``eta`` is clipped at 0)."""
    h = d[:, names.index("h")] if "h" in names else np.zeros(d.shape[0])
    cols = [c for c, k in enumerate(names) if k != "h"]
    theta = np.maximum(d[:, cols], 0.0)
    if fam != _kf.DAVIDSON and theta.shape[1] > 1:
        theta = np.maximum.accumulate(theta, axis=1)
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
        from .models import _as_pairs

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
    ``params`` named as :attr:`btstats.core.CoreFit.params` (``h``, ``eta``, ``nu``,
    ``t1 .. tp``), ``n_categories`` for a graded model, ``theta`` (Rao-Kupper's) allowed for
    the threshold-tie models instead of ``eta``."""
    if params is None:
        params = {}
    if isinstance(params, pd.Series):
        params = params.to_dict()
    if not isinstance(params, dict):
        raise TypeError(f"`params` must be a dict or a pandas.Series of parameters by name "
                        f"(e.g. {{'nu': 0.8}}, or a fit's params); got "
                        f"{type(params).__name__}.")
    vals = {}
    for k, v in params.items():
        vals[str(k)] = float(_v.check_number(v, f"params[{k!r}]"))
    h = vals.pop("h", None)
    if mdl.family == "davidson":
        fam, expected = _kf.DAVIDSON, ["nu"]
        k_cat = 3
    elif mdl.family == "graded":
        fam = _kf.CUMULATIVE
        p = len(vals)
        expected = [f"t{q + 1}" for q in range(p)]
        allowed = sorted({max(2 * p + 1, 2), 2 * p + 2})
        k_cat = allowed[0] if n_categories is None else \
            int(_v.check_number(n_categories, "n_categories", low=2, integer=True))
        if k_cat not in allowed:
            raise ValueError(f"`n_categories` of a graded model with {p} thresholds is "
                             f"{' or '.join(map(str, allowed))}; got {k_cat}.")
    else:
        fam = _kf.CUMULATIVE
        expected = ["eta"] if mdl.has_ties else []
        k_cat = 3 if mdl.has_ties else 2
        if mdl.has_ties and theta is not None:
            if "eta" in vals:
                raise ValueError("give the tie threshold once: `theta` or params['eta'].")
            from .models import _eta_from_theta

            vals["eta"] = _eta_from_theta(mdl, theta)
    if mdl.family != "graded" and n_categories is not None and n_categories != k_cat:
        raise ValueError(f"`n_categories` applies to graded models; the {mdl.name} model has "
                         f"{k_cat} outcomes.")
    if sorted(vals) != sorted(expected):
        need = expected or "none"
        raise ValueError(f"`params` of the {mdl.name} model: the parameters {need} (and 'h' "
                         f"for an order effect); got {sorted(params)}.")
    th = np.array([vals[k] for k in expected], dtype=float)
    if np.any(th < 0) or np.any(np.diff(th) < 0):
        raise ValueError(f"`params`: {expected} must be >= 0"
                         f"{' and non-decreasing' if len(th) > 1 else ''}; got {th.tolist()}.")
    names = (["h"] if h is not None else []) + expected
    return fam, mdl.link, k_cat, 0.0 if h is None else h, th, names


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
        p = n + len(names)
        _v.check_memory(8 * int(n_draws) * (3 * p + 24), "n_draws", n_draws,
                        f"{int(n_draws):,} parametric draws of {p:,} parameters",
                        "Use n_draws=1000 (the default) or fewer; 0 for point values only.")
        try:
            cov = fit.parameter_covariance.to_numpy(dtype=float)
        except (MemoryError, np.linalg.LinAlgError) as exc:
            raise type(exc)(f"parametric draws need the fit's covariance, which is not "
                            f"available ({str(exc).splitlines()[0]}); pass n_draws=0 for "
                            f"point values or bootstrap= draws.") from exc
        mean = np.concatenate([s, mean_p])
        vals, vecs = np.linalg.eigh(0.5 * (cov + cov.T))
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        z = rng.standard_normal((int(n_draws), cov.shape[0]))
        d = mean + z @ root.T
        draws_s, draws_p = np.ascontiguousarray(d[:, :n]), d[:, n:]
        label = "parametric (multivariate normal from the fit's covariance)"
    draws = None
    if draws_s is not None:
        if draws_p is None:
            draws_p = np.tile(mean_p, (draws_s.shape[0], 1))
        dh, dtheta = _project_params(fam, names, draws_p)
        sums = np.empty((draws_s.shape[0], _kcf.N_SUMS))
        _kcf.ceiling_sums(fam, link, k_cat, draws_s, dh, dtheta, pi, pj, po, w, sums)
        draws = _ceiling_values(sums, total)
        if k_cat > 3:
            draws = np.concatenate([draws, _grade_values(sums, total)], axis=1)
    return Ceilings(*est, n_comparisons=total, model=model, draws=draws, source=label,
                    n_categories=k_cat, agreement_grades=grades[0], accuracy_grades=grades[1],
                    log_loss_grades=grades[2], brier_grades=grades[3])


def ceilings(source, design=None, *, model=None, theta=None, bootstrap=None,
             theta_draws=None, n_draws=1000, rng=None, params=None, n_categories=None):
    r"""Model-implied labeler agreement and the Bayes ceilings of held-out scores.

    Parameters
    ----------
    source : PairwiseFit, or array_like / pandas.Series of scores
        A fit (its model, scores and tie parameter are used; for a fit of the general core,
        :class:`btstats.core.CoreFit`, its family and ``params``: Davidson ties, graded
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
        :attr:`btstats.core.CoreFit.params`: ``"h"`` an order effect, ``"eta"`` the threshold
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
        s = np.ascontiguousarray(source.scores.to_numpy(dtype=float))
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
    cov_full = None
    if is_fit:
        mdl = pairwise_model(source.model, "ceilings", source)
        scores = source.scores
        items = scores.index
        s = np.ascontiguousarray(scores.to_numpy(dtype=float))
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
        from .models import _eta_from_theta

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
        p = n + (1 if mdl.has_ties else 0)
        # the normal deviates, the draws and their scores, the 9 sums and 8 quantities
        _v.check_memory(8 * int(n_draws) * (3 * p + 20), "n_draws", n_draws,
                        f"{int(n_draws):,} parametric draws of {p:,} parameters",
                        "Use n_draws=1000 (the default) or fewer; 0 for point values only.")
        try:
            cov_full = source.parameter_covariance.to_numpy(dtype=float)
        except (MemoryError, np.linalg.LinAlgError) as exc:
            raise type(exc)(f"parametric draws need the fit's covariance, which is not "
                            f"available ({str(exc).splitlines()[0]}); pass n_draws=0 for "
                            f"point values or bootstrap= draws.") from exc
        mean = s if cov_full.shape[0] == n else np.append(s, eta)
        vals, vecs = np.linalg.eigh(0.5 * (cov_full + cov_full.T))
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        z = rng.standard_normal((int(n_draws), cov_full.shape[0]))
        d = mean + z @ root.T
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
    return Ceilings(*[float(x) for x in est], n_comparisons=total, model=mdl.name,
                    draws=draws, source=label, n_categories=3 if mdl.has_ties else 2)
