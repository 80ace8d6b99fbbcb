r"""Confidence intervals: the one place btstats computes them (public as
:mod:`btstats.inference.intervals`).

This module sits below every result class (:mod:`btstats._results` wraps its arrays, and the
inference modules build on both), so it lives at the top of the package; import it as
``btstats.inference.intervals``.

Plain functions on arrays (numpy in, numpy out, no pandas): :func:`wald` from an estimate and
its standard error, :func:`percentile`, :func:`basic` and :func:`bca` from a bootstrap
distribution, :func:`jackknife_acceleration` for BCa, and :func:`compute`, which dispatches on
the interval kind (:data:`INTERVALS`).  Result classes wrap the arrays in a
:class:`btstats._results.ConfidenceInterval` indexed by parameter (see
:meth:`btstats._results.ResultBase._interval`).

Every function takes ``confidence_level`` (the coverage of the two-sided interval, checked by
:func:`btstats._validation.check_confidence_level`) and works with
``alpha = (1 - confidence_level) / 2`` in each tail.  Bootstrap distributions are arrays of
shape ``(n_resamples, n_parameters)``, or ``(n_resamples,)`` for one scalar statistic (the
limits are then numpy scalars); quantiles are those of :func:`numpy.percentile` (linear
interpolation), so the intervals equal those of :func:`scipy.stats.bootstrap` given the same
distribution.
"""
import numpy as np
from scipy.special import ndtr, ndtri

from ._validation import check_choice, check_confidence_level

__all__ = ["INTERVALS", "normal_quantile", "wald", "percentile", "basic", "bca",
           "jackknife_acceleration", "compute"]

#: The interval kinds :func:`compute` computes (the values of ``interval=``).
INTERVALS = ("wald", "percentile", "basic", "bca")
_MAX_SHOWN = 5


# ---------------------------------------------------------------------------- validation
def _float_array(x, name):
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must hold real numbers; got {type(x).__name__}.") from exc
    return arr


def _draws_iv(draws, shape, name="draws"):
    """``draws`` as a float array of shape ``(n_resamples,) + shape`` (``shape``: that of the
    estimate, ``()`` for a scalar statistic), or None."""
    if draws is None:
        return None
    arr = _float_array(draws, name)
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must be an array of shape (n_resamples, n_parameters), "
                         f"or (n_resamples,) for one statistic; got a scalar.")
    if shape is not None and arr.shape[1:] != tuple(shape):
        raise ValueError(f"`{name}` must have one column per parameter: shape (n_resamples,)"
                         f" + {tuple(shape)} to match the estimate; got shape {arr.shape}.")
    return arr


def _shown(positions):
    positions = list(positions)
    more = f" and {len(positions) - _MAX_SHOWN} more" if len(positions) > _MAX_SHOWN else ""
    return f"{positions[:_MAX_SHOWN]}{more}"


def _scalar(x):
    """A 0-d array as a numpy scalar; other arrays unchanged."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _nan(shape):
    """NaN limits of the given shape (a numpy scalar for ``()``)."""
    return _scalar(np.full(shape, np.nan))


def _columns(arr):
    """The draws as a 2-D array, one column per parameter (also without rows)."""
    return arr.reshape(arr.shape[0], int(np.prod(arr.shape[1:], dtype=np.int64)))


def _column_percentiles(x, pct):
    """Percentiles ``pct`` of each column of the 2-D ``x``, non-finite entries left out.

    ``pct`` is ``(k,)`` (the same for every column) or ``(k, n_columns)`` (one set per
    column); the result is ``(k, n_columns)``, NaN for a column without a finite entry.
    """
    pct = np.asarray(pct, dtype=float)
    per_column = pct.ndim == 2
    out = np.full((pct.shape[0], x.shape[1]), np.nan)
    if x.shape[0] == 0:
        return out
    finite = np.isfinite(x)
    clean = finite.all(axis=0)
    if not per_column and clean.all():
        return np.percentile(x, pct, axis=0)
    if not per_column and clean.any():
        out[:, clean] = np.percentile(x[:, clean], pct, axis=0)
    for c in np.flatnonzero(~clean) if not per_column else range(x.shape[1]):
        col = x[:, c] if clean[c] else x[finite[:, c], c]
        if col.size:
            out[:, c] = np.percentile(col, pct[:, c] if per_column else pct)
    return out


# ---------------------------------------------------------------------------- the intervals
def symmetric_root(vals, vecs):
    """The symmetric square root ``V diag(sqrt(vals)) V'`` of a covariance from its
    eigendecomposition (negative rounding in ``vals`` clipped to 0), for Gaussian draws
    ``z @ root`` around an estimate.

    Unlike ``V diag(sqrt(vals))`` it does not depend on the signs LAPACK gives the
    eigenvectors, nor on the basis it picks for a repeated eigenvalue, so a seed's draws move
    continuously with the covariance (a change at the level of rounding used to move the
    draws, and intervals made from them, in the third decimal)."""
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def normal_quantile(confidence_level=0.95):
    r"""The two-sided standard normal quantile ``z`` of a confidence level.

    Parameters
    ----------
    confidence_level : float
        A number in ``(0, 1)``.

    Returns
    -------
    float
        ``z = Phi^{-1}(1 - alpha)``, ``alpha = (1 - confidence_level) / 2``.

    Raises
    ------
    ValueError
        When ``confidence_level`` is not a number strictly between 0 and 1.

    Notes
    -----
    Computed as ``-Phi^{-1}(alpha)`` (:func:`scipy.special.ndtri`), which keeps its accuracy
    for levels close to 1, where ``1 - alpha`` would round.

    Examples
    --------
    >>> from btstats.inference.intervals import normal_quantile
    >>> round(normal_quantile(0.95), 6)
    1.959964
    """
    level = check_confidence_level(confidence_level)
    return float(-ndtri((1.0 - level) / 2.0))


def wald(estimate, standard_error, confidence_level=0.95):
    r"""Wald intervals ``estimate -/+ z standard_error``.

    Parameters
    ----------
    estimate, standard_error : array_like
        Estimates and their standard errors (broadcast together).  A NaN standard error gives
        a NaN interval.
    confidence_level : float
        Coverage of the two-sided interval, in ``(0, 1)``.

    Returns
    -------
    low, high : ndarray or numpy scalar
        The limits, of the broadcast shape.

    Raises
    ------
    ValueError
        For a bad ``confidence_level`` or a negative standard error.

    Notes
    -----
    .. math:: \hat\theta \mp z_{1 - \alpha}\, \widehat{se}, \qquad
              z_{1-\alpha} = \Phi^{-1}(1 - \alpha), \quad \alpha = (1 - c) / 2

    (:func:`normal_quantile`), with ``c`` the confidence level.

    Examples
    --------
    >>> import numpy as np
    >>> from btstats.inference.intervals import wald
    >>> low, high = wald(np.array([0.5, -0.5]), np.array([0.1, 0.2]), 0.95)
    >>> low.round(4), high.round(4)
    (array([ 0.304, -0.892]), array([ 0.696, -0.108]))
    """
    z = normal_quantile(confidence_level)
    est = _float_array(estimate, "estimate")
    se = _float_array(standard_error, "standard_error")
    with np.errstate(invalid="ignore"):
        negative = se < 0
    if np.any(negative):
        where = (np.flatnonzero(negative) if negative.ndim <= 1 else
                 np.argwhere(negative)).tolist()
        raise ValueError(f"`standard_error` must be non-negative (or NaN when unknown); "
                         f"negative at positions {_shown(where)}.")
    est, se = np.broadcast_arrays(est, se)
    return _scalar(est - z * se), _scalar(est + z * se)


def percentile(draws, confidence_level=0.95, *, n_parameters=None):
    r"""Percentile intervals: the ``alpha`` and ``1 - alpha`` quantiles of each column.

    Parameters
    ----------
    draws : array_like or None
        Bootstrap (or posterior) draws, shape ``(n_resamples, n_parameters)``, or
        ``(n_resamples,)`` for one statistic.  NaN and infinite entries of a column are left
        out of its quantiles; a column with no finite entry gets NaN limits, and so does every
        column for ``draws=None`` or no rows.
    confidence_level : float
        Coverage of the two-sided interval, in ``(0, 1)``.
    n_parameters : int, optional
        Number of parameters: the length of the NaN limits for ``draws=None`` (a scalar NaN
        without it), and checked against the columns of ``draws`` otherwise.

    Returns
    -------
    low, high : ndarray, shape (n_parameters,), or numpy scalars for 1-D ``draws``

    Notes
    -----
    With ``alpha = (1 - c) / 2`` and ``q_p`` the ``p`` quantile of a column by linear
    interpolation (:func:`numpy.percentile`'s default, R's type 7):

    .. math:: [q_\alpha,\ q_{1 - \alpha}]

    Examples
    --------
    >>> import numpy as np
    >>> from btstats.inference.intervals import percentile
    >>> draws = np.random.default_rng(0).normal([0.0, 1.0], [1.0, 0.5], size=(1000, 2))
    >>> low, high = percentile(draws, 0.9)
    >>> low.round(2), high.round(2)
    (array([-1.69,  0.21]), array([1.67, 1.79]))
    >>> percentile(None, n_parameters=2)
    (array([nan, nan]), array([nan, nan]))
    """
    level = check_confidence_level(confidence_level)
    shape = None if n_parameters is None else (int(n_parameters),)
    arr = _draws_iv(draws, shape)
    if arr is None:
        return _nan(() if shape is None else shape), _nan(() if shape is None else shape)
    alpha = (1.0 - level) / 2.0
    q = _column_percentiles(_columns(arr), [100.0 * alpha, 100.0 * (1.0 - alpha)])
    return _scalar(q[0].reshape(arr.shape[1:])), _scalar(q[1].reshape(arr.shape[1:]))


def basic(draws, estimate, confidence_level=0.95):
    r"""Basic (reverse percentile) intervals: the percentile limits reflected about the
    estimate.

    Parameters
    ----------
    draws : array_like or None
        As for :func:`percentile` (non-finite entries left out; NaN without draws).
    estimate : array_like
        The full-data estimate, one value per column of ``draws``.
    confidence_level : float
        Coverage of the two-sided interval, in ``(0, 1)``.

    Returns
    -------
    low, high : ndarray or numpy scalars

    Notes
    -----
    With ``t`` the estimate and ``q`` the quantiles of :func:`percentile`:

    .. math:: [2 t - q_{1-\alpha},\ 2 t - q_\alpha]

    the interval of the pivot ``t* - t`` (Davison and Hinkley 1997, eq. 5.6).  It undoes a
    shift of the draws away from the estimate that the estimate itself has from the truth.

    Examples
    --------
    >>> import numpy as np
    >>> from btstats.inference.intervals import basic
    >>> draws = np.random.default_rng(0).normal([0.0, 1.0], [1.0, 0.5], size=(1000, 2))
    >>> low, high = basic(draws, np.array([0.0, 1.0]), 0.9)
    >>> low.round(2), high.round(2)
    (array([-1.67,  0.21]), array([1.69, 1.79]))
    """
    est = _float_array(estimate, "estimate")
    arr = _draws_iv(draws, est.shape)
    if arr is None:
        check_confidence_level(confidence_level)
        return _nan(est.shape), _nan(est.shape)
    lo_q, hi_q = percentile(arr, confidence_level)
    return _scalar(2.0 * est - hi_q), _scalar(2.0 * est - lo_q)


def bca(draws, estimate, acceleration, confidence_level=0.95, *, names=None):
    r"""Bias-corrected and accelerated (BCa) intervals (Efron 1987).

    Parameters
    ----------
    draws : array_like or None
        As for :func:`percentile` (non-finite entries of a column left out; NaN limits for a
        column with no finite draw, and without draws).
    estimate : array_like
        The full-data estimate, one value per column of ``draws`` (NaN gives NaN limits).
    acceleration : array_like
        The acceleration ``a`` of each parameter (broadcast against ``estimate``), usually
        :func:`jackknife_acceleration` of leave-one-out estimates; 0 gives the bias-corrected
        (BC) interval.
    confidence_level : float
        Coverage of the two-sided interval, in ``(0, 1)``.
    names : sequence, optional
        Labels of the parameters, used in place of their positions in the error message.

    Returns
    -------
    low, high : ndarray or numpy scalars

    Raises
    ------
    ValueError
        When BCa is undefined for some parameter: every (finite) draw lies on one side of its
        estimate, so ``z0`` is infinite.  The message names those parameters (by ``names``, or
        by position).

    Notes
    -----
    With ``z0 = Phi^{-1}(p)``, ``p`` the share of the draws below the estimate (draws equal to
    it counted one half), and ``z_alpha = Phi^{-1}(alpha)``, the limits are the quantiles

    .. math:: \alpha_{1,2} = \Phi\left(z_0 + \frac{z_0 \pm z_\alpha}
              {1 - a (z_0 \pm z_\alpha)}\right)

    of the draws (linear interpolation), as in ``scipy.stats.bootstrap(method="BCa")`` [1]_,
    which this equals given the same bootstrap distribution and acceleration.

    References
    ----------
    .. [1] Efron, B. (1987). Better bootstrap confidence intervals. JASA 82, 171-185.
       Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap, 14.3.

    Examples
    --------
    >>> import numpy as np
    >>> from btstats.inference.intervals import bca, jackknife_acceleration
    >>> x = np.random.default_rng(0).exponential(size=50)
    >>> rng = np.random.default_rng(1)
    >>> draws = x[rng.integers(0, 50, size=(2000, 50))].mean(axis=1)
    >>> jack = (x.sum() - x) / 49            # the leave-one-out means
    >>> low, high = bca(draws, x.mean(), jackknife_acceleration(jack), 0.95)
    >>> round(float(low), 3), round(float(high), 3)
    (0.863, 1.484)
    """
    level = check_confidence_level(confidence_level)
    est = _float_array(estimate, "estimate")
    acc = _float_array(acceleration, "acceleration")
    try:
        acc = np.broadcast_to(acc, est.shape)
    except ValueError as exc:
        raise ValueError(f"`acceleration` must be one value per parameter (shape "
                         f"{est.shape}) or a scalar; got shape {acc.shape}.") from exc
    if not np.all(np.isfinite(acc)):
        bad = np.argwhere(~np.isfinite(acc)).ravel().tolist()
        raise ValueError(f"`acceleration` must be finite; it is not at positions "
                         f"{_shown(bad)}.")
    arr = _draws_iv(draws, est.shape)
    if arr is None or arr.shape[0] == 0:
        return _nan(est.shape), _nan(est.shape)
    x = _columns(arr)
    t = est.reshape(-1)
    a_hat = acc.reshape(-1)
    alpha = (1.0 - level) / 2.0
    finite = np.isfinite(x)
    n_finite = finite.sum(axis=0)
    usable = (n_finite > 0) & np.isfinite(t)
    below = ((x < t) & finite).sum(axis=0) + ((x <= t) & finite).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = ndtri(below / (2.0 * n_finite))
        za = ndtri(alpha)
        n1 = z0 + za
        n2 = z0 - za
        q1 = ndtr(z0 + n1 / (1.0 - a_hat * n1))
        q2 = ndtr(z0 + n2 / (1.0 - a_hat * n2))
    undefined = usable & ~(np.isfinite(q1) & np.isfinite(q2))
    if undefined.any():
        pos = np.flatnonzero(undefined)
        what = (_shown([names[i] for i in pos]) if names is not None else
                f"the parameters at positions {_shown(pos.tolist())}")
        raise ValueError(f"BCa is undefined for {what}: every bootstrap replicate lies on one "
                         f"side of the estimate. Use interval='percentile' or more resamples.")
    pct = np.where(usable, 100.0 * np.stack([q1, q2]), 50.0)
    lim = _column_percentiles(x, pct)
    lim[:, ~usable] = np.nan
    return _scalar(lim[0].reshape(est.shape)), _scalar(lim[1].reshape(est.shape))


def jackknife_acceleration(jackknife_values, weights=None):
    r"""The BCa acceleration of each parameter from leave-one-out (jackknife) estimates.

    Parameters
    ----------
    jackknife_values : array_like
        Leave-one-out estimates, shape ``(n_deletions, n_parameters)``, or ``(n_deletions,)``
        for one statistic.
    weights : array_like, optional
        Multiplicity of each deletion, shape ``(n_deletions,)``: a row that stands for ``w``
        identical deletions (a cell of ``w`` equal comparisons, say) counts ``w`` times, which
        gives exactly the acceleration of the expanded jackknife.  Default: all 1.

    Returns
    -------
    ndarray, shape (n_parameters,), or a numpy scalar for 1-D values
        ``a`` per parameter; 0 where the jackknife values do not vary.

    Raises
    ------
    ValueError
        Without deletions (or with zero total weight), for negative or non-finite weights, or
        weights of the wrong length.

    Notes
    -----
    With ``m_i`` the weights, ``N = sum_i m_i``, ``bar t = sum_i m_i t_(i) / N`` and
    ``U_i = (N - 1)(bar t - t_(i))``,

    .. math:: a = \frac{\sum_i m_i U_i^3}{6 \left(\sum_i m_i U_i^2\right)^{3/2}}

    (the factor ``N - 1`` cancels; it is kept so the arithmetic is that of
    ``scipy.stats.bootstrap``).  Efron and Tibshirani (1993), eq. 14.15.

    Examples
    --------
    >>> import numpy as np
    >>> from btstats.inference.intervals import jackknife_acceleration
    >>> x = np.array([0.1, 0.2, 0.2, 0.4, 1.5])
    >>> jack = (x.sum() - x) / (x.size - 1)
    >>> round(float(jackknife_acceleration(jack)), 4)
    0.1024
    >>> u, counts = np.unique(x, return_counts=True)      # the same, one row per value
    >>> round(float(jackknife_acceleration((x.sum() - u) / 4, counts)), 4)
    0.1024
    """
    values = _float_array(jackknife_values, "jackknife_values")
    if values.ndim not in (1, 2):
        raise ValueError(f"`jackknife_values` must have shape (n_deletions, n_parameters) or "
                         f"(n_deletions,); got shape {values.shape}.")
    n = values.shape[0]
    if weights is None:
        mult = np.ones(n)
    else:
        mult = _float_array(weights, "weights")
        if mult.shape != (n,):
            raise ValueError(f"`weights` must have one entry per deletion ({n}); got shape "
                             f"{mult.shape}.")
        if not np.all(np.isfinite(mult) & (mult >= 0)):
            raise ValueError("`weights` must be finite and non-negative.")
    total = mult.sum()
    if n == 0 or not total > 0:
        raise ValueError("`jackknife_values` needs at least one deletion of positive weight "
                         "to give an acceleration.")
    v = values.reshape(n, -1)
    mean = (mult[:, None] * v).sum(axis=0) / total
    u = (total - 1.0) * (mean - v)
    num = (mult[:, None] * u ** 3).sum(axis=0) / total ** 3
    den = (mult[:, None] * u ** 2).sum(axis=0) / total ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        a = num / (6.0 * den ** 1.5)
    a = np.where(den > 0, a, 0.0)
    return _scalar(a.reshape(values.shape[1:]))


# ---------------------------------------------------------------------------- the dispatcher
def _compute_iv(interval, estimate, standard_error, draws, acceleration):
    check_choice(interval, "interval", INTERVALS)
    if interval == "wald" and standard_error is None:
        raise ValueError("interval='wald' needs `standard_error`.")
    if interval == "bca" and acceleration is None and draws is not None and \
            np.shape(draws)[:1] != (0,):
        raise ValueError("interval='bca' needs `acceleration` (one per parameter, e.g. "
                         "jackknife_acceleration() of leave-one-out estimates; 0 for the "
                         "bias-corrected interval).")
    if estimate is None:
        raise ValueError(f"interval={interval!r} needs `estimate`.")
    return interval


def compute(interval, *, estimate, standard_error=None, draws=None, acceleration=None,
            confidence_level=0.95, names=None):
    r"""A confidence interval of the kind ``interval``: the one entry point of this module.

    Parameters
    ----------
    interval : {"wald", "percentile", "basic", "bca"}
        The interval kind (:data:`INTERVALS`): :func:`wald`, :func:`percentile`,
        :func:`basic` or :func:`bca`.
    estimate : array_like
        The estimate, one value per parameter (a scalar for one statistic).  The percentile
        interval uses only its shape (NaN limits of that shape without draws).
    standard_error : array_like, optional
        Needed by ``"wald"``.
    draws : array_like, optional
        Bootstrap distribution, shape ``(n_resamples,) + estimate.shape``, used by the
        bootstrap kinds; without it (None, or no rows) their limits are NaN.
    acceleration : array_like, optional
        Needed by ``"bca"`` (see :func:`jackknife_acceleration`).
    confidence_level : float
        Coverage of the two-sided interval, in ``(0, 1)``.
    names : sequence, optional
        Parameter labels for the messages of ``"bca"``.

    Returns
    -------
    low, high : ndarray or numpy scalars
        Of the shape of ``estimate``.

    Raises
    ------
    ValueError
        For an unknown ``interval`` (the message lists :data:`INTERVALS`), a bad
        ``confidence_level``, an input the kind needs and lacks, or an undefined BCa
        interval.

    Notes
    -----
    Arguments a kind does not use are ignored.  See the functions for the formulas.

    Examples
    --------
    >>> import numpy as np
    >>> from btstats.inference.intervals import compute
    >>> low, high = compute("wald", estimate=1.0, standard_error=0.5, confidence_level=0.9)
    >>> round(float(low), 4), round(float(high), 4)
    (0.1776, 1.8224)
    >>> compute("percentile", estimate=np.zeros(2), draws=None)
    (array([nan, nan]), array([nan, nan]))
    """
    interval = _compute_iv(interval, estimate, standard_error, draws, acceleration)
    if interval == "wald":
        return wald(estimate, standard_error, confidence_level)
    est = _float_array(estimate, "estimate")
    if interval == "percentile":
        arr = _draws_iv(draws, est.shape)
        if arr is None:
            check_confidence_level(confidence_level)
            return _nan(est.shape), _nan(est.shape)
        return percentile(arr, confidence_level)
    if interval == "basic":
        return basic(draws, est, confidence_level)
    if acceleration is None:     # no draws: NaN limits whatever the acceleration
        acceleration = 0.0
    return bca(draws, est, acceleration, confidence_level, names=names)
