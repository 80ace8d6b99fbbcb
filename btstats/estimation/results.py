"""Result objects."""
import copy
import math
from collections import namedtuple
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..data import rows as _rows
from .._checks import COVARIANCE_TYPES
from .._kernels import likelihood as _likelihood
from .._kernels import linalg as _linalg
from .._kernels import robust as _robust
from .. import _validation as _v
from .._validation import check_choice as _check_choice
from ..data.comparisons import _record_frame
from .._results import ConfidenceInterval, ResultBase
from .._scale import ELO_BASE, ELO_PER_UNIT
from ..inference import intervals as _intervals
from ..inference import large as _large
from ..inference.bootstrap import BootstrapResult, bootstrap_fit
from ..inference.comparison import Contrast
from ..inference.comparison import contrast as _contrast
from ..inference.quasi import QuasiVariances, quasi_variances
from ..inference.ranks import RankSets, rank_confidence_sets
from ..plotting import (plot_battle_counts, plot_scores, plot_win_fractions,
                        plot_win_probabilities)

__all__ = ["PairwiseFit", "PairProbabilities"]

#: Largest item count for which the dense covariance (n x n) is computed.
MAX_DENSE_COVARIANCE = 20_000
#: For fits whose passes run on Numba's threads (at least :data:`_COMPILED_MIN_PASS` pairs or
#: cells) the covariance's inverse and sandwich of up to :data:`_COMPILED_DENSE` parameters
#: are compiled loops (:mod:`btstats._kernels.linalg`), not LAPACK / BLAS: OpenBLAS's threads
#: keep spinning for about 0.1-0.2 s after a call, and the next threaded passes run at half
#: speed meanwhile (measured: a pass of 17 ms took 40 ms right after a 104 x 104 inverse).
#: Smaller fits keep LAPACK: nothing of theirs runs threaded, and the loops would cost
#: their compilation (0.6-0.8 s, once per environment) on a first call.
_COMPILED_DENSE = 200
_COMPILED_MIN_PASS = 1 << 17

_SINGULAR = ("the information matrix is numerically singular, so standard errors do not "
             "exist at this estimate (some score gaps are too large, or some weights too small "
             "or too large, for the data to pin them down). Refit with a small penalty=, e.g. "
             "penalty=1e-3, or rescale the weights.")

PairProbabilities = namedtuple("PairProbabilities", ["a_wins", "tie", "b_wins"])
PairProbabilities.__doc__ = "Outcome probabilities of comparisons between a and b."


class PairwiseFit(ResultBase):
    """The fit of a paired-comparison model (returned by :func:`btstats.fit`).

    Scores are log-strengths centred to sum to zero; their covariance is the inverse
    information under that constraint, ``C V C`` with ``C = I - 11'/n`` and ``V`` the inverse
    information with one item fixed (the Moore-Penrose inverse of the Laplacian-shaped
    information).  It is computed when first asked for (an n x n matrix).

    Attributes
    ----------
    scores : pandas.Series
        Centred scores by item label.
    standard_errors : pandas.Series
        Standard errors of the centred scores.
    covariance : pandas.DataFrame
        Covariance of the centred scores.
    theta, theta_se : float or None
        Rao-Kupper tie parameter ``theta = exp(eta) >= 1`` and its standard error (delta
        method); ``None`` for models without ties.
    coefficients : pandas.DataFrame
        The parameters beyond the scores (``eta`` for the threshold-tie models; the order
        effect, tie parameters or thresholds of a :class:`~btstats.estimation.core.CoreFit`)
        with estimate, se, z, p and Wald interval; empty for Bradley-Terry and Thurstone.
    loglik, aic, bic : float
        Log-likelihood (sum over comparisons of log P(observed outcome), at the estimate),
        ``-2 loglik + 2 k`` and ``-2 loglik + k log(n_comparisons)``, ``k = n_items - 1``
        (+1 with a tie parameter).
    n_params, deviance
        ``k``, the number of free parameters, and ``-2 loglik``.  :meth:`contrast` tests a
        difference of scores; :func:`btstats.compare` tests nested fits against each other.
    n_items, n_comparisons, n_iter, converged, method, message
        Size of the data and how the solver went.
    """

    #: How the bootstrap resamples this fit (:mod:`btstats.inference.bootstrap`): over
    #: (pair, outcome) counts.
    resampling_design = "pairs"

    def __init__(self, *, model, method, comparisons, counts, scores, eta, penalty, n_iter,
                 converged, message, gradient_norm, covariance_type, ties=None):
        self._model = model
        self._method = method
        self._comparisons = comparisons
        self._counts = counts
        self._s = np.asarray(scores, dtype=float)
        self._s.setflags(write=False)
        self._eta = eta
        self._penalty = penalty
        self._n_iter = n_iter
        self._converged = converged
        self._message = message
        self._gradient_norm = gradient_norm
        self._covariance_type = covariance_type
        self._ties = ties
        self._cluster_codes = None
        self._n_clusters = None
        self._cov = None
        self._loglik = None

    # ------------------------------------------------------------------ fields
    model = property(lambda self: self._model.name, doc="Model name.")
    method = property(lambda self: self._method, doc="Fitting algorithm.")
    n_iter = property(lambda self: self._n_iter, doc="Iterations used.")
    converged = property(lambda self: self._converged, doc="Whether the criterion was met.")
    message = property(lambda self: self._message, doc="How the solver stopped.")
    penalty = property(lambda self: self._penalty, doc="L2 penalty on the scores.")
    gradient_norm = property(lambda self: self._gradient_norm,
                             doc="Final scaled gradient norm (the convergence measure).")
    covariance_type = property(lambda self: self._covariance_type)
    ties = property(lambda self: self._ties,
                    doc="How ties were handled under a model without ties (None, drop, half).")
    comparisons = property(lambda self: self._comparisons, doc="The data fitted.")
    items = property(lambda self: self._comparisons.items, doc="Item labels.")
    n_items = property(lambda self: self._comparisons.n_items)

    @property
    def n_comparisons(self):
        """Total weight of the comparisons fitted (after any tie handling)."""
        c = self._counts
        return float(c.wab.sum() + c.wba.sum() + c.tie.sum())

    @property
    def scores(self):
        """Centred scores (log-strengths summing to zero), by item label."""
        return pd.Series(self._s.copy(), index=self.items, name="score")

    @property
    def eta(self):
        """Tie threshold ``log(theta)`` (``None`` without a tie parameter)."""
        return self._eta

    @property
    def theta(self):
        """Rao-Kupper ``theta = exp(eta)`` (``None`` without a tie parameter)."""
        return None if self._eta is None else math.exp(self._eta)

    @property
    def n_params(self):
        """Number of free parameters: ``n_items - 1`` scores (they sum to zero) plus the
        parameters beyond the scores (the rows of :attr:`coefficients`)."""
        return self.n_items - 1 + (self._eta is not None)

    @property
    def loglik(self):
        if self._loglik is None:
            eta = 0.0 if self._eta is None else self._eta
            # (a writable copy, as fit() passes: a read-only array would compile it twice)
            self._loglik = float(_likelihood.loglik(self._model.link, self._s.copy(), eta,
                                                    *self._counts.arrays()))
        return self._loglik

    @property
    def aic(self):
        """Akaike's criterion ``-2 loglik + 2 n_params`` (smaller is better)."""
        return -2.0 * self.loglik + 2.0 * self.n_params

    @property
    def bic(self):
        """Schwarz's criterion ``-2 loglik + n_params log(n)`` with ``n = n_comparisons``,
        the total weight of the comparisons fitted (a row of weight ``w`` counts as ``w``
        comparisons).  That is R's ``BIC()`` of a ``glm`` on one row per comparison; R's
        ``BIC()`` of a ``glm`` / ``BTm`` on aggregated binomial counts uses the number of
        rows (pairs) instead, and its ``logLik`` adds ``log choose(n, k)`` constants."""
        return -2.0 * self.loglik + self.n_params * math.log(self.n_comparisons)

    @property
    def deviance(self):
        """``-2 loglik``: the deviance against a model that predicts every comparison
        exactly (log-likelihood 0).  R's ``deviance()`` of a ``glm`` on one row per
        comparison is this; on aggregated counts R measures it against the saturated model
        of the cells, a constant away, so differences between models of the same data
        (:func:`btstats.compare`) agree either way."""
        return -2.0 * self.loglik

    # ------------------------------------------------------------------ covariance
    def _full_covariance(self):
        """Covariance of (centred scores, eta) as an ndarray (eta last when present)."""
        if self._cov is None:
            n = self.n_items
            if n > MAX_DENSE_COVARIANCE:
                gib = 8.0 * (n + 1) ** 2 / 2 ** 30
                raise MemoryError(
                    f"standard errors for {n:,} items need the inverse of a dense {n:,} x {n:,} "
                    f"information matrix ({gib:.1f} GiB); btstats stops at "
                    f"{MAX_DENSE_COVARIANCE:,} items. The scores are available; standard "
                    f"errors, contrasts and variances without the matrix come from "
                    f"fit.standard_errors, fit.contrast() and fit.variances(); for the "
                    f"leaderboard without intervals use to_frame(intervals=False).")
            info = np.ascontiguousarray(self._information())
            idx = np.arange(n)
            info[idx, idx] += self._penalty
            # The covariance is the inverse of the (penalised) information in the sum-to-zero
            # subspace, P (P' H P)^-1 P' with P an orthonormal basis of that subspace.  The
            # unit vector u = 1/sqrt(n) on the scores is an eigenvector of H: of the bare
            # information with eigenvalue 0 (shifting every score changes nothing), of the
            # penalised one with eigenvalue `penalty`.  So for any c > 0,
            # (H + c uu')^-1 = P (P' H P)^-1 P' + uu' / (penalty + c), and subtracting the
            # second term gives the answer.  c is the mean curvature, so that it neither
            # swamps nor vanishes against H.
            c = float(np.mean(np.diag(info)[:n]))
            c = c if c > 0 and math.isfinite(c) else 1.0
            info[:n, :n] += c / n
            small = info.shape[0] <= _COMPILED_DENSE and self._pass_size() >= \
                _COMPILED_MIN_PASS
            status, cov = _linalg.spd_inverse(info) if small else (1, None)
            if status != 0:
                try:
                    cov = np.linalg.inv(info)
                except np.linalg.LinAlgError as exc:
                    raise np.linalg.LinAlgError(self._singular_hint() or _SINGULAR) from exc
            cov[:n, :n] -= 1.0 / ((c + self._penalty) * n)
            cov = 0.5 * (cov + cov.T)
            if self._covariance_type in ("sandwich", "cluster"):
                meat = np.ascontiguousarray(self._meat(), dtype=float)
                if small:
                    cov = _linalg.congruence(cov, meat)
                else:
                    cov = cov @ meat @ cov
                    cov = 0.5 * (cov + cov.T)
            if not np.all(np.isfinite(cov)):
                raise np.linalg.LinAlgError(self._singular_hint() or _SINGULAR)
            self._cov = cov
        return self._cov

    def _singular_hint(self):
        """A specific reason for a singular information matrix, when one is known ("" if
        not)."""
        return ""

    def _pass_size(self):
        """The length of the solvers' passes: pairs here, cells in the general core."""
        return int(self._counts.pi.shape[0])

    def _information(self):
        """The information matrix (observed or expected) of (scores, eta)."""
        with_eta = self._eta is not None
        eta = 0.0 if self._eta is None else self._eta
        return _likelihood.information(self._model.link, self._s, eta, *self._counts.arrays(),
                                       self._covariance_type == "expected", with_eta)

    def _meat(self):
        """``G``: the sum of outer products of per-comparison scores (``"sandwich"``) or of
        per-cluster sums of them (``"cluster"``, times ``G/(G-1) (N-1)/(N-K)``)."""
        n = self.n_items
        with_eta = self._eta is not None
        eta = 0.0 if self._eta is None else self._eta
        raw = self._comparisons.pairs
        gd, ge = _robust.cell_scores(self._model.link, np.ascontiguousarray(self._s), eta,
                                     raw.pi, raw.pj, self._model.has_ties)
        if not self._model.has_ties:
            # a tie row under ties="half" is half a win each way: its score is the mean of the
            # two win scores; under "drop" it has none
            gd[2::3] = 0.5 * (gd[0::3] + gd[1::3]) if self._ties == "half" else 0.0
            ge[2::3] = 0.0
        if self._covariance_type == "sandwich":
            w3 = np.empty(3 * raw.n_pairs)
            w3[0::3] = raw.wab
            w3[1::3] = raw.wba
            w3[2::3] = raw.tie
            return _robust.meat_cells(n, raw.pi, raw.pj, w3, gd, ge, with_eta)
        labels = self._cluster_codes
        ptr, cell, weight, n_clusters = _rows.units(self._comparisons, raw.pi, raw.pj, labels)
        meat = _robust.meat_clusters(n, raw.pi, raw.pj, ptr, cell, weight, gd, ge, with_eta)
        self._n_clusters = int(n_clusters)
        return meat * self._cluster_factor(n_clusters)

    def _cluster_factor(self, n_clusters):
        """The finite-sample factor of the cluster meat, ``C/(C-1) (N-1)/(N-K)`` (``C``
        clusters, ``N`` comparisons, ``K`` free parameters; the second factor only when
        ``N > K + 1``), as Stata, statsmodels and R's ``vcovCL(type="HC1")``."""
        n_obs = self.n_comparisons
        k = self.n_params
        factor = n_clusters / (n_clusters - 1.0)
        if n_obs > k + 1:
            factor *= (n_obs - 1.0) / (n_obs - k)
        return factor

    def with_covariance(self, covariance_type: str, *, cluster: Any = None) -> "PairwiseFit":
        """This fit with another covariance (and so other standard errors and intervals).

        Parameters
        ----------
        covariance_type : {"observed", "expected", "sandwich", "cluster"}
            ``"observed"``: the inverse observed information ``J^-1`` (in the sum-to-zero
            subspace); ``"expected"``: the inverse Fisher information; ``"sandwich"``:
            ``J^-1 G J^-1`` with ``G = sum_r g_r g_r'`` over comparisons ``r`` of the
            per-comparison scores (gradients of ``log P(outcome_r)``), robust to a misspecified
            model (what LMArena reports); ``"cluster"``: the same with ``g`` summed within
            each cluster first and ``G`` times ``C/(C-1) (N-1)/(N-K)`` (``C`` clusters, ``N``
            comparisons, ``K`` free parameters, as Stata and statsmodels), robust to
            correlation within clusters (prompts, annotators).
        cluster : str or array_like, optional
            For ``"cluster"``: a per-row column of the comparisons (default ``"cluster"``) or
            one label per row.

        Returns
        -------
        PairwiseFit
        """
        _check_choice(covariance_type, "covariance_type", COVARIANCE_TYPES)
        new = copy.copy(self)
        new._covariance_type = covariance_type
        new._cov = None
        new._cluster_codes = None
        if covariance_type == "cluster":
            new._cluster_codes = _rows.cluster_labels(self._comparisons,
                                                      "cluster" if cluster is None else cluster)
        elif cluster is not None:
            raise ValueError("`cluster` applies to covariance_type='cluster' only.")
        return new

    @property
    def covariance(self):
        """Covariance of the centred scores (inverse information in the subspace)."""
        n = self.n_items
        return pd.DataFrame(self._full_covariance()[:n, :n], index=self.items,
                            columns=self.items)

    @property
    def parameter_covariance(self):
        """Covariance of all parameters: the centred scores, then ``eta = log(theta)`` for
        tie models (a DataFrame; equal to :attr:`covariance` for models without ties)."""
        names = list(self.items) + (["eta"] if self._eta is not None else [])
        return pd.DataFrame(self._full_covariance(), index=names, columns=names)

    @property
    def standard_errors(self):
        """Standard errors of the centred scores.

        Up to ``MAX_DENSE_COVARIANCE`` items from the dense covariance; beyond, exactly from
        the sparse factorisation of the information when the comparison graph allows it
        (:func:`btstats.inference.large.variances`), else a MemoryError pointing to
        :meth:`variances` (``estimator="stochastic"``, or ``items=``).
        """
        n = self.n_items
        if n > MAX_DENSE_COVARIANCE:
            cached = getattr(self, "_sparse_se", None)
            if cached is None or cached[0] != self._covariance_type:
                cached = (self._covariance_type, _large.standard_errors(self))
                self._sparse_se = cached
            return pd.Series(cached[1].copy(), index=self.items, name="se")
        d = np.diag(self._full_covariance())[:n]
        return pd.Series(np.sqrt(np.maximum(d, 0.0)), index=self.items, name="se")

    @property
    def eta_se(self):
        if self._eta is None:
            return None
        if self.n_items > MAX_DENSE_COVARIANCE:
            return float(math.sqrt(max(_large.coefficient_covariance(self)[-1, -1], 0.0)))
        return float(math.sqrt(max(self._full_covariance()[-1, -1], 0.0)))

    def _coefficient_variances(self):
        """Variances of the parameters beyond the scores (by sparse solves beyond
        ``MAX_DENSE_COVARIANCE`` items)."""
        if self.n_items > MAX_DENSE_COVARIANCE:
            return np.diag(_large.coefficient_covariance(self))
        return np.diag(self._full_covariance())[self.n_items:]

    def variances(self, items=None, *, contrasts=None, estimator="exact", tol=None,
                  n_probes=None, rng=None, solver="auto"):
        """Variances of the centred scores, or of contrasts, without an n x n matrix: for
        any number of items, from this fit's covariance (observed, expected, sandwich or
        cluster).

        Parameters
        ----------
        items : label or list of labels, optional
            Items whose score variances are wanted (default: all).
        contrasts : optional
            Instead of items: ``(a, b)`` label pairs, a dict ``{label: weight}``, or a
            ``(k, n_items)`` array / sparse matrix / DataFrame of weights (rows sum to 0).
        estimator : {"exact", "stochastic"}
            ``"exact"``: sparse solves (conjugate gradients to ``tol``), all items at once by
            a sparse factorisation where the graph allows it; ``"stochastic"``: Hutchinson's
            estimator with ``n_probes`` Rademacher probes and a Monte-Carlo standard error
            per item (``variance_mcse``).
        tol, n_probes, rng, solver
            See :func:`btstats.inference.large.variances`.

        Returns
        -------
        Variances
            ``estimate``, ``variance``, ``standard_error``, ``variance_mcse``,
            ``coefficient_variance``, ``estimator``, ``solver``, ``tol``;
            ``confidence_interval()``, ``to_frame()``, ``summary()``.

        Notes
        -----
        ``Var(c's) = c' L^+ c`` with ``L`` the Laplacian-shaped information (plus the Schur
        complement of the parameters beyond the scores): one solve ``L x = c`` per contrast
        (an item is ``c = e_i - 1/n``).  See :func:`btstats.inference.large.variances` for
        the factorisation and the stochastic estimator.

        Examples
        --------
        >>> import btstats
        >>> fit = btstats.fit(btstats.load_example("baseball"))
        >>> fit.variances(["Milwaukee", "Baltimore"]).standard_error.round(4)
        item
        Milwaukee    0.2074
        Baltimore    0.2325
        Name: standard_error, dtype: float64
        >>> res = fit.variances(estimator="stochastic", n_probes=50, rng=0)
        >>> bool((abs(res.variance - fit.standard_errors ** 2) < 4 * res.variance_mcse).all())
        True
        """
        return _large.variances(self, items, contrasts=contrasts, estimator=estimator,
                                tol=tol, n_probes=n_probes, rng=rng, solver=solver)

    @property
    def theta_se(self):
        """Standard error of theta by the delta method, ``theta * se(eta)``."""
        if self._eta is None:
            return None
        return self.theta * self.eta_se

    def confidence_interval(self, confidence_level: float = 0.95, *, interval: str = "wald"
                            ) -> ConfidenceInterval:
        """Wald intervals ``score -/+ z se`` for the centred scores.

        Parameters
        ----------
        confidence_level : float
            Coverage of the two-sided interval, in ``(0, 1)``.
        interval : {"wald"}
            The interval kind; a fit has Wald intervals from its covariance (for bootstrap
            intervals see :meth:`bootstrap`).

        Returns
        -------
        ConfidenceInterval
            ``low`` and ``high`` as Series by item.

        Examples
        --------
        >>> import btstats
        >>> fit = btstats.fit(btstats.load_example("citations"))
        >>> low, high = fit.confidence_interval(0.95)
        >>> round(float(low["JASA"]), 3), round(float(high["JASA"]), 3)
        (0.229, 0.392)
        """
        _check_choice(interval, "interval", ("wald",))
        return self._interval("wald", self.items, estimate=self._s,
                              standard_error=self.standard_errors.to_numpy(),
                              confidence_level=confidence_level)

    # ------------------------------------------------------------------ coefficients
    def _coefficient_names(self):
        """Names of the parameters beyond the scores, in the order of the covariance."""
        return [] if self._eta is None else ["eta"]

    def _coefficient_values(self):
        return np.array([] if self._eta is None else [self._eta], dtype=float)

    @property
    def coefficients(self):
        """Estimate, standard error, z (against 0), two-sided p and 95% Wald interval of each
        parameter beyond the scores: ``eta = log(theta)`` for Rao-Kupper and Glenn-David
        fits (``z`` tests ``theta = 1``, no ties), the order effect, tie parameters or
        thresholds of the general core; an empty table for Bradley-Terry and Thurstone."""
        return self.coefficient_table()

    def coefficient_table(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """:attr:`coefficients` at another confidence level.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, z, p, ci_low, ci_high``, indexed by ``parameter``.

        Notes
        -----
        ``z = estimate / se``, ``p = 2 Phi(-|z|)`` and the Wald interval
        ``estimate -/+ z_{1 - alpha} se`` (:func:`btstats.inference.intervals.wald`), with
        the standard errors of this fit's covariance (:meth:`with_covariance`).
        """
        level = _v.check_confidence_level(confidence_level)
        names = self._coefficient_names()
        est = self._coefficient_values()
        se = np.sqrt(np.maximum(self._coefficient_variances(), 0.0)) if names else np.zeros(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / np.where(se > 0, se, 1.0), np.nan)
        low, high = _intervals.wald(est, se, level)
        return pd.DataFrame({"estimate": est, "se": se, "z": z, "p": 2.0 * ndtr(-np.abs(z)),
                             "ci_low": low, "ci_high": high},
                            index=pd.Index(names, name="parameter", dtype=object))

    def plot(self, *, confidence_level=0.95, scale="log", quasi=False, ax=None):
        """Forest plot of the scores with Wald intervals (needs matplotlib).

        With ``quasi=True`` the bars are ``score -/+ z quasi_se`` (:meth:`quasi_variances`):
        comparison intervals, so two items whose bars do not overlap differ at about the
        stated level, whatever pair is looked at.

        See :func:`btstats.plotting.plot_scores` (the plots of a fit are those of
        :mod:`btstats.plotting` with the fit as first argument).

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_scores(self, confidence_level=confidence_level, scale=scale, quasi=quasi,
                           ax=ax)

    def plot_win_probabilities(self, *, annotate=None, ax=None):
        """Heatmap of the fitted ``P(row beats column)``, items best first (needs
        matplotlib); see :func:`btstats.plotting.plot_win_probabilities`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_win_probabilities(self, annotate=annotate, ax=ax)

    def plot_win_fractions(self, *, annotate=None, ax=None):
        """Heatmap of the observed share each row item won against each column item (ties
        count one half), items best first (needs matplotlib); see
        :func:`btstats.plotting.plot_win_fractions`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_win_fractions(self, annotate=annotate, ax=ax)

    def plot_battle_counts(self, *, annotate=None, ax=None):
        """Heatmap of the comparisons of each pair in the data fitted (needs matplotlib);
        see :func:`btstats.plotting.plot_battle_counts`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_battle_counts(self, annotate=annotate, ax=ax)

    def contrast(self, a: Any, b: Any = None) -> Contrast:
        """The difference of two scores, or a linear contrast of them, with its standard
        error, z and two-sided p.

        Parameters
        ----------
        a, b : item labels, or a weight vector / dict as ``a`` alone
            ``contrast(a, b)`` is ``s_a - s_b`` (under Bradley-Terry the log odds of ``a``
            beating ``b`` on neutral ground).  ``contrast(weights)`` is ``c's`` for weights
            given as a dict or Series ``{label: c_label}`` (items left out weigh 0) or a
            list / array with one entry per item in the order of :attr:`items`; the weights
            must sum to zero (only such contrasts are estimable).

        Returns
        -------
        Contrast
            ``estimate``, ``standard_error`` (from this fit's covariance: observed,
            expected, sandwich or cluster, see :meth:`with_covariance`), ``statistic``
            (z), ``pvalue``, ``weights``; ``confidence_interval(confidence_level)``,
            ``to_frame()``, ``summary()``.

        Raises
        ------
        KeyError
            For a label that is not one of the fitted items (the message names it).
        ValueError
            For weights that do not sum to zero, are all zero, or have the wrong length.

        Notes
        -----
        ``estimate = c's``, ``standard_error = sqrt(c' V c)`` with ``V`` the covariance of
        the centred scores (:attr:`covariance`); both are the same under any identification
        of the scores when ``sum(c) = 0`` (R: the same from ``BTabilities`` with a reference
        item).  See :func:`btstats.inference.comparison.contrast`.

        Examples
        --------
        >>> import btstats
        >>> fit = btstats.fit(btstats.load_example("baseball"))
        >>> res = fit.contrast("Milwaukee", "Baltimore")
        >>> round(res.estimate, 4), round(res.standard_error, 4), round(res.statistic, 3)
        (1.5814, 0.3433, 4.607)
        >>> low, high = res.confidence_interval(0.95)
        >>> round(low, 4), round(high, 4)
        (0.9086, 2.2541)
        >>> fit.contrast({"Milwaukee": 0.5, "New York": 0.5, "Baltimore": -1}).label
        '0.5 Milwaukee + 0.5 New York - Baltimore'
        """
        n = self.n_items
        if n > MAX_DENSE_COVARIANCE:
            return _large.contrast(self, a, b)
        return _contrast(self.scores, self._full_covariance()[:n, :n], a, b,
                         covariance_type=self._covariance_type)

    def quasi_variances(self) -> QuasiVariances:
        """Quasi-variances of the scores (Firth and de Menezes 2004), from this fit's
        covariance (observed, sandwich or cluster): one variance per item with
        ``q_i + q_j ~ Var(s_i - s_j)`` for every pair, the criterion of R's ``qvcalc``.
        See :func:`btstats.inference.quasi.quasi_variances`.

        Returns
        -------
        QuasiVariances
        """
        return quasi_variances(self.scores, self.covariance.to_numpy())

    def rank_sets(self, confidence_level: float = 0.95, *, simultaneous: bool = False,
                  stepdown: bool = True, n_draws: int | None = None,
                  rng: int | np.random.Generator | None = None) -> RankSets:
        """Rank confidence sets from this fit's covariance (observed, sandwich or cluster):
        marginal (each item's plausible ranks) or simultaneous (joint coverage of the whole
        ranking), in the sense of Mogstad, Romano, Shaikh and Wilhelm (2024).  See
        :func:`btstats.inference.ranks.rank_confidence_sets`.

        Returns
        -------
        RankSets
        """
        return rank_confidence_sets(self.scores, covariance=self.covariance,
                                    confidence_level=confidence_level,
                                    simultaneous=simultaneous, stepdown=stepdown,
                                    n_draws=n_draws, rng=rng)

    # ------------------------------------------------------------------ resampling
    def bootstrap(self, *, n_resamples: int = 1000, kind: str = "nonparametric",
                  cluster: Any = None, degenerate: str = "penalize",
                  fallback_penalty: float = 0.01, rng: int | np.random.Generator | None = None,
                  progress: bool | None = None) -> BootstrapResult:
        """Bootstrap this fit: resample, refit from this estimate, keep the distribution.

        Same model, method, penalty and tie handling as this fit; the parameters are those of
        :func:`btstats.bootstrap`.

        Returns
        -------
        BootstrapResult
        """
        return bootstrap_fit(self, n_resamples=n_resamples, kind=kind, cluster=cluster,
                             degenerate=degenerate, fallback_penalty=fallback_penalty, rng=rng,
                             progress=progress)

    # ------------------------------------------------------------------ predictions
    def _codes(self, labels, name):
        if _is_many(labels):
            labels_arr = np.asarray(list(labels), dtype=object)
            if labels_arr.ndim != 1:
                labels_arr = np.empty(len(labels), dtype=object)
                labels_arr[:] = list(labels)
        else:
            labels_arr = np.empty(1, dtype=object)
            labels_arr[0] = labels
        try:
            idx = self.items.get_indexer(pd.Index(labels_arr, dtype=object))
        except TypeError as exc:
            raise TypeError(f"`{name}` must be an item label or a list / array of labels "
                            f"(hashable values such as strings); got {labels!r:.80}.") from exc
        if np.any(idx < 0):
            unknown = pd.unique(labels_arr[idx < 0])[:5].tolist()
            raise KeyError(f"unknown item label(s) in `{name}`: {unknown}. Known items: "
                           f"{list(self.items[:10])}{' ...' if self.n_items > 10 else ''}.")
        return idx

    def probabilities(self, a: Any, b: Any) -> "PairProbabilities":
        """``P(a wins)``, ``P(tie)``, ``P(b wins)`` for labels (or arrays of labels).

        A single label may be any hashable, a tuple included; several labels are given as a
        list, an ndarray, a Series or an Index.

        Returns
        -------
        PairProbabilities
            Named tuple ``(a_wins, tie, b_wins)``: floats for single labels, arrays for
            arrays (broadcast together).

        Raises
        ------
        KeyError
            When a label is not one of the fitted items; the message names the unknown
            labels and lists known ones.
        """
        scalar = not _is_many(a) and not _is_many(b)
        ia = self._codes(a, "a")
        ib = self._codes(b, "b")
        if ia.shape[0] != ib.shape[0] and 1 not in (ia.shape[0], ib.shape[0]):
            raise ValueError(f"`a` and `b` must be single labels or lists of the same length "
                             f"(one pair per position); got {ia.shape[0]} and {ib.shape[0]} "
                             f"labels.")
        ia, ib = np.broadcast_arrays(ia, ib)
        d = self._s[ia] - self._s[ib]
        p = self._model.probabilities(d, 0.0 if self._eta is None else self._eta)
        if scalar:
            return PairProbabilities(*(float(x[0]) for x in p))
        return PairProbabilities(*p)

    # ------------------------------------------------------------------ tables
    def to_frame(self, *, scale: str = "log", confidence_level: float = 0.95,
                 intervals: bool = True) -> pd.DataFrame:
        """The leaderboard, best first.

        Parameters
        ----------
        scale : {"log", "elo"}
            ``"log"``: centred log-strengths.  ``"elo"``: ``1000 + 400 / ln(10) * score``, the
            scale arena leaderboards use (standard errors scaled alike).
        confidence_level : float
            Level of the Wald interval columns.
        intervals : bool
            Include the se / ci_low / ci_high columns (they need the n x n covariance).

        Returns
        -------
        pandas.DataFrame
            Columns rank, item, score, se, ci_low, ci_high, wins, losses, ties.
        """
        _check_choice(scale, "scale", ("log", "elo"))
        _check_choice(intervals, "intervals", (False, True))
        mult, base = (ELO_PER_UNIT, ELO_BASE) if scale == "elo" else (1.0, 0.0)
        # what was fitted: ties may have been dropped or halved for a model without ties
        rec = _record_frame(self._counts, self.items)
        cols = {"item": self.items, "score": base + mult * self._s}
        if intervals:
            ci = self.confidence_interval(confidence_level)
            cols["se"] = mult * self.standard_errors.to_numpy()
            cols["ci_low"] = base + mult * ci["low"].to_numpy()
            cols["ci_high"] = base + mult * ci["high"].to_numpy()
        df = pd.DataFrame({**cols, "wins": rec["wins"].to_numpy(),
                           "losses": rec["losses"].to_numpy(), "ties": rec["ties"].to_numpy()})
        df.insert(0, "rank", df["score"].rank(ascending=False, method="min").astype(int))
        try:
            df = df.sort_values(["rank", "item"], kind="stable")
        except TypeError:
            # labels that do not sort among themselves (tuples with frozensets, say): ties in
            # rank keep the items' order
            df = df.sort_values("rank", kind="stable")
        return df.reset_index(drop=True)

    def _header(self):
        rows = [("model", self.model), ("method", self.method),
                ("items", f"{self.n_items}"), ("comparisons", f"{self.n_comparisons:g}"),
                ("log-likelihood", f"{self.loglik:.4f}"), ("AIC", f"{self.aic:.2f}"),
                ("BIC", f"{self.bic:.2f}"),
                ("converged", f"{self.converged} ({self.n_iter} iterations)")]
        if self._eta is not None:
            # the family prints its parameter (Rao-Kupper's as theta = exp(eta))
            rows.append(self._model.family.param_text(
                "eta", self.eta, self.eta_se if self.has_intervals else None,
                self._model.link_function))
        if self._penalty:
            rows.append(("penalty", f"{self._penalty:g} (MAP, L2 on the scores)"))
        if self._covariance_type != "observed":
            extra = (f", {self._n_clusters} clusters" if self._covariance_type == "cluster"
                     and self._n_clusters else "")
            rows.append(("covariance", f"{self._covariance_type}{extra}"))
        return rows

    @property
    def has_intervals(self):
        """Whether standard errors are computed (up to ``MAX_DENSE_COVARIANCE`` items)."""
        return self.n_items <= MAX_DENSE_COVARIANCE

    # ------------------------------------------------------------------ display
    # summary() and _repr_html_() come from ResultBase: the header above, the leaderboard
    # (without intervals above MAX_DENSE_COVARIANCE items), then the coefficient table of
    # the parameters beyond the scores, as statsmodels prints its models.
    @property
    def _summary_title(self):
        return self._model.description

    @property
    def _frame_format(self):
        return {"index": False, "formatters": _FORMATTERS}

    def _summary_frame(self, *, scale="log", confidence_level=0.95):
        return self.to_frame(scale=scale, confidence_level=confidence_level,
                             intervals=self.has_intervals)

    def _sections(self, *, scale="log", confidence_level=0.95):
        if not self._coefficient_names() or not self.has_intervals:
            return []
        return [("Coefficients", self.coefficient_table(confidence_level),
                 {"float_format": _fmt})]

    def __repr__(self):
        return (f"PairwiseFit(model={self.model!r}, method={self.method!r}, "
                f"n_items={self.n_items}, n_comparisons={self.n_comparisons:g}, "
                f"loglik={self.loglik:.4f}, converged={self.converged})")


def _fmt(x):
    return f"{x:.4f}"


def _count(x):
    return f"{x:g}"


_FORMATTERS = {"score": _fmt, "se": _fmt, "ci_low": _fmt, "ci_high": _fmt,
               "wins": _count, "losses": _count, "ties": _count}


def _is_many(x):
    return isinstance(x, (list, np.ndarray, pd.Series, pd.Index))
