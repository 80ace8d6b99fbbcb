"""Chance-corrected agreement: Cohen's and Fleiss' kappa, Krippendorff's alpha."""
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .. import _validation as _v
from .._results import ResultBase
from ..exceptions import DataError


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


def fleiss_kappa(data: ArrayLike | pd.DataFrame, *, counts: bool = False) -> float:
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


def krippendorff_alpha(data: ArrayLike | pd.DataFrame, *, counts: bool = False) -> float:
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
class KappaResult(ResultBase):
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

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        """Wald interval ``kappa -/+ z se``.

        Returns
        -------
        ConfidenceInterval
            Scalar limits (floats; ``low, high = res.confidence_interval()`` unpacks them).

        Examples
        --------
        >>> from btstats.agreement import cohen_kappa
        >>> ci = cohen_kappa([[0, 4, 1], [0, 8, 0], [0, 1, 5]]).confidence_interval()
        >>> round(ci.low, 4), round(ci.high, 4)
        (0.2137, 0.7547)
        """
        _v.check_choice(interval, "interval", ("wald",))
        return self._interval("wald", None, estimate=self.kappa, standard_error=self.se,
                              confidence_level=confidence_level)

    def to_frame(self, confidence_level=0.95):
        """One row ``kappa``: ``estimate, se, low, high, n, observed, expected``."""
        ci = self.confidence_interval(confidence_level)
        return pd.DataFrame({"estimate": [self.kappa], "se": [self.se], "low": [ci.low],
                             "high": [ci.high], "n": [self.n], "observed": [self.observed],
                             "expected": [self.expected]}, index=pd.Index(["kappa"]))

    # summary() and _repr_html_() come from ResultBase: to_frame(), then the table
    _summary_title = "Cohen's kappa"

    def _sections(self, confidence_level=0.95):
        return [("Contingency table (rater 1 in rows, rater 2 in columns)", self.table,
                 {"float_format": lambda x: f"{x:g}"})]


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


def cohen_kappa(rater_1: ArrayLike, rater_2: ArrayLike | None = None) -> KappaResult:
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
