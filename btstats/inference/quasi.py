r"""Quasi-variances (Firth 2003; Firth and de Menezes 2004).

A leaderboard's scores are only defined up to a common shift, so their standard errors
depend on how the shift is fixed (sum-to-zero here, a reference item in R).  What does not
depend on it is the variance of every difference, ``v_ij = Var(s_i - s_j)``.  Quasi-variances
are one number per item, ``q_i``, with ``q_i + q_j ~ v_ij`` for every pair: plotting each score
with ``+/- 2 sqrt(q_i)`` then lets a reader compare *any* two items by eye, which the usual
standard errors do not.

They minimise, as R's ``qvcalc`` does,

.. math::  S(q) = \sum_{i<j} \left(\log v_{ij} - \log(q_i + q_j)\right)^2,

solved here by Gauss-Newton with a line search to ``max |dS/dq| <= 1e-13``.  The relative
errors ``sqrt((q_i + q_j) / v_ij) - 1`` say how good the summary is for each simple contrast;
the worst errors over *all* contrasts ``c's`` with ``sum(c) = 0`` are ``sqrt`` of the extreme
eigenvalues of the quasi-variance form relative to the true covariance of the contrasts
minus 1 (Firth and de Menezes 2004, section 2.3).
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._results import ResultBase
from ..exceptions import DataError
from ..plotting import plot_scores

__all__ = ["QuasiVariances", "quasi_variances"]


@dataclass(frozen=True, eq=False)
class QuasiVariances(ResultBase):
    """Quasi-variances of a set of scores (see :func:`quasi_variances`).

    Attributes
    ----------
    estimate : pandas.Series
        The scores (centred to sum to zero).
    quasi_variance, quasi_se : pandas.Series
        ``q_i`` and ``sqrt(q_i)`` by item (``NaN`` SE where ``q_i < 0``, possible for an
        item whose contrasts are badly summarised).
    relative_errors : pandas.DataFrame
        One row per pair: ``item_1, item_2, variance`` (the true ``Var(s_i - s_j)``),
        ``quasi_variance`` (``q_i + q_j``) and ``relative_error``
        (``sqrt((q_i + q_j) / v_ij) - 1``).
    worst_errors : pandas.DataFrame
        Smallest and largest relative error, over the simple contrasts and over all
        contrasts.
    objective : float
        ``S(q)`` at the solution.
    """

    estimate: pd.Series
    quasi_variance: pd.Series
    quasi_se: pd.Series
    relative_errors: pd.DataFrame
    worst_errors: pd.DataFrame
    objective: float

    _summary_title = "Quasi-variances"

    def to_frame(self):
        """One row per item: ``estimate``, ``quasi_variance``, ``quasi_se``."""
        return pd.DataFrame({"estimate": self.estimate, "quasi_variance": self.quasi_variance,
                             "quasi_se": self.quasi_se})

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        """Comparison intervals ``estimate -/+ z quasi_se``: two items whose intervals do not
        overlap differ at about the stated level (to within the relative errors)."""
        return self._interval(interval, self.estimate.index,
                              estimate=self.estimate.to_numpy(),
                              standard_error=self.quasi_se.to_numpy(),
                              confidence_level=confidence_level)

    def _summary_frame(self, confidence_level=0.95):
        """:meth:`to_frame` with the comparison intervals (``ci_low``, ``ci_high``), drawn
        as bars in the HTML view."""
        ci = self.confidence_interval(confidence_level)
        return self.to_frame().assign(ci_low=ci.low, ci_high=ci.high)

    def plot(self, *, confidence_level=0.95, ax=None):
        """Forest plot of the comparison intervals ``estimate -/+ z quasi_se`` (needs
        matplotlib); see :func:`btstats.plotting.plot_scores`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_scores(self, confidence_level=confidence_level, ax=ax)

    def _header(self):
        w = self.worst_errors
        return [("worst relative error (simple contrasts)",
                 f"{w.loc['simple', 'min']:+.2%} / {w.loc['simple', 'max']:+.2%}"),
                ("worst relative error (all contrasts)",
                 f"{w.loc['all', 'min']:+.2%} / {w.loc['all', 'max']:+.2%}")]


def _objective(q, iu, ju, logv):
    r = np.log(q[iu] + q[ju]) - logv
    return float(r @ r), r


def _solve(v, iu, ju, n, tol=1e-13, max_iter=200):
    """Gauss-Newton with backtracking on ``S(q)``; the start is the least-squares solution
    of the linear problem ``q_i + q_j = v_ij``."""
    logv = np.log(v)
    a = np.zeros((iu.shape[0], n))
    rows = np.arange(iu.shape[0])
    a[rows, iu] = 1.0
    a[rows, ju] = 1.0
    q = np.linalg.lstsq(a, v, rcond=None)[0]
    if np.any(q[iu] + q[ju] <= 0):
        q = np.full(n, 0.5 * v.mean())
    f, r = _objective(q, iu, ju, logv)
    for _ in range(max_iter):
        d = 1.0 / (q[iu] + q[ju])
        jac = a * d[:, None]
        grad = 2.0 * jac.T @ r
        if np.max(np.abs(grad)) <= tol:
            break
        # the Newton polish: exact Hessian of S (Gauss-Newton plus the residual term)
        hess = 2.0 * (jac.T @ jac - (a * (r * d * d)[:, None]).T @ a)
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(2.0 * jac.T @ jac, grad, rcond=None)[0]
        if grad @ step >= 0:   # not a descent direction: Gauss-Newton instead
            step = -np.linalg.lstsq(2.0 * jac.T @ jac, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-12:
            q_new = q + t * step
            if np.all(q_new[iu] + q_new[ju] > 0):
                f_new, r_new = _objective(q_new, iu, ju, logv)
                if f_new <= f + 1e-4 * t * (grad @ step):
                    break
            t *= 0.5
        else:
            break
        q, f, r = q_new, f_new, r_new
    return q, f


def quasi_variances(scores: pd.Series, covariance: pd.DataFrame | ArrayLike
                    ) -> QuasiVariances:
    """Quasi-variances of scores with the given covariance.

    Parameters
    ----------
    scores : pandas.Series
        The scores by item (any shift; they are centred in the output).
    covariance : pandas.DataFrame or array_like
        Their covariance (``n x n``; only the variances of differences are used, so the
        covariance of sum-to-zero scores and that of scores with a reference item give the
        same answer).

    Returns
    -------
    QuasiVariances

    Notes
    -----
    ``q`` minimises ``S(q) = sum_{i<j} (log v_ij - log(q_i + q_j))**2`` with
    ``v_ij = V_ii + V_jj - 2 V_ij``; this is the criterion of R's ``qvcalc`` (its glm with
    the ``expLinear`` family), solved to a gradient of ``1e-13`` (``qvcalc`` stops at a
    relative deviance change of ``1e-8``).

    References
    ----------
    .. [1] Firth, D. (2003). Overcoming the reference category problem in the presentation
       of statistical models. Sociological Methodology 33, 1-18.
    .. [2] Firth, D. and de Menezes, R. X. (2004). Quasi-variances. Biometrika 91, 65-80.

    Examples
    --------
    >>> import btstats
    >>> fit = btstats.fit(btstats.load_example("baseball"))
    >>> qv = fit.quasi_variances()
    >>> qv.quasi_variance.round(4).head(3)
    Baltimore    0.0655
    Boston       0.0465
    Cleveland    0.0490
    Name: quasi_variance, dtype: float64
    """
    if not isinstance(scores, pd.Series):
        raise TypeError("`scores` must be a pandas Series indexed by item.")
    items = scores.index
    n = len(items)
    if n < 3:
        raise DataError(f"quasi-variances need at least 3 items (got {n}): with two, the "
                        f"one difference has its own standard error.")
    v_mat = np.asarray(covariance, dtype=float)
    if v_mat.shape != (n, n):
        raise ValueError(f"`covariance` must be {n} x {n} (one row per score); got "
                         f"{v_mat.shape}.")
    if not np.all(np.isfinite(v_mat)):
        raise DataError("the covariance holds NaN or inf: quasi-variances need finite "
                        "standard errors (refit with a small penalty=).")
    iu, ju = np.triu_indices(n, 1)
    d = np.diag(v_mat)
    v = d[iu] + d[ju] - 2.0 * v_mat[iu, ju]
    if np.any(v <= 0):
        k = int(np.flatnonzero(v <= 0)[0])
        raise DataError(f"the variance of {items[iu[k]]!r} - {items[ju[k]]!r} is not "
                        f"positive ({v[k]:.3g}): the covariance is not that of identified "
                        f"score differences.")
    q, f = _solve(v, iu, ju, n)
    est = scores.to_numpy(dtype=float)
    est = est - est.mean()
    qs = q[iu] + q[ju]
    rel = np.sqrt(qs / v) - 1.0
    # all contrasts: relative to the first item, c = (-sum(c'), c'), Var = C V C', quasi
    # form Q_r = diag(q_2..q_n) + q_1 11'; the extremes of the generalised eigenvalues
    c = np.hstack([-np.ones((n - 1, 1)), np.eye(n - 1)])
    var_c = c @ v_mat @ c.T
    q_r = np.diag(q[1:]) + q[0]
    u = np.linalg.cholesky(var_c)
    u_inv = np.linalg.inv(u)
    lam = np.linalg.eigvalsh(u_inv @ q_r @ u_inv.T)
    worst = pd.DataFrame({"min": [rel.min(), np.sqrt(lam.min()) - 1.0],
                          "max": [rel.max(), np.sqrt(lam.max()) - 1.0]},
                         index=pd.Index(["simple", "all"], name="contrasts"))
    with np.errstate(invalid="ignore"):
        qse = np.where(q >= 0, np.sqrt(np.abs(q)), np.nan)
    rel_frame = pd.DataFrame({"item_1": items[iu], "item_2": items[ju], "variance": v,
                              "quasi_variance": qs, "relative_error": rel})
    return QuasiVariances(estimate=pd.Series(est, index=items, name="estimate"),
                          quasi_variance=pd.Series(q, index=items, name="quasi_variance"),
                          quasi_se=pd.Series(qse, index=items, name="quasi_se"),
                          relative_errors=rel_frame, worst_errors=worst, objective=f)
